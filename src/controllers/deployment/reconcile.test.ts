import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Deployment, ReplicaSet } from '../../api/apps/v1/index.js';
import { reconcile, type DeploymentAction } from './reconcile.js';
import { computeHash, safeEncode } from './hash.js';
import { equalIgnoreHash, maxSurge, maxUnavailable, resolveFenceposts, setNewReplicaSetAnnotations } from './util.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

interface DOpts {
  replicas?: number;
  image?: string;
  surge?: number | string;
  unavail?: number | string;
  type?: 'RollingUpdate' | 'Recreate';
  paused?: boolean;
  generation?: number;
  history?: number;
  deadline?: number;
  annotations?: Record<string, string>;
}

function deploy(o: DOpts = {}): Deployment {
  const type = o.type ?? 'RollingUpdate';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: o.generation ?? 1, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: o.image ?? 'nginx:1' }] } },
      strategy: type === 'Recreate' ? { type } : { type, rollingUpdate: { maxSurge: o.surge ?? '25%', maxUnavailable: o.unavail ?? '25%' } },
      revisionHistoryLimit: o.history ?? 10,
      progressDeadlineSeconds: o.deadline ?? 600,
      paused: o.paused ?? false,
    },
    status: {},
  };
}

/** A tiny world: the Deployment, its ReplicaSets, and pods per ReplicaSet (ready or not). */
class World {
  rss: ReplicaSet[] = [];
  pods = new Map<string, { ready: number; notReady: number }>();
  events: string[] = [];
  uid = 0;
  constructor(public d: Deployment, public now = T0) {}

  step(): DeploymentAction[] {
    const plan = reconcile(this.d, { replicaSets: this.rss, pods: [] }, this.now);
    for (const a of plan.actions) this.apply(a);
    return plan.actions;
  }

  apply(a: DeploymentAction): void {
    switch (a.type) {
      case 'createReplicaSet': {
        assert.ok(!this.rss.some((r) => r.metadata.name === a.rs.metadata.name), 'no duplicate create');
        const rs = structuredClone(a.rs);
        rs.metadata.uid = `rs-${this.uid++}`;
        rs.metadata.creationTimestamp = new Date(this.now.getTime() + this.uid).toISOString();
        rs.metadata.generation = 1;
        rs.status = {};
        this.rss.push(rs);
        this.pods.set(rs.metadata.uid, { ready: 0, notReady: 0 });
        return;
      }
      case 'updateReplicaSet': {
        const i = this.rss.findIndex((r) => r.metadata.name === a.rs.metadata.name);
        const status = this.rss[i]!.status;
        this.rss[i] = { ...structuredClone(a.rs), status };
        return;
      }
      case 'deleteReplicaSet':
        this.rss = this.rss.filter((r) => r.metadata.uid !== a.rs.uid);
        return;
      case 'setRevision':
        this.d.metadata.annotations = { ...this.d.metadata.annotations, 'deployment.kubernetes.io/revision': a.revision };
        return;
      case 'updateStatus':
        this.d.status = structuredClone(a.status);
        return;
      case 'event':
        this.events.push(`${a.reason}: ${a.message}`);
        return;
      default:
        throw new Error(`unexpected ${a.type}`);
    }
  }

  /** The ReplicaSet controller: converge pod counts (unready pods go first) and write status. */
  replicate(): void {
    for (const rs of this.rss) {
      const p = this.pods.get(rs.metadata.uid!)!;
      const want = rs.spec!.replicas ?? 0;
      let total = p.ready + p.notReady;
      if (total < want) p.notReady += want - total;
      while (total > want) {
        if (p.notReady > 0) p.notReady--;
        else p.ready--;
        total--;
      }
      rs.status = { replicas: p.ready + p.notReady, readyReplicas: p.ready, availableReplicas: p.ready, observedGeneration: rs.metadata.generation };
    }
  }

  /** The kubelet: `n` not-ready pods (oldest set first) become ready. */
  kubelet(n = Infinity): void {
    for (const rs of this.rss) {
      const p = this.pods.get(rs.metadata.uid!)!;
      const k = Math.min(n, p.notReady);
      p.notReady -= k;
      p.ready += k;
      n -= k;
    }
    for (const rs of this.rss) {
      const p = this.pods.get(rs.metadata.uid!)!;
      rs.status = { ...rs.status, readyReplicas: p.ready, availableReplicas: p.ready };
    }
  }

