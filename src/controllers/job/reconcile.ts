/**
 * The Job controller's decision (upstream pkg/controller/job): given a Job, the pods it controls and
 * `now`, returns the writes to perform as data and the status to write. Pure and deterministic.
 *
 * Counting (upstream's tracking with finalizers, never double-counting): every pod is created
 * with the finalizer `batch.kubernetes.io/job-tracking`. A finished pod that still carries it is
 * first recorded by uid in status.uncountedTerminatedPods (status write), then its finalizer is
 * removed; a uid in uncountedTerminatedPods whose pod has lost the finalizer (or is gone) moves
 * into the succeeded/failed counters. A pod without the finalizer is never counted again.
 *
 * Applier contract: write the status first (`statusFirst`), then the actions in order, stopping at
 * the first failure. Finalizers are therefore removed only once their uid is stored.
 */
import type { Job, JobCondition, JobStatus } from '../../api/batch/v1/index.js';
import type { V1Pod, V1PodSpec, V1Container } from '../../api/core/v1/index.js';
import { clone, isPodReady, isTerminating, ownerRefTo } from '../statefulset/pod-state.js';

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX_KEY = 'batch.kubernetes.io/job-completion-index';
/** Initial pod-failure backoff; doubles per failure up to MAX_BACKOFF_MS (upstream DefaultJobPodFailureBackOff). */
export const BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 360_000;

export type JobAction =
  | { type: 'createPod'; pod: V1Pod; index?: number }
  | { type: 'deletePod'; name: string; uid: string }
  | { type: 'removeFinalizer'; name: string; uid: string }
  /** ttlSecondsAfterFinished expired (upstream's TTL-after-finished controller): delete the Job, Foreground. */
  | { type: 'deleteJob'; uid: string }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface JobObserved {
  job: Job;
  /** Pods controlled by the Job (controller ownerReference uid matches). */
  pods: V1Pod[];
}

export interface JobResult {
  /** Write this status before performing `actions` (skipped when equal to the stored one). */
  status: JobStatus;
  actions: JobAction[];
  /** Re-run after this many ms (pod-failure backoff, activeDeadlineSeconds), if set. */
  requeueAfterMs?: number;
}

/** Parses "1,3-5" into indexes. Invalid parts are ignored. */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i - a < 1_000_000; i++) out.add(i);
  }
  return out;
}

