import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimedAddresses, decideIngress, nodeIngressIps, parseLbPool, poolAddresses, type LbNodeView, type LbServiceView } from './reconcile.js';

const lb = (name: string, extra: Partial<LbServiceView['spec']> = {}, ingress?: string[]): LbServiceView => ({
  metadata: { name, namespace: 'ns' },
  spec: { type: 'LoadBalancer', ...extra },
  status: { loadBalancer: ingress ? { ingress: ingress.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
});
const node = (name: string, ip: string, ready = true): LbNodeView => ({
  metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const none = parseLbPool([]);

test('without a pool: the InternalIPs of Ready nodes, sorted; unchanged status is left alone', () => {
  const nodes = [node('b', '192.0.2.20'), node('a', '192.0.2.10'), node('c', '192.0.2.30', false)];
  assert.deepEqual(nodeIngressIps(nodes), ['192.0.2.10', '192.0.2.20']);
  assert.deepEqual(decideIngress(lb('web'), none, nodes, new Map()), {
    type: 'set',
    ingress: [
      { ip: '192.0.2.10', ipMode: 'VIP' },
      { ip: '192.0.2.20', ipMode: 'VIP' },
    ],
  });
  assert.deepEqual(decideIngress(lb('web', {}, ['192.0.2.10', '192.0.2.20']), none, nodes, new Map()), { type: 'none' });
  assert.deepEqual(decideIngress(lb('web', {}, ['192.0.2.10', '192.0.2.20']), none, [nodes[1]!], new Map()), { type: 'set', ingress: [{ ip: '192.0.2.10', ipMode: 'VIP' }] });
});

test('other types and loadBalancerClass Services are not ours', () => {
  assert.deepEqual(decideIngress({ metadata: { name: 'x' }, spec: { type: 'NodePort' } }, none, [node('a', '192.0.2.1')], new Map()), { type: 'none' });
  assert.deepEqual(decideIngress(lb('x', { loadBalancerClass: 'example.com/lb' }), none, [node('a', '192.0.2.1')], new Map()), { type: 'none' });
});

test('with a pool: one address per Service, lowest free first, kept, loadBalancerIP honoured when free, exhaustion', () => {
  const pool = parseLbPool(['192.168.100.0/30', '192.168.200.7']);
  assert.deepEqual([...poolAddresses(pool)], ['192.168.100.1', '192.168.100.2', '192.168.200.7']);
  const first = decideIngress(lb('a'), pool, [], new Map());
  assert.deepEqual(first, { type: 'set', ingress: [{ ip: '192.168.100.1', ipMode: 'VIP' }] });
  const claimed = claimedAddresses([lb('a', {}, ['192.168.100.1'])], pool);
  assert.deepEqual([...claimed], [['192.168.100.1', 'ns/a']]);
  assert.deepEqual(decideIngress(lb('b'), pool, [], claimed), { type: 'set', ingress: [{ ip: '192.168.100.2', ipMode: 'VIP' }] });
  assert.deepEqual(decideIngress(lb('a', {}, ['192.168.100.1']), pool, [], claimedAddresses([lb('a', {}, ['192.168.100.1'])], pool, 'ns/a')), { type: 'none' });
  assert.deepEqual(decideIngress(lb('c', { loadBalancerIP: '192.168.200.7' }), pool, [], claimed), { type: 'set', ingress: [{ ip: '192.168.200.7', ipMode: 'VIP' }] });
  const full = new Map([
    ['192.168.100.1', 'ns/a'],
    ['192.168.100.2', 'ns/b'],
    ['192.168.200.7', 'ns/c'],
  ]);
  assert.deepEqual(decideIngress(lb('d'), pool, [], full), { type: 'exhausted' });
  // an address outside the pool (left from a pool-less run) is replaced
  assert.deepEqual(decideIngress(lb('e', {}, ['10.0.0.1']), pool, [], new Map()), { type: 'set', ingress: [{ ip: '192.168.100.1', ipMode: 'VIP' }] });
});
