/**
 * FitError: why a pod fits no node, and its message exactly as upstream builds it
 * (pkg/scheduler/framework/types.go FitError.Error):
 * `0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: ...`
 * Each reason of each node's status is counted; "<count> <reason>" strings are sorted as strings
 * (as Go's sort.Strings does, so "10 x" sorts before "2 y"), joined by ", ", and ended by ".".
 */
import type { NodeStatuses } from './interfaces.js';

export const NO_NODE_AVAILABLE = (n: number): string => `0/${n} nodes are available`;

export interface Diagnosis {
  /** Per node, the status of the first plugin that refused it. */
  nodeStatuses: NodeStatuses;
  /** Message of a PreFilter rejection (every node then carries the same status). */
  preFilterMsg: string;
  /** Message of the PostFilter (e.g. `preemption: ...`). */
  postFilterMsg: string;
  /** Plugins that refused the pod somewhere (the queue re-activates it on their events). */
  unschedulablePlugins: Set<string>;
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = NO_NODE_AVAILABLE(numAllNodes) + ':';
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const hist = reasonHistogram(d.nodeStatuses);
    if (hist.length) msg += ` ${hist.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}

/** "<count> <reason>" for every distinct reason, sorted as strings. */
export function reasonHistogram(statuses: NodeStatuses): string[] {
  const counts = new Map<string, number>();
  for (const st of statuses.values()) for (const r of st.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const out: string[] = [];
  for (const [r, c] of counts) out.push(`${c} ${r}`);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
