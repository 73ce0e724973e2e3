/**
 * TaintToleration (upstream's tainttoleration plugin): Filter refuses nodes with a NoSchedule or
 * NoExecute taint the pod does not tolerate (`node(s) had untolerated taint {key: value}`,
 * unresolvable by preemption); Score prefers nodes with fewer untolerated PreferNoSchedule taints
 * (normalized in reverse: the fewest get 100).
 */
import {
  type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, type ScorePlugin, SUCCESS, type Status,
  doNotScheduleTaint, findUntoleratedTaint, toleratesTaint, unresolvable, MAX_NODE_SCORE,
} from '../../framework/index.js';
import type { V1Toleration } from '../../../api/core/v1/pod-types.js';

export const NAME = 'TaintToleration';

export class TaintToleration implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status {
    if (node.taints.length === 0) return SUCCESS;
    const t = findUntoleratedTaint(node.taints, pod.tolerations, doNotScheduleTaint);
    return t ? unresolvable(`node(s) had untolerated taint {${t.key}: ${t.value}}`) : SUCCESS;
  }
  score(_s: unknown, pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    let n = 0;
    let tols: readonly V1Toleration[] | undefined;
    for (const taint of node.taints) {
      if (taint.effect !== 'PreferNoSchedule') continue;
      tols ??= pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      if (!tols.some((t) => toleratesTaint(t, taint))) n++;
    }
    return n;
  }
  normalizeScores(_s: unknown, _p: PodInfo, scores: number[]): void {
    defaultNormalizeScore(scores, true);
  }
  events(): readonly ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}

/** Upstream's helper.DefaultNormalizeScore: scale to 0..100 by the maximum; `reverse` flips it. */
export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((MAX_NODE_SCORE * scores[i]!) / max);
    if (reverse) s = MAX_NODE_SCORE - s;
    scores[i] = s;
  }
}
