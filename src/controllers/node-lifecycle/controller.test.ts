/**
 * The controller's wiring with fakes and a hand-driven clock: monitorPass() and sync(key) are
 * called directly, writes land in an in-memory store that feeds the fake informers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import type { V1Node } from '../../api/core/v1/node.js';
import type { EventHandlers, Informer, InformerFactory, WorkQueue } from '../../client/informer-types.js';
import type { Client, GVR } from '../../client/types.js';
import { discardLogger } from '../../lib/log.js';
import type { ControllerContext } from '../context.js';
import { newNodeLifecycleController } from './controller.js';

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

class FakeInformer<T extends KubeObject> implements Informer<T> {
  readonly items = new Map<string, T>();
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly indexes = new Map<string, (o: T) => string[]>();
  constructor(readonly gvr: GVR) {}
  addHandlers(h: EventHandlers<T>) {
    this.handlers.push(h);
  }
  addIndex(name: string, fn: (o: T) => string[]) {
    this.indexes.set(name, fn);
  }
  async start() {}
  stop() {}
  hasSynced() {
    return true;
  }
  get(ns: string, name: string) {
    return this.items.get(`${ns}/${name}`);
  }
  list() {
    return [...this.items.values()];
  }
  byIndex(name: string, key: string) {
    const fn = this.indexes.get(name)!;
    return this.list().filter((o) => fn(o).includes(key));
  }
  lastResourceVersion() {
    return '';
  }
  put(o: T) {
    const k = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const old = this.items.get(k);
    this.items.set(k, o);
    for (const h of this.handlers) old ? h.update?.(old, o) : h.add?.(o);
  }
  remove(ns: string, name: string) {
    const old = this.items.get(`${ns}/${name}`);
    this.items.delete(`${ns}/${name}`);
    if (old) for (const h of this.handlers) h.delete?.(old);
  }
}

function setup(nodeCount: number, zones: string[]) {
  let now = Date.parse('2026-11-24T08:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const informers = new Map<string, FakeInformer<KubeObject>>();
  const inf = (gvr: GVR) => {
    let i = informers.get(gvr.resource);
    if (!i) informers.set(gvr.resource, (i = new FakeInformer(gvr)));
    return i;
  };
  const factory: InformerFactory = { for: <T extends KubeObject>(gvr: GVR) => inf(gvr) as unknown as Informer<T>, start: async () => {}, stop: () => {} };
  let rv = 1;
  const writes: string[] = [];
  const client = {
    userAgent: 'test',
    async patch(gvr: GVR, ns: string, name: string, _t: string, patch: Record<string, unknown>) {
      const store = inf(gvr);
      const cur = store.get(ns, name);
      if (!cur) throw Object.assign(new Error('not found'), { reason: 'NotFound' });
      const next = mergePatch(cur, patch) as KubeObject;
      next.metadata = { ...next.metadata, resourceVersion: String(++rv) };
      writes.push(`${gvr.resource}/${name}`);
      store.put(next);
      return next;
    },
    async delete(gvr: GVR, ns: string, name: string) {
      writes.push(`delete ${gvr.resource}/${ns}/${name}`);
      inf(gvr).remove(ns, name);
      return undefined;
    },
  } as unknown as Client;
  const queued: string[] = [];
  const events: string[] = [];
  const ctx: ControllerContext = {
    client,
    informers: factory,
    recorder: () => ({ event: (o, _t, reason, msg) => void events.push(`${reason} ${o.metadata.name}: ${msg}`) }),
    logger: discardLogger,
    now: () => new Date(now),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const ready = (hb: number) => [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: iso(hb), lastTransitionTime: iso(hb) }];
  for (let i = 0; i < nodeCount; i++) {
    inf({ group: '', version: 'v1', resource: 'nodes' }).put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `n${i}`, resourceVersion: '1', labels: { 'topology.kubernetes.io/zone': zones[i % zones.length]! } },
      spec: {},
      status: { conditions: ready(now) },
    } as KubeObject);
  }
  return {
    ctx,
    queued,
    writes,
    events,
    nodes: inf({ group: '', version: 'v1', resource: 'nodes' }) as unknown as FakeInformer<V1Node>,
    pods: inf({ group: '', version: 'v1', resource: 'pods' }),
    advance: (ms: number) => void (now += ms),
    now: () => now,
    heartbeat: (name: string) => {
      const n = inf({ group: '', version: 'v1', resource: 'nodes' }).get('', name)!;
      inf({ group: '', version: 'v1', resource: 'nodes' }).put({ ...n, status: { conditions: ready(now) } } as KubeObject);
    },
  };
}

/** Records keys; delayed adds as `key+ms`. Workers never run: tests call sync() themselves. */
function fakeQueue(queued: string[]): WorkQueue {
  return {
    add: (k) => void queued.push(k),
    addAfter: (k, ms) => void queued.push(`${k}+${Math.round(ms)}`),
    addRateLimited: (k) => void queued.push(k),
    forget: () => {},
    retries: () => 0,
    run: () => {},
    shutdown: async () => {},
    len: () => queued.length,
  };
}

