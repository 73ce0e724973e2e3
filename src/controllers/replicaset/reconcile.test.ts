import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ReplicaSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { calculateStatus, podFromTemplate, reconcile } from './reconcile.js';
import { podsToDelete, slowStartBatches, isPodAvailable } from './pods.js';
import { Expectations } from './expectations.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

function rs(over: Partial<{ replicas: number; minReadySeconds: number; deleting: boolean; generation: number }> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid', generation: over.generation ?? 2, ...(over.deleting ? { deletionTimestamp: ago(1) } : {}) },
    spec: {
      replicas: over.replicas ?? 3,
      minReadySeconds: over.minReadySeconds ?? 0,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'fe' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

let n = 0;
function pod(o: Partial<{ name: string; owner: string | null; labels: Record<string, string>; phase: string; ready: boolean; readySince: number; node: string; created: number; restarts: number; deleting: boolean; uid: string; cost: string }> = {}): V1Pod {
  const name = o.name ?? `p${n++}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: o.uid ?? `uid-${name}`,
      resourceVersion: '7',
      labels: o.labels ?? { app: 'web', tier: 'fe' },
      creationTimestamp: ago(o.created ?? 100),
      ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}),
      ...(o.owner === null ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: o.owner ?? 'rs-uid', controller: true }] }),
      ...(o.deleting ? { deletionTimestamp: ago(1) } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(o.node === '' ? {} : { nodeName: o.node ?? 'n1' }) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: ago(o.readySince ?? 50) }],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 } as never],
    },
  };
}

test('creates the missing pods from the template with a controller reference', () => {
  const plan = reconcile(rs(), { pods: [pod()], expectationsSatisfied: true }, NOW);
  assert.equal(plan.actions.length, 1);
  const a = plan.actions[0]!;
  assert.equal(a.type, 'createPods');
  if (a.type !== 'createPods') return;
  assert.equal(a.count, 2);
  assert.equal(a.pod.metadata.generateName, 'web-');
  assert.deepEqual(a.pod.metadata.labels, { app: 'web', tier: 'fe' });
  assert.deepEqual(a.pod.metadata.annotations, { a: 'b' });
  assert.deepEqual(a.pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
});

test('table: what a sync does', () => {
  const cases: { name: string; set: ReplicaSet; pods: V1Pod[]; sat?: boolean; want: string[] }[] = [
    { name: 'in sync', set: rs(), pods: [pod(), pod(), pod()], want: [] },
    { name: 'pending expectations: no create', set: rs(), pods: [pod()], sat: false, want: [] },
    { name: 'one too many', set: rs({ replicas: 2 }), pods: [pod(), pod(), pod({ name: 'new', created: 1 })], want: ['deletePods:new'] },
    { name: 'inactive pods are not counted', set: rs({ replicas: 1 }), pods: [pod({ phase: 'Failed' }), pod({ phase: 'Succeeded' }), pod({ deleting: true })], want: ['createPods:1'] },
    { name: 'adopts a matching orphan', set: rs({ replicas: 1 }), pods: [pod({ name: 'o', owner: null })], want: ['adoptPod:o'] },
    { name: 'ignores a non-matching orphan', set: rs({ replicas: 0 }), pods: [pod({ owner: null, labels: { app: 'db' } })], want: [] },
    { name: 'ignores pods of other controllers', set: rs({ replicas: 0 }), pods: [pod({ owner: 'other' })], want: [] },
    { name: 'releases an owned pod that stopped matching', set: rs({ replicas: 1 }), pods: [pod({ name: 'x', labels: { app: 'db' } })], want: ['releasePod:x', 'createPods:1'] },
    { name: 'deleting: no adoption, no management', set: rs({ deleting: true }), pods: [pod({ owner: null })], want: [] },
    { name: 'scale to zero deletes all', set: rs({ replicas: 0 }), pods: [pod({ name: 'a' }), pod({ name: 'b' })], want: ['deletePods:a,b'] },
  ];
  for (const c of cases) {
    const plan = reconcile(c.set, { pods: c.pods, expectationsSatisfied: c.sat ?? true }, NOW);
    const got = plan.actions.map((a) =>
      a.type === 'createPods' ? `createPods:${a.count}` : a.type === 'deletePods' ? `deletePods:${a.pods.map((p) => p.name).sort().join(',')}` : `${a.type}:${a.pod.name}`,
    );
    assert.deepEqual(got, c.want, c.name);
  }
});

test('adoption and release patches carry the resourceVersion and keep other owners', () => {
  const orphan = pod({ name: 'o', owner: null });
  orphan.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Other', name: 'x', uid: 'x' }];
  const plan = reconcile(rs({ replicas: 1 }), { pods: [orphan], expectationsSatisfied: true }, NOW);
  const a = plan.actions[0]!;
  assert.equal(a.type, 'adoptPod');
  if (a.type !== 'adoptPod') return;
  assert.equal(a.patch.metadata.resourceVersion, '7');
  assert.deepEqual(a.patch.metadata.ownerReferences.map((r) => r.uid), ['x', 'rs-uid']);
  assert.equal(plan.owned.length, 1);
});

test('deletion ranking follows upstream ActivePodsWithRanks', () => {
  const order = (pods: V1Pod[]) => podsToDelete(pods, pods, pods.length - 1, NOW).map((p) => p.metadata.name);
  assert.deepEqual(order([pod({ name: 'assigned' }), pod({ name: 'unassigned', node: '' })]), ['unassigned']);
  assert.deepEqual(order([pod({ name: 'running' }), pod({ name: 'pending', phase: 'Pending' })]), ['pending']);
  assert.deepEqual(order([pod({ name: 'running' }), pod({ name: 'unknown', phase: 'Unknown' })]), ['unknown']);
  assert.deepEqual(order([pod({ name: 'unknown', phase: 'Unknown' }), pod({ name: 'pending', phase: 'Pending' })]), ['pending']);
  assert.deepEqual(order([pod({ name: 'ready' }), pod({ name: 'notready', ready: false })]), ['notready']);
  assert.deepEqual(order([pod({ name: 'cheap', cost: '-5' }), pod({ name: 'dear', cost: '10' })]), ['cheap']);
  // Co-location: the pod sharing a node with more related pods goes first.
  const a = pod({ name: 'alone', node: 'n2' });
  const b = pod({ name: 'crowded', node: 'n1' });
  const related = [a, b, pod({ node: 'n1' })];
  assert.deepEqual(podsToDelete([a, b], related, 1, NOW).map((p) => p.metadata.name), ['crowded']);
  // Ready for less time (different log2 bucket) first.
  assert.deepEqual(order([pod({ name: 'old', readySince: 500 }), pod({ name: 'young', readySince: 5 })]), ['young']);
  assert.deepEqual(order([pod({ name: 'calm', restarts: 0, readySince: 50 }), pod({ name: 'crashy', restarts: 4, readySince: 50 })]), ['crashy']);
  assert.deepEqual(order([pod({ name: 'older', created: 500, readySince: 50 }), pod({ name: 'newer', created: 3, readySince: 50 })]), ['newer']);
});

test('slow start batches: 1, 2, 4, ... never more than the remainder', () => {
  assert.deepEqual(slowStartBatches(0), []);
  assert.deepEqual(slowStartBatches(1), [1]);
  assert.deepEqual(slowStartBatches(10), [1, 2, 4, 3]);
  fc.assert(fc.property(fc.integer({ min: 0, max: 2000 }), (c) => slowStartBatches(c).reduce((a, b) => a + b, 0) === c));
});

test('status counts, observedGeneration and minReadySeconds availability', () => {
  const set = rs({ replicas: 3, minReadySeconds: 30 });
  const pods = [pod({ readySince: 60 }), pod({ readySince: 10 }), pod({ ready: false }), pod({ labels: { app: 'web' }, readySince: 100 })];
  const st = calculateStatus(set, pods, undefined, NOW);
  assert.deepEqual(
    { r: st.status.replicas, f: st.status.fullyLabeledReplicas, rd: st.status.readyReplicas, av: st.status.availableReplicas, g: st.status.observedGeneration },
    { r: 4, f: 3, rd: 3, av: 2, g: 2 },
  );
  assert.equal(st.changed, true);
  // Exactly as many ready as wanted, one not yet available: requeue when it will be.
  const st2 = calculateStatus(set, pods.slice(0, 2).concat(pods[3]!), undefined, NOW);
  assert.equal(st2.status.readyReplicas, 3);
  assert.equal(st2.requeueAfterMs, 20_001);
  assert.equal(isPodAvailable(pods[1]!, 30, new Date(NOW.getTime() + 20_001)), true);
});

test('ReplicaFailure condition appears on a create error and goes once managing succeeds', () => {
  const set = rs({ replicas: 3 });
  const st = calculateStatus(set, [pod()], { message: 'pods "web-" is forbidden: exceeded quota' }, NOW);
  assert.deepEqual(st.status.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: NOW.toISOString(), reason: 'FailedCreate', message: 'pods "web-" is forbidden: exceeded quota' }]);
  set.status = st.status;
  const again = calculateStatus(set, [pod()], { message: 'other' }, NOW);
  assert.equal(again.status.conditions?.[0]?.message, 'pods "web-" is forbidden: exceeded quota', 'kept, not replaced');
  const cleared = calculateStatus(set, [pod(), pod(), pod()], undefined, NOW);
  assert.equal(cleared.status.conditions, undefined);
  assert.equal(cleared.changed, true);
  set.status = cleared.status;
  assert.equal(calculateStatus(set, [pod(), pod(), pod()], undefined, NOW).changed, false);
});

test('expectations: satisfied only once every create and delete was observed, or expired', () => {
  const e = new Expectations(1000);
  assert.equal(e.satisfied('ns/a', NOW), true);
  e.expectCreations('ns/a', 2, NOW);
  assert.equal(e.satisfied('ns/a', NOW), false);
  e.creationObserved('ns/a');
  e.creationObserved('ns/a');
  assert.equal(e.satisfied('ns/a', NOW), true);
  e.expectDeletions('ns/a', ['ns/p1'], NOW);
  assert.equal(e.satisfied('ns/a', NOW), false);
  assert.equal(e.satisfied('ns/a', new Date(NOW.getTime() + 1001)), true, 'expired');
  e.deletionObserved('ns/a', 'ns/p1');
  assert.equal(e.satisfied('ns/a', NOW), true);
});

test('property: a sync converges the owned count to spec.replicas and never touches foreign pods', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20 }), fc.array(fc.record({ owner: fc.constantFrom<string | null>('rs-uid', 'other', null), match: fc.boolean(), active: fc.boolean() }), { maxLength: 30 }), (want, specs) => {
      const pods = specs.map((s, i) => pod({ name: `q${i}`, owner: s.owner, labels: s.match ? { app: 'web', tier: 'fe' } : { app: 'db' }, phase: s.active ? 'Running' : 'Failed' }));
      const plan = reconcile(rs({ replicas: want }), { pods, expectationsSatisfied: true }, NOW);
      let count = plan.owned.length;
      for (const a of plan.actions) {
        if (a.type === 'createPods') count += a.count;
        if (a.type === 'deletePods') {
          count -= a.pods.length;
          for (const p of a.pods) assert.ok(plan.owned.some((o) => o.metadata.name === p.name));
        }
      }
      assert.equal(count, want);
    }),
  );
});

test('podFromTemplate does not share the template objects', () => {
  const set = rs();
  const p = podFromTemplate(set);
  p.metadata.labels!['x'] = 'y';
  p.spec!.containers![0]!.image = "changed";
  assert.equal(set.spec!.template!.metadata!.labels!['x'], undefined);
  assert.equal(set.spec!.template!.spec!.containers![0]!.image, "nginx");
});
