import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot } from '../framework/index.js';
import { node, pod } from '../testing/fixtures.js';
import { filterAll, scoreAll } from '../testing/run.js';
import {
  InterPodAffinity, NodeAffinity, NodeName, NodePorts, NodeResourcesBalancedAllocation, NodeResourcesFit, NodeUnschedulable, PodTopologySpread, TaintToleration,
} from './index.js';

const zone = (z: string) => ({ 'topology.kubernetes.io/zone': z });

test('NodeName', () => {
  const snap = Snapshot.from([node('a'), node('b')]);
  assert.deepEqual(filterAll(new NodeName(), pod('p', { spec: { nodeName: 'b' } }), snap), {
    a: "UnschedulableAndUnresolvable: node(s) didn't match the requested node name",
    b: '',
  });
});

test('NodeUnschedulable honours the unschedulable toleration', () => {
  const snap = Snapshot.from([node('a', { unschedulable: true }), node('b')]);
  assert.deepEqual(filterAll(new NodeUnschedulable(), pod('p'), snap), { a: 'UnschedulableAndUnresolvable: node(s) were unschedulable', b: '' });
  const tol = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.deepEqual(filterAll(new NodeUnschedulable(), tol, snap), { a: '', b: '' });
});

test('NodeResourcesFit: every shortfall is a reason; bigger than the node is unresolvable', () => {
  const snap = Snapshot.from(
    [node('a', { cpu: '2', memory: '1Gi', pods: 2 }), node('b', { cpu: '1', memory: '4Gi', extra: { 'example.com/gpu': '1' } })],
    [pod('x', { cpu: '1500m', memory: '512Mi', nodeName: 'a' }), pod('y', { nodeName: 'a' })],
  );
  const p = pod('p', { cpu: '1', memory: '600Mi' });
  assert.deepEqual(filterAll(new NodeResourcesFit(), p, snap), { a: 'Unschedulable: Too many pods, Insufficient cpu, Insufficient memory', b: '' });
  const big = pod('big', { cpu: '3' });
  assert.deepEqual(filterAll(new NodeResourcesFit(), big, snap), { a: 'UnschedulableAndUnresolvable: Too many pods, Insufficient cpu', b: 'UnschedulableAndUnresolvable: Insufficient cpu' });
  const gpu = pod('g');
  gpu.spec!.containers![0]!.resources = { requests: { 'example.com/gpu': '1' } };
  assert.deepEqual(filterAll(new NodeResourcesFit(), gpu, snap), { a: 'UnschedulableAndUnresolvable: Too many pods, Insufficient example.com/gpu', b: '' });
});

test('NodeResourcesFit LeastAllocated and BalancedAllocation scores', () => {
  const snap = Snapshot.from([node('a', { cpu: '4', memory: '8Gi' }), node('b', { cpu: '4', memory: '8Gi' })], [pod('x', { cpu: '2', memory: '2Gi', nodeName: 'a' })]);
  const p = pod('p', { cpu: '1', memory: '2Gi' });
  // a: cpu (4000-3000)*100/4000=25, mem (8-4)/8=50 → 37; b: 75, 75 → 75
  assert.deepEqual(scoreAll(new NodeResourcesFit(), p, snap), { a: 37, b: 75 });
  // a: fractions .75/.5 → std .125 → 87; b: .25/.25 → 100
  assert.deepEqual(scoreAll(new NodeResourcesBalancedAllocation(), p, snap), { a: 87, b: 100 });
  // No requests: non-zero defaults (100m, 200Mi) are scored.
  assert.deepEqual(scoreAll(new NodeResourcesFit(), pod('q'), snap), { a: 59, b: 97 });
});

