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
  templates: s.array(AnalysisTemplateRef, { description: 'Templates reference to a list of analysis templates to combine for an AnalysisRun' }),
  args: s.array(AnalysisRunArgument, { description: 'Args the arguments that will be added to the AnalysisRuns' }),
  dryRun: DryRun,
  measurementRetention: MeasurementRetention,
  analysisRunMetadata: AnalysisRunMetadata,
};
const RolloutAnalysis = s.object(RolloutAnalysisFields, { description: 'RolloutAnalysis defines a template that is used to create a analysisRun' });

const RolloutAnalysisBackground = s.object(
  {
    ...RolloutAnalysisFields,
    startingStep: i32('StartingStep indicates which step the background analysis should start on If not listed, controller defaults to 0'),
    interval: metricField('interval', s.string()),
    count: metricField('count', s.intOrString()),
    successCondition: metricField('successCondition', s.string()),
    failureCondition: metricField('failureCondition', s.string()),
  },
  { description: 'Analysis runs a separate analysisRun while all the steps execute. This is intended to be a continuous validation of the new ReplicaSet' },
);

const AntiAffinity = s.object(
  {
    preferredDuringSchedulingIgnoredDuringExecution: s.object({ weight: i32('Weight associated with matching the corresponding podAffinityTerm, in the range 1-100.') }, { required: ['weight'], description: 'PreferredDuringSchedulingIgnoredDuringExecution defines the weight of the anti-affinity injection' }),
    requiredDuringSchedulingIgnoredDuringExecution: s.object({}, { description: 'RequiredDuringSchedulingIgnoredDuringExecution if specified, forces the anti-affinity injection to be required' }),
  },
  { description: 'AntiAffinity enables anti-affinity rules for Canary deployment' },
);

const BlueGreenStrategy = s.object(
  {
    activeService: str('Name of the service that the rollout modifies as the active service.'),
    previewService: str('Name of the service that the rollout modifies as the preview service.'),
    previewReplicaCount: i32('PreviewReplicaCount is the number of replicas to run for the preview stack before the switchover. Once the rollout is resumed the desired replicaset will be full scaled up before the switch occurs +optional'),
    autoPromotionEnabled: s.bool({ description: 'AutoPromotionEnabled indicates if the rollout should automatically promote the new ReplicaSet to the active service or enter a paused state. If not specified, the default value is true. +optional' }),
    autoPromotionSeconds: i32('AutoPromotionSeconds is a duration in seconds in which to delay auto-promotion (default: 0). The countdown begins after the preview ReplicaSet have reached full availability. This option is ignored if autoPromotionEnabled is set to false.'),
    maxUnavailable: s.intOrString({ description: 'MaxUnavailable The maximum number of pods that can be unavailable during a restart operation. Defaults to 0.' }),
    scaleDownDelaySeconds: i32('ScaleDownDelaySeconds adds a delay before scaling down the previous replicaset. If omitted, the Rollout waits 30 seconds before scaling down the previous ReplicaSet. A minimum of 30 seconds is recommended to ensure IP table propagation across the nodes in a cluster.'),
    scaleDownDelayRevisionLimit: i32('ScaleDownDelayRevisionLimit limits the number of old RS that can run at one time before getting scaled down'),
    prePromotionAnalysis: RolloutAnalysis,
    antiAffinity: AntiAffinity,
    postPromotionAnalysis: RolloutAnalysis,
    previewMetadata: PodTemplateMetadata,
    activeMetadata: PodTemplateMetadata,
    abortScaleDownDelaySeconds: i32('AbortScaleDownDelaySeconds adds a delay in second before scaling down the preview replicaset if update is aborted. 0 means not to scale down. Default is 30 second'),
  },
  { required: ['activeService'], description: 'BlueGreen update strategy' },
);

const HeaderValueMatch = s.object({ exact: str(''), prefix: str(''), regex: str('') });

