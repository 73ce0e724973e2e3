/**
 * The other k8s.io/api groups with upstream's field numbers (types.go protobuf tags /
 * generated.proto). Field names are the JSON names; markers (keep / inline): see markers.ts.
 * RBAC and authorization kinds are here even while not served: decoding works as soon as they are
 * registered.
 */
import { CORE, IN, IOS, K, KN, META, NUL, Q } from './markers.js';

const OM = `${META}.ObjectMeta`;

export const appsV1 = `
syntax = "proto2";
package k8s.io.api.apps.v1;
message Deployment { optional ${OM} metadata = 1; optional DeploymentSpec spec = 2; optional DeploymentStatus status = 3; }
message DeploymentSpec {
  optional int32 replicas = 1${K}; optional ${META}.LabelSelector selector = 2${NUL}; optional ${CORE}.PodTemplateSpec template = 3;
  optional DeploymentStrategy strategy = 4; optional int32 minReadySeconds = 5; optional int32 revisionHistoryLimit = 6${K};
  optional bool paused = 7; optional int32 progressDeadlineSeconds = 9${K}; optional string podReplacementPolicy = 10${K};
}
message DeploymentStrategy { optional string type = 1; optional RollingUpdateDeployment rollingUpdate = 2; }
message RollingUpdateDeployment { optional ${IOS} maxUnavailable = 1; optional ${IOS} maxSurge = 2; }
message DeploymentStatus {
  optional int64 observedGeneration = 1; optional int32 replicas = 2; optional int32 updatedReplicas = 3;
  optional int32 availableReplicas = 4; optional int32 unavailableReplicas = 5; repeated DeploymentCondition conditions = 6;
  optional int32 readyReplicas = 7; optional int32 collisionCount = 8${K}; optional int32 terminatingReplicas = 9${K};
}
message DeploymentCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional string reason = 4; optional string message = 5;
  optional ${META}.Time lastUpdateTime = 6; optional ${META}.Time lastTransitionTime = 7;
}
message ReplicaSet { optional ${OM} metadata = 1; optional ReplicaSetSpec spec = 2; optional ReplicaSetStatus status = 3; }
message ReplicaSetSpec { optional int32 replicas = 1${K}; optional ${META}.LabelSelector selector = 2${NUL}; optional ${CORE}.PodTemplateSpec template = 3; optional int32 minReadySeconds = 4; }
message ReplicaSetStatus {
  optional int32 replicas = 1${K}; optional int32 fullyLabeledReplicas = 2; optional int64 observedGeneration = 3;
  optional int32 readyReplicas = 4; optional int32 availableReplicas = 5; repeated ReplicaSetCondition conditions = 6;
  optional int32 terminatingReplicas = 7${K};
}
message ReplicaSetCondition { optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastTransitionTime = 3; optional string reason = 4; optional string message = 5; }
message DaemonSet { optional ${OM} metadata = 1; optional DaemonSetSpec spec = 2; optional DaemonSetStatus status = 3; }
message DaemonSetSpec {
  optional ${META}.LabelSelector selector = 1${NUL}; optional ${CORE}.PodTemplateSpec template = 2; optional DaemonSetUpdateStrategy updateStrategy = 3;
  optional int32 minReadySeconds = 4; optional int32 revisionHistoryLimit = 6${K};
}
message DaemonSetUpdateStrategy { optional string type = 1; optional RollingUpdateDaemonSet rollingUpdate = 2; }
message RollingUpdateDaemonSet { optional ${IOS} maxUnavailable = 1; optional ${IOS} maxSurge = 2; }
message DaemonSetStatus {
  optional int32 currentNumberScheduled = 1${K}; optional int32 numberMisscheduled = 2${K}; optional int32 desiredNumberScheduled = 3${K};
  optional int32 numberReady = 4${K}; optional int64 observedGeneration = 5; optional int32 updatedNumberScheduled = 6;
  optional int32 numberAvailable = 7; optional int32 numberUnavailable = 8; optional int32 collisionCount = 9${K};
  repeated DaemonSetCondition conditions = 10;
}
message DaemonSetCondition { optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastTransitionTime = 3; optional string reason = 4; optional string message = 5; }
message StatefulSet { optional ${OM} metadata = 1; optional StatefulSetSpec spec = 2; optional StatefulSetStatus status = 3; }
message StatefulSetSpec {
  optional int32 replicas = 1${K}; optional ${META}.LabelSelector selector = 2${NUL}; optional ${CORE}.PodTemplateSpec template = 3;
  repeated ${CORE}.PersistentVolumeClaim volumeClaimTemplates = 4; optional string serviceName = 5${K};
  optional string podManagementPolicy = 6; optional StatefulSetUpdateStrategy updateStrategy = 7;
  optional int32 revisionHistoryLimit = 8${K}; optional int32 minReadySeconds = 9;
  optional StatefulSetPersistentVolumeClaimRetentionPolicy persistentVolumeClaimRetentionPolicy = 10;
  optional StatefulSetOrdinals ordinals = 11;
}
message StatefulSetUpdateStrategy { optional string type = 1; optional RollingUpdateStatefulSetStrategy rollingUpdate = 2; }
message RollingUpdateStatefulSetStrategy { optional int32 partition = 1${K}; optional ${IOS} maxUnavailable = 2; }
message StatefulSetPersistentVolumeClaimRetentionPolicy { optional string whenDeleted = 1; optional string whenScaled = 2; }
message StatefulSetOrdinals { optional int32 start = 1${K}; }
message StatefulSetStatus {
  optional int64 observedGeneration = 1; optional int32 replicas = 2${K}; optional int32 readyReplicas = 3;
  optional int32 currentReplicas = 4; optional int32 updatedReplicas = 5; optional string currentRevision = 6;
  optional string updateRevision = 7; optional int32 collisionCount = 9${K}; repeated StatefulSetCondition conditions = 10;
  optional int32 availableReplicas = 11${K};
}
message StatefulSetCondition { optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastTransitionTime = 3; optional string reason = 4; optional string message = 5; }
message ControllerRevision { optional ${OM} metadata = 1; optional .k8s.io.apimachinery.pkg.runtime.RawExtension data = 2; optional int64 revision = 3${K}; }
`;

