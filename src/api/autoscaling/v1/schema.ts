/** Schemas of autoscaling/v1 (k8s.io/api/autoscaling/v1 types.go): HPA v1 and Scale. */
import { s, type Schema } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.autoscaling.v1';

export const CrossVersionObjectReference = s.object(
  {
    kind: s.string({ description: 'kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' }),
    name: s.string({ description: 'name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names' }),
    apiVersion: s.string({ description: 'apiVersion is the API version of the referent' }),
  },
  { id: `${P}.CrossVersionObjectReference`, required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic' },
);

export const HorizontalPodAutoscalerSpec = s.object(
  {
    scaleTargetRef: s.withOpts(CrossVersionObjectReference, { description: 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.' }),
    minReplicas: s.int32({ description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down. It defaults to 1 pod.' }),
    maxReplicas: s.int32({ description: 'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.' }),
    targetCPUUtilizationPercentage: s.int32({ description: 'targetCPUUtilizationPercentage is the target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used.' }),
  },
  { id: `${P}.HorizontalPodAutoscalerSpec`, required: ['scaleTargetRef', 'maxReplicas'] },
);

export const HorizontalPodAutoscalerStatus = s.object(
  {
    observedGeneration: s.int64({ description: 'observedGeneration is the most recent generation observed by this autoscaler.' }),
    lastScaleTime: Time,
    currentReplicas: s.int32({ description: 'currentReplicas is the current number of replicas of pods managed by this autoscaler.' }),
    desiredReplicas: s.int32({ description: 'desiredReplicas is the  desired number of replicas of pods managed by this autoscaler.' }),
    currentCPUUtilizationPercentage: s.int32({ description: 'currentCPUUtilizationPercentage is the current average CPU utilization over all pods, represented as a percentage of requested CPU.' }),
  },
  { id: `${P}.HorizontalPodAutoscalerStatus`, required: ['currentReplicas', 'desiredReplicas'] },
);

export const HorizontalPodAutoscalerSchema: Schema = kindSchema(
  `${P}.HorizontalPodAutoscaler`,
  { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
  { spec: HorizontalPodAutoscalerSpec, status: HorizontalPodAutoscalerStatus },
  { description: 'configuration of a horizontal pod autoscaler.' },
);

/** autoscaling/v1 Scale: what every scale subresource speaks. */
export const ScaleSchema: Schema = kindSchema(
  `${P}.Scale`,
  { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  {
    spec: s.object(
      { replicas: s.int32({ description: 'replicas is the desired number of instances for the scaled object.' }) },
      { id: `${P}.ScaleSpec` },
    ),
    status: s.object(
      {
        replicas: s.int32({ description: 'replicas is the actual number of observed instances of the scaled object.' }),
        selector: s.string({ description: 'selector is the label query over pods that should match the replicas count. This is same as the label selector but in the string format to avoid introspection by clients.' }),
      },
      { id: `${P}.ScaleStatus`, required: ['replicas'] },
    ),
  },
  { description: 'Scale represents a scaling request for a resource.' },
);
