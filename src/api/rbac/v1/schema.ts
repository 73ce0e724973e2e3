/** Schemas of rbac.authorization.k8s.io/v1 (k8s.io/api/rbac/v1 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { LabelSelector, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.rbac.v1';
const gvk = (kind: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', kind });

export const PolicyRule = s.object(
  {
    verbs: s.array(s.string(), { listType: 'atomic' }),
    apiGroups: s.array(s.string(), {
      listType: 'atomic',
    }),
    resources: s.array(s.string(), { listType: 'atomic' }),
    resourceNames: s.array(s.string(), { listType: 'atomic' }),
    nonResourceURLs: s.array(s.string(), {
      listType: 'atomic',
    }),
  },
  { id: `${P}.PolicyRule`, required: ['verbs'] },
);

export const AggregationRule = s.object(
  {
    clusterRoleSelectors: s.array(LabelSelector, {
      listType: 'atomic',
    }),
  },
  { id: `${P}.AggregationRule` },
);

export const RoleRef = s.object(
  {
    apiGroup: s.string(),
    kind: s.string(),
    name: s.string(),
  },
  { id: `${P}.RoleRef`, required: ['apiGroup', 'kind', 'name'], 'x-kubernetes-map-type': 'atomic' },
);

export const Subject = s.object(
  {
    kind: s.string(),
    apiGroup: s.string(),
    name: s.string(),
    namespace: s.string(),
  },
  { id: `${P}.Subject`, required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic' },
);

const rules = s.array(PolicyRule, { listType: 'atomic' });
const subjects = s.array(Subject, { listType: 'atomic' });

export const RoleSchema: Schema = kindSchema(`${P}.Role`, gvk('Role'), { rules });

export const ClusterRoleSchema: Schema = kindSchema(
  `${P}.ClusterRole`,
  gvk('ClusterRole'),
  {
    rules,
    aggregationRule: AggregationRule,
  },
);

export const RoleBindingSchema: Schema = kindSchema(
  `${P}.RoleBinding`,
  gvk('RoleBinding'),
  {
    subjects,
    roleRef: RoleRef,
  },
  {
    required: ['roleRef'],
  },
);

export const ClusterRoleBindingSchema: Schema = kindSchema(
  `${P}.ClusterRoleBinding`,
  gvk('ClusterRoleBinding'),
  {
    subjects,
    roleRef: RoleRef,
  },
  { required: ['roleRef'] },
);