export const batchV1 = `
syntax = "proto2";
package k8s.io.api.batch.v1;
message Job { optional ${OM} metadata = 1; optional JobSpec spec = 2; optional JobStatus status = 3; }
message JobSpec {
  optional int32 parallelism = 1${K}; optional int32 completions = 2${K}; optional int64 activeDeadlineSeconds = 3${K};
  optional ${META}.LabelSelector selector = 4; optional bool manualSelector = 5${K}; optional ${CORE}.PodTemplateSpec template = 6;
  optional int32 backoffLimit = 7${K}; optional int32 ttlSecondsAfterFinished = 8${K}; optional string completionMode = 9${K};
  optional bool suspend = 10${K}; optional PodFailurePolicy podFailurePolicy = 11; optional int32 backoffLimitPerIndex = 12${K};
  optional int32 maxFailedIndexes = 13${K}; optional string podReplacementPolicy = 14${K}; optional string managedBy = 15${K};
  optional SuccessPolicy successPolicy = 16;
}
message PodFailurePolicy { repeated PodFailurePolicyRule rules = 1${NUL}; }
message PodFailurePolicyRule { optional string action = 1${K}; optional PodFailurePolicyOnExitCodesRequirement onExitCodes = 2${NUL}; repeated PodFailurePolicyOnPodConditionsPattern onPodConditions = 3${NUL}; }
message PodFailurePolicyOnExitCodesRequirement { optional string containerName = 1${KN}; optional string operator = 2${K}; repeated int32 values = 3${NUL}; }
message PodFailurePolicyOnPodConditionsPattern { optional string type = 1${K}; optional string status = 2${K}; }
message SuccessPolicy { repeated SuccessPolicyRule rules = 1${NUL}; }
message SuccessPolicyRule { optional string succeededIndexes = 1${K}; optional int32 succeededCount = 2${K}; }
message JobStatus {
  repeated JobCondition conditions = 1; optional ${META}.Time startTime = 2; optional ${META}.Time completionTime = 3;
  optional int32 active = 4; optional int32 succeeded = 5; optional int32 failed = 6; optional string completedIndexes = 7;
  optional UncountedTerminatedPods uncountedTerminatedPods = 8; optional int32 ready = 9${K}; optional string failedIndexes = 10${K};
  optional int32 terminating = 11${K};
}
message UncountedTerminatedPods { repeated string succeeded = 1; repeated string failed = 2; }
message JobCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastProbeTime = 3;
  optional ${META}.Time lastTransitionTime = 4; optional string reason = 5; optional string message = 6;
}
message JobTemplateSpec { optional ${OM} metadata = 1; optional JobSpec spec = 2; }
message CronJob { optional ${OM} metadata = 1; optional CronJobSpec spec = 2; optional CronJobStatus status = 3; }
message CronJobSpec {
  optional string schedule = 1${K}; optional int64 startingDeadlineSeconds = 2${K}; optional string concurrencyPolicy = 3;
  optional bool suspend = 4${K}; optional JobTemplateSpec jobTemplate = 5; optional int32 successfulJobsHistoryLimit = 6${K};
  optional int32 failedJobsHistoryLimit = 7${K}; optional string timeZone = 8${K};
}
message CronJobStatus { repeated ${CORE}.ObjectReference active = 1; optional ${META}.Time lastScheduleTime = 4; optional ${META}.Time lastSuccessfulTime = 5; }
`;

