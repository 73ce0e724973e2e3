import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { V1Container, V1Pod } from '../../api/core/v1/pod-types.js';
import { until } from '../../lib/testing/until.js';
import { ProbeManager, type ProbeChange } from './manager.js';
import { createProbeRunner, type ProbeRunner, type ProbeRunResult } from './runners/index.js';
import type { ProbeAction } from './target.js';
import { FakeClock, settle } from './testing/fake-clock.js';

const noRuntime = { execSync: async () => assert.fail('execSync is not expected here') };

function pod(containers: V1Container[], extra: Partial<V1Pod['spec']> = {}, uid = 'uid-1'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid },
    spec: { containers, terminationGracePeriodSeconds: 30, ...extra },
    status: { phase: 'Running', podIP: '127.0.0.1' },
  };
}

/** A runner answering exec probes by their first word, from a script or a function. */
function scriptedRunner(answers: Record<string, ProbeRunResult[] | (() => ProbeRunResult)>) {
  const calls: string[] = [];
  const runner: ProbeRunner = async (action: ProbeAction) => {
    const key = action.type === 'exec' ? action.command[0]! : action.type;
    calls.push(key);
    const a = answers[key];
    if (typeof a === 'function') return a();
    const next = a?.shift();
    return next ?? { result: 'success', output: '' };
  };
  return { runner, calls };
}

const ok: ProbeRunResult = { result: 'success', output: '' };
const bad = (output = 'HTTP probe failed with statuscode: 500'): ProbeRunResult => ({ result: 'failure', output });

function setup(containers: V1Container[], answers: Record<string, ProbeRunResult[] | (() => ProbeRunResult)>, extra: Partial<V1Pod['spec']> = {}) {
  const clock = new FakeClock();
  const { runner, calls } = scriptedRunner(answers);
  const events: string[] = [];
  const changes: ProbeChange[] = [];
  const m = new ProbeManager({
    runtime: noRuntime,
    clock,
    random: () => 0,
    runner,
    recordEvent: (_pod, type, reason, message, container) => events.push(`${type} ${reason} ${container}: ${message}`),
  });
  m.onChange((c) => changes.push(c));
  const p = pod(containers, extra);
  return { clock, m, calls, events, changes, p };
}

test('a liveness probe failing 3 times emits exactly one failure change, with the kill message and grace period', async () => {
  const { clock, m, events, changes, p } = setup(
    [{ name: 'app', livenessProbe: { exec: { command: ['live'] }, terminationGracePeriodSeconds: 7 } }],
    { live: () => bad() },
  );
  m.addPod(p);
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(35_000);
  const failures = changes.filter((c) => c.kind === 'liveness' && c.result === 'failure');
  assert.equal(failures.length, 1);
  assert.deepEqual(
    { ...failures[0], pod: undefined },
    {
      uid: 'uid-1',
      pod: undefined,
      container: 'app',
      containerId: 'c1',
      kind: 'liveness',
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 500',
      cause: 'probe',
      gracePeriodSeconds: 7,
      message: 'Container app failed liveness probe, will be restarted',
    },
  );
  // One event per failed run; then the worker holds (no more probes of the doomed container).
  assert.deepEqual(events, Array(3).fill('Warning Unhealthy app: Liveness probe failed: HTTP probe failed with statuscode: 500'));
  m.removePod('uid-1');
});

test('liveness resumes on the restarted container; the pod grace period applies without a probe override', async () => {
  const answers = { live: [bad(), bad(), bad(), ok, bad(), bad(), bad()] };
  const { clock, m, changes, calls, p } = setup([{ name: 'app', livenessProbe: { exec: { command: ['live'] } } }], answers);
  m.addPod(p);
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(60_000);
  assert.equal(calls.length, 3, 'held after the failure');
  m.updateContainer('uid-1', 'app', { containerId: 'c2', running: true, startedAt: clock.now() });
  await clock.advance(60_000);
  const seq = changes.map((c) => `${c.containerId}:${c.result}:${c.cause}`);
  assert.deepEqual(seq, ['c1:success:new-container', 'c1:failure:probe', 'c2:success:new-container', 'c2:failure:probe']);
  assert.equal(changes[3]!.gracePeriodSeconds, 30);
  m.removePod('uid-1');
});

