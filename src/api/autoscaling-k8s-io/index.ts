/**
 * autoscaling.k8s.io/v1 VerticalPodAutoscaler, built in and served as the VPA's CRD serves it
 * (kubernetes/autoscaler vertical-pod-autoscaler: schema, status subresource, short name vpa,
 * Mode/CPU/Mem/Provided/Age printer columns). No VPA recommender or updater runs in Flotilla yet:
 * objects are stored and served.
 */
import type { ResourceDef } from '../types.js';
import { s } from '../schema/index.js';
import { kindSchema } from '../meta/v1.js';
import { AGE, crdStrategy, printerColumns } from '../seed-groups/crd-kind.js';

const quantities = (description: string) => s.map(s.quantity(), { description });

export const VerticalPodAutoscalerSpec = s.object(
  {
    targetRef: s.object(
      {
        apiVersion: s.string({ description: 'API version of the target workload.' }),
        kind: s.string({ description: 'Kind of the target workload, e.g. Deployment.' }),
        name: s.string({ description: 'Name of the target workload.' }),
      },
      { required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic', description: 'The workload (Deployment, StatefulSet...) whose pods the autoscaler sizes.' },
    ),
    updatePolicy: s.object(
      {
        updateMode: s.enumOf(['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate', 'Auto'], { description: 'Controls when autoscaler applies changes to the pod resources. The default is \'Auto\'.' }),
        minReplicas: s.int32({ description: 'Minimal number of replicas which need to be alive for Updater to attempt pod eviction (pending other checks like PDB). Only positive values are allowed. Overrides global \'--min-replicas\' flag.' }),
        evictionRequirements: s.array(
          s.object(
            {
              resources: s.array(s.string(), { description: 'Resources is a list of one or more resources that the condition applies to.' }),
              changeRequirement: s.enumOf(['TargetHigherThanRequests', 'TargetLowerThanRequests'], { description: 'EvictionChangeRequirement refers to the relationship between the new target recommendation for a Pod and its current requests.' }),
            },
            { required: ['changeRequirement', 'resources'] },
          ),
          { description: 'EvictionRequirements is a list of EvictionRequirements that need to evaluate to true in order for a Pod to be evicted.' },
        ),
      },
      { description: 'Describes the rules on how changes are applied to the pods. If not specified, all fields in the `PodUpdatePolicy` are set to their default values.' },
    ),
    resourcePolicy: s.object(
      {
        containerPolicies: s.array(
          s.object({
            containerName: s.string({ description: 'Name of the container or DefaultContainerResourcePolicy, in which case the policy is used by the containers that don\'t have their own policy specified.' }),
            mode: s.enumOf(['Auto', 'Off'], { description: 'Whether autoscaler is enabled for the container. The default is "Auto".' }),
            minAllowed: quantities('Specifies the minimal amount of resources that will be recommended for the container. The default is no minimum.'),
            maxAllowed: quantities('Specifies the maximum amount of resources that will be recommended for the container. The default is no maximum.'),
            controlledResources: s.array(s.string({ description: 'ResourceName is the name identifying various resources in a ResourceList.' }), { description: 'Specifies the type of recommendations that will be computed (and possibly applied) by VPA. If not specified, the default of [ResourceCPU, ResourceMemory] will be used.' }),
            controlledValues: s.enumOf(['RequestsAndLimits', 'RequestsOnly'], { description: 'Specifies which resource values should be controlled. The default is "RequestsAndLimits".' }),
          }),
          { description: 'Per-container resource policies.' },
        ),
      },
      { description: 'Controls how the autoscaler computes recommended resources. The resource policy may be used to set constraints on the recommendations for individual containers. If any individual containers need to be excluded from getting the VPA recommendations, then it must be disabled explicitly by setting mode to "Off" under containerPolicies. If not specified, the autoscaler computes recommended resources for all containers in the pod, without additional constraints.' },
    ),
    recommenders: s.array(s.object({ name: s.string({ description: 'Name of the recommender responsible for generating recommendation for this object.' }) }, { required: ['name'] }), {
      description: 'Recommender responsible for generating recommendation for this object. List should be empty (then the default recommender will generate the recommendation) or contain exactly one recommender.',
    }),
  },
  { required: ['targetRef'], description: 'What the autoscaler manages: the target workload, how it applies recommendations, and per-container limits.' },
);

const recommendation = (description: string) => quantities(description);

export const VerticalPodAutoscalerStatus = s.object(
  {
    recommendation: s.object(
      {
        containerRecommendations: s.array(
          s.object(
            {
              containerName: s.string({ description: 'Name of the container.' }),
              target: recommendation('Recommended amount of resources. Observes ContainerResourcePolicy.'),
              lowerBound: recommendation('Minimum recommended amount of resources. Observes ContainerResourcePolicy. This amount is not guaranteed to be sufficient for the application to operate in a stable way, however running with less resources is likely to have significant impact on performance/availability.'),
              upperBound: recommendation('Maximum recommended amount of resources. Observes ContainerResourcePolicy. Any resources allocated beyond this value are likely wasted. This value may be larger than the maximum amount of application is actually capable of consuming.'),
              uncappedTarget: recommendation('The most recent recommended resources target computed by the autoscaler for the controlled pods, based only on actual resource usage, not taking into account the ContainerResourcePolicy. May differ from the Recommendation if the actual resource usage causes the target to violate the ContainerResourcePolicy (lower than MinAllowed or higher that MaxAllowed). Used only as status indication, will not affect actual resource assignment.'),
            },
            { required: ['target'] },
          ),
          { description: 'Resources recommended by the autoscaler for each container.' },
        ),
      },
      { description: 'The most recently computed amount of resources recommended by the autoscaler for the controlled pods.' },
    ),
    conditions: s.array(
      s.object(
        {
          type: s.string({ description: 'The kind of condition.' }),
          status: s.string({ description: 'True, False or Unknown.' }),
          lastTransitionTime: s.dateTime({ description: 'When the condition last changed status.' }),
          reason: s.string({ description: 'A short machine-readable cause of the last status change.' }),
          message: s.string({ description: 'Details of the last status change, for people.' }),
        },
        { required: ['status', 'type'] },
      ),
      { description: 'Conditions is the set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met.' },
    ),
  },
  { description: 'Current information about the autoscaler.' },
);

const schema = kindSchema('io.k8s.autoscaling.v1.VerticalPodAutoscaler', { group: 'autoscaling.k8s.io', version: 'v1', kind: 'VerticalPodAutoscaler' }, { spec: VerticalPodAutoscalerSpec, status: VerticalPodAutoscalerStatus }, {
  required: ['spec'],
  description: 'VerticalPodAutoscaler is the configuration for a vertical pod autoscaler, which automatically manages pod resources based on historical and real time resource utilization.',
});

export const verticalPodAutoscaler: ResourceDef = {
  group: 'autoscaling.k8s.io',
  version: 'v1',
  kind: 'VerticalPodAutoscaler',
  plural: 'verticalpodautoscalers',
  singular: 'verticalpodautoscaler',
  namespaced: true,
  shortNames: ['vpa'],
  schema,
  subresources: { status: true },
  custom: true,
  strategy: crdStrategy(schema, 'Vertical Pod Autoscaler'),
  table: printerColumns([
    { name: 'Mode', type: 'string', jsonPath: '.spec.updatePolicy.updateMode' },
    { name: 'CPU', type: 'string', jsonPath: '.status.recommendation.containerRecommendations[0].target.cpu' },
    { name: 'Mem', type: 'string', jsonPath: '.status.recommendation.containerRecommendations[0].target.memory' },
    { name: 'Provided', type: 'string', jsonPath: ".status.conditions[?(@.type=='RecommendationProvided')].status" },
    AGE,
  ]),
};

export const resources: ResourceDef[] = [verticalPodAutoscaler];
