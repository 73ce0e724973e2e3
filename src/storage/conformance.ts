/**
 * The one conformance suite every Backend passes (memory, SQLite, etcd). A backend's test file calls
 * `runBackendConformance('sqlite', open)`; `open` returns a fresh, empty store (or an empty key space
 * of a shared one) and the suite closes it. Revisions are only compared relative to each other, so a
 * shared etcd whose revision is already high passes too.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, KeyValue, WatchEvent } from './backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StorageUnavailableError } from './errors.js';

export type OpenBackend = () => Promise<Backend>;

/** Collects a watch's events; `until` resolves once a predicate over everything seen holds. */
export class EventCollector {
  readonly events: WatchEvent[] = [];
  error: Error | undefined;
  private waiters: Array<() => void> = [];
  readonly callbacks = {
    onEvents: (evs: WatchEvent[]) => {
      assert.ok(evs.length > 0, 'onEvents with an empty batch');
      this.events.push(...evs);
      this.wake();
    },
    onError: (err: Error) => {
      this.error = err;
      this.wake();
    },
  };

  async until(pred: (c: EventCollector) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; have ${this.events.length} events, error=${this.error?.message}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function revs(evs: WatchEvent[]): number[] {
  return evs.map((e) => e.kv.modRevision);
}

function assertStrictlyIncreasing(xs: number[], what: string): void {
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], `${what}: ${xs[i]} after ${xs[i - 1]} at ${i}`);
}

let seq = 0;
/** A fresh key prefix per test, so tests never see each other's keys. */
function pfx(): string {
  return `/conf/${process.pid}-${++seq}/`;
}

export interface ConformanceOptions {
  /**
   * Writes issued concurrently commit in call order (true for the in-process backends, whose group
   * commit keeps order; a network store such as etcd only promises distinct revisions).
   */
  orderedWrites?: boolean;
}

