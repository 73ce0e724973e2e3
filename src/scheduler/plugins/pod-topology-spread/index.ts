/**
 * PodTopologySpread (upstream's podtopologyspread plugin).
 *
 * Filter (DoNotSchedule constraints): for each constraint, placing the pod on the node must keep
 * `matching pods in the node's domain + (1 if the pod matches itself) − global minimum ≤ maxSkew`,
 * where the global minimum is over the eligible domains (0 while fewer than minDomains exist).
 * Eligible nodes carry every constraint's topology key and pass nodeAffinityPolicy (default Honor:
 * the pod's nodeSelector/required affinity) and nodeTaintsPolicy (default Ignore). matchLabelKeys
 * add the pod's own values to the selector. Reasons: `node(s) didn't match pod topology spread
 * constraints` (Unschedulable) and `... (missing required label)` (unresolvable).
 * Score (ScheduleAnyway constraints): fewer matching pods in the domain scores higher, weighted by
 * log(number of domains + 2), as upstream.
 * System default constraints (for pods owned by Services/ReplicaSets without their own) are not applied.
 */
import type { V1TopologySpreadConstraint } from '../../../api/core/v1/pod-types.js';
import { type Selector, matches, nothing, selectorFromLabelSelector } from '../../../lib/labels/index.js';
import {
  type ClusterEvent, type CycleState, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, type PreFilterPlugin,
  type PreScorePlugin, type ScorePlugin, type Snapshot, SKIP, SUCCESS, type Status, doNotScheduleTaint, findUntoleratedTaint,
  selectorWithLabelKeys, unresolvable, unschedulable, MAX_NODE_SCORE,
} from '../../framework/index.js';
import { type RequiredNodeAffinity, requiredNodeAffinity } from '../node-affinity/index.js';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';
const REJECT = unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
const REJECT_LABEL = unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
const HOSTNAME = 'kubernetes.io/hostname';

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
  /** Whether the incoming pod matches the selector itself. */
  selfMatch: number;
}

function compile(pod: PodInfo, want: string): Constraint[] {
  const out: Constraint[] = [];
  for (const c of (pod.pod.spec?.topologySpreadConstraints ?? []) as V1TopologySpreadConstraint[]) {
    if ((c.whenUnsatisfiable ?? 'DoNotSchedule') !== want) continue;
    let base: Selector;
    try {
      base = selectorFromLabelSelector(c.labelSelector as Parameters<typeof selectorFromLabelSelector>[0]);
    } catch {
      base = nothing;
    }
    const selector = selectorWithLabelKeys(base, pod.labels, c.matchLabelKeys);
    out.push({
      maxSkew: c.maxSkew ?? 1,
      topologyKey: c.topologyKey ?? '',
      selector,
      minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: c.nodeTaintsPolicy === 'Honor',
      selfMatch: matches(selector, pod.labels) ? 1 : 0,
    });
  }
  return out;
}

