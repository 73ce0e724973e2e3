/**
 * Informer conformance: run by every transport's test file against a real apiserver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { configMap, eventually, type Harness, type HarnessOptions, type Setup } from './client.case.js';
import { createInformer, createInformerFactory } from './informer.js';
import type { Client, WatchHandle } from './types.js';
import { R } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Seen = { type: 'add' | 'update' | 'delete'; name: string; rv?: string; cached: boolean };

/** A client whose watches the test can cut, and whose new watches it can hold back. */
function breakableClient(inner: Client) {
  const open = new Set<{ h: WatchHandle; onClose: (err?: Error) => void }>();
  let held: (() => void)[] | undefined;
  const client: Client = {
    ...inner,
    userAgent: inner.userAgent,
    watch(gvr, opts, onEvent, onClose) {
      let real: WatchHandle | undefined;
      let stopped = false;
      const entry = { h: { stop: () => ((stopped = true), real?.stop()) }, onClose };
      const begin = () => {
        if (stopped) return;
        real = inner.watch(gvr, opts, onEvent, (err) => {
          open.delete(entry);
          onClose(err);
        });
        open.add(entry);
      };
      if (held) held.push(begin);
      else begin();
      return entry.h;
    },
  };
  return {
    client,
    /** Ends every open watch as a server would (onClose without error). */
    cut() {
      for (const e of [...open]) {
        open.delete(e);
        e.h.stop();
        e.onClose();
      }
    },
    hold() {
      held = [];
    },
    release() {
      const h = held ?? [];
      held = undefined;
      for (const b of h) b();
    },
  };
}