const CanaryStep = s.object({
  setWeight: i32('SetWeight sets what percentage of the newRS should receive'),
  pause: s.object({ duration: s.intOrString({ description: 'Duration the amount of time to wait before moving to the next step.' }) }, { description: 'Pause freezes the rollout by setting spec.Paused to true. A Rollout will resume when spec.Paused is reset to false.' }),
  experiment: s.object(
    {
      templates: s.array(
        s.object(
          {
            name: str('Name is a unique name for this template'),
            specRef: str('SpecRef indicates where the rollout should get the RS template from'),
            replicas: i32('Replicas the number of replicas to run (optional)'),
            metadata: PodTemplateMetadata,
            selector: LabelSelector,
            weight: i32(''),
            service: s.object({ name: str('Name of the experiment service') }, { description: 'Service controls the optionally generated service' }),
          },
          { required: ['name', 'specRef'] },
        ),
        { description: 'Templates what templates that should be added to the experiment. Should be non-nil' },
      ),
      duration: str('Duration is a duration string (e.g. 30s, 5m, 1h) that the experiment should run for'),
      analyses: s.array(s.object({ name: str(''), templateName: str(''), clusterScope: s.bool(), args: s.array(AnalysisRunArgument), requiredForCompletion: s.bool() }, { required: ['name', 'templateName'] }), { description: 'Analyses what analyses to run with the experiment' }),
      dryRun: DryRun,
      measurementRetention: MeasurementRetention,
      analysisRunMetadata: AnalysisRunMetadata,
    },
    { required: ['templates'], description: 'Experiment defines the experiment object that should be created' },
  ),
  analysis: RolloutAnalysis,
  setCanaryScale: s.object({ weight: i32('Weight sets the percentage of replicas the newRS should have'), replicas: i32('Replicas sets the number of replicas the newRS should have'), matchTrafficWeight: s.bool({ description: 'MatchTrafficWeight cancels out previously set Replicas or Weight, effectively activating SetWeight' }) }, { description: 'SetCanaryScale defines how to scale the newRS without changing traffic weight' }),
  setHeaderRoute: s.object({ name: str('Name this is the name of the route to use for the mirroring of traffic this also needs to be included in the `spec.strategy.canary.trafficRouting.managedRoutes` field'), match: s.array(s.object({ headerName: str('HeaderName the name of the request header'), headerValue: HeaderValueMatch }, { required: ['headerName', 'headerValue'] })) }, { description: 'SetHeaderRoute defines the route with specified header name to send 100% of traffic to the canary service' }),
  setMirrorRoute: s.object({ name: str('Name this is the name of the route to use for the mirroring of traffic this also needs to be included in the `spec.strategy.canary.trafficRouting.managedRoutes` field'), match: s.array(s.object({ method: HeaderValueMatch, path: HeaderValueMatch, headers: s.map(HeaderValueMatch) })), percentage: i32('Services The list of services to mirror the traffic to if the method, path, headers match Service string `json:"service" protobuf:"bytes,3,opt,name=service"` Percentage What percent of the traffic that matched the rules should be mirrored') }, { required: ['name'], description: 'SetMirrorRoutes Mirrors traffic that matches rules to a particular destination' }),
  plugin: s.object({ name: str('Name of the referenced step plugin'), config: s.anyValue({ description: 'Config is the configuration object for the specified plugin' }) }, { required: ['name'], description: 'Plugin defines a plugin to execute for a step' }),
});

const IstioVirtualService = s.object(
  {
    name: str('Name holds the name of the VirtualService'),
    routes: strings('A list of HTTP routes within VirtualService to edit. If omitted, VirtualService must have a single route of this type.'),
    tlsRoutes: s.array(s.object({ port: s.int64({ description: 'Port number of the TLS Route desired to be matched in the given Istio VirtualService.' }), sniHosts: strings('A list of all the SNI Hosts of the TLS Route desired to be matched in the given Istio VirtualService.') }), { description: 'A list of TLS/HTTPS routes within VirtualService to edit. If omitted, VirtualService must have a single route of this type.' }),
    tcpRoutes: s.array(s.object({ port: s.int64({ description: 'Port number of the TCP Route desired to be matched in the given Istio VirtualService.' }) }), { description: 'A list of TCP routes within VirtualService to edit. If omitted, VirtualService must have a single route of this type.' }),
  },
  { required: ['name'] },
);

