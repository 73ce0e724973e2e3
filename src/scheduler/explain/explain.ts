/**
 * explain (beyond upstream): for one pod and a snapshot, every node's verdict: which plugins refuse
 * it and why (all of them, not only the first as a scheduling cycle reports), or, for nodes that
 * fit, the score each plugin gives (normalized 0..100, then weighted). Every node is evaluated (no
 * sampling). The pod itself is taken out of the snapshot first when it is already placed, so an
 * explanation of a running pod says where it would go now. Pure: the snapshot is left as it was.
 */
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import { CycleState, type Framework, type Snapshot, type NodeInfo, podInfoOf, type Code } from '../framework/index.js';

export interface PluginVerdict {
  plugin: string;
  code: Code;
  reasons: readonly string[];
}

export interface PluginScore {
  plugin: string;
  /** Normalized 0..100. */
  score: number;
  weight: number;
}

export interface NodeExplanation {
  node: string;
  fits: boolean;
  /** Refusals (empty when the node fits). */
  refusals: PluginVerdict[];
  /** Weighted total (fitting nodes only). */
  total?: number;
  scores?: PluginScore[];
  /** The node a cycle would pick among the best-scored ones (ties: the first in name order). */
  best?: boolean;
}

export interface Explanation {
  pod: string;
  /** A PreFilter rejection applies to every node. */
  preFilter?: PluginVerdict;
  nodes: NodeExplanation[];
  /** `0/N nodes are available: ...` when nothing fits (with preemption's verdict), else ''. */
  summary: string;
}

export function explainPod(fw: Framework, snap: Snapshot, pod: V1Pod): Explanation {
  const pi0 = podInfoOf(pod);
  const placed = snap.pod(pi0.key);
  if (placed) snap.removePod(pi0.key);
  try {
    const pi = podInfoOf({ ...pod, spec: { ...pod.spec, nodeName: undefined } } as V1Pod);
    const nodeNamePin = pod.spec?.nodeName && !placed ? pod.spec.nodeName : undefined;
    const target = nodeNamePin ? podInfoOf(pod) : pi;
    const nodes = [...snap.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const out: Explanation = { pod: pi.key, nodes: [], summary: '' };
    const state = new CycleState();
    const pre = fw.runPreFilter(state, target, snap);
    if (!pre.isSuccess()) {
      out.preFilter = { plugin: pre.plugin, code: pre.code, reasons: pre.reasons };
      for (const ni of nodes) out.nodes.push({ node: ni.name, fits: false, refusals: [out.preFilter] });
    } else {
      const feasible: NodeInfo[] = [];
      for (const ni of nodes) {
        const refusals = fw
          .runAllFilters(state, target, ni)
          .filter((s) => !s.isSuccess())
          .map((s) => ({ plugin: s.plugin, code: s.code, reasons: s.reasons }));
        out.nodes.push({ node: ni.name, fits: refusals.length === 0, refusals });
        if (refusals.length === 0) feasible.push(ni);
      }
      if (feasible.length) {
        const detail = new Map<string, number[]>();
        const totals = fw.runScores(state, target, feasible, snap, detail);
        if (Array.isArray(totals)) {
          const weights = new Map(fw.scorePlugins.map((s) => [s.plugin.name, s.weight]));
          let best = 0;
          feasible.forEach((ni, i) => {
            const e = out.nodes.find((n) => n.node === ni.name)!;
            e.total = totals[i]!;
            e.scores = [...detail].map(([plugin, s]) => ({ plugin, score: s[i]!, weight: weights.get(plugin) ?? 1 }));
            if (totals[i]! > totals[best]!) best = i;
          });
          out.nodes.find((n) => n.node === feasible[best]!.name)!.best = true;
        }
      }
    }
    if (!out.nodes.some((n) => n.fits)) {
      const r = fw.schedule(snap, target, new CycleState());
      if (r.outcome === 'Unschedulable') out.summary = r.message;
    }
    return out;
  } finally {
    if (placed) snap.addPod(placed);
  }
}

/** Rows of the `flotilla explain` table: NODE, RESULT, PLUGIN, REASON / SCORE. */
export function explanationRows(e: Explanation): string[][] {
  const rows: string[][] = [];
  const fitting = e.nodes.filter((n) => n.fits).sort((a, b) => (b.total ?? 0) - (a.total ?? 0) || (a.node < b.node ? -1 : 1));
  for (const n of fitting) {
    rows.push([n.node, n.best ? 'fits (best)' : 'fits', '', `score ${n.total ?? 0}`]);
    for (const s of n.scores ?? []) rows.push(['', '', s.plugin, `${s.score} × ${s.weight}`]);
  }
  for (const n of e.nodes.filter((x) => !x.fits))
    n.refusals.forEach((r, i) => rows.push([i === 0 ? n.node : '', i === 0 ? (r.code === 'Unschedulable' ? 'refused' : 'refused (unresolvable)') : '', r.plugin, r.reasons.join(', ')]));
  return rows;
}
