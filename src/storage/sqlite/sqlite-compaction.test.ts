import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactedError } from '../errors.js';
import { startAutoCompaction } from '../index.js';
import { SqliteBackend } from './sqlite-backend.js';

test('sqlite: writers keep going while auto-compaction deletes a large history', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-sqlite-compact-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const b = new SqliteBackend({ path: join(dir, 'state.db') });
  t.after(() => b.close());

  // A large history: 2,000 keys updated 100 times each (200,000 history rows).
  const value = JSON.stringify({ spec: { replicas: 3, pad: 'y'.repeat(150) } });
  const revs = new Map<string, number>();
  await Promise.all(Array.from({ length: 2000 }, async (_, i) => revs.set(`/h/${i}`, (await b.create(`/h/${i}`, value)).modRevision)));
  for (let round = 0; round < 99; round++) {
    await Promise.all([...revs].map(async ([k, r]) => revs.set(k, (await b.update(k, value, r)).modRevision)));
  }
  const before = b.stats();
  assert.ok(before.historyRows >= 200_000, `history rows ${before.historyRows}`);

  // Writers run before, during and after compaction; every write's latency is recorded.
  let stopWriters = false;
  const latencies: number[] = [];
  let compacting = false;
  const duringCompaction: number[] = [];
  let n = 0;
  const writer = async () => {
    while (!stopWriters) {
      const t0 = performance.now();
      await b.create(`/w/${n++}`, value);
      const dt = performance.now() - t0;
      latencies.push(dt);
      if (compacting) duringCompaction.push(dt);
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  await new Promise((r) => setTimeout(r, 100));

  compacting = true;
  const started = performance.now();
  const stop = startAutoCompaction(b, { retainSeconds: 0, retainRevisions: 1000, intervalMs: 3_600_000 });
  t.after(stop);
  await stop(); // waits for the first (and only) compaction to finish
  const compactMs = performance.now() - started;
  compacting = false;
  await new Promise((r) => setTimeout(r, 50));
  stopWriters = true;
  await Promise.all(writers);

  const after = b.stats();
  const max = Math.max(...duringCompaction);
  t.diagnostic(
    `history ${before.historyRows} → ${after.historyRows} rows in ${compactMs.toFixed(0)} ms; ` +
      `${duringCompaction.length} writes during compaction, max latency ${max.toFixed(1)} ms`,
  );
  assert.ok(after.compactedRevision >= before.revision - 1000);
  assert.ok(after.historyRows < before.historyRows / 10, `history rows left ${after.historyRows}`);
  assert.ok(duringCompaction.length > 100, `only ${duringCompaction.length} writes completed during compaction`);
  assert.ok(max < 200, `max write latency during compaction ${max.toFixed(1)} ms`);
  // latest values are intact; old revisions are gone
  assert.equal(await b.count('/h/'), 2000);
  assert.equal((await b.get('/h/7'))?.modRevision, revs.get('/h/7'));
  await assert.rejects(b.list('/h/', { revision: before.compactedRevision + 10 }), CompactedError);
});