export const autoscalingV1 = `
syntax = "proto2";
package k8s.io.api.autoscaling.v1;
message CrossVersionObjectReference { optional string kind = 1${K}; optional string name = 2${K}; optional string apiVersion = 3; }
message HorizontalPodAutoscaler { optional ${OM} metadata = 1; optional HorizontalPodAutoscalerSpec spec = 2; optional HorizontalPodAutoscalerStatus status = 3; }
message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1; optional int32 minReplicas = 2${K}; optional int32 maxReplicas = 3${K};
  optional int32 targetCPUUtilizationPercentage = 4${K};
}
message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1${K}; optional ${META}.Time lastScaleTime = 2; optional int32 currentReplicas = 3${K};
  optional int32 desiredReplicas = 4${K}; optional int32 currentCPUUtilizationPercentage = 5${K};
}
message Scale { optional ${OM} metadata = 1; optional ScaleSpec spec = 2; optional ScaleStatus status = 3; }
message ScaleSpec { optional int32 replicas = 1; }
message ScaleStatus { optional int32 replicas = 1${K}; optional string selector = 2; }
`;

export const autoscalingV2 = `
syntax = "proto2";
package k8s.io.api.autoscaling.v2;
message CrossVersionObjectReference { optional string kind = 1${K}; optional string name = 2${K}; optional string apiVersion = 3; }
message HorizontalPodAutoscaler { optional ${OM} metadata = 1; optional HorizontalPodAutoscalerSpec spec = 2; optional HorizontalPodAutoscalerStatus status = 3; }
message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1; optional int32 minReplicas = 2${K}; optional int32 maxReplicas = 3${K};
  repeated MetricSpec metrics = 4; optional HorizontalPodAutoscalerBehavior behavior = 5;
}
message HorizontalPodAutoscalerBehavior { optional HPAScalingRules scaleUp = 1; optional HPAScalingRules scaleDown = 2; }
message HPAScalingRules { optional string selectPolicy = 1${K}; repeated HPAScalingPolicy policies = 2; optional int32 stabilizationWindowSeconds = 3${K}; optional ${Q} tolerance = 4; }
message HPAScalingPolicy { optional string type = 1${K}; optional int32 value = 2${K}; optional int32 periodSeconds = 3${K}; }
message MetricSpec {
  optional string type = 1${K}; optional ObjectMetricSource object = 2; optional PodsMetricSource pods = 3;
  optional ResourceMetricSource resource = 4; optional ExternalMetricSource external = 5; optional ContainerResourceMetricSource containerResource = 7;
}
message ObjectMetricSource { optional CrossVersionObjectReference describedObject = 1; optional MetricTarget target = 2; optional MetricIdentifier metric = 3; }
message PodsMetricSource { optional MetricIdentifier metric = 1; optional MetricTarget target = 2; }
message ResourceMetricSource { optional string name = 1${K}; optional MetricTarget target = 2; }
message ContainerResourceMetricSource { optional string name = 1${K}; optional MetricTarget target = 2; optional string container = 3${K}; }
message ExternalMetricSource { optional MetricIdentifier metric = 1; optional MetricTarget target = 2; }
message MetricIdentifier { optional string name = 1${K}; optional ${META}.LabelSelector selector = 2; }
message MetricTarget { optional string type = 1${K}; optional ${Q} value = 2; optional ${Q} averageValue = 3; optional int32 averageUtilization = 4${K}; }
message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1${K}; optional ${META}.Time lastScaleTime = 2; optional int32 currentReplicas = 3;
  optional int32 desiredReplicas = 4${K}; repeated MetricStatus currentMetrics = 5; repeated HorizontalPodAutoscalerCondition conditions = 6;
}
message HorizontalPodAutoscalerCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastTransitionTime = 3;
  optional string reason = 4; optional string message = 5; optional int64 observedGeneration = 6;
}
message MetricStatus {
  optional string type = 1${K}; optional ObjectMetricStatus object = 2; optional PodsMetricStatus pods = 3;
  optional ResourceMetricStatus resource = 4; optional ExternalMetricStatus external = 5; optional ContainerResourceMetricStatus containerResource = 7;
}
message ObjectMetricStatus { optional MetricIdentifier metric = 1; optional MetricValueStatus current = 2; optional CrossVersionObjectReference describedObject = 3; }
message PodsMetricStatus { optional MetricIdentifier metric = 1; optional MetricValueStatus current = 2; }
message ResourceMetricStatus { optional string name = 1${K}; optional MetricValueStatus current = 2; }
message ContainerResourceMetricStatus { optional string name = 1${K}; optional MetricValueStatus current = 2; optional string container = 3${K}; }
message ExternalMetricStatus { optional MetricIdentifier metric = 1; optional MetricValueStatus current = 2; }
message MetricValueStatus { optional ${Q} value = 1; optional ${Q} averageValue = 2; optional int32 averageUtilization = 3${K}; }
`;

