/** batch/v1 CronJob: typed view, defaults, validation (schedule, timeZone), printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ObjectMeta, ResourceDef } from '../../types.js';
import { defaultPodTemplateSpec } from '../../core/v1/index.js';
import { AGE_COLUMN, NAME_COLUMN, ageCell, asRecord, formatLabelSelector, goInvalid, keepOtherHalf, resetStatus, timestampSince, validateNonnegative } from '../../apps/shared/index.js';
import { containerCells, goLabelSelector, podNameWarnings } from '../../apps/v1/index.js';
import { cronScheduleError, isKnownTimeZone } from './cron.js';
import { jobSpecWarnings, validateJobSpecFields, type JobSpec } from './job.js';
import { CronJobSchema } from './schema.js';

export interface CronJobSpec {
  schedule?: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: string;
  suspend?: boolean;
  jobTemplate?: { metadata?: ObjectMeta; spec?: JobSpec };
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}
export interface CronJobStatus {
  active?: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string }[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}
/** Typed view of a CronJob. */
export interface CronJob extends KubeObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}
export const asCronJob = (o: KubeObject): CronJob => o as CronJob;

/**
 * Upstream SetDefaults_CronJob: concurrencyPolicy Allow, suspend false, history limits 3 and 1;
 * the job template only gets pod template defaults (SetDefaults_Job applies to Jobs). Idempotent.
 */
export function defaultCronJob(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as CronJobSpec | undefined;
  if (!spec) return;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (spec.suspend == null) spec.suspend = false;
  if (spec.successfulJobsHistoryLimit == null) spec.successfulJobsHistoryLimit = 3;
  if (spec.failedJobsHistoryLimit == null) spec.failedJobsHistoryLimit = 1;
  const tpl = asRecord(asRecord(spec.jobTemplate)?.spec)?.template;
  if (asRecord(tpl)) defaultPodTemplateSpec(tpl as Parameters<typeof defaultPodTemplateSpec>[0]);
}

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone. */
export function validateTimeZone(tz: string | undefined, path = 'spec.timeZone'): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (tz.length === 0) return [fieldErrors.invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/'))
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return [fieldErrors.invalid(path, tz, `unknown time zone ${tz}`)];
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') errs.push(fieldErrors.invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isKnownTimeZone(tz)) errs.push(fieldErrors.invalid(path, tz, `unknown time zone ${tz}`));
  return errs;
}

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];

/** validateCronJobSpec; `old` is the stored spec on update (TZ in schedule stays allowed if it was there). */
export function validateCronJobSpec(spec: CronJobSpec | undefined, old?: CronJobSpec): FieldError[] {
  const sp = spec ?? {};
  const errs: FieldError[] = [];
  if (!sp.schedule) errs.push(fieldErrors.required('spec.schedule'));
  else {
    const err = cronScheduleError(sp.schedule);
    if (err) errs.push(fieldErrors.invalid('spec.schedule', sp.schedule, err));
    const allowTZ = old?.schedule?.includes('TZ') ?? false;
    if (allowTZ && sp.schedule.includes('TZ') && sp.timeZone != null)
      errs.push(fieldErrors.invalid('spec.schedule', sp.schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    else if (!allowTZ && sp.schedule.includes('TZ'))
      errs.push(fieldErrors.invalid('spec.schedule', sp.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  errs.push(...validateNonnegative(sp.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!old || old.timeZone !== sp.timeZone) errs.push(...validateTimeZone(sp.timeZone));
  if (!sp.concurrencyPolicy) errs.push(fieldErrors.required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY.includes(sp.concurrencyPolicy)) errs.push(fieldErrors.notSupported('spec.concurrencyPolicy', sp.concurrencyPolicy, CONCURRENCY));
  const jt = sp.jobTemplate?.spec ?? {};
  errs.push(...validateJobSpecFields(jt, 'spec.jobTemplate.spec'));
  if (jt.selector) errs.push(goInvalid('spec.jobTemplate.spec.selector', jt.selector, goLabelSelector(jt.selector), '`selector` will be auto-generated'));
  if (jt.manualSelector === true) errs.push(fieldErrors.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...validateNonnegative(sp.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...validateNonnegative(sp.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

export const cronJob: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  schema: CronJobSchema,
  subresources: { status: true },
  strategy: {
    defaults: defaultCronJob,
    prepareForCreate: (obj) => resetStatus(obj),
    prepareForUpdate: keepOtherHalf,
    validate(obj, ctx) {
      if (ctx.subresource === 'status') return [];
      const errs = validateCronJobSpec(asCronJob(obj).spec);
      const name = obj.metadata.name ?? '';
      // Upstream checks the name length on create only; names never change, so checking always is
      // equivalent. The update-only relaxations (TZ in a stored schedule, an unchanged timeZone) do
      // not apply here: Flotilla never stores a schedule with TZ and validates zones the same way.
      if (name.length > 52) errs.push(fieldErrors.invalid('metadata.name', name, 'must be no more than 52 characters'));
      return errs;
    },
    warnings(obj, old) {
      const sp = asCronJob(obj).spec;
      const w = [...(old ? [] : podNameWarnings(obj.metadata.name))];
      w.push(...jobSpecWarnings(sp?.jobTemplate?.spec, old ? asCronJob(old).spec?.jobTemplate?.spec : undefined, 'spec.jobTemplate.spec', old !== undefined));
      if (!old && sp?.schedule?.includes('TZ')) w.push('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
      return w;
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Schedule', type: 'string', description: 'When jobs are created, as a cron expression.' },
      { name: 'Timezone', type: 'string', description: 'The time zone the schedule is read in, if set.' },
      { name: 'Suspend', type: 'boolean', description: 'Whether new runs are paused.' },
      { name: 'Active', type: 'integer', description: 'How many of its jobs are running now.' },
      { name: 'Last Schedule', type: 'string', description: 'Time since a job was last scheduled.' },
      AGE_COLUMN,
      { name: 'Containers', type: 'string', priority: 1, description: 'The names of the job template\'s containers.' },
      { name: 'Images', type: 'string', priority: 1, description: 'The images of the job template\'s containers.' },
      { name: 'Selector', type: 'string', priority: 1, description: 'The label selector of the job template.' },
    ],
    cells(obj, now) {
      const c = asCronJob(obj);
      const sp = c.spec;
      const [names, images] = containerCells(sp?.jobTemplate?.spec?.template);
      return [
        obj.metadata.name ?? '',
        sp?.schedule ?? '',
        sp?.timeZone ?? '<none>',
        sp?.suspend == null ? '<unset>' : sp.suspend ? 'True' : 'False',
        (c.status?.active ?? []).length,
        c.status?.lastScheduleTime ? timestampSince(c.status.lastScheduleTime, now) : '<none>',
        ageCell(obj, now),
        names,
        images,
        formatLabelSelector(sp?.jobTemplate?.spec?.selector),
      ];
    },
  },
};
