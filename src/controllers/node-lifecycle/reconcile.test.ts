import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import {
  DEFAULT_LIFECYCLE_CONFIG as CFG,
  DEFAULT_RATE_LIMIT,
  TAINT_NOT_READY,
  TokenBucket,
  addsNoExecute,
  computeZoneState,
  withoutNewNoExecute,
  withoutNoExecute,
  zoneKey,
  zoneQPS,
  TAINT_UNREACHABLE,
  type NodeView,
  defaultTolerations,
  desiredTaints,
  evictionStart,
  observeHealth,
  podNotReadyConditions,
  reconcileNodeHealth,
  taintEviction,
  tolerates,
} from './reconcile.js';

const T0 = Date.parse('2026-11-24T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function healthy(hb = T0): NodeView {
  const c = (type: string, status: string) => ({ type, status, reason: 'r', message: 'm', lastHeartbeatTime: iso(hb), lastTransitionTime: iso(T0 - 60_000) });
  return { name: 'n1', taints: [], conditions: [c('MemoryPressure', 'False'), c('DiskPressure', 'False'), c('PIDPressure', 'False'), c('Ready', 'True')] };
}

test('a fresh heartbeat or lease renewal moves the probe time; nothing else does', () => {
  const h0 = observeHealth(undefined, healthy(), '2026-11-24T08:00:00.000000Z', T0);
  assert.equal(h0.probeTime, T0);
  assert.equal(observeHealth(h0, healthy(), '2026-11-24T08:00:00.000000Z', T0 + 30_000), h0);
  assert.equal(observeHealth(h0, healthy(), '2026-11-24T08:00:10.000000Z', T0 + 30_000).probeTime, T0 + 30_000);
  assert.equal(observeHealth(h0, healthy(T0 + 5000), '2026-11-24T08:00:00.000000Z', T0 + 31_000).probeTime, T0 + 31_000);
  // An older lease (clock going back) is no sign of life.
  assert.equal(observeHealth(h0, healthy(), '2026-11-24T07:59:00.000000Z', T0 + 30_000), h0);
});

test('within the grace period nothing changes; after it, Unknown + unreachable taints + pods NotReady', () => {
  const node = healthy();
  const h = { probeTime: T0 };
  const within = reconcileNodeHealth(node, h, T0 + 40_000, CFG);
  assert.deepEqual(within, { becameNotReady: false, markPodsNotReady: false, recheckAt: T0 + 40_001 });

  const now = T0 + 40_001;
  const plan = reconcileNodeHealth(node, h, now, CFG);
  assert.equal(plan.becameNotReady, true);
  assert.equal(plan.markPodsNotReady, true);
  const ready = plan.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual(ready, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: iso(T0), lastTransitionTime: iso(now) });
  assert.ok(plan.conditions!.every((c) => c.status === 'Unknown'));
  assert.deepEqual(plan.taints, [
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(now) },
  ]);

  // Applying the plan and reconciling again changes nothing (idempotent), pods still to be marked.
  const after: NodeView = { ...node, conditions: plan.conditions!, taints: plan.taints! };
  const again = reconcileNodeHealth(after, h, now + 5000, CFG);
  assert.deepEqual(again, { becameNotReady: false, markPodsNotReady: true });
});

test('a node that never posted Ready gets the startup grace period and NodeStatusNeverUpdated', () => {
  const node: NodeView = { name: 'n', creationTimestamp: iso(T0), taints: [], conditions: [] };
  assert.equal(reconcileNodeHealth(node, { probeTime: T0 }, T0 + 50_000, CFG).conditions, undefined);
  const plan = reconcileNodeHealth(node, { probeTime: T0 }, T0 + 60_001, CFG);
  const ready = plan.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.reason, 'NodeStatusNeverUpdated');
  assert.equal(ready.message, 'Kubelet never posted node status.');
  assert.equal(plan.becameNotReady, false);
});

