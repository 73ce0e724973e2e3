import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBytes, CpuHistory, usageNanoCores, workingSetBytes } from './rates.js';

const s = (timeNs: number, usageCoreNanoSeconds: number) => ({ timeNs, usageCoreNanoSeconds });

test('usageNanoCores: the rate between two cumulative samples, truncated as the kubelet does', () => {
  assert.equal(usageNanoCores(s(0, 0), s(1e9, 5e8)), 5e8, 'half a core for a second');
  assert.equal(usageNanoCores(s(1e9, 1e9), s(11e9, 21e9)), 2e9, 'two cores over ten seconds');
  assert.equal(usageNanoCores(s(0, 0), s(3e9, 1e9)), 333333333, 'floored, never rounded up');
  // kubelet's test: an elapsed usage beyond 2^64/1e9 must not overflow.
  assert.equal(usageNanoCores(s(0, 67983588375722), s(1e9, 68172016162105)), 188427786383);
});

test('usageNanoCores: no rate without a previous sample, for a non-positive interval, or a counter reset', () => {
  assert.equal(usageNanoCores(undefined, s(1e9, 1)), undefined);
  assert.equal(usageNanoCores(s(2e9, 0), s(2e9, 10)), undefined);
  assert.equal(usageNanoCores(s(3e9, 0), s(2e9, 10)), undefined);
  assert.equal(usageNanoCores(s(1, 10_000_000_000), s(2, 0)), undefined, 'cpuacct reset to 0 in a live container');
});

test('workingSetBytes: usage minus inactive file pages, never negative', () => {
  assert.equal(workingSetBytes(100 << 20, 30 << 20), 70 << 20);
  assert.equal(workingSetBytes(10, 20), 0);
  assert.equal(workingSetBytes(10, undefined), 10);
});

test('availableBytes: limit minus working set, left out without a limit', () => {
  assert.equal(availableBytes(1000, 300), 700);
  assert.equal(availableBytes(1000, 3000), 0);
  assert.equal(availableBytes(undefined, 1), undefined);
  assert.equal(availableBytes(Infinity, 1), undefined, 'v2 "max"');
  assert.equal(availableBytes(9223372036854771712, 1), undefined, 'v1 unlimited (PAGE_COUNTER_MAX pages)');
});

test('CpuHistory keeps the last two samples per object, ignores stale ones and forgets departed objects', () => {
  const h = new CpuHistory();
  h.record('a', s(1e9, 0));
  assert.equal(h.rate('a'), undefined, 'one sample: no rate');
  h.record('a', s(2e9, 1e9));
  assert.equal(h.rate('a'), 1e9);
  h.record('a', s(2e9, 5e9));
  h.record('a', s(1e9, 5e9));
  assert.equal(h.rate('a'), 1e9, 'equal or older timestamps are ignored (replaying a round is harmless)');
  h.record('a', s(4e9, 2e9));
  assert.equal(h.rate('a'), 5e8, 'the window slides: only the last two samples count');
  h.record('b', s(1e9, 0));
  h.retain(new Set(['b']));
  assert.equal(h.size, 1);
  assert.equal(h.rate('a'), undefined);
});
