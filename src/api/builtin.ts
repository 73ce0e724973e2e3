/**
 * Every built-in resource Flotilla serves, in discovery order (core first; within a group the
 * preferred version first). The composition root builds the ApiRegistry from this list.
 */
import type { ResourceDef } from './types.js';
import { resources as coreV1, bindingResource } from './core/v1/index.js';
import { resources as appsV1 } from './apps/v1/index.js';
import { resources as eventsV1 } from './events/v1/index.js';
import { resources as autoscalingV2 } from './autoscaling/v2/index.js';
import { resources as autoscalingV1 } from './autoscaling/v1/index.js';
import { resources as batchV1 } from './batch/v1/index.js';
import { resources as networkingV1 } from './networking/v1/index.js';
import { resources as policyV1 } from './policy/v1/index.js';
import { resources as coordinationV1 } from './coordination/v1/index.js';
import { resources as discoveryV1 } from './discovery/v1/index.js';
import { resources as schedulingV1 } from './scheduling/v1/index.js';
import { seedGroupResources } from './seed-groups/index.js';
import { resources as rbacV1 } from './rbac/v1/index.js';
import { resources as authorizationV1 } from './authorization/v1/index.js';
import { resources as authenticationV1 } from './authentication/v1/index.js';

export function builtinResources(): ResourceDef[] {
  return [
    ...coreV1,
    // Served by the binding handler (POST only, never stored), listed for discovery as upstream.
    bindingResource,
    ...appsV1,
    ...eventsV1,
    ...autoscalingV2,
    ...autoscalingV1,
    ...batchV1,
    ...networkingV1,
    ...policyV1,
    ...coordinationV1,
    ...discoveryV1,
    ...schedulingV1,
    ...rbacV1,
    ...authorizationV1,
    ...authenticationV1,
  ];
}

/**
 * Everything the apiserver serves as built in: Kubernetes' own kinds (builtinResources) and the
 * seed's API groups that upstream serves through CustomResourceDefinitions (Argo Rollouts,
 * sealed-secrets, External Secrets, Istio, the VPA). Those behave as their CRDs do, so they are not
 * in builtinResources(): they have no protobuf messages and no upstream OpenAPI documentation.
 */
export function servedResources(): ResourceDef[] {
  return [...builtinResources(), ...seedGroupResources()];
}
