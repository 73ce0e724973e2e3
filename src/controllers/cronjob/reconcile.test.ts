import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CronJob, Job } from '../../api/batch/v1/index.js';
import { SCHEDULED_TIMESTAMP_ANNOTATION, formatInZone, jobNameFor, mostRecentScheduleTime, reconcileCronJob, type CronJobAction } from './reconcile.js';

const T = (s: string) => new Date(s);

function cj(over: Partial<NonNullable<CronJob['spec']>> = {}, status: CronJob['status'] = {}, created = '2026-01-01T00:00:00Z'): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: created },
    spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } }, ...over },
    status,
  };
}
function job(name: string, state: 'active' | 'Complete' | 'Failed', start = '2026-01-01T00:00:00Z', completion?: string): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true }] },
    status: state === 'active' ? { active: 1, startTime: start } : { startTime: start, ...(completion ? { completionTime: completion } : {}), conditions: [{ type: state, status: 'True' }] },
  };
}
const creates = (a: CronJobAction[]) => a.flatMap((x) => (x.type === 'createJob' ? [x.job.metadata.name] : []));
const deletes = (a: CronJobAction[]) => a.flatMap((x) => (x.type === 'deleteJob' ? [x.name] : []));
const events = (a: CronJobAction[]) => a.flatMap((x) => (x.type === 'event' ? [x.reason] : []));

test('job name is <cronjob>-<minutes since epoch>; annotation in the time zone', () => {
  assert.equal(jobNameFor('hello', T('2026-01-01T00:05:00Z')), `hello-${Date.parse('2026-01-01T00:05:00Z') / 60000}`);
  assert.equal(formatInZone(T('2026-01-01T08:00:00Z'), 'Europe/Paris'), '2026-01-01T09:00:00+01:00');
  assert.equal(formatInZone(T('2026-07-01T08:00:00Z'), 'America/New_York'), '2026-07-01T04:00:00-04:00');
  assert.equal(formatInZone(T('2026-01-01T08:00:00Z'), undefined), '2026-01-01T08:00:00Z');
});

test('table: scheduling decisions', () => {
  const cases: { name: string; cj: CronJob; jobs?: Job[]; now: string; creates: string[]; deletes?: string[]; events?: string[]; requeue?: number; lastSchedule?: string }[] = [
    { name: 'before the first time: requeue', cj: cj(), now: '2026-01-01T00:03:00Z', creates: [], requeue: 120_100 },
    { name: 'at the time: create', cj: cj(), now: '2026-01-01T00:05:00Z', creates: [jobNameFor('hello', T('2026-01-01T00:05:00Z'))], events: ['SuccessfulCreate'], requeue: 300_100, lastSchedule: '2026-01-01T00:05:00Z' },
    { name: 'late: the most recent time only', cj: cj(), now: '2026-01-01T00:17:00Z', creates: [jobNameFor('hello', T('2026-01-01T00:15:00Z'))], lastSchedule: '2026-01-01T00:15:00Z' },
    { name: 'already scheduled', cj: cj({}, { lastScheduleTime: '2026-01-01T00:05:00Z' }), now: '2026-01-01T00:06:00Z', creates: [] },
    { name: 'suspended', cj: cj({ suspend: true }), now: '2026-01-01T00:05:00Z', creates: [] },
    // As upstream: the window starts at now - startingDeadlineSeconds, so the 00:05 start is simply not considered.
    { name: 'starting deadline missed', cj: cj({ startingDeadlineSeconds: 30 }), now: '2026-01-01T00:06:00Z', creates: [], events: [], requeue: 240_100 },
    { name: 'starting deadline met', cj: cj({ startingDeadlineSeconds: 120 }), now: '2026-01-01T00:06:00Z', creates: [jobNameFor('hello', T('2026-01-01T00:05:00Z'))] },
    { name: 'Forbid with an active job', cj: cj({ concurrencyPolicy: 'Forbid' }, { lastScheduleTime: '2026-01-01T00:00:00Z' }), jobs: [job('hello-a', 'active')], now: '2026-01-01T00:05:00Z', creates: [], events: ['JobAlreadyActive'] },
    { name: 'Allow with an active job', cj: cj({}, { lastScheduleTime: '2026-01-01T00:00:00Z' }), jobs: [job('hello-a', 'active')], now: '2026-01-01T00:05:00Z', creates: [jobNameFor('hello', T('2026-01-01T00:05:00Z'))] },
    { name: 'Replace deletes the active job first', cj: cj({ concurrencyPolicy: 'Replace' }, { lastScheduleTime: '2026-01-01T00:00:00Z' }), jobs: [job('hello-a', 'active')], now: '2026-01-01T00:05:00Z', creates: [jobNameFor('hello', T('2026-01-01T00:05:00Z'))], deletes: ['hello-a'], events: ['SuccessfulDelete', 'SuccessfulCreate'] },
    { name: 'too many missed start times', cj: cj({ schedule: '* * * * *' }), now: '2026-01-01T03:00:00Z', creates: [jobNameFor('hello', T('2026-01-01T03:00:00Z'))], events: ['TooManyMissedTimes', 'SuccessfulCreate'] },
    { name: 'time zone', cj: cj({ schedule: '0 9 * * *', timeZone: 'Europe/Paris' }), now: '2026-01-01T08:00:00Z', creates: [jobNameFor('hello', T('2026-01-01T08:00:00Z'))] },
    { name: 'unknown time zone', cj: cj({ timeZone: 'Mars/Olympus' }), now: '2026-01-01T00:05:00Z', creates: [], events: ['UnknownTimeZone'] },
    { name: 'unparseable schedule', cj: cj({ schedule: 'not a schedule' }), now: '2026-01-01T00:05:00Z', creates: [], events: ['UnparseableSchedule'] },
  ];
  for (const c of cases) {
    const r = reconcileCronJob({ cronJob: c.cj, jobs: c.jobs ?? [] }, T(c.now));
    assert.deepEqual(creates(r.actions), c.creates, c.name);
    assert.deepEqual(deletes(r.actions), c.deletes ?? [], c.name);
    if (c.events) assert.deepEqual(events(r.actions), c.events, c.name);
    if (c.requeue !== undefined) assert.equal(r.requeueAfterMs, c.requeue, c.name);
    if (c.lastSchedule) assert.equal(r.status.lastScheduleTime, c.lastSchedule, c.name);
  }
});

