import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ControllerRevision, StatefulSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { POD_INDEX_LABEL, POD_NAME_LABEL, createPodMessage, ordinalOf, reconcileStatefulSet, type StatefulSetObserved } from './reconcile.js';
import { REVISION_LABEL } from './pod-state.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function sts(over: Partial<NonNullable<StatefulSet['spec']>> = {}, status: StatefulSet['status'] = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'set-uid', generation: 1 },
    spec: {
      replicas: 3, serviceName: 'nginx', selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      ...over,
    },
    status,
  };
}

/** A tiny world: applies actions like the API server would, and lets tests move pods to Ready. */
class World {
  pods = new Map<string, V1Pod>();
  revisions = new Map<string, ControllerRevision>();
  pvcs = new Set<string>();
  uid = 0;
  constructor(public set: StatefulSet) {}
  observe(): StatefulSetObserved {
    return { set: this.set, pods: [...this.pods.values()], revisions: [...this.revisions.values()], pvcNames: this.pvcs };
  }
  step(now = NOW) {
    const r = reconcileStatefulSet(this.observe(), now);
    for (const a of r.actions) {
      if (a.type === 'createRevision') this.revisions.set(a.revision.metadata.name!, a.revision);
      else if (a.type === 'updateRevisionNumber') this.revisions.set(a.name, { ...this.revisions.get(a.name)!, revision: a.revision });
      else if (a.type === 'deleteRevision') this.revisions.delete(a.name);
      else if (a.type === 'createPvc') this.pvcs.add(a.pvc.metadata.name!);
      else if (a.type === 'deletePvc') this.pvcs.delete(a.name);
      else if (a.type === 'createPod') {
        assert.ok(!this.pods.has(a.pod.metadata.name!), `duplicate create ${a.pod.metadata.name}`);
        this.pods.set(a.pod.metadata.name!, { ...a.pod, metadata: { ...a.pod.metadata, uid: `u${++this.uid}`, creationTimestamp: NOW.toISOString() }, status: { phase: 'Pending' } });
      } else if (a.type === 'deletePod') this.pods.delete(a.name);
    }
    this.set = { ...this.set, status: r.status };
    return r;
  }
  ready(name: string, ready = true) {
    const p = this.pods.get(name)!;
    this.pods.set(name, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: NOW.toISOString() }] } });
  }
  readyAll() {
    for (const n of this.pods.keys()) this.ready(n);
  }
  names() {
    return [...this.pods.keys()].sort((a, b) => ordinalOf('web', a) - ordinalOf('web', b));
  }
}

