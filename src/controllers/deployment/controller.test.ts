/**
 * Integration: a real API server (in-process, MemoryBackend, plain HTTP on loopback), the HTTP
 * client and shared informers, the Deployment and ReplicaSet controllers, and a tiny fake kubelet
 * that marks every new pod Running + Ready through the status subresource (and finishes graceful
 * deletions). A Deployment rolls out, rolls to a new template, rolls back (reusing the first
 * ReplicaSet with a bumped revision), scales, and reports status as `kubectl rollout status` reads it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import type { Deployment, ReplicaSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R, type Client } from '../../client/types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { forbidden } from '../../lib/errors.js';
import { newDeploymentController } from './index.js';
import { newReplicaSetController } from '../replicaset/index.js';
import { until as untilBase } from '../../lib/testing/until.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => untilBase(what, fn, timeoutMs, 50);

/** What `kubectl rollout status` checks (polymorphichelpers DeploymentStatusViewer). */
function rolloutDone(d: Deployment): boolean {
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) return false;
  const p = st.conditions?.find((c) => c.type === 'Progressing');
  if (p?.reason === 'ProgressDeadlineExceeded') throw new Error('deadline exceeded');
  const want = d.spec?.replicas ?? 1;
  return (st.updatedReplicas ?? 0) >= want && (st.replicas ?? 0) <= (st.updatedReplicas ?? 0) && (st.availableReplicas ?? 0) >= (st.updatedReplicas ?? 0);
}

function fakeKubelet(client: Client, pods: ReturnType<ReturnType<typeof createInformerFactory>['for']>, seen: Set<string>): void {
  const handle = (p: V1Pod) => {
    const ns = p.metadata.namespace ?? '';
    const name = p.metadata.name ?? '';
    if (p.metadata.deletionTimestamp) {
      void client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      return;
    }
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') || seen.has(p.metadata.uid ?? '')) return;
    seen.add(p.metadata.uid ?? '');
    const now = new Date().toISOString();
    void client
      .update(R.pods, ns, {
        ...p,
        status: {
          phase: 'Running',
          startTime: now,
          conditions: [
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          ],
          containerStatuses: (p.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } } })),
        },
      } as V1Pod, { subresource: 'status' })
      .catch(() => seen.delete(p.metadata.uid ?? ''));
  };
  pods.addHandlers({ add: (p) => handle(p as V1Pod), update: (_o, p) => handle(p as V1Pod) });
}

const deployment = (image: string): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', annotations: { 'kubernetes.io/change-cause': `image ${image}` } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