const TrafficRouting = s.object(
  {
    istio: s.object(
      {
        virtualService: s.withOpts(IstioVirtualService, { description: 'VirtualService references an Istio VirtualService to modify to shape traffic' }),
        virtualServices: s.array(IstioVirtualService, { description: 'VirtualServices references a list of Istio VirtualService to modify to shape traffic' }),
        destinationRule: s.object({ name: str('Name holds the name of the DestinationRule'), canarySubsetName: str('CanarySubsetName is the subset name to modify labels with canary ReplicaSet pod template hash value'), stableSubsetName: str('StableSubsetName is the subset name to modify labels with stable ReplicaSet pod template hash value') }, { required: ['canarySubsetName', 'name', 'stableSubsetName'], description: 'DestinationRule references an Istio DestinationRule to modify to shape traffic' }),
      },
      { description: 'Istio holds Istio specific configuration to route traffic' },
    ),
    nginx: s.object(
      {
        annotationPrefix: str('AnnotationPrefix has to match the configured annotation prefix on the nginx ingress controller'),
        stableIngress: str('StableIngress refers to the name of an `Ingress` resource in the same namespace as the `Rollout`'),
        stableIngresses: strings('StableIngresses refers to the names of `Ingress` resources in the same namespace as the `Rollout` in a multi ingress scenario'),
        additionalIngressAnnotations: labels('AdditionalIngressAnnotations is for adding additional annotations to the canary ingress. The annotation prefix (nginx.ingress.kubernetes.io) is added automatically.'),
        canaryIngressAnnotations: labels('CanaryIngressAnnotations is for adding additional annotations to the canary ingress, without the annotation prefix.'),
      },
      { description: 'Nginx holds Nginx Ingress specific configuration to route traffic' },
    ),
    alb: s.object(
      {
        ingress: str('Ingress refers to the name of an `Ingress` resource in the same namespace as the `Rollout`'),
        ingresses: strings('Ingresses refers to the name of an `Ingress` resource in the same namespace as the `Rollout` in a multi ingress scenario'),
        servicePort: i32('ServicePort refers to the port that the Ingress action should route traffic to'),
        rootService: str('RootService references the service in the ingress to the controller should add the action to'),
        annotationPrefix: str('AnnotationPrefix has to match the configured annotation prefix on the alb ingress controller'),
        stickinessConfig: s.object({ enabled: s.bool(), durationSeconds: s.int64() }, { required: ['durationSeconds', 'enabled'], description: 'StickinessConfig refers to the duration-based stickiness of the target groups associated with an `Ingress`' }),
      },
      { required: ['servicePort'], description: 'Nginx holds ALB Ingress specific configuration to route traffic' },
    ),
    smi: s.object({ rootService: str('RootService holds the name of that clients use to communicate.'), trafficSplitName: str('TrafficSplitName holds the name of the TrafficSplit.') }, { description: 'SMI holds TrafficSplit specific configuration to route traffic' }),
    ambassador: s.object({ mappings: strings('Mappings refer to the name of the Ambassador Mappings used to route traffic to the service') }, { required: ['mappings'], description: 'Ambassador holds specific configuration to use Ambassador to route traffic' }),
    appMesh: s.looseObject({}, { description: 'AppMesh holds specific configuration to use AppMesh to route traffic' }),
    traefik: s.object({ weightedTraefikServiceName: str('TraefikService weighted_traefik_service_name') }, { required: ['weightedTraefikServiceName'], description: 'Traefik holds specific configuration to use Traefik to route traffic' }),
    apisix: s.looseObject({}, { description: 'Apisix holds specific configuration to use Apisix to route traffic' }),
    plugins: s.looseObject({}, { description: 'Plugins holds specific configuration that traffic router plugins can use for routing traffic' }),
    managedRoutes: s.array(s.object({ name: str('') }, { required: ['name'] }), { description: 'ManagedRoutes A list of HTTP routes that Argo Rollouts manages, the order of this array also becomes the precedence in the upstream traffic router.' }),
    maxTrafficWeight: i32('MaxTrafficWeight The total weight of traffic. If unspecified, it defaults to 100'),
  },
  { description: 'TrafficRouting hosts all the supported service meshes supported to enable more fine-grained traffic routing' },
);

