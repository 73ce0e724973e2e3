/**
 * Model check: random operation sequences give identical results (values, revisions, errors, list
 * pages at older revisions, compaction) on SqliteBackend and the MemoryBackend reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../backend.js';
import { MemoryBackend } from '../memory/memory-backend.js';
import { SqliteBackend } from './sqlite-backend.js';

type Op =
  | { op: 'create'; key: string; value: string }
  | { op: 'update'; key: string; value: string; stale: boolean; back: number }
  | { op: 'delete'; key: string; guarded: boolean; stale: boolean; back: number }
  | { op: 'get'; key: string }
  | { op: 'list'; prefix: string; limit: number; after: string | undefined; back: number }
  | { op: 'count'; prefix: string }
  | { op: 'compact'; back: number };

const key = fc.constantFrom('/a', '/a/1', '/a/2', '/b', '/b/x', '/ab', '/é', '/😀', '/\uffff');
const prefix = fc.constantFrom('', '/', '/a', '/a/', '/b', '/z');
const value = fc.string({ maxLength: 8 });
const back = fc.nat({ max: 15 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), key, value }),
  fc.record({ op: fc.constant('create' as const), key, value }),
  fc.record({ op: fc.constant('update' as const), key, value, stale: fc.boolean(), back }),
  fc.record({ op: fc.constant('delete' as const), key, guarded: fc.boolean(), stale: fc.boolean(), back }),
  fc.record({ op: fc.constant('get' as const), key }),
  fc.record({ op: fc.constant('list' as const), prefix, limit: fc.nat({ max: 3 }), after: fc.option(key, { nil: undefined }), back }),
  fc.record({ op: fc.constant('count' as const), prefix }),
  fc.record({ op: fc.constant('compact' as const), back }),
);

async function apply(b: Backend, o: Op): Promise<unknown> {
  try {
    const rev = await b.currentRevision();
    switch (o.op) {
      case 'create':
        return await b.create(o.key, o.value);
      case 'update': {
        const cur = await b.get(o.key);
        return await b.update(o.key, o.value, !o.stale && cur ? cur.modRevision : Math.max(0, rev - o.back));
      }
      case 'delete': {
        const cur = await b.get(o.key);
        return await b.delete(o.key, o.guarded ? (!o.stale && cur ? cur.modRevision : rev - o.back) : undefined);
      }
      case 'get':
        return await b.get(o.key);
      case 'list':
        return await b.list(o.prefix, { limit: o.limit, startAfter: o.after, revision: Math.max(1, rev - o.back) });
      case 'count':
        return await b.count(o.prefix);
      case 'compact':
        await b.compact(Math.max(0, rev - 10 - o.back)); // keep recent history so old-revision lists get exercised
        return await b.compactedRevision();
    }
  } catch (err) {
    return { error: (err as Error).name, message: (err as Error).message };
  }
}

/** A deliberately naive model: the full write history, scanned on every read. */
class NaiveHistory {
  private writes: Array<{ rev: number; key: string; value: string | null; createRev: number }> = [];
  record(o: Op, result: unknown): void {
    if (typeof result !== 'object' || result === null || 'error' in result) return;
    const kv = result as { key: string; value: string; createRevision: number; modRevision: number };
    if (o.op === 'create' || o.op === 'update') this.writes.push({ rev: kv.modRevision, key: kv.key, value: kv.value, createRev: kv.createRevision });
    if (o.op === 'delete') this.writes.push({ rev: kv.modRevision, key: kv.key, value: null, createRev: kv.createRevision });
  }
  list(prefix: string, limit: number, after: string | undefined, revision: number) {
    const state = new Map<string, { key: string; value: string; createRevision: number; modRevision: number } | null>();
    for (const w of this.writes) {
      if (w.rev <= revision) state.set(w.key, w.value === null ? null : { key: w.key, value: w.value, createRevision: w.createRev, modRevision: w.rev });
    }
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    const all = [...state.values()]
      .filter((kv): kv is NonNullable<typeof kv> => kv !== null && kv.key.startsWith(prefix))
      .filter((kv) => after === undefined || Buffer.compare(bytes(kv.key), bytes(after)) > 0)
      .sort((x, y) => Buffer.compare(bytes(x.key), bytes(y.key)));
    const items = limit > 0 ? all.slice(0, limit) : all;
    return { items, revision, more: all.length > items.length, remaining: all.length - items.length };
  }
}

for (const writerThread of [true, false]) test(`sqlite (${writerThread ? 'writer thread' : 'in-thread writer'}) behaves exactly like the memory reference on random operation sequences`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-sqlite-model-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80 }), async (ops) => {
      const mem = new MemoryBackend();
      const sql = new SqliteBackend({ path: join(dir, `m${++run}.db`), writerThread });
      const naive = new NaiveHistory();
      try {
        for (const [i, o] of ops.entries()) {
          const rev = await mem.currentRevision();
          const [a, b] = [await apply(mem, o), await apply(sql, o)];
          assert.deepEqual(b, a, `step ${i} ${JSON.stringify(o)}`);
          naive.record(o, a);
          if (o.op === 'list' && !(a as { error?: string }).error) {
            const r = a as { revision: number };
            assert.equal(r.revision, Math.min(rev, Math.max(1, rev - o.back)));
            const after = o.after !== undefined && Buffer.compare(Buffer.from(o.after), Buffer.from(o.prefix)) >= 0 ? o.after : undefined;
            assert.deepEqual(a, naive.list(o.prefix, o.limit, after, r.revision), `naive list at step ${i} ${JSON.stringify(o)}`);
          }
        }
        // history replayed by a watch from 0 (or the compacted point) is identical too
        const replay = async (be: Backend) => {
          const from = Math.max(0, (await be.compactedRevision()) - 1);
          const rev = await be.currentRevision();
          const evs: unknown[] = [];
          await new Promise<void>((resolve) => {
            if (rev <= from) return resolve();
            const w = be.watch('', from, {
              onEvents: (e) => {
                evs.push(...e);
                if (e[e.length - 1].kv.modRevision >= rev) {
                  w.close();
                  resolve();
                }
              },
              onError: () => resolve(),
            });
          });
          return evs;
        };
        assert.deepEqual(await replay(sql), await replay(mem));
      } finally {
        await mem.close();
        await sql.close();
      }
    }),
    { numRuns: 300 },
  );
});
