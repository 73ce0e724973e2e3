/** Schemas shared by the argoproj.io kinds (Argo Rollouts' pkg/apis/rollouts/v1alpha1 types). */
import { s, type Schema } from '../schema/index.js';

export const i32 = (description: string, opts: Partial<Schema> = {}): Schema => s.int32({ description, ...opts });
export const str = (description: string, opts: Partial<Schema> = {}): Schema => s.string({ description, ...opts });
export const strings = (description: string): Schema => s.array(s.string(), { description });
export const labels = (description: string): Schema => s.map(s.string(), { description });

export const PodTemplateMetadata = s.object(
  { labels: labels('Labels Additional labels to add to the experiment'), annotations: labels('Annotations additional annotations to add to the experiment') },
  { description: 'PodTemplateMetadata extra labels to add to the template' },
);

export const FieldRef = s.object({ fieldPath: str('Required: Path of the field to select in the specified API version') }, { required: ['fieldPath'] });

/** Argument of an analysis run as a Rollout or Experiment passes it. */
export const AnalysisRunArgument = s.object(
  {
    name: str('Name argument name'),
    value: str('Value a hardcoded value for the argument. This field is a one of field with valueFrom'),
    valueFrom: s.object(
      {
        podTemplateHashValue: str('PodTemplateHashValue gets the value from one of the children ReplicaSet\'s Pod Template Hash'),
        fieldRef: FieldRef,
      },
      { description: 'ValueFrom A reference to where the value is stored. This field is a one of field with valueFrom' },
    ),
  },
  { required: ['name'] },
);

/** Argument declared by an analysis template (and resolved in an AnalysisRun). */
export const Argument = s.object(
  {
    name: str('Name is the name of the argument'),
    value: str('Value is the value of the argument'),
    valueFrom: s.object(
      {
        secretKeyRef: s.object({ name: str('Name is the name of the secret'), key: str('Key is the key of the secret to select from.') }, { required: ['key', 'name'], description: 'Secret is a reference to where a secret is stored. This field is one of the fields with valueFrom' }),
        fieldRef: FieldRef,
      },
      { description: 'ValueFrom is a reference to where a secret is stored. This field is one of the fields with valueFrom' },
    ),
  },
  { required: ['name'] },
);

export const DryRun = s.array(s.object({ metricName: str('Name of the metric which needs to be evaluated in the Dry-Run mode. Wildcard \'*\' is supported and denotes all the available metrics.') }, { required: ['metricName'] }), {
  description: 'DryRun object contains the settings for running the analysis in Dry-Run mode',
});

export const MeasurementRetention = s.array(
  s.object({ metricName: str('MetricName is the name of the metric on which this retention policy should be applied.'), limit: i32('Limit is the maximum number of measurements to be retained for this given metric.') }, { required: ['limit', 'metricName'] }),
  { description: 'MeasurementRetention object contains the settings for retaining the number of measurements during the analysis' },
);

export const AnalysisRunMetadata = s.object(
  { labels: labels('Labels Additional labels to add to the AnalysisRun'), annotations: labels('Annotations additional annotations to add to the AnalysisRun') },
  { description: 'AnalysisRunMetadata labels and annotations that will be added to the AnalysisRuns' },
);

export const AnalysisTemplateRef = s.object({
  templateName: str('TemplateName name of template to use in AnalysisRun'),
  clusterScope: s.bool({ description: 'Whether to look for the templateName at cluster scope or namespace scope' }),
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