test('OrderedReady creates web-0 first with identity, labels and revision; waits for Ready', () => {
  const w = new World(sts());
  const r = w.step();
  const creates = r.actions.filter((a) => a.type === 'createPod');
  assert.equal(creates.length, 1);
  const pod = creates[0]!.type === 'createPod' ? creates[0]!.pod : undefined;
  assert.equal(pod?.metadata.name, 'web-0');
  assert.equal(pod?.spec?.hostname, 'web-0');
  assert.equal(pod?.spec?.subdomain, 'nginx');
  assert.equal(pod?.metadata.labels?.[POD_NAME_LABEL], 'web-0');
  assert.equal(pod?.metadata.labels?.[POD_INDEX_LABEL], '0');
  assert.equal(pod?.metadata.labels?.[REVISION_LABEL], r.status.updateRevision);
  assert.match(r.status.updateRevision!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(r.actions[0]!.type, 'createRevision');
  assert.equal(createPodMessage('web-0', 'web'), 'create Pod web-0 in StatefulSet web successful');
  // Not ready: nothing more.
  assert.deepEqual(w.step().actions.filter((a) => a.type === 'createPod'), []);
  w.ready('web-0');
  assert.deepEqual(w.step().actions.flatMap((a) => (a.type === 'createPod' ? [a.pod.metadata.name] : [])), ['web-1']);
});

test('status counts replicas, ready, current/updated and completes the rollout', () => {
  const w = new World(sts());
  for (let i = 0; i < 4; i++) { w.step(); w.readyAll(); }
  const r = w.step();
  assert.equal(r.status.replicas, 3);
  assert.equal(r.status.readyReplicas, 3);
  assert.equal(r.status.availableReplicas, 3);
  assert.equal(r.status.updatedReplicas, 3);
  assert.equal(r.status.currentReplicas, 3);
  assert.equal(r.status.currentRevision, r.status.updateRevision);
  assert.equal(r.status.observedGeneration, 1);
});

test('Parallel creates every pod at once and scales down all condemned at once', () => {
  const w = new World(sts({ podManagementPolicy: 'Parallel' }));
  w.step();
  assert.deepEqual(w.names(), ['web-0', 'web-1', 'web-2']);
  w.set = { ...w.set, spec: { ...w.set.spec, replicas: 1 } };
  w.step();
  assert.deepEqual(w.names(), ['web-0']);
});

test('OrderedReady scale down removes the highest ordinal first, one at a time, only when all are ready', () => {
  const w = new World(sts({ replicas: 3 }));
  for (let i = 0; i < 4; i++) { w.step(); w.readyAll(); }
  w.set = { ...w.set, spec: { ...w.set.spec, replicas: 1 } };
  w.ready('web-0', false);
  w.step();
  assert.deepEqual(w.names(), ['web-0', 'web-1', 'web-2'], 'waits while web-0 is not ready');
  w.ready('web-0');
  w.step();
  assert.deepEqual(w.names(), ['web-0', 'web-1']);
  w.step();
  assert.deepEqual(w.names(), ['web-0']);
});

test('volumeClaimTemplates: PVCs <claim>-<set>-<ordinal> before the pod, mounted by claimName; Retain keeps them', () => {
  const w = new World(sts({ replicas: 2, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }));
  const r = w.step();
  assert.deepEqual(r.actions.filter((a) => a.type !== 'createRevision').map((a) => a.type), ['createPvc', 'createPod']);
  const pod = w.pods.get('web-0')!;
  assert.deepEqual(pod.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }]);
  const pvcAction = r.actions.find((a) => a.type === 'createPvc');
  assert.equal(pvcAction?.type === 'createPvc' && pvcAction.pvc.metadata.labels?.app, 'web');
  w.readyAll(); w.step(); w.readyAll();
  assert.deepEqual([...w.pvcs].sort(), ['data-web-0', 'data-web-1']);
  w.set = { ...w.set, spec: { ...w.set.spec, replicas: 1 } };
  w.step(); w.step();
  assert.deepEqual([...w.pvcs].sort(), ['data-web-0', 'data-web-1'], 'whenScaled Retain keeps the claim');
  w.set = { ...w.set, spec: { ...w.set.spec, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Retain' } } };
  w.step();
  assert.deepEqual([...w.pvcs].sort(), ['data-web-0']);
});

test('whenDeleted Delete makes the set an owner of its claims', () => {
  const w = new World(sts({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' }, volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: {} }] }));
  const a = w.step().actions.find((x) => x.type === 'createPvc');
  assert.equal(a?.type === 'createPvc' && a.pvc.metadata.ownerReferences?.[0]?.uid, 'set-uid');
});

function rollout(partition: number) {
  const w = new World(sts({ replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } } }));
  for (let i = 0; i < 5; i++) { w.step(); w.readyAll(); }
  const oldRev = w.set.status!.currentRevision;
  w.set = { ...w.set, metadata: { ...w.set.metadata, generation: 2 }, spec: { ...w.set.spec, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } };
  return { w, oldRev };
}

test('RollingUpdate replaces from the highest ordinal down, waiting for each to be Ready', () => {
  const { w, oldRev } = rollout(0);
  const order: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = w.step();
    for (const a of r.actions) if (a.type === 'deletePod') order.push(a.name);
    w.readyAll();
  }
  assert.deepEqual(order, ['web-3', 'web-2', 'web-1', 'web-0']);
  const st = w.step().status;
  assert.notEqual(st.updateRevision, oldRev);
  assert.equal(st.currentRevision, st.updateRevision);
  assert.equal(st.updatedReplicas, 4);
});

test('RollingUpdate with partition updates only ordinals ≥ partition; recreated lower pods keep the current revision', () => {
  const { w, oldRev } = rollout(2);
  for (let i = 0; i < 20; i++) { w.step(); w.readyAll(); }
  const rev = (n: string) => w.pods.get(n)!.metadata.labels![REVISION_LABEL];
  const upd = w.set.status!.updateRevision;
  assert.deepEqual(['web-0', 'web-1', 'web-2', 'web-3'].map(rev), [oldRev, oldRev, upd, upd]);
  assert.equal(w.set.status!.currentRevision, oldRev);
  w.pods.delete('web-0');
  w.step();
  assert.equal(rev('web-0'), oldRev);
  assert.equal(w.pods.get('web-0')!.spec?.containers?.[0]?.image, 'nginx:1');
});

test('OnDelete never deletes for updates; a deleted pod comes back at the update revision', () => {
  const w = new World(sts({ replicas: 2, updateStrategy: { type: 'OnDelete' } }));
  for (let i = 0; i < 3; i++) { w.step(); w.readyAll(); }
  w.set = { ...w.set, spec: { ...w.set.spec, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } };
  const r = w.step();
  assert.deepEqual(r.actions.filter((a) => a.type === 'deletePod'), []);
  w.pods.delete('web-1');
  w.step();
  assert.equal(w.pods.get('web-1')!.metadata.labels![REVISION_LABEL], w.set.status!.updateRevision);
});

test('failed pods are deleted and recreated', () => {
  const w = new World(sts({ replicas: 1 }));
  w.step();
  const p = w.pods.get('web-0')!;
  w.pods.set('web-0', { ...p, status: { phase: 'Failed' } });
  const r = w.step();
  assert.deepEqual(r.actions.map((a) => a.type), ['deletePod']);
  w.step();
  assert.ok(w.pods.has('web-0'));
});

test('revisionHistoryLimit prunes unused revisions; rolling back reuses the old revision with a new number', () => {
  const w = new World(sts({ replicas: 1, revisionHistoryLimit: 1 }));
  const tpl = (img: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: img }] } });
  for (const img of ['a', 'b', 'c']) {
    w.set = { ...w.set, spec: { ...w.set.spec, template: tpl(img) } };
    for (let i = 0; i < 4; i++) { w.step(); w.readyAll(); }
  }
  assert.equal(w.revisions.size, 2, 'current + 1 history');
  const revB = [...w.revisions.values()].find((r) => r.revision === 2)!;
  w.set = { ...w.set, spec: { ...w.set.spec, template: tpl('b') } };
  const r = w.step();
  assert.deepEqual(r.actions[0], { type: 'updateRevisionNumber', name: revB.metadata.name, revision: 4 });
  assert.equal(r.status.updateRevision, revB.metadata.name);
});

