/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding: typed views,
 * defaults, validation (upstream pkg/apis/rbac/validation) and printer columns
 * (pkg/printers/internalversion). Pure.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import { isDNS1123Subdomain, isValidPathSegmentName } from '../../validation/names.js';
import { ageCell, validateLabelSelector } from '../../apps/shared/index.js';
import type { LabelSelector } from '../../../lib/labels/label-selector.js';
import { ClusterRoleBindingSchema, ClusterRoleSchema, RoleBindingSchema, RoleSchema } from './schema.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}
export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}
export interface V1Role extends KubeObject {
  rules?: PolicyRule[] | null;
}
export interface V1ClusterRole extends V1Role {
  aggregationRule?: AggregationRule | null;
}
export interface V1RoleBinding extends KubeObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}
export type V1ClusterRoleBinding = V1RoleBinding;

/** rbac.ValidateRBACName: path segment names (colons allowed, as in `system:node`). */
export function validateRbacName(name: string, _prefix: boolean): string[] {
  return isValidPathSegmentName(name);
}

/** SetDefaults_Subject and the roleRef apiGroup default of SetDefaults_(Cluster)RoleBinding. */
export function defaultBinding(obj: KubeObject): void {
  const b = obj as V1RoleBinding;
  if (b.roleRef && typeof b.roleRef === 'object' && !b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  for (const sub of b.subjects ?? []) {
    if (!sub || typeof sub !== 'object' || sub.apiGroup) continue;
    if (sub.kind === 'ServiceAccount') sub.apiGroup = '';
    else if (sub.kind === 'User' || sub.kind === 'Group') sub.apiGroup = RBAC_GROUP;
  }
}

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(fieldErrors.required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (rule.nonResourceURLs?.length) {
    if (namespaced) errs.push(fieldErrors.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length)
      errs.push(fieldErrors.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(fieldErrors.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(fieldErrors.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  ((obj as V1Role).rules ?? []).forEach((r, i) => errs.push(...validatePolicyRule(r ?? { verbs: [] }, true, `rules[${i}]`)));
  return errs;
}

export function validateClusterRole(obj: KubeObject): FieldError[] {
  const cr = obj as V1ClusterRole;
  const errs: FieldError[] = [];
  (cr.rules ?? []).forEach((r, i) => errs.push(...validatePolicyRule(r ?? { verbs: [] }, false, `rules[${i}]`)));
  if (cr.aggregationRule) {
    const sels = cr.aggregationRule.clusterRoleSelectors ?? [];
    if (sels.length === 0) errs.push(fieldErrors.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((sel, i) => errs.push(...validateLabelSelector(sel, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

/** ValidateRoleBindingSubject. */
export function validateSubject(sub: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!sub.name) errs.push(fieldErrors.required(`${path}.name`));
  switch (sub.kind) {
    case 'ServiceAccount':
      if (sub.name) for (const m of isDNS1123Subdomain(sub.name)) errs.push(fieldErrors.invalid(`${path}.name`, sub.name, m));
      if (sub.apiGroup) errs.push(fieldErrors.notSupported(`${path}.apiGroup`, sub.apiGroup, ['']));
      if (!namespaced && !sub.namespace) errs.push(fieldErrors.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (sub.apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported(`${path}.apiGroup`, sub.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErrors.notSupported(`${path}.kind`, sub.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const b = obj as V1RoleBinding;
  const errs: FieldError[] = [];
  const ref: Partial<RoleRef> = b.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind ?? '')) errs.push(fieldErrors.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(fieldErrors.required('roleRef.name'));
  else for (const m of validateRbacName(ref.name, false)) errs.push(fieldErrors.invalid('roleRef.name', ref.name, m));
  (b.subjects ?? []).forEach((sub, i) => errs.push(...validateSubject(sub ?? { kind: '', name: '' }, namespaced, `subjects[${i}]`)));
  return errs;
}

function validateBindingUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const n = (obj as V1RoleBinding).roleRef ?? {};
  const o = (old as V1RoleBinding).roleRef ?? {};
  if (n.apiGroup !== o.apiGroup || n.kind !== o.kind || n.name !== o.name) return [fieldErrors.invalid('roleRef', goRoleRef(n), 'cannot change roleRef')];
  return [];
}

/** How Go prints a RoleRef struct with %v in the message of an Invalid error. */
function goRoleRef(r: Partial<RoleRef>): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(r.apiGroup ?? '')}, Kind:${JSON.stringify(r.kind ?? '')}, Name:${JSON.stringify(r.name ?? '')}}`;
}

const CREATED_AT = { name: 'Created At', type: 'date' as const, description: 'When the object was created (metadata.creationTimestamp).' };
const NAME = { name: 'Name', type: 'string' as const, format: 'name', description: 'The name of the object.' };
const AGE = { name: 'Age', type: 'string' as const, description: 'Time since the object was created (metadata.creationTimestamp).' };

/** printRole / printClusterRole: NAME, CREATED AT. */
const roleTable = {
  columns: [NAME, CREATED_AT],
  cells: (o: KubeObject) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
};

/** SubjectsStrings: users, groups, service accounts (`ns:name`). */
export function subjectsStrings(subjects: readonly Subject[] | null | undefined): { users: string; groups: string; serviceAccounts: string } {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}:${s.name}`);
  }
  return { users: users.join(', '), groups: groups.join(', '), serviceAccounts: sas.join(', ') };
}

/** printRoleBinding / printClusterRoleBinding: NAME, ROLE, AGE; wide adds USERS, GROUPS, SERVICEACCOUNTS. */
const bindingTable = {
  columns: [
    NAME,
    { name: 'Role', type: 'string' as const, description: 'The kind and name of the role the binding grants (roleRef).' },
    AGE,
    { name: 'Users', type: 'string' as const, priority: 1, description: 'Users in the roleBinding' },
    { name: 'Groups', type: 'string' as const, priority: 1, description: 'Groups in the roleBinding' },
    { name: 'ServiceAccounts', type: 'string' as const, priority: 1, description: 'ServiceAccounts in the roleBinding' },
  ],
  cells(o: KubeObject, now: Date): unknown[] {
    const b = o as V1RoleBinding;
    const s = subjectsStrings(b.subjects);
    return [o.metadata.name ?? '', `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, ageCell(o, now), s.users, s.groups, s.serviceAccounts];
  },
};


const bindingStrategy = (namespaced: boolean): Strategy => ({
  defaults: defaultBinding,
  validate: (o) => validateBinding(o, namespaced),
  validateUpdate: (o, old) => validateBindingUpdate(o, old),
});

const base = { group: RBAC_GROUP, version: 'v1', generation: false, validateName: validateRbacName } as const;

export const roleResource: ResourceDef = {
  ...base,
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  schema: RoleSchema,
  strategy: { validate: validateRole },
  table: roleTable,
};

export const clusterRoleResource: ResourceDef = {
  ...base,
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  schema: ClusterRoleSchema,
  strategy: { validate: validateClusterRole },
  table: roleTable,
};

export const roleBindingResource: ResourceDef = {
  ...base,
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  schema: RoleBindingSchema,
  strategy: bindingStrategy(true),
  table: bindingTable,
};

export const clusterRoleBindingResource: ResourceDef = {
  ...base,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  schema: ClusterRoleBindingSchema,
  strategy: bindingStrategy(false),
  table: bindingTable,
};
