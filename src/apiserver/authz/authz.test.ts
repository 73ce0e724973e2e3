import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, UserInfo } from '../../api/types.js';
import { RbacIndex } from './rbac-index.js';
import { covers, nonResourceURLMatches, resourceMatches } from './rules.js';
import { forbiddenError } from './forbidden.js';
import { aggregatedRules } from './aggregation.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { createNodeAuthorizer } from './node-authorizer.js';
import type { Attributes } from './types.js';
import type { V1ClusterRole } from '../../api/rbac/v1/index.js';

const alice: UserInfo = { username: 'alice', groups: ['dev', 'system:authenticated'] };

function attrs(user: UserInfo, verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  return { user, verb, isResourceRequest: true, path: '', namespace: '', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', ...o };
}

const obj = (kind: string, name: string, extra: Record<string, unknown>, namespace?: string): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...extra,
});

test('rules: resource, subresource wildcard and non-resource URL matching follow upstream', () => {
  assert.equal(resourceMatches({ verbs: ['get'], resources: ['pods'] }, 'pods', ''), true);
  assert.equal(resourceMatches({ verbs: ['get'], resources: ['pods'] }, 'pods/log', 'log'), false);
  assert.equal(resourceMatches({ verbs: ['get'], resources: ['*/scale'] }, 'deployments/scale', 'scale'), true);
  assert.equal(resourceMatches({ verbs: ['get'], resources: ['*/scale'] }, 'deployments', ''), false);
  assert.equal(nonResourceURLMatches({ verbs: ['get'], nonResourceURLs: ['/apis/*'] }, '/apis/apps/v1'), true);
  assert.equal(nonResourceURLMatches({ verbs: ['get'], nonResourceURLs: ['/apis'] }, '/apis/apps'), false);
  assert.equal(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], { verbs: ['get'], apiGroups: [''], resources: ['pods'] }), true);
  assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }), false);
});