test('taints follow conditions: not-ready for False, removed on recovery, foreign taints kept', () => {
  const foreign = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const notReady = healthy().conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
  const t = desiredTaints({ taints: [foreign] }, notReady, T0)!;
  assert.deepEqual(t, [foreign, { key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: iso(T0) }]);
  assert.equal(desiredTaints({ taints: t }, notReady, T0 + 1000), undefined);
  assert.deepEqual(desiredTaints({ taints: t }, healthy().conditions, T0 + 2000), [foreign]);
  const pressure = healthy().conditions.map((c) => (c.type === 'DiskPressure' ? { ...c, status: 'True' } : c));
  assert.deepEqual(desiredTaints({ taints: [], unschedulable: true }, pressure, T0), [
    { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
  ]);
});

test('pods are marked Ready=False once', () => {
  const conds = [{ type: 'Ready', status: 'True', lastTransitionTime: iso(T0) }, { type: 'PodScheduled', status: 'True' }];
  const out = podNotReadyConditions(conds, T0 + 1000)!;
  assert.deepEqual(out[0], { type: 'Ready', status: 'False', lastTransitionTime: iso(T0 + 1000) });
  assert.equal(podNotReadyConditions(out, T0 + 2000), undefined);
});

test('taint eviction: untolerated now, tolerated after the smallest tolerationSeconds, forever without seconds', () => {
  const taints = [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0) }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' }];
  assert.deepEqual(taintEviction([], taints, T0, T0), { type: 'evict' });
  const tol = [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }];
  assert.deepEqual(taintEviction(tol, taints, T0, T0 + 1000), { type: 'evictAt', at: T0 + 300_000 });
  assert.deepEqual(taintEviction(tol, taints, T0, T0 + 300_000), { type: 'evict' });
  assert.deepEqual(taintEviction([{ operator: 'Exists' }], taints, T0, T0 + 10 ** 9), { type: 'keep' });
  assert.deepEqual(taintEviction([{ ...tol[0]!, tolerationSeconds: 0 }], taints, T0, T0), { type: 'evict' });
  assert.deepEqual(taintEviction([], [{ key: 'x', effect: 'NoSchedule' }], T0, T0), { type: 'keep' });
  // Two NoExecute taints: each needs a toleration; the smaller seconds wins.
  const two = [...taints, { key: 'custom', value: 'v', effect: 'NoExecute', timeAdded: iso(T0) }];
  assert.deepEqual(taintEviction(tol, two, T0, T0), { type: 'evict' });
  assert.deepEqual(taintEviction([...tol, { key: 'custom', operator: 'Equal', value: 'v', tolerationSeconds: 60 }], two, T0, T0), { type: 'evictAt', at: T0 + 60_000 });
});

test('eviction clock starts at the taint, or at the pod arrival if later', () => {
  const taints = [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0) }];
  assert.equal(evictionStart(taints, -Infinity, T0 + 5000), T0);
  assert.equal(evictionStart(taints, T0 + 9000, T0 + 10_000), T0 + 9000);
  assert.equal(evictionStart([{ key: 'k', effect: 'NoExecute' }], -Infinity, T0 + 7), T0 + 7);
});

test('tolerates: operator, key, value and effect rules', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  assert.ok(tolerates({ key: 'k', value: 'v' }, taint));
  assert.ok(!tolerates({ key: 'k', value: 'w' }, taint));
  assert.ok(tolerates({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint));
  assert.ok(!tolerates({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint));
  assert.ok(tolerates({ operator: 'Exists' }, taint));
  assert.ok(!tolerates({ key: 'k', operator: 'Gt', value: 'v' }, taint));
});

test('defaultTolerations adds 300 s tolerations only where missing, without mutating', () => {
  const pod: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } };
  const out = defaultTolerations(pod);
  assert.deepEqual(out.spec!.tolerations, [
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  assert.equal(pod.spec!.tolerations, undefined);
  const own = { ...pod, spec: { tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] } };
  assert.deepEqual(defaultTolerations(own).spec!.tolerations!.map((t) => `${t.key}=${t.tolerationSeconds}`), [`${TAINT_UNREACHABLE}=5`, `${TAINT_NOT_READY}=300`]);
  const all = { ...pod, spec: { tolerations: [{ operator: 'Exists' }] } };
  assert.equal(defaultTolerations(all), all);
});

