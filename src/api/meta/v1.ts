/** Schemas of k8s.io/apimachinery/pkg/apis/meta/v1 types shared by every kind. */
import { s, type Schema } from '../schema/index.js';

export const Time = s.dateTime({ id: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time' });

export const OwnerReference = s.object(
  {
    apiVersion: s.string(),
    kind: s.string(),
    name: s.string(),
    uid: s.string(),
    controller: s.bool(),
    blockOwnerDeletion: s.bool({
    }),
  },
  {
    id: 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
    required: ['apiVersion', 'kind', 'name', 'uid'],
    'x-kubernetes-map-type': 'atomic',
  },
);

export const ManagedFieldsEntry = s.object(
  {
    apiVersion: s.string(),
    fieldsType: s.string(),
    fieldsV1: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    manager: s.string(),
    operation: s.string(),
    subresource: s.string(),
    time: Time,
  },
  { id: 'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry' },
);

export const ObjectMeta = s.object(
  {
    name: s.string(),
    generateName: s.string({ description: 'Optional prefix used by the server to generate a unique name.' }),
    namespace: s.string(),
    selfLink: s.string(),
    uid: s.string(),
    resourceVersion: s.string({ description: 'An opaque value that represents the internal version of this object.' }),
    generation: s.int64(),
    creationTimestamp: Time,
    deletionTimestamp: Time,
    deletionGracePeriodSeconds: s.int64(),
    labels: s.map(s.string(), { description: 'Map of string keys and values that can be used to organize and categorize objects.' }),
    annotations: s.map(s.string(), { description: 'Annotations is an unstructured key value map stored with a resource.' }),
    ownerReferences: s.array(OwnerReference, {
      mergeKey: 'uid',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['uid'],
    }),
    finalizers: s.array(s.string(), { strategy: 'merge', listType: 'set' }),
    managedFields: s.array(ManagedFieldsEntry, { listType: 'atomic' }),
  },
  { id: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
);

export const ListMeta = s.object(
  {
    resourceVersion: s.string(),
    continue: s.string(),
    remainingItemCount: s.int64(),
    selfLink: s.string(),
  },
  { id: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta' },
);

export const LabelSelectorRequirement = s.object(
  {
    key: s.string(),
    operator: s.string({ description: 'One of In, NotIn, Exists and DoesNotExist.' }),
    values: s.array(s.string(), { listType: 'atomic' }),
  },
  { id: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement', required: ['key', 'operator'] },
);

export const LabelSelector = s.object(
  {
    matchLabels: s.map(s.string()),
    matchExpressions: s.array(LabelSelectorRequirement, { listType: 'atomic' }),
  },
  { id: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', 'x-kubernetes-map-type': 'atomic' },
);

export const Condition = s.object(
  {
    type: s.string(),
    status: s.string(),
    observedGeneration: s.int64(),
    lastTransitionTime: Time,
    reason: s.string(),
    message: s.string(),
  },
  { id: 'io.k8s.apimachinery.pkg.apis.meta.v1.Condition', required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

/** Common top-level fields of every kind. */
export function kindSchema(
  id: string,
  gvk: { group: string; version: string; kind: string },
  fields: Record<string, Schema>,
  opts: { description?: string; required?: string[] } = {},
): Schema {
  return s.object(
    {
      apiVersion: s.string(),
      kind: s.string(),
      metadata: ObjectMeta,
      ...fields,
    },
    { id, 'x-kubernetes-group-version-kind': [gvk], ...opts },
  );
}
