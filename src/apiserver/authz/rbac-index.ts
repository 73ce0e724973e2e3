/**
 * The RBAC authorizer's in-memory state: every Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding, with the bindings filed by subject (user name, group name; service accounts
 * under their user name), so a request looks only at the bindings that can apply to its user — a
 * few map lookups whatever the number of bindings in the cluster.
 *
 * Fed by put/delete calls (the watch cache in production, tests directly); no I/O. The decision
 * logic is upstream's RBACAuthorizer.Authorize and RuleResolver.VisitRulesFor: cluster role
 * bindings first, then the role bindings of the request's namespace; a binding whose role is
 * missing contributes nothing but an error string (`clusterrole.rbac.authorization.k8s.io "x" not
 * found`) that ends up in the 403 message's reason.
 */
import type { PolicyRule, Subject, V1ClusterRole, V1Role, V1RoleBinding } from '../../api/rbac/v1/index.js';
import type { KubeObject, UserInfo } from '../../api/types.js';
import { ruleAllows, subjectAppliesTo, subjectKey, userKeys } from './rules.js';
import type { Attributes, AuthorizationResult, Authorizer, NonResourceRuleOut, ResourceRuleOut, RuleResolver, RulesResult } from './types.js';

export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

interface Binding {
  namespace: string;
  name: string;
  roleKind: string;
  roleName: string;
  subjects: Subject[];
  keys: string[];
}

interface Visit {
  /** Where the rule came from, for messages (`ClusterRoleBinding "x" of ClusterRole "y"`). */
  source: () => string;
  rules: readonly PolicyRule[];
}

export class RbacIndex implements Authorizer, RuleResolver {
  readonly name = 'RBAC';
  private clusterRoles = new Map<string, PolicyRule[]>();
  /** `ns/name` → rules. */
  private roles = new Map<string, PolicyRule[]>();
  private clusterBindings = new Map<string, Binding>();
  /** `ns/name` → binding. */
  private bindings = new Map<string, Binding>();
  /** subject key → names of cluster role bindings. */
  private clusterBySubject = new Map<string, Set<string>>();
  /** namespace → subject key → `ns/name` of role bindings. */
  private nsBySubject = new Map<string, Map<string, Set<string>>>();

  /** Adds or replaces one object of the given kind. */
  put(kind: RbacKind, obj: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    switch (kind) {
      case 'ClusterRole':
        this.clusterRoles.set(name, cleanRules((obj as V1ClusterRole).rules));
        return;
      case 'Role':
        this.roles.set(`${ns}/${name}`, cleanRules((obj as V1Role).rules));
        return;
      case 'ClusterRoleBinding':
        this.removeBinding('ClusterRoleBinding', '', name);
        this.addBinding(toBinding(obj as V1RoleBinding, ''), true);
        return;
      case 'RoleBinding':
        this.removeBinding('RoleBinding', ns, name);
        this.addBinding(toBinding(obj as V1RoleBinding, ns), false);
        return;
    }
  }

  delete(kind: RbacKind, namespace: string, name: string): void {
    switch (kind) {
      case 'ClusterRole':
        this.clusterRoles.delete(name);
        return;
      case 'Role':
        this.roles.delete(`${namespace}/${name}`);
        return;
      default:
        this.removeBinding(kind, namespace, name);
    }
  }

  /** Drops everything of one kind (before a relist). */
  clear(kind: RbacKind): void {
    if (kind === 'ClusterRole') this.clusterRoles.clear();
    else if (kind === 'Role') this.roles.clear();
    else if (kind === 'ClusterRoleBinding') {
      this.clusterBindings.clear();
      this.clusterBySubject.clear();
    } else {
      this.bindings.clear();
      this.nsBySubject.clear();
    }
  }

  /** The rules of a Role (namespace given) or ClusterRole; undefined when it does not exist. */
  roleRules(kind: 'Role' | 'ClusterRole', namespace: string, name: string): readonly PolicyRule[] | undefined {
    return kind === 'ClusterRole' ? this.clusterRoles.get(name) : this.roles.get(`${namespace}/${name}`);
  }

  size(): { roles: number; clusterRoles: number; roleBindings: number; clusterRoleBindings: number } {
    return { roles: this.roles.size, clusterRoles: this.clusterRoles.size, roleBindings: this.bindings.size, clusterRoleBindings: this.clusterBindings.size };
  }

