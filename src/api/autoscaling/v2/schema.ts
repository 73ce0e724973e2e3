/** Schemas of autoscaling/v2 (k8s.io/api/autoscaling/v2 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { Time, LabelSelector, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.autoscaling.v2';

export const CrossVersionObjectReference = s.object(
  {
    kind: s.string(),
    name: s.string(),
    apiVersion: s.string(),
  },
  { id: `${P}.CrossVersionObjectReference`, required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic' },
);

export const MetricIdentifier = s.object(
  {
    name: s.string(),
    selector: s.withOpts(LabelSelector, { description: 'selector is the string-encoded form of a standard kubernetes label selector for the given metric.' }),
  },
  { id: `${P}.MetricIdentifier`, required: ['name'] },
);

export const MetricTarget = s.object(
  {
    type: s.string(),
    value: s.quantity(),
    averageValue: s.quantity(),
    averageUtilization: s.int32(),
  },
  { id: `${P}.MetricTarget`, required: ['type'] },
);

export const MetricValueStatus = s.object(
  {
    value: s.quantity(),
    averageValue: s.quantity(),
    averageUtilization: s.int32(),
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
  { name: s.string(), target: MetricTarget },
  { id: `${P}.ResourceMetricSource`, required: ['name', 'target'], description: 'ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes (e.g. cpu or memory).' },
);
const ContainerResourceMetricSource = s.object(
  {
    name: s.string(),
    target: MetricTarget,
    container: s.string(),
  },
  { id: `${P}.ContainerResourceMetricSource`, required: ['name', 'target', 'container'] },
);
const ExternalMetricSource = s.object(
  { metric: MetricIdentifier, target: MetricTarget },
  { id: `${P}.ExternalMetricSource`, required: ['metric', 'target'], description: 'ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object.' },
);

export const MetricSpec = s.object(
  {
    type: s.string(),
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
    type: s.string(),
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
    value: s.int32(),
    periodSeconds: s.int32(),
  },
  { id: `${P}.HPAScalingPolicy`, required: ['type', 'value', 'periodSeconds'] },
);

export const HPAScalingRules = s.object(
  {
    stabilizationWindowSeconds: s.int32({ description: 'stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down. Must be in [0, 3600].' }),
    selectPolicy: s.string({ description: 'selectPolicy is used to specify which policy should be used (Max, Min or Disabled). If not set, the default value Max is used.' }),
    policies: s.array(HPAScalingPolicy, { listType: 'atomic' }),
    tolerance: s.quantity({ description: 'tolerance is the tolerance on the ratio between the current and desired metric value under which no updates are made to the desired number of replicas (alpha, HPAConfigurableTolerance).' }),
  },
  { id: `${P}.HPAScalingRules` },
);

export const HorizontalPodAutoscalerBehavior = s.object(
  {
    scaleUp: HPAScalingRules,
    scaleDown: HPAScalingRules,
  },
  { id: `${P}.HorizontalPodAutoscalerBehavior` },
);

export const HorizontalPodAutoscalerSpec = s.object(
  {
    scaleTargetRef: s.withOpts(CrossVersionObjectReference, { description: 'scaleTargetRef points to the target resource to scale.' }),
    minReplicas: s.int32(),
    maxReplicas: s.int32(),
    metrics: s.array(MetricSpec, { listType: 'atomic', description: 'metrics contains the specifications for which to use to calculate the desired replica count.' }),
    behavior: s.withOpts(HorizontalPodAutoscalerBehavior, { description: 'behavior configures the scaling behavior of the target in both Up and Down directions.' }),
  },
  { id: `${P}.HorizontalPodAutoscalerSpec`, required: ['scaleTargetRef', 'maxReplicas'] },
);

export const HorizontalPodAutoscalerCondition = s.object(
  {
    type: s.string(),
    status: s.string(),
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
  {},
);