export function runBackendConformance(name: string, open: OpenBackend, opts: ConformanceOptions = {}): void {
  const ordered = opts.orderedWrites ?? true;
  describe(`Backend conformance: ${name}`, () => {
    const withBackend = (title: string, fn: (b: Backend, p: string) => Promise<void>) =>
      test(title, async (t) => {
        const b = await open();
        t.after(() => b.close());
        await fn(b, pfx());
      });

    withBackend('get of a missing key is undefined; create then get returns it', async (b, p) => {
      assert.equal(await b.get(p + 'a'), undefined);
      const before = await b.currentRevision();
      const kv = await b.create(p + 'a', 'one');
      assert.equal(kv.key, p + 'a');
      assert.equal(kv.value, 'one');
      assert.ok(kv.modRevision > before);
      assert.equal(kv.createRevision, kv.modRevision);
      assert.deepEqual(await b.get(p + 'a'), kv);
      assert.equal(await b.currentRevision(), kv.modRevision);
    });

    withBackend('create of an existing key throws KeyExistsError and changes nothing', async (b, p) => {
      const kv = await b.create(p + 'a', 'one');
      await assert.rejects(b.create(p + 'a', 'two'), (e: unknown) => e instanceof KeyExistsError && e.key === p + 'a');
      assert.deepEqual(await b.get(p + 'a'), kv);
      assert.equal(await b.currentRevision(), kv.modRevision);
    });

    withBackend('update needs the current revision; a stale one gets RevisionConflictError with the current kv', async (b, p) => {
      const v1 = await b.create(p + 'a', 'one');
      const v2 = await b.update(p + 'a', 'two', v1.modRevision);
      assert.equal(v2.value, 'two');
      assert.equal(v2.createRevision, v1.createRevision);
      assert.ok(v2.modRevision > v1.modRevision);
      await assert.rejects(b.update(p + 'a', 'three', v1.modRevision), (e: unknown) => {
        assert.ok(e instanceof RevisionConflictError);
        assert.equal(e.expectedRevision, v1.modRevision);
        assert.deepEqual(e.current, v2);
        return true;
      });
      await assert.rejects(b.update(p + 'missing', 'x', 1), KeyNotFoundError);
      assert.deepEqual(await b.get(p + 'a'), v2);
    });

    withBackend('delete with and without expected revision', async (b, p) => {
      const a = await b.create(p + 'a', 'A');
      const c = await b.create(p + 'c', 'C');
      await assert.rejects(b.delete(p + 'a', a.modRevision + 1000), (e: unknown) => {
        assert.ok(e instanceof RevisionConflictError);
        assert.deepEqual(e.current, a);
        return true;
      });
      const da = await b.delete(p + 'a', a.modRevision);
      assert.equal(da.value, 'A');
      assert.equal(da.createRevision, a.createRevision);
      assert.ok(da.modRevision > c.modRevision);
      assert.equal(await b.currentRevision(), da.modRevision);
      const dc = await b.delete(p + 'c');
      assert.ok(dc.modRevision > da.modRevision);
      assert.equal(await b.get(p + 'a'), undefined);
      assert.equal(await b.get(p + 'c'), undefined);
      await assert.rejects(b.delete(p + 'a'), KeyNotFoundError);
      await assert.rejects(b.delete(p + 'a', da.modRevision), KeyNotFoundError);
      // a key can be created again after delete, with a new createRevision
      const a2 = await b.create(p + 'a', 'A2');
      assert.ok(a2.createRevision > dc.modRevision);
    });

    withBackend('revisions are strictly increasing and shared across keys', async (b, p) => {
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) {
        seen.push((await b.create(`${p}k${i}`, 'x')).modRevision);
        seen.push((await b.create(`${p}j${i}`, 'y')).modRevision);
      }
      const u = await b.update(`${p}k0`, 'z', seen[0]);
      seen.push(u.modRevision);
      assertStrictlyIncreasing(seen, 'write revisions');
      assert.equal(await b.currentRevision(), u.modRevision);
    });

    withBackend('list by prefix returns only keys under it, in byte order; count agrees', async (b, p) => {
      for (const k of ['b', 'a', 'c/x', 'c/y', 'ca', 'd']) await b.create(p + k, k);
      await b.create(p.slice(0, -1) + 'other', 'outside');
      const all = await b.list(p);
      assert.deepEqual(all.items.map((i) => i.key), ['a', 'b', 'c/x', 'c/y', 'ca', 'd'].map((k) => p + k));
      assert.equal(all.more, false);
      assert.equal(all.revision, await b.currentRevision());
      const c = await b.list(p + 'c/');
      assert.deepEqual(c.items.map((i) => i.value), ['c/x', 'c/y']);
      assert.equal(await b.count(p), 6);
      assert.equal(await b.count(p + 'c'), 3);
      assert.equal(await b.count(p + 'zzz'), 0);
      assert.deepEqual((await b.list(p + 'zzz')).items, []);
    });

    withBackend('paging: limit, startAfter, more, remaining and a consistent snapshot across pages', async (b, p) => {
      const keys = Array.from({ length: 25 }, (_, i) => `${p}k${String(i).padStart(2, '0')}`);
      const kvs = new Map<string, KeyValue>();
      for (const k of keys) kvs.set(k, await b.create(k, 'v0'));
      const page1 = await b.list(p, { limit: 10 });
      assert.deepEqual(page1.items.map((i) => i.key), keys.slice(0, 10));
      assert.equal(page1.more, true);
      if (page1.remaining !== undefined) assert.equal(page1.remaining, 15);
      const snap = page1.revision;

      // Changes after the first page must not show in later pages read at its revision.
      await b.create(`${p}k10a`, 'new'); // inserted inside page 2's range
      await b.update(keys[12], 'v1', kvs.get(keys[12])!.modRevision);
      await b.delete(keys[15]);
      await b.delete(keys[24]);
      await b.create(`${p}k99`, 'new');

      const page2 = await b.list(p, { limit: 10, startAfter: page1.items[9].key, revision: snap });
      assert.equal(page2.revision, snap);
      assert.deepEqual(page2.items.map((i) => i.key), keys.slice(10, 20));
      assert.equal(page2.items[2].value, 'v0');
      assert.deepEqual(page2.items[2], kvs.get(keys[12]));
      assert.deepEqual(page2.items[5], kvs.get(keys[15]));
      assert.equal(page2.more, true);
      if (page2.remaining !== undefined) assert.equal(page2.remaining, 5);
      const page3 = await b.list(p, { limit: 10, startAfter: page2.items[9].key, revision: snap });
      assert.deepEqual(page3.items.map((i) => i.key), keys.slice(20, 25));
      assert.equal(page3.more, false);
      if (page3.remaining !== undefined) assert.equal(page3.remaining, 0);

      // The latest view shows the changes.
      const latest = await b.list(p);
      assert.equal(latest.items.length, 25 + 2 - 2);
      assert.ok(latest.items.some((i) => i.key === `${p}k10a`));
      assert.ok(!latest.items.some((i) => i.key === keys[15]));
      const latestPage = await b.list(p, { limit: 3, startAfter: `${p}k10` });
      assert.deepEqual(latestPage.items.map((i) => i.key), [`${p}k10a`, keys[11], keys[12]]);
      assert.equal(latestPage.items[2].value, 'v1');
    });

    withBackend('list at an older revision shows keys deleted since and hides keys created since', async (b, p) => {
      await b.create(p + 'a', '1');
      const mid = await b.create(p + 'b', '1');
      await b.delete(p + 'a');
      await b.create(p + 'c', '1');
      await b.update(p + 'b', '2', mid.modRevision);
      const old = await b.list(p, { revision: mid.modRevision });
      assert.deepEqual(old.items.map((i) => [i.key, i.value]), [[p + 'a', '1'], [p + 'b', '1']]);
      assert.equal(old.revision, mid.modRevision);
      const now = await b.list(p);
      assert.deepEqual(now.items.map((i) => [i.key, i.value]), [[p + 'b', '2'], [p + 'c', '1']]);
    });

    withBackend('watch from a past revision replays history, then goes live, in order, without duplicates', async (b, p) => {
      const start = await b.currentRevision();
      const written: number[] = [];
      for (let i = 0; i < 30; i++) written.push((await b.create(`${p}k${i}`, `v${i}`)).modRevision);
      const c = new EventCollector();
      const w = b.watch(p, start, c.callbacks);
      try {
        await c.until((x) => x.events.length >= 30, 'replayed events');
        // live writes, some issued while the replay may still be in flight
        const live = await Promise.all(Array.from({ length: 20 }, (_, i) => b.create(`${p}live${i}`, 'x')));
        written.push(...live.map((kv) => kv.modRevision).sort((x, y) => x - y));
        await c.until((x) => x.events.length >= 50, 'live events');
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(c.error, undefined);
        assert.deepEqual(revs(c.events), written);
        assert.ok(c.events.every((e) => e.type === 'put' && e.created));
        assert.equal(c.events[0].kv.value, 'v0');
      } finally {
        w.close();
      }
    });

    withBackend('a watch started from the middle of history gets only later events', async (b, p) => {
      const kvs: KeyValue[] = [];
      for (let i = 0; i < 10; i++) kvs.push(await b.create(`${p}k${i}`, 'x'));
      const c = new EventCollector();
      const w = b.watch(p, kvs[4].modRevision, c.callbacks);
      try {
        await c.until((x) => x.events.length >= 5, 'events');
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(revs(c.events), kvs.slice(5).map((k) => k.modRevision));
      } finally {
        w.close();
      }
    });

    withBackend('watch filters by prefix', async (b, p) => {
      const start = await b.currentRevision();
      const c = new EventCollector();
      const w = b.watch(p + 'pods/', start, c.callbacks);
      try {
        await b.create(p + 'pods/a', '1');
        await b.create(p + 'services/a', '1');
        await b.create(p + 'podsx', '1');
        await b.create(p + 'pods/b', '1');
        await c.until((x) => x.events.length >= 2, 'two pod events');
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(c.events.map((e) => e.kv.key), [p + 'pods/a', p + 'pods/b']);
      } finally {
        w.close();
      }
    });

    withBackend('watch events carry created, prevKv and delete values', async (b, p) => {
      const start = await b.currentRevision();
      const v1 = await b.create(p + 'a', 'one');
      const v2 = await b.update(p + 'a', 'two', v1.modRevision);
      const d = await b.delete(p + 'a');
      const check = (evs: WatchEvent[]) => {
        assert.equal(evs.length, 3);
        const [c, u, del] = evs;
        assert.equal(c.type, 'put');
        assert.equal(c.created, true);
        assert.deepEqual(c.kv, v1);
        assert.equal(c.prevKv, undefined);
        assert.equal(u.type, 'put');
        assert.equal(u.created, false);
        assert.deepEqual(u.kv, v2);
        assert.deepEqual(u.prevKv, v1);
        assert.equal(del.type, 'delete');
        assert.equal(del.created, false);
        assert.deepEqual(del.kv, d);
        assert.equal(del.kv.value, 'two');
        assert.deepEqual(del.prevKv, v2);
      };
      // replayed from history
      const replay = new EventCollector();
      const w1 = b.watch(p, start, replay.callbacks);
      // and live
      const liveStart = await b.currentRevision();
      const live = new EventCollector();
      const w2 = b.watch(p, liveStart, live.callbacks);
      try {
        await replay.until((x) => x.events.length >= 3, 'replayed events');
        check(replay.events);
        await new Promise((r) => setTimeout(r, 50));
        const l1 = await b.create(p + 'a', 'one');
        const l2 = await b.update(p + 'a', 'two', l1.modRevision);
        const ld = await b.delete(p + 'a', l2.modRevision);
        await live.until((x) => x.events.length >= 3, 'live events');
        assert.deepEqual(live.events[1].prevKv, l1);
        assert.deepEqual(live.events[2].prevKv, l2);
        assert.deepEqual(live.events[2].kv, ld);
        assert.equal(live.events[0].created, true);
      } finally {
        w1.close();
        w2.close();
      }
    });

    withBackend('compaction: latest values stay readable, old revisions error, old watches get CompactedError', async (b, p) => {
      const a1 = await b.create(p + 'a', '1');
      const a2 = await b.update(p + 'a', '2', a1.modRevision);
      await b.create(p + 'b', '1');
      const d = await b.create(p + 'd', '1');
      await b.delete(p + 'd');
      const keep = await b.create(p + 'c', '1');
      await b.compact(keep.modRevision);
      assert.ok((await b.compactedRevision()) >= keep.modRevision);
      assert.deepEqual(await b.get(p + 'a'), a2);
      assert.deepEqual((await b.list(p)).items.map((i) => i.key), [p + 'a', p + 'b', p + 'c']);
      assert.equal((await b.list(p, { revision: keep.modRevision })).items.length, 3);
      await assert.rejects(b.list(p, { revision: d.modRevision }), (e: unknown) => {
        assert.ok(e instanceof CompactedError, String(e));
        assert.ok(e.compactedRevision >= keep.modRevision);
        return true;
      });
      const old = new EventCollector();
      b.watch(p, a1.modRevision, old.callbacks);
      await old.until((x) => x.error !== undefined, 'CompactedError');
      assert.ok(old.error instanceof CompactedError, String(old.error));
      assert.equal(old.events.length, 0);
      // watching from just below the compacted revision still works (its event is kept)
      const ok = new EventCollector();
      const w = b.watch(p, keep.modRevision - 1, ok.callbacks);
      try {
        const e = await b.create(p + 'e', '1');
        await ok.until((x) => x.events.some((ev) => ev.kv.modRevision === e.modRevision), 'event after compaction');
        assert.equal(ok.error, undefined);
        assert.equal(ok.events[0].kv.modRevision, keep.modRevision);
      } finally {
        w.close();
      }
      // writes and updates continue after compaction
      const a3 = await b.update(p + 'a', '3', a2.modRevision);
      assert.equal(a3.createRevision, a1.createRevision);
    });

    withBackend('concurrent writers with optimistic retries lose no update', async (b, p) => {
      const key = p + 'counter';
      await b.create(key, '0');
      const workers = 8;
      const perWorker = 15;
      let conflicts = 0;
      const work = async () => {
        for (let i = 0; i < perWorker; i++) {
          for (;;) {
            const cur = (await b.get(key))!;
            try {
              await b.update(key, String(Number(cur.value) + 1), cur.modRevision);
              break;
            } catch (e) {
              if (!(e instanceof RevisionConflictError)) throw e;
              conflicts++;
              assert.ok(e.current.modRevision > cur.modRevision);
            }
          }
        }
      };
      await Promise.all(Array.from({ length: workers }, work));
      assert.equal((await b.get(key))!.value, String(workers * perWorker));
      assert.ok(conflicts >= 0);
      // Parallel creates of the same key: exactly one wins.
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => b.create(p + 'once', String(i))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof KeyExistsError));
    });

    withBackend(`many writes in flight at once each get their own result${ordered ? ', in call order' : ''}`, async (b, p) => {
      await b.create(p + 'x', 'exists');
      const ops: Array<Promise<KeyValue>> = [];
      for (let i = 0; i < 200; i++) ops.push(b.create(`${p}k${String(i).padStart(3, '0')}`, String(i)));
      ops.push(b.create(p + 'x', 'dup'));
      const settled = await Promise.allSettled(ops);
      const ok = settled.slice(0, 200).map((r) => (r.status === 'fulfilled' ? r.value.modRevision : -1));
      assert.ok(ok.every((r) => r > 0));
      if (ordered) assertStrictlyIncreasing(ok, 'creates issued in order');
      else assert.equal(new Set(ok).size, ok.length, 'distinct revisions');
      assert.ok(settled[200].status === 'rejected' && settled[200].reason instanceof KeyExistsError);
      assert.equal(await b.count(p), 201);
    });

    withBackend('close() ends open watches with an error', async (b, p) => {
      const c = new EventCollector();
      b.watch(p, await b.currentRevision(), c.callbacks);
      await new Promise((r) => setTimeout(r, 100));
      await b.close();
      await c.until((x) => x.error !== undefined, 'watch error after close');
      assert.ok(c.error instanceof StorageUnavailableError, String(c.error));
      await b.close(); // idempotent
    });
  });
}
