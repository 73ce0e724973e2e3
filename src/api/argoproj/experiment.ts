/** argoproj.io/v1alpha1 Experiment schema (Argo Rollouts' ExperimentSpec/ExperimentStatus). */
import { s } from '../schema/index.js';
import { LabelSelector } from '../meta/v1.js';
import { PodTemplateSpec } from '../core/v1/pod-schema.js';
import { AnalysisRunArgument, AnalysisRunMetadata, Condition, DryRun, MeasurementRetention, i32, str } from './common.js';

export const ExperimentSpec = s.object(
  {
    templates: s.array(
      s.object(
        {
          name: str('Name of this template, unique in the experiment.'),
          replicas: i32('How many pods of this template to run (1 when unset).'),
          minReadySeconds: i32('Seconds a new pod must stay ready before it counts as available (0 when unset).'),
          selector: s.withOpts(LabelSelector, { description: 'Selects this template\'s pods; it must match the template\'s labels and differ from the other templates\' selectors.' }),
          template: s.withOpts(PodTemplateSpec, { description: 'The pods this template runs.' }),
          service: s.object({ name: str('Name of the Service to create.') }, { description: 'When set, a Service is created in front of this template\'s pods.' }),
        },
        { required: ['name', 'selector', 'template'] },
      ),
      { description: 'The pod templates the experiment runs side by side, one ReplicaSet each.' },
    ),
    duration: str('How long the experiment runs once its pods are available, such as 30m; without it, until terminated or an analysis fails.'),
    progressDeadlineSeconds: i32('Seconds the experiment may go without progress before it is marked failed (600 when unset).'),
    terminate: s.bool({ description: 'Set to end the experiment early.' }),
    analyses: s.array(
      s.object({ name: str('Name of this analysis in the experiment.'), templateName: str('The AnalysisTemplate to run.'), clusterScope: s.bool({ description: 'True when templateName names a ClusterAnalysisTemplate rather than a namespaced AnalysisTemplate.' }), args: s.array(AnalysisRunArgument, { description: 'Argument values passed to the run.' }), requiredForCompletion: s.bool({ description: 'When true, the experiment ends as soon as this analysis finishes.' }) }, { required: ['name', 'templateName'] }),
      { description: 'Analyses run alongside the experiment\'s pods.' },
    ),
    scaleDownDelaySeconds: i32('Seconds to wait after the experiment ends before its pods are scaled down (30 when unset), so traffic rules can drain first.'),
    dryRun: DryRun,
    measurementRetention: MeasurementRetention,
    analysisRunMetadata: AnalysisRunMetadata,
  },
  { required: ['templates'], description: 'The templates to run, for how long, and the analyses that judge them.' },
);

export const ExperimentStatus = s.object(
  {
    phase: str('Where the experiment stands, from its ReplicaSets and analysis runs together.'),
    message: str('Why the experiment is in its phase, for people.'),
    templateStatuses: s.array(s.looseObject({ name: str(''), replicas: i32(''), updatedReplicas: i32(''), readyReplicas: i32(''), availableReplicas: i32(''), status: str(''), message: str('') }), { description: 'Replica counts and state of each template.' }),
    availableAt: s.dateTime({ description: 'When every template first became available; duration counts from here.' }),
    conditions: s.array(Condition, { description: 'Observed conditions of the experiment.' }),
    analysisRuns: s.array(s.looseObject({ analysisRun: str(''), name: str(''), phase: str(''), message: str('') }), { description: 'The analysis runs this experiment started, with their phases.' }),
  },
  { description: 'How the experiment is going.' },
);
