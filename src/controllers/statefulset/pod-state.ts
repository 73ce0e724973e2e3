/**
 * Pure helpers shared by the workload reconcilers (StatefulSet, DaemonSet, Job): pod phase and
 * readiness predicates, controller references, ControllerRevision hashing. No I/O, no clock: every
 * time-dependent predicate takes `now`.
 */
import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { isEverything, matches, selectorFromLabelSelector, type LabelSelector, type Selector } from '../../lib/labels/index.js';

/** Upstream's controller-revision-hash label (pods and ControllerRevisions). */
export const REVISION_LABEL = 'controller-revision-hash';

export function isTerminating(pod: KubeObject): boolean {
  return !!pod.metadata.deletionTimestamp;
}
export function isSucceeded(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded';
}
export function isFailed(pod: V1Pod): boolean {
  return pod.status?.phase === 'Failed';
}
/** The apiserver sets phase Pending on create: a pod with any phase exists for status counting. */
export function isCreated(pod: V1Pod): boolean {
  return !!pod.status?.phase;
}
/** The Ready condition is True. */
export function isPodReady(pod: V1Pod): boolean {
  return !!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}
export function isRunningAndReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}
/**
 * Ready for at least `minReadySeconds` (upstream podutil.IsPodAvailable): the Ready condition's
 * lastTransitionTime + minReadySeconds ≤ now. A Ready condition without a transition time counts as
 * available only when minReadySeconds is 0.
 */
export function isPodAvailable(pod: V1Pod, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(t) && t + minReadySeconds * 1000 <= now.getTime();
}
/** Milliseconds until a ready pod becomes available (0 if already, undefined if not ready). */
export function msUntilAvailable(pod: V1Pod, minReadySeconds: number, now: Date): number | undefined {
  if (!isPodReady(pod)) return undefined;
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.max(0, t + minReadySeconds * 1000 - now.getTime());
}

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}
/** Whether `obj` is controlled by the owner with this uid. */
export function isControlledBy(obj: KubeObject, ownerUid: string | undefined): boolean {
  return !!ownerUid && controllerRef(obj)?.uid === ownerUid;
}
/** The controller OwnerReference a workload puts on what it creates (blockOwnerDeletion as upstream). */
export function ownerRefTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** JSON with object keys sorted: a canonical form for hashing and comparing templates. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** 32-bit FNV-1a over the UTF-16 code units' low bytes and high bytes (stable, pure). */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h ^= c & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
    if (c > 0xff) {
      h ^= c >>> 8;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** Upstream rand.SafeEncodeString: maps each character onto a consonant/digit alphabet (no vowels, no 0/1/3). */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE[s.charCodeAt(i) % SAFE.length];
  return out;
}

/**
 * The hash of a revision's data, mixed with collisionCount as upstream's
 * controller.HashControllerRevision does; used as `<owner>-<hash>` revision names and as the
 * controller-revision-hash label value. Equal data and count always give equal hashes.
 */
export function revisionHash(data: unknown, collisionCount: number): string {
  const base = canonicalJson(data) + (collisionCount ? `/${collisionCount}` : '');
  return safeEncode(String(fnv32a(base)));
}

/** Deep copy of JSON data (objects from informers are shared and must not be mutated). */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Newest-last by creationTimestamp, then name (stable). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta < tb ? -1 : ta > tb ? 1 : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/**
 * Upstream ControllerRefManager's adoption rule: objects in the owner's namespace with no controller
 * reference, not being deleted, whose labels match the owner's (non-empty, valid) selector, while
 * the owner itself is not being deleted.
 */
export function orphansToAdopt<T extends KubeObject>(owner: KubeObject, selector: LabelSelector | undefined, candidates: T[]): T[] {
  if (owner.metadata.deletionTimestamp) return [];
  let sel: Selector;
  try {
    sel = selectorFromLabelSelector(selector);
  } catch {
    return [];
  }
  if (isEverything(sel) || sel.matchesNothing) return [];
  return candidates.filter((o) => !controllerRef(o) && !o.metadata.deletionTimestamp && o.metadata.namespace === owner.metadata.namespace && matches(sel, o.metadata.labels));
}

/** intstr.GetScaledValueFromIntOrPercent rounding up; `dflt` when unset or malformed. */
export function scaledIntOrPercent(v: number | string | undefined, total: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  return /^\d+$/.test(v) ? Number(v) : dflt;
}
