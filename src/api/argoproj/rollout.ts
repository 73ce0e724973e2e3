/**
 * argoproj.io/v1alpha1 Rollout schema (Argo Rollouts' RolloutSpec/RolloutStatus). The pod template
 * is Kubernetes' own PodTemplateSpec schema. Traffic routers Flotilla may drive (istio, nginx, smi,
 * alb, traefik, ambassador) are spelled out; the others keep their content as given.
 *
 * Seed-only fields (accepted, stored, answered with a Warning; see ../seed-groups/seed-fields.ts):
 * `interval`, `count`, `successCondition` and `failureCondition` under `spec.strategy.canary.analysis`
 * (Argo Rollouts: those are per-metric settings of the AnalysisTemplate the analysis names).
 */
import { s, type Schema } from '../schema/index.js';
import { LabelSelector } from '../meta/v1.js';
import { PodTemplateSpec } from '../core/v1/pod-schema.js';
import { AnalysisRunArgument, AnalysisRunMetadata, AnalysisTemplateRef, Condition, DryRun, MeasurementRetention, PodTemplateMetadata, i32, labels, str, strings } from './common.js';

const metricField = (name: string, base: Schema): Schema =>
  s.withOpts(base, {
    description: `Not an Argo Rollouts field (accepted for compatibility with the seed): ${name} is a setting of each metric in the AnalysisTemplate that templates names (spec.metrics[].${name}).`,
    'x-flotilla-upstream-field': `spec.metrics[].${name} in the AnalysisTemplate named by templates[].templateName`,
  });

/** RolloutAnalysis: templates and arguments of an analysis run. */
const RolloutAnalysisFields = {
  templates: s.array(AnalysisTemplateRef, { description: 'The analysis templates whose metrics are combined into one AnalysisRun.' }),
  args: s.array(AnalysisRunArgument, { description: 'Argument values passed to the run.' }),
  dryRun: DryRun,
  measurementRetention: MeasurementRetention,
  analysisRunMetadata: AnalysisRunMetadata,
};
const RolloutAnalysis = s.object(RolloutAnalysisFields, { description: 'Analysis run at this point of the rollout; a failure aborts it.' });

const RolloutAnalysisBackground = s.object(
  {
    ...RolloutAnalysisFields,
    startingStep: i32('Index of the step at which background analysis starts (0 when unset).'),
    interval: metricField('interval', s.string()),
    count: metricField('count', s.intOrString()),
    successCondition: metricField('successCondition', s.string()),
    failureCondition: metricField('failureCondition', s.string()),
  },
  { description: 'Analysis that runs in the background for the whole canary, checking the new ReplicaSet continuously.' },
);

const AntiAffinity = s.object(
  {
    preferredDuringSchedulingIgnoredDuringExecution: s.object({ weight: i32('Weight of the preference, from 1 to 100.') }, { required: ['weight'], description: 'Add the anti-affinity to new pods as a weighted preference.' }),
    requiredDuringSchedulingIgnoredDuringExecution: s.object({}, { description: 'Add the anti-affinity to new pods as a hard requirement.' }),
  },
  { description: 'Keep new pods off the nodes running the old version\'s pods.' },
);

const BlueGreenStrategy = s.object(
  {
    activeService: str('Service that sends production traffic to the active version.'),
    previewService: str('Service that sends traffic to the new version before promotion.'),
    previewReplicaCount: i32('Replicas of the new version run before promotion; the full count is reached before the switch.'),
    autoPromotionEnabled: s.bool({ description: 'Promote the new version automatically (the default) instead of pausing for a manual promotion.' }),
    autoPromotionSeconds: i32('Seconds to wait, once the preview is fully available, before automatic promotion (0 when unset).'),
    maxUnavailable: s.intOrString({ description: 'Pods that may be unavailable while a restart runs (0 when unset).' }),
    scaleDownDelaySeconds: i32('Seconds to keep the old version running after the switch (30 when unset), so traffic rules can catch up on every node.'),
    scaleDownDelayRevisionLimit: i32('How many old ReplicaSets may wait for their delayed scale-down at once.'),
    prePromotionAnalysis: RolloutAnalysis,
    antiAffinity: AntiAffinity,
    postPromotionAnalysis: RolloutAnalysis,
    previewMetadata: PodTemplateMetadata,
    activeMetadata: PodTemplateMetadata,
    abortScaleDownDelaySeconds: i32('Seconds before the preview pods are scaled down after an abort (30 when unset, 0 keeps them).'),
  },
  { required: ['activeService'], description: 'Blue-green: run the new version beside the old one and switch the active Service over at once.' },
);

const HeaderValueMatch = s.object({ exact: str(''), prefix: str(''), regex: str('') });

