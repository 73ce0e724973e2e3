import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runBackendConformance } from '../conformance.js';
import { StorageUnavailableError } from '../errors.js';
import { SqliteBackend } from './sqlite-backend.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-sqlite-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runBackendConformance('sqlite (writer thread)', async () => new SqliteBackend({ path: join(dir, `conf-${++n}`, 'state.db') }));
runBackendConformance('sqlite (in-thread writer)', async () =>
  new SqliteBackend({ path: join(dir, `conf-${++n}`, 'state.db'), writerThread: false }),
);

test('sqlite: restart keeps keys, history, the revision counter and the compacted revision', async (t) => {
  const path = join(dir, 'restart', 'state.db');
  const b1 = new SqliteBackend({ path });
  t.after(() => b1.close());
  const a = await b1.create('/a', '1');
  const a2 = await b1.update('/a', '2', a.modRevision);
  await b1.create('/b', '1');
  await b1.delete('/b');
  await b1.compact(a2.modRevision);
  const rev = await b1.currentRevision();
  await b1.close();

  const b2 = new SqliteBackend({ path });
  t.after(() => b2.close());
  assert.equal(await b2.currentRevision(), rev);
  assert.equal(await b2.compactedRevision(), a2.modRevision);
  assert.deepEqual(await b2.get('/a'), a2);
  assert.equal(await b2.get('/b'), undefined);
  const c = await b2.create('/c', '1');
  assert.equal(c.modRevision, rev + 1);
  const old = await b2.list('/', { revision: rev - 1 });
  assert.deepEqual(old.items.map((i) => i.key), ['/a', '/b']);
});

test('sqlite: a second opener of the same file gets StorageUnavailableError', async (t) => {
  const path = join(dir, 'locked', 'state.db');
  const b1 = new SqliteBackend({ path });
  t.after(() => b1.close());
  await b1.create('/x', '1');
  assert.throws(() => new SqliteBackend({ path, busyTimeoutMs: 100 }), StorageUnavailableError);
});

test('sqlite: writes issued in one event-loop turn share one transaction, each with its own result, in order', async (t) => {
  const b = new SqliteBackend({ path: join(dir, 'group', 'state.db') });
  t.after(() => b.close());
  const seed = await b.create('/g/existing', 'v');
  const before = b.stats().writeTransactions;
  const ops = [
    b.create('/g/a', '1'),
    b.create('/g/a', 'dup'), // KeyExistsError: the create above is applied first
    b.delete('/g/a'),
    b.create('/g/a', '2'), // allowed again after the delete in the same batch
    b.update('/g/existing', 'w', seed.modRevision),
    b.update('/g/existing', 'stale', seed.modRevision), // RevisionConflictError against the update above
    b.delete('/g/missing'),
    ...Array.from({ length: 300 }, (_, i) => b.create(`/g/many/${i}`, 'x')),
  ];
  const res = await Promise.allSettled(ops);
  assert.equal(b.stats().writeTransactions, before + 1, 'one transaction for the whole turn');
  const val = (i: number) => (res[i] as PromiseFulfilledResult<{ modRevision: number; value: string }>).value;
  const why = (i: number) => (res[i] as PromiseRejectedResult).reason as Error;
  assert.equal(val(0).modRevision, seed.modRevision + 1);
  assert.equal(why(1).name, 'KeyExistsError');
  assert.equal(val(2).modRevision, seed.modRevision + 2);
  assert.equal(val(3).modRevision, seed.modRevision + 3);
  assert.equal(val(4).modRevision, seed.modRevision + 4);
  assert.equal(why(5).name, 'RevisionConflictError');
  assert.equal(why(6).name, 'KeyNotFoundError');
  assert.equal((await b.get('/g/a'))?.value, '2');
  assert.equal(await b.count('/g/many/'), 300);
});

test('sqlite: close() during a long compaction returns promptly and the data stays consistent', async (t) => {
  const path = join(dir, 'close-compact', 'state.db');
  const b = new SqliteBackend({ path, compactBatch: 20 });
  t.after(() => b.close());
  let kv = await b.create('/k', '0');
  for (let i = 1; i <= 1000; i++) kv = await b.update('/k', String(i), kv.modRevision);
  const compaction = b.compact(kv.modRevision).catch((e: unknown) => e);
  await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  await b.close();
  assert.ok(performance.now() - t0 < 2000);
  const outcome = await compaction;
  assert.ok(outcome === undefined || outcome instanceof StorageUnavailableError, String(outcome));
  const again = new SqliteBackend({ path });
  t.after(() => again.close());
  assert.equal(await again.compactedRevision(), kv.modRevision);
  assert.deepEqual(await again.get('/k'), kv);
  await again.compact(kv.modRevision + 0); // already recorded: no-op
  assert.equal((await again.get('/k'))?.value, '1000');
});
