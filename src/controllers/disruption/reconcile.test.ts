import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../api/types.js';
import type { PodDisruptionBudget } from '../../api/policy/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { DELETION_TIMEOUT_MS, reconcilePdb, scaledValue, type WorkloadLists } from './reconcile.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const none: WorkloadLists = { replicaSets: [], deployments: [], statefulSets: [], replicationControllers: [] };

function pdb(spec: PodDisruptionBudget['spec'], status: PodDisruptionBudget['status'] = {}, generation = 1): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace: 'ns', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

function pod(name: string, opts: { ready?: boolean; owner?: { kind: string; name: string; uid: string; apiVersion?: string }; labels?: Record<string, string>; deleting?: boolean } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      labels: opts.labels ?? { app: 'web' },
      ...(opts.owner ? { ownerReferences: [{ apiVersion: opts.owner.apiVersion ?? 'apps/v1', controller: true, ...opts.owner }] } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T11:59:00Z' } : {}),
    },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const workload = (kind: string, name: string, uid: string, replicas: number, owner?: { kind: string; name: string; uid: string }): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace: 'ns', uid, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', controller: true, ...owner }] } : {}) },
  spec: { replicas },
});

test('minAvailable int: expected is the selected pod count; healthy counts Ready pods', () => {
  const pods = [pod('a'), pod('b'), pod('c', { ready: false }), pod('other', { labels: { app: 'db' } })];
  const d = reconcilePdb(pdb({ minAvailable: 1 }), pods, none, NOW);
  assert.deepEqual(d.status, {
    currentHealthy: 2,
    desiredHealthy: 1,
    expectedPods: 3,
    disruptionsAllowed: 1,
    observedGeneration: 1,
    conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T12:00:00Z' }],
  });
  // Running again on its own output changes nothing.
  const again = reconcilePdb(pdb({ minAvailable: 1 }, d.status), pods, none, new Date(NOW.getTime() + 5000));
  assert.equal(again.status, undefined);
});

test('maxUnavailable percent: expected from the Deployment scale behind each ReplicaSet, rounded up', () => {
  const w: WorkloadLists = { ...none, deployments: [workload('Deployment', 'web', 'd1', 10)], replicaSets: [workload('ReplicaSet', 'web-1', 'rs1', 3, { kind: 'Deployment', name: 'web', uid: 'd1' })] };
  const pods = Array.from({ length: 9 }, (_, i) => pod(`p${i}`, { owner: { kind: 'ReplicaSet', name: 'web-1', uid: 'rs1' } }));
  const d = reconcilePdb(pdb({ maxUnavailable: '25%' }), pods, w, NOW);
  // 25% of 10 rounds up to 3: desired 7, healthy 9 → 2 allowed.
  assert.equal(d.status?.expectedPods, 10);
  assert.equal(d.status?.desiredHealthy, 7);
  assert.equal(d.status?.disruptionsAllowed, 2);
  const m = reconcilePdb(pdb({ minAvailable: '50%' }), pods, { ...w, deployments: [workload('Deployment', 'web', 'd1', 9)] }, NOW);
  assert.equal(m.status?.desiredHealthy, 5);
  assert.equal(m.status?.disruptionsAllowed, 4);
});