test('TaintToleration: NoSchedule/NoExecute filter with upstream message; PreferNoSchedule score', () => {
  const snap = Snapshot.from([
    node('a', { taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] }),
    node('b', { taints: [{ key: 'dedicated', effect: 'NoExecute' }] }),
    node('c', { taints: [{ key: 'soft', value: 'x', effect: 'PreferNoSchedule' }] }),
    node('d'),
  ]);
  assert.deepEqual(filterAll(new TaintToleration(), pod('p'), snap), {
    a: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {workload-type: compute-optimized}',
    b: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: }',
    c: '',
    d: '',
  });
  const tol = pod('t', { spec: { tolerations: [{ key: 'workload-type', operator: 'Equal', value: 'compute-optimized', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute' }] } });
  assert.deepEqual(filterAll(new TaintToleration(), tol, snap), { a: '', b: '', c: '', d: '' });
  assert.deepEqual(scoreAll(new TaintToleration(), pod('p'), snap), { a: 100, b: 100, c: 0, d: 100 });
});

test('NodeAffinity: nodeSelector, required terms (expressions, fields, Gt), preferred weights', () => {
  const snap = Snapshot.from([node('a', { labels: { disk: 'ssd', gen: '5', ...zone('z1') } }), node('b', { labels: { disk: 'hdd', gen: '3', ...zone('z2') } }), node('c')]);
  assert.deepEqual(filterAll(new NodeAffinity(), pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }), snap), {
    a: '',
    b: "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector",
    c: "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector",
  });
  const req = pod('r', {
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] }],
          },
        },
      },
    },
  });
  const r = filterAll(new NodeAffinity(), req, snap);
  assert.deepEqual([r['a'], r['c']], ['', '']);
  assert.match(r['b']!, /didn't match/);
  const pref = pod('s', {
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 5, preference: { matchExpressions: [{ key: 'gen', operator: 'Exists' }] } },
          ],
        },
      },
    },
  });
  assert.deepEqual(scoreAll(new NodeAffinity(), pref, snap), { a: 100, b: 33, c: 0 });
});

test('NodePorts: same port conflicts, 0.0.0.0 conflicts with any IP, other protocol does not', () => {
  const snap = Snapshot.from([node('a'), node('b')], [pod('x', { nodeName: 'a', hostPort: 8080 })]);
  assert.deepEqual(filterAll(new NodePorts(), pod('p', { hostPort: 8080 }), snap), { a: "Unschedulable: node(s) didn't have free ports for the requested pod ports", b: '' });
  const udp = pod('u', { hostPort: 8080 });
  udp.spec!.containers![0]!.ports![0]!.protocol = 'UDP';
  assert.deepEqual(filterAll(new NodePorts(), udp, snap), { a: '', b: '' });
});

const anti = (key: string, labels: Record<string, string>) => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: key, labelSelector: { matchLabels: labels } }] },
});

test('InterPodAffinity: anti-affinity, affinity (and the first pod of a group), existing pods anti-affinity', () => {
  const snap = Snapshot.from(
    [node('a', { labels: zone('z1') }), node('b', { labels: zone('z1') }), node('c', { labels: zone('z2') })],
    [pod('web-1', { nodeName: 'a', labels: { app: 'web' } }), pod('guard', { nodeName: 'c', labels: { app: 'guard' }, spec: { affinity: anti('kubernetes.io/hostname', { app: 'web' }) } })],
  );
  const pl = new InterPodAffinity();
  assert.deepEqual(filterAll(pl, pod('web-2', { labels: { app: 'web' }, spec: { affinity: anti('topology.kubernetes.io/zone', { app: 'web' }) } }), snap), {
    a: "Unschedulable: node(s) didn't match pod anti-affinity rules",
    b: "Unschedulable: node(s) didn't match pod anti-affinity rules",
    c: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
  });
  const aff = (labels: Record<string, string>) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: labels } }] } });
  assert.deepEqual(filterAll(pl, pod('cache', { spec: { affinity: aff({ app: 'web' }) } }), snap), {
    a: '',
    b: '',
    c: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
  });
  // No pod matches anywhere, but the pod matches its own term: it may go first (not to c: existing anti-affinity? no: guard only repels app=web).
  const first = filterAll(pl, pod('db-0', { labels: { app: 'db' }, spec: { affinity: aff({ app: 'db' }) } }), snap);
  assert.deepEqual(first, { a: '', b: '', c: '' });
  // Other namespaces are not matched unless listed.
  const other = filterAll(pl, pod('x', { ns: 'other', labels: { app: 'web' }, spec: { affinity: anti('topology.kubernetes.io/zone', { app: 'web' }) } }), snap);
  assert.equal(other['a'], '');
});

