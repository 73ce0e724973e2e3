import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node } from '../../api/core/v1/node.js';
import type { V1Pod, V1PodCondition } from '../../api/core/v1/pod-types.js';
import {
  TAINT_OUT_OF_SERVICE,
  advanceQuarantine,
  compareForDeletion,
  gcTerminated,
  planPodGc,
  rfc3339,
  type GcAction,
} from './reconcile.js';

const NOW = Date.parse('2026-11-24T08:00:00Z');
const cfg = { terminatedPodGcThreshold: 12_500 };
const none = new Set<string>();

function pod(name: string, o: { phase?: string; reason?: string; node?: string; created?: number; deleting?: boolean; ns?: string; conditions?: V1PodCondition[] } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      creationTimestamp: rfc3339(o.created ?? NOW - 3_600_000),
      ...(o.deleting ? { deletionTimestamp: rfc3339(NOW - 1000) } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'x' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: { phase: o.phase ?? 'Running', ...(o.reason ? { reason: o.reason } : {}), ...(o.conditions ? { conditions: o.conditions } : {}) },
  };
}

function node(name: string, o: { ready?: boolean; taints?: string[] } = {}): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { taints: (o.taints ?? []).map((key) => ({ key, effect: 'NoExecute' })) },
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

const names = (actions: GcAction[]) => actions.map((a) => `${a.reason}:${a.name}`);

test('terminated: nothing until the count exceeds the threshold; then the surplus, oldest first', () => {
  const pods = [
    pod('c', { phase: 'Succeeded', created: NOW - 1000 }),
    pod('a', { phase: 'Failed', created: NOW - 3000 }),
    pod('b', { phase: 'Succeeded', created: NOW - 2000 }),
    pod('running', { phase: 'Running', created: NOW - 9000 }),
    pod('pending', { phase: 'Pending', created: NOW - 9000 }),
  ];
  assert.deepEqual(planPodGc({ pods, nodes: [], goneNodes: none }, { terminatedPodGcThreshold: 3 }, NOW), []);
  const plan = planPodGc({ pods, nodes: [], goneNodes: none }, { terminatedPodGcThreshold: 1 }, NOW);
  assert.deepEqual(names(plan), ['terminated:a', 'terminated:b']);
  // Terminal pods get no status patch: only the forced delete.
  assert.ok(plan.every((a) => a.status === undefined));
  assert.equal(plan[0]!.uid, 'uid-a');
});

test('terminated: a threshold of 0 (or below) disables the rule', () => {
  const pods = [pod('a', { phase: 'Failed' }), pod('b', { phase: 'Succeeded' })];
  assert.deepEqual(gcTerminated(pods, 0), []);
  assert.deepEqual(gcTerminated(pods, -1), []);
  assert.deepEqual(planPodGc({ pods, nodes: [], goneNodes: none }, { terminatedPodGcThreshold: 0 }, NOW), []);
});

test('terminated ordering: evicted pods first, then creationTimestamp, then name', () => {
  const pods = [
    pod('young-evicted', { phase: 'Failed', reason: 'Evicted', created: NOW - 10 }),
    pod('old', { phase: 'Succeeded', created: NOW - 5000 }),
    pod('same-b', { phase: 'Failed', created: NOW - 4000 }),
    pod('same-a', { phase: 'Failed', created: NOW - 4000 }),
    pod('oom', { phase: 'Failed', reason: 'OOMKilled', created: NOW - 1 }),
  ];
  assert.deepEqual(
    [...pods].sort(compareForDeletion).map((p) => p.metadata.name),
    ['young-evicted', 'old', 'same-a', 'same-b', 'oom'],
  );
  assert.deepEqual(gcTerminated(pods, 2).map((p) => p.metadata.name), ['young-evicted', 'old', 'same-a']);
});

test('terminating on an out-of-service node: only when the node is NotReady and tainted', () => {
  const nodes = [
    node('oos', { ready: false, taints: [TAINT_OUT_OF_SERVICE] }),
    node('ready-oos', { ready: true, taints: [TAINT_OUT_OF_SERVICE] }),
    node('notready', { ready: false, taints: ['node.kubernetes.io/unreachable'] }),
  ];
  const pods = [
    pod('t1', { node: 'oos', deleting: true }),
    pod('alive', { node: 'oos' }),
    pod('t2', { node: 'ready-oos', deleting: true }),
    pod('t3', { node: 'notready', deleting: true }),
  ];
  const plan = planPodGc({ pods, nodes, goneNodes: none }, cfg, NOW);
  assert.deepEqual(names(plan), ['terminating-out-of-service:t1']);
  assert.deepEqual(plan[0]!.status, { phase: 'Failed' }, 'phase Failed first, no condition');
});

