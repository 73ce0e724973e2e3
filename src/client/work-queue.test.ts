import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createWorkQueue } from './work-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('dedupes queued keys and keeps FIFO order', async (t) => {
  const q = createWorkQueue();
  t.after(() => q.shutdown());
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  const seen: string[] = [];
  q.run(1, async (k) => void seen.push(k));
  await sleep(10);
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(q.len(), 0);
});

test('a key added while being handled runs once more afterwards, never concurrently', async (t) => {
  const q = createWorkQueue();
  t.after(() => q.shutdown());
  let inFlight = 0;
  let maxInFlight = 0;
  let runs = 0;
  q.run(4, async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    runs++;
    if (runs === 1) {
      q.add('k');
      q.add('k');
    }
    await sleep(5);
    inFlight--;
  });
  q.add('k');
  await sleep(40);
  assert.equal(runs, 2);
  assert.equal(maxInFlight, 1);
});

test('failures retry with exponential backoff; success forgets', async (t) => {
  const q = createWorkQueue({ baseDelayMs: 5, maxDelayMs: 40 });
  t.after(() => q.shutdown());
  const times: number[] = [];
  q.run(1, async (k) => {
    times.push(Date.now());
    if (times.length < 4) throw new Error('boom ' + k);
  });
  q.add('x');
  await sleep(150);
  assert.equal(times.length, 4);
  assert.equal(q.retries('x'), 0);
  // gaps grow: 5, 10, 20 ms (timers are at least that long)
  assert.ok(times[1]! - times[0]! >= 4, 'times[1]! - times[0]! >= 4');
  assert.ok(times[3]! - times[2]! >= 19, 'times[3]! - times[2]! >= 19');
});

test('addRateLimited, retries and forget', async (t) => {
  const q = createWorkQueue({ baseDelayMs: 1000 });
  t.after(() => q.shutdown());
  q.addRateLimited('a');
  q.addRateLimited('a');
  assert.equal(q.retries('a'), 2);
  assert.equal(q.len(), 0);
  q.forget('a');
  assert.equal(q.retries('a'), 0);
});

test('addAfter keeps the earliest due time and delivers once', async (t) => {
  const q = createWorkQueue();
  t.after(() => q.shutdown());
  const seen: string[] = [];
  q.run(1, async (k) => void seen.push(k));
  q.addAfter('a', 200);
  q.addAfter('a', 10);
  q.addAfter('a', 100);
  await sleep(50);
  assert.deepEqual(seen, ['a']);
  await sleep(200);
  assert.deepEqual(seen, ['a']);
});

test('shutdown waits for in-flight handlers and stops taking keys', async () => {
  const q = createWorkQueue();
  let finished = false;
  const seen: string[] = [];
  q.run(1, async (k) => {
    seen.push(k);
    await sleep(30);
    finished = true;
  });
  q.add('a');
  q.add('b');
  await sleep(5);
  await q.shutdown();
  assert.equal(finished, true);
  assert.deepEqual(seen, ['a']);
  q.add('c');
  assert.equal(q.len(), 0);
});

test('property: every added key is handled, at least once after its last add, never concurrently', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), wait: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 4 }),
      async (ops, concurrency) => {
        const q = createWorkQueue();
        const active = new Set<string>();
        let overlap = false;
        const lastAdd = new Map<string, number>();
        const lastStart = new Map<string, number>();
        let clock = 0;
        q.run(concurrency, async (k) => {
          if (active.has(k)) overlap = true;
          active.add(k);
          lastStart.set(k, ++clock);
          await sleep(Math.random() * 2);
          active.delete(k);
        });
        for (const op of ops) {
          q.add(op.key);
          lastAdd.set(op.key, ++clock);
          if (op.wait) await sleep(op.wait);
        }
        for (let i = 0; i < 100 && [...lastAdd].some(([k, at]) => (lastStart.get(k) ?? 0) < at || active.size > 0); i++) await sleep(2);
        await q.shutdown();
        assert.equal(overlap, false);
        for (const [k, at] of lastAdd) assert.ok((lastStart.get(k) ?? 0) > at, `key ${k} not handled after its last add`);
      },
    ),
    { numRuns: 40 },
  );
});
