/**
 * PodGC's decisions (upstream pkg/controller/podgc), pure: which pods to force-delete and what to
 * write into their status first. Time comes in as `now` (ms since the epoch); nothing here does I/O.
 *
 * Four rules, in upstream's order (a pod matched by an earlier rule is not repeated by a later one):
 * 1. terminated: more than `terminatedPodGcThreshold` pods in phase Succeeded/Failed (threshold ≤ 0:
 *    off) → the surplus, evicted pods first, then oldest creationTimestamp, then name;
 * 2. terminating-out-of-service: pods with a deletionTimestamp on a cached node that is not Ready
 *    and carries the `node.kubernetes.io/out-of-service` taint;
 * 3. orphaned: pods bound to a node that a fresh GET proved gone after the quarantine
 *    (`advanceQuarantine` picks the names to GET) → DisruptionTarget (DeletionByPodGC) with the
 *    phase change;
 * 4. terminating-unscheduled: pods with a deletionTimestamp and no spec.nodeName.
 * Every action becomes: if not terminal, patch phase Failed (plus the condition, if any); then
 * DELETE with gracePeriodSeconds 0.
 */
import type { V1Node } from '../../api/core/v1/node.js';
import type { V1Pod, V1PodCondition } from '../../api/core/v1/pod-types.js';

/** Upstream --terminated-pod-gc-threshold default. */
export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12_500;
/** Upstream gcCheckPeriod: how often a GC pass runs. */
export const DEFAULT_GC_PERIOD_MS = 20_000;
/** Upstream quarantineTime: how long a node missing from the cache waits before a GET decides. */
export const DEFAULT_QUARANTINE_MS = 40_000;
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';
export const DISRUPTION_TARGET = 'DisruptionTarget';

/** Upstream's metric label values (pkg/controller/podgc/metrics), also used in logs. */
export type GcReason = 'terminated' | 'terminating-out-of-service' | 'orphaned' | 'terminating-unscheduled';

export interface PodGcConfig {
  /** ≤ 0 disables the terminated-pod rule. */
  terminatedPodGcThreshold: number;
}

/** What to write before the forced delete (only for pods not yet Succeeded/Failed). */
export interface FailedStatusPatch {
  phase: 'Failed';
  /** Conditions to merge by type (strategic merge); absent when none is added. */
  conditions?: V1PodCondition[];
}

export interface GcAction {
  namespace: string;
  name: string;
  uid?: string;
  reason: GcReason;
  /** The node the pod is bound to, for logs. */
  nodeName?: string;
  /** Undefined when the pod is already terminal: then only the delete happens. */
  status?: FailedStatusPatch;
}

export interface PodGcInput {
  pods: readonly V1Pod[];
  /** The node cache. */
  nodes: readonly V1Node[];
  /** Nodes a GET just proved gone after their quarantine (see advanceQuarantine). */
  goneNodes: ReadonlySet<string>;
}