test('the created job carries labels, the scheduled-timestamp annotation and the owner', () => {
  const r = reconcileCronJob({ cronJob: cj({ timeZone: 'Europe/Paris', schedule: '0 9 * * *' }), jobs: [] }, T('2026-01-01T08:00:30Z'));
  const a = r.actions.find((x) => x.type === 'createJob');
  assert.ok(a && a.type === 'createJob');
  assert.equal(a.job.metadata.labels?.team, 'a');
  assert.equal(a.job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], '2026-01-01T09:00:00+01:00');
  assert.deepEqual(a.job.metadata.ownerReferences?.[0], { apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true, blockOwnerDeletion: true });
});

test('status: active refs, finished jobs leave with SawCompletedJob, lastSuccessfulTime', () => {
  const done = job('hello-1', 'Complete', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z');
  const running = job('hello-2', 'active');
  const r = reconcileCronJob({ cronJob: cj({}, { lastScheduleTime: '2026-01-01T00:05:00Z', active: [{ kind: 'Job', name: 'hello-1', uid: 'uid-hello-1' }, { kind: 'Job', name: 'gone', uid: 'uid-gone' }] }), jobs: [done, running] }, T('2026-01-01T00:06:00Z'));
  assert.deepEqual(r.status.active?.map((x) => x.name), ['hello-2']);
  assert.equal(r.status.lastSuccessfulTime, '2026-01-01T00:01:00Z');
  assert.deepEqual(events(r.actions), ['SawCompletedJob', 'MissingJob']);
});

test('history limits delete the oldest finished jobs', () => {
  const jobs = [
    ...[1, 2, 3, 4, 5].map((i) => job(`hello-s${i}`, 'Complete', `2026-01-01T00:0${i}:00Z`, `2026-01-01T00:0${i}:30Z`)),
    ...[1, 2].map((i) => job(`hello-f${i}`, 'Failed', `2026-01-01T00:0${i}:00Z`)),
  ];
  const r = reconcileCronJob({ cronJob: cj({ successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 }, { lastScheduleTime: '2026-01-01T00:05:00Z' }), jobs }, T('2026-01-01T00:06:00Z'));
  assert.deepEqual(deletes(r.actions), ['hello-s1', 'hello-s2', 'hello-f1']);
});

test('mostRecentScheduleTime counts missed times', () => {
  const r = mostRecentScheduleTime('*/5 * * * *', undefined, T('2026-01-01T00:00:00Z'), T('2026-01-01T01:00:00Z'));
  assert.equal(r.missed, 12);
  assert.equal(r.time?.toISOString(), '2026-01-01T01:00:00.000Z');
  const big = mostRecentScheduleTime('* * * * *', undefined, T('2026-01-01T00:00:00Z'), T('2026-01-03T00:00:00Z'));
  assert.equal(big.time?.toISOString(), '2026-01-03T00:00:00.000Z');
  assert.ok(big.missed > 100);
});

test('property: never more than one job per sync, never while suspended, Forbid never overlaps', () => {
  fc.assert(
    fc.property(fc.constantFrom('Allow', 'Forbid', 'Replace'), fc.boolean(), fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 20 }), (policy, suspend, steps) => {
      let c = cj({ concurrencyPolicy: policy, suspend });
      let jobs: Job[] = [];
      let t = Date.parse('2026-01-01T00:00:00Z');
      for (const s of steps) {
        t += s * 1000;
        const r = reconcileCronJob({ cronJob: c, jobs }, new Date(t));
        const made = creates(r.actions);
        assert.ok(made.length <= 1);
        if (suspend) assert.equal(made.length, 0);
        const activeBefore = jobs.filter((j) => !j.status?.conditions).length;
        if (policy === 'Forbid' && activeBefore) assert.equal(made.length, 0);
        const del = new Set(deletes(r.actions));
        jobs = jobs.filter((j) => !del.has(j.metadata.name!));
        for (const n of made) jobs.push(job(n!, 'active', new Date(t).toISOString()));
        c = { ...c, status: r.status };
        assert.ok(r.requeueAfterMs === undefined || r.requeueAfterMs > 0);
      }
    }),
  );
});
