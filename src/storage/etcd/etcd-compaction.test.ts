import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactedError } from '../errors.js';
import { startAutoCompaction } from '../index.js';
import { startEtcd } from '../testing/etcd-server.js';
import { EtcdBackend } from './etcd-backend.js';

test('etcd: writers keep going while auto-compaction compacts a large history', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const b = new EtcdBackend({ endpoints: [etcd.endpoint], prefix: '/compaction' });
  t.after(() => b.close());

  // 500 keys × 20 versions = 10,000 revisions of history
  const value = JSON.stringify({ spec: { pad: 'y'.repeat(200) } });
  const revs = new Map<string, number>();
  await Promise.all(Array.from({ length: 500 }, async (_, i) => revs.set(`/h/${i}`, (await b.create(`/h/${i}`, value)).modRevision)));
  for (let round = 0; round < 19; round++) {
    await Promise.all([...revs].map(async ([k, r]) => revs.set(k, (await b.update(k, value, r)).modRevision)));
  }
  const top = await b.currentRevision();

  let stop = false;
  let compacting = false;
  const during: number[] = [];
  let n = 0;
  const writer = async () => {
    while (!stop) {
      const t0 = performance.now();
      await b.create(`/w/${n++}`, value);
      if (compacting) during.push(performance.now() - t0);
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  await new Promise((r) => setTimeout(r, 100));
  compacting = true;
  const stopCompaction = startAutoCompaction(b, { retainSeconds: 0, retainRevisions: 100, intervalMs: 3_600_000 });
  t.after(stopCompaction);
  const t0 = performance.now();
  await stopCompaction();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 100));
  compacting = false;
  stop = true;
  await Promise.all(writers);

  const max = Math.max(...during);
  t.diagnostic(`compacted ~${top} revisions in ${ms.toFixed(0)} ms; ${during.length} writes meanwhile, max latency ${max.toFixed(1)} ms`);
  assert.ok((await b.compactedRevision()) >= top - 100);
  assert.ok(during.length > 10, `only ${during.length} writes during compaction`);
  assert.ok(max < 2000, `max write latency ${max.toFixed(0)} ms`);
  assert.equal(await b.count('/h/'), 500);
  assert.equal((await b.get('/h/3'))?.modRevision, revs.get('/h/3'));
  await assert.rejects(b.list('/h/', { revision: top - 5000 }), CompactedError);
});