const CanaryStep = s.object({
  setWeight: i32('Percentage of traffic (or of pods, without traffic routing) to give the new version.'),
  pause: s.object({ duration: s.intOrString({ description: 'How long to pause, such as 30s or 5m; without it, until resumed by hand.' }) }, { description: 'Pause the rollout, for a while or until someone resumes it.' }),
  experiment: s.object(
    {
      templates: s.array(
        s.object(
          {
            name: str('Name of this template, unique in the experiment.'),
            specRef: str('Which pod template to use: stable or canary.'),
            replicas: i32('Pods to run for this template.'),
            metadata: PodTemplateMetadata,
            selector: LabelSelector,
            weight: i32(''),
            service: s.object({ name: str('Name of the Service to create.') }, { description: 'When set, a Service is created in front of this template\'s pods.' }),
          },
          { required: ['name', 'specRef'] },
        ),
        { description: 'The templates the experiment runs.' },
      ),
      duration: str('How long the experiment runs, such as 10m.'),
      analyses: s.array(s.object({ name: str(''), templateName: str(''), clusterScope: s.bool(), args: s.array(AnalysisRunArgument), requiredForCompletion: s.bool() }, { required: ['name', 'templateName'] }), { description: 'Analyses run alongside the experiment\'s pods.' }),
      dryRun: DryRun,
      measurementRetention: MeasurementRetention,
      analysisRunMetadata: AnalysisRunMetadata,
    },
    { required: ['templates'], description: 'Run an Experiment as this step and wait for it to finish.' },
  ),
  analysis: RolloutAnalysis,
  setCanaryScale: s.object({ weight: i32('Size the new version as this percentage of spec.replicas.'), replicas: i32('Size the new version at this many pods.'), matchTrafficWeight: s.bool({ description: 'Go back to sizing the new version by its traffic weight.' }) }, { description: 'Resize the new version without changing its traffic weight.' }),
  setHeaderRoute: s.object({ name: str('Name of the route; it must also be listed in trafficRouting.managedRoutes.'), match: s.array(s.object({ headerName: str('Request header to match.'), headerValue: HeaderValueMatch }, { required: ['headerName', 'headerValue'] })) }, { description: 'Send every request that carries the given header values to the new version.' }),
  setMirrorRoute: s.object({ name: str('Name of the route; it must also be listed in trafficRouting.managedRoutes.'), match: s.array(s.object({ method: HeaderValueMatch, path: HeaderValueMatch, headers: s.map(HeaderValueMatch) })), percentage: i32('Percentage of the matching requests that is mirrored.') }, { required: ['name'], description: 'Copy matching requests to the new version without using its responses.' }),
  plugin: s.object({ name: str('The step plugin to run.'), config: s.anyValue({ description: 'Settings handed to the plugin as they are.' }) }, { required: ['name'], description: 'Run a step plugin as this step.' }),
});

const IstioVirtualService = s.object(
  {
    name: str('Name of the VirtualService.'),
    routes: strings('Names of its HTTP routes whose weights are set; may be left out when it has one HTTP route.'),
    tlsRoutes: s.array(s.object({ port: s.int64({ description: 'Port that identifies the TLS route.' }), sniHosts: strings('SNI hosts that identify the TLS route.') }), { description: 'TLS routes whose weights are set; may be left out when it has one TLS route.' }),
    tcpRoutes: s.array(s.object({ port: s.int64({ description: 'Port that identifies the TCP route.' }) }), { description: 'TCP routes whose weights are set; may be left out when it has one TCP route.' }),
  },
  { required: ['name'] },
);

