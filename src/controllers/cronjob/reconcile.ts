/**
 * The CronJob controller's decision (upstream pkg/controller/cronjob, syncCronJob): given a CronJob,
 * the Jobs it controls and `now`, returns the writes to perform as data, the status to write and
 * when to run again. Pure and deterministic (cron-parser does the calendar arithmetic, in
 * spec.timeZone or UTC).
 *
 * Idempotency: a Job's name is derived from its scheduled time (`<cronjob>-<minutes since epoch>`),
 * so creating it twice yields AlreadyExists, which the applier treats as success. The active list
 * only gains Jobs seen in the informer cache, so a ref whose Job is absent from the cache was
 * deleted (watch order) and is dropped.
 *
 * Applier contract: perform actions in order (stop at the first failure), then write the status.
 */
import { CronExpressionParser } from 'cron-parser';
import type { CronJob, CronJobStatus, Job } from '../../api/batch/v1/index.js';
import { clone, ownerRefTo } from '../statefulset/pod-state.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** More missed start times than this produce the TooManyMissedTimes warning. */
export const MAX_MISSED = 100;

export type CronJobAction =
  | { type: 'createJob'; job: Job }
  | { type: 'deleteJob'; name: string; uid: string }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface CronJobObserved {
  cronJob: CronJob;
  /** Jobs controlled by the CronJob. */
  jobs: Job[];
}

export interface CronJobResult {
  actions: CronJobAction[];
  status: CronJobStatus;
  /** Run again after this many ms (the next scheduled time), if set. */
  requeueAfterMs?: number;
}

type ActiveRef = NonNullable<CronJobStatus['active']>[number];