export const policyV1 = `
syntax = "proto2";
package k8s.io.api.policy.v1;
message PodDisruptionBudget { optional ${OM} metadata = 1; optional PodDisruptionBudgetSpec spec = 2; optional PodDisruptionBudgetStatus status = 3; }
message PodDisruptionBudgetSpec {
  optional ${IOS} minAvailable = 1; optional ${META}.LabelSelector selector = 2; optional ${IOS} maxUnavailable = 3;
  optional string unhealthyPodEvictionPolicy = 4${K};
}
message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1; map<string, ${META}.Time> disruptedPods = 2; optional int32 disruptionsAllowed = 3${K};
  optional int32 currentHealthy = 4${K}; optional int32 desiredHealthy = 5${K}; optional int32 expectedPods = 6${K};
  repeated ${META}.Condition conditions = 7;
}
message Eviction { optional ${OM} metadata = 1; optional ${META}.DeleteOptions deleteOptions = 2; }
`;

export const networkingV1 = `
syntax = "proto2";
package k8s.io.api.networking.v1;
message Ingress { optional ${OM} metadata = 1; optional IngressSpec spec = 2; optional IngressStatus status = 3; }
message IngressSpec { optional IngressBackend defaultBackend = 1; repeated IngressTLS tls = 2; repeated IngressRule rules = 3; optional string ingressClassName = 4${K}; }
message IngressBackend { optional ${CORE}.TypedLocalObjectReference resource = 3; optional IngressServiceBackend service = 4; }
message IngressServiceBackend { optional string name = 1${K}; optional ServiceBackendPort port = 2; }
message ServiceBackendPort { optional string name = 1; optional int32 number = 2; }
message IngressTLS { repeated string hosts = 1; optional string secretName = 2; }
message IngressRule { optional string host = 1; optional IngressRuleValue ingressRuleValue = 2${IN}; }
message IngressRuleValue { optional HTTPIngressRuleValue http = 1; }
message HTTPIngressRuleValue { repeated HTTPIngressPath paths = 1${NUL}; }
message HTTPIngressPath { optional string path = 1; optional IngressBackend backend = 2; optional string pathType = 3${K}; }
message IngressStatus { optional IngressLoadBalancerStatus loadBalancer = 1; }
message IngressLoadBalancerStatus { repeated IngressLoadBalancerIngress ingress = 1; }
message IngressLoadBalancerIngress { optional string ip = 1; optional string hostname = 2; repeated IngressPortStatus ports = 4; }
message IngressPortStatus { optional int32 port = 1${K}; optional string protocol = 2${K}; optional string error = 3${K}; }
message IngressClass { optional ${OM} metadata = 1; optional IngressClassSpec spec = 2; }
message IngressClassSpec { optional string controller = 1; optional IngressClassParametersReference parameters = 2; }
message IngressClassParametersReference {
  optional string apiGroup = 1${KN}; optional string kind = 2${K}; optional string name = 3${K}; optional string scope = 4${KN}; optional string namespace = 5${K};
}
message NetworkPolicy { optional ${OM} metadata = 1; optional NetworkPolicySpec spec = 2; }
message NetworkPolicySpec {
  optional ${META}.LabelSelector podSelector = 1; repeated NetworkPolicyIngressRule ingress = 2;
  repeated NetworkPolicyEgressRule egress = 3; repeated string policyTypes = 4;
}
message NetworkPolicyIngressRule { repeated NetworkPolicyPort ports = 1; repeated NetworkPolicyPeer from = 2; }
message NetworkPolicyEgressRule { repeated NetworkPolicyPort ports = 1; repeated NetworkPolicyPeer to = 2; }
message NetworkPolicyPort { optional string protocol = 1${K}; optional ${IOS} port = 2; optional int32 endPort = 3${K}; }
message NetworkPolicyPeer { optional ${META}.LabelSelector podSelector = 1; optional ${META}.LabelSelector namespaceSelector = 2; optional IPBlock ipBlock = 3; }
message IPBlock { optional string cidr = 1${K}; repeated string except = 2; }
`;

