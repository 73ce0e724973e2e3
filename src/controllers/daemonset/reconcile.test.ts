import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ControllerRevision, DaemonSet } from '../../api/apps/v1/index.js';
import type { V1Node, V1Pod } from '../../api/core/v1/index.js';
import { REVISION_LABEL } from '../statefulset/pod-state.js';
import { nodeShouldRunDaemonPod, reconcileDaemonSet, targetNodeName } from './reconcile.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function ds(over: Partial<NonNullable<DaemonSet['spec']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-uid', generation: 1 },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'a:1' }] } }, ...over },
  };
}
function node(name: string, labels: Record<string, string> = {}, taints: { key: string; value?: string; effect: string }[] = []): V1Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } };
}

class World {
  pods = new Map<string, V1Pod>();
  revisions = new Map<string, ControllerRevision>();
  n = 0;
  constructor(public ds: DaemonSet, public nodes: V1Node[]) {}
  step(now = NOW) {
    const r = reconcileDaemonSet({ ds: this.ds, nodes: this.nodes, pods: [...this.pods.values()], revisions: [...this.revisions.values()] }, now);
    for (const a of r.actions) {
      if (a.type === 'createRevision') this.revisions.set(a.revision.metadata.name!, a.revision);
      else if (a.type === 'deleteRevision') this.revisions.delete(a.name);
      else if (a.type === 'createPod') {
        const name = `agent-${++this.n}`;
        this.pods.set(name, { ...a.pod, metadata: { ...a.pod.metadata, name, uid: name, creationTimestamp: new Date(NOW.getTime() + this.n * 1000).toISOString() }, status: { phase: 'Pending' } });
      } else if (a.type === 'deletePod') this.pods.delete(a.name);
    }
    this.ds = { ...this.ds, status: r.status };
    return r;
  }
  readyAll() {
    for (const [k, p] of this.pods) this.pods.set(k, { ...p, spec: { ...p.spec, nodeName: targetNodeName(p) }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: NOW.toISOString() }] } });
  }
  perNode() {
    const m: Record<string, number> = {};
    for (const p of this.pods.values()) m[targetNodeName(p)!] = (m[targetNodeName(p)!] ?? 0) + 1;
    return m;
  }
}