test('StatefulSet scale; a pod whose controller is unknown fails safe with SyncFailed', () => {
  const ss = { ...none, statefulSets: [workload('StatefulSet', 'db', 's1', 3)] };
  const pods = [0, 1, 2].map((i) => pod(`db-${i}`, { owner: { kind: 'StatefulSet', name: 'db', uid: 's1' } }));
  assert.equal(reconcilePdb(pdb({ maxUnavailable: 1 }), pods, ss, NOW).status?.disruptionsAllowed, 1);
  const old = reconcilePdb(pdb({ maxUnavailable: 1 }), pods, ss, NOW).status!;
  const d = reconcilePdb(pdb({ maxUnavailable: 1 }, old), pods, none, NOW);
  assert.equal(d.status?.disruptionsAllowed, 0);
  assert.deepEqual(d.status?.conditions?.[0], { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "db-0"', observedGeneration: 1, lastTransitionTime: '2026-01-01T12:00:00Z' });
  assert.equal(d.events[0]?.reason, 'CalculateExpectedPodCountFailed');
});

test('no pods: nothing allowed (InsufficientPods); unmanaged pods under maxUnavailable warn', () => {
  const d = reconcilePdb(pdb({ minAvailable: 0 }), [], none, NOW);
  assert.equal(d.status?.disruptionsAllowed, 0);
  assert.equal(d.status?.conditions?.[0]?.reason, 'InsufficientPods');
  const u = reconcilePdb(pdb({ maxUnavailable: 1 }), [pod('a')], none, NOW);
  assert.equal(u.events[0]?.reason, 'UnmanagedPods');
  assert.match(u.events[0]!.message, /selector: app=web/);
  assert.equal(u.status?.expectedPods, 0);
});

test('disrupted pods: not healthy until the deletion timeout, then pruned with a NotDeleted event', () => {
  const recent = new Date(NOW.getTime() - 30_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const stale = new Date(NOW.getTime() - DELETION_TIMEOUT_MS - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const pods = [pod('a'), pod('b'), pod('c'), pod('gone', { deleting: true })];
  const d = reconcilePdb(pdb({ minAvailable: 1 }, { disruptedPods: { a: recent, b: stale, gone: recent, missing: recent } }), pods, none, NOW);
  assert.deepEqual(d.status?.disruptedPods, { a: recent });
  assert.equal(d.status?.currentHealthy, 2); // b and c
  assert.equal(d.recheckAfterMs, DELETION_TIMEOUT_MS - 30_000);
  assert.deepEqual(d.events.map((e) => [e.reason, e.on]), [['NotDeleted', { kind: 'Pod', name: 'b' }]]);
});

test('a new generation is observed; the condition keeps its transition time while its status holds', () => {
  const first = reconcilePdb(pdb({ minAvailable: 1 }), [pod('a'), pod('b')], none, NOW).status!;
  const later = new Date(NOW.getTime() + 60_000);
  const d = reconcilePdb(pdb({ minAvailable: 1 }, first, 2), [pod('a'), pod('b')], none, later);
  assert.equal(d.status?.observedGeneration, 2);
  assert.equal(d.status?.conditions?.[0]?.observedGeneration, 2);
  assert.equal(d.status?.conditions?.[0]?.lastTransitionTime, '2026-01-01T12:00:00Z');
  const flipped = reconcilePdb(pdb({ minAvailable: 2 }, d.status, 2), [pod('a'), pod('b')], none, later);
  assert.equal(flipped.status?.conditions?.[0]?.reason, 'InsufficientPods');
  assert.equal(flipped.status?.conditions?.[0]?.lastTransitionTime, '2026-01-01T12:01:00Z');
});

test('scaledValue rounds up as upstream', () => {
  assert.equal(scaledValue('25%', 10), 3);
  assert.equal(scaledValue('50%', 3), 2);
  assert.equal(scaledValue(4, 100), 4);
  assert.throws(() => scaledValue('25', 10), /not a percentage/);
});

test('property: disruptionsAllowed is never negative, never above healthy, and a second run is a no-op', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 12 }), fc.oneof(fc.nat(15), fc.constantFrom('0%', '30%', '50%', '100%')), fc.boolean(), (ready, v, useMax) => {
      const pods = ready.map((r, i) => pod(`p${i}`, { ready: r }));
      const spec = useMax && typeof v === 'number' ? { maxUnavailable: v } : { minAvailable: v };
      const d = reconcilePdb(pdb(spec), pods, none, NOW);
      const st = d.status!;
      assert.ok(st.disruptionsAllowed! >= 0);
      assert.ok(st.disruptionsAllowed! <= st.currentHealthy!);
      assert.equal(reconcilePdb(pdb(spec, st), pods, none, NOW).status, undefined);
    }),
  );
});
