/**
 * InterPodAffinity (upstream's interpodaffinity plugin).
 *
 * Filter, in upstream's order:
 * 1. the pod's required affinity: every term needs a pod it selects in the node's topology domain
 *    (`node(s) didn't match pod affinity rules`, unresolvable), except for the first pod of a group
 *    that selects itself when no pod anywhere matches;
 * 2. the pod's required anti-affinity: no selected pod in the node's domain
 *    (`node(s) didn't match pod anti-affinity rules`, Unschedulable);
 * 3. existing pods' required anti-affinity toward this pod
 *    (`node(s) didn't satisfy existing pods anti-affinity rules`, Unschedulable).
 * Counting goes through the snapshot's pod groups (pods with equal labels) so a cycle matches each
 * selector once per group, not once per pod.
 * Score: preferred terms of the pod (±weight per matching pod in the domain) and of existing pods
 * toward this pod (required affinity with weight 1, preferred ±weight), min-max normalized.
 */
import {
  type ClusterEvent, type CycleState, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, type PreFilterPlugin,
  type PreScorePlugin, type ScorePlugin, type Snapshot, type AffinityTerm, SKIP, SUCCESS, type Status, termMatches, unresolvable, unschedulable,
  MAX_NODE_SCORE,
} from '../../framework/index.js';
import { TopologyCounts } from '../topology-counts.js';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
const REJECT_AFF = unresolvable(ERR_REASON_AFFINITY);
const REJECT_ANTI = unschedulable(ERR_REASON_ANTI_AFFINITY);
const REJECT_EXISTING = unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
/** Upstream's default hardPodAffinityWeight. */
const HARD_POD_AFFINITY_WEIGHT = 1;

class PreFilterState {
  constructor(
    readonly existingAnti: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly anti: TopologyCounts,
    readonly nsLabels: (ns: string) => Readonly<Record<string, string>> | undefined,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.existingAnti.clone(), this.affinity.clone(), this.anti.clone(), this.nsLabels);
  }
}

const PRE = 'InterPodAffinity/pre';
const SCORE = 'InterPodAffinity/score';

