/**
 * Integration: a real API server, the HTTP client, shared informers and the PodGC controller with
 * short periods. Pods and nodes are written through the API as a kubelet or scheduler would; a
 * watch records what PodGC wrote before each pod disappeared.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import type { KubeObject } from '../../api/types.js';
import type { V1Node } from '../../api/core/v1/node.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { R, type Client, type GVR, type WatchEvent } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';
import { discardLogger } from '../../lib/log.js';
import { until as untilBase } from '../../lib/testing/until.js';
import type { ControllerContext } from '../context.js';
import { newPodGcController, type PodGcControllerOptions } from './index.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilBase(what, fn, timeoutMs, 20);

/** The node informer, with some names hidden from list()/get() (a cache that lags the API). */
function laggingNodes(inner: InformerFactory, hidden: Set<string>): InformerFactory {
  return {
    for<T extends KubeObject>(gvr: GVR): Informer<T> {
      const inf = inner.for<T>(gvr);
      if (gvr.resource !== 'nodes') return inf;
      return Object.assign(Object.create(inf) as Informer<T>, {
        list: (ns?: string) => inf.list(ns).filter((n) => !hidden.has(n.metadata.name ?? '')),
        get: (ns: string, name: string) => (hidden.has(name) ? undefined : inf.get(ns, name)),
        start: () => inf.start(),
      });
    },
    start: () => inner.start(),
    stop: () => inner.stop(),
  };
}

async function setup(t: TestContext, opts: PodGcControllerOptions & { clock?: () => Date; hiddenNodes?: Set<string> }) {
  const srv = await startTestServer({ resources: builtinResources(), ...(opts.clock ? { clock: opts.clock } : {}) });
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'pod-gc-test');
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers: opts.hiddenNodes ? laggingNodes(informers, opts.hiddenNodes) : informers,
    recorder: () => ({ event: () => {} }),
    logger: discardLogger,
    now: opts.clock ?? (() => new Date()),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  // Everything PodGC writes, in order, from a watch started before the controller.
  const seen: WatchEvent<V1Pod>[] = [];
  const w = client.watch<V1Pod>(R.pods, { resourceVersion: '0' }, (e) => void seen.push(e), () => {});
  const gc = newPodGcController(opts);
  t.after(async () => {
    w.stop();
    await gc.stop();
    informers.stop();
  });
  return { client, gc, ctx, seen };
}

async function createNode(client: Client, name: string): Promise<void> {
  await client.create<V1Node>(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
}

async function createPod(client: Client, name: string, o: { node?: string; phase?: string } = {}): Promise<V1Pod> {
  const p = await client.create<V1Pod>(R.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'x' }], ...(o.node ? { nodeName: o.node } : {}) },
  });
  if (!o.phase) return p;
  return client.update<V1Pod>(R.pods, 'default', { ...p, status: { ...p.status, phase: o.phase } }, { subresource: 'status' });
}

async function exists(client: Client, name: string): Promise<boolean> {
  try {
    await client.get(R.pods, 'default', name);
    return true;
  } catch (e) {
    if (isApiError(e) && e.reason === 'NotFound') return false;
    throw e;
  }
}

test('a pod bound to a node that does not exist is marked Failed + DisruptionTarget and force-deleted', async (t) => {
  const { client, gc, ctx, seen } = await setup(t, { gcPeriodMs: 30, quarantineMs: 150 });
  await createNode(client, 'real');
  await createPod(client, 'orphan', { node: 'ghost' });
  await createPod(client, 'healthy', { node: 'real' });
  const started = Date.now();
  await gc.start(ctx);
  await until('orphan force-deleted', async () => !(await exists(client, 'orphan')));
  assert.ok(Date.now() - started >= 150, 'not before the quarantine ended');

  const events = seen.filter((e) => e.object.metadata.name === 'orphan');
  const last = events.at(-1)!;
  assert.equal(last.type, 'DELETED');
  // The status write came first: phase Failed and the DisruptionTarget condition.
  const marked = events.find((e) => e.type === 'MODIFIED' && e.object.status?.phase === 'Failed');
  assert.ok(marked, `no Failed update among ${events.map((e) => e.type).join(',')}`);
  const cond = marked.object.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  assert.deepEqual({ status: cond?.status, reason: cond?.reason, message: cond?.message }, { status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
  // Forced: gone at once although it was bound and running (no graceful Terminating phase left).
  assert.ok(!events.some((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp), 'deleted with grace 0');
  assert.ok(await exists(client, 'healthy'), 'a pod on an existing node stays');
});

test('quarantine: a node missing only from the cache is found by the fresh GET and its pod stays', async (t) => {
  const hidden = new Set(['slow']);
  const { client, gc, ctx } = await setup(t, { gcPeriodMs: 20, quarantineMs: 60, hiddenNodes: hidden });
  await createNode(client, 'slow');
  await createPod(client, 'on-slow', { node: 'slow' });
  await createPod(client, 'on-ghost', { node: 'ghost' });
  await gc.start(ctx);
  await until('ghost pod deleted', async () => !(await exists(client, 'on-ghost')));
  // Several more passes: the GET keeps finding 'slow', so its pod is never touched.
  for (let i = 0; i < 3; i++) {
    const r = await gc.gcOnce();
    assert.deepEqual(r.deleted, []);
  }
  await new Promise((r) => setTimeout(r, 150));
  const p = await client.get<V1Pod>(R.pods, 'default', 'on-slow');
  assert.equal(p.status?.phase, 'Pending');
  assert.equal(p.metadata.deletionTimestamp, undefined);
});

test('terminated pods beyond the threshold are deleted oldest first; others stay', async (t) => {
  // The server's clock sets creationTimestamp: each pod is created 10 s after the previous one,
  // in reverse name order, so age order and name order disagree.
  let now = Date.parse('2026-11-24T08:00:00Z');
  const clock = () => new Date(now);
  const { client, gc, ctx, seen } = await setup(t, { gcPeriodMs: 30, terminatedPodGcThreshold: 2, concurrency: 1, clock });
  for (const name of ['p-e', 'p-d', 'p-c', 'p-b', 'p-a']) {
    await createPod(client, name, { phase: name === 'p-c' ? 'Failed' : 'Succeeded' });
    now += 10_000;
  }
  await createPod(client, 'running', { phase: 'Running' });
  await createPod(client, 'pending');
  await gc.start(ctx);
  await until('surplus deleted', async () => !(await exists(client, 'p-c')));
  const deleted = seen.filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.name);
  assert.deepEqual(deleted, ['p-e', 'p-d', 'p-c']);
  for (const name of ['p-b', 'p-a', 'running', 'pending']) assert.ok(await exists(client, name), `${name} stays`);
  // At the threshold now: further passes delete nothing.
  assert.deepEqual((await gc.gcOnce()).deleted, []);
});
