import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { V1ContainerStatus, V1Pod } from '../../api/core/v1/index.js';
import type { ContainerState, ContainerStatus } from '../runtime/cri-types.js';
import { computePodStatus, getPhase, type PodStatusContext } from './pod-status.js';
import { ctr, pod, sandbox, status } from './testing/fixtures.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const ctx = (extra: Partial<PodStatusContext> = {}): PodStatusContext => ({
  now: NOW,
  probe: { ready: () => undefined, started: () => undefined },
  hostIP: '192.168.1.2',
  waiting: new Map(),
  ...extra,
});
const cond = (st: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] }, type: string) => st.conditions?.find((c) => c.type === type);

test('computePodStatus: a pod without sandbox is Pending, containers ContainerCreating', () => {
  const st = computePodStatus(pod(), { sandboxes: [], containers: [] }, ctx());
  assert.equal(st.phase, 'Pending');
  assert.deepEqual(st.containerStatuses, [{ name: 'app', image: 'busybox:1.36', state: { waiting: { reason: 'ContainerCreating' } }, ready: false, restartCount: 0, started: false }]);
  assert.equal(st.qosClass, 'BestEffort');
  assert.equal(st.startTime, '2026-11-24T12:00:00Z');
  assert.equal(st.hostIP, '192.168.1.2');
  assert.equal(st.podIP, undefined);
  assert.deepEqual(cond(st, 'PodReadyToStartContainers')?.status, 'False');
  assert.deepEqual(cond(st, 'ContainersReady'), { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: '2026-11-24T12:00:00Z' });
  assert.equal(cond(st, 'Ready')?.message, 'containers with unready status: [app]');
  assert.equal(cond(st, 'Initialized')?.status, 'True');
  assert.equal(cond(st, 'PodScheduled')?.status, 'True');
});

test('computePodStatus: running and ready, IPs from the sandbox, containerID and times', () => {
  const st = computePodStatus(pod(), { sandboxes: [sandbox('s1')], containers: [status('app', { id: 'abc', started: 1_700_000_000 })] }, ctx());
  assert.equal(st.phase, 'Running');
  assert.deepEqual(st.containerStatuses?.[0], {
    name: 'app',
    state: { running: { startedAt: '2023-11-14T22:13:20Z' } },
    ready: true,
    started: true,
    restartCount: 0,
    image: 'busybox:1.36',
    imageID: 'sha256:abc',
    containerID: 'containerd://abc',
  });
  assert.equal(st.podIP, '10.42.0.5');
  assert.deepEqual(st.podIPs, [{ ip: '10.42.0.5' }]);
  assert.equal(cond(st, 'Ready')?.status, 'True');
  assert.equal(cond(st, 'ContainersReady')?.status, 'True');
});

test('computePodStatus: readiness and startup probes gate ready/started', () => {
  const p = pod({ containers: [ctr('app', { readinessProbe: { exec: { command: ['true'] } }, startupProbe: { exec: { command: ['true'] } } })] });
  const obs = { sandboxes: [sandbox('s1')], containers: [status('app')] };
  let st = computePodStatus(p, obs, ctx());
  assert.deepEqual([st.containerStatuses?.[0]?.started, st.containerStatuses?.[0]?.ready], [false, false]);
  st = computePodStatus(p, obs, ctx({ probe: { started: () => true, ready: () => undefined } }));
  assert.deepEqual([st.containerStatuses?.[0]?.started, st.containerStatuses?.[0]?.ready], [true, false]);
  st = computePodStatus(p, obs, ctx({ probe: { started: () => true, ready: (_n, id) => id === 'app-0' } }));
  assert.deepEqual([st.containerStatuses?.[0]?.started, st.containerStatuses?.[0]?.ready], [true, true]);
});

