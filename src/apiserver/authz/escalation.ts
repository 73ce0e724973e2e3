/**
 * RBAC's escalation prevention (upstream pkg/registry/rbac/{role,clusterrole,rolebinding,
 * clusterrolebinding}/policybased): a user may only write a Role/ClusterRole whose rules they hold
 * themselves, unless they may `escalate` that role; and may only bind a role whose rules they hold
 * in the binding's namespace, unless they may `bind` that role. system:masters may do anything.
 * Refusals are 403 with upstream's text:
 *   user "bob" (groups=["g" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
 *   {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}
 * A binding to a role that does not exist is 404, as upstream. Runs as a validating admission
 * plugin (after defaults and validation), on creates and on updates that change rules or subjects.
 */
import type { KubeObject, UserInfo } from '../../api/types.js';
import type { PolicyRule, V1ClusterRole, V1RoleBinding } from '../../api/rbac/v1/index.js';
import { ApiError, forbidden, notFound } from '../../lib/errors.js';
import type { AdmissionPlugin, AdmissionRequest } from '../admission/types.js';
import type { Authorization } from './authorization.js';
import { compactRuleString, missingRules } from './rules.js';

const RBAC = 'rbac.authorization.k8s.io';

export function createEscalationCheck(authz: () => Authorization): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    async validate(req: AdmissionRequest): Promise<void> {
      if (req.def.group !== RBAC || req.subresource || (req.operation !== 'CREATE' && req.operation !== 'UPDATE') || !req.object) return;
      const plural = req.def.plural;
      if (!['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].includes(plural)) return;
      if (req.user.groups.includes('system:masters')) return;
      const a = authz();
      const gr = { group: RBAC, resource: plural };
      const name = req.name || req.object.metadata.name || '';
      if (plural === 'roles' || plural === 'clusterroles') {
        const rules = rulesOf(req.object);
        if (req.oldObject && JSON.stringify(rulesOf(req.oldObject)) === JSON.stringify(rules)) return;
        if (await allowed(a, req.user, 'escalate', plural, plural === 'roles' ? req.namespace : '', name)) return;
        confirmNoEscalation(a, req.user, plural === 'roles' ? req.namespace : '', rules, gr, name);
        return;
      }
      const b = req.object as V1RoleBinding;
      if (req.oldObject && JSON.stringify((req.oldObject as V1RoleBinding).subjects ?? []) === JSON.stringify(b.subjects ?? [])) return;
      const ref = b.roleRef;
      const bindingNs = plural === 'rolebindings' ? req.namespace : '';
      const refNs = ref.kind === 'Role' ? req.namespace : '';
      const refPlural = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      // BindingAuthorized: `bind` on the role, asked in the binding's namespace (so bind can be delegated per namespace).
      if (await allowed(a, req.user, 'bind', refPlural, bindingNs, ref.name)) return;
      await a.sync();
      const rules = a.roleRules(ref.kind === 'Role' ? 'Role' : 'ClusterRole', refNs, ref.name);
      if (!rules) throw notFound({ group: RBAC, resource: refPlural }, ref.name);
      confirmNoEscalation(a, req.user, bindingNs, rules, gr, name);
    },
  };
}

function rulesOf(o: KubeObject): PolicyRule[] {
  return ((o as V1ClusterRole).rules ?? []).filter((r): r is PolicyRule => !!r);
}

async function allowed(a: Authorization, user: UserInfo, verb: string, resource: string, namespace: string, name: string): Promise<boolean> {
  const r = await a.authorize({ user, verb, isResourceRequest: true, path: '', namespace, apiGroup: RBAC, apiVersion: 'v1', resource, subresource: '', name });
  return r.decision === 'allow';
}

function confirmNoEscalation(a: Authorization, user: UserInfo, namespace: string, rules: readonly PolicyRule[], gr: { group: string; resource: string }, name: string): void {
  const held = a.rulesFor(user, namespace);
  const owned: PolicyRule[] = [
    ...held.resourceRules.map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames.length ? { resourceNames: r.resourceNames } : {}) })),
    ...held.nonResourceRules.map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
  ];
  const missing = missingRules(owned, rules);
  if (!missing.length) return;
  let msg = `user ${JSON.stringify(user.username)} (groups=[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]) is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRuleString).join('\n')}`;
  if (held.evaluationError) msg += `; resolution errors: [${held.evaluationError}]`;
  const e: ApiError = forbidden(gr, name, msg);
  throw e;
}
