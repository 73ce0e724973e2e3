/**
 * core/v1 (the legacy "" API group) as data: one ResourceDef per kind in `resources`, plus the pod
 * building blocks other groups embed (PodTemplateSpec schema, defaulting, validation, warnings).
 */
import type { ResourceDef } from '../../types.js';
import { zeroNullItems } from './nulls.js';
import * as config from './config.js';
import * as endpoints from './endpoints.js';
import * as event from './event.js';
import * as namespace from './namespace.js';
import * as node from './node.js';
import * as pod from './pod.js';
import * as policy from './policy.js';
import * as serviceAccount from './service-account.js';
import * as service from './service.js';
import * as storage from './storage.js';
import * as workloads from './workloads.js';

export {
  PodTemplateSpec,
  PodSpec,
  Container,
  Volume,
  PersistentVolumeClaimSpec,
  PersistentVolumeClaimTemplate,
  Toleration,
  Affinity,
  PodSchema,
} from './pod-schema.js';
export { defaultPodSpec, defaultPodTemplateSpec, defaultPod, defaultContainer, defaultVolume, defaultPersistentVolumeClaimSpec } from './pod-defaults.js';
export { validatePodSpec, validatePodTemplateSpec, validateTolerations, validateTaintEffect, validateNodeSelectorTerm, type PodValidationOptions } from './pod-validation.js';
export { validatePersistentVolumeClaimSpec } from './pvc-validation.js';
export { validateResourceRequirements, podQOSClass } from './resources-validation.js';
export { podWarnings, podTemplateWarnings } from './pod-warnings.js';
export { podRowCells } from './pod-table.js';
export type * from './pod-types.js';

/** Every kind's defaults first replace null list items and map values by zero values, as Go's decoder. */
function withNullItemsZeroed(d: ResourceDef): ResourceDef {
  return {
    ...d,
    strategy: {
      ...d.strategy,
      defaults: (obj) => {
        zeroNullItems(obj, d.schema);
        d.strategy?.defaults?.(obj);
      },
    },
  };
}

export const configMapResource = withNullItemsZeroed(config.configMapResource);
export const secretResource = withNullItemsZeroed(config.secretResource);
export const endpointsResource = withNullItemsZeroed(endpoints.endpointsResource);
export const eventResource = withNullItemsZeroed(event.eventResource);
export const namespaceResource = withNullItemsZeroed(namespace.namespaceResource);
export const nodeResource = withNullItemsZeroed(node.nodeResource);
export const podResource = withNullItemsZeroed(pod.podResource);
export const limitRangeResource = withNullItemsZeroed(policy.limitRangeResource);
export const resourceQuotaResource = withNullItemsZeroed(policy.resourceQuotaResource);
export const serviceAccountResource = withNullItemsZeroed(serviceAccount.serviceAccountResource);
export const serviceResource = withNullItemsZeroed(service.serviceResource);
export const persistentVolumeResource = withNullItemsZeroed(storage.persistentVolumeResource);
export const persistentVolumeClaimResource = withNullItemsZeroed(storage.persistentVolumeClaimResource);
export const podTemplateResource = withNullItemsZeroed(workloads.podTemplateResource);
export const replicationControllerResource = withNullItemsZeroed(workloads.replicationControllerResource);
/**
 * `bindings` (create only). Not in `resources`: a Binding is never stored, it binds a pod, so it
 * needs its own handler (POST .../bindings and pods/binding) before it can be served.
 */
export const bindingResource = withNullItemsZeroed(workloads.bindingResource);

/** Every core/v1 kind Flotilla serves through the generic store, in discovery order. */
export const resources: ResourceDef[] = [
  configMapResource,
  endpointsResource,
  eventResource,
  limitRangeResource,
  namespaceResource,
  nodeResource,
  persistentVolumeClaimResource,
  persistentVolumeResource,
  podResource,
  podTemplateResource,
  replicationControllerResource,
  resourceQuotaResource,
  secretResource,
  serviceAccountResource,
  serviceResource,
];

export { ObjectReference, LocalObjectReference, ResourceList, Taint, NodeSelector, NodeSelectorTerm, TypedLocalObjectReference } from './common-schema.js';
export { validateNodeTaints, nodeRoles, nodeStatusString, type V1Node } from './node.js';
export { defaultService, validateService, validateServiceUpdate, servicePortString, type V1Service, type V1ServiceSpec } from './service.js';
export { validateBinding } from './workloads.js';
export { bindPod, type V1Binding } from './pod-binding.js';
export { validateEvent, type V1Event } from './event.js';
export { validateSecret, validateConfigMap, mergeStringData, MAX_SECRET_SIZE, type V1Secret, type V1ConfigMap } from './config.js';
export { formatEndpoints } from './endpoints.js';
export { preparePodForCreate, podFieldSelectors } from './pod.js';
export { validatePod, validatePodUpdate, validatePodStatusUpdate, validatePodEphemeralContainersUpdate, UPDATABLE_POD_SPEC_FIELDS } from './pod-update-validation.js';
export { isRelaxedEnvVarName, validatePortNumOrName } from './pod-validation.js';
export { zeroNullItems } from './nulls.js';
export { canonicalizeResourceList, canonicalQuantityValue } from './quantities.js';
export { validateFinalizerName } from './namespace.js';
