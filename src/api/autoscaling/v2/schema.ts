/** Schemas of autoscaling/v2 (k8s.io/api/autoscaling/v2 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { Time, LabelSelector, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.autoscaling.v2';

export const CrossVersionObjectReference = s.object(
  {
    kind: s.string({ description: 'kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' }),
    name: s.string({ description: 'name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names' }),
    apiVersion: s.string({ description: 'apiVersion is the API version of the referent' }),
  },
  { id: `${P}.CrossVersionObjectReference`, required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic' },
);

export const MetricIdentifier = s.object(
  {
    name: s.string({ description: 'name is the name of the given metric' }),
    selector: s.withOpts(LabelSelector, { description: 'selector is the string-encoded form of a standard kubernetes label selector for the given metric.' }),
  },
  { id: `${P}.MetricIdentifier`, required: ['name'] },
);

export const MetricTarget = s.object(
  {
    type: s.string({ description: 'type represents whether the metric type is Utilization, Value, or AverageValue' }),
    value: s.quantity({ description: 'value is the target value of the metric (as a quantity).' }),
    averageValue: s.quantity({ description: 'averageValue is the target value of the average of the metric across all relevant pods (as a quantity)' }),
    averageUtilization: s.int32({ description: 'averageUtilization is the target value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods. Currently only valid for Resource metric source type' }),
  },
  { id: `${P}.MetricTarget`, required: ['type'] },
);

export const MetricValueStatus = s.object(
  {
    value: s.quantity({ description: 'value is the current value of the metric (as a quantity).' }),
    averageValue: s.quantity({ description: 'averageValue is the current value of the average of the metric across all relevant pods (as a quantity)' }),
    averageUtilization: s.int32({ description: 'currentAverageUtilization is the current value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.' }),
  },
  { id: `${P}.MetricValueStatus` },
);

const ObjectMetricSource = s.object(
  { describedObject: CrossVersionObjectReference, target: MetricTarget, metric: MetricIdentifier },
  { id: `${P}.ObjectMetricSource`, required: ['describedObject', 'target', 'metric'], description: 'ObjectMetricSource indicates how to scale on a metric describing a kubernetes object.' },
);
const PodsMetricSource = s.object(
  { metric: MetricIdentifier, target: MetricTarget },
  { id: `${P}.PodsMetricSource`, required: ['metric', 'target'], description: 'PodsMetricSource indicates how to scale on a metric describing each pod in the current scale target.' },
);
const ResourceMetricSource = s.object(
  { name: s.string({ description: 'name is the name of the resource in question.' }), target: MetricTarget },
  { id: `${P}.ResourceMetricSource`, required: ['name', 'target'], description: 'ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes (e.g. cpu or memory).' },
);
const ContainerResourceMetricSource = s.object(
  {
    name: s.string({ description: 'name is the name of the resource in question.' }),
    target: MetricTarget,
    container: s.string({ description: 'container is the name of the container in the pods of the scaling target' }),
  },
  { id: `${P}.ContainerResourceMetricSource`, required: ['name', 'target', 'container'] },
);
const ExternalMetricSource = s.object(
  { metric: MetricIdentifier, target: MetricTarget },
  { id: `${P}.ExternalMetricSource`, required: ['metric', 'target'], description: 'ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object.' },
);

export const MetricSpec = s.object(
  {
    type: s.string({ description: 'type is the type of metric source.  It should be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each mapping to a matching field in the object.' }),
    object: ObjectMetricSource,
    pods: PodsMetricSource,
    resource: ResourceMetricSource,
    containerResource: ContainerResourceMetricSource,
    external: ExternalMetricSource,
  },
  { id: `${P}.MetricSpec`, required: ['type'] },
);

export const MetricStatus = s.object(
  {
    type: s.string({ description: 'type is the type of metric source.' }),
    object: s.object({ metric: MetricIdentifier, current: MetricValueStatus, describedObject: CrossVersionObjectReference }, { id: `${P}.ObjectMetricStatus`, required: ['metric', 'current', 'describedObject'] }),
    pods: s.object({ metric: MetricIdentifier, current: MetricValueStatus }, { id: `${P}.PodsMetricStatus`, required: ['metric', 'current'] }),
    resource: s.object({ name: s.string(), current: MetricValueStatus }, { id: `${P}.ResourceMetricStatus`, required: ['name', 'current'] }),
    containerResource: s.object({ name: s.string(), current: MetricValueStatus, container: s.string() }, { id: `${P}.ContainerResourceMetricStatus`, required: ['name', 'current', 'container'] }),
    external: s.object({ metric: MetricIdentifier, current: MetricValueStatus }, { id: `${P}.ExternalMetricStatus`, required: ['metric', 'current'] }),
  },
  { id: `${P}.MetricStatus`, required: ['type'] },
);

export const HPAScalingPolicy = s.object(
  {
    type: s.string({ description: 'type is used to specify the scaling policy (Pods or Percent).' }),
    value: s.int32({ description: 'value contains the amount of change which is permitted by the policy. It must be greater than zero' }),
    periodSeconds: s.int32({ description: 'periodSeconds specifies the window of time for which the policy should hold true. PeriodSeconds must be greater than zero and less than or equal to 1800 (30 min).' }),
  },
  { id: `${P}.HPAScalingPolicy`, required: ['type', 'value', 'periodSeconds'] },
);

export const HPAScalingRules = s.object(
  {
    stabilizationWindowSeconds: s.int32({ description: 'stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down. Must be in [0, 3600].' }),
    selectPolicy: s.string({ description: 'selectPolicy is used to specify which policy should be used (Max, Min or Disabled). If not set, the default value Max is used.' }),
    policies: s.array(HPAScalingPolicy, { listType: 'atomic', description: 'policies is a list of potential scaling polices which can be used during scaling.' }),
    tolerance: s.quantity({ description: 'tolerance is the tolerance on the ratio between the current and desired metric value under which no updates are made to the desired number of replicas (alpha, HPAConfigurableTolerance).' }),
  },
  { id: `${P}.HPAScalingRules` },
);

export const HorizontalPodAutoscalerBehavior = s.object(
  {
    scaleUp: s.withOpts(HPAScalingRules, { description: 'scaleUp is scaling policy for scaling Up.' }),
    scaleDown: s.withOpts(HPAScalingRules, { description: 'scaleDown is scaling policy for scaling Down.' }),
  },
  { id: `${P}.HorizontalPodAutoscalerBehavior` },
);

export const HorizontalPodAutoscalerSpec = s.object(
  {
    scaleTargetRef: s.withOpts(CrossVersionObjectReference, { description: 'scaleTargetRef points to the target resource to scale.' }),
    minReplicas: s.int32({ description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down. It defaults to 1 pod.' }),
    maxReplicas: s.int32({ description: 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.' }),
    metrics: s.array(MetricSpec, { listType: 'atomic', description: 'metrics contains the specifications for which to use to calculate the desired replica count.' }),
    behavior: s.withOpts(HorizontalPodAutoscalerBehavior, { description: 'behavior configures the scaling behavior of the target in both Up and Down directions.' }),
  },
  { id: `${P}.HorizontalPodAutoscalerSpec`, required: ['scaleTargetRef', 'maxReplicas'] },
);

export const HorizontalPodAutoscalerCondition = s.object(
  {
    type: s.string({ description: 'type describes the current condition' }),
    status: s.string({ description: 'status is the status of the condition (True, False, Unknown)' }),
    lastTransitionTime: Time,
    reason: s.string(),
    message: s.string(),
  },
  { id: `${P}.HorizontalPodAutoscalerCondition`, required: ['type', 'status'] },
);

export const HorizontalPodAutoscalerStatus = s.object(
  {
    observedGeneration: s.int64(),
    lastScaleTime: Time,
    currentReplicas: s.int32(),
    desiredReplicas: s.int32(),
    currentMetrics: s.array(MetricStatus, { listType: 'atomic' }),
    conditions: s.array(HorizontalPodAutoscalerCondition, { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
  },
  { id: `${P}.HorizontalPodAutoscalerStatus`, required: ['desiredReplicas'] },
);

export const HorizontalPodAutoscalerSchema: Schema = kindSchema(
  `${P}.HorizontalPodAutoscaler`,
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
  { spec: HorizontalPodAutoscalerSpec, status: HorizontalPodAutoscalerStatus },
  { description: 'HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.' },
);
