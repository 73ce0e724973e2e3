/**
 * The decision logic of one probe worker (kubelet's pkg/kubelet/prober/worker.go doProbe), as pure
 * functions: one worker per (pod uid, container name, probe kind). Time is an input (milliseconds
 * since the epoch); nothing here does I/O or reads a clock.
 *
 * A tick goes in two halves: `beforeProbe` looks at the pod and the container and says whether to run
 * the probe now (and when to tick next); the caller runs the probe and hands the outcome to
 * `afterProbe`. Both may publish a new result for the container; a result is published only when it
 * differs from the one published last (per worker), so every `publish` is a real change.
 *
 * Upstream semantics kept here:
 * - initial results: readiness `failure` (not ready until the first success), liveness `success`
 *   (alive until proven dead), startup `unknown`; set again for every new container id;
 * - a result changes only after `successThreshold` / `failureThreshold` consecutive equal outcomes;
 *   `unknown` outcomes (prober errors) are thrown away and do not break a run;
 * - nothing is probed before `initialDelaySeconds` after the container started;
 * - startup gates the others: liveness and readiness do not run until the container has started
 *   (its startup probe succeeded); the startup probe does not run once it has;
 * - after liveness publishes `failure`, or startup publishes anything, the worker holds until a new
 *   container id appears (the container is being restarted; probing it meanwhile only adds noise);
 * - a container that is not running publishes `failure`; the worker ends when it exited for good
 *   (restartPolicy Never) or the pod is terminal (Succeeded/Failed);
 * - once the pod is being deleted, liveness and startup publish `success` and end (a quiet
 *   shutdown); readiness keeps probing, as upstream does (endpoints use it for terminating pods), or
 *   publishes `failure` at once when the caller asks for `readinessOnTermination: 'fail'`.
 */
import type { V1Probe } from '../../api/core/v1/pod-types.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeOutcome = 'success' | 'failure' | 'unknown';

/** A probe's timing and thresholds with upstream's defaults applied. */
export interface ProbeSettings {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  /** Probe-level override of the pod's grace period, used when a liveness/startup failure kills. */
  terminationGracePeriodSeconds?: number;
}

export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

const positive = (v: number | undefined, d: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : d);

/**
 * Applies upstream's defaults (period 10 s, timeout 1 s, success 1, failure 3, delay 0). Values below
 * the API minimum (1; 0 for the delay) fall back to the default. Liveness and startup probes always
 * use a success threshold of 1 (validation rejects anything else; we do not trust it twice).
 */
export function probeSettings(kind: ProbeKind, probe: V1Probe): ProbeSettings {
  const s: ProbeSettings = {
    initialDelaySeconds:
      typeof probe.initialDelaySeconds === 'number' && probe.initialDelaySeconds > 0 ? Math.floor(probe.initialDelaySeconds) : 0,
    periodSeconds: positive(probe.periodSeconds, PROBE_DEFAULTS.periodSeconds),
    timeoutSeconds: positive(probe.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds),
    successThreshold: kind === 'readiness' ? positive(probe.successThreshold, PROBE_DEFAULTS.successThreshold) : 1,
    failureThreshold: positive(probe.failureThreshold, PROBE_DEFAULTS.failureThreshold),
  };
  if (kind !== 'readiness' && typeof probe.terminationGracePeriodSeconds === 'number' && probe.terminationGracePeriodSeconds >= 0)
    s.terminationGracePeriodSeconds = Math.floor(probe.terminationGracePeriodSeconds);
  return s;
}

/** The result a worker publishes for a container it has not probed yet. */
export function initialResult(kind: ProbeKind): ProbeOutcome {
  return kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
}

/** What a worker remembers between ticks. Treat as immutable: every function returns a new one. */
export interface ProbeState {
  readonly kind: ProbeKind;
  readonly settings: ProbeSettings;
  /** The container the published result belongs to; undefined before one was seen. */
  readonly containerId: string | undefined;
  /** The result last published; undefined before any container was seen. */
  readonly published: ProbeOutcome | undefined;
  /** The last non-unknown outcome and how many times in a row it came. */
  readonly lastOutcome: ProbeOutcome | undefined;
  readonly run: number;
  /** Holding until a new container id (after a liveness failure or a startup verdict). */
  readonly onHold: boolean;
}

export function newProbeState(kind: ProbeKind, settings: ProbeSettings): ProbeState {
  return { kind, settings, containerId: undefined, published: undefined, lastOutcome: undefined, run: 0, onHold: false };
}

/** The container as the pod worker last reported it. */
export interface ContainerView {
  /** Empty or undefined while the container does not exist yet. */
  containerId?: string;
  running: boolean;
  /** When the current container started (ms since the epoch); required when running. */
  startedAt?: number;
}

/** The parts of the pod a worker looks at. */
export interface PodView {
  /** Phase Succeeded or Failed. */
  terminal: boolean;
  /** metadata.deletionTimestamp is set. */
  deleting: boolean;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
}

export type PublishCause = 'new-container' | 'not-running' | 'pod-deleting' | 'probe';

