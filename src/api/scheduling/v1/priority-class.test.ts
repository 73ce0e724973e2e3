import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { priorityClass } from './index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };
const pc = (name: string, extra: Record<string, unknown>): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name, creationTimestamp: '2025-12-31T23:59:00Z' }, ...extra });

test('PriorityClass defaults, validation, immutability and table', () => {
  const st = priorityClass.strategy!;
  const ok = pc('high', { value: 1000 });
  st.defaults!(ok);
  assert.equal(ok['preemptionPolicy'], 'PreemptLowerPriority');
  assert.deepEqual(st.validate!(ok, ctx), []);
  assert.deepEqual(priorityClass.table!.cells(ok, ctx.now), ['high', 1000, false, '60s', 'PreemptLowerPriority']);
  assert.deepEqual(st.validate!(pc('huge', { value: 1_000_000_001, preemptionPolicy: 'Sometimes' }), ctx).map(String), [
    'value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    'preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"',
  ]);
  assert.deepEqual(st.validate!(pc('system-node-critical', { value: 2000001000 }), ctx), []);
  assert.deepEqual(st.validate!(pc('system-mine', { value: 1 }), ctx).map(String), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
  ]);
  assert.deepEqual(st.validateUpdate!(pc('high', { value: 5, preemptionPolicy: 'Never' }), ok, ctx).map(String), [
    'value: Forbidden: may not be changed in an update.',
    'preemptionPolicy: Invalid value: "Never": field is immutable',
  ]);
});
