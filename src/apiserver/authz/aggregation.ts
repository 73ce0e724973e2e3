/**
 * ClusterRole aggregation (upstream pkg/controller/clusterroleaggregation): an aggregating
 * ClusterRole's rules are the rules of every other ClusterRole matched by any of its
 * clusterRoleSelectors, selectors in order, matches sorted by name, each distinct rule once. Pure.
 */
import type { PolicyRule, V1ClusterRole } from '../../api/rbac/v1/index.js';
import { selectorFromLabelSelector } from '../../lib/labels/label-selector.js';
import { matches } from '../../lib/labels/selector.js';
import { sameRule } from './rules.js';

/** The rules `role` should have, or undefined when it has them already (or does not aggregate). */
export function aggregatedRules(role: V1ClusterRole, all: readonly V1ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors?.length) return undefined;
  const sorted = [...all].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0));
  const out: PolicyRule[] = [];
  for (const ls of selectors) {
    let sel;
    try {
      sel = selectorFromLabelSelector(ls);
    } catch {
      continue;
    }
    for (const cr of sorted) {
      if (cr.metadata.name === role.metadata.name || !matches(sel, cr.metadata.labels)) continue;
      for (const r of cr.rules ?? []) if (r && !out.some((o) => sameRule(o, r))) out.push(structuredClone(r));
    }
  }
  const cur = role.rules ?? [];
  if (cur.length === out.length && cur.every((r, i) => sameRule(r, out[i]!))) return undefined;
  return out;
}
