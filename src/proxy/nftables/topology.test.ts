import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterEndpoints, topologyMode, type TopologyEndpoint } from './topology.js';

type Ep = TopologyEndpoint & { ip: string };
const ep = (ip: string, zones?: string[], nodes?: string[], c: Partial<TopologyEndpoint> = {}): Ep => ({
  ip,
  ready: true,
  serving: true,
  terminating: false,
  ...(zones ? { zoneHints: zones } : {}),
  ...(nodes ? { nodeHints: nodes } : {}),
  ...c,
});
const ips = (eps: Ep[]) => eps.map((e) => e.ip);
const node = { nodeName: 'n1', zone: 'zone-a' };

test('zone hints: every ready endpoint hinted and one for our zone → only ours (PreferSameZone)', () => {
  const eps = [ep('10.0.0.1', ['zone-a']), ep('10.0.0.2', ['zone-b']), ep('10.0.0.3', ['zone-a', 'zone-c'])];
  assert.equal(topologyMode(eps, node), 'PreferSameZone');
  assert.deepEqual(ips(clusterEndpoints(eps, node)), ['10.0.0.1', '10.0.0.3']);
  assert.deepEqual(ips(clusterEndpoints(eps, { nodeName: 'n2', zone: 'zone-b' })), ['10.0.0.2']);
});

test('zone hints ignored: one ready endpoint without a hint, no hint for our zone, or a node without a zone label', () => {
  const missing = [ep('10.0.0.1', ['zone-a']), ep('10.0.0.2')];
  assert.equal(topologyMode(missing, node), '');
  assert.deepEqual(ips(clusterEndpoints(missing, node)), ['10.0.0.1', '10.0.0.2']);
  const other = [ep('10.0.0.1', ['zone-b']), ep('10.0.0.2', ['zone-c'])];
  assert.deepEqual(ips(clusterEndpoints(other, node)), ['10.0.0.1', '10.0.0.2']);
  const hinted = [ep('10.0.0.1', ['zone-a']), ep('10.0.0.2', ['zone-b'])];
  assert.deepEqual(ips(clusterEndpoints(hinted, { nodeName: 'n1' })), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(ips(clusterEndpoints(hinted, { nodeName: 'n1', zone: '' })), ['10.0.0.1', '10.0.0.2']);
});

test('an unready endpoint without hints does not disable hints; it is never chosen', () => {
  const eps = [ep('10.0.0.1', ['zone-a']), ep('10.0.0.2', ['zone-b']), ep('10.0.0.3', undefined, undefined, { ready: false, serving: false })];
  assert.equal(topologyMode(eps, node), 'PreferSameZone');
  assert.deepEqual(ips(clusterEndpoints(eps, node)), ['10.0.0.1']);
});

test('node hints (PreferSameNode) win over zone hints when every ready endpoint has one and one is ours; else zone hints apply', () => {
  const eps = [ep('10.0.0.1', ['zone-a'], ['n1']), ep('10.0.0.2', ['zone-a'], ['n2']), ep('10.0.0.3', ['zone-b'], ['n3'])];
  assert.equal(topologyMode(eps, node), 'PreferSameNode');
  assert.deepEqual(ips(clusterEndpoints(eps, node)), ['10.0.0.1']);
  // No endpoint on n4, same zone as n1/n2: zone hints.
  assert.deepEqual(ips(clusterEndpoints(eps, { nodeName: 'n4', zone: 'zone-a' })), ['10.0.0.1', '10.0.0.2']);
  // One endpoint without a node hint: node hints off, zone hints on.
  const mixed = [ep('10.0.0.1', ['zone-a'], ['n1']), ep('10.0.0.2', ['zone-a'])];
  assert.equal(topologyMode(mixed, node), 'PreferSameZone');
  assert.deepEqual(ips(clusterEndpoints(mixed, node)), ['10.0.0.1', '10.0.0.2']);
});

test('no ready endpoint: serving-and-terminating ones, unfiltered by hints; nothing at all → empty', () => {
  const eps = [ep('10.0.0.1', ['zone-b'], undefined, { ready: false, serving: true, terminating: true }), ep('10.0.0.2', ['zone-a'], undefined, { ready: false, serving: false, terminating: true })];
  assert.equal(topologyMode(eps, node), '');
  assert.deepEqual(ips(clusterEndpoints(eps, node)), ['10.0.0.1']);
  assert.deepEqual(clusterEndpoints([], node), []);
});