const TrafficRouting = s.object(
  {
    istio: s.object(
      {
        virtualService: s.withOpts(IstioVirtualService, { description: 'The VirtualService whose route weights the rollout sets.' }),
        virtualServices: s.array(IstioVirtualService, { description: 'Several VirtualServices whose route weights the rollout sets.' }),
        destinationRule: s.object({ name: str('Name of the DestinationRule.'), canarySubsetName: str('Subset the rollout points at the new version\'s pods.'), stableSubsetName: str('Subset the rollout points at the stable version\'s pods.') }, { required: ['canarySubsetName', 'name', 'stableSubsetName'], description: 'Split traffic by DestinationRule subsets instead of by Services.' }),
      },
      { description: 'Split traffic with Istio.' },
    ),
    nginx: s.object(
      {
        annotationPrefix: str('Annotation prefix the NGINX ingress controller is configured with.'),
        stableIngress: str('Ingress (in the rollout\'s namespace) that serves the stable version.'),
        stableIngresses: strings('Several such Ingresses.'),
        additionalIngressAnnotations: labels('Extra annotations for the generated canary Ingress, written without the nginx.ingress.kubernetes.io prefix, which is added.'),
        canaryIngressAnnotations: labels('Extra annotations for the generated canary Ingress, written out in full.'),
      },
      { description: 'Split traffic with an NGINX canary Ingress.' },
    ),
    alb: s.object(
      {
        ingress: str('Ingress (in the rollout\'s namespace) whose actions the rollout sets.'),
        ingresses: strings('Several such Ingresses.'),
        servicePort: i32('Service port the ingress action sends traffic to.'),
        rootService: str('Service in the Ingress whose action is rewritten (the stable Service when unset).'),
        annotationPrefix: str('Annotation prefix the AWS Load Balancer Controller is configured with.'),
        stickinessConfig: s.object({ enabled: s.bool(), durationSeconds: s.int64() }, { required: ['durationSeconds', 'enabled'], description: 'Keep a client on one target group for a time.' }),
      },
      { required: ['servicePort'], description: 'Split traffic with AWS ALB ingress actions.' },
    ),
    smi: s.object({ rootService: str('Service that clients call.'), trafficSplitName: str('Name of the TrafficSplit the rollout manages.') }, { description: 'Split traffic with an SMI TrafficSplit.' }),
    ambassador: s.object({ mappings: strings('Ambassador Mappings that route to the service.') }, { required: ['mappings'], description: 'Split traffic with Ambassador Mappings.' }),
    appMesh: s.looseObject({}, { description: 'Split traffic with AWS App Mesh.' }),
    traefik: s.object({ weightedTraefikServiceName: str('Name of the weighted TraefikService.') }, { required: ['weightedTraefikServiceName'], description: 'Split traffic with a Traefik weighted service.' }),
    apisix: s.looseObject({}, { description: 'Split traffic with an Apache APISIX route.' }),
    plugins: s.looseObject({}, { description: 'Settings for traffic-router plugins, keyed by plugin name.' }),
    managedRoutes: s.array(s.object({ name: str('') }, { required: ['name'] }), { description: 'Routes the rollout adds for header and mirror steps, in order of precedence.' }),
    maxTrafficWeight: i32('Weight that means all of the traffic (100 when unset).'),
  },
  { description: 'Split traffic by weight with a mesh or ingress controller instead of by pod counts.' },
);

const CanaryStrategy = s.object(
  {
    canaryService: str('Service that selects only the new version\'s pods.'),
    stableService: str('Service that selects only the stable version\'s pods.'),
    steps: s.array(CanaryStep, { description: 'The canary steps, run in order.' }),
    trafficRouting: TrafficRouting,
    maxUnavailable: s.intOrString({ description: 'Pods, or a percentage of them, that may be unavailable during the update (25% when unset; not 0 together with maxSurge).' }),
    maxSurge: s.intOrString({ description: 'Pods, or a percentage of them, that may run above the desired count during the update (25% when unset; not 0 together with maxUnavailable).' }),
    analysis: RolloutAnalysisBackground,
    antiAffinity: AntiAffinity,
    canaryMetadata: PodTemplateMetadata,
    stableMetadata: PodTemplateMetadata,
    scaleDownDelaySeconds: i32('Seconds to keep the old version running after traffic moved off it, with traffic routing (30 when unset).'),
    scaleDownDelayRevisionLimit: i32('How many old ReplicaSets may wait for their delayed scale-down at once.'),
    abortScaleDownDelaySeconds: i32('Seconds before the new version\'s pods are scaled down after an abort, with traffic routing (30 when unset, 0 keeps them).'),
    dynamicStableScale: s.bool({ description: 'Shrink the stable version as traffic leaves it, so fewer pods run in total during the update.' }),
    pingPong: s.object({ pingService: str('First of the two Services that swap roles.'), pongService: str('Second of the two Services that swap roles.') }, { required: ['pingService', 'pongService'], description: 'Two Services that take turns as stable and canary, instead of canaryService and stableService.' }),
    minPodsPerReplicaSet: i32('Lower bound on the pods of a non-empty stable or canary ReplicaSet, with traffic routing.'),
    replicaProgressThreshold: s.object({ type: s.enumOf(['Percent', 'Pod']), value: i32('') }, { required: ['type', 'value'], description: 'How many replicas (a percentage or a count) must be ready before the next step.' }),
  },
  { description: 'Canary: move traffic or pods to the new version gradually, step by step.' },
);

