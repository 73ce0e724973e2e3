/**
 * The ServiceLB controller against an in-process API server: without a pool, LoadBalancer
 * Services follow the Ready nodes' InternalIPs; with one, each gets its own address and a freed
 * address goes to a Service that was waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R, type Client } from '../../client/types.js';
import type { KubeObject } from '../../api/types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { until as untilBase } from '../../lib/testing/until.js';
import { newServiceLbController } from './index.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilBase(what, fn, timeoutMs, 25);

async function setup(t: import('node:test').TestContext, pool: string[]) {
  const srv = await startTestServer({ resources: builtinResources() });
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'service-lb-test');
  const informers = createInformerFactory(client);
  const events: string[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (o, type, reason) => void events.push(`${o.metadata.name} ${type} ${reason}`) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  const c = newServiceLbController({ newQueue: (name) => createWorkQueue({ name }), pool });
  t.after(async () => {
    await c.stop();
    informers.stop();
  });
  await c.start(ctx);
  await informers.start();
  return { client, events };
}

const lb = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30000 + name.length }], selector: { app: name }, ...spec },
});

async function setNode(client: Client, name: string, ip: string, ready: boolean): Promise<void> {
  let cur = (await client.list(R.nodes, {})).items.find((n) => n.metadata.name === name);
  if (!cur) cur = await client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  await client.update(R.nodes, '', { ...cur, status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
}

const ingress = async (client: Client, name: string): Promise<string[]> => {
  const s = await client.get<KubeObject & { status?: { loadBalancer?: { ingress?: { ip: string }[] } } }>(R.services, 'default', name);
  return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
};

test('without a pool: the InternalIPs of Ready nodes, following node readiness; loadBalancerClass Services untouched', async (t) => {
  const { client } = await setup(t, []);
  await setNode(client, 'n1', '192.0.2.10', true);
  await client.create(R.services, 'default', lb('web'));
  await client.create(R.services, 'default', lb('other', { loadBalancerClass: 'example.com/lb' }));
  await until('web gets the node address', async () => JSON.stringify(await ingress(client, 'web')) === '["192.0.2.10"]');
  await setNode(client, 'n2', '192.0.2.11', true);
  await until('both nodes', async () => JSON.stringify(await ingress(client, 'web')) === '["192.0.2.10","192.0.2.11"]');
  await setNode(client, 'n1', '192.0.2.10', false);
  await until('only the ready node', async () => JSON.stringify(await ingress(client, 'web')) === '["192.0.2.11"]');
  assert.deepEqual(await ingress(client, 'other'), []);
});

test('with a pool: one address each, exhaustion waits with an event, a freed address goes to the waiting Service', async (t) => {
  const { client, events } = await setup(t, ['198.51.100.0/30']); // .1 and .2
  await client.create(R.services, 'default', lb('a'));
  await until('a', async () => (await ingress(client, 'a')).length === 1);
  await client.create(R.services, 'default', lb('bb'));
  await until('bb', async () => (await ingress(client, 'bb')).length === 1);
  assert.deepEqual([...(await ingress(client, 'a')), ...(await ingress(client, 'bb'))].sort(), ['198.51.100.1', '198.51.100.2']);
  await client.create(R.services, 'default', lb('ccc'));
  await until('the AllocationFailed event', async () => events.includes('ccc Warning AllocationFailed'));
  assert.deepEqual(await ingress(client, 'ccc'), []);
  const freed = (await ingress(client, 'a'))[0];
  await client.delete(R.services, 'default', 'a');
  await until('ccc gets the freed address', async () => JSON.stringify(await ingress(client, 'ccc')) === JSON.stringify([freed]));
});