export const rbacV1 = `
syntax = "proto2";
package k8s.io.api.rbac.v1;
message PolicyRule { repeated string verbs = 1${NUL}; repeated string apiGroups = 2; repeated string resources = 3; repeated string resourceNames = 4; repeated string nonResourceURLs = 5; }
message Subject { optional string kind = 1${K}; optional string apiGroup = 2; optional string name = 3${K}; optional string namespace = 4; }
message RoleRef { optional string apiGroup = 1${K}; optional string kind = 2${K}; optional string name = 3${K}; }
message Role { optional ${OM} metadata = 1; repeated PolicyRule rules = 2${NUL}; }
message RoleBinding { optional ${OM} metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
message ClusterRole { optional ${OM} metadata = 1; repeated PolicyRule rules = 2${NUL}; optional AggregationRule aggregationRule = 3; }
message AggregationRule { repeated ${META}.LabelSelector clusterRoleSelectors = 1; }
message ClusterRoleBinding { optional ${OM} metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
`;

export const authorizationV1 = `
syntax = "proto2";
package k8s.io.api.authorization.v1;
message ExtraValue { repeated string items = 1; }
message ResourceAttributes {
  optional string namespace = 1; optional string verb = 2; optional string group = 3; optional string version = 4;
  optional string resource = 5; optional string subresource = 6; optional string name = 7;
  optional FieldSelectorAttributes fieldSelector = 8; optional LabelSelectorAttributes labelSelector = 9;
}
message FieldSelectorAttributes { optional string rawSelector = 1; repeated FieldSelectorRequirement requirements = 2; }
message FieldSelectorRequirement { optional string key = 1${K}; optional string operator = 2${K}; repeated string values = 3; }
message LabelSelectorAttributes { optional string rawSelector = 1; repeated ${META}.LabelSelectorRequirement requirements = 2; }
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message SubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2;
  optional string user = 3; repeated string groups = 4; map<string, ExtraValue> extra = 5; optional string uid = 6;
}
message SubjectAccessReviewStatus { optional bool allowed = 1${K}; optional string reason = 2; optional string evaluationError = 3; optional bool denied = 4; }
message SubjectAccessReview { optional ${OM} metadata = 1; optional SubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }
message LocalSubjectAccessReview { optional ${OM} metadata = 1; optional SubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }
message SelfSubjectAccessReviewSpec { optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2; }
message SelfSubjectAccessReview { optional ${OM} metadata = 1; optional SelfSubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }
message SelfSubjectRulesReviewSpec { optional string namespace = 1; }
message ResourceRule { repeated string verbs = 1; repeated string apiGroups = 2; repeated string resources = 3; repeated string resourceNames = 4; }
message NonResourceRule { repeated string verbs = 1; repeated string nonResourceURLs = 2; }
message SubjectRulesReviewStatus { repeated ResourceRule resourceRules = 1; repeated NonResourceRule nonResourceRules = 2; optional bool incomplete = 3${K}; optional string evaluationError = 4; }
message SelfSubjectRulesReview { optional ${OM} metadata = 1; optional SelfSubjectRulesReviewSpec spec = 2; optional SubjectRulesReviewStatus status = 3; }
`;

