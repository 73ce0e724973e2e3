import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { podDisruptionBudget } from './index.js';
import { lease } from '../../coordination/v1/index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };

test('PodDisruptionBudget validation and table', () => {
  const pdb: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', creationTimestamp: '2025-12-31T23:59:00Z' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } };
  assert.deepEqual(podDisruptionBudget.strategy!.validate!(pdb, ctx), []);
  pdb.status = { disruptionsAllowed: 2, currentHealthy: 4, desiredHealthy: 2, expectedPods: 4 };
  assert.deepEqual(podDisruptionBudget.table!.cells(pdb, ctx.now), ['web', '50%', 'N/A', 2, '60s']);
  const both: KubeObject = { ...pdb, spec: { minAvailable: 1, maxUnavailable: '120%', unhealthyPodEvictionPolicy: 'Never' } };
  const errs = podDisruptionBudget.strategy!.validate!(both, ctx).map(String);
  assert.deepEqual(errs.slice(1), [
    'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
  ]);
  assert.match(errs[0]!, /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
});

test('Lease validation and table', () => {
  const l: KubeObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', creationTimestamp: '2025-12-31T23:59:00Z' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } };
  assert.deepEqual(lease.strategy!.validate!(l, ctx), []);
  assert.deepEqual(lease.table!.cells(l, ctx.now), ['node-1', 'node-1', '60s']);
  const bad: KubeObject = { ...l, spec: { leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: 'x' } };
  assert.deepEqual(lease.strategy!.validate!(bad, ctx).map(String), [
    'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    'spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined',
  ]);
});