test('RBAC index: role bindings apply only in their namespace, cluster bindings everywhere; groups and service accounts match', () => {
  const idx = new RbacIndex();
  idx.put('Role', obj('Role', 'pod-reader', { rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] }, 'team'));
  idx.put('RoleBinding', obj('RoleBinding', 'rb', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', name: 'alice' }] }, 'team'));
  idx.put('ClusterRole', obj('ClusterRole', 'node-reader', { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'], resourceNames: ['n1'] }] }));
  idx.put('ClusterRoleBinding', obj('ClusterRoleBinding', 'crb', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-reader' }, subjects: [{ kind: 'Group', name: 'dev' }] }));
  idx.put('RoleBinding', obj('RoleBinding', 'sa', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'bot' }] }, 'team'));

  assert.equal(idx.authorize(attrs(alice, 'list', 'pods', { namespace: 'team' })).decision, 'allow');
  assert.equal(idx.authorize(attrs(alice, 'list', 'pods', { namespace: 'other' })).decision, 'no-opinion');
  assert.equal(idx.authorize(attrs(alice, 'delete', 'pods', { namespace: 'team' })).decision, 'no-opinion');
  assert.equal(idx.authorize(attrs(alice, 'get', 'nodes', { name: 'n1' })).decision, 'allow');
  assert.equal(idx.authorize(attrs(alice, 'get', 'nodes', { name: 'n2' })).decision, 'no-opinion');
  const bot: UserInfo = { username: 'system:serviceaccount:team:bot', groups: ['system:serviceaccounts'] };
  assert.equal(idx.authorize(attrs(bot, 'get', 'pods', { namespace: 'team' })).decision, 'allow');
  assert.equal(idx.allowReason(attrs(bot, 'get', 'pods', { namespace: 'team' })), 'RBAC: allowed by RoleBinding "sa/team" of Role "pod-reader" to ServiceAccount "bot/team"');
  assert.equal(idx.allowReason(attrs(alice, 'get', 'nodes', { name: 'n1' })), 'RBAC: allowed by ClusterRoleBinding "crb" of ClusterRole "node-reader" to Group "dev"');
  assert.equal(idx.allowReason(attrs(alice, 'get', 'nodes', { name: 'n2' })), '');
  // Deleting the binding takes the access away; replacing it moves it.
  idx.delete('RoleBinding', 'team', 'rb');
  assert.equal(idx.authorize(attrs(alice, 'list', 'pods', { namespace: 'team' })).decision, 'no-opinion');
  idx.put('ClusterRoleBinding', obj('ClusterRoleBinding', 'crb', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-reader' }, subjects: [{ kind: 'User', name: 'bob' }] }));
  assert.equal(idx.authorize(attrs(alice, 'get', 'nodes', { name: 'n1' })).decision, 'no-opinion');
});

test('RBAC index: a binding to a missing role gives the RBAC reason and an incomplete rules review', () => {
  const idx = new RbacIndex();
  idx.put('RoleBinding', obj('RoleBinding', 'rb', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gone' }, subjects: [{ kind: 'User', name: 'alice' }] }, 'team'));
  const r = idx.authorize(attrs(alice, 'get', 'pods', { namespace: 'team' }));
  assert.equal(r.decision, 'no-opinion');
  assert.equal(r.reason, 'RBAC: role.rbac.authorization.k8s.io "gone" not found');
  const rules = idx.rulesFor(alice, 'team');
  assert.equal(rules.incomplete, true);
});

test('forbidden: upstream messages for named, unnamed, cluster-scoped, subresource and non-resource requests', () => {
  const e1 = forbiddenError(attrs(alice, 'get', 'pods', { namespace: 'ns', name: 'p' }), '');
  assert.equal(e1.message, 'pods "p" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "ns"');
  assert.equal(e1.code, 403);
  const e2 = forbiddenError(attrs(alice, 'list', 'deployments', { apiGroup: 'apps', namespace: 'ns' }), '');
  assert.equal(e2.message, 'deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" in the namespace "ns"');
  const e3 = forbiddenError(attrs(alice, 'list', 'nodes'), '');
  assert.equal(e3.message, 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
  const e4 = forbiddenError(attrs(alice, 'create', 'pods', { namespace: 'ns', name: 'p', subresource: 'exec' }), 'RBAC: x');
  assert.equal(e4.message, 'pods "p" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "ns": RBAC: x');
  const e5 = forbiddenError({ ...attrs(alice, 'get', ''), isResourceRequest: false, path: '/metrics' }, '');
  assert.equal(e5.message, 'forbidden: User "alice" cannot get path "/metrics"');
});

test('aggregation: admin/edit/view are built from the labelled roles, in name order, each rule once', () => {
  const roles = bootstrapClusterRoles();
  const byName = new Map(roles.map((r) => [r.metadata.name!, r]));
  // Resolve edit first (view feeds edit, edit feeds admin), as the controller converges.
  for (const name of ['view', 'edit', 'admin']) {
    const r = byName.get(name)!;
    r.rules = aggregatedRules(r, roles) ?? r.rules;
  }
  const view = byName.get('view')!;
  const edit = byName.get('edit')!;
  const admin = byName.get('admin')!;
  assert.ok(view.rules!.some((r) => r.resources?.includes('pods') && r.verbs.includes('list')));
  assert.ok(!view.rules!.some((r) => r.resources?.includes('secrets')));
  assert.ok(edit.rules!.some((r) => r.resources?.includes('secrets')));
  assert.ok(admin.rules!.some((r) => r.resources?.includes('rolebindings')));
  assert.equal(aggregatedRules(view, roles), undefined, 'stable once aggregated');
  const custom: V1ClusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'widgets', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }] };
  const next = aggregatedRules(view, [...roles, custom]);
  assert.ok(next?.some((r) => r.resources?.includes('widgets')));
});

test('bootstrap policy: every binding names an existing role, system:masters is cluster-admin, nodes get the node-services role', () => {
  const roles = new Set(bootstrapClusterRoles().map((r) => r.metadata.name));
  for (const b of bootstrapClusterRoleBindings()) assert.ok(roles.has(b.roleRef.name), b.metadata.name);
  const idx = new RbacIndex();
  for (const r of bootstrapClusterRoles()) idx.put('ClusterRole', r);
  for (const b of bootstrapClusterRoleBindings()) idx.put('ClusterRoleBinding', b);
  const admin: UserInfo = { username: 'x', groups: ['system:masters'] };
  assert.equal(idx.authorize(attrs(admin, 'delete', 'nodes', { name: 'a' })).decision, 'allow');
  const user: UserInfo = { username: 'bob', groups: ['system:authenticated'] };
  assert.equal(idx.authorize({ ...attrs(user, 'get', ''), isResourceRequest: false, path: '/apis/apps/v1' }).decision, 'allow');
  assert.equal(idx.authorize(attrs(user, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })).decision, 'allow');
  assert.equal(idx.authorize(attrs(user, 'list', 'pods', { namespace: 'default' })).decision, 'no-opinion');
  const node: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  assert.equal(idx.authorize(attrs(node, 'watch', 'endpointslices', { apiGroup: 'discovery.k8s.io' })).decision, 'allow');
  const sched: UserInfo = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
  assert.equal(idx.authorize(attrs(sched, 'create', 'pods', { namespace: 'a', name: 'p', subresource: 'binding' })).decision, 'allow');
  assert.equal(idx.authorize(attrs(sched, 'create', 'secrets', { namespace: 'a' })).decision, 'no-opinion');
});

test('node authorizer: node identities get the node rules, others no opinion', () => {
  const n = createNodeAuthorizer();
  const node: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  assert.equal(n.authorize(attrs(node, 'patch', 'nodes', { name: 'n1', subresource: 'status' })).decision, 'allow');
  assert.equal(n.authorize(attrs(node, 'create', 'token', { resource: 'serviceaccounts', subresource: 'token', namespace: 'a', name: 'default' })).decision, 'allow');
  assert.equal(n.authorize(attrs(node, 'delete', 'namespaces', { name: 'a' })).decision, 'no-opinion');
  assert.equal(n.authorize(attrs({ username: 'system:node:n1', groups: [] }, 'get', 'nodes')).decision, 'no-opinion', 'not in system:nodes');
  assert.equal(n.authorize(attrs(alice, 'get', 'nodes')).decision, 'no-opinion');
});

test('RBAC index: 1,000 bindings for other users leave a decision to the few that apply', () => {
  const idx = new RbacIndex();
  idx.put('ClusterRole', obj('ClusterRole', 'view', { rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] }] }));
  for (let i = 0; i < 1000; i++)
    idx.put('RoleBinding', obj('RoleBinding', `rb-${i}`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: `user-${i}` }] }, `ns-${i % 50}`));
  assert.equal(idx.authorize(attrs({ username: 'user-7', groups: [] }, 'list', 'configmaps', { namespace: 'ns-7' })).decision, 'allow');
  assert.equal(idx.authorize(attrs({ username: 'user-7', groups: [] }, 'list', 'configmaps', { namespace: 'ns-8' })).decision, 'no-opinion');
  assert.equal(idx.size().roleBindings, 1000);
});

