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
          name: str('Name is a name for this template group'),
          replicas: i32('How many pods of this template to run (1 when unset).'),
          minReadySeconds: i32('Seconds a new pod must stay ready before it counts as available (0 when unset).'),
          selector: s.withOpts(LabelSelector, { description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this experiment. It must match the pod template\'s labels. Each selector must be unique to the other selectors in the other templates' }),
          template: s.withOpts(PodTemplateSpec, { description: 'The pods this template runs.' }),
          service: s.object({ name: str('Name of the experiment service') }, { description: 'TemplateService describes how a service should be generated for template' }),
        },
        { required: ['name', 'selector', 'template'] },
      ),
      { description: 'Templates are a list of PodSpecs that define the ReplicaSets that should be run during an experiment.' },
    ),
    duration: str('Duration the amount of time for the experiment to run as a duration string (e.g. 30s, 5m, 1h). If omitted, the experiment will run indefinitely, stopped either via termination, or a failed analysis run.'),
    progressDeadlineSeconds: i32('ProgressDeadlineSeconds The maximum time in seconds for a experiment to make progress before it is considered to be failed. Argo Rollouts will continue to process failed experiments and a condition with a ProgressDeadlineExceeded reason will be surfaced in the experiment status. Defaults to 600s.'),
    terminate: s.bool({ description: 'Terminate is used to prematurely stop the experiment' }),
    analyses: s.array(
      s.object({ name: str('Name is the name of the analysis'), templateName: str('TemplateName reference of the AnalysisTemplate name used by the Experiment to create the run'), clusterScope: s.bool({ description: 'Whether to look for the templateName at cluster scope or namespace scope' }), args: s.array(AnalysisRunArgument, { description: 'Args are the arguments that will be added to the AnalysisRuns' }), requiredForCompletion: s.bool({ description: 'RequiredForCompletion indicates that experiment should complete after analysis finishes' }) }, { required: ['name', 'templateName'] }),
      { description: 'Analyses references AnalysisTemplates to run during the experiment' },
    ),
    scaleDownDelaySeconds: i32('ScaleDownDelaySeconds adds a delay before scaling down the Experiment. If omitted, the Experiment waits 30 seconds before scaling down. A minimum of 30 seconds is recommended to ensure IP table propagation across the nodes in a cluster. See https://github.com/argoproj/argo-rollouts/issues/19#issuecomment-476329960 for more information'),
    dryRun: DryRun,
    measurementRetention: MeasurementRetention,
    analysisRunMetadata: AnalysisRunMetadata,
  },
  { required: ['templates'], description: 'ExperimentSpec is the spec for a Experiment resource' },
);

export const ExperimentStatus = s.object(
  {
    phase: str('Phase is the status of the experiment. Takes into consideration ReplicaSet degradations and AnalysisRun statuses'),
    message: str('Message is an explanation for the current status'),
    templateStatuses: s.array(s.looseObject({ name: str(''), replicas: i32(''), updatedReplicas: i32(''), readyReplicas: i32(''), availableReplicas: i32(''), status: str(''), message: str('') }), { description: 'TemplateStatuses holds the ReplicaSet related statuses for individual templates' }),
    availableAt: s.dateTime({ description: 'AvailableAt the time when all the templates become healthy and the experiment should start tracking the time to run for the duration of specificed in the spec.' }),
    conditions: s.array(Condition, { description: 'Conditions a list of conditions a experiment can have.' }),
    analysisRuns: s.array(s.looseObject({ analysisRun: str(''), name: str(''), phase: str(''), message: str('') }), { description: 'AnalysisRuns tracks the status of AnalysisRuns associated with this Experiment' }),
  },
  { description: 'ExperimentStatus is the status for a Experiment resource' },
);