export function informerConformance(name: string, setup: Setup): void {
  const withHarness = (title: string, fn: (h: Harness) => Promise<void>, opts?: HarnessOptions) =>
    test(`${name}: informer: ${title}`, async (t) => {
      const h = await setup(opts);
      t.after(() => h.close());
      await fn(h);
    });

  withHarness('syncs with a paged list, keeps indexes, handlers see the updated cache', async ({ client }) => {
    for (let i = 0; i < 5; i++) await client.create(R.configmaps, 'default', configMap(`c${i}`, {}, { labels: { app: i % 2 ? 'odd' : 'even' } }));
    const inf = createInformer<KubeObject>(client, R.configmaps, { namespace: 'default', pageSize: 2 });
    const seen: Seen[] = [];
    const rec = (type: Seen['type']) => (o: KubeObject) =>
      seen.push({ type, name: o.metadata.name!, rv: o.metadata.resourceVersion, cached: type === 'delete' ? inf.get('default', o.metadata.name!) === undefined : inf.get('default', o.metadata.name!) === o });
    inf.addHandlers({ add: rec('add'), update: (_old, o) => rec('update')(o), delete: rec('delete') });
    inf.addIndex('app', (o) => [o.metadata.labels?.['app'] ?? '']);
    assert.equal(inf.hasSynced(), false);
    const t0 = inf.start();
    assert.equal(inf.start(), t0, 'start() is idempotent');
    await t0;
    try {
      assert.equal(inf.hasSynced(), true);
      assert.equal(inf.list().filter((o) => o.metadata.name?.startsWith('c')).length, 5);
      assert.deepEqual(inf.byIndex('app', 'odd').map((o) => o.metadata.name).sort(), ['c1', 'c3']);
      assert.equal(seen.filter((s) => s.type === 'add').length, inf.list().length);
      assert.ok(inf.lastResourceVersion(), 'lastResourceVersion set');

      seen.length = 0;
      const c1 = await client.patch(R.configmaps, 'default', 'c1', 'merge', { metadata: { labels: { app: 'even' } } });
      await client.create(R.configmaps, 'default', configMap('new', {}, { labels: { app: 'odd' } }));
      await client.delete(R.configmaps, 'default', 'c3');
      await eventually(() => seen.length >= 3, 'three handler calls');
      assert.deepEqual(seen.map((s) => [s.type, s.name, s.cached]), [['update', 'c1', true], ['add', 'new', true], ['delete', 'c3', true]]);
      assert.equal(inf.get('default', 'c1')?.metadata.resourceVersion, c1.metadata.resourceVersion);
      assert.deepEqual(inf.byIndex('app', 'odd').map((o) => o.metadata.name), ['new']);
      assert.deepEqual(inf.byIndex('app', 'even').map((o) => o.metadata.name).sort(), ['c0', 'c1', 'c2', 'c4']);
      assert.deepEqual(inf.byIndex('app', 'none'), []);
      assert.equal(inf.list('default').length, inf.list().length);
      assert.equal(inf.list('elsewhere').length, 0);
      assert.equal(inf.lastResourceVersion(), inf.get('default', 'new') ? inf.lastResourceVersion() : '');

      // A late handler first learns the current state as adds.
      const late: string[] = [];
      inf.addHandlers({ add: (o) => late.push(o.metadata.name!) });
      assert.equal(late.length, inf.list().length);
    } finally {
      inf.stop();
    }
  });

  withHarness('cluster-scoped keys, resync calls update(obj, obj)', async ({ client }) => {
    await client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const inf = createInformer(client, R.nodes, { resyncMs: 30 });
    let resyncs = 0;
    inf.addHandlers({ update: (a, b) => void (a === b && resyncs++) });
    await inf.start();
    try {
      assert.equal(inf.get('', 'n1')?.metadata.name, 'n1');
      await eventually(() => resyncs >= 2, 'two resyncs');
    } finally {
      inf.stop();
    }
  });

  withHarness('resumes after a clean watch end without relisting', async ({ client }) => {
    const b = breakableClient(client);
    let lists = 0;
    const counting: Client = { ...b.client, userAgent: client.userAgent, list: (gvr, opts) => (lists++, b.client.list(gvr, opts)) };
    const inf = createInformer(counting, R.configmaps, { namespace: 'default' });
    const adds: string[] = [];
    inf.addHandlers({ add: (o) => adds.push(o.metadata.name!) });
    await inf.start();
    try {
      b.cut();
      await client.create(R.configmaps, 'default', configMap('after-cut'));
      await eventually(() => adds.includes('after-cut'), 'event after resume');
      assert.equal(lists, 1);
    } finally {
      inf.stop();
    }
  });

  withHarness('relists on 410 and emits the differences (add, update, delete)', async ({ client }) => {
    const b = breakableClient(client);
    await client.create(R.configmaps, 'default', configMap('keep'));
    await client.create(R.configmaps, 'default', configMap('change', { v: '1' }));
    await client.create(R.configmaps, 'default', configMap('gone'));
    let lists = 0;
    const counting: Client = { ...b.client, userAgent: client.userAgent, list: (gvr, opts) => (lists++, b.client.list(gvr, opts)) };
    const inf = createInformer(counting, R.configmaps, { namespace: 'default', retryBaseMs: 10 });
    inf.addIndex('v', (o) => [((o['data'] as Record<string, string> | undefined) ?? {})['v'] ?? '-']);
    const seen: string[] = [];
    inf.addHandlers({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (a, o) => seen.push(`update ${o.metadata.name} ${a.metadata.resourceVersion === o.metadata.resourceVersion ? 'same' : 'new'}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    await inf.start();
    try {
      seen.length = 0;
      b.hold();
      b.cut();
      await client.patch(R.configmaps, 'default', 'change', 'merge', { data: { v: '2' } });
      await client.delete(R.configmaps, 'default', 'gone');
      await client.create(R.configmaps, 'default', configMap('born'));
      await sleep(120);
      await client.create(R.configmaps, 'default', configMap('trim')); // pushes the old events out of the window
      b.release();
      await eventually(() => seen.length >= 4, 'relist differences');
      assert.deepEqual(seen.sort(), ['add born', 'add trim', 'delete gone', 'update change new']);
      assert.equal(lists, 2, 'one relist after 410');
      assert.equal(inf.get('default', 'gone'), undefined);
      assert.deepEqual(inf.byIndex('v', '2').map((o) => o.metadata.name), ['change']);
      assert.deepEqual(inf.byIndex('v', '1'), []);
      // And it keeps watching afterwards.
      await client.create(R.configmaps, 'default', configMap('later'));
      await eventually(() => seen.includes('add later'), 'event after relist');
    } finally {
      inf.stop();
    }
  }, { watchWindowMs: 50 });

  withHarness('factory shares one informer per GVR and starts them all', async ({ client }) => {
    const f = createInformerFactory(client);
    const a = f.for(R.configmaps);
    assert.equal(f.for(R.configmaps), a);
    const n = f.for(R.namespaces);
    await f.start();
    try {
      assert.ok(a.hasSynced() && n.hasSynced(), 'both synced');
      assert.ok(n.get('', 'default'), 'default namespace cached');
    } finally {
      f.stop();
    }
  });
}