test('readiness is false until the first success, flips back after failures, then back to true', async () => {
  const answers = { ready: [ok, bad(), bad(), bad(), ok] };
  const { clock, m, changes, events, p } = setup([{ name: 'app', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 5 } }], answers);
  m.addPod(p);
  assert.equal(m.readiness('uid-1', 'app'), false, 'no container yet');
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(0);
  assert.equal(m.readiness('uid-1', 'app'), true, 'probed at once when the container appears');
  await clock.advance(15_000);
  assert.equal(m.readiness('uid-1', 'app'), false);
  await clock.advance(5_000);
  assert.equal(m.readiness('uid-1', 'app'), true);
  assert.deepEqual(
    changes.map((c) => `${c.result}:${c.cause}`),
    ['failure:new-container', 'success:probe', 'failure:probe', 'success:probe'],
  );
  assert.equal(changes[2]!.output, 'HTTP probe failed with statuscode: 500');
  assert.equal(changes[2]!.message, undefined, 'readiness failures kill nothing');
  assert.equal(events.length, 3);
  assert.match(events[0]!, /^Warning Unhealthy app: Readiness probe failed: /);
  // A stopped or replaced container reads not-ready at once.
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: false });
  assert.equal(m.readiness('uid-1', 'app'), false);
  m.updateContainer('uid-1', 'app', { containerId: 'c2', running: true, startedAt: clock.now() });
  assert.equal(m.readiness('uid-1', 'app'), false);
  assert.equal(m.readiness('uid-1', 'other'), undefined, 'no readiness probe: undefined');
  m.removePod('uid-1');
});

test('startup gates liveness and readiness; readiness runs as soon as startup succeeds', async () => {
  const answers = { start: [bad('not yet'), bad('not yet'), ok], live: () => ok, ready: () => ok };
  const { clock, m, calls, p } = setup(
    [
      {
        name: 'app',
        startupProbe: { exec: { command: ['start'] }, failureThreshold: 10 },
        livenessProbe: { exec: { command: ['live'] } },
        readinessProbe: { exec: { command: ['ready'] } },
      },
    ],
    answers,
  );
  m.addPod(p);
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  assert.equal(m.started('uid-1', 'app'), false);
  await clock.advance(19_999);
  assert.deepEqual(calls, ['start', 'start'], 'liveness and readiness wait for the start');
  await clock.advance(1);
  assert.equal(calls[2], 'start');
  assert.equal(m.started('uid-1', 'app'), true);
  assert.equal(m.readiness('uid-1', 'app'), true, 'readiness probed right after startup succeeded');
  await clock.advance(20_000);
  assert.ok(!calls.slice(3).includes('start'), 'startup stops once started');
  assert.ok(calls.includes('live'));
  m.removePod('uid-1');
});

test('a startup probe that never succeeds emits a startup failure to kill the container', async () => {
  const { clock, m, changes, p } = setup([{ name: 'app', startupProbe: { exec: { command: ['start'] }, failureThreshold: 2, periodSeconds: 1 } }], {
    start: () => bad('dial tcp 127.0.0.1:8080: connect: connection refused'),
  });
  m.addPod(p);
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(5000);
  const f = changes.filter((c) => c.result === 'failure');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.message, 'Container app failed startup probe, will be restarted');
  m.removePod('uid-1');
});

test('initial delay counts from the container start', async () => {
  const { clock, m, calls, p } = setup([{ name: 'app', livenessProbe: { exec: { command: ['live'] }, initialDelaySeconds: 15 } }], {});
  m.addPod(p);
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(14_999);
  assert.equal(calls.length, 0);
  await clock.advance(1);
  assert.equal(calls.length, 1);
  m.removePod('uid-1');
});

test('an errored probe is tried 3 times, recorded as errored, and changes nothing', async () => {
  const clock = new FakeClock();
  const events: string[] = [];
  const changes: ProbeChange[] = [];
  let tries = 0;
  const real = createProbeRunner(noRuntime);
  const m = new ProbeManager({
    runtime: noRuntime,
    clock,
    random: () => 0,
    runner: (a, c) => {
      tries++;
      return real(a, c);
    },
    recordEvent: (_p, _t, reason, msg) => events.push(`${reason}: ${msg}`),
  });
  m.onChange((c) => changes.push(c));
  m.addPod(pod([{ name: 'app', readinessProbe: { httpGet: { port: 'http', path: '/ready' } } }]));
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(0);
  assert.deepEqual(events, ['Unhealthy: Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing "http": invalid syntax']);
  assert.equal(tries, 3);
  assert.deepEqual(changes.map((c) => c.result), ['failure'], 'only the initial not-ready');
  m.removePod('uid-1');
  assert.equal(clock.pending(), 0);
});

test('a probe host that is not the pod’s is refused without connecting', async () => {
  const clock = new FakeClock();
  const events: string[] = [];
  const m = new ProbeManager({ runtime: noRuntime, clock, random: () => 0, recordEvent: (_p, _t, _r, msg) => events.push(msg) });
  m.addPod(pod([{ name: 'app', livenessProbe: { tcpSocket: { port: 80, host: '10.0.0.1' } } }]));
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(0);
  assert.deepEqual(events, ['Liveness probe errored and resulted in unknown state: probe host "10.0.0.1" is not an address of the pod (probes connect only to the pod itself)']);
  m.removePod('uid-1');
});