test('computePodStatus: CrashLoopBackOff shows Waiting with the last termination and restart count', () => {
  const obs = {
    sandboxes: [sandbox('s1')],
    containers: [status('app', { attempt: 0, state: 'CONTAINER_EXITED', exitCode: 1 }), status('app', { attempt: 1, state: 'CONTAINER_EXITED', exitCode: 137, reason: 'OOMKilled' })],
  };
  const waiting = new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=web_default(uid-1)' }]]);
  const st = computePodStatus(pod(), obs, ctx({ waiting }));
  const cs = st.containerStatuses?.[0];
  assert.deepEqual(cs?.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=web_default(uid-1)' } });
  assert.equal(cs?.lastState?.terminated?.reason, 'OOMKilled');
  assert.equal(cs?.lastState?.terminated?.exitCode, 137);
  assert.equal(cs?.lastState?.terminated?.containerID, 'containerd://app-1');
  assert.equal(cs?.restartCount, 1);
  assert.equal(st.phase, 'Running', 'Always: a restarting container keeps the pod Running');
  // without a reason in the cache the terminated state shows, the previous one as lastState
  const st2 = computePodStatus(pod(), obs, ctx());
  assert.equal(st2.containerStatuses?.[0]?.state?.terminated?.reason, 'OOMKilled');
  assert.equal(st2.containerStatuses?.[0]?.lastState?.terminated?.reason, 'Error');
});

test('computePodStatus: ErrImagePull and CreateContainerConfigError keep the pod Pending', () => {
  for (const reason of ['ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError', 'CreateContainerError']) {
    const st = computePodStatus(pod(), { sandboxes: [sandbox('s1')], containers: [] }, ctx({ waiting: new Map([['app', { reason, message: 'm' }]]) }));
    assert.deepEqual(st.containerStatuses?.[0]?.state, { waiting: { reason, message: 'm' } });
    assert.equal(st.phase, 'Pending');
  }
});

test('computePodStatus: init containers', () => {
  const p = pod({ initContainers: [ctr('i1'), ctr('i2')], containers: [ctr('app')] });
  let st = computePodStatus(p, { sandboxes: [sandbox('s1')], containers: [status('i1')] }, ctx());
  assert.equal(st.phase, 'Pending');
  assert.deepEqual(st.initContainerStatuses?.map((s) => Object.keys(s.state ?? {})[0]), ['running', 'waiting']);
  assert.equal(st.initContainerStatuses?.[1]?.state?.waiting?.reason, 'PodInitializing');
  assert.equal(st.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  assert.deepEqual(cond(st, 'Initialized'), {
    type: 'Initialized',
    status: 'False',
    reason: 'ContainersNotInitialized',
    message: 'containers with incomplete status: [i1 i2]',
    lastTransitionTime: '2026-11-24T12:00:00Z',
  });
  st = computePodStatus(
    p,
    { sandboxes: [sandbox('s1')], containers: [status('i1', { state: 'CONTAINER_EXITED' }), status('i2', { state: 'CONTAINER_EXITED' }), status('app')] },
    ctx(),
  );
  assert.equal(st.phase, 'Running');
  assert.equal(cond(st, 'Initialized')?.status, 'True');
  assert.deepEqual(st.initContainerStatuses?.map((s) => [s.state?.terminated?.reason, s.ready]), [['Completed', true], ['Completed', true]]);
  // a failed init container with restartPolicy Never fails the pod
  const never = { ...p, spec: { ...p.spec, restartPolicy: 'Never' } };
  st = computePodStatus(never, { sandboxes: [sandbox('s1')], containers: [status('i1', { state: 'CONTAINER_EXITED', exitCode: 3 })] }, ctx());
  assert.equal(st.phase, 'Failed');
  assert.equal(cond(st, 'Ready')?.reason, 'PodFailed');
});

test('computePodStatus: restart policies decide Succeeded / Failed / Running', () => {
  const obs = (code: number) => ({ sandboxes: [sandbox('s1')], containers: [status('app', { state: 'CONTAINER_EXITED', exitCode: code })] });
  const phase = (policy: string, code: number) => computePodStatus(pod({ restartPolicy: policy }), obs(code), ctx()).phase;
  assert.equal(phase('Never', 0), 'Succeeded');
  assert.equal(phase('Never', 1), 'Failed');
  assert.equal(phase('OnFailure', 0), 'Succeeded');
  assert.equal(phase('OnFailure', 1), 'Running');
  assert.equal(phase('Always', 0), 'Running');
  const done = computePodStatus(pod({ restartPolicy: 'Never' }), obs(0), ctx());
  assert.equal(done.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  assert.equal(cond(done, 'Ready')?.reason, 'PodCompleted');
  assert.equal(cond(done, 'Initialized')?.reason, 'PodCompleted');
});

test('computePodStatus: lastTransitionTime, startTime, kept conditions, no way out of a terminal phase', () => {
  const obs = { sandboxes: [sandbox('s1')], containers: [status('app')] };
  const first = computePodStatus(pod(), obs, ctx({ now: NOW - 60_000 }));
  const p: V1Pod = { ...pod(), status: { ...first, conditions: [...(first.conditions ?? []), { type: 'DisruptionTarget', status: 'True', reason: 'x' }] } };
  const second = computePodStatus(p, obs, ctx());
  assert.equal(second.startTime, first.startTime);
  assert.equal(cond(second, 'Ready')?.status, 'True');
  assert.equal((cond(second, 'Ready') as { lastTransitionTime?: string }).lastTransitionTime, '2026-11-24T11:59:00Z');
  assert.ok(cond(second, 'DisruptionTarget'));
  const unready = computePodStatus(p, obs, ctx({ probe: { ready: () => false, started: () => undefined } }));
  assert.equal((cond(unready, 'Ready') as { lastTransitionTime?: string }).lastTransitionTime, '2026-11-24T12:00:00Z');
  const terminal = computePodStatus({ ...pod(), status: { phase: 'Succeeded' } }, obs, ctx());
  assert.equal(terminal.phase, 'Succeeded');
});

test('computePodStatus: activeDeadlineSeconds fails the pod', () => {
  const p: V1Pod = { ...pod({ activeDeadlineSeconds: 30 }), status: { startTime: '2026-11-24T11:59:00Z' } };
  const st = computePodStatus(p, { sandboxes: [sandbox('s1')], containers: [status('app')] }, ctx());
  assert.deepEqual([st.phase, st.reason, st.message], ['Failed', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline']);
});

test('computePodStatus: a running container that vanished is ContainerStatusUnknown; unknown state too', () => {
  const first = computePodStatus(pod(), { sandboxes: [sandbox('s1')], containers: [status('app')] }, ctx());
  const p: V1Pod = { ...pod(), status: first };
  const gone = computePodStatus(p, { sandboxes: [sandbox('s1')], containers: [] }, ctx());
  assert.equal(gone.containerStatuses?.[0]?.lastState?.terminated?.reason, 'ContainerStatusUnknown');
  assert.equal(gone.containerStatuses?.[0]?.restartCount, 1);
  const unknown = computePodStatus(p, { sandboxes: [sandbox('s1')], containers: [status('app', { state: 'CONTAINER_UNKNOWN' })] }, ctx());
  assert.equal(unknown.containerStatuses?.[0]?.state?.terminated?.reason, 'ContainerStatusUnknown');
  assert.equal(unknown.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
  assert.equal(first.podIP, '10.42.0.5');
  assert.equal(computePodStatus(p, { sandboxes: [], containers: [] }, ctx()).podIP, '10.42.0.5', 'IPs are kept after the sandbox is gone');
});

test('computePodStatus: hostNetwork pods report the host IPs', () => {
  const st = computePodStatus(pod({ hostNetwork: true }), { sandboxes: [sandbox('s1', { ip: '', network: 'NODE' })], containers: [status('app')] }, ctx({ hostIPs: ['192.168.1.2', 'fd00::2'] }));
  assert.deepEqual(st.podIPs, [{ ip: '192.168.1.2' }, { ip: 'fd00::2' }]);
});

test('computePodStatus (property): the phase agrees with the container states', () => {
  const st = fc.constantFrom<ContainerState>('CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN');
  fc.assert(
    fc.property(
      fc.constantFrom('Always', 'OnFailure', 'Never'),
      fc.array(fc.option(fc.record({ state: st, exitCode: fc.constantFrom(0, 1) }), { nil: undefined }), { minLength: 2, maxLength: 2 }),
      fc.boolean(),
      (policy, cs, crash) => {
        const p = pod({ restartPolicy: policy, containers: [ctr('a'), ctr('b')] });
        const containers = cs.flatMap((c, i) => (c ? [status(i === 0 ? 'a' : 'b', c)] : [])) as ContainerStatus[];
        const waiting = crash ? new Map([['a', { reason: 'CrashLoopBackOff', message: '' }]]) : new Map();
        const s = computePodStatus(p, { sandboxes: [sandbox('s1')], containers }, ctx({ waiting }));
        const states = s.containerStatuses ?? [];
        const anyRunning = states.some((x) => x.state?.running);
        if (s.phase === 'Succeeded') assert.ok(states.every((x) => x.state?.terminated?.exitCode === 0) && policy !== 'Always');
        if (s.phase === 'Failed') assert.ok(policy === 'Never' && states.every((x) => x.state?.terminated) && states.some((x) => x.state?.terminated?.exitCode !== 0));
        if (s.phase === 'Running') assert.ok(anyRunning || policy !== 'Never');
        if (states.some((x) => x.state?.waiting && !x.lastState?.terminated)) assert.equal(s.phase, 'Pending');
        // ready only when running
        for (const x of states) if (x.ready) assert.ok(x.state?.running);
        assert.equal(cond(s, 'Ready')?.status === 'True', states.every((x) => x.ready) && s.phase === 'Running');
      },
    ),
    { numRuns: 400 },
  );
});

test('getPhase: unknown containers keep a pod Pending', () => {
  const none: V1ContainerStatus[] = [];
  assert.equal(getPhase(pod(), none, false), 'Pending');
});
