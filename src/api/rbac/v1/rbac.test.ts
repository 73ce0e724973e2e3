import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { clusterRoleBindingResource, clusterRoleResource, roleBindingResource, roleResource, validateRbacName } from './index.js';

const ctx: StrategyContext = { now: new Date(0), user: { username: 'u', groups: [] }, subresource: '' };
const msgs = (errs: { toString(): string }[]) => errs.map(String);

test('Role: rules need verbs, apiGroups and resources; namespaced rules cannot name URLs', () => {
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'a' }, rules: [{ verbs: [] }, { verbs: ['get'], nonResourceURLs: ['/x'] }] } as KubeObject;
  assert.deepEqual(msgs(roleResource.strategy!.validate!(role, ctx)), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[0].resources: Required value: resource rules must supply at least one resource',
    'rules[1].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs',
  ]);
});

test('ClusterRole: URL rules cannot mix with resources; an empty aggregationRule is refused', () => {
  const cr = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:x' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }], aggregationRule: { clusterRoleSelectors: [] } } as KubeObject;
  assert.deepEqual(msgs(clusterRoleResource.strategy!.validate!(cr, ctx)), [
    'rules[0].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs',
    'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
  ]);
  assert.deepEqual(validateRbacName('system:node:a', false), []);
  assert.equal(validateRbacName('a/b', false).length, 1);
});

test('bindings: defaults, subject and roleRef validation, roleRef immutable', () => {
  const rb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'a' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'default' }, { kind: 'Robot', name: 'x' }] } as KubeObject;
  roleBindingResource.strategy!.defaults!(rb);
  assert.equal((rb as unknown as { roleRef: { apiGroup: string } }).roleRef.apiGroup, 'rbac.authorization.k8s.io');
  const subs = (rb as unknown as { subjects: { apiGroup?: string }[] }).subjects;
  assert.equal(subs[0]!.apiGroup, 'rbac.authorization.k8s.io');
  assert.equal(subs[1]!.apiGroup, '');
  assert.deepEqual(msgs(roleBindingResource.strategy!.validate!(rb, ctx)), ['subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"']);
  const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default' }] } as KubeObject;
  assert.deepEqual(msgs(clusterRoleBindingResource.strategy!.validate!(crb, ctx)), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].namespace: Required value',
  ]);
  const changed = structuredClone(rb) as KubeObject & { roleRef: { name: string } };
  changed.roleRef.name = 'other';
  assert.match(msgs(roleBindingResource.strategy!.validateUpdate!(changed, rb, ctx))[0]!, /^roleRef: Invalid value: .*: cannot change roleRef$/);
});

test('tables: bindings show Role kind/name and, wide, users, groups and service accounts', () => {
  const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b', creationTimestamp: '1970-01-01T00:00:00Z' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'a' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 's', namespace: 'n' }] } as KubeObject;
  assert.deepEqual(clusterRoleBindingResource.table!.cells(crb, new Date(60_000)), ['b', 'ClusterRole/view', '60s', 'a', 'g', 'n:s']);
  assert.deepEqual(clusterRoleBindingResource.table!.columns.map((c) => c.name), ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
  assert.deepEqual(roleResource.table!.columns.map((c) => c.name), ['Name', 'Created At']);
});
