/**
 * The simulated kubelet's pod state machine, pure: `stepPod(pod, ctx)` reads a compact view of a pod
 * bound to a simulated node and says what to write next (a whole new status, or a final delete) and
 * when to look again. Everything it needs is derived from the pod itself (status times, restart
 * count, annotations), so a restarted sim continues where the last one stopped, and stepping a pod
 * whose status is already what it should be returns no write (idempotent).
 *
 * Lifecycle:
 * - Pending (no startTime) → Running: containers running and ready, conditions PodScheduled,
 *   Initialized, ContainersReady, Ready all True, podIP, hostIP, startTime.
 * - Run time: annotation `sim.flotilla.dev/run-seconds`, else `jobDurationMs` for pods owned by a
 *   Job; without either a container runs forever. `sim.flotilla.dev/fail: "true"` makes it exit 1
 *   (default run time then 1 s), otherwise it exits 0.
 * - Exit: restartPolicy Never → Succeeded (exit 0) / Failed (exit 1); OnFailure → Succeeded on
 *   exit 0, crash loop on exit 1; Always → restart (crash loop on exit 1, restart at once on 0).
 *   Crash loop: waiting CrashLoopBackOff with lastState.terminated, restartCount+1, back-off
 *   10 s doubling to 300 s, then running again.
 * - Deleting (deletionTimestamp): containers stop after min(grace, exitDelayMs), then the pod is
 *   finalized (deleted with grace 0, as the kubelet does).
 */
import type { KubeObject } from '../api/types.js';
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '../api/core/v1/pod-types.js';

export const RUN_SECONDS_ANNOTATION = 'sim.flotilla.dev/run-seconds';
export const FAIL_ANNOTATION = 'sim.flotilla.dev/fail';
/** Crash-loop back-off: 10 s doubling, capped at 5 minutes (kubelet's values). */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

/** Only what the state machine reads: kept per pod by the sim instead of whole objects. */
export interface SimPod {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** Milliseconds each container run lasts; undefined: forever. */
  runMs: number | undefined;
  fail: boolean;
  containers: { name: string; image: string }[];
  initContainers: { name: string; image: string }[];
  deletionTimestamp: string | undefined;
  deletionGracePeriodSeconds: number | undefined;
  status: V1PodStatus;
}

export interface StepContext {
  now: Date;
  /** Pod IP (only read when the pod starts). */
  podIP: () => string;
  hostIP: string;
  /** Run time of Job pods without a run-seconds annotation. */
  jobDurationMs: number;
  /** How long simulated containers take to stop after a delete (capped by the grace period). */
  exitDelayMs: number;
}

export interface PodStep {
  /** The complete new status to write (through pods/status), when it differs from the current one. */
  status?: V1PodStatus;
  /** Delete the pod with gracePeriodSeconds 0 (kubelet's final delete). */
  finalize?: boolean;
  /** Epoch ms at which to step the pod again (absent: only on the next change). */
  nextAt?: number;
}

/** The compact view of a pod object (see SimPod). */
export function toSimPod(obj: KubeObject, jobDurationMs: number): SimPod {
  const pod = obj as V1Pod;
  const spec = pod.spec ?? {};
  const ann = pod.metadata.annotations ?? {};
  const fail = ann[FAIL_ANNOTATION] === 'true';
  const isJob = (pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.apiVersion.startsWith('batch/'));
  const rs = ann[RUN_SECONDS_ANNOTATION];
  let runMs: number | undefined;
  if (rs !== undefined && rs !== '' && Number.isFinite(Number(rs)) && Number(rs) >= 0) runMs = Number(rs) * 1000;
  else if (isJob) runMs = jobDurationMs;
  else if (fail) runMs = 1000;
  const rp = spec.restartPolicy === 'Never' || spec.restartPolicy === 'OnFailure' ? spec.restartPolicy : 'Always';
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
    nodeName: spec.nodeName ?? '',
    restartPolicy: rp,
    runMs,
    fail,
    containers: (spec.containers ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' })),
    initContainers: (spec.initContainers ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' })),
    deletionTimestamp: pod.metadata.deletionTimestamp,
    deletionGracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds,
    status: compactStatus(pod.status ?? {}),
  };
}

/**
 * Only the status fields stepPod reads (a sim with 150,000 pods keeps one of these per pod):
 * phase, times, IPs, QoS class, condition types/statuses/transition times, and the first
 * container's state (all containers of a simulated pod share one fate).
 */
function compactStatus(s: V1PodStatus): V1PodStatus {
  const out: V1PodStatus = {};
  if (s.phase) out.phase = s.phase;
  if (s.startTime) out.startTime = s.startTime;
  if (s.podIP) out.podIP = s.podIP;
  if (s.qosClass) out.qosClass = s.qosClass;
  if (s.conditions) out.conditions = s.conditions.map((c) => ({ type: c.type, status: c.status, ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}) }));
  const cs = s.containerStatuses?.[0];
  if (cs) out.containerStatuses = [{ ready: cs.ready, restartCount: cs.restartCount, state: cs.state, lastState: cs.lastState }];
  return out;
}

