/**
 * NodeAffinity (upstream's nodeaffinity plugin): Filter requires spec.nodeSelector and the
 * required node affinity (nodeSelectorTerms ORed; matchExpressions and matchFields ANDed within a
 * term) to match (`node(s) didn't match Pod's node affinity/selector`, unresolvable); Score sums
 * the weights of matching preferred terms, normalized by the maximum.
 */
import type { V1NodeSelectorRequirement, V1NodeSelectorTerm, V1Pod } from '../../../api/core/v1/pod-types.js';
import {
  type ClusterEvent, type CycleState, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, type PreFilterPlugin,
  type PreScorePlugin, type ScorePlugin, SKIP, SUCCESS, type Status, unresolvable,
} from '../../framework/index.js';
import { defaultNormalizeScore } from '../taint-toleration/index.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
const REJECT = unresolvable(ERR_REASON_POD);

/** Whether a node's labels and name satisfy one requirement (upstream's nodeaffinity operators). */
function requirementMatches(r: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || vals.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(vals[0]!)) return false;
      const a = Number(value);
      const b = Number(vals[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** Whether a term matches a node; a term with no requirements matches nothing. */
export function nodeSelectorTermMatches(t: V1NodeSelectorTerm, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const e of exprs) if (!requirementMatches(e, Object.hasOwn(labels, e.key ?? '') ? labels[e.key ?? ''] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (f.operator !== 'In' && f.operator !== 'NotIn') return false;
    if (!requirementMatches(f, nodeName)) return false;
  }
  return true;
}

/** The pod's required node constraints (nodeSelector + required node affinity) as one predicate. */
export interface RequiredNodeAffinity {
  matches(node: NodeInfo): boolean;
  /** False when the pod has neither a nodeSelector nor required node affinity. */
  readonly active: boolean;
}

export function requiredNodeAffinity(pod: V1Pod): RequiredNodeAffinity {
  const sel = pod.spec?.nodeSelector;
  const selEntries = sel ? Object.entries(sel) : [];
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const hasTerms = terms !== undefined;
  return {
    active: selEntries.length > 0 || hasTerms,
    matches(node: NodeInfo): boolean {
      const labels = node.labels;
      for (const [k, v] of selEntries) if (labels[k] !== v) return false;
      if (!hasTerms) return true;
      for (const t of terms!) if (nodeSelectorTermMatches(t, labels, node.name)) return true;
      return false;
    },
  };
}

const KEY = 'NodeAffinity/pre';

/**
 * Upstream's PreFilterResult of NodeAffinity: when every required term has a matchFields
 * `metadata.name In [...]` requirement (DaemonSet pods), only those nodes can match.
 */
export function nodeNamesOf(pod: V1Pod): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return undefined;
  const out = new Set<string>();
  for (const t of terms) {
    const f = (t.matchFields ?? []).find((x) => x.key === 'metadata.name' && x.operator === 'In');
    if (!f) return undefined;
    for (const v of f.values ?? []) out.add(v);
  }
  return out;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  preFilter(state: CycleState, pod: PodInfo): Status {
    const r = requiredNodeAffinity(pod.pod);
    if (!r.active) return SKIP;
    state.write(KEY, r);
    const names = nodeNamesOf(pod.pod);
    if (names) state.restrictNodes(names);
    return SUCCESS;
  }
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const r = state.read<RequiredNodeAffinity>(KEY) ?? requiredNodeAffinity(pod.pod);
    return r.matches(node) ? SUCCESS : REJECT;
  }
  preScore(_state: CycleState, pod: PodInfo): Status {
    return pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ? SUCCESS : SKIP;
  }
  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let s = 0;
    for (const t of pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      if ((t.weight ?? 0) !== 0 && t.preference && nodeSelectorTermMatches(t.preference, node.labels, node.name)) s += t.weight ?? 0;
    return s;
  }
  normalizeScores(_s: CycleState, _p: PodInfo, scores: number[]): void {
    defaultNormalizeScore(scores, false);
  }
  events(): readonly ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}
