/**
 * The scheduler against the real API server (memory backend, in-process client, real informers
 * and event recorder): pods/binding, PodScheduled conditions, FailedScheduling events, a pod too
 * big for every node placed once a node big enough joins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../api/builtin.js';
import { ApiRegistry } from '../api/registry.js';
import type { UserInfo, KubeObject } from '../api/types.js';
import type { V1Pod } from '../api/core/v1/pod-types.js';
import { createApiServer } from '../apiserver/server.js';
import { createEventRecorder, createInformerFactory, createInProcessClient, inProcessAuthenticator, R } from '../client/index.js';
import { discardLogger } from '../lib/log.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { Scheduler } from './scheduler.js';
import { node, pod } from './testing/fixtures.js';

const ADMIN: UserInfo = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('scheduler through the real API server', async (t) => {
  const backend = new MemoryBackend();
  const api = createApiServer({ backend, registry: new ApiRegistry(builtinResources()), authenticators: [inProcessAuthenticator], logger: discardLogger });
  await api.start();
  const client = createInProcessClient((req, res) => api.handle(req, res), ADMIN, 'scheduler-test');
  const informers = createInformerFactory(client);
  const recorders: { flush(): Promise<void>; stop(): void }[] = [];
  const sched = new Scheduler();
  t.after(async () => {
    await sched.stop();
    informers.stop();
    for (const r of recorders) r.stop();
    await api.close();
    await backend.close();
  });
  const strip = (o: KubeObject) => ({ ...o, status: undefined }) as KubeObject;
  for (const n of [node('n1', { cpu: '1', taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] }), node('n2', { cpu: '1' }), node('n3', { cpu: '1' })])
    await client.create(R.nodes, '', { ...n, metadata: { name: n.metadata.name!, labels: n.metadata.labels } });
  await sched.start({
    client,
    informers,
    recorder: (c) => {
      const r = createEventRecorder(client, c);
      recorders.push(r);
      return r;
    },
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  });
  const mk = (name: string, cpu: string) => {
    const p = strip(pod(name, { cpu }));
    delete (p.metadata as { uid?: string }).uid;
    delete (p.metadata as { creationTimestamp?: string }).creationTimestamp;
    return p;
  };
  await client.create(R.pods, 'default', mk('big', '2'));
  await client.create(R.pods, 'default', mk('small', '500m'));
  const get = (n: string) => client.get<V1Pod>(R.pods, 'default', n);
  await eventually(async () => !!(await get('small')).spec?.nodeName, 'small bound');
  assert.notEqual((await get('small')).spec?.nodeName, 'n1');
  const msg = '0/3 nodes are available: 1 node(s) had untolerated taint {workload-type: compute-optimized}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..';
  await eventually(async () => (await get('big')).status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable' && c.message === msg) ?? false, 'PodScheduled=False with the summary');
  for (const r of recorders) await r.flush();
  const events = await client.list(R.events, { namespace: 'default' });
  const reasons = events.items.map((e) => `${e['reason'] as string}: ${e['message'] as string}`);
  assert.ok(reasons.includes(`FailedScheduling: ${msg}`), reasons.join('\n'));
  assert.ok(reasons.some((r) => /^Scheduled: Successfully assigned default\/small to n[23]$/.test(r)), reasons.join('\n'));
  const n4 = node('n4', { cpu: '4' });
  await client.create(R.nodes, '', { ...n4, metadata: { name: 'n4', labels: n4.metadata.labels } });
  // The node add moves the pod out of unschedulable; its 1 s backoff then expires.
  await eventually(async () => (await get('big')).spec?.nodeName === 'n4', 'big placed on the new node');
});