test('orphaned: pods on a node proved gone get phase Failed and DisruptionTarget (DeletionByPodGC)', () => {
  const pods = [pod('o1', { node: 'gone' }), pod('o2', { node: 'gone', phase: 'Succeeded' }), pod('fine', { node: 'n1' }), pod('unbound')];
  const plan = planPodGc({ pods, nodes: [node('n1')], goneNodes: new Set(['gone']) }, cfg, NOW);
  assert.deepEqual(names(plan), ['orphaned:o1', 'orphaned:o2']);
  assert.deepEqual(plan[0]!.status, {
    phase: 'Failed',
    conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: rfc3339(NOW) }],
  });
  assert.equal(plan[0]!.nodeName, 'gone');
  assert.equal(plan[1]!.status, undefined, 'already terminal: no status patch, no condition (as upstream)');
});

test('orphaned: an existing DisruptionTarget=True keeps its lastTransitionTime', () => {
  const earlier = rfc3339(NOW - 60_000);
  const p = pod('o', { node: 'gone', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'X', lastTransitionTime: earlier }] });
  const [a] = planPodGc({ pods: [p], nodes: [], goneNodes: new Set(['gone']) }, cfg, NOW);
  assert.equal(a!.status?.conditions?.[0]?.lastTransitionTime, earlier);
  assert.equal(a!.status?.conditions?.[0]?.reason, 'DeletionByPodGC');
});

test('unscheduled terminating: a deleting pod with no node is force-deleted', () => {
  const pods = [pod('u', { deleting: true }), pod('pending')];
  const plan = planPodGc({ pods, nodes: [], goneNodes: none }, cfg, NOW);
  assert.deepEqual(names(plan), ['terminating-unscheduled:u']);
  assert.deepEqual(plan[0]!.status, { phase: 'Failed' });
});

test('a pod matched by several rules is handled once, by the first rule', () => {
  const pods = [pod('x', { node: 'gone', phase: 'Failed', created: NOW - 10_000 }), pod('y', { phase: 'Failed', created: NOW - 1000 })];
  const plan = planPodGc({ pods, nodes: [], goneNodes: new Set(['gone']) }, { terminatedPodGcThreshold: 1 }, NOW);
  assert.deepEqual(names(plan), ['terminated:x']);
});

test('quarantine: a missing node is checked only after the quarantine, and only if still missing', () => {
  const q0 = new Map<string, number>();
  const pods = [pod('a', { node: 'late' }), pod('b', { node: 'gone' }), pod('c', { node: 'here' })];
  const cached = new Set(['here']);
  const r1 = advanceQuarantine(q0, pods, cached, NOW, 40_000);
  assert.deepEqual(r1.check, []);
  assert.deepEqual([...r1.quarantine], [['late', NOW + 40_000], ['gone', NOW + 40_000]]);
  // 20 s later: still waiting, and the due time is not pushed back.
  const r2 = advanceQuarantine(r1.quarantine, pods, cached, NOW + 20_000, 40_000);
  assert.deepEqual(r2.check, []);
  assert.equal(r2.quarantine.get('gone'), NOW + 40_000);
  // 40 s: 'late' reached the cache meanwhile; only 'gone' is checked; both leave the quarantine.
  const r3 = advanceQuarantine(r2.quarantine, pods, new Set(['here', 'late']), NOW + 40_000, 40_000);
  assert.deepEqual(r3.check, ['gone']);
  assert.deepEqual([...r3.quarantine], []);
  // Still missing on a later pass (the GET found it after all): a fresh full quarantine.
  const r4 = advanceQuarantine(r3.quarantine, pods, cached, NOW + 60_000, 40_000);
  assert.deepEqual(r4.check, []);
  assert.equal(r4.quarantine.get('gone'), NOW + 100_000);
  // Quarantine 0: checked in the same pass.
  assert.deepEqual(advanceQuarantine(new Map(), pods, cached, NOW, 0).check, ['gone', 'late']);
});

test('the plan is deterministic and leaves its inputs alone', () => {
  const pods = [pod('b', { phase: 'Failed', created: NOW - 1 }), pod('a', { phase: 'Failed', created: NOW - 2 })];
  const before = JSON.stringify(pods);
  const p1 = planPodGc({ pods, nodes: [], goneNodes: none }, { terminatedPodGcThreshold: 1 }, NOW);
  const p2 = planPodGc({ pods, nodes: [], goneNodes: none }, { terminatedPodGcThreshold: 1 }, NOW);
  assert.deepEqual(p1, p2);
  assert.equal(JSON.stringify(pods), before);
});