  totals() {
    let ready = 0;
    let all = 0;
    for (const p of this.pods.values()) {
      ready += p.ready;
      all += p.ready + p.notReady;
    }
    return { ready, all };
  }

  settle(max = 50): void {
    for (let i = 0; i < max; i++) {
      this.replicate();
      this.kubelet();
      if (this.step().length === 0) return;
    }
    throw new Error('did not settle');
  }

  rs(name: string): ReplicaSet | undefined {
    return this.rss.find((r) => r.metadata.name === name);
  }

  cond(type: string) {
    return this.d.status?.conditions?.find((c) => c.type === type);
  }
}

function edit(w: World, f: (d: Deployment) => void): void {
  f(w.d);
  w.d.metadata.generation = (w.d.metadata.generation ?? 1) + 1;
}

test('hash: deterministic, safe alphabet, changes with template and collisionCount', () => {
  const t = deploy().spec!.template;
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(computeHash(structuredClone(t)), h);
  assert.notEqual(computeHash(deploy({ image: 'nginx:2' }).spec!.template), h);
  assert.notEqual(computeHash(t, 1), h);
  assert.notEqual(computeHash(t, 1), computeHash(t, 2));
  assert.equal(safeEncode('0123456789'), '456789bcdf', 'bytes mod 27, as upstream');
});

test('fenceposts: surge rounds up, unavailable down, both 0 means 1 unavailable', () => {
  const cases: [number, number | string, number | string, number, number][] = [
    [10, '25%', '25%', 3, 2],
    [3, '25%', '25%', 1, 0],
    [1, '25%', '25%', 1, 0],
    [4, 0, '10%', 0, 1],
    [5, 2, 0, 2, 0],
    [0, '25%', '25%', 0, 1],
  ];
  for (const [replicas, surge, unavail, s, u] of cases) assert.deepEqual(resolveFenceposts(deploy({ replicas, surge, unavail })), { surge: s, unavailable: u }, `${replicas} ${surge} ${unavail}`);
  assert.equal(maxUnavailable(deploy({ replicas: 0 })), 0);
  assert.equal(maxSurge(deploy({ type: 'Recreate' })), 0);
});

