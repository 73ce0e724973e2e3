import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinControllers } from './manager.js';
import type { PodGcController } from './pod-gc/index.js';

test('builtinControllers: PodGC runs under upstream name; the token controller only with a signer (both signatures)', () => {
  const names = builtinControllers().map((c) => c.name);
  assert.ok(names.includes('pod-garbage-collector-controller'), names.join());
  assert.ok(names.includes('node-lifecycle-controller'));
  assert.ok(!names.includes('serviceaccount-token-controller'));
  const sign = () => 'token';
  const legacy = builtinControllers({ sign }).map((c) => c.name);
  const withOptions = builtinControllers({ serviceAccountTokens: { sign }, podGc: { terminatedPodGcThreshold: 10 }, nodeLifecycle: { nodeMonitorGracePeriodMs: 1000 } }).map((c) => c.name);
  assert.deepEqual(legacy.filter((n) => !names.includes(n)), ['serviceaccount-token-controller']);
  assert.deepEqual(withOptions, legacy);
});

test('builtinControllers threads the node lifecycle and PodGC settings into the controllers', () => {
  const cs = builtinControllers({ nodeLifecycle: { nodeMonitorGracePeriodMs: 1000, nodeStartupGracePeriodMs: 2000, nodeMonitorPeriodMs: 300 }, podGc: { terminatedPodGcThreshold: 7 } });
  const gc = cs.find((c) => c.name === 'pod-garbage-collector-controller') as PodGcController;
  assert.equal(gc.threshold, 7);
  assert.equal(gc.periodMs, 20_000);
  const nl = cs.find((c) => c.name === 'node-lifecycle-controller') as unknown as { cfg: object; opts: { nodeMonitorPeriodMs?: number } };
  assert.deepEqual(nl.cfg, { nodeMonitorGracePeriodMs: 1000, nodeStartupGracePeriodMs: 2000 });
  assert.equal(nl.opts.nodeMonitorPeriodMs, 300);
  const defaults = builtinControllers().find((c) => c.name === 'pod-garbage-collector-controller') as PodGcController;
  assert.equal(defaults.threshold, 12_500);
});
