import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  EMPTY_BACKOFF,
  backoffGC,
  backoffNext,
  backoffView,
  formatGoDuration,
  isInBackOffSince,
  isInBackOffSinceUpdate,
  type BackoffState,
} from './backoff.js';

test('backoff: 10s doubling to 300s while the container keeps crashing', () => {
  let s: BackoffState = EMPTY_BACKOFF;
  let t = 1_000_000;
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    s = backoffNext(s, 'k', t, t);
    waits.push(backoffView(s).get('k'));
    t += waits.at(-1)! + 1_000; // restarted when the wait ended, crashed a second later
  }
  assert.deepEqual(waits, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test('backoff: isInBackOffSince measures from the exit time', () => {
  const s = backoffNext(EMPTY_BACKOFF, 'k', 0, 0); // 10 s
  assert.equal(isInBackOffSince(s, 'k', 5_000, 5_000), true);
  assert.equal(isInBackOffSince(s, 'k', 5_000, 14_999), true);
  assert.equal(isInBackOffSince(s, 'k', 5_000, 15_000), false);
  assert.equal(isInBackOffSince(s, 'other', 5_000, 5_000), false);
  assert.equal(isInBackOffSinceUpdate(s, 'k', 9_999), true);
  assert.equal(isInBackOffSinceUpdate(s, 'k', 10_000), false);
});

test('backoff: a container that ran 10 minutes after its restart starts over at 10s', () => {
  let s = backoffNext(EMPTY_BACKOFF, 'k', 0, 0);
  s = backoffNext(s, 'k', 20_000, 20_000);
  s = backoffNext(s, 'k', 50_000, 50_000);
  assert.equal(backoffView(s).get('k'), 40_000);
  // crashed 600 s after the last restart: still counts as the same loop (> 2 × max needed)
  assert.equal(isInBackOffSince(s, 'k', 650_000, 650_000), true);
  // crashed 601 s after: the entry is stale, no back-off, and the next wait is the initial one
  assert.equal(isInBackOffSince(s, 'k', 651_000, 651_000), false);
  s = backoffNext(s, 'k', 651_000, 651_000);
  assert.equal(backoffView(s).get('k'), 10_000);
});

test('backoff: GC drops stale entries only', () => {
  let s = backoffNext(EMPTY_BACKOFF, 'old', 0, 0);
  s = backoffNext(s, 'new', 500_000, 500_000);
  const g = backoffGC(s, 700_000);
  assert.deepEqual([...g.keys()], ['new']);
  assert.equal(backoffGC(g, 700_000), g);
});

test('backoff (property): waits are monotone until reset and capped', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 30 }), (gaps) => {
      let s: BackoffState = EMPTY_BACKOFF;
      let t = 0;
      let prev = 0;
      for (const gap of gaps) {
        t += gap;
        const stale = gap > 600_000;
        s = backoffNext(s, 'k', t, t);
        const w = backoffView(s).get('k');
        assert.ok(w >= 10_000 && w <= 300_000);
        if (stale || prev === 0) assert.equal(w, 10_000);
        else assert.equal(w, Math.min(prev * 2, 300_000));
        prev = w;
      }
    }),
  );
});

test('formatGoDuration prints like Go', () => {
  assert.equal(formatGoDuration(10_000), '10s');
  assert.equal(formatGoDuration(80_000), '1m20s');
  assert.equal(formatGoDuration(160_000), '2m40s');
  assert.equal(formatGoDuration(300_000), '5m0s');
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(1_500), '1.5s');
});
