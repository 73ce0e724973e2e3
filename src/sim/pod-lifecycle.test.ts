import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { type SimPod, type StepContext, backoffMs, stepPod, toSimPod } from './pod-lifecycle.js';
import { IpPool } from './ip-pool.js';
import { DeadlineHeap, TaskPool } from './task-pool.js';
import { buildNode, nodeInternalIP } from './node-template.js';

const T0 = Date.parse('2026-11-24T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(extra: { annotations?: Record<string, string>; restartPolicy?: string; owner?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u-1',
      annotations: extra.annotations,
      ...(extra.owner ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: extra.owner, name: 'j', uid: 'j1', controller: true }] } : {}),
    },
    spec: { nodeName: 'sim-0', restartPolicy: extra.restartPolicy ?? 'Always', containers: [{ name: 'c', image: 'nginx:1' }] },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

let ips = 0;
const ctx = (now: number): StepContext => ({ now: new Date(now), podIP: () => `10.244.0.${2 + ips++}`, hostIP: '198.18.0.1', jobDurationMs: 5000, exitDelayMs: 1000 });

/** Steps and applies the status, as the sim does through pods/status. */
function run(p: SimPod, now: number) {
  const step = stepPod(p, ctx(now));
  const next: SimPod = step.status ? { ...p, status: step.status } : p;
  return { step, pod: next };
}

test('Pending → Running and Ready with container statuses, IPs and start time; then stable', () => {
  ips = 0;
  const { step, pod: p } = run(toSimPod(pod(), 5000), T0);
  const s = step.status!;
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.244.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.244.0.2' }]);
  assert.equal(s.hostIP, '198.18.0.1');
  assert.equal(s.startTime, iso(T0));
  assert.equal(s.qosClass, 'BestEffort');
  assert.deepEqual(s.conditions!.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  const cs = s.containerStatuses![0]!;
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.deepEqual(cs.state, { running: { startedAt: iso(T0) } });
  assert.match(cs.imageID!, /^nginx:1@sha256:[0-9a-f]{64}$/);
  assert.equal(step.nextAt, undefined);
  // Idempotent: stepping the written status changes nothing, and keeps the IP.
  assert.deepEqual(stepPod(p, ctx(T0 + 60_000)), {});
});

test('a running pod marked NotReady by someone else (node controller) is reported Ready again', () => {
  const { pod: p } = run(toSimPod(pod(), 5000), T0);
  const marked: SimPod = { ...p, status: { ...p.status, conditions: p.status.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c)) } };
  const step = stepPod(marked, ctx(T0 + 90_000));
  assert.equal(step.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
  assert.equal(step.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, iso(T0 + 90_000));
  assert.deepEqual(step.status!.containerStatuses![0]!.state, { running: { startedAt: iso(T0) } });
  assert.equal(step.status!.podIP, p.status.podIP);
  assert.deepEqual(stepPod({ ...marked, status: step.status! }, ctx(T0 + 91_000)), {});
});