const iso = (d: Date | number) => new Date(d).toISOString().replace(/\.\d+Z$/, 'Z');
const ms = (s: string | undefined) => (s ? Date.parse(s) : NaN);

export function backoffMs(restartCount: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.max(0, restartCount - 1));
}

/** 64 hex digits derived from `s` (FNV-1a with eight seeds): fake digests and container ids. */
function hex64(s: string): string {
  let out = '';
  for (let seed = 0; seed < 8; seed++) {
    let h = (0x811c9dc5 ^ seed) >>> 0;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

function imageID(image: string): string {
  return `${image.split('@')[0]}@sha256:${hex64(image)}`;
}

function containerID(pod: SimPod, name: string, restart: number): string {
  return `sim://${hex64(`${pod.uid}/${name}/${restart}`)}`;
}

function conditions(prev: V1PodCondition[] | undefined, ready: boolean, now: string): V1PodCondition[] {
  const want: Array<[string, boolean]> = [
    ['PodReadyToStartContainers', true],
    ['Initialized', true],
    ['Ready', ready],
    ['ContainersReady', ready],
    ['PodScheduled', true],
  ];
  return want.map(([type, ok]) => {
    const old = prev?.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    const cond: V1PodCondition = {
      type,
      status,
      lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : now,
    };
    if (!ok && (type === 'Ready' || type === 'ContainersReady')) {
      cond.reason = 'ContainersNotReady';
      cond.message = `containers with unready status: [${'{names}'}]`;
    }
    return cond;
  });
}

function baseStatus(pod: SimPod, ctx: StepContext): V1PodStatus {
  const s = pod.status;
  const podIP = s.podIP || ctx.podIP();
  return {
    phase: 'Running',
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: s.startTime ?? iso(ctx.now),
    qosClass: s.qosClass,
  };
}

function initStatuses(pod: SimPod, startedAt: string): V1ContainerStatus[] | undefined {
  if (!pod.initContainers.length) return undefined;
  return pod.initContainers.map((c) => ({
    name: c.name,
    image: c.image,
    imageID: imageID(c.image),
    containerID: containerID(pod, c.name, 0),
    ready: true,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: startedAt, containerID: containerID(pod, c.name, 0) } },
  }));
}

function withNames(conds: V1PodCondition[], pod: SimPod): V1PodCondition[] {
  const names = pod.containers.map((c) => c.name).join(' ');
  return conds.map((c) => (c.message ? { ...c, message: c.message.replace('{names}', names) } : c));
}

/** Drops keys whose value is undefined (so statuses compare and serialize cleanly). */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function runningStatus(pod: SimPod, ctx: StepContext, startedAt: string, restartCount: number, lastState: V1ContainerStatus['lastState']): V1PodStatus {
  const now = iso(ctx.now);
  return clean({
    ...baseStatus(pod, ctx),
    conditions: conditions(pod.status.conditions, true, now),
    initContainerStatuses: initStatuses(pod, pod.status.startTime ?? now),
    containerStatuses: pod.containers.map((c) =>
      clean({
        name: c.name,
        image: c.image,
        imageID: imageID(c.image),
        containerID: containerID(pod, c.name, restartCount),
        ready: true,
        started: true,
        restartCount,
        state: { running: { startedAt } },
        lastState: lastState ?? {},
      }),
    ),
  });
}

function terminatedState(pod: SimPod, c: { name: string }, exitCode: number, startedAt: string, finishedAt: string, restart: number) {
  return {
    terminated: {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt,
      containerID: containerID(pod, c.name, restart),
    },
  };
}