function matchesAll(terms: readonly AffinityTerm[], ns: string, labels: Readonly<Record<string, string>>, nsl: PreFilterState['nsLabels']): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, ns, labels, nsl)) return false;
  return true;
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;

  preFilter(state: CycleState, pod: PodInfo, snap: Snapshot): Status {
    const nsl = snap.nsLabels;
    const st = new PreFilterState(new TopologyCounts(), new TopologyCounts(), new TopologyCounts(), nsl);
    let any = false;
    for (const g of snap.affinityPodGroups()) {
      const terms = g.sample.requiredAntiAffinityTerms;
      if (terms.length === 0) continue;
      any = true;
      for (const t of terms) {
        if (!termMatches(t, pod.namespace, pod.labels, nsl)) continue;
        for (const [ni, n] of g.nodes) {
          if (!ni.node) continue;
          const v = ni.labels[t.topologyKey];
          if (v !== undefined) st.existingAnti.add(t.topologyKey, v, n);
        }
      }
    }
    const aff = pod.requiredAffinityTerms;
    const anti = pod.requiredAntiAffinityTerms;
    if (aff.length + anti.length > 0) {
      any = true;
      for (const g of snap.podGroups()) {
        if (aff.length && matchesAll(aff, g.namespace, g.labels, nsl))
          for (const t of aff) countGroup(st.affinity, t.topologyKey, g.nodes);
        for (const t of anti) if (termMatches(t, g.namespace, g.labels, nsl)) countGroup(st.anti, t.topologyKey, g.nodes);
      }
    }
    if (!any) return SKIP;
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
    const st = state.read<PreFilterState>(PRE);
    if (!st) return;
    const labels = node.labels;
    for (const t of other.requiredAntiAffinityTerms)
      if (labels[t.topologyKey] !== undefined && termMatches(t, pod.namespace, pod.labels, st.nsLabels)) st.existingAnti.add(t.topologyKey, labels[t.topologyKey]!, d);
    if (matchesAll(pod.requiredAffinityTerms, other.namespace, other.labels, st.nsLabels))
      for (const t of pod.requiredAffinityTerms) if (labels[t.topologyKey] !== undefined) st.affinity.add(t.topologyKey, labels[t.topologyKey]!, d);
    for (const t of pod.requiredAntiAffinityTerms)
      if (labels[t.topologyKey] !== undefined && termMatches(t, other.namespace, other.labels, st.nsLabels)) st.anti.add(t.topologyKey, labels[t.topologyKey]!, d);
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const st = state.read<PreFilterState>(PRE);
    if (!st) return SUCCESS;
    const labels = node.labels;
    // 1. Required affinity.
    if (pod.requiredAffinityTerms.length) {
      let podsExist = true;
      for (const t of pod.requiredAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v === undefined) return REJECT_AFF;
        if (st.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
      }
      if (!podsExist && !(affinityEmpty(st.affinity) && matchesAll(pod.requiredAffinityTerms, pod.namespace, pod.labels, st.nsLabels))) return REJECT_AFF;
    }
    // 2. Required anti-affinity.
    for (const t of pod.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && st.anti.get(t.topologyKey, v) > 0) return REJECT_ANTI;
    }
    // 3. Existing pods' anti-affinity.
    if (st.existingAnti.size)
      for (const [key, inner] of st.existingAnti.m) {
        const v = labels[key];
        if (v !== undefined && (inner.get(v) ?? 0) > 0) return REJECT_EXISTING;
      }
    return SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snap: Snapshot): Status {
    const pref = pod.preferredAffinityTerms.length + pod.preferredAntiAffinityTerms.length > 0;
    if (!pref && !snap.hasAffinityPods()) return SKIP;
    const nsl = snap.nsLabels;
    const scores = new TopologyCounts();
    if (pref)
      for (const g of snap.podGroups()) {
        for (const t of pod.preferredAffinityTerms) if (termMatches(t, g.namespace, g.labels, nsl)) countGroup(scores, t.topologyKey, g.nodes, t.weight);
        for (const t of pod.preferredAntiAffinityTerms) if (termMatches(t, g.namespace, g.labels, nsl)) countGroup(scores, t.topologyKey, g.nodes, -t.weight);
      }
    for (const g of snap.affinityPodGroups()) {
      const e = g.sample;
      for (const t of e.requiredAffinityTerms) if (termMatches(t, pod.namespace, pod.labels, nsl)) countGroup(scores, t.topologyKey, g.nodes, HARD_POD_AFFINITY_WEIGHT);
      for (const t of e.preferredAffinityTerms) if (termMatches(t, pod.namespace, pod.labels, nsl)) countGroup(scores, t.topologyKey, g.nodes, t.weight);
      for (const t of e.preferredAntiAffinityTerms) if (termMatches(t, pod.namespace, pod.labels, nsl)) countGroup(scores, t.topologyKey, g.nodes, -t.weight);
    }
    if (scores.size === 0) return SKIP;
    state.write(SCORE, scores);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<TopologyCounts>(SCORE);
    if (!scores) return 0;
    let s = 0;
    for (const [key, inner] of scores.m) {
      const v = node.labels[key];
      if (v !== undefined) s += inner.get(v) ?? 0;
    }
    return s;
  }

  normalizeScores(_s: CycleState, _p: PodInfo, scores: number[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
  }

  events(): readonly ClusterEvent[] {
    return [
      { resource: 'Pod', action: 'Add' }, { resource: 'Pod', action: 'Update' }, { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' },
    ];
  }
}

function countGroup(counts: TopologyCounts, key: string, nodes: Map<NodeInfo, number>, weight = 1): void {
  for (const [ni, n] of nodes) {
    if (!ni.node) continue;
    const v = ni.labels[key];
    if (v !== undefined) counts.add(key, v, n * weight);
  }
}

function affinityEmpty(c: TopologyCounts): boolean {
  for (const inner of c.m.values()) for (const n of inner.values()) if (n > 0) return false;
  return true;
}