test('Job pods succeed after --job-duration; run-seconds overrides it', () => {
  let { step, pod: p } = run(toSimPod(pod({ owner: 'Job', restartPolicy: 'Never' }), 5000), T0);
  assert.equal(step.nextAt, T0 + 5000);
  assert.deepEqual(stepPod(p, ctx(T0 + 4000)), { nextAt: T0 + 5000 });
  ({ step, pod: p } = run(p, T0 + 5200));
  assert.equal(step.status!.phase, 'Succeeded');
  const cs = step.status!.containerStatuses![0]!;
  assert.equal(cs.state!.terminated!.exitCode, 0);
  assert.equal(cs.state!.terminated!.reason, 'Completed');
  assert.equal(cs.state!.terminated!.finishedAt, iso(T0 + 5000));
  assert.equal(step.status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
  assert.deepEqual(stepPod(p, ctx(T0 + 10_000)), {});
  const custom = toSimPod(pod({ owner: 'Job', restartPolicy: 'Never', annotations: { 'sim.flotilla.dev/run-seconds': '2' } }), 5000);
  assert.equal(custom.runMs, 2000);
});

test('fail + restartPolicy Never → Failed with exit code 1', () => {
  let { pod: p } = run(toSimPod(pod({ restartPolicy: 'Never', annotations: { 'sim.flotilla.dev/fail': 'true' } }), 5000), T0);
  const { step } = run(p, T0 + 1000);
  assert.equal(step.status!.phase, 'Failed');
  assert.equal(step.status!.containerStatuses![0]!.state!.terminated!.exitCode, 1);
  assert.equal(step.status!.containerStatuses![0]!.state!.terminated!.reason, 'Error');
});

test('fail + restartPolicy Always → CrashLoopBackOff with growing restarts and 10 s doubling back-off', () => {
  let { pod: p } = run(toSimPod(pod({ annotations: { 'sim.flotilla.dev/fail': 'true', 'sim.flotilla.dev/run-seconds': '1' } }), 5000), T0);
  let now = T0 + 1000;
  for (let restart = 1; restart <= 4; restart++) {
    const crash = run(p, now);
    const cs = crash.step.status!.containerStatuses![0]!;
    assert.equal(cs.restartCount, restart);
    assert.equal(cs.state!.waiting!.reason, 'CrashLoopBackOff');
    assert.equal(cs.lastState!.terminated!.exitCode, 1);
    assert.equal(crash.step.status!.phase, 'Running');
    assert.equal(crash.step.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
    assert.equal(crash.step.nextAt, now + backoffMs(restart));
    assert.equal(backoffMs(restart), 10_000 * 2 ** (restart - 1));
    // Not before the back-off ends.
    assert.deepEqual(stepPod(crash.pod, ctx(now + 1)), { nextAt: now + backoffMs(restart) });
    now += backoffMs(restart);
    const up = run(crash.pod, now);
    assert.deepEqual(up.step.status!.containerStatuses![0]!.state, { running: { startedAt: iso(now) } });
    assert.equal(up.step.status!.containerStatuses![0]!.restartCount, restart);
    p = up.pod;
    now += 1000;
  }
  assert.equal(backoffMs(20), 300_000);
});

test('OnFailure succeeds on exit 0; Always restarts a clean exit at once', () => {
  let { pod: p } = run(toSimPod(pod({ restartPolicy: 'OnFailure', annotations: { 'sim.flotilla.dev/run-seconds': '3' } }), 5000), T0);
  assert.equal(run(p, T0 + 3000).step.status!.phase, 'Succeeded');
  ({ pod: p } = run(toSimPod(pod({ annotations: { 'sim.flotilla.dev/run-seconds': '3' } }), 5000), T0));
  const r = run(p, T0 + 3000);
  assert.equal(r.step.status!.phase, 'Running');
  assert.equal(r.step.status!.containerStatuses![0]!.restartCount, 1);
  assert.equal(r.step.status!.containerStatuses![0]!.lastState!.terminated!.exitCode, 0);
  assert.equal(r.step.nextAt, T0 + 6000);
});

test('deleting: finalized after min(grace, exit delay)', () => {
  const { pod: p } = run(toSimPod(pod(), 5000), T0);
  const deleting: SimPod = { ...p, deletionTimestamp: iso(T0 + 30_000), deletionGracePeriodSeconds: 30 };
  assert.deepEqual(stepPod(deleting, ctx(T0 + 500)), { nextAt: T0 + 1000 });
  assert.deepEqual(stepPod(deleting, ctx(T0 + 1000)), { finalize: true });
  const short: SimPod = { ...p, deletionTimestamp: iso(T0), deletionGracePeriodSeconds: 0 };
  assert.deepEqual(stepPod(short, ctx(T0)), { finalize: true });
});

test('IpPool hands out distinct addresses, skips network and gateway, reuses released ones', () => {
  const pool = new IpPool('10.244.3.0/29');
  const got = [pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()];
  assert.deepEqual(got, ['10.244.3.2', '10.244.3.3', '10.244.3.4', '10.244.3.5', '10.244.3.6']);
  assert.equal(pool.allocate(), undefined);
  pool.release('10.244.3.4');
  assert.equal(pool.allocate(), '10.244.3.4');
  const p2 = new IpPool('10.244.0.0/24');
  p2.occupy('10.244.0.2');
  assert.equal(p2.allocate(), '10.244.0.3');
  assert.ok(!p2.contains('10.244.1.1'));
});

test('node template: labels, zones round-robin, taints, capacity and never-contacted addresses', () => {
  const t = { namePrefix: 'kwok-', cpu: '8', memory: '32Gi', pods: '110', zones: ['a', 'b', 'c'], labels: { team: 'x' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' as const }], arch: 'arm64', kubeletVersion: 'v1.32.0' };
  const n = buildNode(t, 4, new Date(T0)) as unknown as { metadata: { name: string; labels: Record<string, string> }; spec: { taints: unknown[] }; status: { capacity: Record<string, string>; addresses: { address: string }[]; conditions: { type: string; status: string }[] } };
  assert.equal(n.metadata.name, 'kwok-4');
  assert.equal(n.metadata.labels['topology.kubernetes.io/zone'], 'b');
  assert.equal(n.metadata.labels['kubernetes.io/hostname'], 'kwok-4');
  assert.equal(n.metadata.labels['kubernetes.io/arch'], 'arm64');
  assert.equal(n.metadata.labels['flotilla.dev/simulated'], 'true');
  assert.equal(n.metadata.labels['team'], 'x');
  assert.deepEqual(n.spec.taints, [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
  assert.equal(n.status.capacity['memory'], '32Gi');
  assert.equal(n.status.addresses[0]!.address, '198.18.0.5');
  assert.equal(nodeInternalIP(300), '198.18.1.45');
  assert.equal(n.status.conditions.find((c) => c.type === 'Ready')!.status, 'True');
});

test('DeadlineHeap pops in time order and keeps the earliest deadline per key', () => {
  const h = new DeadlineHeap();
  h.schedule('a', 30);
  h.schedule('b', 10);
  h.schedule('a', 20);
  h.schedule('c', 40);
  h.schedule('c', 50);
  assert.equal(h.peek(), 10);
  assert.deepEqual(h.popDue(25), ['b', 'a']);
  assert.deepEqual(h.popDue(100), ['c']);
  assert.equal(h.peek(), undefined);
});

test('TaskPool keeps a quarter of the slots for low priority while both wait', async () => {
  const pool = new TaskPool(4, () => {});
  let lowRunning = 0;
  let peakLowWhileHigh = 0;
  let highRunning = 0;
  const t = (prio: 'high' | 'low') => async () => {
    if (prio === 'low') lowRunning++;
    else highRunning++;
    if (highRunning > 0) peakLowWhileHigh = Math.max(peakLowWhileHigh, lowRunning);
    await new Promise((r) => setTimeout(r, 2));
    if (prio === 'low') lowRunning--;
    else highRunning--;
  };
  for (let i = 0; i < 20; i++) pool.submit(`h${i}`, 'high', t('high'));
  for (let i = 0; i < 5; i++) pool.submit(`l${i}`, 'low', t('low'));
  await pool.idle();
  assert.equal(peakLowWhileHigh, 1);
});

test('TaskPool bounds concurrency, runs high before low and coalesces queued keys', async () => {
  const order: string[] = [];
  let active = 0;
  let peak = 0;
  const pool = new TaskPool(2, () => {});
  const task = (name: string) => async () => {
    active++;
    peak = Math.max(peak, active);
    order.push(name);
    await new Promise((r) => setTimeout(r, 5));
    active--;
  };
  for (let i = 0; i < 4; i++) pool.submit(`low${i}`, 'low', task(`low${i}`));
  pool.submit('low3', 'low', task('low3-replaced'));
  pool.submit('hi', 'high', task('hi'));
  await pool.idle();
  assert.equal(peak, 2);
  assert.deepEqual(order, ['low0', 'low1', 'hi', 'low2', 'low3-replaced']);
});