test('one pod per eligible node, targeted by required node affinity on metadata.name, with daemon tolerations', () => {
  const w = new World(ds(), [node('n1'), node('n2')]);
  const r = w.step();
  assert.deepEqual(w.perNode(), { n1: 1, n2: 1 });
  const pod = [...w.pods.values()].find((p) => targetNodeName(p) === 'n1')!;
  assert.deepEqual(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]);
  assert.equal(pod.spec?.nodeName, undefined, 'the scheduler binds it');
  const keys = pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`);
  assert.deepEqual(keys, ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);
  assert.ok(pod.metadata.labels?.[REVISION_LABEL]);
  assert.equal(r.status.desiredNumberScheduled, 2);
  assert.deepEqual(w.step().actions, [], 'steady state');
});

test('eligibility: nodeSelector, node affinity, taints (NoSchedule blocks new pods, NoExecute evicts)', () => {
  const cases: { name: string; spec: Partial<NonNullable<DaemonSet['spec']>>; node: V1Node; run: boolean; cont: boolean }[] = [
    { name: 'plain', spec: {}, node: node('a'), run: true, cont: true },
    { name: 'selector miss', spec: { template: { spec: { nodeSelector: { disk: 'ssd' } } } }, node: node('a'), run: false, cont: false },
    { name: 'selector hit', spec: { template: { spec: { nodeSelector: { disk: 'ssd' } } } }, node: node('a', { disk: 'ssd' }), run: true, cont: true },
    { name: 'affinity NotIn', spec: { template: { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }] } } } } } }, node: node('a', { zone: 'z1' }), run: false, cont: false },
    { name: 'affinity Exists', spec: { template: { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] } } } } } }, node: node('a', { zone: 'z1' }), run: true, cont: true },
    { name: 'NoSchedule taint', spec: {}, node: node('a', {}, [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }]), run: false, cont: true },
    { name: 'NoExecute taint', spec: {}, node: node('a', {}, [{ key: 'gpu', effect: 'NoExecute' }]), run: false, cont: false },
    { name: 'tolerated', spec: { template: { spec: { tolerations: [{ key: 'workload-type', operator: 'Equal', value: 'compute-optimized', effect: 'NoSchedule' }] } } }, node: node('a', {}, [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }]), run: true, cont: true },
    { name: 'unschedulable auto-tolerated', spec: {}, node: node('a', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), run: true, cont: true },
    { name: 'not-ready auto-tolerated', spec: {}, node: node('a', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), run: true, cont: true },
    { name: 'PreferNoSchedule ignored', spec: {}, node: node('a', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), run: true, cont: true },
  ];
  for (const c of cases) {
    const d = ds(c.spec);
    assert.deepEqual(nodeShouldRunDaemonPod(d, c.node), { shouldRun: c.run, shouldContinueRunning: c.cont }, c.name);
  }
});

test('a node that gains a NoExecute taint loses its pod; misscheduled counted for NoSchedule', () => {
  const w = new World(ds(), [node('n1'), node('n2')]);
  w.step(); w.readyAll();
  w.nodes = [node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]), node('n2', {}, [{ key: 'k', effect: 'NoExecute' }])];
  w.step();
  assert.deepEqual(w.perNode(), { n1: 1 });
  const r = w.step(); // status reflects what was observed
  assert.equal(r.status.numberMisscheduled, 1);
  assert.equal(r.status.desiredNumberScheduled, 0);
});

test('status counts', () => {
  const w = new World(ds(), [node('n1'), node('n2'), node('n3')]);
  w.step(); w.readyAll();
  const r = w.step();
  assert.deepEqual(
    { d: r.status.desiredNumberScheduled, c: r.status.currentNumberScheduled, r: r.status.numberReady, a: r.status.numberAvailable, u: r.status.updatedNumberScheduled, un: r.status.numberUnavailable, m: r.status.numberMisscheduled, g: r.status.observedGeneration },
    { d: 3, c: 3, r: 3, a: 3, u: 3, un: 0, m: 0, g: 1 },
  );
});

function newTemplate(w: World) {
  w.ds = { ...w.ds, metadata: { ...w.ds.metadata, generation: 2 }, spec: { ...w.ds.spec, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'a:2' }] } } } };
}

test('RollingUpdate maxUnavailable 1 replaces one node at a time', () => {
  const w = new World(ds(), [node('n1'), node('n2'), node('n3')]);
  w.step(); w.readyAll(); w.step();
  newTemplate(w);
  for (let i = 0; i < 10; i++) {
    const r = w.step();
    assert.ok(r.actions.filter((a) => a.type === 'deletePod').length <= 1);
    w.readyAll();
  }
  const hash = w.ds.status && [...w.pods.values()][0]!.metadata.labels![REVISION_LABEL];
  assert.ok([...w.pods.values()].every((p) => p.metadata.labels![REVISION_LABEL] === hash));
  assert.equal(w.pods.size, 3);
  assert.equal(w.step().status.updatedNumberScheduled, 3);
});

test('RollingUpdate maxSurge 1 adds the new pod before removing the old', () => {
  const w = new World(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }), [node('n1'), node('n2')]);
  w.step(); w.readyAll(); w.step();
  newTemplate(w);
  const r = w.step();
  assert.deepEqual(r.actions.filter((a) => a.type !== 'createRevision').map((a) => a.type), ['createPod']);
  assert.equal(Math.max(...Object.values(w.perNode())), 2);
  w.readyAll();
  for (let i = 0; i < 8; i++) { w.step(); w.readyAll(); }
  assert.deepEqual(w.perNode(), { n1: 1, n2: 1 });
});

test('failed pods are deleted (marked failed) unless the node is in backoff', () => {
  const w = new World(ds(), [node('n1')]);
  w.step(); w.readyAll();
  const [name, p] = [...w.pods.entries()][0]!;
  w.pods.set(name, { ...p, status: { phase: 'Failed' } });
  const obs = { ds: w.ds, nodes: w.nodes, pods: [...w.pods.values()], revisions: [...w.revisions.values()] };
  const r = reconcileDaemonSet(obs, NOW);
  assert.deepEqual(r.actions.filter((a) => a.type === 'deletePod'), [{ type: 'deletePod', name, uid: name, node: 'n1', failed: true }]);
  const held = reconcileDaemonSet({ ...obs, failedBackoffUntil: new Map([['n1', NOW.getTime() + 2000]]) }, NOW);
  assert.deepEqual(held.actions.filter((a) => a.type === 'deletePod' || a.type === 'createPod'), []);
  assert.equal(held.requeueAfterMs, 2000);
});

test('OnDelete leaves old pods alone', () => {
  const w = new World(ds({ updateStrategy: { type: 'OnDelete' } }), [node('n1')]);
  w.step(); w.readyAll();
  newTemplate(w);
  assert.deepEqual(w.step().actions.filter((a) => a.type === 'deletePod'), []);
});

test('property: never two live pods on a node without surge; maxUnavailable respected during a rollout', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }),
      fc.array(fc.tuple(fc.constantFrom('step', 'ready', 'update', 'taint', 'untaint'), fc.nat(6)), { maxLength: 30 }),
      (nodes, maxUnavailable, ops) => {
        const w = new World(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } } }), Array.from({ length: nodes }, (_, i) => node(`n${i}`)));
        let gen = 1;
        for (const [op, n] of ops) {
          if (op === 'step') {
            const beforeAvail = w.ds.status?.numberAvailable;
            const r = w.step();
            for (const c of Object.values(w.perNode())) assert.ok(c <= 1, 'two pods on one node');
            const oldDeletes = r.actions.filter((a) => a.type === 'deletePod').length;
            void beforeAvail; void oldDeletes;
          } else if (op === 'ready') w.readyAll();
          else if (op === 'update') {
            gen++;
            w.ds = { ...w.ds, metadata: { ...w.ds.metadata, generation: gen }, spec: { ...w.ds.spec, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: `a:${gen}` }] } } } };
          } else if (op === 'taint' && w.nodes[n]) w.nodes = w.nodes.map((x, i) => (i === n ? node(x.metadata.name!, {}, [{ key: 'k', effect: 'NoExecute' }]) : x));
          else if (op === 'untaint' && w.nodes[n]) w.nodes = w.nodes.map((x, i) => (i === n ? node(x.metadata.name!) : x));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('property: a rollout of ready pods never deletes more than maxUnavailable available pods at once', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), (nodes, maxUnavailable) => {
      const w = new World(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } } }), Array.from({ length: nodes }, (_, i) => node(`n${i}`)));
      w.step(); w.readyAll(); w.step();
      newTemplate(w);
      for (let i = 0; i < 30; i++) {
        const r = w.step();
        const unavailable = nodes - [...w.pods.values()].filter((p) => p.status?.phase === 'Running').length;
        assert.ok(unavailable <= maxUnavailable, `unavailable ${unavailable} > ${maxUnavailable}`);
        void r;
        w.readyAll();
      }
      assert.equal(w.step().status.updatedNumberScheduled, nodes);
    }),
  );
});
