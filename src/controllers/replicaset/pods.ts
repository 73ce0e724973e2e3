/**
 * Pure pod predicates and the deletion ranking shared by the ReplicaSet and Deployment controllers
 * (upstream's controller_utils.go and podutil). No I/O; time is an argument.
 */
import type { V1Pod } from '../../api/core/v1/index.js';
import type { OwnerReference } from '../../api/types.js';

/** The controller owner reference of an object (upstream metav1.GetControllerOf), if any. */
export function controllerOf(obj: { metadata: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/**
 * Informer index of objects by their controller's uid. The name and meaning are shared with the
 * other workload controllers (src/controllers/statefulset): whoever adds it first wins, the others
 * reuse it.
 */
export const CONTROLLER_UID_INDEX = 'flotilla.io/controller-uid';
/** Informer index of objects without a controller reference, by namespace (adoption candidates). */
export const ORPHANS_INDEX = 'flotilla.io/orphans-by-namespace';

/** Adds CONTROLLER_UID_INDEX and ORPHANS_INDEX to an informer unless present. */
export function addOwnershipIndexes(inf: { addIndex(name: string, fn: (o: V1Pod) => string[]): void }): void {
  const add = (name: string, fn: (o: V1Pod) => string[]) => {
    try {
      inf.addIndex(name, fn);
    } catch {
      // Added already by a controller sharing this informer (same name, same meaning).
    }
  };
  add(CONTROLLER_UID_INDEX, (o) => {
    const r = controllerOf(o);
    return r ? [r.uid] : [];
  });
  add(ORPHANS_INDEX, (o) => (controllerOf(o) ? [] : [o.metadata.namespace ?? '']));
}

/** `namespace/name`, the key of work queues and expectations. */
export function keyOf(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Upstream IsPodActive: not Succeeded, not Failed, not being deleted. */
export function isPodActive(p: V1Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata.deletionTimestamp;
}

function readyCondition(p: V1Pod) {
  return p.status?.conditions?.find((c) => c.type === 'Ready');
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(p: V1Pod): boolean {
  return readyCondition(p)?.status === 'True';
}

/**
 * podutil.IsPodAvailable: ready, and ready for at least `minReadySeconds` (measured from the Ready
 * condition's lastTransitionTime, strictly before `now`).
 */
export function isPodAvailable(p: V1Pod, minReadySeconds: number, now: Date): boolean {
  const c = readyCondition(p);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  if (!c.lastTransitionTime) return false;
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 < now.getTime();
}

/** Milliseconds until a ready pod becomes available, 0 if it already is, undefined if not ready. */
export function msUntilAvailable(p: V1Pod, minReadySeconds: number, now: Date): number | undefined {
  const c = readyCondition(p);
  if (c?.status !== 'True') return undefined;
  if (!minReadySeconds || !c.lastTransitionTime) return 0;
  return Math.max(0, Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 - now.getTime());
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function ts(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** afterOrZero: a zero time sorts first, otherwise the later time first. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/** Upstream logarithmicRankDiff over nanosecond durations since `now`. */
function logRankDiff(t1: number, t2: number, now: number): number {
  const r = (t: number) => {
    const d = (now - t) * 1e6;
    return d > 0 ? Math.floor(Math.log2(d)) : -1;
  };
  return r(t1) - r(t2);
}

function maxRestarts(p: V1Pod): number {
  let m = 0;
  for (const c of p.status?.containerStatuses ?? []) m = Math.max(m, c.restartCount ?? 0);
  return m;
}

function deletionCost(p: V1Pod): number {
  const v = p.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  const n = v === undefined ? 0 : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Upstream ActivePodsWithRanks.Less (with PodDeletionCost and LogarithmicScaleDown on): true when
 * `a` should be deleted before `b`. Order: unassigned < assigned; Pending < Unknown < Running; not
 * ready < ready; lower pod-deletion-cost first; more co-located related pods (higher rank) first;
 * ready for less time first (log2 buckets); more container restarts first; newer first (log2
 * buckets); uid as a tie-breaker inside a bucket.
 */
export function deleteBefore(a: V1Pod, rankA: number, b: V1Pod, rankB: number, now: Date): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca < cb;
  if (rankA !== rankB) return rankA > rankB;
  const nowMs = now.getTime();
  const uidLess = () => (a.metadata.uid ?? '') < (b.metadata.uid ?? '');
  if (ra && rb) {
    const t1 = ts(readyCondition(a)?.lastTransitionTime);
    const t2 = ts(readyCondition(b)?.lastTransitionTime);
    if (t1 !== t2) {
      if (t1 === undefined || t2 === undefined) return afterOrZero(t1, t2);
      const d = logRankDiff(t1, t2, nowMs);
      return d === 0 ? uidLess() : d < 0;
    }
  }
  const xa = maxRestarts(a);
  const xb = maxRestarts(b);
  if (xa !== xb) return xa > xb;
  const c1 = ts(a.metadata.creationTimestamp);
  const c2 = ts(b.metadata.creationTimestamp);
  if (c1 !== c2) {
    if (c1 === undefined || c2 === undefined) return afterOrZero(c1, c2);
    const d = logRankDiff(c1, c2, nowMs);
    return d === 0 ? uidLess() : d < 0;
  }
  return false;
}

/**
 * Upstream getPodsToDelete: the `count` pods to delete first among `pods`, ranked by
 * deleteBefore, where a pod's rank is the number of active `related` pods (pods of every ReplicaSet
 * with the same owner) on its node. Stable for equal pods.
 */
export function podsToDelete(pods: readonly V1Pod[], related: readonly V1Pod[], count: number, now: Date): V1Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec?.nodeName ?? '', (onNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
  const ranked = pods.map((p, i) => ({ p, i, rank: onNode.get(p.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => (deleteBefore(x.p, x.rank, y.p, y.rank, now) ? -1 : deleteBefore(y.p, y.rank, x.p, x.rank, now) ? 1 : x.i - y.i));
  return ranked.slice(0, count).map((r) => r.p);
}

/** Sizes of upstream's slowStartBatch: initial, doubling, never more than what remains. */
export function slowStartBatches(count: number, initial = 1): number[] {
  const out: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    out.push(size);
    remaining -= size;
  }
  return out;
}
