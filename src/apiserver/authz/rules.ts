/**
 * RBAC rule and subject matching, as upstream's plugin/pkg/auth/authorizer/rbac (rbac.go,
 * subject_locator.go) and pkg/apis/rbac/v1/evaluation_helpers.go. Pure.
 */
import type { PolicyRule, Subject } from '../../api/rbac/v1/index.js';
import type { UserInfo } from '../../api/types.js';
import type { Attributes } from './types.js';

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** VerbMatches: '*' or the exact verb. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs ?? []) if (v === '*' || v === verb) return true;
  return false;
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? []) if (g === '*' || g === group) return true;
  return false;
}

/**
 * ResourceMatches: '*', the exact `resource[/subresource]`, or `*\/subresource` for any resource's
 * subresource of that name.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (!subresource) continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return names.includes(name);
}

/** NonResourceURLMatches: '*', exact, or a trailing '*' as a prefix match. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1).replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** RuleAllows. */
export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (attrs.isResourceRequest) {
    const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    return (
      verbMatches(rule, attrs.verb) &&
      apiGroupMatches(rule, attrs.apiGroup) &&
      resourceMatches(rule, combined, attrs.subresource) &&
      resourceNameMatches(rule, attrs.name)
    );
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path);
}

/** appliesToUser: does this binding subject (in a binding of `namespace`, '' for cluster) cover the user? */
export function subjectAppliesTo(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || namespace;
      if (!ns) return false;
      return user.username === `${SERVICE_ACCOUNT_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

/**
 * The index key a subject is filed under: users and service accounts by user name, groups by group
 * name; undefined for subjects that can never match (unknown kind, SA without a namespace).
 */
export function subjectKey(subject: Subject, bindingNamespace: string): string | undefined {
  switch (subject.kind) {
    case 'User':
      return `u:${subject.name}`;
    case 'Group':
      return `g:${subject.name}`;
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns ? `u:${SERVICE_ACCOUNT_PREFIX}${ns}:${subject.name}` : undefined;
    }
    default:
      return undefined;
  }
}

/** The keys a user is found under (see subjectKey). */
export function userKeys(user: UserInfo): string[] {
  const keys = [`u:${user.username}`];
  for (const g of user.groups) keys.push(`g:${g}`);
  return keys;
}

/** Deep equality of two rules, field by field (order kept, as upstream's reflect.DeepEqual on sorted-insensitive fields is not needed here). */
export function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const eq = (x: readonly string[] | undefined, y: readonly string[] | undefined) => {
    const xs = x ?? [];
    const ys = y ?? [];
    return xs.length === ys.length && xs.every((v, i) => v === ys[i]);
  };
  return eq(a.verbs, b.verbs) && eq(a.apiGroups, b.apiGroups) && eq(a.resources, b.resources) && eq(a.resourceNames, b.resourceNames) && eq(a.nonResourceURLs, b.nonResourceURLs);
}

/**
 * Whether `owned` covers every permission of `rule` (upstream's validation.Covers, used by the
 * bootstrap reconciler to add only missing permissions): each atomic (verb, group, resource, name)
 * or (verb, url) of `rule` is allowed by some rule in `owned`.
 */
export function covers(owned: readonly PolicyRule[], rule: PolicyRule): boolean {
  const verbs = rule.verbs ?? [];
  if (rule.nonResourceURLs?.length) {
    return verbs.every((v) => rule.nonResourceURLs!.every((u) => owned.some((o) => (o.verbs ?? []).some((ov) => ov === '*' || ov === v) && nonResourceCovers(o, u))));
  }
  const names = rule.resourceNames?.length ? rule.resourceNames : [''];
  for (const v of verbs)
    for (const g of rule.apiGroups ?? [])
      for (const r of rule.resources ?? [])
        for (const n of names) {
          const ok = owned.some(
            (o) =>
              (o.verbs ?? []).some((ov) => ov === '*' || ov === v) &&
              (o.apiGroups ?? []).some((og) => og === '*' || og === g) &&
              (o.resources ?? []).some((or) => or === '*' || or === r || (r.includes('/') && or === `*/${r.split('/').slice(1).join('/')}`)) &&
              (!(o.resourceNames ?? []).length || (n !== '' && o.resourceNames!.includes(n))),
          );
          if (!ok) return false;
        }
  return true;
}

function nonResourceCovers(o: PolicyRule, url: string): boolean {
  for (const u of o.nonResourceURLs ?? []) {
    if (u === '*' || u === url) return true;
    if (u.endsWith('*') && url.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/**
 * The permissions of `rules` that `owned` does not cover, broken down and compacted as upstream's
 * validation.Covers + CompactRules: one rule per (group, resource, resourceNames) or URL set, verbs
 * merged.
 */
export function missingRules(owned: readonly PolicyRule[], rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const byKey = new Map<string, PolicyRule>();
  for (const rule of rules) {
    if (rule.nonResourceURLs?.length) {
      for (const url of rule.nonResourceURLs)
        for (const v of rule.verbs ?? []) {
          if (covers(owned, { verbs: [v], nonResourceURLs: [url] })) continue;
          const key = `url\u0000${url}`;
          let r = byKey.get(key);
          if (!r) {
            r = { verbs: [], nonResourceURLs: [url] };
            byKey.set(key, r);
            out.push(r);
          }
          if (!r.verbs.includes(v)) r.verbs.push(v);
        }
      continue;
    }
    for (const g of rule.apiGroups ?? [])
      for (const res of rule.resources ?? [])
        for (const v of rule.verbs ?? []) {
          const atom: PolicyRule = { verbs: [v], apiGroups: [g], resources: [res], ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}) };
          if (covers(owned, atom)) continue;
          const key = `${g}\u0000${res}\u0000${(rule.resourceNames ?? []).join(',')}`;
          let r = byKey.get(key);
          if (!r) {
            r = { verbs: [], apiGroups: [g], resources: [res], ...(rule.resourceNames?.length ? { resourceNames: [...rule.resourceNames] } : {}) };
            byKey.set(key, r);
            out.push(r);
          }
          if (!r.verbs.includes(v)) r.verbs.push(v);
        }
  }
  return out;
}

/** rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`. */
export function compactRuleString(r: PolicyRule): string {
  const q = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