test('a new Deployment gets a hashed ReplicaSet, revision 1 and NewReplicaSetCreated', () => {
  const d = deploy({ annotations: { 'kubernetes.io/change-cause': 'first', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
  const w = new World(d);
  const acts = w.step();
  const create = acts.find((a) => a.type === 'createReplicaSet');
  assert.ok(create && create.type === 'createReplicaSet');
  const hash = computeHash(d.spec!.template);
  const rs = create.rs;
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.metadata.labels!['pod-template-hash'], hash);
  assert.equal(rs.spec!.selector!.matchLabels!['pod-template-hash'], hash);
  assert.equal(rs.spec!.template!.metadata!.labels!['pod-template-hash'], hash);
  assert.equal(rs.spec!.replicas, 3);
  assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(rs.metadata.annotations, {
    'kubernetes.io/change-cause': 'first',
    'deployment.kubernetes.io/revision': '1',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  assert.deepEqual(w.events, [`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`]);
  assert.equal(w.d.metadata.annotations!['deployment.kubernetes.io/revision'], '1');
  assert.equal(w.cond('Progressing')?.reason, 'NewReplicaSetCreated');
  assert.equal(w.cond('Progressing')?.message, `Created new replica set "web-${hash}"`);
  assert.equal(w.cond('Available')?.status, 'False');
  assert.equal(w.d.status!.observedGeneration, 1);
});

test('a rollout completes: status and conditions as kubectl rollout status reads them', () => {
  const w = new World(deploy());
  w.settle();
  const st = w.d.status!;
  assert.deepEqual(
    { r: st.replicas, u: st.updatedReplicas, rd: st.readyReplicas, a: st.availableReplicas, un: st.unavailableReplicas ?? 0, g: st.observedGeneration },
    { r: 3, u: 3, rd: 3, a: 3, un: 0, g: 1 },
  );
  assert.equal(w.cond('Available')?.reason, 'MinimumReplicasAvailable');
  assert.equal(w.cond('Progressing')?.reason, 'NewReplicaSetAvailable');
  assert.match(w.cond('Progressing')!.message!, /^ReplicaSet "web-\w+" has successfully progressed\.$/);
  assert.deepEqual(w.step(), [], 'idempotent once settled');
});

test('rolling update with maxSurge 1 / maxUnavailable 0 moves one pod at a time, with upstream events', () => {
  const w = new World(deploy({ surge: 1, unavail: 0 }));
  w.settle();
  const oldName = w.rss[0]!.metadata.name!;
  edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = 'nginx:2'));
  w.events = [];
  w.step();
  const newName = w.rss[1]!.metadata.name!;
  assert.equal(w.rs(newName)!.spec!.replicas, 1);
  assert.equal(w.rs(newName)!.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
  assert.equal(w.cond('Progressing')?.reason, 'NewReplicaSetCreated');
  assert.deepEqual(w.events, [`ScalingReplicaSet: Scaled up replica set ${newName} from 0 to 1`]);
  w.replicate();
  w.kubelet();
  w.events = [];
  w.step();
  assert.deepEqual(w.events, [`ScalingReplicaSet: Scaled down replica set ${oldName} to 2 from 3`]);
  w.settle();
  assert.equal(w.rs(oldName)!.spec!.replicas, 0);
  assert.equal(w.rs(newName)!.spec!.replicas, 3);
  assert.equal(w.d.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
  assert.equal(w.cond('Progressing')?.reason, 'NewReplicaSetAvailable');
});

test('progress deadline: ProgressDeadlineExceeded once nothing moved for progressDeadlineSeconds', () => {
  const w = new World(deploy({ deadline: 60, surge: 1, unavail: 0 }));
  w.settle();
  edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = 'broken'));
  w.step();
  w.replicate(); // the new pod never becomes ready
  w.step();
  assert.equal(w.cond('Progressing')?.reason, 'ReplicaSetUpdated');
  const plan = reconcile(w.d, { replicaSets: w.rss, pods: [] }, at(30));
  assert.deepEqual(plan.actions, []);
  assert.ok(plan.requeueAfterMs !== undefined && plan.requeueAfterMs > 29_000 && plan.requeueAfterMs <= 31_000, String(plan.requeueAfterMs));
  w.now = at(61);
  w.step();
  assert.equal(w.cond('Progressing')?.status, 'False');
  assert.equal(w.cond('Progressing')?.reason, 'ProgressDeadlineExceeded');
  assert.match(w.cond('Progressing')!.message!, /has timed out progressing\.$/);
});

test('paused: DeploymentPaused, no new ReplicaSet, scaling still applies; resume continues', () => {
  const w = new World(deploy({ replicas: 2 }));
  w.settle();
  edit(w, (d) => {
    d.spec!.paused = true;
    d.spec!.template!.spec!.containers![0]!.image = 'nginx:2';
  });
  w.step();
  assert.equal(w.rss.length, 1, 'no rollout while paused');
  assert.equal(w.cond('Progressing')?.reason, 'DeploymentPaused');
  assert.equal(w.cond('Progressing')?.status, 'Unknown');
  edit(w, (d) => (d.spec!.replicas = 4));
  w.step();
  assert.equal(w.rss[0]!.spec!.replicas, 4);
  edit(w, (d) => (d.spec!.paused = false));
  w.step();
  assert.equal(w.rss.length, 2);
  w.settle();
  assert.equal(w.cond('Progressing')?.reason, 'NewReplicaSetAvailable');
});

test('proportional scaling mid-rollout splits the added replicas by size', () => {
  // 10 replicas, surge 3, unavailable 2; a broken rollout leaves old=8, new=5 (13 = 10+3).
  const w = new World(deploy({ replicas: 10, surge: 3, unavail: 2 }));
  w.settle();
  edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = 'broken'));
  for (let i = 0; i < 5; i++) {
    w.step();
    w.replicate();
  }
  const [old, neu] = w.rss;
  assert.deepEqual([old!.spec!.replicas, neu!.spec!.replicas], [8, 5]);
  edit(w, (d) => (d.spec!.replicas = 15));
  w.events = [];
  w.step();
  // 18 allowed (15+3), 5 to add: old 8*18/13=11 (+3), new 5*18/13=7 (+2).
  assert.deepEqual([old!.metadata.name, neu!.metadata.name].map((n) => w.rs(n!)!.spec!.replicas), [11, 7]);
  assert.equal(w.rs(old!.metadata.name!)!.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '15');
  assert.equal(w.rs(old!.metadata.name!)!.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '18');
  assert.equal(w.events.length, 2);
});