test('deployment + replicaset controllers roll out, update, roll back and scale through a real API server', { timeout: 90_000 }, async (t) => {
  const server = await startTestServer({ resources: builtinResources() });
  t.after(() => server.close());
  const client = createHttpClient({ server: server.url }, 'controllers-test');
  const informers = createInformerFactory(client);
  const events: string[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (obj, type, reason, message) => void events.push(`${obj.kind}/${obj.metadata.name} ${type} ${reason}: ${message}`) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  const newQueue = (name: string) => createWorkQueue({ name, baseDelayMs: 5, maxDelayMs: 500 });
  const rsc = newReplicaSetController({ newQueue });
  const dc = newDeploymentController({ newQueue });
  fakeKubelet(client, informers.for(R.pods), new Set());
  t.after(async () => {
    await dc.stop();
    await rsc.stop();
    informers.stop();
  });
  await Promise.all([rsc.start(ctx), dc.start(ctx)]);

  await client.create(R.deployments, 'default', deployment('nginx:1'));
  const get = () => client.get<Deployment>(R.deployments, 'default', 'web');
  const sets = async () => (await client.list<ReplicaSet>(R.replicasets, { namespace: 'default' })).items;
  const pods = async () => (await client.list<V1Pod>(R.pods, { namespace: 'default' })).items.filter((p) => !p.metadata.deletionTimestamp);

  const wait = (what: string, ok: (d: Deployment) => boolean) =>
    until<Deployment>(what, async () => {
      const x = await get();
      return ok(x) && x;
    });
  let d = await wait('first rollout', rolloutDone);
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  assert.equal(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
  const [first] = await sets();
  assert.ok(first);
  const hash = first.metadata.labels?.['pod-template-hash'];
  assert.ok(hash && first.metadata.name === `web-${hash}`);
  assert.equal(first.metadata.annotations?.['kubernetes.io/change-cause'], 'image nginx:1');
  const ps = await pods();
  assert.equal(ps.length, 3);
  for (const p of ps) {
    assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
    assert.ok(p.metadata.name?.startsWith(`web-${hash}-`));
    assert.equal(p.metadata.ownerReferences?.[0]?.uid, first.metadata.uid);
  }
  assert.ok(events.some((e) => e === `Deployment/web Normal ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`), events.join('\n'));
  assert.ok(events.some((e) => e.startsWith(`ReplicaSet/web-${hash} Normal SuccessfulCreate: Created pod: web-${hash}-`)));

  // A new template: a second ReplicaSet, and never fewer than 3 ready pods (maxUnavailable 0).
  let minReady = Infinity;
  const sampler = setInterval(() => {
    void pods().then((ps) => (minReady = Math.min(minReady, ps.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length)));
  }, 20);
  await client.patch(R.deployments, 'default', 'web', 'merge', { metadata: { annotations: { 'kubernetes.io/change-cause': 'image nginx:2' } }, spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } } });
  d = await wait('second rollout', (x) => x.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && rolloutDone(x));
  clearInterval(sampler);
  assert.ok(minReady >= 3, `ready pods dropped to ${minReady}`);
  assert.equal((await sets()).length, 2);
  assert.equal((await pods()).length, 3);
  assert.ok(events.some((e) => e.includes(`Scaled down replica set web-${hash} to 0 from 1`)), events.join('\n'));

  // kubectl rollout undo: the first set's template without its hash label.
  const tpl = structuredClone(first.spec!.template!);
  delete tpl.metadata!.labels!['pod-template-hash'];
  await client.patch(R.deployments, 'default', 'web', 'json', [{ op: 'replace', path: '/spec/template', value: tpl }]);
  d = await wait('rollback', (x) => x.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' && rolloutDone(x));
  const after = await sets();
  assert.equal(after.length, 2, 'the old set is reused');
  const reused = after.find((s) => s.metadata.uid === first.metadata.uid)!;
  assert.equal(reused.spec?.replicas, 3);
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');

  // kubectl scale.
  await client.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 5 } });
  d = await wait('scale to 5', (x) => (x.status?.availableReplicas ?? 0) === 5 && rolloutDone(x));
  assert.equal((await pods()).length, 5);
  assert.equal(d.status?.observedGeneration, d.metadata.generation);

  // Deleting a pod gets it replaced.
  const victim = (await pods())[0]!;
  await client.delete(R.pods, 'default', victim.metadata.name!, { gracePeriodSeconds: 0 });
  await until('replacement', async () => {
    const ps = await pods();
    return ps.length === 5 && !ps.some((p) => p.metadata.uid === victim.metadata.uid);
  });
});

