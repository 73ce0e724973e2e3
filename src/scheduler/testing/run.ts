/** Runs one plugin's PreFilter + Filter (or PreScore + Score + normalize) against a snapshot. */
import { CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Snapshot, type Status, podInfoOf, SUCCESS } from '../framework/index.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';

type AnyPlugin = Partial<PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin> & { name: string };

/** Filter verdicts per node name ('' for success, else `Code: reasons`). */
export function filterAll(p: AnyPlugin, pod: V1Pod, snap: Snapshot): Record<string, string> {
  const pi = podInfoOf(pod);
  const st = new CycleState();
  const pre = p.preFilter?.(st, pi, snap) ?? SUCCESS;
  const out: Record<string, string> = {};
  for (const ni of snap.nodes) {
    const s: Status = pre.code === 'Skip' ? SUCCESS : !pre.isSuccess() ? pre : p.filter!(st, pi, ni);
    out[ni.name] = s.isSuccess() ? '' : `${s.code}: ${s.message()}`;
  }
  return out;
}

/** Normalized scores per node name. */
export function scoreAll(p: AnyPlugin, pod: V1Pod, snap: Snapshot): Record<string, number> {
  const pi = podInfoOf(pod);
  const st = new CycleState();
  const nodes = snap.nodes;
  const pre = p.preScore?.(st, pi, nodes, snap) ?? SUCCESS;
  const scores = nodes.map((n) => (pre.code === 'Skip' ? 0 : p.score!(st, pi, n)));
  if (pre.code !== 'Skip') p.normalizeScores?.(st, pi, scores, nodes);
  return Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]!]));
}
