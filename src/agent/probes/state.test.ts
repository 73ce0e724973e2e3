import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  afterProbe,
  beforeProbe,
  initialResult,
  newProbeState,
  probeSettings,
  type ContainerView,
  type PodView,
  type ProbeKind,
  type ProbeOutcome,
  type ProbeState,
  type Publish,
} from './state.js';

const T0 = 1_000_000;
const pod: PodView = { terminal: false, deleting: false, restartPolicy: 'Always' };
const running = (id = 'c1', startedAt = T0): ContainerView => ({ containerId: id, running: true, startedAt });

/** Ticks once at `now` and, when told to probe, feeds `outcome`. Returns the new state and publishes. */
function tick(s: ProbeState, now: number, outcome: ProbeOutcome, opts: { view?: ContainerView; started?: boolean; pod?: PodView } = {}) {
  const b = beforeProbe(s, opts.pod ?? pod, opts.view ?? running(), opts.started ?? true, now);
  const pubs: Publish[] = b.publish ? [b.publish] : [];
  let state = b.state;
  if (b.do === 'probe') {
    const a = afterProbe(state, outcome);
    state = a.state;
    if (a.publish) pubs.push(a.publish);
  }
  return { step: b, state, pubs };
}

test('defaults are upstream’s: period 10, timeout 1, success 1, failure 3, delay 0', () => {
  assert.deepEqual(probeSettings('readiness', {}), { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  assert.equal(probeSettings('liveness', { successThreshold: 5 }).successThreshold, 1, 'liveness success threshold is always 1');
  assert.equal(probeSettings('readiness', { successThreshold: 2 }).successThreshold, 2);
  assert.equal(probeSettings('liveness', { terminationGracePeriodSeconds: 5 }).terminationGracePeriodSeconds, 5);
  assert.equal(probeSettings('readiness', { terminationGracePeriodSeconds: 5 }).terminationGracePeriodSeconds, undefined);
  assert.equal(probeSettings('readiness', { periodSeconds: 0, timeoutSeconds: -1 }).periodSeconds, 10);
});

test('initial results: readiness failure, liveness success, startup unknown, published for a new container', () => {
  for (const kind of ['readiness', 'liveness', 'startup'] as ProbeKind[]) {
    const s = newProbeState(kind, probeSettings(kind, { initialDelaySeconds: 30 }));
    const b = beforeProbe(s, pod, running(), kind !== 'startup' ? true : false, T0);
    assert.equal(b.do, 'wait');
    assert.deepEqual(b.publish, { result: initialResult(kind), cause: 'new-container', containerId: 'c1' });
  }
  assert.equal(initialResult('readiness'), 'failure');
  assert.equal(initialResult('liveness'), 'success');
  assert.equal(initialResult('startup'), 'unknown');
});

test('no container yet: wait a period, publish nothing', () => {
  const s = newProbeState('liveness', probeSettings('liveness', {}));
  const b = beforeProbe(s, pod, { running: false }, true, T0);
  assert.equal(b.do, 'wait');
  assert.equal(b.publish, undefined);
  assert.equal(b.do === 'wait' && b.nextAt, T0 + 10_000);
});

test('initial delay: nothing runs before startedAt + delay, and the next tick lands on its end', () => {
  const s = newProbeState('readiness', probeSettings('readiness', { initialDelaySeconds: 5, periodSeconds: 10 }));
  const b = beforeProbe(s, pod, running('c1', T0), true, T0 + 1000);
  assert.equal(b.do, 'wait');
  assert.equal(b.do === 'wait' && b.why, 'initial-delay');
  assert.equal(b.do === 'wait' && b.nextAt, T0 + 5000);
  const b2 = beforeProbe(b.state, pod, running('c1', T0), true, T0 + 5000);
  assert.equal(b2.do, 'probe');
});

test('liveness publishes failure only at the third consecutive failure, then holds until a new container', () => {
  let s = newProbeState('liveness', probeSettings('liveness', {}));
  const all: Publish[] = [];
  for (let i = 0; i < 3; i++) {
    const r = tick(s, T0 + i * 10_000, 'failure');
    s = r.state;
    all.push(...r.pubs);
    if (i < 2) assert.ok(!r.pubs.some((p) => p.result === 'failure'), `no failure before the threshold (run ${i + 1})`);
  }
  assert.deepEqual(all.map((p) => p.result), ['success', 'failure']);
  assert.equal(all[1]!.cause, 'probe');
  const held = beforeProbe(s, pod, running(), true, T0 + 40_000);
  assert.equal(held.do === 'wait' && held.why, 'on-hold');
  // The restarted container: back to the initial success, probing again.
  const fresh = beforeProbe(held.state, pod, running('c2', T0 + 41_000), true, T0 + 41_000);
  assert.equal(fresh.do, 'probe');
  assert.deepEqual(fresh.publish, { result: 'success', cause: 'new-container', containerId: 'c2' });
  assert.equal(fresh.state.run, 0);
});

test('a success between failures resets the run', () => {
  let s = newProbeState('liveness', probeSettings('liveness', {}));
  const seq: ProbeOutcome[] = ['failure', 'failure', 'success', 'failure', 'failure'];
  for (const [i, o] of seq.entries()) {
    const r = tick(s, T0 + i * 10_000, o);
    s = r.state;
    assert.ok(!r.pubs.some((p) => p.result === 'failure'));
  }
  assert.equal(s.published, 'success');
});

test('unknown outcomes are thrown away and do not break a run', () => {
  let s = newProbeState('liveness', probeSettings('liveness', {}));
  const seq: ProbeOutcome[] = ['failure', 'unknown', 'failure', 'unknown', 'failure'];
  let published: ProbeOutcome | undefined;
  for (const [i, o] of seq.entries()) {
    s = tick(s, T0 + i * 10_000, o).state;
    published = s.published;
  }
  assert.equal(published, 'failure');
});

test('readiness: false until successThreshold successes, back to false after failureThreshold failures', () => {
  let s = newProbeState('readiness', probeSettings('readiness', { successThreshold: 2, failureThreshold: 2 }));
  const pubs: string[] = [];
  const seq: ProbeOutcome[] = ['success', 'success', 'failure', 'success', 'failure', 'failure', 'success', 'success'];
  for (const [i, o] of seq.entries()) {
    const r = tick(s, T0 + i * 10_000, o);
    s = r.state;
    pubs.push(...r.pubs.map((p) => `${i}:${p.result}`));
  }
  assert.deepEqual(pubs, ['0:failure', '1:success', '5:failure', '7:success']);
});

test('startup gates liveness and readiness; startup stops once started', () => {
  for (const kind of ['liveness', 'readiness'] as ProbeKind[]) {
    const s = newProbeState(kind, probeSettings(kind, {}));
    const b = beforeProbe(s, pod, running(), false, T0);
    assert.equal(b.do === 'wait' && b.why, 'not-started', kind);
    assert.equal(beforeProbe(b.state, pod, running(), true, T0).do, 'probe', kind);
  }
  let st = newProbeState('startup', probeSettings('startup', { failureThreshold: 2 }));
  const r = tick(st, T0, 'success', { started: false });
  assert.deepEqual(r.pubs.map((p) => p.result), ['unknown', 'success']);
  st = r.state;
  assert.equal(beforeProbe(st, pod, running(), true, T0 + 10_000).do, 'wait');
  // A restarted container has to start again.
  const again = beforeProbe(st, pod, running('c2'), false, T0 + 20_000);
  assert.equal(again.do, 'probe');
  assert.equal(again.publish?.result, 'unknown');
});

test('startup failing failureThreshold times publishes failure and holds', () => {
  let s = newProbeState('startup', probeSettings('startup', { failureThreshold: 2 }));
  s = tick(s, T0, 'failure', { started: false }).state;
  const r = tick(s, T0 + 10_000, 'failure', { started: false });
  assert.deepEqual(r.pubs.map((p) => p.result), ['failure']);
  assert.equal(r.state.onHold, true);
});

test('a container that is not running publishes failure; Never restart policy ends the worker', () => {
  let s = newProbeState('readiness', probeSettings('readiness', {}));
  s = tick(s, T0, 'success').state;
  assert.equal(s.published, 'success');
  const b = beforeProbe(s, pod, { containerId: 'c1', running: false }, true, T0 + 10_000);
  assert.equal(b.do, 'wait');
  assert.deepEqual(b.publish, { result: 'failure', cause: 'not-running', containerId: 'c1' });
  const never = beforeProbe(s, { ...pod, restartPolicy: 'Never' }, { containerId: 'c1', running: false }, true, T0 + 10_000);
  assert.equal(never.do, 'stop');
});

test('a terminal pod ends every worker', () => {
  const s = newProbeState('readiness', probeSettings('readiness', {}));
  assert.equal(beforeProbe(s, { ...pod, terminal: true }, running(), true, T0).do, 'stop');
});

test('pod deletion: liveness/startup publish success and end; readiness keeps probing unless told to fail', () => {
  const deleting = { ...pod, deleting: true };
  let l = newProbeState('liveness', probeSettings('liveness', { failureThreshold: 1 }));
  l = tick(l, T0, 'failure').state;
  assert.equal(l.published, 'failure');
  // (On hold after a failure; a new container while deleting still ends quietly.)
  const b = beforeProbe(l, deleting, running('c2'), true, T0 + 10_000);
  assert.equal(b.do, 'stop');
  assert.equal(b.state.published, 'success');
  const r = newProbeState('readiness', probeSettings('readiness', {}));
  assert.equal(beforeProbe(r, deleting, running(), true, T0).do, 'probe');
  const rf = beforeProbe(tick(r, T0, 'success').state, deleting, running(), true, T0 + 10_000, { readinessOnTermination: 'fail' });
  assert.equal(rf.do, 'stop');
  assert.deepEqual(rf.publish, { result: 'failure', cause: 'pod-deleting', containerId: 'c1' });
});

// ---- properties -----------------------------------------------------------------------------------

const outcomes = fc.array(fc.constantFrom<ProbeOutcome>('success', 'failure', 'unknown'), { maxLength: 40 });
const kinds = fc.constantFrom<ProbeKind>('liveness', 'readiness', 'startup');
const thresholds = fc.record({ successThreshold: fc.integer({ min: 1, max: 5 }), failureThreshold: fc.integer({ min: 1, max: 5 }) });

test('property: a probe-caused publish always follows exactly `threshold` consecutive equal outcomes', () => {
  fc.assert(
    fc.property(kinds, thresholds, outcomes, (kind, th, seq) => {
      const settings = probeSettings(kind, th);
      let s = newProbeState(kind, settings);
      const decided: ProbeOutcome[] = []; // non-unknown outcomes fed since the last publish/hold
      for (const [i, o] of seq.entries()) {
        const b = beforeProbe(s, pod, running(), kind !== 'startup', T0 + i * 1000);
        s = b.state;
        if (b.do !== 'probe') continue;
        const a = afterProbe(s, o);
        s = a.state;
        if (o !== 'unknown') decided.push(o);
        if (a.publish) {
          const t = o === 'failure' ? settings.failureThreshold : settings.successThreshold;
          const tail = decided.slice(-t);
          if (tail.length < t || tail.some((x) => x !== o)) return false;
          if (a.publish.result !== o) return false;
        }
      }
      return true;
    }),
  );
});

test('property: published results never repeat, and a run below the threshold never flips them', () => {
  fc.assert(
    fc.property(kinds, thresholds, outcomes, (kind, th, seq) => {
      let s = newProbeState(kind, probeSettings(kind, th));
      let last: ProbeOutcome | undefined;
      for (const [i, o] of seq.entries()) {
        const r = tick(s, T0 + i * 1000, o, { started: kind !== 'startup' });
        s = r.state;
        for (const p of r.pubs) {
          if (p.result === last) return false;
          last = p.result;
        }
      }
      return s.published === last;
    }),
  );
});

test('property: nothing is probed before the initial delay, nor liveness/readiness before started', () => {
  fc.assert(
    fc.property(kinds, fc.integer({ min: 0, max: 60 }), fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 20 }), fc.boolean(), (kind, delay, times, started) => {
      const s = newProbeState(kind, probeSettings(kind, { initialDelaySeconds: delay }));
      for (const dt of times) {
        const b = beforeProbe(s, pod, running('c1', T0), started, T0 + dt);
        if (b.do === 'probe') {
          if (dt < delay * 1000) return false;
          if (kind !== 'startup' && !started) return false;
          if (kind === 'startup' && started) return false;
        }
        if (b.do === 'wait' && (b.nextAt <= T0 + dt || b.nextAt > T0 + dt + 10_000)) return false;
      }
      return true;
    }),
  );
});