/** Upstream getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobNameFor(cronJobName: string, scheduled: Date): string {
  return `${cronJobName}-${Math.floor(scheduled.getTime() / 60000)}`;
}

/** RFC 3339 in `tz` (Go's time.RFC3339 of scheduledTime.In(location)): `2026-01-01T09:00:00+01:00`. */
export function formatInZone(t: Date, tz: string | undefined): string {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(t);
  const g = (k: string) => parts.find((p) => p.type === k)?.value ?? '00';
  const local = Date.UTC(Number(g('year')), Number(g('month')) - 1, Number(g('day')), Number(g('hour')), Number(g('minute')), Number(g('second')));
  const offMin = Math.round((local - Math.floor(t.getTime() / 1000) * 1000) / 60000);
  if (offMin === 0) return `${g('year')}-${g('month')}-${g('day')}T${g('hour')}:${g('minute')}:${g('second')}Z`;
  const sign = offMin < 0 ? '-' : '+';
  const a = Math.abs(offMin);
  return `${g('year')}-${g('month')}-${g('day')}T${g('hour')}:${g('minute')}:${g('second')}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c ? (c.type as 'Complete' | 'Failed') : undefined;
}

/** The next scheduled time strictly after `after`. */
export function nextSchedule(schedule: string, tz: string | undefined, after: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: tz ?? 'UTC' }).next().toDate();
}

/**
 * upstream mostRecentScheduleTime: the latest scheduled time in (earliest, now], and how many
 * scheduled times fell in that window (counted exactly up to a cap, then estimated from the
 * interval as upstream does).
 */
export function mostRecentScheduleTime(schedule: string, tz: string | undefined, earliest: Date, now: Date): { time?: Date; missed: number } {
  const it = CronExpressionParser.parse(schedule, { currentDate: earliest, tz: tz ?? 'UTC' });
  let last: Date | undefined;
  let missed = 0;
  const CAP = 1000;
  while (missed <= CAP) {
    const t = it.next().toDate();
    if (t.getTime() > now.getTime()) return { time: last, missed };
    last = t;
    missed++;
  }
  // Past the cap: the most recent time comes from walking back from now; the count is estimated.
  const recent = CronExpressionParser.parse(schedule, { currentDate: new Date(now.getTime() + 1), tz: tz ?? 'UTC' }).prev().toDate();
  const first = CronExpressionParser.parse(schedule, { currentDate: earliest, tz: tz ?? 'UTC' });
  const t1 = first.next().toDate().getTime();
  const t2 = first.next().toDate().getTime();
  const interval = Math.max(1, t2 - t1);
  return { time: recent, missed: Math.floor((now.getTime() - t1) / interval) + 1 };
}

function refOf(job: Job): ActiveRef {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

/** The Job for `scheduled` (upstream getJobFromTemplate2). */
export function newJob(cj: CronJob, scheduled: Date): Job {
  const tpl = clone(cj.spec?.jobTemplate) ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj.metadata.name ?? '', scheduled),
      namespace: cj.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations: { ...(tpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduled, cj.spec?.timeZone) },
      ownerReferences: [ownerRefTo(cj)],
    },
    spec: tpl.spec ?? {},
  };
}

function iso(t: Date): string {
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One sync of a CronJob. Guarantees (tested): at most one Job is created per call, for the most
 * recent scheduled time ≤ now not yet handled; never one while suspended; with Forbid never one
 * while another is active; with Replace the active ones are deleted first; a start later than
 * startingDeadlineSeconds is skipped (MissSchedule).
 */
export function reconcileCronJob(obs: CronJobObserved, now: Date): CronJobResult {
  const cj = obs.cronJob;
  const actions: CronJobAction[] = [];
  const status: CronJobStatus = clone(cj.status) ?? {};
  const ev = (eventType: 'Normal' | 'Warning', reason: string, message: string) => actions.push({ type: 'event', eventType, reason, message });
  const byUid = new Map(obs.jobs.map((j) => [j.metadata.uid ?? '', j]));

  // 1. Active list and last success from the cache.
  let active: ActiveRef[] = [];
  for (const ref of status.active ?? []) {
    const j = byUid.get(ref.uid ?? '');
    if (!j) {
      ev('Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      continue;
    }
    const fin = jobFinished(j);
    if (fin) ev('Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${fin}`);
    else active.push(ref);
  }
  for (const j of obs.jobs) {
    if (!jobFinished(j) && !active.some((r) => r.uid === j.metadata.uid)) active.push(refOf(j));
    if (jobFinished(j) === 'Complete' && j.status?.completionTime) {
      if (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime)) status.lastSuccessfulTime = j.status.completionTime;
    }
  }
  active.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  status.active = active;

  const finish = (requeueAfterMs?: number): CronJobResult => {
    cleanupHistory(cj, obs.jobs, actions);
    if (!status.active?.length) delete status.active;
    return requeueAfterMs === undefined ? { actions, status } : { actions, status, requeueAfterMs };
  };
  if (cj.metadata.deletionTimestamp) return { actions, status };

  const tz = cj.spec?.timeZone;
  if (tz && !validZone(tz)) {
    ev('Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}"`);
    return finish();
  }
  const schedule = cj.spec?.schedule ?? '';
  let next: Date;
  try {
    next = nextSchedule(schedule, tz, now);
  } catch (e) {
    ev('Warning', 'UnparseableSchedule', `unparseable schedule: "${schedule}" : ${e instanceof Error ? e.message : String(e)}`);
    return finish();
  }
  const requeue = next.getTime() - now.getTime() + 100;
  if (cj.spec?.suspend) return finish();

  // 2. The most recent unmet schedule time.
  let earliest = new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null) {
    const deadline = new Date(now.getTime() - sds * 1000);
    if (deadline > earliest) earliest = deadline;
  }
  if (earliest > now) return finish(requeue);
  const { time: scheduled, missed } = mostRecentScheduleTime(schedule, tz, earliest, now);
  if (missed > MAX_MISSED) ev('Warning', 'TooManyMissedTimes', `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
  if (!scheduled) return finish(requeue);
  if (sds !== undefined && sds !== null && scheduled.getTime() + sds * 1000 < now.getTime()) {
    ev('Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatInZone(scheduled, tz)}`);
    return finish(requeue);
  }
  const name = jobNameFor(cj.metadata.name ?? '', scheduled);
  if (obs.jobs.some((j) => j.metadata.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) >= scheduled.getTime())) return finish(requeue);

  // 3. Concurrency policy.
  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length) {
    ev('Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return finish(requeue);
  }
  if (policy === 'Replace') {
    for (const ref of active) {
      actions.push({ type: 'deleteJob', name: ref.name ?? '', uid: ref.uid ?? '' });
      ev('Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
    }
    active = [];
    status.active = active;
  }

  // 4. Create.
  actions.push({ type: 'createJob', job: newJob(cj, scheduled) });
  ev('Normal', 'SuccessfulCreate', `Created job ${name}`);
  status.lastScheduleTime = iso(scheduled);
  return finish(requeue);
}

/** upstream cleanupFinishedJobs: oldest finished Jobs beyond the history limits go (by start time). */
function cleanupHistory(cj: CronJob, jobs: Job[], actions: CronJobAction[]): void {
  const succLimit = cj.spec?.successfulJobsHistoryLimit;
  const failLimit = cj.spec?.failedJobsHistoryLimit;
  const start = (j: Job) => j.status?.startTime ?? j.metadata.creationTimestamp ?? '';
  const order = (a: Job, b: Job) => start(a).localeCompare(start(b)) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  const prune = (kind: 'Complete' | 'Failed', limit: number | undefined) => {
    if (limit === undefined || limit === null) return;
    const done = jobs.filter((j) => jobFinished(j) === kind && !j.metadata.deletionTimestamp).sort(order);
    for (const j of done.slice(0, Math.max(0, done.length - limit))) {
      actions.push({ type: 'deleteJob', name: j.metadata.name ?? '', uid: j.metadata.uid ?? '' });
      actions.push({ type: 'event', eventType: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${j.metadata.name}` });
    }
  };
  prune('Complete', succLimit);
  prune('Failed', failLimit);
}
