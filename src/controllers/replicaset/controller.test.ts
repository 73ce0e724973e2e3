/**
 * The ReplicaSet controller's wiring against small fakes of the client, informers and work queue:
 * a lagging pod cache never leads to double creation or deletion (expectations), creations go in
 * slow-start batches and stop at the first failure, and failed creates are un-expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import type { Client, GVR } from '../../client/types.js';
import type { EventHandlers, Informer, InformerFactory, WorkQueue } from '../../client/informer-types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { forbidden } from '../../lib/errors.js';
import { newReplicaSetController } from './index.js';

class FakeInformer<T extends KubeObject> implements Informer<T> {
  items = new Map<string, T>();
  handlers: EventHandlers<T>[] = [];
  indexes = new Map<string, (o: T) => string[]>();
  constructor(readonly gvr: GVR) {}
  addHandlers(h: EventHandlers<T>) {
    this.handlers.push(h);
  }
  addIndex(name: string, fn: (o: T) => string[]) {
    if (this.indexes.has(name)) throw new Error('exists');
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
  list(ns?: string) {
    return [...this.items.values()].filter((o) => !ns || o.metadata.namespace === ns);
  }
  byIndex(name: string, key: string) {
    const fn = this.indexes.get(name)!;
    return [...this.items.values()].filter((o) => fn(o).includes(key));
  }
  lastResourceVersion() {
    return '';
  }
  /** Delivers a change to the cache and handlers (the test decides when: the cache can lag). */
  put(o: T) {
    const k = `${o.metadata.namespace}/${o.metadata.name}`;
    const old = this.items.get(k);
    this.items.set(k, o);
    for (const h of this.handlers) old ? h.update?.(old, o) : h.add?.(o);
  }
  remove(o: T) {
    this.items.delete(`${o.metadata.namespace}/${o.metadata.name}`);
    for (const h of this.handlers) h.delete?.(o);
  }
}

class ManualQueue implements WorkQueue {
  keys = new Set<string>();
  add(k: string) {
    this.keys.add(k);
  }
  addAfter(k: string) {
    this.keys.add(k);
  }
  addRateLimited(k: string) {
    this.keys.add(k);
  }
  forget() {}
  retries() {
    return 0;
  }
  run() {}
  async shutdown() {}
  len() {
    return this.keys.size;
  }
}

function setup(opts: { failCreatesAfter?: number } = {}) {
  const pods = new FakeInformer<V1Pod>({ group: '', version: 'v1', resource: 'pods' });
  const sets = new FakeInformer<ReplicaSet>({ group: 'apps', version: 'v1', resource: 'replicasets' });
  const created: V1Pod[] = [];
  const deleted: string[] = [];
  const statuses: unknown[] = [];
  const events: string[] = [];
  let n = 0;
  const client = {
    userAgent: 'fake',
    async create(_gvr: GVR, _ns: string, obj: KubeObject) {
      if (opts.failCreatesAfter !== undefined && created.length >= opts.failCreatesAfter) throw forbidden({ group: '', resource: 'pods' }, '', 'exceeded quota');
      const p = structuredClone(obj) as V1Pod;
      p.metadata.name = `${p.metadata.generateName}${n++}`;
      p.metadata.uid = `uid-${p.metadata.name}`;
      p.metadata.resourceVersion = '1';
      created.push(p);
      return p;
    },
    async delete(_gvr: GVR, _ns: string, name: string) {
      deleted.push(name);
      return undefined;
    },
    async update(_gvr: GVR, _ns: string, obj: KubeObject) {
      statuses.push((obj as ReplicaSet).status);
      return obj;
    },
    async patch() {
      throw new Error('no patches expected');
    },
  } as unknown as Client;
  const factory: InformerFactory = {
    for: <T extends KubeObject>(gvr: GVR) => (gvr.resource === 'pods' ? pods : sets) as unknown as Informer<T>,
    async start() {},
    stop() {},
  };
  const queue = new ManualQueue();
  const ctx: ControllerContext = {
    client,
    informers: factory,
    recorder: () => ({ event: (_o, _t, reason, msg) => void events.push(`${reason}: ${msg}`) }),
    logger: discardLogger,
    now: () => new Date('2026-01-01T00:00:00Z'),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'rs', generation: 1, resourceVersion: '1' },
    spec: { replicas: 10, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } } },
  };
  return { pods, sets, created, deleted, statuses, events, queue, ctx, rs, ctl: newReplicaSetController({ newQueue: () => queue }) };
}

test('a lagging cache never causes double creation; slow start 1, 2, 4, 3', async () => {
  const s = setup();
  await s.ctl.start(s.ctx);
  s.sets.put(s.rs);
  await s.ctl.sync('ns/web');
  assert.equal(s.created.length, 10);
  assert.equal(s.events.filter((e) => e.startsWith('SuccessfulCreate: Created pod: web-')).length, 10);
  // The cache has seen none of them yet: syncing again must not create more.
  await s.ctl.sync('ns/web');
  assert.equal(s.created.length, 10);
  // The cache catches up with 9 of them: still waiting for the 10th.
  for (const p of s.created.slice(0, 9)) s.pods.put(p);
  await s.ctl.sync('ns/web');
  assert.equal(s.created.length, 10);
  s.pods.put(s.created[9]!);
  await s.ctl.sync('ns/web');
  assert.equal(s.created.length, 10, 'in sync');
  const last = s.statuses.at(-1) as { replicas: number; observedGeneration: number };
  assert.equal(last.replicas, 10);
  assert.equal(last.observedGeneration, 1);
});

test('deletions are expected until observed', async () => {
  const s = setup();
  await s.ctl.start(s.ctx);
  s.sets.put({ ...s.rs, spec: { ...s.rs.spec, replicas: 3 } });
  await s.ctl.sync('ns/web');
  for (const p of s.created) s.pods.put(p);
  s.sets.put({ ...s.rs, spec: { ...s.rs.spec, replicas: 1 } });
  await s.ctl.sync('ns/web');
  assert.equal(s.deleted.length, 2);
  await s.ctl.sync('ns/web');
  assert.equal(s.deleted.length, 2, 'not deleted twice while the cache lags');
  for (const name of s.deleted) s.pods.remove(s.pods.get('ns', name)!);
  await s.ctl.sync('ns/web');
  assert.equal(s.deleted.length, 2);
  assert.deepEqual(s.events.filter((e) => e.startsWith('SuccessfulDelete')).length, 2);
});

test('a failing batch stops slow start, un-expects the rest, and reports FailedCreate + ReplicaFailure', async () => {
  const s = setup({ failCreatesAfter: 3 });
  await s.ctl.start(s.ctx);
  s.sets.put(s.rs);
  await assert.rejects(s.ctl.sync('ns/web'), /exceeded quota/);
  // Batches 1 and 2 succeed (3 pods); the batch of 4 fails; the rest (3) is never tried.
  assert.equal(s.created.length, 3);
  assert.equal(s.events.filter((e) => e.startsWith('FailedCreate: Error creating:')).length, 4);
  const st = s.statuses.at(-1) as { conditions: { type: string; reason: string }[] };
  assert.deepEqual(st.conditions.map((c) => [c.type, c.reason]), [['ReplicaFailure', 'FailedCreate']]);
  // Only the 3 created pods are still expected: once they are seen, the next sync tries again.
  for (const p of s.created) s.pods.put(p);
  await assert.rejects(s.ctl.sync('ns/web'));
  assert.equal(s.events.filter((e) => e.startsWith('FailedCreate')).length, 5, 'tried again (batch of 1)');
});
