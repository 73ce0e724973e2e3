import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { job, cronJob, cronScheduleError } from './index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };

function newJob(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'u-1', creationTimestamp: '2025-12-31T23:58:00Z' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } }, ...spec },
  };
}
function create(def: typeof job, obj: KubeObject): string[] {
  def.strategy!.defaults!(obj);
  def.strategy!.prepareForCreate!(obj, ctx);
  return def.strategy!.validate!(obj, ctx).map(String);
}

test('Job defaults and generated selector', () => {
  const j = newJob();
  assert.deepEqual(create(job, j), []);
  const spec = j.spec as any;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.deepEqual(spec.template.metadata.labels, {
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'u-1',
    'batch.kubernetes.io/controller-uid': 'u-1',
  });
  assert.deepEqual(j.metadata.labels, spec.template.metadata.labels);
});

test('Job errors: restartPolicy, ranges, Indexed requires completions', () => {
  const j = newJob({ parallelism: -1, backoffLimit: -2, completionMode: 'Indexed' });
  delete (j.spec as any).template.spec.restartPolicy;
  (j.spec as any).parallelism = -1;
  job.strategy!.defaults!(j);
  (j.spec as any).completions = undefined;
  delete (j.spec as any).completions;
  job.strategy!.prepareForCreate!(j, ctx);
  assert.deepEqual(job.strategy!.validate!(j, ctx).map(String), [
    'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
    'spec.completions: Required value: when completion mode is Indexed',
    'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ]);
});

test('Job table cells and immutable template', () => {
  const j = newJob();
  create(job, j);
  j.status = { succeeded: 1, startTime: '2025-12-31T23:58:10Z', completionTime: '2025-12-31T23:58:40Z', conditions: [{ type: 'Complete', status: 'True' }] };
  assert.deepEqual(job.table!.cells(j, ctx.now).slice(0, 5), ['pi', 'Complete', '1/1', '30s', '2m']);
  const upd = structuredClone(j);
  (upd.spec as any).template.spec.containers[0].image = 'perl:5';
  assert.deepEqual(job.strategy!.validateUpdate!(upd, j, ctx).map(String), ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);
});

test('CronJob defaults, schedule and timeZone validation, table', () => {
  const cj: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'backup', creationTimestamp: '2025-12-31T23:00:00Z' },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'b', image: 'busybox' }] } } } } },
  };
  assert.deepEqual(create(cronJob as typeof job, cj), []);
  const spec = cj.spec as any;
  assert.equal(spec.concurrencyPolicy, 'Allow');
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  assert.equal(spec.jobTemplate.spec.backoffLimit, undefined);
  assert.deepEqual(cronJob.table!.cells(cj, ctx.now).slice(0, 7), ['backup', '0 3 * * *', '<none>', 'False', 0, '<none>', '60m']);
  const bad = structuredClone(cj);
  Object.assign(bad.spec as any, { schedule: '61 * * * *', timeZone: 'Mars/Olympus', concurrencyPolicy: 'Sometimes' });
  assert.deepEqual(cronJob.strategy!.validate!(bad, ctx).map(String), [
    'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
  const tz = structuredClone(cj);
  (tz.spec as any).schedule = 'CRON_TZ=UTC 0 3 * * *';
  assert.deepEqual(cronJob.strategy!.validate!(tz, ctx).map(String), [
    'spec.schedule: Invalid value: "CRON_TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.equal(cronScheduleError('@every 5m'), undefined);
  assert.equal(cronScheduleError('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
});

test('Job generated-selector rules (manualSelector unset)', () => {
  const j = newJob();
  create(job, j);
  (j.spec as any).template.metadata.labels['batch.kubernetes.io/job-name'] = 'other';
  (j.spec as any).selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-2' } };
  const errs = job.strategy!.validate!(j, ctx).map(String);
  assert.ok(errs[0]!.startsWith("spec.template.metadata.labels[batch.kubernetes.io/job-name]: Invalid value: map[string]string{"), errs[0]);
  assert.ok(errs[0]!.endsWith(": must be 'pi'"), errs[0]);
  assert.ok(errs.includes('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"u-2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated'), errs.join('\n'));
  const manual = newJob({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } });
  (manual.spec as any).template.metadata = { labels: { app: 'pi' } };
  assert.deepEqual(create(job, manual), []);
  assert.deepEqual((manual.spec as any).template.metadata.labels, { app: 'pi' });
});