test('Recreate: scale old to 0, wait for their pods, then create the new set at full size', () => {
  const w = new World(deploy({ type: 'Recreate' }));
  w.settle();
  const oldName = w.rss[0]!.metadata.name!;
  edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = 'nginx:2'));
  w.step();
  assert.equal(w.rs(oldName)!.spec!.replicas, 0);
  assert.equal(w.rss.length, 1, 'no new set while old pods run');
  w.step();
  assert.equal(w.rss.length, 1, 'old status still reports pods');
  w.replicate();
  // Pods of the old set still present in the cache also block the new set.
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: oldName, uid: w.rss[0]!.metadata.uid!, controller: true }] }, status: { phase: 'Running' } };
  assert.ok(!reconcile(w.d, { replicaSets: w.rss, pods: [pod] }, T0).actions.some((a) => a.type === 'createReplicaSet'));
  w.step();
  assert.equal(w.rss.length, 2);
  assert.equal(w.rss[1]!.spec!.replicas, 3);
  w.settle();
  assert.equal(w.cond('Progressing')?.reason, 'NewReplicaSetAvailable');
});

test('rollback by template change reuses the old ReplicaSet and bumps its revision (history kept)', () => {
  const w = new World(deploy({ surge: 1, unavail: 0 }));
  w.settle();
  const first = w.rss[0]!.metadata.name!;
  const original = structuredClone(w.d.spec!.template!);
  edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = 'nginx:2'));
  w.settle();
  // kubectl rollout undo: the old set's template without pod-template-hash.
  const tpl = structuredClone(w.rs(first)!.spec!.template!);
  delete tpl.metadata!.labels!['pod-template-hash'];
  assert.ok(equalIgnoreHash(tpl, original));
  edit(w, (d) => (d.spec!.template = tpl));
  w.settle();
  assert.equal(w.rss.length, 2, 'no third set');
  assert.equal(w.rs(first)!.spec!.replicas, 3);
  assert.equal(w.rs(first)!.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
  assert.equal(w.rs(first)!.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(w.d.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
});

test('rollout restart (template annotation) makes a new set; change-cause is copied', () => {
  const w = new World(deploy());
  w.settle();
  edit(w, (d) => {
    d.spec!.template!.metadata!.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' };
    d.metadata.annotations = { ...d.metadata.annotations, 'kubernetes.io/change-cause': 'restart' };
  });
  w.settle();
  assert.equal(w.rss.length, 2);
  assert.equal(w.rss[1]!.metadata.annotations!['kubernetes.io/change-cause'], 'restart');
  assert.equal(w.rss[1]!.spec!.template!.metadata!.annotations!['kubectl.kubernetes.io/restartedAt'], '2026-01-01T00:00:00Z');
});

test('revisionHistoryLimit deletes the oldest fully scaled-down sets', () => {
  const w = new World(deploy({ history: 1 }));
  w.settle();
  for (const img of ['nginx:2', 'nginx:3', 'nginx:4']) {
    edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = img));
    w.settle();
  }
  assert.equal(w.rss.length, 2);
  assert.deepEqual(w.rss.map((r) => r.metadata.annotations!['deployment.kubernetes.io/revision']).sort(), ['3', '4']);
});