function hasAllKeys(labels: Readonly<Record<string, string>>, cs: readonly Constraint[]): boolean {
  for (const c of cs) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

function included(c: Constraint, pod: PodInfo, ni: NodeInfo, req: RequiredNodeAffinity): boolean {
  if (c.honorAffinity && req.active && !req.matches(ni)) return false;
  if (c.honorTaints && findUntoleratedTaint(ni.taints, pod.tolerations, doNotScheduleTaint)) return false;
  return true;
}

/** The eligible nodes and topology domains of one constraint (derived from nodes only; cached). */
interface Domains {
  /** By node index: 1 when the node counts for this constraint. */
  eligible: Uint8Array;
  /** Every eligible domain value. */
  values: ReadonlySet<string>;
}

class FilterState {
  constructor(
    readonly constraints: Constraint[],
    readonly domains: Domains[],
    /** Per constraint: matching pods per domain (sparse: absent means 0). */
    readonly counts: Map<string, number>[],
    readonly mins: number[],
  ) {}
  recomputeMin(i: number): void {
    const c = this.constraints[i]!;
    const total = this.domains[i]!.values.size;
    if (total < c.minDomains) {
      this.mins[i] = 0;
      return;
    }
    let min = Infinity;
    let nonZero = 0;
    for (const [v, n] of this.counts[i]!) {
      if (!this.domains[i]!.values.has(v)) continue;
      if (n > 0) nonZero++;
      if (n < min) min = n;
    }
    // A domain without matching pods makes the minimum 0.
    this.mins[i] = nonZero < total || min === Infinity ? 0 : min;
  }
  clone(): FilterState {
    return new FilterState(this.constraints, this.domains, this.counts.map((m) => new Map(m)), [...this.mins]);
  }
}

class ScoreState {
  constructor(
    readonly constraints: Constraint[],
    readonly counts: Map<string, number>[],
    readonly weights: number[],
    readonly ignored: Set<NodeInfo>,
  ) {}
}

const PRE = 'PodTopologySpread/pre';
const PRESCORE = 'PodTopologySpread/prescore';

function countOnNode(ni: NodeInfo, c: Constraint, ns: string): number {
  let n = 0;
  for (const p of ni.pods) if (p.namespace === ns && !p.terminating && matches(c.selector, p.labels)) n++;
  return n;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;

  preFilter(state: CycleState, pod: PodInfo, snap: Snapshot): Status {
    const cs = compile(pod, 'DoNotSchedule');
    if (cs.length === 0) return SKIP;
    const req = requiredNodeAffinity(pod.pod);
    const keys = cs.map((c) => c.topologyKey);
    const affKey = req.active ? JSON.stringify([pod.pod.spec?.nodeSelector, pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution]) : '';
    const domains = cs.map((c) =>
      snap.derived(`PodTopologySpread\u0000${JSON.stringify(keys)}\u0000${c.topologyKey}\u0000${c.honorAffinity ? affKey : ''}\u0000${c.honorTaints ? JSON.stringify(pod.tolerations) : '-'}`, (): Domains => {
        const eligible = new Uint8Array(snap.nodes.length);
        const values = new Set<string>();
        for (const ni of snap.nodes) {
          if (!hasAllKeys(ni.labels, cs) || !included(c, pod, ni, req)) continue;
          eligible[ni.index] = 1;
          values.add(ni.labels[c.topologyKey]!);
        }
        return { eligible, values };
      }),
    );
    const counts = cs.map(() => new Map<string, number>());
    for (const g of snap.podGroups()) {
      if (g.namespace !== pod.namespace) continue;
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i]!;
        if (!matches(c.selector, g.labels)) continue;
        const m = counts[i]!;
        const el = domains[i]!.eligible;
        for (const [ni, n] of g.nodes) {
          if (ni.index < 0 || !el[ni.index]) continue;
          const v = ni.labels[c.topologyKey]!;
          m.set(v, (m.get(v) ?? 0) + n);
        }
      }
    }
    const st = new FilterState(cs, domains, counts, cs.map(() => 0));
    for (let i = 0; i < cs.length; i++) st.recomputeMin(i);
    state.write(PRE, st);
    return SUCCESS;
  }

  removePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    this.update(state, pod, other, node, -1);
  }
  addPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    this.update(state, pod, other, node, 1);
  }
  private update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, d: 1 | -1): void {
    const st = state.read<FilterState>(PRE);
    if (!st || other.namespace !== pod.namespace || !hasAllKeys(node.labels, st.constraints)) return;
    for (let i = 0; i < st.constraints.length; i++) {
      const c = st.constraints[i]!;
      if (!matches(c.selector, other.labels)) continue;
      const v = node.labels[c.topologyKey]!;
      if (!st.domains[i]!.values.has(v)) continue;
      const m = st.counts[i]!;
      m.set(v, (m.get(v) ?? 0) + d);
      st.recomputeMin(i);
    }
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const st = state.read<FilterState>(PRE);
    if (!st) return SUCCESS;
    const cs = st.constraints;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const v = node.labels[c.topologyKey];
      if (v === undefined) return REJECT_LABEL;
      const skew = (st.counts[i]!.get(v) ?? 0) + c.selfMatch - st.mins[i]!;
      if (skew > c.maxSkew) return REJECT;
    }
    return SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snap: Snapshot): Status {
    const cs = compile(pod, 'ScheduleAnyway');
    if (cs.length === 0) return SKIP;
    const req = requiredNodeAffinity(pod.pod);
    const counts = cs.map(() => new Map<string, number>());
    const ignored = new Set<NodeInfo>();
    let hostnameDomains = 0;
    for (const ni of nodes) {
      if (!hasAllKeys(ni.labels, cs)) {
        ignored.add(ni);
        continue;
      }
      hostnameDomains++;
      for (let i = 0; i < cs.length; i++) if (cs[i]!.topologyKey !== HOSTNAME) counts[i]!.set(ni.labels[cs[i]!.topologyKey]!, 0);
    }
    const weights = cs.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? hostnameDomains : counts[i]!.size) + 2));
    for (const g of snap.podGroups()) {
      if (g.namespace !== pod.namespace) continue;
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i]!;
        if (c.topologyKey === HOSTNAME || !matches(c.selector, g.labels)) continue;
        const m = counts[i]!;
        for (const [ni, n] of g.nodes) {
          if (!ni.node || !hasAllKeys(ni.labels, cs) || !included(c, pod, ni, req)) continue;
          const v = ni.labels[c.topologyKey]!;
          const cur = m.get(v);
          if (cur !== undefined) m.set(v, cur + n);
        }
      }
    }
    state.write(PRESCORE, new ScoreState(cs, counts, weights, ignored));
    return SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const st = state.read<ScoreState>(PRESCORE);
    if (!st || st.ignored.has(node)) return 0;
    let score = 0;
    for (let i = 0; i < st.constraints.length; i++) {
      const c = st.constraints[i]!;
      const v = node.labels[c.topologyKey];
      if (v === undefined) continue;
      const cnt = c.topologyKey === HOSTNAME ? countOnNode(node, c, pod.namespace) : (st.counts[i]!.get(v) ?? 0);
      const w = st.weights[i]!;
      score += cnt * w + (c.maxSkew - 1) * w;
    }
    return Math.round(score);
  }

  normalizeScores(state: CycleState, _pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void {
    const st = state.read<ScoreState>(PRESCORE);
    if (!st) return;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (st.ignored.has(nodes[i]!)) continue;
      if (scores[i]! < min) min = scores[i]!;
      if (scores[i]! > max) max = scores[i]!;
    }
    for (let i = 0; i < scores.length; i++) {
      if (st.ignored.has(nodes[i]!)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
  }

  events(): readonly ClusterEvent[] {
    return [
      { resource: 'Pod', action: 'Add' }, { resource: 'Pod', action: 'Update' }, { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }, { resource: 'Node', action: 'Delete' },
    ];
  }
}
