/**
 * core/v1 (the legacy "" API group) as data: one ResourceDef per kind in `resources`, plus the pod
 * building blocks other groups embed (PodTemplateSpec schema, defaulting, validation, warnings).
 */
import type { ResourceDef } from '../../types.js';
import { zeroNullItems } from './nulls.js';
import { configMapResource, secretResource } from './config.js';
import { endpointsResource } from './endpoints.js';
import { eventResource } from './event.js';
import { namespaceResource } from './namespace.js';
import { nodeResource } from './node.js';
import { podResource } from './pod.js';
import { limitRangeResource, resourceQuotaResource } from './policy.js';
import { serviceAccountResource } from './service-account.js';
import { serviceResource } from './service.js';
import { persistentVolumeClaimResource, persistentVolumeResource } from './storage.js';
import { bindingResource, podTemplateResource, replicationControllerResource } from './workloads.js';

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

/**
 * Every core/v1 kind Flotilla serves through the generic store. `bindingResource` (POST
 * .../bindings, pods/binding) is exported separately: a Binding is never stored, it binds a pod, so
 * it needs its own handler before it can be listed here.
 */
export const resources: ResourceDef[] = withNullItemsZeroed([
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
]);

/** Every kind's defaults first replace null list items and map values by zero values, as Go's decoder. */
function withNullItemsZeroed(defs: ResourceDef[]): ResourceDef[] {
  return defs.map((d) => ({
    ...d,
    strategy: {
      ...d.strategy,
      defaults: (obj) => {
        zeroNullItems(obj, d.schema);
        d.strategy?.defaults?.(obj);
      },
    },
  }));
}

export {
  bindingResource,
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
};
export { ObjectReference, LocalObjectReference, ResourceList, Taint, NodeSelector, NodeSelectorTerm, TypedLocalObjectReference } from './common-schema.js';
export { validateNodeTaints, nodeRoles, nodeStatusString, type V1Node } from './node.js';
export { defaultService, validateService, validateServiceUpdate, servicePortString, type V1Service, type V1ServiceSpec } from './service.js';
export { validateBinding } from './workloads.js';
export { validateEvent, type V1Event } from './event.js';
export { validateSecret, validateConfigMap, mergeStringData, MAX_SECRET_SIZE, type V1Secret, type V1ConfigMap } from './config.js';
export { formatEndpoints } from './endpoints.js';
export { preparePodForCreate, podFieldSelectors } from './pod.js';
export { validatePod, validatePodUpdate, validatePodStatusUpdate, UPDATABLE_POD_SPEC_FIELDS } from './pod-update-validation.js';
export { isRelaxedEnvVarName, validatePortNumOrName } from './pod-validation.js';
export { validateFinalizerName } from './namespace.js';
