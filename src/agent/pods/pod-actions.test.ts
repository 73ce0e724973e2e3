import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ContainerState, ContainerStatus, PodSandboxStatus } from '../runtime/cri-types.js';
import { EMPTY_BACKOFF, backoffNext, backoffView, containerBackoffKey, imagePullBackoffKey, IMAGE_PULL_BACKOFF } from './backoff.js';
import { computePodActions, imagePullPolicyOf, type PodActionsContext } from './pod-actions.js';
import { ctr, pod, sandbox, status, S } from './testing/fixtures.js';

const NOW = 10_000_000; // ms
const ctx = (extra: Partial<PodActionsContext> = {}): PodActionsContext => ({ now: NOW, backoff: backoffView(EMPTY_BACKOFF), ...extra });

test('computePodActions: a new pod gets its first sandbox and every container', () => {
  const p = pod({ containers: [ctr('a'), ctr('b')] });
  const a = computePodActions(p, { sandboxes: [], containers: [] }, ctx());
  assert.equal(a.createSandbox, true);
  assert.equal(a.attempt, 0);
  assert.equal(a.sandboxId, '');
  assert.equal(a.killPod, true); // nothing to kill, but upstream marks it
  assert.deepEqual(a.containersToStart.map((c) => [c.name, c.attempt, c.kind]), [['a', 0, 'regular'], ['b', 0, 'regular']]);
});

test('computePodActions: a new pod with init containers starts only the first init container', () => {
  const p = pod({ initContainers: [ctr('i1'), ctr('i2')], containers: [ctr('a')] });
  const a = computePodActions(p, { sandboxes: [], containers: [] }, ctx());
  assert.deepEqual(a.initContainersToStart.map((c) => c.name), ['i1']);
  assert.deepEqual(a.containersToStart, []);
});

test('computePodActions: init containers run one at a time, in order', () => {
  const p = pod({ initContainers: [ctr('i1'), ctr('i2')], containers: [ctr('a')] });
  const sb = [sandbox('s1')];
  let a = computePodActions(p, { sandboxes: sb, containers: [status('i1')] }, ctx());
  assert.deepEqual(a.initContainersToStart, [], 'i1 still running');
  assert.deepEqual(a.containersToStart, []);
  assert.equal(a.killPod, false);
  a = computePodActions(p, { sandboxes: sb, containers: [status('i1', { state: 'CONTAINER_EXITED' })] }, ctx());
  assert.deepEqual(a.initContainersToStart.map((c) => [c.name, c.index]), [['i2', 1]]);
  a = computePodActions(p, { sandboxes: sb, containers: [status('i1', { state: 'CONTAINER_EXITED' }), status('i2', { state: 'CONTAINER_EXITED' })] }, ctx());
  assert.deepEqual(a.initContainersToStart, []);
  assert.deepEqual(a.containersToStart.map((c) => c.name), ['a']);
  assert.equal(a.sandboxId, 's1');
  assert.equal(a.createSandbox, false);
});

test('computePodActions: a failed init container restarts (OnFailure/Always) or fails the pod (Never)', () => {
  const failed = [status('i1', { state: 'CONTAINER_EXITED', exitCode: 1 })];
  const sb = [sandbox('s1')];
  const always = computePodActions(pod({ initContainers: [ctr('i1')] }), { sandboxes: sb, containers: failed }, ctx());
  assert.deepEqual(always.initContainersToStart.map((c) => [c.name, c.attempt]), [['i1', 1]]);
  assert.equal(always.killPod, false);
  const never = computePodActions(pod({ restartPolicy: 'Never', initContainers: [ctr('i1')] }), { sandboxes: sb, containers: failed }, ctx());
  assert.equal(never.killPod, true);
  assert.equal(never.killPodReason, 'InitContainerFailed');
  assert.deepEqual(never.initContainersToStart, []);
});