  /**
   * The hot path (every request): plain loops, no closures or per-call sets. A binding reached
   * through two of the user's keys is simply checked twice.
   */
  authorize(attrs: Attributes): AuthorizationResult {
    const user = attrs.user;
    const ns = attrs.namespace;
    const byKey = ns ? this.nsBySubject.get(ns) : undefined;
    let errors: string[] | undefined;
    for (let i = -1; i < user.groups.length; i++) {
      const key = i < 0 ? `u:${user.username}` : `g:${user.groups[i]}`;
      const names = this.clusterBySubject.get(key);
      if (names)
        for (const name of names) {
          const b = this.clusterBindings.get(name);
          if (!b || !appliesTo(user, b.subjects, '')) continue;
          const rules = this.clusterRoles.get(b.roleName);
          if (!rules) (errors ??= []).push(`clusterrole.rbac.authorization.k8s.io "${b.roleName}" not found`);
          else if (anyRuleAllows(attrs, rules)) return ALLOW;
        }
    }
    if (byKey)
      for (let i = -1; i < user.groups.length; i++) {
        const ids = byKey.get(i < 0 ? `u:${user.username}` : `g:${user.groups[i]}`);
        if (!ids) continue;
        for (const id of ids) {
          const b = this.bindings.get(id);
          if (!b || !appliesTo(user, b.subjects, ns)) continue;
          const cluster = b.roleKind === 'ClusterRole';
          const rules = cluster ? this.clusterRoles.get(b.roleName) : this.roles.get(`${ns}/${b.roleName}`);
          if (!rules) (errors ??= []).push(`${cluster ? 'clusterrole' : 'role'}.rbac.authorization.k8s.io "${b.roleName}" not found`);
          else if (anyRuleAllows(attrs, rules)) return ALLOW;
        }
      }
    if (!errors) return NO_OPINION;
    const agg = aggregate(errors);
    return { decision: 'no-opinion', reason: `RBAC: ${agg}`, evaluationError: agg };
  }