test('hash collision bumps collisionCount and retries; the next try uses a new name', () => {
  const d = deploy();
  const squatter: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `web-${computeHash(d.spec!.template)}`, namespace: 'ns', uid: 'x', labels: { other: 'x' } }, spec: { replicas: 0, selector: { matchLabels: { other: 'x' } } } };
  const plan = reconcile(d, { replicaSets: [squatter], pods: [] }, T0);
  assert.ok(plan.retry);
  const st = plan.actions.find((a) => a.type === 'updateStatus');
  assert.ok(st && st.type === 'updateStatus' && st.status.collisionCount === 1);
  d.status = st.status;
  const again = reconcile(d, { replicaSets: [squatter], pods: [] }, T0);
  const c = again.actions.find((a) => a.type === 'createReplicaSet');
  assert.ok(c && c.type === 'createReplicaSet' && c.rs.metadata.name === `web-${computeHash(d.spec!.template, 1)}`);
});

test('adoption and release of ReplicaSets by selector', () => {
  const d = deploy();
  const orphan: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'o', namespace: 'ns', uid: 'o', resourceVersion: '5', labels: { app: 'web' } }, spec: { replicas: 1, template: d.spec!.template } };
  const strayed: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 's', namespace: 'ns', uid: 's', labels: { app: 'db' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }] }, spec: { replicas: 0 } };
  const plan = reconcile(d, { replicaSets: [orphan, strayed], pods: [] }, T0);
  const adopt = plan.actions.find((a) => a.type === 'adoptReplicaSet');
  const release = plan.actions.find((a) => a.type === 'releaseReplicaSet');
  assert.ok(adopt && adopt.type === 'adoptReplicaSet' && adopt.patch.metadata.resourceVersion === '5' && adopt.patch.metadata.ownerReferences[0]!.uid === 'd-uid');
  assert.ok(release && release.type === 'releaseReplicaSet' && release.patch.metadata.ownerReferences.length === 0);
  assert.ok(!plan.actions.some((a) => a.type === 'createReplicaSet'), 'the adopted set has the template: it is the new one');
});

test('an empty selector only records SelectingAll', () => {
  const d = deploy();
  d.spec!.selector = {};
  const plan = reconcile(d, { replicaSets: [], pods: [] }, T0);
  assert.deepEqual(plan.actions.map((a) => a.type), ['event', 'updateStatus']);
});

test('revision history annotation is bounded', () => {
  const d = deploy();
  const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { annotations: { 'deployment.kubernetes.io/revision': '5', 'deployment.kubernetes.io/revision-history': '1,3' } } };
  assert.equal(setNewReplicaSetAnnotations(d, rs, 7, true), true);
  assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1,3,5');
  assert.equal(setNewReplicaSetAnnotations(d, rs, 7, true), false);
});

test('property: maxUnavailable 0 never drops below replicas available; pods never exceed replicas + maxSurge', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom('25%', '50%', '100%', '1%')),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 80 }),
      (replicas, surge, readiness) => {
        const w = new World(deploy({ replicas, surge, unavail: 0 }));
        w.settle();
        edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = 'nginx:2'));
        const limit = replicas + maxSurge(w.d);
        for (const r of readiness) {
          w.step();
          w.replicate();
          const t = w.totals();
          assert.ok(t.ready >= replicas, `available ${t.ready} < ${replicas}`);
          assert.ok(t.all <= limit, `pods ${t.all} > ${limit}`);
          w.kubelet(r);
        }
        w.settle(200);
        assert.equal(w.d.status!.updatedReplicas, replicas);
        assert.equal(w.cond('Progressing')?.reason, 'NewReplicaSetAvailable');
      },
    ),
    { numRuns: 150 },
  );
});

test('property: any maxSurge/maxUnavailable keeps available ≥ replicas − maxUnavailable and converges', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 12 }),
      fc.constantFrom<number | string>(0, 1, 2, '25%', '50%'),
      fc.constantFrom<number | string>(1, 2, '25%', '50%', '100%'),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 60 }),
      (replicas, surge, unavail, readiness) => {
        const w = new World(deploy({ replicas, surge, unavail }));
        w.settle();
        edit(w, (d) => (d.spec!.template!.spec!.containers![0]!.image = 'nginx:2'));
        const min = replicas - maxUnavailable(w.d);
        const limit = replicas + maxSurge(w.d);
        for (const r of readiness) {
          w.step();
          w.replicate();
          const t = w.totals();
          assert.ok(t.ready >= min, `available ${t.ready} < ${min}`);
          assert.ok(t.all <= limit, `pods ${t.all} > ${limit}`);
          w.kubelet(r);
        }
        w.settle(200);
        assert.equal(w.d.status!.updatedReplicas, replicas);
        assert.equal(w.d.status!.replicas, replicas);
      },
    ),
    { numRuns: 150 },
  );
});