export const authenticationV1 = `
syntax = "proto2";
package k8s.io.api.authentication.v1;
message ExtraValue { repeated string items = 1; }
message UserInfo { optional string username = 1; optional string uid = 2; repeated string groups = 3; map<string, ExtraValue> extra = 4; }
message TokenReviewSpec { optional string token = 1; repeated string audiences = 2; }
message TokenReviewStatus { optional bool authenticated = 1; optional UserInfo user = 2; optional string error = 3; repeated string audiences = 4; }
message TokenReview { optional ${OM} metadata = 1; optional TokenReviewSpec spec = 2; optional TokenReviewStatus status = 3; }
message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uid = 4; }
message TokenRequestSpec { repeated string audiences = 1${NUL}; optional BoundObjectReference boundObjectRef = 3${NUL}; optional int64 expirationSeconds = 4${K}; }
message TokenRequestStatus { optional string token = 1${K}; optional ${META}.Time expirationTimestamp = 2; }
message TokenRequest { optional ${OM} metadata = 1; optional TokenRequestSpec spec = 2; optional TokenRequestStatus status = 3; }
message SelfSubjectReviewStatus { optional UserInfo userInfo = 1; }
message SelfSubjectReview { optional ${OM} metadata = 1; optional SelfSubjectReviewStatus status = 2; }
`;

/** authentication.k8s.io/v1beta1: only SelfSubjectReview (its status holds the v1 UserInfo, as upstream's generated.proto imports it). */
export const authenticationV1beta1 = `
syntax = "proto2";
package k8s.io.api.authentication.v1beta1;
message SelfSubjectReviewStatus { optional k8s.io.api.authentication.v1.UserInfo userInfo = 1; }
message SelfSubjectReview { optional ${OM} metadata = 1; optional SelfSubjectReviewStatus status = 2; }
`;

export const coordinationV1 = `
syntax = "proto2";
package k8s.io.api.coordination.v1;
message Lease { optional ${OM} metadata = 1; optional LeaseSpec spec = 2; }
message LeaseSpec {
  optional string holderIdentity = 1${K}; optional int32 leaseDurationSeconds = 2${K}; optional ${META}.MicroTime acquireTime = 3;
  optional ${META}.MicroTime renewTime = 4; optional int32 leaseTransitions = 5${K}; optional string strategy = 6${K};
  optional string preferredHolder = 7${K};
}
`;

export const eventsV1 = `
syntax = "proto2";
package k8s.io.api.events.v1;
message Event {
  optional ${OM} metadata = 1; optional ${META}.MicroTime eventTime = 2; optional EventSeries series = 3;
  optional string reportingController = 4; optional string reportingInstance = 5; optional string action = 6;
  optional string reason = 7; optional ${CORE}.ObjectReference regarding = 8; optional ${CORE}.ObjectReference related = 9;
  optional string note = 10; optional string type = 11; optional ${CORE}.EventSource deprecatedSource = 12;
  optional ${META}.Time deprecatedFirstTimestamp = 13; optional ${META}.Time deprecatedLastTimestamp = 14; optional int32 deprecatedCount = 15;
}
message EventSeries { optional int32 count = 1${K}; optional ${META}.MicroTime lastObservedTime = 2; }
`;

export const schedulingV1 = `
syntax = "proto2";
package k8s.io.api.scheduling.v1;
message PriorityClass {
  optional ${OM} metadata = 1; optional int32 value = 2${K}; optional bool globalDefault = 3; optional string description = 4;
  optional string preemptionPolicy = 5${K};
}
`;

export const discoveryV1 = `
syntax = "proto2";
package k8s.io.api.discovery.v1;
message EndpointSlice { optional ${OM} metadata = 1; repeated Endpoint endpoints = 2${NUL}; repeated EndpointPort ports = 3; optional string addressType = 4${K}; }
message Endpoint {
  repeated string addresses = 1${NUL}; optional EndpointConditions conditions = 2; optional string hostname = 3${K};
  optional ${CORE}.ObjectReference targetRef = 4; map<string, string> deprecatedTopology = 5; optional string nodeName = 6${K};
  optional string zone = 7${K}; optional EndpointHints hints = 8;
}
message EndpointConditions { optional bool ready = 1${K}; optional bool serving = 2${K}; optional bool terminating = 3${K}; }
message EndpointHints { repeated ForZone forZones = 1; repeated ForNode forNodes = 2; }
message ForZone { optional string name = 1${K}; }
message ForNode { optional string name = 1${K}; }
message EndpointPort { optional string name = 1${K}; optional string protocol = 2${K}; optional int32 port = 3${K}; optional string appProtocol = 4${K}; }
`;