/** Decides the next write for `pod` at `ctx.now` (see module comment). */
export function stepPod(pod: SimPod, ctx: StepContext): PodStep {
  const now = ctx.now.getTime();
  const s = pod.status;

  if (pod.deletionTimestamp) {
    const grace = Math.max(0, pod.deletionGracePeriodSeconds ?? 0) * 1000;
    const requested = ms(pod.deletionTimestamp) - grace;
    const at = Number.isFinite(requested) ? requested + Math.min(grace, ctx.exitDelayMs) : now;
    return at <= now ? { finalize: true } : { nextAt: at };
  }
  if (s.phase === 'Succeeded' || s.phase === 'Failed') return {};

  const cs = s.containerStatuses?.[0];
  if (!s.startTime || s.phase !== 'Running' || !cs) {
    return { status: runningStatus(pod, ctx, iso(now), cs?.restartCount ?? 0, undefined), ...(pod.runMs !== undefined ? { nextAt: now + pod.runMs } : {}) };
  }
  const restarts = cs.restartCount ?? 0;

  if (cs.state?.running) {
    // Someone else marked the pod not ready (the node controller while the node was unreachable):
    // a live kubelet reports it ready again.
    const readyCond = s.conditions?.find((c) => c.type === 'Ready');
    if (readyCond?.status !== 'True' || cs.ready !== true) {
      const started = cs.state.running.startedAt ?? iso(now);
      const exitAt = pod.runMs === undefined ? undefined : (Number.isFinite(ms(started)) ? ms(started) : now) + pod.runMs;
      if (exitAt === undefined || exitAt > now) {
        return { status: runningStatus(pod, ctx, started, restarts, cs.lastState), ...(exitAt !== undefined ? { nextAt: exitAt } : {}) };
      }
    }
    if (pod.runMs === undefined) return {};
    const started = ms(cs.state.running.startedAt);
    const exitAt = (Number.isFinite(started) ? started : now) + pod.runMs;
    if (exitAt > now) return { nextAt: exitAt };
    const exitCode = pod.fail ? 1 : 0;
    const startedAt = cs.state.running.startedAt ?? iso(exitAt);
    const finishedAt = iso(exitAt);
    const restart = pod.restartPolicy === 'Always' || (pod.restartPolicy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      return {
        status: clean({
          ...baseStatus(pod, ctx),
          phase: exitCode === 0 ? 'Succeeded' : 'Failed',
          conditions: withNames(conditions(s.conditions, false, iso(now)), pod).map((c) =>
            c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, reason: 'PodCompleted', message: undefined } : c,
          ).map((c) => clean(c)),
          initContainerStatuses: initStatuses(pod, s.startTime),
          containerStatuses: pod.containers.map((c) => ({
            name: c.name,
            image: c.image,
            imageID: imageID(c.image),
            containerID: containerID(pod, c.name, restarts),
            ready: false,
            started: false,
            restartCount: restarts,
            state: terminatedState(pod, c, exitCode, startedAt, finishedAt, restarts),
            lastState: {},
          })),
        }),
      };
    }
    if (exitCode === 0) {
      // A clean exit under restartPolicy Always: the kubelet restarts at once.
      return {
        status: runningStatus(pod, ctx, iso(now), restarts + 1, terminatedState(pod, pod.containers[0] ?? { name: '' }, 0, startedAt, finishedAt, restarts)),
        nextAt: now + pod.runMs,
      };
    }
    const next = restarts + 1;
    return {
      status: clean({
        ...baseStatus(pod, ctx),
        conditions: withNames(conditions(s.conditions, false, iso(now)), pod),
        initContainerStatuses: initStatuses(pod, s.startTime),
        containerStatuses: pod.containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: imageID(c.image),
          containerID: containerID(pod, c.name, restarts),
          ready: false,
          started: false,
          restartCount: next,
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoffMs(next) / 1000)}s restarting failed container=${c.name} pod=${pod.name}_${pod.namespace}(${pod.uid})` } },
          lastState: terminatedState(pod, c, exitCode, startedAt, finishedAt, restarts),
        })),
      }),
      nextAt: exitAt + backoffMs(next),
    };
  }

  if (cs.state?.waiting) {
    const finished = ms(cs.lastState?.terminated?.finishedAt);
    const restartAt = (Number.isFinite(finished) ? finished : now) + backoffMs(restarts);
    if (restartAt > now) return { nextAt: restartAt };
    return {
      status: runningStatus(pod, ctx, iso(now), restarts, cs.lastState),
      ...(pod.runMs !== undefined ? { nextAt: now + pod.runMs } : {}),
    };
  }
  // Terminated container in a Running pod (written by someone else): start it again.
  return { status: runningStatus(pod, ctx, iso(now), restarts + 1, cs.state), ...(pod.runMs !== undefined ? { nextAt: now + pod.runMs } : {}) };
}