  /**
   * Upstream's reason for an allowed request (`RBAC: allowed by RoleBinding "b/ns" of ClusterRole
   * "view" to User "alice"`), for SubjectAccessReview statuses; '' when RBAC does not allow it.
   */
  allowReason(attrs: Attributes): string {
    let reason = '';
    this.visit(attrs.user, attrs.namespace, [], (v) => {
      for (const r of v.rules) if (ruleAllows(attrs, r)) return !!(reason = `RBAC: allowed by ${v.source()}`);
      return false;
    });
    return reason;
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const errors: string[] = [];
    const resourceRules: ResourceRuleOut[] = [];
    const nonResourceRules: NonResourceRuleOut[] = [];
    this.visit(user, namespace, errors, (v) => {
      for (const r of v.rules) {
        if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
        else resourceRules.push({ verbs: [...(r.verbs ?? [])], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], resourceNames: [...(r.resourceNames ?? [])] });
      }
      return false;
    });
    return { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: aggregate(errors) } : {}) };
  }

  /**
   * Visits the rules of every binding that applies to the user: cluster role bindings, then role
   * bindings of `namespace` (when not ''). Stops when `visitor` returns true.
   */
  private visit(user: UserInfo, namespace: string, errors: string[], visitor: (v: Visit) => boolean): void {
    const keys = userKeys(user);
    const seen = new Set<string>();
    for (const k of keys) {
      for (const name of this.clusterBySubject.get(k) ?? []) {
        if (seen.has(name)) continue;
        seen.add(name);
        const b = this.clusterBindings.get(name);
        if (!b || !b.subjects.some((s) => subjectAppliesTo(user, s, ''))) continue;
        const rules = this.clusterRoles.get(b.roleName);
        if (!rules) {
          errors.push(`clusterrole.rbac.authorization.k8s.io "${b.roleName}" not found`);
          continue;
        }
        if (visitor({ source: () => `ClusterRoleBinding "${b.name}" of ClusterRole "${b.roleName}" to ${describeSubject(user, b.subjects, '')}`, rules })) return;
      }
    }
    if (!namespace) return;
    const byKey = this.nsBySubject.get(namespace);
    if (!byKey) return;
    seen.clear();
    for (const k of keys) {
      for (const id of byKey.get(k) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const b = this.bindings.get(id);
        if (!b || !b.subjects.some((s) => subjectAppliesTo(user, s, namespace))) continue;
        const rules = b.roleKind === 'ClusterRole' ? this.clusterRoles.get(b.roleName) : this.roles.get(`${namespace}/${b.roleName}`);
        if (!rules) {
          errors.push(b.roleKind === 'ClusterRole' ? `clusterrole.rbac.authorization.k8s.io "${b.roleName}" not found` : `role.rbac.authorization.k8s.io "${b.roleName}" not found`);
          continue;
        }
        if (visitor({ source: () => `RoleBinding "${b.name}/${namespace}" of ${b.roleKind} "${b.roleName}" to ${describeSubject(user, b.subjects, namespace)}`, rules })) return;
      }
    }
  }

  private addBinding(b: Binding, cluster: boolean): void {
    if (cluster) {
      this.clusterBindings.set(b.name, b);
      for (const k of b.keys) getOrAdd(this.clusterBySubject, k, () => new Set()).add(b.name);
      return;
    }
    const id = `${b.namespace}/${b.name}`;
    this.bindings.set(id, b);
    const byKey = getOrAdd(this.nsBySubject, b.namespace, () => new Map<string, Set<string>>());
    for (const k of b.keys) getOrAdd(byKey, k, () => new Set()).add(id);
  }

  private removeBinding(kind: 'RoleBinding' | 'ClusterRoleBinding', namespace: string, name: string): void {
    if (kind === 'ClusterRoleBinding') {
      const old = this.clusterBindings.get(name);
      if (!old) return;
      this.clusterBindings.delete(name);
      for (const k of old.keys) {
        const set = this.clusterBySubject.get(k);
        set?.delete(name);
        if (set?.size === 0) this.clusterBySubject.delete(k);
      }
      return;
    }
    const id = `${namespace}/${name}`;
    const old = this.bindings.get(id);
    if (!old) return;
    this.bindings.delete(id);
    const byKey = this.nsBySubject.get(namespace);
    if (!byKey) return;
    for (const k of old.keys) {
      const set = byKey.get(k);
      set?.delete(id);
      if (set?.size === 0) byKey.delete(k);
    }
    if (byKey.size === 0) this.nsBySubject.delete(namespace);
  }
}

/** describeSubject of the first subject that applies: `User "alice"`, `ServiceAccount "name/ns"`. */
function describeSubject(user: UserInfo, subjects: readonly Subject[], namespace: string): string {
  const s = subjects.find((x) => subjectAppliesTo(user, x, namespace));
  if (!s) return '';
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || namespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

const ALLOW: AuthorizationResult = Object.freeze({ decision: 'allow', reason: '' });
const NO_OPINION: AuthorizationResult = Object.freeze({ decision: 'no-opinion', reason: '' });

function appliesTo(user: UserInfo, subjects: readonly Subject[], namespace: string): boolean {
  for (const s of subjects) if (subjectAppliesTo(user, s, namespace)) return true;
  return false;
}

function anyRuleAllows(attrs: Attributes, rules: readonly PolicyRule[]): boolean {
  for (const r of rules) if (ruleAllows(attrs, r)) return true;
  return false;
}

function toBinding(b: V1RoleBinding, namespace: string): Binding {
  const subjects = (b.subjects ?? []).filter((s): s is Subject => !!s && typeof s === 'object');
  const keys = [...new Set(subjects.map((s) => subjectKey(s, namespace)).filter((k): k is string => k !== undefined))];
  return { namespace, name: b.metadata.name ?? '', roleKind: b.roleRef?.kind ?? '', roleName: b.roleRef?.name ?? '', subjects, keys };
}

function cleanRules(rules: readonly (PolicyRule | null)[] | null | undefined): PolicyRule[] {
  return (rules ?? []).filter((r): r is PolicyRule => !!r && typeof r === 'object');
}

function getOrAdd<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/** utilerrors.NewAggregate(...).Error(). */
function aggregate(errors: readonly string[]): string {
  const uniq = [...new Set(errors)];
  return uniq.length === 1 ? uniq[0]! : `[${uniq.join(', ')}]`;
}