async function drain(c: { sync(k: string): Promise<void> }, queued: string[]): Promise<string[]> {
  const later: string[] = [];
  let n = 0;
  while (queued.length) {
    if (++n > 1000) throw new Error(`queue does not drain: ${queued.slice(0, 10).join()}`);
    const k = queued.shift()!;
    if (k.includes('+')) later.push(k);
    else await c.sync(k);
  }
  return later;
}

test('zone rate limiting: the first dead node of a healthy zone is tainted at once, the next waits for a token', async () => {
  const f = setup(10, ['a']);
  const c = newNodeLifecycleController({ newQueue: () => fakeQueue(f.queued), nodeMonitorGracePeriodMs: 40_000 });
  await c.start(f.ctx);
  await drain(c, f.queued);
  assert.deepEqual(f.writes, []);
  // n0..n2 die; the others keep heartbeating.
  f.advance(41_000);
  for (let i = 3; i < 10; i++) f.heartbeat(`n${i}`);
  c.monitorPass();
  const later = [...new Set(await drain(c, f.queued))]; // the real queue keeps one delayed add per key
  const taints = (n: string) => (f.nodes.get('', n)!.spec?.taints ?? []).map((t) => `${(t.key ?? '').replace('node.kubernetes.io/', '')}:${t.effect}`).sort();
  const dead = ['n0', 'n1', 'n2'].map(taints);
  assert.equal(dead.filter((t) => t.includes('unreachable:NoExecute')).length, 1, JSON.stringify(dead));
  assert.ok(dead.every((t) => t.includes('unreachable:NoSchedule')), 'NoSchedule is never rate-limited');
  assert.equal(later.length, 2);
  assert.ok(later.every((k) => /\+10000$/.test(k)), later.join());
  assert.deepEqual(f.events.filter((e) => e.startsWith('NodeNotReady')).length, 3);
  assert.deepEqual([...c.zoneStates().values()], [{ state: 'Normal', size: 10 }]);
  // Ten seconds later one more token.
  f.advance(10_000);
  for (let i = 3; i < 10; i++) f.heartbeat(`n${i}`);
  for (const k of later) await c.sync(k.split('+')[0]!);
  assert.equal(['n0', 'n1', 'n2'].map(taints).filter((t) => t.includes('unreachable:NoExecute')).length, 2);
  await c.stop();
});

test('a small zone in partial disruption is not tainted NoExecute at all; full disruption everywhere lifts the taints', async () => {
  const f = setup(5, ['a']);
  const c = newNodeLifecycleController({ newQueue: () => fakeQueue(f.queued) });
  await c.start(f.ctx);
  f.advance(41_000);
  f.heartbeat('n4');
  f.heartbeat('n3'); // 3 of 5 dead: 60 % ≥ 55 % → PartialDisruption, zone of 5 ≤ 50 → rate 0
  c.monitorPass();
  await drain(c, f.queued);
  assert.deepEqual([...c.zoneStates().values()], [{ state: 'PartialDisruption', size: 5 }]);
  const noExec = () => f.nodes.list().filter((n) => n.spec?.taints?.some((t) => t.effect === 'NoExecute')).length;
  assert.equal(noExec(), 0);
  // Everything dies: master disruption, still nobody tainted NoExecute.
  f.advance(41_000);
  c.monitorPass();
  await drain(c, f.queued);
  assert.deepEqual([...c.zoneStates().values()], [{ state: 'FullDisruption', size: 5 }]);
  assert.equal(noExec(), 0);
  assert.ok(f.nodes.list().every((n) => n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule')));
  await c.stop();
});