test('computePodActions: restart policies for exited regular containers', () => {
  const sb = [sandbox('s1')];
  const ok = [status('app', { state: 'CONTAINER_EXITED', exitCode: 0 })];
  const bad = [status('app', { state: 'CONTAINER_EXITED', exitCode: 2 })];
  const starts = (policy: string, cs: ContainerStatus[]) => computePodActions(pod({ restartPolicy: policy }), { sandboxes: sb, containers: cs }, ctx());
  assert.deepEqual(starts('Always', ok).containersToStart.map((c) => c.attempt), [1]);
  assert.deepEqual(starts('Always', bad).containersToStart.map((c) => c.attempt), [1]);
  assert.deepEqual(starts('OnFailure', ok).containersToStart, []);
  assert.equal(starts('OnFailure', ok).killPodReason, 'NothingToRun');
  assert.deepEqual(starts('OnFailure', bad).containersToStart.map((c) => c.name), ['app']);
  assert.deepEqual(starts('Never', bad).containersToStart, []);
  assert.equal(starts('Never', bad).killPod, true);
});

test('computePodActions: a running healthy pod needs nothing', () => {
  const a = computePodActions(pod(), { sandboxes: [sandbox('s1')], containers: [status('app')] }, ctx());
  assert.equal(a.killPod, false);
  assert.equal(a.createSandbox, false);
  assert.deepEqual(a.containersToKill, []);
  assert.deepEqual(a.containersToStart, []);
  assert.equal(a.waiting.size, 0);
});

test('computePodActions: liveness failure kills and restarts; a stale verdict is ignored', () => {
  const obs = { sandboxes: [sandbox('s1')], containers: [status('app', { id: 'c2', attempt: 2 })] };
  const a = computePodActions(pod(), obs, ctx({ probeVerdicts: new Map([['app', { probe: 'liveness' as const, containerId: 'c2' }]]) }));
  assert.deepEqual(a.containersToKill, [{ id: 'c2', name: 'app', reason: 'LivenessProbe', message: 'Container app failed liveness probe, will be restarted' }]);
  assert.deepEqual(a.containersToStart.map((c) => c.attempt), [3]);
  const stale = computePodActions(pod(), obs, ctx({ probeVerdicts: new Map([['app', { probe: 'liveness' as const, containerId: 'c1' }]]) }));
  assert.deepEqual(stale.containersToKill, []);
  const never = computePodActions(pod({ restartPolicy: 'Never' }), obs, ctx({ probeVerdicts: new Map([['app', { probe: 'startup' as const }]]) }));
  assert.deepEqual(never.containersToKill.map((k) => [k.reason, k.message]), [['StartupProbe', 'Container app failed startup probe']]);
  assert.equal(never.killPod, true);
});

test('computePodActions: a changed container spec restarts the container', () => {
  const old = ctr('app', { image: 'busybox:1.35' });
  const p = pod({ containers: [ctr('app')] });
  const a = computePodActions(p, { sandboxes: [sandbox('s1')], containers: [status('app', { spec: old })] }, ctx());
  assert.equal(a.containersToKill[0]?.reason, 'SpecChanged');
  assert.equal(a.containersToKill[0]?.message, 'Container app definition changed, will be restarted');
  assert.equal(a.containersToStart.length, 1);
  const same = computePodActions(p, { sandboxes: [sandbox('s1')], containers: [status('app', { spec: p.spec!.containers![0] })] }, ctx());
  assert.deepEqual(same.containersToKill, []);
});

