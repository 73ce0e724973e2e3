/** Schemas of rbac.authorization.k8s.io/v1 (k8s.io/api/rbac/v1 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { LabelSelector, kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.rbac.v1';
const gvk = (kind: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', kind });

export const PolicyRule = s.object(
  {
    verbs: s.array(s.string(), { listType: 'atomic', description: "Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs." }),
    apiGroups: s.array(s.string(), {
      listType: 'atomic',
      description:
        'APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. "" represents the core API group and "*" represents all API groups.',
    }),
    resources: s.array(s.string(), { listType: 'atomic', description: "Resources is a list of resources this rule applies to. '*' represents all resources." }),
    resourceNames: s.array(s.string(), { listType: 'atomic', description: 'ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.' }),
    nonResourceURLs: s.array(s.string(), {
      listType: 'atomic',
      description:
        'NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path Since non-resource URLs are not namespaced, this field is only applicable for ClusterRoles referenced from ClusterRoleBinding. Rules can either apply to API resources (such as "pods" or "secrets") or non-resource URL paths (such as "/api"),  but not both.',
    }),
  },
  { id: `${P}.PolicyRule`, required: ['verbs'], description: 'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.' },
);

export const AggregationRule = s.object(
  {
    clusterRoleSelectors: s.array(LabelSelector, {
      listType: 'atomic',
      description: "ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added",
    }),
  },
  { id: `${P}.AggregationRule`, description: 'AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole' },
);

export const RoleRef = s.object(
  {
    apiGroup: s.string({ description: 'APIGroup is the group for the resource being referenced' }),
    kind: s.string({ description: 'Kind is the type of resource being referenced' }),
    name: s.string({ description: 'Name is the name of resource being referenced' }),
  },
  { id: `${P}.RoleRef`, required: ['apiGroup', 'kind', 'name'], 'x-kubernetes-map-type': 'atomic', description: 'RoleRef contains information that points to the role being used' },
);

export const Subject = s.object(
  {
    kind: s.string({ description: 'Kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount". If the Authorizer does not recognized the kind value, the Authorizer should report an error.' }),
    apiGroup: s.string({ description: 'APIGroup holds the API group of the referenced subject. Defaults to "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects.' }),
    name: s.string({ description: 'Name of the object being referenced.' }),
    namespace: s.string({ description: 'Namespace of the referenced object.  If the object kind is non-namespace, such as "User" or "Group", and this value is not empty the Authorizer should report an error.' }),
  },
  { id: `${P}.Subject`, required: ['kind', 'name'], 'x-kubernetes-map-type': 'atomic', description: 'Subject contains a reference to the object or user identities a role binding applies to.' },
);

const rules = s.array(PolicyRule, { listType: 'atomic', description: 'Rules holds all the PolicyRules for this Role' });
const subjects = s.array(Subject, { listType: 'atomic', description: 'Subjects holds references to the objects the role applies to.' });

export const RoleSchema: Schema = kindSchema(`${P}.Role`, gvk('Role'), { rules }, {
  description: 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
});

export const ClusterRoleSchema: Schema = kindSchema(
  `${P}.ClusterRole`,
  gvk('ClusterRole'),
  {
    rules: s.withOpts(rules, { description: 'Rules holds all the PolicyRules for this ClusterRole' }),
    aggregationRule: s.withOpts(AggregationRule, {
      description: 'AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller.',
    }),
  },
  { description: 'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.' },
);

export const RoleBindingSchema: Schema = kindSchema(
  `${P}.RoleBinding`,
  gvk('RoleBinding'),
  {
    subjects,
    roleRef: s.withOpts(RoleRef, {
      description: 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
    }),
  },
  {
    required: ['roleRef'],
    description:
      'RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace.',
  },
);

export const ClusterRoleBindingSchema: Schema = kindSchema(
  `${P}.ClusterRoleBinding`,
  gvk('ClusterRoleBinding'),
  {
    subjects,
    roleRef: s.withOpts(RoleRef, {
      description: 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
    }),
  },
  { required: ['roleRef'], description: 'ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject.' },
);
