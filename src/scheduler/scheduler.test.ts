import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from './scheduler.js';
import { R } from '../client/types.js';
import { fakeContext } from './testing/fakes.js';
import { node, pod } from './testing/fixtures.js';
import type { V1Pod } from '../api/core/v1/pod-types.js';

async function setup() {
  const f = fakeContext();
  const s = new Scheduler({ clock: () => 0 });
  await s.start(f.ctx);
  return { ...f, s, pods: f.informers.get(R.pods), nodes: f.informers.get(R.nodes) };
}

test('binds pending pods through pods/binding and records Scheduled', async () => {
  const { s, pods, nodes, client, recorder } = await setup();
  nodes.set(node('n1', { cpu: '1' }));
  nodes.set(node('n2', { cpu: '1' }));
  pods.set(pod('a', { cpu: '600m' }));
  pods.set(pod('b', { cpu: '600m' }));
  pods.set(pod('other', { spec: { schedulerName: 'someone-else' } }));
  await s.whenIdle();
  const binds = client.calls.filter((c) => c.verb === 'post/binding');
  assert.equal(binds.length, 2);
  assert.deepEqual(binds[0]!.body, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a', namespace: 'default', uid: 'uid-a' }, target: { apiVersion: 'v1', kind: 'Node', name: (pods.get('default', 'a') as V1Pod).spec!.nodeName } });
  const placed = new Set(['a', 'b'].map((n) => (pods.get('default', n) as V1Pod).spec?.nodeName));
  assert.equal(placed.size, 2, 'no over-commit: one per node');
  assert.match(recorder.events.find((e) => e.reason === 'Scheduled')!.message, /^Successfully assigned default\/a to n[12]$/);
  await s.stop();
});

test('an unschedulable pod gets PodScheduled=False and FailedScheduling, then is placed when a node joins', async () => {
  const { s, pods, nodes, client, recorder } = await setup();
  nodes.set(node('n1', { cpu: '1', taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] }));
  nodes.set(node('n2', { cpu: '1' }));
  nodes.set(node('n3', { cpu: '1' }));
  pods.set(pod('big', { cpu: '2' }));
  await s.whenIdle();
  const msg = '0/3 nodes are available: 1 node(s) had untolerated taint {workload-type: compute-optimized}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..';
  assert.deepEqual(recorder.events.map((e) => [e.type, e.reason, e.message]), [['Warning', 'FailedScheduling', msg]]);
  await new Promise((r) => setImmediate(r));
  const patch = client.calls.find((c) => c.verb === 'patch')!;
  assert.deepEqual(patch.body, { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg, lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00.000Z' }] } });
  assert.equal(s.queue.stats().unschedulable, 1, 'the status patch does not re-activate the pod');
  nodes.set(node('n4', { cpu: '4' }));
  // The node add moves the pod to backoffQ (backoff 1 s from clock 0); flush with a later clock.
  (s as unknown as { clock: () => number }).clock = () => 2000;
  s.runBatch();
  await s.whenIdle();
  assert.equal((pods.get('default', 'big') as V1Pod).spec?.nodeName, 'n4');
  await s.stop();
});

test('preemption deletes the victim and nominates the node; the preemptor lands there', async () => {
  const { s, pods, nodes, client, recorder } = await setup();
  nodes.set(node('n1', { cpu: '1' }));
  pods.set(pod('low', { cpu: '1', nodeName: 'n1', priority: 0 }));
  pods.set(pod('high', { cpu: '1', priority: 1000 }));
  await s.whenIdle();
  await new Promise((r) => setImmediate(r));
  assert.ok(client.calls.some((c) => c.verb === 'delete' && c.name === 'low'));
  assert.equal((pods.get('default', 'high') as V1Pod).status?.nominatedNodeName, 'n1');
  assert.ok(recorder.events.some((e) => e.reason === 'Preempted' && e.name === 'low'));
  (s as unknown as { clock: () => number }).clock = () => 5000;
  s.runBatch();
  await s.whenIdle();
  assert.equal((pods.get('default', 'high') as V1Pod).spec?.nodeName, 'n1');
  await s.stop();
});

test('a failed binding forgets the assumed pod and retries it', async () => {
  const { s, pods, nodes, client } = await setup();
  client.failBinding.add('a');
  nodes.set(node('n1', { cpu: '1' }));
  pods.set(pod('a', { cpu: '1' }));
  await s.whenIdle();
  assert.equal(s.snapshot.get('n1')!.requested.milliCPU, 0, 'assumed pod forgotten');
  assert.equal(s.queue.stats().backoff, 1);
  (s as unknown as { clock: () => number }).clock = () => 5000;
  s.runBatch();
  await s.whenIdle();
  assert.equal((pods.get('default', 'a') as V1Pod).spec?.nodeName, 'n1');
  assert.equal(client.calls.filter((c) => c.verb === 'post/binding').length, 2);
  await s.stop();
});