export interface Publish {
  result: ProbeOutcome;
  cause: PublishCause;
  containerId: string;
}

export type BeforeProbe =
  /** Do not probe now; tick again at `nextAt`. */
  | { do: 'wait'; state: ProbeState; publish?: Publish; nextAt: number; why: WaitReason }
  /** Run the probe now, hand its outcome to afterProbe, and tick again at `nextAt`. */
  | { do: 'probe'; state: ProbeState; publish?: Publish; nextAt: number }
  /** The worker is done for good (the caller drops its timer). */
  | { do: 'stop'; state: ProbeState; publish?: Publish };

export type WaitReason = 'no-container' | 'on-hold' | 'not-running' | 'initial-delay' | 'not-started' | 'already-started';

export interface BeforeProbeOptions {
  /** What readiness does while the pod is being deleted (default 'probe', as upstream). */
  readinessOnTermination?: 'probe' | 'fail';
}

function publishIfChanged(state: ProbeState, result: ProbeOutcome, cause: PublishCause): { state: ProbeState; publish?: Publish } {
  if (state.published === result || state.containerId === undefined) return { state };
  return { state: { ...state, published: result }, publish: { result, cause, containerId: state.containerId } };
}

/**
 * First half of a tick at time `now`. `started` says whether the container has started (no startup
 * probe, or its startup probe published success for this container): it gates liveness/readiness.
 * `nextAt` is `now + period`, or the end of the initial delay when that comes first.
 */
export function beforeProbe(
  state: ProbeState,
  pod: PodView,
  container: ContainerView,
  started: boolean,
  now: number,
  opts: BeforeProbeOptions = {},
): BeforeProbe {
  const periodMs = state.settings.periodSeconds * 1000;
  const next = now + periodMs;
  if (pod.terminal) return { do: 'stop', state };

  const id = container.containerId || undefined;
  if (id === undefined) return { do: 'wait', state, nextAt: next, why: 'no-container' };

  // Several changes may happen in one tick (a new container that is not running yet): only the
  // final value is published, and only when it differs from what was published before.
  const prev = state.published;
  let s = state;
  let cause: PublishCause = 'probe';
  const set = (result: ProbeOutcome, why: PublishCause) => {
    if (s.published === result) return;
    s = { ...s, published: result };
    cause = why;
  };
  const out = (): Publish | undefined =>
    s.published !== undefined && s.published !== prev ? { result: s.published, cause, containerId: id } : undefined;

  if (s.containerId !== id) {
    // A new container: forget everything about the old one, start from the initial result.
    s = { ...newProbeState(s.kind, s.settings), containerId: id, published: prev };
    set(initialResult(s.kind), 'new-container');
  }
  if (s.onHold) return { do: 'wait', state: s, publish: out(), nextAt: next, why: 'on-hold' };

  if (!container.running) {
    set('failure', 'not-running');
    // The container exited; it will not come back when the pod never restarts containers.
    if (pod.restartPolicy === 'Never') return { do: 'stop', state: s, publish: out() };
    return { do: 'wait', state: s, publish: out(), nextAt: next, why: 'not-running' };
  }

  if (pod.deleting) {
    if (s.kind === 'liveness' || s.kind === 'startup') {
      set('success', 'pod-deleting');
      return { do: 'stop', state: s, publish: out() };
    }
    if (opts.readinessOnTermination === 'fail') {
      set('failure', 'pod-deleting');
      return { do: 'stop', state: s, publish: out() };
    }
  }

  const publish = out();
  const delayEnd = (container.startedAt ?? now) + s.settings.initialDelaySeconds * 1000;
  if (now < delayEnd) return { do: 'wait', state: s, publish, nextAt: Math.min(next, delayEnd), why: 'initial-delay' };

  if (s.kind === 'startup' && started) return { do: 'wait', state: s, publish, nextAt: next, why: 'already-started' };
  if (s.kind !== 'startup' && !started) return { do: 'wait', state: s, publish, nextAt: next, why: 'not-started' };

  return { do: 'probe', state: s, publish, nextAt: next };
}

/**
 * Second half of a tick: counts the outcome of the probe run for `state.containerId` and publishes
 * when the run reaches its threshold. `unknown` (the prober could not decide) is thrown away.
 */
export function afterProbe(state: ProbeState, outcome: ProbeOutcome): { state: ProbeState; publish?: Publish } {
  if (outcome === 'unknown' || state.containerId === undefined) return { state };
  const run = state.lastOutcome === outcome ? state.run + 1 : 1;
  let s: ProbeState = { ...state, lastOutcome: outcome, run };
  const threshold = outcome === 'failure' ? s.settings.failureThreshold : s.settings.successThreshold;
  if (run < threshold) return { state: s };
  const r = publishIfChanged(s, outcome, 'probe');
  s = r.state;
  if ((s.kind === 'liveness' && outcome === 'failure') || s.kind === 'startup') s = { ...s, onHold: true, run: 0 };
  return { state: s, publish: r.publish };
}