test('InterPodAffinity preferred scores, min-max normalized', () => {
  const snap = Snapshot.from([node('a', { labels: zone('z1') }), node('b', { labels: zone('z2') }), node('c', { labels: zone('z3') })], [pod('w', { nodeName: 'a', labels: { app: 'web' } }), pod('d', { nodeName: 'b', labels: { app: 'db' } })]);
  const p = pod('p', {
    spec: {
      affinity: {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'web' } } } }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'db' } } } }] },
      },
    },
  });
  assert.deepEqual(scoreAll(new InterPodAffinity(), p, snap), { a: 100, b: 0, c: 50 });
});

test('PodTopologySpread: maxSkew, missing label, minDomains, nodeAffinityPolicy', () => {
  const nodes = [node('a', { labels: zone('z1') }), node('b', { labels: zone('z2') }), node('c', { labels: { ...zone('z3'), pool: 'x' } }), node('d')];
  const snap = Snapshot.from(nodes, [pod('w1', { nodeName: 'a', labels: { app: 'web' } }), pod('w2', { nodeName: 'a', labels: { app: 'web' } }), pod('w3', { nodeName: 'b', labels: { app: 'web' } })]);
  const spread = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
    pod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra }], ...spec } });
  assert.deepEqual(filterAll(new PodTopologySpread(), spread(), snap), {
    a: "Unschedulable: node(s) didn't match pod topology spread constraints",
    b: "Unschedulable: node(s) didn't match pod topology spread constraints",
    c: '',
    d: "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)",
  });
  // Honor node affinity: with a nodeSelector excluding c, z3 is not a domain; min is 1 (z2).
  const r = filterAll(new PodTopologySpread(), spread({}, { nodeSelector: { 'topology.kubernetes.io/zone': 'z2' } }), snap);
  assert.equal(r['b'], '');
  // minDomains 5 > 3 domains: the global minimum is 0, so z2 (1 pod) + 1 = 2 > maxSkew 1.
  const m = filterAll(new PodTopologySpread(), spread({ minDomains: 5 }), snap);
  assert.match(m['b']!, /didn't match pod topology spread/);
  assert.equal(m['c'], '');
});

test('PodTopologySpread ScheduleAnyway scores the emptier domain higher', () => {
  const snap = Snapshot.from([node('a', { labels: zone('z1') }), node('b', { labels: zone('z2') })], [pod('w1', { nodeName: 'a', labels: { app: 'web' } }), pod('w2', { nodeName: 'a', labels: { app: 'web' } })]);
  const p = pod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] } });
  const s = scoreAll(new PodTopologySpread(), p, snap);
  assert.ok(s['b']! > s['a']!, JSON.stringify(s));
  assert.equal(s['b'], 100);
});

test('PodTopologySpread sees a node joining a new zone (derived domains follow node changes)', () => {
  const snap = Snapshot.from([node('a', { labels: zone('z1') }), node('b', { labels: zone('z2') })], [pod('w1', { nodeName: 'a', labels: { app: 'web' } }), pod('w2', { nodeName: 'b', labels: { app: 'web' } })]);
  const p = pod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] } });
  assert.deepEqual(filterAll(new PodTopologySpread(), p, snap), { a: '', b: '' });
  snap.setNode(node('c', { labels: zone('z3') }));
  const r = filterAll(new PodTopologySpread(), p, snap);
  assert.deepEqual([r['a'] !== '', r['b'] !== '', r['c']], [true, true, '']);
});
