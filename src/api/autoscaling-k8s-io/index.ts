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
        updateMode: s.enumOf(['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate', 'Auto'], { description: 'When the autoscaler may change pod resources: never (Off), at pod creation (Initial), or also on running pods (Recreate, InPlaceOrRecreate, Auto, the default).' }),
        minReplicas: s.int32({ description: 'The updater evicts pods only while at least this many replicas are alive; positive, and takes precedence over the updater\'s --min-replicas flag.' }),
        evictionRequirements: s.array(
          s.object(
            {
              resources: s.array(s.string(), { description: 'The resources (such as cpu, memory) this requirement looks at.' }),
              changeRequirement: s.enumOf(['TargetHigherThanRequests', 'TargetLowerThanRequests'], { description: 'Whether the new target must be above or below the pod\'s current requests.' }),
            },
            { required: ['changeRequirement', 'resources'] },
          ),
          { description: 'Conditions that must all hold before the updater evicts a pod.' },
        ),
      },
      { description: 'How and when recommendations reach the pods; unset fields take their defaults.' },
    ),
    resourcePolicy: s.object(
      {
        containerPolicies: s.array(
          s.object({
            containerName: s.string({ description: 'The container this policy is for, or * for every container without a policy of its own.' }),
            mode: s.enumOf(['Auto', 'Off'], { description: 'Off leaves this container alone; Auto (the default) lets the autoscaler size it.' }),
            minAllowed: quantities('Lowest values the autoscaler may recommend for this container (no floor when unset).'),
            maxAllowed: quantities('Highest values the autoscaler may recommend for this container (no ceiling when unset).'),
            controlledResources: s.array(s.string({ description: 'A resource name such as cpu or memory.' }), { description: 'Which resources the autoscaler recommends and may set (cpu and memory when unset).' }),
            controlledValues: s.enumOf(['RequestsAndLimits', 'RequestsOnly'], { description: 'Whether the autoscaler sets only requests, or requests and limits in proportion (the default).' }),
          }),
          { description: 'One policy per container, or one named * for the containers not listed.' },
        ),
      },
      { description: 'Per-container bounds and opt-outs for the recommendations; without it every container is sized freely.' },
    ),
    recommenders: s.array(s.object({ name: s.string({ description: 'Name of the recommender to use.' }) }, { required: ['name'] }), {
      description: 'Which recommender computes this object\'s recommendations: empty for the default one, or a single entry.',
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
              containerName: s.string({ description: 'The container this recommendation is for.' }),
              target: recommendation('The resources the autoscaler would give this container, within its policy bounds.'),
              lowerBound: recommendation('Below this amount the container likely suffers; within policy bounds, and not a promise that it is enough.'),
              upperBound: recommendation('Above this amount resources are probably wasted; within policy bounds.'),
              uncappedTarget: recommendation('The target from observed usage alone, before policy bounds are applied; informational, never applied to pods.'),
            },
            { required: ['target'] },
          ),
          { description: 'One recommendation per container of the target\'s pods.' },
        ),
      },
      { description: 'The latest resource recommendation for the target\'s pods.' },
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
      { description: 'Whether the autoscaler can currently act on its target, and why not.' },
    ),
  },
  { description: 'What the autoscaler last computed and whether it can act.' },
);

const schema = kindSchema('io.k8s.autoscaling.v1.VerticalPodAutoscaler', { group: 'autoscaling.k8s.io', version: 'v1', kind: 'VerticalPodAutoscaler' }, { spec: VerticalPodAutoscalerSpec, status: VerticalPodAutoscalerStatus }, {
  required: ['spec'],
  description: 'Sets the CPU and memory requests of a workload\'s pods from their observed usage.',
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