test('equalIgnoreHash treats null and empty members as absent (kubectl sends creationTimestamp: null)', () => {
  const a = { metadata: { labels: { app: 'web', 'pod-template-hash': 'x' } }, spec: { containers: [{ name: 'c', resources: {} }] } };
  const b = { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', resources: {} }], securityContext: {} } } as never;
  assert.ok(equalIgnoreHash(a, b));
  assert.equal(computeHash({ metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', resources: {} }] } } as never), computeHash({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } }));
  assert.ok(!equalIgnoreHash(a, { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'd' }] } }));
});

test('minReadySeconds follows the Deployment onto the new ReplicaSet', () => {
  const w = new World(deploy());
  w.settle();
  edit(w, (d) => (d.spec!.minReadySeconds = 10));
  const acts = w.step();
  const u = acts.find((a) => a.type === 'updateReplicaSet');
  assert.ok(u && u.type === 'updateReplicaSet' && u.rs.spec!.minReadySeconds === 10);
  assert.equal(w.rss.length, 1, 'not a new template');
});

test('a deleting Deployment only gets its status refreshed', () => {
  const w = new World(deploy());
  w.settle();
  edit(w, (d) => {
    d.metadata.deletionTimestamp = T0.toISOString();
    d.spec!.template!.spec!.containers![0]!.image = 'nginx:2';
  });
  const acts = w.step();
  assert.deepEqual(acts.map((a) => a.type), ['updateStatus']);
  assert.equal(w.d.status!.observedGeneration, 2);
  assert.equal(w.d.status!.updatedReplicas, 0, 'no set has the new template');
});

test('a scaling event scales the only active set directly, with an event', () => {
  const w = new World(deploy({ replicas: 3 }));
  w.settle();
  edit(w, (d) => (d.spec!.replicas = 1));
  w.events = [];
  w.step();
  assert.equal(w.rss[0]!.spec!.replicas, 1);
  assert.deepEqual(w.events, [`ScalingReplicaSet: Scaled down replica set ${w.rss[0]!.metadata.name} to 1 from 3`]);
  assert.equal(w.rss[0]!.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '1');
});

test('Available follows replicas − maxUnavailable', () => {
  const w = new World(deploy({ replicas: 4, surge: 1, unavail: 1 }));
  w.step();
  w.replicate();
  w.kubelet(3);
  w.step();
  assert.equal(w.cond('Available')?.status, 'True', '3 of 4 with maxUnavailable 1');
  const w2 = new World(deploy({ replicas: 4, surge: 1, unavail: 1 }));
  w2.step();
  w2.replicate();
  w2.kubelet(2);
  w2.step();
  assert.equal(w2.cond('Available')?.reason, 'MinimumReplicasUnavailable');
  assert.equal(w2.d.status!.unavailableReplicas, 2);
});

test('an adopted set that is then scaled keeps the new owner reference in the replace', () => {
  const d = deploy({ replicas: 2 });
  const orphan: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'o', namespace: 'ns', uid: 'o', labels: { app: 'web' } }, spec: { replicas: 5, template: d.spec!.template }, status: { replicas: 5, availableReplicas: 5 } };
  const plan = reconcile(d, { replicaSets: [orphan], pods: [] }, T0);
  const updates = plan.actions.flatMap((a) => (a.type === 'updateReplicaSet' ? [a.rs] : []));
  assert.ok(updates.length > 0);
  for (const rs of updates) assert.equal(rs.metadata.ownerReferences?.[0]?.uid, 'd-uid');
  // The first pass syncs the adopted set's annotations; the scale follows on the next one.
  assert.equal(updates[0]!.metadata.annotations!['deployment.kubernetes.io/revision'], '1');
});
