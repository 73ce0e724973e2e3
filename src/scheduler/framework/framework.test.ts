import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, Snapshot, Status, fitErrorMessage, numFeasibleNodesToFind, podInfoOf, reasonHistogram } from './index.js';
import { defaultFramework } from '../plugins/index.js';
import { node, pod } from '../testing/fixtures.js';

// Upstream nests the preemption FitError (ending in '.') inside the outer one and appends '.' again:
// real clusters print '... Preemption is not helpful for scheduling..' and so do we.
test('the summary message is built exactly as upstream FitError.Error', () => {
  const snap = Snapshot.from([
    node('a', { cpu: '2', taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] }),
    node('b', { cpu: '2' }),
    node('c', { cpu: '2' }),
  ]);
  const r = defaultFramework().schedule(snap, podInfoOf(pod('big', { cpu: '3' })));
  assert.equal(r.outcome, 'Unschedulable');
  assert.equal(
    r.outcome === 'Unschedulable' && r.message,
    '0/3 nodes are available: 1 node(s) had untolerated taint {workload-type: compute-optimized}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
  );
});

test('preemption reports no victims when nothing has lower priority', () => {
  const snap = Snapshot.from([node('a', { cpu: '2' }), node('b', { cpu: '2' })], [pod('x', { cpu: '1500m', nodeName: 'a', priority: 10 }), pod('y', { cpu: '1500m', nodeName: 'b', priority: 10 })]);
  const r = defaultFramework().schedule(snap, podInfoOf(pod('p', { cpu: '1' })));
  assert.equal(
    r.outcome === 'Unschedulable' && r.message,
    '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..',
  );
});

test('preemptionPolicy Never: upstream message (with its double period)', () => {
  const snap = Snapshot.from([node('a', { cpu: '1' })], [pod('x', { cpu: '1', nodeName: 'a' })]);
  const r = defaultFramework().schedule(snap, podInfoOf(pod('p', { cpu: '1', priority: 5, spec: { preemptionPolicy: 'Never' } })));
  assert.equal(r.outcome === 'Unschedulable' && r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
});

test('reasons sort as strings, counts first', () => {
  const m = new Map([
    ['a', new Status('Unschedulable', ['Insufficient cpu', 'Insufficient memory'])],
    ['b', new Status('Unschedulable', ['Insufficient cpu'])],
    ['c', new Status('UnschedulableAndUnresolvable', ["node(s) didn't match Pod's node affinity/selector"])],
  ]);
  assert.deepEqual(reasonHistogram(m), ['1 Insufficient memory', "1 node(s) didn't match Pod's node affinity/selector", '2 Insufficient cpu']);
  assert.equal(fitErrorMessage(3, { nodeStatuses: m, preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() }).endsWith('2 Insufficient cpu.'), true);
  assert.equal(fitErrorMessage(0, { nodeStatuses: new Map(), preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() }), '0/0 nodes are available:');
});

test('numFeasibleNodesToFind follows the adaptive percentage', () => {
  assert.equal(numFeasibleNodesToFind(0, 50), 50);
  assert.equal(numFeasibleNodesToFind(0, 1000), 420);
  assert.equal(numFeasibleNodesToFind(0, 5000), 500);
  assert.equal(numFeasibleNodesToFind(0, 100000), 5000);
  assert.equal(numFeasibleNodesToFind(100, 5000), 5000);
  assert.equal(numFeasibleNodesToFind(1, 5000), 100);
});

test('preemption nominates the node where the fewest/lowest victims make room', () => {
  const snap = Snapshot.from(
    [node('a', { cpu: '2' }), node('b', { cpu: '2' })],
    [
      pod('a1', { cpu: '1', nodeName: 'a', priority: 5 }),
      pod('a2', { cpu: '1', nodeName: 'a', priority: 5 }),
      pod('b1', { cpu: '1', nodeName: 'b', priority: 1 }),
      pod('b2', { cpu: '1', nodeName: 'b', priority: 100 }),
    ],
  );
  const r = defaultFramework().schedule(snap, podInfoOf(pod('p', { cpu: '1', priority: 50 })));
  assert.equal(r.outcome, 'Unschedulable');
  if (r.outcome !== 'Unschedulable') return;
  assert.equal(r.nominatedNode, 'b');
  assert.deepEqual(r.victims?.map((v) => v.name), ['b1']);
  assert.equal(r.message, '0/2 nodes are available: 2 Insufficient cpu.');
});

test('preemption respects PDBs when another node needs no violation', () => {
  const snap = Snapshot.from(
    [node('a', { cpu: '1' }), node('b', { cpu: '1' })],
    [pod('a1', { cpu: '1', nodeName: 'a', labels: { app: 'db' } }), pod('b1', { cpu: '1', nodeName: 'b', labels: { app: 'web' } })],
  );
  snap.pdbs = [{ namespace: 'default', name: 'db', disruptionsAllowed: 0, selects: (l) => l['app'] === 'db' }];
  const r = defaultFramework().schedule(snap, podInfoOf(pod('p', { cpu: '1', priority: 50 })));
  assert.equal(r.outcome === 'Unschedulable' && r.nominatedNode, 'b');
});

test('a nominated node is tried first', () => {
  const snap = Snapshot.from([node('a'), node('b'), node('c')]);
  const p = pod('p', { cpu: '1' });
  p.status = { nominatedNodeName: 'c' };
  const r = defaultFramework().schedule(snap, podInfoOf(p), new CycleState());
  assert.equal(r.outcome === 'Scheduled' && r.node, 'c');
});

test('init containers: max rule, sidecars and overhead', () => {
  const p = pod('p', { cpu: '500m', memory: '100Mi' });
  p.spec!.initContainers = [
    { name: 'i1', resources: { requests: { cpu: '2', memory: '50Mi' } } },
    { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '100m', memory: '10Mi' } } },
    { name: 'i2', resources: { requests: { cpu: '1', memory: '300Mi' } } },
  ];
  p.spec!.overhead = { cpu: '50m', memory: '1Mi' };
  const pi = podInfoOf(p);
  // cpu: max(500+100, 2000, 1000+100) + 50; memory: max(100+10, 50, 300+10) + 1 (Mi)
  assert.equal(pi.requests.milliCPU, 2050);
  assert.equal(pi.requests.memory, 311 * 1024 * 1024);
});

