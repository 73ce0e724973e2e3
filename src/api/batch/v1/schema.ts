/** Schemas of batch/v1 (k8s.io/api/batch/v1 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { LabelSelector, ObjectMeta, Time, kindSchema } from '../../meta/v1.js';
import { PodTemplateSpec } from '../../core/v1/index.js';
import { ObjectReferenceInline } from '../../apps/shared/index.js';

const P = 'io.k8s.api.batch.v1';

export const PodFailurePolicyRule = s.object(
  {
    action: s.string({ description: 'Specifies the action taken on a pod failure when the requirements are satisfied: FailJob, FailIndex, Ignore or Count.' }),
    onExitCodes: s.object(
      {
        containerName: s.string({ description: 'Restricts the check for exit codes to the container with the specified name.' }),
        operator: s.string({ description: 'Represents the relationship between the container exit code(s) and the specified values: In or NotIn.' }),
        values: s.array(s.int32(), { listType: 'set', description: 'Specifies the set of values. The values must be ordered and must not contain duplicates.' }),
      },
      { id: `${P}.PodFailurePolicyOnExitCodesRequirement`, required: ['operator', 'values'] },
    ),
    onPodConditions: s.array(
      s.object(
        { type: s.string({ description: 'Specifies the required Pod condition type.' }), status: s.string({ description: 'Specifies the required Pod condition status. Defaults to True.' }) },
        { id: `${P}.PodFailurePolicyOnPodConditionsPattern`, required: ['type'] },
      ),
      { listType: 'atomic' },
    ),
  },
  { id: `${P}.PodFailurePolicyRule`, required: ['action'] },
);

export const JobSpec = s.object(
  {
    parallelism: s.int32({ description: 'Specifies the maximum desired number of pods the job should run at any given time.' }),
    completions: s.int32({ description: 'Specifies the desired number of successfully finished pods the job should be run with.' }),
    activeDeadlineSeconds: s.int64({ description: 'Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it.' }),
    podFailurePolicy: s.object(
      { rules: s.array(PodFailurePolicyRule, { listType: 'atomic' }) },
      { id: `${P}.PodFailurePolicy`, required: ['rules'], description: 'Specifies the policy of handling failed pods.' },
    ),
    successPolicy: s.object(
      {
        rules: s.array(
          s.object({ succeededIndexes: s.string(), succeededCount: s.int32() }, { id: `${P}.SuccessPolicyRule` }),
          { listType: 'atomic' },
        ),
      },
      { id: `${P}.SuccessPolicy`, required: ['rules'], description: 'successPolicy specifies the policy when the Job can be declared as succeeded.' },
    ),
    backoffLimit: s.int32({ description: 'Specifies the number of retries before marking this job failed. Defaults to 6.' }),
    backoffLimitPerIndex: s.int32({ description: 'Specifies the limit for the number of retries within an index before marking this index as failed.' }),
    maxFailedIndexes: s.int32({ description: 'Specifies the maximal number of failed indexes before marking the Job as failed.' }),
    selector: s.withOpts(LabelSelector, { description: 'A label query over pods that should match the pod count. Normally, the system sets this field for you.' }),
    manualSelector: s.bool({ description: 'manualSelector controls generation of pod labels and pod selectors. Leave manualSelector unset unless you are certain what you are doing.' }),
    template: s.withOpts(PodTemplateSpec, { description: 'Describes the pod that will be created when executing a job. The only allowed template.spec.restartPolicy values are "Never" or "OnFailure".' }),
    ttlSecondsAfterFinished: s.int32({ description: 'ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed).' }),
    completionMode: s.string({ description: 'completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`.' }),
    suspend: s.bool({ description: 'suspend specifies whether the Job controller should create Pods or not.' }),
    podReplacementPolicy: s.string({ description: 'podReplacementPolicy specifies when to create replacement Pods: TerminatingOrFailed or Failed.' }),
    managedBy: s.string({ description: 'ManagedBy field indicates the controller that manages a Job.' }),
  },
  { id: `${P}.JobSpec`, required: ['template'] },
);

export const JobCondition = s.object(
  {
    type: s.string({ description: 'Type of job condition, Complete or Failed.' }),
    status: s.string({ description: 'Status of the condition, one of True, False, Unknown.' }),
    lastProbeTime: s.withOpts(Time, { description: 'Last time the condition was checked.' }),
    lastTransitionTime: s.withOpts(Time, { description: 'Last time the condition transit from one status to another.' }),
    reason: s.string(),
    message: s.string(),
  },
  { id: `${P}.JobCondition`, required: ['type', 'status'] },
);

export const JobStatus = s.object(
  {
    conditions: s.array(JobCondition, { mergeKey: 'type', strategy: 'merge', listType: 'atomic', description: 'The latest available observations of an object\'s current state.' }),
    startTime: s.withOpts(Time, { description: 'Represents time when the job controller started processing a job.' }),
    completionTime: s.withOpts(Time, { description: 'Represents time when the job was completed.' }),
    active: s.int32({ description: 'The number of pending and running pods which are not terminating.' }),
    succeeded: s.int32({ description: 'The number of pods which reached phase Succeeded.' }),
    failed: s.int32({ description: 'The number of pods which reached phase Failed.' }),
    terminating: s.int32({ description: 'The number of pods which are terminating.' }),
    completedIndexes: s.string(),
    failedIndexes: s.string(),
    uncountedTerminatedPods: s.object(
      { succeeded: s.array(s.string(), { listType: 'set' }), failed: s.array(s.string(), { listType: 'set' }) },
      { id: `${P}.UncountedTerminatedPods` },
    ),
    ready: s.int32({ description: 'The number of active pods which have a Ready condition and are not terminating.' }),
  },
  { id: `${P}.JobStatus` },
);

export const JobSchema: Schema = kindSchema(`${P}.Job`, { group: 'batch', version: 'v1', kind: 'Job' }, { spec: JobSpec, status: JobStatus }, {
  description: 'Job represents the configuration of a single job.',
});

export const JobTemplateSpec = s.object(
  { metadata: ObjectMeta, spec: JobSpec },
  { id: `${P}.JobTemplateSpec`, description: 'JobTemplateSpec describes the data a Job should have when created from a template' },
);

export const CronJobSpec = s.object(
  {
    schedule: s.string({ description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' }),
    timeZone: s.string({ description: 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.' }),
    startingDeadlineSeconds: s.int64({ description: 'Optional deadline in seconds for starting the job if it misses scheduled time for any reason.' }),
    concurrencyPolicy: s.string({ description: 'Specifies how to treat concurrent executions of a Job: Allow (default), Forbid or Replace.' }),
    suspend: s.bool({ description: 'This flag tells the controller to suspend subsequent executions. Defaults to false.' }),
    jobTemplate: s.withOpts(JobTemplateSpec, { description: 'Specifies the job that will be created when executing a CronJob.' }),
    successfulJobsHistoryLimit: s.int32({ description: 'The number of successful finished jobs to retain. Defaults to 3.' }),
    failedJobsHistoryLimit: s.int32({ description: 'The number of failed finished jobs to retain. Defaults to 1.' }),
  },
  { id: `${P}.CronJobSpec`, required: ['schedule', 'jobTemplate'] },
);

export const CronJobStatus = s.object(
  {
    active: s.array(ObjectReferenceInline, { listType: 'atomic', description: 'A list of pointers to currently running jobs.' }),
    lastScheduleTime: s.withOpts(Time, { description: 'Information when was the last time the job was successfully scheduled.' }),
    lastSuccessfulTime: s.withOpts(Time, { description: 'Information when was the last time the job successfully completed.' }),
  },
  { id: `${P}.CronJobStatus` },
);

export const CronJobSchema: Schema = kindSchema(`${P}.CronJob`, { group: 'batch', version: 'v1', kind: 'CronJob' }, { spec: CronJobSpec, status: CronJobStatus }, {
  description: 'CronJob represents the configuration of a single cron job.',
});