test('computePodActions: CrashLoopBackOff waits out the window, then records one step', () => {
  const finished = 1000; // s
  const obs = { sandboxes: [sandbox('s1')], containers: [status('app', { state: 'CONTAINER_EXITED', exitCode: 1, attempt: 1, finished })] };
  const key = containerBackoffKey('uid-1', 'app');
  // no back-off entry yet: restart immediately and record the step
  let a = computePodActions(pod(), obs, ctx({ now: finished * 1000 + 1 }));
  assert.deepEqual(a.containersToStart[0]?.backoff, { key, eventTimeMs: finished * 1000 });
  let state = backoffNext(EMPTY_BACKOFF, key, finished * 1000 - 30_000, finished * 1000 - 30_000); // an earlier crash: 10 s
  state = backoffNext(state, key, finished * 1000 - 5_000, finished * 1000 - 5_000); // 20 s
  a = computePodActions(pod(), obs, ctx({ now: finished * 1000 + 19_000, backoff: backoffView(state) }));
  assert.deepEqual(a.containersToStart, []);
  assert.equal(a.killPod, false);
  assert.deepEqual(a.waiting.get('app'), { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app pod=web_default(uid-1)' });
  a = computePodActions(pod(), obs, ctx({ now: finished * 1000 + 20_000, backoff: backoffView(state) }));
  assert.deepEqual(a.containersToStart.map((c) => c.attempt), [2]);
});

test('computePodActions: sandbox recreation (not ready, two ready, lost IP, netns changed)', () => {
  const p = pod();
  let a = computePodActions(p, { sandboxes: [sandbox('s1', { state: 'SANDBOX_NOTREADY', attempt: 3 })], containers: [] }, ctx());
  assert.deepEqual([a.createSandbox, a.killPod, a.attempt, a.sandboxId, a.killPodReason], [true, true, 4, 's1', 'SandboxChanged']);
  a = computePodActions(p, { sandboxes: [sandbox('s1', { created: 1 }), sandbox('s2', { created: 2, attempt: 1 })], containers: [] }, ctx());
  assert.deepEqual([a.createSandbox, a.attempt, a.sandboxId], [true, 2, 's2']);
  a = computePodActions(p, { sandboxes: [sandbox('s1', { ip: '' })], containers: [] }, ctx());
  assert.equal(a.createSandbox, true);
  a = computePodActions(pod({ hostNetwork: true }), { sandboxes: [sandbox('s1', { ip: '' })], containers: [] }, ctx());
  assert.equal(a.createSandbox, true, 'network mode POD but pod is hostNetwork');
  a = computePodActions(pod({ hostNetwork: true }), { sandboxes: [sandbox('s1', { ip: '', network: 'NODE' })], containers: [status('app')] }, ctx());
  assert.equal(a.createSandbox, false);
});

test('computePodActions: Never pods that already ran do not get a new sandbox', () => {
  const obs = { sandboxes: [sandbox('s1', { state: 'SANDBOX_NOTREADY' })], containers: [status('app', { state: 'CONTAINER_EXITED', exitCode: 0 })] };
  const a = computePodActions(pod({ restartPolicy: 'Never' }), obs, ctx());
  assert.equal(a.createSandbox, false);
  assert.equal(a.killPod, true);
  const onFailure = computePodActions(pod({ restartPolicy: 'OnFailure' }), obs, ctx());
  assert.equal(onFailure.createSandbox, false, 'everything succeeded');
  const always = computePodActions(pod(), obs, ctx());
  assert.equal(always.createSandbox, true);
  assert.equal(always.purgeInitContainers, true);
  assert.deepEqual(always.containersToStart.map((c) => c.attempt), [1]);
});

test('computePodActions: deleted and terminal pods are only killed', () => {
  const obs = { sandboxes: [sandbox('s1')], containers: [status('app')] };
  const del = computePodActions(pod({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), obs, ctx());
  assert.deepEqual([del.killPod, del.killPodReason, del.createSandbox, del.containersToStart.length], [true, 'PodDeleted', false, 0]);
  const done = computePodActions({ ...pod(), status: { phase: 'Succeeded' } }, obs, ctx());
  assert.equal(done.killPodReason, 'PodTerminal');
});

test('computePodActions: unknown containers are killed before their restart', () => {
  const a = computePodActions(pod(), { sandboxes: [sandbox('s1')], containers: [status('app', { state: 'CONTAINER_UNKNOWN' })] }, ctx());
  assert.deepEqual(a.containersToKill.map((k) => k.reason), ['Unknown']);
  assert.equal(a.containersToStart.length, 1);
});

test('computePodActions: image presence and pull back-off', () => {
  const obs = { sandboxes: [sandbox('s1')], containers: [] };
  const never = pod({ containers: [ctr('app', { imagePullPolicy: 'Never' })] });
  let a = computePodActions(never, obs, ctx({ imagePresent: () => false }));
  assert.deepEqual(a.waiting.get('app'), { reason: 'ErrImageNeverPull', message: 'Container image "busybox:1.36" is not present with pull policy of Never' });
  a = computePodActions(pod(), obs, ctx({ imagePresent: () => true }));
  assert.equal(a.containersToStart[0]?.pull, false);
  a = computePodActions(pod(), obs, ctx({ imagePresent: () => false }));
  assert.equal(a.containersToStart[0]?.pull, true);
  a = computePodActions(pod(), obs, ctx());
  assert.equal(a.containersToStart[0]?.pull, undefined);
  const pb = backoffNext(EMPTY_BACKOFF, imagePullBackoffKey('uid-1', 'busybox:1.36'), NOW - 1000, NOW - 1000, IMAGE_PULL_BACKOFF);
  a = computePodActions(pod(), obs, ctx({ imagePresent: () => false, pullBackoff: backoffView(pb, IMAGE_PULL_BACKOFF) }));
  assert.deepEqual(a.waiting.get('app'), { reason: 'ImagePullBackOff', message: 'Back-off pulling image "busybox:1.36"' });
  // The last pull error stays in the message during the back-off (kubelet 1.32+).
  const errs = new Map([[imagePullBackoffKey('uid-1', 'busybox:1.36'), 'ErrImagePull: pulling from host 127.0.0.1:5000 failed with status code [manifests 1.36]: 401 Unauthorized']]);
  a = computePodActions(pod(), obs, ctx({ imagePresent: () => false, pullBackoff: backoffView(pb, IMAGE_PULL_BACKOFF), pullError: (k) => errs.get(k) }));
  assert.deepEqual(a.waiting.get('app'), {
    reason: 'ImagePullBackOff',
    message: 'Back-off pulling image "busybox:1.36": ErrImagePull: pulling from host 127.0.0.1:5000 failed with status code [manifests 1.36]: 401 Unauthorized',
  });
  assert.equal(imagePullPolicyOf({ image: 'nginx' }), 'Always');
  assert.equal(imagePullPolicyOf({ image: 'nginx:latest' }), 'Always');
  assert.equal(imagePullPolicyOf({ image: 'localhost:5000/nginx' }), 'Always');
  assert.equal(imagePullPolicyOf({ image: 'localhost:5000/nginx:1' }), 'IfNotPresent');
  assert.equal(imagePullPolicyOf({ image: 'nginx@sha256:00' }), 'IfNotPresent');
});

// ---- properties ----------------------------------------------------------------------------------

const stateArb = fc.constantFrom<ContainerState>('CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN');
const ctrStatusArb = (name: string) =>
  fc.option(
    fc.record({ state: stateArb, exitCode: fc.constantFrom(0, 1, 137), attempt: fc.integer({ min: 0, max: 5 }) }).map((o) => status(name, o)),
    { nil: undefined },
  );
const sandboxesArb = fc.array(
  fc.record({ state: fc.constantFrom<'SANDBOX_READY' | 'SANDBOX_NOTREADY'>('SANDBOX_READY', 'SANDBOX_NOTREADY'), attempt: fc.integer({ min: 0, max: 3 }), created: fc.integer({ min: 1, max: 9 }) }),
  { maxLength: 3 },
).map((xs) => xs.map((x, i): PodSandboxStatus => sandbox(`s${i}`, { ...x, created: x.created * 10 + i })));

const scenario = fc.record({
  policy: fc.constantFrom('Always', 'OnFailure', 'Never'),
  nInit: fc.integer({ min: 0, max: 3 }),
  sandboxes: sandboxesArb,
  i0: ctrStatusArb('i0'),
  i1: ctrStatusArb('i1'),
  i2: ctrStatusArb('i2'),
  a: ctrStatusArb('a'),
  b: ctrStatusArb('b'),
});

test('computePodActions (property): no regular container starts before every init container succeeded', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const inits = ['i0', 'i1', 'i2'].slice(0, s.nInit);
      const p = pod({ restartPolicy: s.policy, initContainers: inits.map((n) => ctr(n)), containers: [ctr('a'), ctr('b')] });
      const containers = [s.i0, s.i1, s.i2].slice(0, s.nInit).concat([s.a, s.b]).filter((c): c is ContainerStatus => c !== undefined);
      const a = computePodActions(p, { sandboxes: s.sandboxes, containers }, ctx());
      // upstream: a regular container created or running means the pod was initialized before
      const regularRunning = [s.a, s.b].some((c) => c?.state === 'CONTAINER_RUNNING' || c?.state === 'CONTAINER_CREATED');
      // upstream's reading: init is done once the LAST init container exited 0 (earlier ones may be gone)
      const last = inits.length ? containers.find((x) => x.metadata.name === inits[inits.length - 1]) : undefined;
      const initsDone = inits.length === 0 || (last?.state === 'CONTAINER_EXITED' && last.exitCode === 0);
      const startsRegular = a.containersToStart.some((c) => c.kind === 'regular');
      if (startsRegular && !a.createSandbox) assert.ok(initsDone || regularRunning, 'regular start before init done');
      if (a.createSandbox && inits.length > 0) assert.ok(!startsRegular, 'a new sandbox starts with init containers');
      // at most one init container at a time, never together with regular containers
      const regularInits = a.initContainersToStart.filter((c) => c.kind === 'init');
      assert.ok(regularInits.length <= 1, 'one init container at a time');
      if (regularInits.length) assert.ok(!startsRegular);
      // never start anything in a pod that is being killed without a new sandbox
      if (a.killPod && !a.createSandbox) assert.equal(a.containersToStart.length + a.initContainersToStart.length, 0);
      // a sandbox is reused only when exactly one is ready and it is the newest
      if (!a.createSandbox && !a.killPod) {
        assert.equal(s.sandboxes.filter((x) => x.state === 'SANDBOX_READY').length, 1);
        assert.ok(a.sandboxId !== '');
      }
      // restartPolicy Never never restarts an exited container
      if (s.policy === 'Never' && !a.createSandbox)
        for (const c of a.containersToStart) assert.ok(containers.find((x) => x.metadata.name === c.name)?.state !== 'CONTAINER_EXITED');
      // attempts count up from the newest container
      for (const c of a.containersToStart) {
        const prev = containers.find((x) => x.metadata.name === c.name);
        assert.equal(c.attempt, prev ? prev.metadata.attempt + 1 : 0);
      }
    }),
    { numRuns: 500 },
  );
});

