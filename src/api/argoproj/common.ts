/** Schemas shared by the argoproj.io kinds (Argo Rollouts' pkg/apis/rollouts/v1alpha1 types). */
import { s, type Schema } from '../schema/index.js';

export const i32 = (description: string, opts: Partial<Schema> = {}): Schema => s.int32({ description, ...opts });
export const str = (description: string, opts: Partial<Schema> = {}): Schema => s.string({ description, ...opts });
export const strings = (description: string): Schema => s.array(s.string(), { description });
export const labels = (description: string): Schema => s.map(s.string(), { description });

export const PodTemplateMetadata = s.object(
  { labels: labels('Extra labels put on the pods.'), annotations: labels('Extra annotations put on the pods.') },
  { description: 'Labels and annotations added to the pods this creates.' },
);

export const FieldRef = s.object({ fieldPath: str('Path of the field whose value is used, e.g. metadata.labels[\'app\'].') }, { required: ['fieldPath'] });

/** Argument of an analysis run as a Rollout or Experiment passes it. */
export const AnalysisRunArgument = s.object(
  {
    name: str('The argument\'s name.'),
    value: str('A literal value; give either this or valueFrom.'),
    valueFrom: s.object(
      {
        podTemplateHashValue: str('Take the pod-template-hash of the stable or latest ReplicaSet.'),
        fieldRef: FieldRef,
      },
      { description: 'Where the value is read from; give either this or value.' },
    ),
  },
  { required: ['name'] },
);

/** Argument declared by an analysis template (and resolved in an AnalysisRun). */
export const Argument = s.object(
  {
    name: str('The argument\'s name, as the template declares it.'),
    value: str('A literal default value.'),
    valueFrom: s.object(
      {
        secretKeyRef: s.object({ name: str('Name of the Secret.'), key: str('Key in the Secret whose value is used.') }, { required: ['key', 'name'], description: 'A Secret key in the template\'s namespace.' }),
        fieldRef: FieldRef,
      },
      { description: 'Where the value is read from, instead of a literal value.' },
    ),
  },
  { required: ['name'] },
);

export const DryRun = s.array(s.object({ metricName: str('A metric whose outcome is recorded but ignored; * means all metrics.') }, { required: ['metricName'] }), {
  description: 'Metrics that run without affecting the analysis result.',
});

export const MeasurementRetention = s.array(
  s.object({ metricName: str('The metric this limit is for.'), limit: i32('How many of its latest measurements to keep.') }, { required: ['limit', 'metricName'] }),
  { description: 'How many measurements to keep per metric.' },
);

export const AnalysisRunMetadata = s.object(
  { labels: labels('Extra labels put on the AnalysisRun.'), annotations: labels('Extra annotations put on the AnalysisRun.') },
  { description: 'Labels and annotations put on the AnalysisRuns this creates.' },
);

export const AnalysisTemplateRef = s.object({
  templateName: str('The AnalysisTemplate to run.'),
  clusterScope: s.bool({ description: 'True when templateName names a ClusterAnalysisTemplate rather than a namespaced AnalysisTemplate.' }),
});

export const Condition = s.object(
  {
    type: str('The kind of condition.'),
    status: str('True, False or Unknown.'),
    lastUpdateTime: s.dateTime({ description: 'When the condition was last written.' }),
    lastTransitionTime: s.dateTime({ description: 'When the condition last changed status.' }),
    reason: str('A short machine-readable cause of the last status change.'),
    message: str('Details of the last status change, for people.'),
  },
  { required: ['lastTransitionTime', 'lastUpdateTime', 'message', 'reason', 'status', 'type'] },
);