test('a hash collision bumps collisionCount', () => {
  const set = sts({ replicas: 1 });
  const first = reconcileStatefulSet({ set, pods: [], revisions: [], pvcNames: new Set() }, NOW);
  const name = first.status.updateRevision!;
  const squatter: ControllerRevision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name, namespace: 'default' }, data: { other: true }, revision: 1 };
  const r = reconcileStatefulSet({ set, pods: [], revisions: [squatter], pvcNames: new Set() }, NOW);
  assert.equal(r.status.collisionCount, 1);
  assert.notEqual(r.status.updateRevision, name);
});

test('property: OrderedReady never has pod N created while N-1 is not Running and Ready', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.tuple(fc.constantFrom('step', 'ready', 'unready', 'scale', 'fail'), fc.nat(7)), { maxLength: 40 }),
      (replicas, ops) => {
        const w = new World(sts({ replicas }));
        for (const [op, n] of ops) {
          const before = new Set(w.pods.keys());
          if (op === 'step') {
            const r = w.step();
            const created = r.actions.filter((a) => a.type === 'createPod');
            const deleted = r.actions.filter((a) => a.type === 'deletePod');
            assert.ok(created.length + deleted.length <= 1, 'one pod change at a time');
            for (const a of created) {
              const ord = ordinalOf('web', a.type === 'createPod' ? a.pod.metadata.name : '');
              for (let i = 0; i < ord; i++) {
                const p = w.pods.get(`web-${i}`);
                assert.ok(p && before.has(`web-${i}`) && p.status?.phase === 'Running' && p.status.conditions?.[0]?.status === 'True', `web-${ord} created while web-${i} not ready`);
              }
            }
          } else if (op === 'ready' && w.pods.has(`web-${n}`)) w.ready(`web-${n}`);
          else if (op === 'unready' && w.pods.has(`web-${n}`)) w.ready(`web-${n}`, false);
          else if (op === 'fail' && w.pods.has(`web-${n}`)) w.pods.set(`web-${n}`, { ...w.pods.get(`web-${n}`)!, status: { phase: 'Failed' } });
          else if (op === 'scale') w.set = { ...w.set, spec: { ...w.set.spec, replicas: n % 6 } };
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('property: running reconcile twice on the same state gives the same result', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5 }), fc.constantFrom('OrderedReady', 'Parallel'), fc.nat(5), (replicas, policy, steps) => {
      const w = new World(sts({ replicas, podManagementPolicy: policy }));
      for (let i = 0; i < steps; i++) { w.step(); w.readyAll(); }
      assert.deepEqual(reconcileStatefulSet(w.observe(), NOW), reconcileStatefulSet(w.observe(), NOW));
    }),
  );
});

