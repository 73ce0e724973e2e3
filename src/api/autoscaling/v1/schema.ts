/** Schemas of autoscaling/v1 (k8s.io/api/autoscaling/v1 types.go): HPA v1 and Scale. */
import { s, type Schema } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.autoscaling.v1';

export const CrossVersionObjectReference = s.object(
  {
    kind: s.string(),
    name: s.string(),
    apiVersion: s.string(),
  },
  { id: `${P}.CrossVersionObjectReference`, required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic' },
);

export const HorizontalPodAutoscalerSpec = s.object(
  {
    scaleTargetRef: CrossVersionObjectReference,
    minReplicas: s.int32(),
    maxReplicas: s.int32(),
    targetCPUUtilizationPercentage: s.int32(),
  },
  { id: `${P}.HorizontalPodAutoscalerSpec`, required: ['scaleTargetRef', 'maxReplicas'] },
);

export const HorizontalPodAutoscalerStatus = s.object(
  {
    observedGeneration: s.int64(),
    lastScaleTime: Time,
    currentReplicas: s.int32(),
    desiredReplicas: s.int32(),
    currentCPUUtilizationPercentage: s.int32({ description: 'currentCPUUtilizationPercentage is the current average CPU utilization over all pods, represented as a percentage of requested CPU.' }),
  },
  { id: `${P}.HorizontalPodAutoscalerStatus`, required: ['currentReplicas', 'desiredReplicas'] },
);

export const HorizontalPodAutoscalerSchema: Schema = kindSchema(
  `${P}.HorizontalPodAutoscaler`,
  { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
  { spec: HorizontalPodAutoscalerSpec, status: HorizontalPodAutoscalerStatus },
  {},
);

/** autoscaling/v1 Scale: what every scale subresource speaks. */
export const ScaleSchema: Schema = kindSchema(
  `${P}.Scale`,
  { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  {
    spec: s.object(
      { replicas: s.int32() },
      { id: `${P}.ScaleSpec` },
    ),
    status: s.object(
      {
        replicas: s.int32(),
        selector: s.string(),
      },
      { id: `${P}.ScaleStatus`, required: ['replicas'] },
    ),
  },
  {},
);