test('room freed by preemption is kept for the nominated pod against lower-priority pods', () => {
  const snap = Snapshot.from([node('a', { cpu: '1' })]);
  const high = podInfoOf(pod('high', { cpu: '1', priority: 100 }));
  snap.setNominated(high, 'a');
  const fw = defaultFramework();
  const low = fw.schedule(snap, podInfoOf(pod('low', { cpu: '1', priority: 1 })));
  assert.equal(low.outcome, 'Unschedulable');
  assert.equal(fw.schedule(snap, high).outcome, 'Scheduled', 'the nominated pod itself fits');
  assert.equal(fw.schedule(snap, podInfoOf(pod('higher', { cpu: '1', priority: 1000 }))).outcome, 'Scheduled', 'a higher-priority pod ignores the nomination');
  snap.setNominated(high, '');
  assert.equal(fw.schedule(snap, podInfoOf(pod('low2', { cpu: '1', priority: 1 }))).outcome, 'Scheduled');
});

test('a DaemonSet-style matchFields pod is filtered on its node only; the others are "filtered out by the prefilter result"', () => {
  const nodes = Array.from({ length: 300 }, (_, i) => node(`n${i}`, { cpu: '1' }));
  const snap = Snapshot.from(nodes, [pod('x', { cpu: '1', nodeName: 'n7', priority: 10 })]);
  const ds = (target: string) =>
    podInfoOf(pod(`ds-${target}`, { cpu: '500m', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [target] }] }] } } } } }));
  const fw = defaultFramework();
  const ok = fw.schedule(snap, ds('n42'));
  assert.deepEqual(ok.outcome === 'Scheduled' && [ok.node, ok.evaluatedNodes], ['n42', 1]);
  const full = fw.schedule(snap, ds('n7'));
  assert.equal(
    full.outcome === 'Unschedulable' && full.message,
    '0/300 nodes are available: 1 Insufficient cpu, 299 node is filtered out by the prefilter result. preemption: 0/300 nodes are available: 1 No preemption victims found for incoming pod, 299 Preemption is not helpful for scheduling..',
  );
});