/** Formats indexes as upstream does: ascending, consecutive runs (≥ 2) as "a-b". */
export function formatIndexes(set: Iterable<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(j === i ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function podIndex(pod: V1Pod): number | undefined {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX_KEY] ?? pod.metadata.labels?.[COMPLETION_INDEX_KEY];
  return v !== undefined && /^(0|[1-9]\d*)$/.test(v) ? Number(v) : undefined;
}

function hasFinalizer(p: V1Pod): boolean {
  return !!p.metadata.finalizers?.includes(TRACKING_FINALIZER);
}
/** Upstream: a pod counts as failed when its phase is Failed, or when it is being deleted (with the finalizer) without having succeeded. */
function podFailed(p: V1Pod): boolean {
  return p.status?.phase === 'Failed' || (isTerminating(p) && hasFinalizer(p) && p.status?.phase !== 'Succeeded');
}
function podSucceeded(p: V1Pod): boolean {
  return p.status?.phase === 'Succeeded';
}
function isActive(p: V1Pod): boolean {
  return !podFailed(p) && !podSucceeded(p) && !isTerminating(p);
}

function finishTime(p: V1Pod): number | undefined {
  let t: number | undefined;
  for (const cs of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) {
    const f = cs.state?.terminated?.finishedAt ? Date.parse(cs.state.terminated.finishedAt) : NaN;
    if (Number.isFinite(f)) t = t === undefined ? f : Math.max(t, f);
  }
  if (t !== undefined) return t;
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  const ct = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (Number.isFinite(ct)) return ct;
  const d = p.metadata.deletionTimestamp ? Date.parse(p.metadata.deletionTimestamp) : NaN;
  return Number.isFinite(d) ? d : undefined;
}

/**
 * The first podFailurePolicy rule matching a failed pod (upstream matchPodFailurePolicy), with
 * upstream's message. Exit-code rules look at terminated containers with a non-zero code
 * (optionally only `containerName`); condition rules at the pod's conditions (status default True).
 */
export function matchPodFailurePolicy(job: Job, pod: V1Pod): { action: string; index: number; message: string } | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    const action = r.action ?? 'Count';
    if (r.onExitCodes) {
      const { containerName, operator, values = [] } = r.onExitCodes;
      for (const cs of statuses) {
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0 || (containerName && cs.name !== containerName)) continue;
        const inSet = values.includes(code);
        if (operator === 'In' ? inSet : !inSet) {
          return { action, index: i, message: `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${code} matching ${action} rule at index ${i}` };
        }
      }
    }
    for (const c of r.onPodConditions ?? []) {
      if (pod.status?.conditions?.some((pc) => pc.type === c.type && pc.status === (c.status ?? 'True'))) {
        return { action, index: i, message: `Pod ${ns}/${name} has condition ${c.type} matching ${action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}

/**
 * The index of the first successPolicy rule that the completed indexes satisfy (Indexed Jobs):
 * `succeededIndexes` all done (or at least `succeededCount` of them), or `succeededCount` indexes
 * done in total.
 */
export function successPolicyMatch(job: Job, completed: ReadonlySet<number>): number | undefined {
  const rules = job.spec?.successPolicy?.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (r.succeededIndexes !== undefined) {
      const want = parseIndexes(r.succeededIndexes);
      let got = 0;
      for (const x of want) if (completed.has(x)) got++;
      if (r.succeededCount !== undefined ? got >= r.succeededCount : want.size > 0 && got === want.size) return i;
    } else if (r.succeededCount !== undefined && completed.size >= r.succeededCount) return i;
  }
  return undefined;
}

/** The delay before a new pod after `failures` consecutive failures: 10 s doubling, capped at 6 min; 0 for none. */
export function failureBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** Math.min(failures - 1, 20));
}

export function isJobFinished(job: Job): boolean {
  return !!job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function setCondition(conds: JobCondition[], type: string, status: string, reason: string, message: string, now: string): JobCondition[] {
  const i = conds.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conds[i]!;
    if (c.status === status && c.reason === reason && c.message === message) return conds;
    const next = [...conds];
    next[i] = { type, status, reason, message, lastProbeTime: now, lastTransitionTime: c.status === status ? (c.lastTransitionTime ?? now) : now };
    return next;
  }
  return [...conds, { type, status, reason, message, lastProbeTime: now, lastTransitionTime: now }];
}
function condTrue(conds: JobCondition[], type: string): JobCondition | undefined {
  return conds.find((c) => c.type === type && c.status === 'True');
}

/** Upstream's pod for a Job (and for an index when Indexed): finalizer, owner, index annotation/label/env/hostname. */
export function newJobPod(job: Job, index: number | undefined): V1Pod {
  const t = clone(job.spec?.template) ?? {};
  const spec: V1PodSpec = t.spec ?? {};
  const labels = { ...(t.metadata?.labels ?? {}) };
  const annotations = { ...(t.metadata?.annotations ?? {}) };
  const name = job.metadata.name ?? '';
  if (index !== undefined) {
    annotations[COMPLETION_INDEX_KEY] = String(index);
    labels[COMPLETION_INDEX_KEY] = String(index);
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX_KEY}']` } } };
    const addEnv = (c: V1Container) => {
      if (!(c.env ?? []).some((e) => e.name === 'JOB_COMPLETION_INDEX')) c.env = [...(c.env ?? []), env];
    };
    (spec.containers ?? []).forEach(addEnv);
    (spec.initContainers ?? []).forEach(addEnv);
    if (!spec.hostname) spec.hostname = `${name}-${index}`;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index !== undefined ? `${name}-${index}-` : `${name}-`,
      namespace: job.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers: [TRACKING_FINALIZER],
      ownerReferences: [ownerRefTo(job)],
    },
    spec,
  };
}

