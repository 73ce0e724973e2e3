/**
 * NodeResourcesFit and NodeResourcesBalancedAllocation (upstream's noderesources plugins).
 *
 * Fit.filter: the pod's effective requests (PodInfo.requests: init-container max rule, sidecars,
 * overhead) must fit in allocatable minus what the node's pods request, for cpu, memory,
 * ephemeral-storage and every extended resource; and the pod count must stay within the node's
 * `pods`. Every shortfall is a reason (`Insufficient cpu`, `Too many pods`, ...): Unschedulable
 * (preemption may free room), or UnschedulableAndUnresolvable when a request exceeds the node's
 * allocatable itself.
 * Fit.score: LeastAllocated over cpu and memory (weight 1 each) with non-zero requests.
 * BalancedAllocation.score: 100 × (1 − standard deviation of the cpu and memory request fractions).
 */
import {
  type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, type ScorePlugin, SUCCESS, type Status,
  MAX_NODE_SCORE, Status as St,
} from '../../framework/index.js';

export const FIT_NAME = 'NodeResourcesFit';
export const BALANCED_NAME = 'NodeResourcesBalancedAllocation';
export const TOO_MANY_PODS = 'Too many pods';

/** What a pod lacks on a node: the reasons, and whether even an empty node would be too small. */
export interface Insufficient {
  reasons: string[];
  /** A request exceeds the node's allocatable itself: preemption cannot help (UnschedulableAndUnresolvable). */
  unresolvable: boolean;
}

/** The reasons a pod does not fit a node's resources (no reasons: it fits), as upstream's fitsRequest. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): Insufficient {
  const out: Insufficient = { reasons: [], unresolvable: false };
  if (node.pods.length + 1 > node.allocatable.allowedPodNumber) out.reasons.push(TOO_MANY_PODS);
  const r = pod.requests;
  if (r.milliCPU === 0 && r.memory === 0 && r.ephemeralStorage === 0 && !r.scalar) return out;
  const a = node.allocatable;
  const u = node.requested;
  const check = (req: number, alloc: number, used: number, reason: string): void => {
    if (req > 0 && req > alloc - used) {
      out.reasons.push(reason);
      if (req > alloc) out.unresolvable = true;
    }
  };
  check(r.milliCPU, a.milliCPU, u.milliCPU, 'Insufficient cpu');
  check(r.memory, a.memory, u.memory, 'Insufficient memory');
  check(r.ephemeralStorage, a.ephemeralStorage, u.ephemeralStorage, 'Insufficient ephemeral-storage');
  if (r.scalar) for (const [name, q] of r.scalar) check(q, a.scalar?.get(name) ?? 0, u.scalar?.get(name) ?? 0, `Insufficient ${name}`);
  return out;
}

const REASON_CACHE = new Map<string, St>();
function cachedStatus(ins: Insufficient): St {
  const k = (ins.unresolvable ? 'U' : 'u') + ins.reasons.join('\u0000');
  let st = REASON_CACHE.get(k);
  if (!st) {
    st = new St(ins.unresolvable ? 'UnschedulableAndUnresolvable' : 'Unschedulable', ins.reasons);
    if (REASON_CACHE.size < 256) REASON_CACHE.set(k, st);
  }
  return st;
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = FIT_NAME;
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status {
    // Fast path: the common case fits without allocating.
    const r = pod.requests;
    const a = node.allocatable;
    const u = node.requested;
    if (
      node.pods.length + 1 <= a.allowedPodNumber &&
      r.milliCPU <= a.milliCPU - u.milliCPU &&
      r.memory <= a.memory - u.memory &&
      r.ephemeralStorage <= a.ephemeralStorage - u.ephemeralStorage &&
      !r.scalar
    )
      return SUCCESS;
    const ins = insufficientResources(pod, node);
    return ins.reasons.length ? cachedStatus(ins) : SUCCESS;
  }
  /** LeastAllocated: mean over cpu and memory of (allocatable − requested) × 100 / allocatable. */
  score(_s: unknown, pod: PodInfo, node: NodeInfo): number {
    const a = node.allocatable;
    const cpu = leastRequested(node.nonZeroMilliCPU + pod.nonZeroMilliCPU, a.milliCPU);
    const mem = leastRequested(node.nonZeroMemory + pod.nonZeroMemory, a.memory);
    return Math.trunc((cpu + mem) / 2);
  }
  events(): readonly ClusterEvent[] {
    return [{ resource: 'Pod', action: 'Delete' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = BALANCED_NAME;
  score(_s: unknown, pod: PodInfo, node: NodeInfo): number {
    const a = node.allocatable;
    if (a.milliCPU === 0 || a.memory === 0) return 0;
    const fc = Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / a.milliCPU);
    const fm = Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory);
    const std = Math.abs(fc - fm) / 2;
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  }
}