export const RolloutSpec = s.object(
  {
    replicas: i32('How many pods the rollout runs (1 when unset).'),
    selector: s.withOpts(LabelSelector, { description: 'Selects the rollout\'s pods; it must match the template\'s labels.' }),
    template: s.withOpts(PodTemplateSpec, { description: 'The pods the rollout runs.' }),
    workloadRef: s.object(
      { apiVersion: str('API version of the workload.'), kind: str('Kind of the workload, such as Deployment.'), name: str('Name of the workload.'), scaleDown: str('Whether and when the referenced Deployment is scaled down: never, onsuccess or progressively.') },
      { description: 'Take the pod template from this workload instead of spec.template.' },
    ),
    minReadySeconds: i32('Seconds a new pod must stay ready before it counts as available (0 when unset).'),
    revisionHistoryLimit: i32('Old ReplicaSets kept for rollback (10 when unset).'),
    paused: s.bool({ description: 'Hold the rollout where it is until this is cleared.' }),
    strategy: s.object({ blueGreen: BlueGreenStrategy, canary: CanaryStrategy }, { description: 'How new pods replace old ones: blueGreen or canary.' }),
    progressDeadlineSeconds: i32('Seconds the rollout may go without progress, pauses excluded, before it is marked failed (600 when unset).'),
    progressDeadlineAbort: s.bool({ description: 'Abort the update, not just report it, when the progress deadline passes.' }),
    restartAt: s.dateTime({ description: 'Restart every pod of the rollout once this time is reached.' }),
    analysis: s.object({ successfulRunHistoryLimit: i32('Successful analysis runs and experiments kept.'), unsuccessfulRunHistoryLimit: i32('Analysis runs and experiments kept that ended Error, Failed or Inconclusive.') }, { description: 'How many finished analysis runs and experiments to keep.' }),
    rollbackWindow: s.object({ revisions: i32('') }, { description: 'Roll back without steps to any of this many recent revisions.' }),
  },
  { description: 'The pods to run and how updates to them are rolled out.' },
);

const RunStatus = s.object({ name: str(''), status: str(''), message: str('') }, { required: ['name', 'status'] });

export const RolloutStatus = s.object(
  {
    abort: s.bool({ description: 'Set to stop the update and return to the stable version.' }),
    pauseConditions: s.array(s.object({ reason: str(''), startTime: s.dateTime() }, { required: ['reason', 'startTime'] }), { description: 'Why the controller paused the rollout; clearing the list resumes it.' }),
    controllerPause: s.bool({ description: 'True once the controller paused the rollout, kept after a resume so a manual resume can be told apart.' }),
    abortedAt: s.dateTime({ description: 'When the controller handled the abort.' }),
    currentPodHash: str('Hash of the current pod template.'),
    currentStepHash: str('Hash of the current steps, to notice when they change.'),
    replicas: i32('Pods of the rollout that are not terminating.'),
    updatedReplicas: i32('Of those, the pods that run the current template.'),
    readyReplicas: i32('Pods of the rollout that are ready.'),
    availableReplicas: i32('Pods ready for at least minReadySeconds.'),
    currentStepIndex: i32('Index of the canary step in progress.'),
    collisionCount: i32('Bumped when a new ReplicaSet name collides, to derive a different one.'),
    observedGeneration: str('The metadata.generation the controller last acted on.'),
    conditions: s.array(Condition, { description: 'Observed conditions of the rollout.' }),
    canary: s.object({ currentStepAnalysisRunStatus: RunStatus, currentBackgroundAnalysisRunStatus: RunStatus, currentExperiment: str(''), weights: s.looseObject({}), stablePingPong: str(''), stepPluginStatuses: s.array(s.looseObject({})) }, { description: 'Progress of the canary strategy.' }),
    blueGreen: s.object({ previewSelector: str(''), activeSelector: str(''), scaleUpPreviewCheckPoint: s.bool(), prePromotionAnalysisRunStatus: RunStatus, postPromotionAnalysisRunStatus: RunStatus }, { description: 'Progress of the blue-green strategy.' }),
    HPAReplicas: i32('Pods receiving live traffic, as a HorizontalPodAutoscaler counts them.'),
    selector: str('Label selector, as a string, of the pods receiving live traffic.'),
    stableRS: str('Pod template hash of the stable ReplicaSet.'),
    restartedAt: s.dateTime({ description: 'When the last restart requested by restartAt finished.' }),
    promoteFull: s.bool({ description: 'Set to promote at once, skipping the remaining steps, pauses and analysis.' }),
    phase: str('Where the rollout stands; trust it only when observedGeneration equals metadata.generation.'),
    message: str('Why the rollout is in its phase, for people.'),
    workloadObservedGeneration: str('The generation of the workloadRef target the controller last acted on.'),
    alb: s.looseObject({}, { description: 'Load balancer and target groups in use, with AWS ALB routing.' }),
    albs: s.array(s.looseObject({})),
  },
  { description: 'How the rollout is going.' },
);