const CanaryStrategy = s.object(
  {
    canaryService: str('CanaryService holds the name of a service which selects pods with canary version and don\'t select any pods with stable version. +optional'),
    stableService: str('StableService holds the name of a service which selects pods with stable version and don\'t select any pods with canary version. +optional'),
    steps: s.array(CanaryStep, { description: 'Steps define the order of phases to execute the canary deployment +optional' }),
    trafficRouting: TrafficRouting,
    maxUnavailable: s.intOrString({ description: 'MaxUnavailable The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of total pods at the start of update (ex: 10%). Absolute number is calculated from percentage by rounding down. This can not be 0 if MaxSurge is 0. By default, a fixed value of 25% is used.' }),
    maxSurge: s.intOrString({ description: 'MaxSurge The maximum number of pods that can be scheduled above the original number of pods. Value can be an absolute number (ex: 5) or a percentage of total pods at the start of the update (ex: 10%). This can not be 0 if MaxUnavailable is 0. Absolute number is calculated from percentage by rounding up. By default, a value of 25% is used.' }),
    analysis: RolloutAnalysisBackground,
    antiAffinity: AntiAffinity,
    canaryMetadata: PodTemplateMetadata,
    stableMetadata: PodTemplateMetadata,
    scaleDownDelaySeconds: i32('ScaleDownDelaySeconds adds a delay before scaling down the previous ReplicaSet when the canary strategy is used with traffic routing (default 30 seconds).'),
    scaleDownDelayRevisionLimit: i32('ScaleDownDelayRevisionLimit limits the number of old RS that can run at one time before getting scaled down'),
    abortScaleDownDelaySeconds: i32('AbortScaleDownDelaySeconds adds a delay in second before scaling down the canary pods when update is aborted for canary strategy with traffic routing (not applicable for basic canary). 0 means canary pods are not scaled down. Default is 30 seconds.'),
    dynamicStableScale: s.bool({ description: 'DynamicStableScale is a traffic routing feature which dynamically scales the stable ReplicaSet to minimize total pods which are running during an update.' }),
    pingPong: s.object({ pingService: str('name of the ping service'), pongService: str('name of the pong service') }, { required: ['pingService', 'pongService'], description: 'PingPongSpec holds the ping and pong services' }),
    minPodsPerReplicaSet: i32('Assuming the desired number of pods in a stable or canary ReplicaSet is not zero, then make sure it is at least MinPodsPerReplicaSet for High Availability. Only applicable for TrafficRoutedCanary'),
    replicaProgressThreshold: s.object({ type: s.enumOf(['Percent', 'Pod']), value: i32('') }, { required: ['type', 'value'], description: 'ReplicaProgressThreshold is the threshold of replicas that must be ready before the rollout moves to the next step' }),
  },
  { description: 'Canary update strategy' },
);

export const RolloutSpec = s.object(
  {
    replicas: i32('How many pods the rollout runs (1 when unset).'),
    selector: s.withOpts(LabelSelector, { description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this rollout. It must match the pod template\'s labels.' }),
    template: s.withOpts(PodTemplateSpec, { description: 'The pods the rollout runs.' }),
    workloadRef: s.object(
      { apiVersion: str('API Version of the referent'), kind: str('Kind of the referent'), name: str('Name of the referent'), scaleDown: str('Automatically scale down deployment') },
      { description: 'WorkloadRef holds a references to a workload that provides Pod template' },
    ),
    minReadySeconds: i32('Seconds a new pod must stay ready before it counts as available (0 when unset).'),
    revisionHistoryLimit: i32('The number of old ReplicaSets to retain. If unspecified, will retain 10 old ReplicaSets'),
    paused: s.bool({ description: 'Paused pauses the rollout at its current step.' }),
    strategy: s.object({ blueGreen: BlueGreenStrategy, canary: CanaryStrategy }, { description: 'The deployment strategy to use to replace existing pods with new ones. +optional' }),
    progressDeadlineSeconds: i32('ProgressDeadlineSeconds The maximum time in seconds for a rollout to make progress before it is considered to be failed. Argo Rollouts will continue to process failed rollouts and a condition with a ProgressDeadlineExceeded reason will be surfaced in the rollout status. Note that progress will not be estimated during the time a rollout is paused. Defaults to 600s.'),
    progressDeadlineAbort: s.bool({ description: 'ProgressDeadlineAbort is whether to abort the update when ProgressDeadlineSeconds is exceeded.' }),
    restartAt: s.dateTime({ description: 'RestartAt indicates when all the pods of a Rollout should be restarted' }),
    analysis: s.object({ successfulRunHistoryLimit: i32('SuccessfulRunHistoryLimit limits the number of old successful analysis runs and experiments to be retained in a history'), unsuccessfulRunHistoryLimit: i32('UnsuccessfulRunHistoryLimit limits the number of old unsuccessful analysis runs and experiments to be retained in a history. Stages for unsuccessful: "Error", "Failed", "Inconclusive"') }, { description: 'Analysis configuration for the analysis runs to retain' }),
    rollbackWindow: s.object({ revisions: i32('') }, { description: 'The rollback window provides a way to fast track deployments to previously deployed versions. +optional' }),
  },
  { description: 'RolloutSpec is the spec for a Rollout resource' },
);