test('a redirect warning is recorded as ProbeWarning and counts as success', async () => {
  const { clock, m, events, p } = setup([{ name: 'app', readinessProbe: { exec: { command: ['ready'] } } }], {
    ready: () => ({ result: 'success', warning: true, output: 'Probe terminated redirects, Response body: ' }),
  });
  m.addPod(p);
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(0);
  assert.deepEqual(events, ['Warning ProbeWarning app: Readiness probe warning: Probe terminated redirects, Response body: ']);
  assert.equal(m.readiness('uid-1', 'app'), true);
  m.removePod('uid-1');
});

test('pod deletion: liveness goes quiet at once (success, no kill), readiness keeps probing', async () => {
  const { clock, m, changes, calls, p } = setup(
    [{ name: 'app', livenessProbe: { exec: { command: ['live'] } }, readinessProbe: { exec: { command: ['ready'] } } }],
    { live: () => bad(), ready: () => ok },
  );
  m.addPod(p);
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(10_000);
  m.updatePod({ ...p, metadata: { ...p.metadata, deletionTimestamp: new Date(clock.now()).toISOString() } });
  await clock.advance(60_000);
  assert.ok(!changes.some((c) => c.kind === 'liveness' && c.result === 'failure'));
  const liveCalls = calls.filter((c) => c === 'live').length;
  assert.equal(liveCalls, 2, 'no liveness probe after the deletion');
  assert.ok(calls.filter((c) => c === 'ready').length >= 7);
  m.removePod('uid-1');
});

test('the first runs after start-up are spread over one period', async () => {
  const clock = new FakeClock();
  const { runner, calls } = scriptedRunner({});
  const m = new ProbeManager({ runtime: noRuntime, clock, random: () => 0.5, runner });
  m.addPod(pod([{ name: 'app', livenessProbe: { exec: { command: ['live'] } } }]));
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(4999);
  assert.equal(calls.length, 0);
  await clock.advance(1);
  assert.equal(calls.length, 1);
  m.removePod('uid-1');
});

test('removePod stops every timer and silences in-flight probes', async () => {
  const clock = new FakeClock();
  let release: (() => void) | undefined;
  const changes: ProbeChange[] = [];
  const m = new ProbeManager({
    runtime: noRuntime,
    clock,
    random: () => 0,
    runner: () =>
      new Promise<ProbeRunResult>((r) => {
        const prev = release;
        release = () => {
          prev?.();
          r(ok);
        };
      }),
  });
  m.onChange((c) => changes.push(c));
  m.addPod(pod([{ name: 'app', livenessProbe: { exec: { command: ['live'] } }, readinessProbe: { exec: { command: ['ready'] } } }]));
  m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: clock.now() });
  await clock.advance(0);
  assert.equal(m.inFlight, 2);
  const before = changes.length;
  m.removePod('uid-1');
  assert.equal(clock.pending(), 0);
  release?.();
  await settle();
  await clock.advance(60_000);
  assert.equal(changes.length, before);
  assert.equal(clock.pending(), 0);
  assert.equal(m.readiness('uid-1', 'app'), undefined);
});

test('at most maxInFlight probes run at once', async () => {
  const clock = new FakeClock();
  let running = 0;
  let peak = 0;
  let total = 0;
  const gates: (() => void)[] = [];
  const m = new ProbeManager({
    runtime: noRuntime,
    clock,
    random: () => 0,
    maxInFlight: 2,
    runner: () => {
      running++;
      total++;
      peak = Math.max(peak, running);
      return new Promise<ProbeRunResult>((r) =>
        gates.push(() => {
          running--;
          r(ok);
        }),
      );
    },
  });
  for (let i = 0; i < 5; i++) {
    m.addPod(pod([{ name: 'app', livenessProbe: { exec: { command: ['live'] } } }], {}, `uid-${i}`));
    m.updateContainer(`uid-${i}`, 'app', { containerId: `c${i}`, running: true, startedAt: clock.now() });
  }
  await clock.advance(0);
  assert.equal(running, 2);
  for (let i = 0; i < 20 && total < 5; i++) {
    gates.shift()?.();
    await settle();
  }
  while (gates.length) {
    gates.shift()!();
    await settle();
  }
  assert.equal(total, 5);
  assert.equal(peak, 2);
  m.stop();
  assert.equal(clock.pending(), 0);
});

test('real clock and a real TCP probe: ready, then removePod leaves nothing running', { timeout: 20_000 }, async () => {
  const server = createServer((s) => s.destroy());
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
  const m = new ProbeManager({ runtime: noRuntime, random: () => 0 });
  try {
    m.addPod(pod([{ name: 'app', ports: [{ name: 'web', containerPort: port }], readinessProbe: { tcpSocket: { port: 'web' }, periodSeconds: 1 } }]));
    m.updateContainer('uid-1', 'app', { containerId: 'c1', running: true, startedAt: new Date() });
    await until('ready', async () => m.readiness('uid-1', 'app'), 5000);
  } finally {
    m.removePod('uid-1');
    server.close();
  }
  // If a timer were left behind, this file's process would not exit and the runner would time out.
});