test('property: reconcileNodeHealth is idempotent once its plan is applied', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 200_000 }), fc.constantFrom('True', 'False', 'Unknown'), fc.boolean(), (dt, ready, unsched) => {
      const base = healthy();
      const node: NodeView = { ...base, unschedulable: unsched, conditions: base.conditions.map((c) => (c.type === 'Ready' ? { ...c, status: ready } : c)) };
      const h = { probeTime: T0 };
      const p1 = reconcileNodeHealth(node, h, T0 + dt, CFG);
      const applied: NodeView = { ...node, conditions: p1.conditions ?? node.conditions, taints: p1.taints ?? node.taints };
      const p2 = reconcileNodeHealth(applied, h, T0 + dt + 1, CFG);
      assert.equal(p2.conditions, undefined);
      assert.equal(p2.taints, undefined);
      const readyNow = applied.conditions.find((c) => c.type === 'Ready')!.status;
      const keys = applied.taints.filter((t) => t.effect === 'NoExecute').map((t) => t.key);
      assert.deepEqual(keys, readyNow === 'False' ? [TAINT_NOT_READY] : readyNow === 'Unknown' ? [TAINT_UNREACHABLE] : []);
    }),
  );
});

test('zone states and their NoExecute tainting rates, as upstream handleDisruption', () => {
  const cfg = DEFAULT_RATE_LIMIT;
  assert.equal(computeZoneState(['True', 'True', 'Unknown'], cfg), 'Normal');
  assert.equal(computeZoneState(['Unknown', 'False'], cfg), 'FullDisruption');
  assert.equal(computeZoneState(['True', 'Unknown', 'Unknown', 'False'], cfg), 'PartialDisruption');
  assert.equal(computeZoneState(['True', 'True', 'Unknown', 'Unknown'], cfg), 'Normal'); // not more than 2 unhealthy
  assert.equal(computeZoneState(['True', 'True', 'True', 'Unknown', 'Unknown', 'Unknown'], cfg), 'Normal'); // 50% < 55%
  assert.equal(zoneQPS('Normal', 10, cfg), 0.1);
  assert.equal(zoneQPS('FullDisruption', 10, cfg), 0.1);
  assert.equal(zoneQPS('PartialDisruption', 51, cfg), 0.01);
  assert.equal(zoneQPS('PartialDisruption', 50, cfg), 0);
  assert.equal(zoneKey({ 'topology.kubernetes.io/zone': 'a' }), ':\u0000:a');
  assert.equal(zoneKey({}), '');
});

test('token bucket: burst 1, then one token per 1/qps seconds; qps 0 never', () => {
  const b = new TokenBucket(0.1);
  assert.ok(b.tryAccept(T0));
  assert.ok(!b.tryAccept(T0 + 5000));
  assert.equal(b.nextAt(T0 + 5000), T0 + 10_000);
  assert.ok(b.tryAccept(T0 + 10_000));
  b.setQPS(0, T0 + 10_000);
  assert.ok(!b.tryAccept(T0 + 10 ** 7));
  assert.equal(b.nextAt(T0), Infinity);
});

test('NoExecute gating helpers: additions wait, swaps and NoSchedule do not; master disruption lifts them', () => {
  const none: { key: string; effect: string }[] = [];
  const unreachable = [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0) }];
  const notReady = [{ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: iso(T0) }];
  assert.ok(addsNoExecute(none, unreachable));
  assert.ok(!addsNoExecute(notReady, unreachable));
  assert.deepEqual(withoutNewNoExecute(none, unreachable), [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }]);
  assert.equal(withoutNewNoExecute([{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }], unreachable), undefined);
  assert.deepEqual(withoutNoExecute([{ key: 'x', effect: 'NoExecute' }, ...unreachable]), [{ key: 'x', effect: 'NoExecute' }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' }]);
  assert.equal(withoutNoExecute([{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }]), undefined);
});