const RunStatus = s.object({ name: str(''), status: str(''), message: str('') }, { required: ['name', 'status'] });

export const RolloutStatus = s.object(
  {
    abort: s.bool({ description: 'Abort cancel the current rollout progression' }),
    pauseConditions: s.array(s.object({ reason: str(''), startTime: s.dateTime() }, { required: ['reason', 'startTime'] }), { description: 'PauseConditions is a list of reasons why rollout became automatically paused (e.g. CanaryPauseStep, BlueGreenPause, InconclusiveAnalysis). The items in this list are populated by the controller but are cleared by the user (e.g. plugin, argo-cd resume action) when they wish to unpause. If pause conditions is empty, but controllerPause is true, it indicates the user manually unpaused the Rollout' }),
    controllerPause: s.bool({ description: 'ControllerPause indicates the controller has paused the rollout. It is set to true when the controller adds a pause condition. This field helps to discern the scenario where a rollout was resumed after being paused by the controller (e.g. via the plugin). In that situation, the pauseConditions would have been cleared , but controllerPause would still be set to true.' }),
    abortedAt: s.dateTime({ description: 'AbortedAt indicates the controller reconciled an aborted rollout. The controller uses this to understand if the controller needs to do some specific work when a Rollout is aborted. For example, the reconcileAbort is used to indicate if the Rollout should enter an aborted state when the latest AnalysisRun is a failure, or the controller has already put the Rollout into an aborted and should create a new AnalysisRun.' }),
    currentPodHash: str('CurrentPodHash the hash of the current pod template +optional'),
    currentStepHash: str('CurrentStepHash the hash of the current list of steps for the current strategy. This is used to detect when the list of current steps change +optional'),
    replicas: i32('Total number of non-terminated pods targeted by this rollout (their labels match the selector). +optional'),
    updatedReplicas: i32('Total number of non-terminated pods targeted by this rollout that have the desired template spec. +optional'),
    readyReplicas: i32('Total number of ready pods targeted by this rollout. +optional'),
    availableReplicas: i32('Total number of available pods (ready for at least minReadySeconds) targeted by this rollout. +optional'),
    currentStepIndex: i32('CurrentStepIndex defines the current step of the rollout is on. If the current step index is null, the controller will execute the rollout. +optional'),
    collisionCount: i32('Count of hash collisions for the Rollout. The Rollout controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet. +optional'),
    observedGeneration: str('The generation observed by the rollout controller from metadata.generation +optional'),
    conditions: s.array(Condition, { description: 'Conditions a list of conditions a rollout can have. +optional' }),
    canary: s.object({ currentStepAnalysisRunStatus: RunStatus, currentBackgroundAnalysisRunStatus: RunStatus, currentExperiment: str(''), weights: s.looseObject({}), stablePingPong: str(''), stepPluginStatuses: s.array(s.looseObject({})) }, { description: 'Canary describes the state of the canary rollout +optional' }),
    blueGreen: s.object({ previewSelector: str(''), activeSelector: str(''), scaleUpPreviewCheckPoint: s.bool(), prePromotionAnalysisRunStatus: RunStatus, postPromotionAnalysisRunStatus: RunStatus }, { description: 'BlueGreen describes the state of the bluegreen rollout +optional' }),
    HPAReplicas: i32('HPAReplicas the number of non-terminated replicas that are receiving active traffic +optional'),
    selector: str('Selector that identifies the pods that are receiving active traffic +optional'),
    stableRS: str('StableRS indicates the replicaset that has successfully rolled out +optional'),
    restartedAt: s.dateTime({ description: 'RestartedAt indicates last time a Rollout was restarted' }),
    promoteFull: s.bool({ description: 'PromoteFull indicates if the rollout should perform a full promotion, skipping analysis and pauses.' }),
    phase: str('Phase is the rollout phase. Clients should only rely on the value if status.observedGeneration equals metadata.generation'),
    message: str('Message provides details on why the rollout is in its current phase'),
    workloadObservedGeneration: str('The generation of referenced workload observed by the rollout controller +optional'),
    alb: s.looseObject({}, { description: '/ ALB keeps information regarding the ALB and TargetGroups' }),
    albs: s.array(s.looseObject({})),
  },
  { description: 'RolloutStatus is the status for a Rollout resource' },
);