test('spec.ordinals.start shifts the ordinals', () => {
  const w = new World(sts({ replicas: 2, podManagementPolicy: 'Parallel', ordinals: { start: 5 } }));
  w.step();
  assert.deepEqual([...w.pods.keys()].sort(), ['web-5', 'web-6']);
});

test('minReadySeconds: OrderedReady waits for availability and asks to be requeued', () => {
  const w = new World(sts({ replicas: 2, minReadySeconds: 10 }));
  w.step();
  w.ready('web-0'); // Ready since NOW
  const r = w.step(new Date(NOW.getTime() + 4000));
  assert.deepEqual(r.actions.filter((a) => a.type === 'createPod'), []);
  assert.equal(r.requeueAfterMs, 6000);
  assert.equal(r.status.readyReplicas, 1);
  assert.equal(r.status.availableReplicas, 0);
  const r2 = w.step(new Date(NOW.getTime() + 10_000));
  assert.equal(r2.actions.filter((a) => a.type === 'createPod').length, 1);
  assert.equal(r2.status.availableReplicas, 1);
});

test('a StatefulSet being deleted creates nothing', () => {
  const set = sts();
  set.metadata.deletionTimestamp = NOW.toISOString();
  const r = reconcileStatefulSet({ set, pods: [], revisions: [], pvcNames: new Set() }, NOW);
  assert.deepEqual(r.actions.filter((a) => a.type === 'createPod'), []);
});

test('an existing pod missing its identity labels gets them back', () => {
  const w = new World(sts({ replicas: 1 }));
  w.step();
  const p = w.pods.get('web-0')!;
  w.pods.set('web-0', { ...p, metadata: { ...p.metadata, labels: { app: 'web' } } });
  const r = w.step();
  assert.deepEqual(r.actions.filter((a) => a.type === 'patchPodLabels'), [{ type: 'patchPodLabels', name: 'web-0', uid: p.metadata.uid, labels: { [POD_NAME_LABEL]: 'web-0', [POD_INDEX_LABEL]: '0' } }]);
});

test('RollingUpdate with maxUnavailable replaces up to that many pods at once, highest first', () => {
  const { w } = rollout(0);
  w.set = { ...w.set, spec: { ...w.set.spec, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } } };
  const r = w.step();
  assert.deepEqual(r.actions.flatMap((a) => (a.type === 'deletePod' ? [a.name] : [])), ['web-3', 'web-2']);
  w.step(); // recreated, not ready yet: nothing more
  const r2 = w.step();
  assert.deepEqual(r2.actions.filter((a) => a.type === 'deletePod'), []);
  w.readyAll();
  assert.deepEqual(w.step().actions.flatMap((a) => (a.type === 'deletePod' ? [a.name] : [])), ['web-1', 'web-0']);
});

test('property: with maxUnavailable, unavailable pods never exceed it because of updates', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.nat(6), (replicas, maxUnavailable, partition) => {
      const w = new World(sts({ replicas, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition, maxUnavailable } } }));
      w.step(); w.readyAll();
      w.set = { ...w.set, spec: { ...w.set.spec, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v2' }] } } } };
      for (let i = 0; i < 3 * replicas + 3; i++) {
        const r = w.step();
        const deleted = r.actions.filter((a) => a.type === 'deletePod').length;
        assert.ok(deleted <= maxUnavailable);
        w.step(); // recreate
        const notReady = [...w.pods.values()].filter((p) => p.status?.phase !== 'Running').length + (replicas - w.pods.size);
        assert.ok(notReady <= maxUnavailable, `${notReady} unavailable > ${maxUnavailable}`);
        w.readyAll();
      }
      const rev = w.set.status!.updateRevision;
      for (const [n, p] of w.pods) assert.equal(p.metadata.labels![REVISION_LABEL] === rev, ordinalOf('web', n) >= partition, n);
    }),
  );
});
