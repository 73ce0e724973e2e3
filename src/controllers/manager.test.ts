import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinControllers } from './manager.js';

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