test('escalation: roles and bindings may only grant what the writer holds, unless escalate/bind is allowed', async () => {
  const { createEscalationCheck } = await import('./escalation.js');
  const { missingRules, compactRuleString } = await import('./rules.js');
  const idx = new RbacIndex();
  idx.put('ClusterRole', obj('ClusterRole', 'cm-edit', { rules: [{ verbs: ['get', 'create'], apiGroups: [''], resources: ['configmaps'] }] }));
  idx.put('ClusterRole', obj('ClusterRole', 'secrets', { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }));
  idx.put('ClusterRole', obj('ClusterRole', 'rbac-writer', { rules: [{ verbs: ['create', 'update'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] }] }));
  idx.put('RoleBinding', obj('RoleBinding', 'a1', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cm-edit' }, subjects: [{ kind: 'User', name: 'alice' }] }, 'ns'));
  idx.put('RoleBinding', obj('RoleBinding', 'a2', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rbac-writer' }, subjects: [{ kind: 'User', name: 'alice' }] }, 'ns'));
  const authz = {
    authorize: async (a: Attributes) => idx.authorize(a),
    authorizeNow: (a: Attributes) => idx.authorize(a),
    rulesFor: (u: UserInfo, ns: string) => idx.rulesFor(u, ns),
    allowReason: (a: Attributes) => idx.allowReason(a),
    roleRules: (k: 'Role' | 'ClusterRole', ns: string, n: string) => idx.roleRules(k, ns, n),
    sync: async () => {},
    start: async () => {},
    stop: () => {},
  };
  const plugin = createEscalationCheck(() => authz);
  const rbacDef = (plural: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural }) as never;
  const write = async (plural: string, object: KubeObject): Promise<void> => plugin.validate!({ operation: 'CREATE', def: rbacDef(plural), namespace: 'ns', name: object.metadata.name!, object, subresource: '', user: alice, dryRun: false });
  await write('roles', obj('Role', 'ok', { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] }, 'ns'));
  await assert.rejects(write('roles', obj('Role', 'bad', { rules: [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['configmaps', 'secrets'] }] }, 'ns')), (e: unknown) => {
    const err = e as { code: number; message: string };
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      'roles.rbac.authorization.k8s.io "bad" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
    );
    return true;
  });
  const binding = (role: string) => obj('RoleBinding', `b-${role}`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: 'bob' }] }, 'ns');
  await write('rolebindings', binding('cm-edit'));
  await assert.rejects(write('rolebindings', binding('secrets')), /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}/);
  await assert.rejects(write('rolebindings', binding('missing')), (e: unknown) => (e as { code: number }).code === 404);
  // The bind verb on that role lifts the check.
  idx.put('ClusterRole', obj('ClusterRole', 'binder', { rules: [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['secrets'] }] }));
  idx.put('RoleBinding', obj('RoleBinding', 'a3', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'binder' }, subjects: [{ kind: 'User', name: 'alice' }] }, 'ns'));
  await write('rolebindings', binding('secrets'));
  assert.equal(compactRuleString(missingRules([], [{ verbs: ['get'], nonResourceURLs: ['/x'] }])[0]!), '{NonResourceURLs:["/x"], Verbs:["get"]}');
});