/** Pods to remove when too many are active: not ready first, then newest first (upstream ActivePods ranking, simplified). */
function deletionOrder(a: V1Pod, b: V1Pod): number {
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}

/**
 * One sync of a Job. Guarantees (property-tested): never more than `parallelism` active pods after
 * the actions (creations only fill up to it; extras are deleted); no pod is counted twice; at most
 * one terminal condition (Complete or Failed) and it is never removed.
 */
export function reconcileJob(obs: JobObserved, now: Date): JobResult {
  const { job } = obs;
  const nowS = now.toISOString();
  const prev = job.status ?? {};
  const actions: JobAction[] = [];
  const status: JobStatus = clone(prev);
  let conds: JobCondition[] = [...(prev.conditions ?? [])];
  const indexed = job.spec?.completionMode === 'Indexed';
  const completions = job.spec?.completions;
  const parallelism = job.spec?.parallelism ?? 1;
  const backoffLimit = job.spec?.backoffLimit ?? 6;
  const pods = obs.pods;
  const byUid = new Map(pods.map((p) => [p.metadata.uid ?? '', p]));
  let requeueAfterMs: number | undefined;
  const requeue = (ms: number) => {
    if (ms > 0) requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
  };

  // 1. Finalizer tracking.
  const uncSucc = new Set(prev.uncountedTerminatedPods?.succeeded ?? []);
  const uncFail = new Set(prev.uncountedTerminatedPods?.failed ?? []);
  let succeeded = prev.succeeded ?? 0;
  let failed = prev.failed ?? 0;
  const completed = parseIndexes(prev.completedIndexes);
  for (const uid of [...uncSucc]) {
    const p = byUid.get(uid);
    if (!p || !hasFinalizer(p)) {
      uncSucc.delete(uid);
      if (!indexed) succeeded++;
    }
  }
  for (const uid of [...uncFail]) {
    const p = byUid.get(uid);
    if (!p || !hasFinalizer(p)) {
      uncFail.delete(uid);
      failed++;
    }
  }
  const policyRules = job.spec?.podFailurePolicy?.rules ?? [];
  const ignored: V1Pod[] = [];
  let policyFailure: string | undefined;
  for (const p of pods) {
    const uid = p.metadata.uid ?? '';
    if (!hasFinalizer(p) || uncSucc.has(uid) || uncFail.has(uid)) continue;
    if (podSucceeded(p)) {
      const ix = podIndex(p);
      if (indexed && (ix === undefined || (completions !== undefined && ix >= completions))) {
        uncFail.add(uid); // an out-of-range index is not a success; upstream counts nothing, we fail-safe it
        continue;
      }
      uncSucc.add(uid);
      if (indexed && ix !== undefined) completed.add(ix);
    } else if (podFailed(p)) {
      if (policyRules.length && p.status?.phase !== 'Failed') continue; // with a podFailurePolicy, wait for the terminal phase
      const m = policyRules.length ? matchPodFailurePolicy(job, p) : undefined;
      if (m?.action === 'Ignore') {
        ignored.push(p); // never counted: the finalizer can go at once
        continue;
      }
      uncFail.add(uid);
      if (m?.action === 'FailJob' && !policyFailure) policyFailure = m.message;
    }
  }
  for (const p of ignored) actions.push({ type: 'removeFinalizer', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' });
  if (indexed) succeeded = [...completed].filter((i) => completions === undefined || i < completions).length;
  for (const p of pods) {
    const uid = p.metadata.uid ?? '';
    if (hasFinalizer(p) && (uncSucc.has(uid) || uncFail.has(uid))) actions.push({ type: 'removeFinalizer', name: p.metadata.name ?? '', uid });
  }
  status.succeeded = succeeded;
  status.failed = failed;
  status.uncountedTerminatedPods = { succeeded: [...uncSucc].sort(), failed: [...uncFail].sort() };
  if (indexed) status.completedIndexes = formatIndexes(completed);
  const totalSucceeded = indexed ? succeeded : succeeded + uncSucc.size;
  const totalFailed = failed + uncFail.size;

  const active = pods.filter(isActive);
  const terminating = pods.filter((p) => isTerminating(p) && !podSucceeded(p) && p.status?.phase !== 'Failed');
  status.ready = active.filter(isPodReady).length;
  status.terminating = terminating.length;
  const deleteAll = (list: V1Pod[]) => {
    for (const p of list) actions.push({ type: 'deletePod', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' });
  };

  // 2. Already finished: only finish tracking and clean up active pods.
  if (isJobFinished(job)) {
    deleteAll(active);
    status.active = 0;
    status.conditions = conds;
    const ttl = job.spec?.ttlSecondsAfterFinished;
    const fin = conds.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const finishedAt = Date.parse(status.completionTime ?? fin?.lastTransitionTime ?? '');
    if (ttl !== undefined && ttl !== null && Number.isFinite(finishedAt) && !job.metadata.deletionTimestamp) {
      const left = finishedAt + ttl * 1000 - now.getTime();
      if (left <= 0) actions.push({ type: 'deleteJob', uid: job.metadata.uid ?? '' });
      else return { status, actions, requeueAfterMs: left };
    }
    return { status, actions };
  }

  // 3. Pending terminal outcome (1.31+ FailureTarget / SuccessCriteriaMet): once no pod is active
  //    or terminating the terminal condition follows.
  const finishIfQuiet = (type: 'Complete' | 'Failed', reason: string, message: string, event: JobAction | undefined): JobResult => {
    deleteAll(active);
    status.active = 0;
    if (active.length === 0 && terminating.length === 0) {
      conds = setCondition(conds, type, 'True', reason, message, nowS);
      if (type === 'Complete') status.completionTime = status.completionTime ?? nowS;
      if (event) actions.push(event);
    }
    status.conditions = conds;
    return requeueAfterMs === undefined ? { status, actions } : { status, actions, requeueAfterMs };
  };
  const failureTarget = condTrue(conds, 'FailureTarget');
  if (failureTarget) return finishIfQuiet('Failed', failureTarget.reason ?? '', failureTarget.message ?? '', undefined);
  const successMet = condTrue(conds, 'SuccessCriteriaMet');
  if (successMet) return finishIfQuiet('Complete', successMet.reason ?? '', successMet.message ?? '', { type: 'event', eventType: 'Normal', reason: 'Completed', message: 'Job completed' });

  // 4. Suspend.
  if (job.spec?.suspend) {
    deleteAll(active);
    status.active = 0;
    const wasSuspended = conds.some((c) => c.type === 'Suspended' && c.status === 'True');
    conds = setCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowS);
    if (!wasSuspended) actions.push({ type: 'event', eventType: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    status.conditions = conds;
    return { status, actions };
  }
  if (conds.some((c) => c.type === 'Suspended' && c.status === 'True')) {
    conds = setCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowS);
    actions.push({ type: 'event', eventType: 'Normal', reason: 'Resumed', message: 'Job resumed' });
    status.startTime = nowS; // upstream resets startTime so activeDeadlineSeconds counts from resumption
  }
  status.startTime = status.startTime ?? nowS;

  // 5. Failure: backoff limit, then deadline.
  const failJob = (reason: string, message: string): JobResult => {
    conds = setCondition(conds, 'FailureTarget', 'True', reason, message, nowS);
    actions.push({ type: 'event', eventType: 'Warning', reason, message });
    return finishIfQuiet('Failed', reason, message, undefined);
  };
  if (policyFailure) return failJob('PodFailurePolicy', policyFailure);
  if (totalFailed > backoffLimit) return failJob('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  const ads = job.spec?.activeDeadlineSeconds;
  if (ads !== undefined) {
    const left = Date.parse(status.startTime) + ads * 1000 - now.getTime();
    if (left <= 0) return failJob('DeadlineExceeded', 'Job was active longer than specified deadline');
    requeue(left);
  }

  // 6. Success.
  const done = indexed
    ? completions !== undefined && completed.size >= completions && [...Array(completions).keys()].every((i) => completed.has(i))
    : completions !== undefined ? totalSucceeded >= completions : totalSucceeded > 0 && active.length === 0;
  const policyMatch = indexed ? successPolicyMatch(job, completed) : undefined;
  if (!done && policyMatch !== undefined) {
    conds = setCondition(conds, 'SuccessCriteriaMet', 'True', 'SuccessPolicy', `Matched rules at index ${policyMatch}`, nowS);
    return finishIfQuiet('Complete', 'SuccessPolicy', `Matched rules at index ${policyMatch}`, { type: 'event', eventType: 'Normal', reason: 'Completed', message: 'Job completed' });
  }
  if (done) {
    conds = setCondition(conds, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', nowS);
    return finishIfQuiet('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods', { type: 'event', eventType: 'Normal', reason: 'Completed', message: 'Job completed' });
  }

  // 7. Scale active pods.
  // Backoff as upstream's backoffRecord: failures after the last success, from the last failure.
  let lastSuccess = -Infinity;
  for (const p of pods) if (podSucceeded(p)) lastSuccess = Math.max(lastSuccess, finishTime(p) ?? -Infinity);
  let lastFail: number | undefined;
  let failures = 0;
  for (const p of pods) if (podFailed(p)) {
    if (policyRules.length && matchPodFailurePolicy(job, p)?.action === 'Ignore') continue; // ignored failures do not back off
    const t = finishTime(p) ?? now.getTime();
    if (t <= lastSuccess) continue;
    failures++;
    lastFail = lastFail === undefined ? t : Math.max(lastFail, t);
  }
  const backoffLeft = lastFail !== undefined ? lastFail + failureBackoffMs(failures) - now.getTime() : 0;
  const mayCreate = backoffLeft <= 0;
  if (!mayCreate) requeue(backoffLeft);

  let kept = active;
  if (indexed) {
    const byIndex = new Map<number, V1Pod[]>();
    const stray: V1Pod[] = [];
    for (const p of active) {
      const ix = podIndex(p);
      if (ix === undefined || completions === undefined || ix >= completions || completed.has(ix)) { stray.push(p); continue; }
      byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    const extra: V1Pod[] = [...stray];
    for (const list of byIndex.values()) extra.push(...[...list].sort(deletionOrder).slice(0, list.length - 1));
    kept = active.filter((p) => !extra.includes(p));
    if (kept.length > parallelism) {
      const over = [...kept].sort(deletionOrder).slice(0, kept.length - parallelism);
      extra.push(...over);
      kept = kept.filter((p) => !over.includes(p));
    }
    deleteAll(extra);
    if (mayCreate) {
      const busy = new Set(kept.map(podIndex));
      let room = parallelism - kept.length;
      for (let i = 0; completions !== undefined && i < completions && room > 0; i++) {
        if (completed.has(i) || busy.has(i)) continue;
        actions.push({ type: 'createPod', pod: newJobPod(job, i), index: i });
        room--;
      }
      status.active = kept.length + (parallelism - kept.length - room);
    } else status.active = kept.length;
  } else {
    const want = completions === undefined
      ? (totalSucceeded > 0 ? Math.min(active.length, parallelism) : parallelism)
      : Math.max(0, Math.min(parallelism, completions - totalSucceeded));
    if (active.length > want) {
      const over = [...active].sort(deletionOrder).slice(0, active.length - want);
      deleteAll(over);
      kept = active.filter((p) => !over.includes(p));
    }
    let created = 0;
    if (mayCreate) for (let i = kept.length; i < want; i++, created++) actions.push({ type: 'createPod', pod: newJobPod(job, undefined) });
    status.active = kept.length + created;
  }
  status.conditions = conds;
  return requeueAfterMs === undefined ? { status, actions } : { status, actions, requeueAfterMs };
}
