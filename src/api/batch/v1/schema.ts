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
        containerName: s.string(),
        operator: s.string({ description: 'Represents the relationship between the container exit code(s) and the specified values: In or NotIn.' }),
        values: s.array(s.int32(), { listType: 'set', description: 'Specifies the set of values. The values must be ordered and must not contain duplicates.' }),
      },
      { id: `${P}.PodFailurePolicyOnExitCodesRequirement`, required: ['operator', 'values'] },
    ),
    onPodConditions: s.array(
      s.object(
        { type: s.string(), status: s.string({ description: 'Specifies the required Pod condition status. Defaults to True.' }) },
        { id: `${P}.PodFailurePolicyOnPodConditionsPattern`, required: ['type'] },
      ),
      { listType: 'atomic' },
    ),
  },
  { id: `${P}.PodFailurePolicyRule`, required: ['action'] },
);

export const JobSpec = s.object(
  {
    parallelism: s.int32(),
    completions: s.int32(),
    activeDeadlineSeconds: s.int64({ description: 'Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it.' }),
    podFailurePolicy: s.object(
      { rules: s.array(PodFailurePolicyRule, { listType: 'atomic' }) },
      { id: `${P}.PodFailurePolicy`, required: ['rules'] },
    ),
    successPolicy: s.object(
      {
        rules: s.array(
          s.object({ succeededIndexes: s.string(), succeededCount: s.int32() }, { id: `${P}.SuccessPolicyRule` }),
          { listType: 'atomic' },
        ),
      },
      { id: `${P}.SuccessPolicy`, required: ['rules'] },
    ),
    backoffLimit: s.int32({ description: 'Specifies the number of retries before marking this job failed. Defaults to 6.' }),
    backoffLimitPerIndex: s.int32(),
    maxFailedIndexes: s.int32({ description: 'Specifies the maximal number of failed indexes before marking the Job as failed.' }),
    selector: LabelSelector,
    manualSelector: s.bool({ description: 'manualSelector controls generation of pod labels and pod selectors. Leave manualSelector unset unless you are certain what you are doing.' }),
    template: PodTemplateSpec,
    ttlSecondsAfterFinished: s.int32(),
    completionMode: s.string(),
    suspend: s.bool(),
    podReplacementPolicy: s.string({ description: 'podReplacementPolicy specifies when to create replacement Pods: TerminatingOrFailed or Failed.' }),
    managedBy: s.string(),
  },
  { id: `${P}.JobSpec`, required: ['template'] },
);

export const JobCondition = s.object(
  {
    type: s.string(),
    status: s.string(),
    lastProbeTime: Time,
    lastTransitionTime: Time,
    reason: s.string(),
    message: s.string(),
  },
  { id: `${P}.JobCondition`, required: ['type', 'status'] },
);

export const JobStatus = s.object(
  {
    conditions: s.array(JobCondition, { mergeKey: 'type', strategy: 'merge', listType: 'atomic' }),
    startTime: Time,
    completionTime: Time,
    active: s.int32({ description: 'The number of pending and running pods which are not terminating.' }),
    succeeded: s.int32(),
    failed: s.int32(),
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
});

export const JobTemplateSpec = s.object(
  { metadata: ObjectMeta, spec: JobSpec },
  { id: `${P}.JobTemplateSpec` },
);

export const CronJobSpec = s.object(
  {
    schedule: s.string(),
    timeZone: s.string(),
    startingDeadlineSeconds: s.int64(),
    concurrencyPolicy: s.string({ description: 'Specifies how to treat concurrent executions of a Job: Allow (default), Forbid or Replace.' }),
    suspend: s.bool({ description: 'This flag tells the controller to suspend subsequent executions. Defaults to false.' }),
    jobTemplate: JobTemplateSpec,
    successfulJobsHistoryLimit: s.int32({ description: 'The number of successful finished jobs to retain. Defaults to 3.' }),
    failedJobsHistoryLimit: s.int32({ description: 'The number of failed finished jobs to retain. Defaults to 1.' }),
  },
  { id: `${P}.CronJobSpec`, required: ['schedule', 'jobTemplate'] },
);

export const CronJobStatus = s.object(
  {
    active: s.array(ObjectReferenceInline, { listType: 'atomic' }),
    lastScheduleTime: Time,
    lastSuccessfulTime: Time,
  },
  { id: `${P}.CronJobStatus` },
);

export const CronJobSchema: Schema = kindSchema(`${P}.CronJob`, { group: 'batch', version: 'v1', kind: 'CronJob' }, { spec: CronJobSpec, status: CronJobStatus }, {
});