test('computePodActions (property): applying createSandbox never leaves two ready sandboxes', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const p = pod({ restartPolicy: s.policy, containers: [ctr('a')] });
      const a = computePodActions(p, { sandboxes: s.sandboxes, containers: [] }, ctx());
      // simulate the worker: killPod stops every sandbox, createSandbox adds one ready sandbox
      let after = s.sandboxes.map((x) => (a.killPod ? { ...x, state: 'SANDBOX_NOTREADY' as const } : x));
      if (a.createSandbox) after = [...after, sandbox('new', { attempt: a.attempt, created: 1000 })];
      assert.ok(after.filter((x) => x.state === 'SANDBOX_READY').length <= 1);
      const newest = [...s.sandboxes].sort((x, y) => y.createdAt - x.createdAt)[0];
      if (a.createSandbox) assert.equal(a.attempt, newest ? newest.metadata.attempt + 1 : 0);
      const again = computePodActions(p, { sandboxes: after, containers: [] }, ctx());
      if (a.createSandbox) assert.equal(again.createSandbox, false, 'one sync converges');
    }),
    { numRuns: 300 },
  );
});

void S;

test('computePodActions: sidecars start first, stay running, and do not keep a finished pod alive', () => {
  const side = ctr('side', { restartPolicy: 'Always' });
  const p = pod({ restartPolicy: 'OnFailure', initContainers: [side, ctr('init')], containers: [ctr('app')] });
  const sb = [sandbox('s1')];
  const names = (a: ReturnType<typeof computePodActions>) => [a.initContainersToStart.map((c) => c.name), a.containersToStart.map((c) => c.name)];
  assert.deepEqual(names(computePodActions(p, { sandboxes: [], containers: [] }, ctx())), [['side'], []]);
  assert.deepEqual(names(computePodActions(p, { sandboxes: sb, containers: [status('side')] }, ctx())), [['init'], []]);
  assert.deepEqual(names(computePodActions(p, { sandboxes: sb, containers: [status('side'), status('init')] }, ctx())), [[], []]);
  const initDone = [status('side'), status('init', { state: 'CONTAINER_EXITED' })];
  assert.deepEqual(names(computePodActions(p, { sandboxes: sb, containers: initDone }, ctx())), [[], ['app']]);
  // the sidecar exits while the app runs: restarted, whatever the restart policy
  const sideExited = [status('side', { state: 'CONTAINER_EXITED', exitCode: 0 }), status('init', { state: 'CONTAINER_EXITED' }), status('app')];
  assert.deepEqual(names(computePodActions(p, { sandboxes: sb, containers: sideExited }, ctx())), [['side'], []]);
  // a liveness failure of the sidecar kills and restarts it
  const lv = computePodActions(p, { sandboxes: sb, containers: [status('side'), status('init', { state: 'CONTAINER_EXITED' }), status('app')] }, ctx({ probeVerdicts: new Map([['side', { probe: 'liveness' as const }]]) }));
  assert.deepEqual(lv.containersToKill.map((k) => [k.name, k.reason, k.message]), [['side', 'LivenessProbe', 'Init container side failed liveness probe']]);
  assert.deepEqual(lv.initContainersToStart.map((c) => c.name), ['side']);
  // the app succeeded (OnFailure): nothing to run, the pod is killed and the sidecar not restarted
  const done = computePodActions(p, { sandboxes: sb, containers: [status('side', { state: 'CONTAINER_EXITED', exitCode: 137 }), status('init', { state: 'CONTAINER_EXITED' }), status('app', { state: 'CONTAINER_EXITED' })] }, ctx());
  assert.deepEqual([done.killPod, done.killPodReason, done.initContainersToStart.length], [true, 'NothingToRun', 0]);
});