test('replicaset controller adopts orphans, releases strays, creates and deletes with events', { timeout: 60_000 }, async (t) => {
  const server = await startTestServer({ resources: builtinResources() });
  t.after(() => server.close());
  const client = createHttpClient({ server: server.url }, 'controllers-test');
  const informers = createInformerFactory(client);
  const events: string[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (obj, type, reason, message) => void events.push(`${obj.metadata.name} ${type} ${reason}: ${message}`) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const rsc = newReplicaSetController({ newQueue: (name) => createWorkQueue({ name, baseDelayMs: 5, maxDelayMs: 200 }) });
  t.after(async () => {
    await rsc.stop();
    informers.stop();
  });
  await rsc.start(ctx);
  const orphan: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  await client.create(R.pods, 'default', orphan);
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  };
  const created = await client.create<ReplicaSet>(R.replicasets, 'default', rs);
  const owned = async () => (await client.list<V1Pod>(R.pods, { namespace: 'default' })).items.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === created.metadata.uid));
  await until('adopt + one create', async () => (await owned()).length === 2);
  const o = await client.get<V1Pod>(R.pods, 'default', 'orphan');
  assert.deepEqual(o.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'db', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  // Relabel the adopted pod: released, and replaced.
  await client.patch(R.pods, 'default', 'orphan', 'merge', { metadata: { labels: { app: 'other' } } });
  await until('release', async () => !(await client.get<V1Pod>(R.pods, 'default', 'orphan')).metadata.ownerReferences?.length);
  await until('replacement', async () => (await owned()).length === 2);
  const st = await until('status', async () => {
    const r = await client.get<ReplicaSet>(R.replicasets, 'default', 'db');
    return r.status?.replicas === 2 && r.status.observedGeneration === r.metadata.generation && r;
  });
  assert.equal(st.status?.fullyLabeledReplicas, 2);
  assert.equal(st.status?.readyReplicas ?? 0, 0);
  assert.equal(events.filter((e) => e.startsWith('db Normal SuccessfulCreate: Created pod: db-')).length, 2);
  // Scale down: a pod is deleted with an event.
  await client.patch(R.replicasets, 'default', 'db', 'merge', { spec: { replicas: 1 } });
  await until('scale down', async () => (await owned()).filter((p) => !p.metadata.deletionTimestamp).length === 1);
  assert.ok(events.some((e) => e.startsWith('db Normal SuccessfulDelete: Deleted pod: db-')), events.join('\n'));
});

test('a failing pod create gives FailedCreate events and the ReplicaFailure condition, up to the Deployment', { timeout: 60_000 }, async (t) => {
  const server = await startTestServer({ resources: builtinResources() });
  t.after(() => server.close());
  const real = createHttpClient({ server: server.url }, 'controllers-test');
  let quotaExceeded = true;
  // The API refuses pods while `quotaExceeded` (as a ResourceQuota would).
  const client: Client = {
    ...real,
    userAgent: real.userAgent,
    get: real.get.bind(real),
    list: real.list.bind(real),
    watch: real.watch.bind(real),
    update: real.update.bind(real),
    patch: real.patch.bind(real),
    delete: real.delete.bind(real),
    post: real.post.bind(real),
    create: (gvr, ns, obj, opts) =>
      gvr.resource === 'pods' && quotaExceeded ? Promise.reject(forbidden({ group: '', resource: 'pods' }, obj.metadata.generateName ?? '', 'exceeded quota: q')) : real.create(gvr, ns, obj, opts),
  };
  const informers = createInformerFactory(client);
  const events: string[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (obj, type, reason, message) => void events.push(`${obj.kind}/${obj.metadata.name} ${type} ${reason}: ${message}`) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const newQueue = (name: string) => createWorkQueue({ name, baseDelayMs: 5, maxDelayMs: 200 });
  const rsc = newReplicaSetController({ newQueue });
  const dc = newDeploymentController({ newQueue });
  t.after(async () => {
    await dc.stop();
    await rsc.stop();
    informers.stop();
  });
  await Promise.all([rsc.start(ctx), dc.start(ctx)]);
  await client.create(R.deployments, 'default', deployment('nginx:1'));
  const d = await until('ReplicaFailure on the deployment', async () => {
    const x = await client.get<Deployment>(R.deployments, 'default', 'web');
    return x.status?.conditions?.some((c) => c.type === 'ReplicaFailure') && x;
  });
  const cond = d.status!.conditions!.find((c) => c.type === 'ReplicaFailure')!;
  assert.equal(cond.reason, 'FailedCreate');
  assert.match(cond.message ?? '', /exceeded quota: q/);
  const [rs] = (await client.list<ReplicaSet>(R.replicasets, { namespace: 'default' })).items;
  assert.equal(rs?.status?.conditions?.[0]?.type, 'ReplicaFailure');
  assert.ok(events.some((e) => /^ReplicaSet\/web-\w+ Warning FailedCreate: Error creating: pods "web-\w+-" is forbidden: exceeded quota: q$/.test(e)), events.join('\n'));
  // Once creates succeed again the condition goes away on both.
  quotaExceeded = false;
  await until('recovery', async () => {
    const x = await client.get<Deployment>(R.deployments, 'default', 'web');
    return (x.status?.replicas ?? 0) === 3 && !x.status?.conditions?.some((c) => c.type === 'ReplicaFailure');
  });
});