test('property: a new container id resets the worker to its initial result and an empty run', () => {
  fc.assert(
    fc.property(kinds, thresholds, outcomes, (kind, th, seq) => {
      let s = newProbeState(kind, probeSettings(kind, th));
      for (const [i, o] of seq.entries()) s = tick(s, T0 + i * 1000, o, { started: kind !== 'startup' }).state;
      const b = beforeProbe(s, pod, running('c-new', T0 + 100_000), kind !== 'startup', T0 + 100_000);
      return (
        b.state.containerId === 'c-new' &&
        b.state.published === initialResult(kind) &&
        b.state.run === 0 &&
        b.state.onHold === false &&
        b.do === 'probe'
      );
    }),
  );
});

test('property: across restarts, stops and deletion, published results never repeat and track the state', () => {
  const event = fc.record({
    id: fc.constantFrom('c1', 'c2', 'c3', ''),
    running: fc.boolean(),
    deleting: fc.boolean(),
    started: fc.boolean(),
    outcome: fc.constantFrom<ProbeOutcome>('success', 'failure', 'unknown'),
  });
  fc.assert(
    fc.property(kinds, thresholds, fc.constantFrom<'probe' | 'fail'>('probe', 'fail'), fc.array(event, { maxLength: 40 }), (kind, th, rot, evs) => {
      let s = newProbeState(kind, probeSettings(kind, th));
      let last: ProbeOutcome | undefined;
      for (const [i, e] of evs.entries()) {
        const b = beforeProbe(s, { terminal: false, deleting: e.deleting, restartPolicy: 'Always' }, { containerId: e.id, running: e.running, startedAt: T0 }, e.started, T0 + i * 1000, {
          readinessOnTermination: rot,
        });
        const pubs = b.publish ? [b.publish] : [];
        s = b.state;
        if (b.do === 'probe') {
          const a = afterProbe(s, e.outcome);
          s = a.state;
          if (a.publish) pubs.push(a.publish);
        }
        for (const p of pubs) {
          if (p.result === last || p.containerId !== s.containerId) return false;
          last = p.result;
        }
        if (s.published !== last) return false;
      }
      return true;
    }),
  );
});