export function isTerminated(p: V1Pod): boolean {
  const phase = p.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The kubelet's eviction marks a pod Failed with reason Evicted. */
export function isEvicted(p: V1Pod): boolean {
  return p.status?.phase === 'Failed' && p.status.reason === 'Evicted';
}

function isNodeReady(n: V1Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function created(p: V1Pod): number {
  const t = p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/** Upstream byEvictionAndCreationTimestamp: evicted first, then oldest, then by name (namespace last, for determinism). */
export function compareForDeletion(a: V1Pod, b: V1Pod): number {
  const ea = isEvicted(a);
  if (ea !== isEvicted(b)) return ea ? -1 : 1;
  const ta = created(a);
  const tb = created(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  const sa = a.metadata.namespace ?? '';
  const sb = b.metadata.namespace ?? '';
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Rule 1: the terminated pods beyond the threshold, in deletion order. */
export function gcTerminated(pods: readonly V1Pod[], threshold: number): V1Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isTerminated);
  const surplus = terminated.length - threshold;
  if (surplus <= 0) return [];
  return terminated.sort(compareForDeletion).slice(0, surplus);
}

/** Rule 2: terminating pods on a cached node that is not Ready and is tainted out-of-service. */
export function gcTerminating(pods: readonly V1Pod[], nodes: readonly V1Node[]): V1Pod[] {
  const byName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
  return pods
    .filter((p) => {
      if (!p.metadata.deletionTimestamp || !p.spec?.nodeName) return false;
      const node = byName.get(p.spec.nodeName);
      return node !== undefined && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === TAINT_OUT_OF_SERVICE);
    })
    .sort(compareForDeletion);
}

/** Rule 3: pods bound to a node proved gone. */
export function gcOrphaned(pods: readonly V1Pod[], goneNodes: ReadonlySet<string>): V1Pod[] {
  if (goneNodes.size === 0) return [];
  return pods.filter((p) => p.spec?.nodeName !== undefined && goneNodes.has(p.spec.nodeName));
}

/** Rule 4: terminating pods that were never bound to a node. */
export function gcUnscheduledTerminating(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter((p) => p.metadata.deletionTimestamp && !p.spec?.nodeName);
}

/** The DisruptionTarget condition PodGC adds to an orphaned pod. */
export function orphanedCondition(): V1PodCondition {
  return { type: DISRUPTION_TARGET, status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
}

/**
 * Upstream UpdatePodCondition for one condition: lastTransitionTime is now unless a condition of
 * the same type already has the same status (then its time is kept).
 */
export function withTransitionTime(existing: readonly V1PodCondition[] | undefined, c: V1PodCondition, now: number): V1PodCondition {
  const old = existing?.find((o) => o.type === c.type);
  const at = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
  return { ...c, lastTransitionTime: at };
}

/** The action for one pod: a status patch only when it is not terminal yet (as upstream). */
export function gcAction(p: V1Pod, reason: GcReason, now: number, condition?: V1PodCondition): GcAction {
  const status: FailedStatusPatch | undefined = isTerminated(p)
    ? undefined
    : { phase: 'Failed', ...(condition ? { conditions: [withTransitionTime(p.status?.conditions, condition, now)] } : {}) };
  return {
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name ?? '',
    ...(p.metadata.uid ? { uid: p.metadata.uid } : {}),
    reason,
    ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
    ...(status ? { status } : {}),
  };
}

/**
 * One GC pass's plan, rules in upstream order. A pod matched by two rules appears once, under the
 * first (upstream would try twice and ignore the second NotFound).
 */
export function planPodGc(input: PodGcInput, cfg: PodGcConfig, now: number): GcAction[] {
  const out: GcAction[] = [];
  const seen = new Set<string>();
  const add = (pods: V1Pod[], reason: GcReason, condition?: V1PodCondition) => {
    for (const p of pods) {
      const key = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(gcAction(p, reason, now, condition));
    }
  };
  add(gcTerminated(input.pods, cfg.terminatedPodGcThreshold), 'terminated');
  add(gcTerminating(input.pods, input.nodes), 'terminating-out-of-service');
  add(gcOrphaned(input.pods, input.goneNodes), 'orphaned', orphanedCondition());
  add(gcUnscheduledTerminating(input.pods), 'terminating-unscheduled');
  return out;
}

/**
 * The quarantine of node names that pods are bound to but the node cache lacks (upstream's delaying
 * `orphaned_pods_nodes` queue): name → when it is due (ms). A name keeps its earliest due time.
 */
export type Quarantine = ReadonlyMap<string, number>;

/**
 * Puts every missing node name seen in `pods` into quarantine (due `now + quarantineMs` unless
 * already waiting), then takes out the names that are due. `check` are the due names still missing
 * from the cache: the caller GETs each and treats NotFound as gone. A due name that was checked
 * leaves the quarantine; if the node is still missing on a later pass it waits a full period again.
 */
export function advanceQuarantine(
  q: Quarantine,
  pods: readonly V1Pod[],
  cachedNodes: ReadonlySet<string>,
  now: number,
  quarantineMs: number,
): { quarantine: Map<string, number>; check: string[] } {
  const next = new Map(q);
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (!n || cachedNodes.has(n)) continue;
    const due = now + quarantineMs;
    const cur = next.get(n);
    if (cur === undefined || due < cur) next.set(n, due);
  }
  const check: string[] = [];
  for (const [name, due] of next) {
    if (due > now) continue;
    next.delete(name);
    if (!cachedNodes.has(name)) check.push(name);
  }
  return { quarantine: next, check: check.sort() };
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
