/**
 * Small core/v1 structures shared by several kinds (object references, key selectors, resource
 * lists, taints, topology selectors). Ids match upstream's OpenAPI definition names.
 */
import { s } from '../../schema/index.js';

const CORE = 'io.k8s.api.core.v1';

/** `map[ResourceName]resource.Quantity`. */
export const ResourceList = s.map(s.quantity({ id: 'io.k8s.apimachinery.pkg.api.resource.Quantity' }));

export const LocalObjectReference = s.object(
  { name: s.string({ default: '' }) },
  { id: `${CORE}.LocalObjectReference`, 'x-kubernetes-map-type': 'atomic' },
);

export const ObjectReference = s.object(
  {
    kind: s.string(),
    namespace: s.string(),
    name: s.string(),
    uid: s.string(),
    apiVersion: s.string(),
    resourceVersion: s.string(),
    fieldPath: s.string({ description: 'If referring to a piece of an object instead of an entire object, the JSONPath of that piece.' }),
  },
  { id: `${CORE}.ObjectReference`, 'x-kubernetes-map-type': 'atomic' },
);

export const SecretReference = s.object(
  { name: s.string(), namespace: s.string() },
  { id: `${CORE}.SecretReference`, 'x-kubernetes-map-type': 'atomic' },
);

export const TypedLocalObjectReference = s.object(
  { apiGroup: s.string(), kind: s.string(), name: s.string() },
  { id: `${CORE}.TypedLocalObjectReference`, required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic' },
);

export const TypedObjectReference = s.object(
  { apiGroup: s.string(), kind: s.string(), name: s.string(), namespace: s.string() },
  { id: `${CORE}.TypedObjectReference`, required: ['kind', 'name'] },
);

export const ObjectFieldSelector = s.object(
  {
    apiVersion: s.string(),
    fieldPath: s.string(),
  },
  { id: `${CORE}.ObjectFieldSelector`, required: ['fieldPath'], 'x-kubernetes-map-type': 'atomic' },
);

export const ResourceFieldSelector = s.object(
  {
    containerName: s.string({ description: 'Container name: required for volumes, optional for env vars.' }),
    resource: s.string({ description: 'Required: resource to select.' }),
    divisor: s.quantity({ description: 'Specifies the output format of the exposed resources, defaults to "1".' }),
  },
  { id: `${CORE}.ResourceFieldSelector`, required: ['resource'], 'x-kubernetes-map-type': 'atomic' },
);

export const Taint = s.object(
  {
    key: s.string(),
    value: s.string(),
    effect: s.string({ enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'], description: 'Required. The effect of the taint on pods that do not tolerate the taint: NoSchedule, PreferNoSchedule or NoExecute.' }),
    timeAdded: s.dateTime({ description: 'TimeAdded represents the time at which the taint was added (NoExecute taints only).' }),
  },
  { id: `${CORE}.Taint`, required: ['key', 'effect'] },
);

export const NodeSelectorRequirement = s.object(
  {
    key: s.string(),
    operator: s.string({ enum: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'], description: 'Operator: In, NotIn, Exists, DoesNotExist, Gt and Lt.' }),
    values: s.array(s.string(), { listType: 'atomic' }),
  },
  { id: `${CORE}.NodeSelectorRequirement`, required: ['key', 'operator'] },
);

export const NodeSelectorTerm = s.object(
  {
    matchExpressions: s.array(NodeSelectorRequirement, { listType: 'atomic' }),
    matchFields: s.array(NodeSelectorRequirement, { listType: 'atomic' }),
  },
  { id: `${CORE}.NodeSelectorTerm`, 'x-kubernetes-map-type': 'atomic' },
);

export const NodeSelector = s.object(
  { nodeSelectorTerms: s.array(NodeSelectorTerm, { listType: 'atomic' }) },
  { id: `${CORE}.NodeSelector`, required: ['nodeSelectorTerms'], 'x-kubernetes-map-type': 'atomic' },
);

export const TopologySelectorTerm = s.object(
  {
    matchLabelExpressions: s.array(
      s.object({ key: s.string(), values: s.array(s.string(), { listType: 'atomic' }) }, { id: `${CORE}.TopologySelectorLabelRequirement`, required: ['key', 'values'] }),
      { listType: 'atomic' },
    ),
  },
  { id: `${CORE}.TopologySelectorTerm`, 'x-kubernetes-map-type': 'atomic' },
);
