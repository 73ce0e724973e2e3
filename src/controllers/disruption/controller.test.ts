/**
 * Integration: a real API server, the HTTP client, shared informers and work queues, and the
 * disruption controller. Pods turn Ready through the status subresource (as a kubelet would); the
 * PDB's status follows, including the Deployment's scale for a percentage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import type { KubeObject } from '../../api/types.js';
import type { PodDisruptionBudget } from '../../api/policy/v1/index.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R, type Client } from '../../client/types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { newDisruptionController } from './index.js';
import { until as untilBase } from '../../lib/testing/until.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilBase(what, fn, timeoutMs, 25);

async function readyPod(client: Client, name: string, owner?: KubeObject): Promise<void> {
  const p = await client.create(R.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' }, ...(owner ? { ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }] } : {}) },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  });
  await client.update(R.pods, 'default', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
}

test('PDB status follows pods and the owning Deployment scale', async (t) => {
  const srv = await startTestServer({ resources: builtinResources() });
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'disruption-test');
  const informers = createInformerFactory(client);
  const events: string[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (o, type, reason) => void events.push(`${o.kind}/${o.metadata.name} ${type} ${reason}`) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const dc = newDisruptionController({ newQueue: (name) => createWorkQueue({ name }) });
  t.after(async () => {
    await dc.stop();
    informers.stop();
  });
  await dc.start(ctx);

  await client.create(R.poddisruptionbudgets, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
  const get = () => client.get<PodDisruptionBudget>(R.poddisruptionbudgets, 'default', 'web');
  await until('initial status', async () => (await get()).status?.conditions?.[0]?.reason === 'InsufficientPods');
  for (const n of ['a', 'b', 'c']) await readyPod(client, n);
  const st = await until('3 healthy', async () => {
    const s = (await get()).status;
    return s?.currentHealthy === 3 ? s : undefined;
  });
  assert.equal(st.desiredHealthy, 2);
  assert.equal(st.expectedPods, 3);
  assert.equal(st.disruptionsAllowed, 1);
  assert.equal(st.observedGeneration, 1);
  assert.equal(st.conditions?.[0]?.reason, 'SufficientPods');

  // A percentage reads the controller's scale: a Deployment of 4 with one RS owning the pods.
  await Promise.all(['a', 'b', 'c'].map((n) => client.delete(R.pods, 'default', n)));
  const dep = await client.create<KubeObject>(R.deployments, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  const rs = await client.create<KubeObject>(R.replicasets, 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: dep.metadata.uid!, controller: true }] },
    spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  for (const n of ['r1', 'r2', 'r3']) await readyPod(client, n, rs);
  const pdb = await get();
  await client.update(R.poddisruptionbudgets, 'default', { ...pdb, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } } });
  const st2 = await until('percentage of the Deployment scale', async () => {
    const s = (await get()).status;
    return s?.observedGeneration === 2 && s.currentHealthy === 3 ? s : undefined;
  });
  assert.equal(st2.expectedPods, 4);
  assert.equal(st2.desiredHealthy, 2);
  assert.equal(st2.disruptionsAllowed, 1);
});