test('computePodActions: a sidecar with a startup probe holds the next init container until it started', () => {
  const side = ctr('side', { restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } });
  const p = pod({ initContainers: [side, ctr('init')], containers: [ctr('app')] });
  const obs = { sandboxes: [sandbox('s1')], containers: [status('side', { id: 'sc' })] };
  assert.deepEqual(computePodActions(p, obs, ctx()).initContainersToStart, []);
  assert.deepEqual(computePodActions(p, obs, ctx({ startupResult: () => false })).initContainersToStart, []);
  assert.deepEqual(computePodActions(p, obs, ctx({ startupResult: (n, id) => n === 'side' && id === 'sc' })).initContainersToStart.map((c) => c.name), ['init']);
  const failed = computePodActions(p, obs, ctx({ probeVerdicts: new Map([['side', { probe: 'startup' as const, containerId: 'sc' }]]) }));
  assert.deepEqual(failed.containersToKill.map((k) => k.reason), ['StartupProbe']);
  assert.deepEqual(failed.initContainersToStart.map((c) => c.name), ['side']);
});

test('computePodActions: init containers created but never started are started again; unknown ones killed first', () => {
  const p = pod({ initContainers: [ctr('i1')], containers: [ctr('app')] });
  const sb = [sandbox('s1')];
  assert.deepEqual(computePodActions(p, { sandboxes: sb, containers: [status('i1', { state: 'CONTAINER_CREATED' })] }, ctx()).initContainersToStart.map((c) => c.attempt), [1]);
  const unk = computePodActions(p, { sandboxes: sb, containers: [status('i1', { state: 'CONTAINER_UNKNOWN' })] }, ctx());
  assert.deepEqual(unk.containersToKill.map((k) => k.message), ['Init container is in "unknown" state, try killing it before restart']);
  assert.deepEqual(unk.initContainersToStart.map((c) => c.name), ['i1']);
  const never = computePodActions({ ...p, spec: { ...p.spec, restartPolicy: 'Never' } }, { sandboxes: sb, containers: [status('i1', { state: 'CONTAINER_UNKNOWN' })] }, ctx());
  assert.equal(never.killPodReason, 'InitContainerFailed');
});
