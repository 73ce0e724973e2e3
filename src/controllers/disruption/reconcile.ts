/**
 * The disruption controller's decision (upstream pkg/controller/disruption trySync): from a
 * PodDisruptionBudget, the pods of its namespace and the workloads that may own them, the status
 * the PDB should have. Pure: time is an argument, lookups are over the given lists.
 */
import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatusView } from '../../api/policy/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { matches, selectorFromLabelSelector, selectorToString, type LabelSelector } from '../../lib/labels/index.js';

/** How long an evicted pod may linger before the PDB stops counting it as disrupted (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

export type PdbCondition = NonNullable<PodDisruptionBudgetStatusView['conditions']>[number];

export interface PdbEvent {
  /** The PDB itself, or a pod of it (NotDeleted). */
  on: { kind: 'PodDisruptionBudget' } | { kind: 'Pod'; name: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface PdbDecision {
  /** The status to write through the status subresource, or undefined when it is already right. */
  status?: PodDisruptionBudgetStatusView;
  events: PdbEvent[];
  /** When a disrupted pod's grace ends and the PDB must be synced again (ms from now). */
  recheckAfterMs?: number;
}

export interface WorkloadLists {
  replicaSets: readonly KubeObject[];
  deployments: readonly KubeObject[];
  statefulSets: readonly KubeObject[];
  replicationControllers: readonly KubeObject[];
}

function time(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The pods of `pods` (one namespace) that the PDB selects; null selector: none, empty: all. */
export function podsForPdb(pdb: PodDisruptionBudget, pods: readonly V1Pod[]): V1Pod[] {
  const sel = selectorFromLabelSelector(pdb.spec?.selector as LabelSelector | undefined);
  return pods.filter((p) => matches(sel, p.metadata.labels));
}

/**
 * upstream intstr.GetScaledValueFromIntOrPercent(v, total, roundUp=true).
 * @throws Error for a string that is not a percentage.
 */
export function scaledValue(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

const replicasOf = (o: KubeObject): number => ((o['spec'] as { replicas?: number } | undefined)?.replicas ?? 1);

function find(list: readonly KubeObject[], ref: OwnerReference, group: string): KubeObject | undefined {
  if (groupOf(ref.apiVersion) !== group) return undefined;
  const o = list.find((x) => x.metadata.name === ref.name);
  return o && o.metadata.uid === ref.uid ? o : undefined;
}

/** upstream finders: the controller (uid) and scale behind one pod's controllerRef, if supported. */
function controllerScale(ref: OwnerReference, w: WorkloadLists): { uid: string; scale: number } | undefined {
  switch (ref.kind) {
    case 'ReplicationController': {
      const rc = find(w.replicationControllers, ref, '');
      return rc ? { uid: rc.metadata.uid!, scale: replicasOf(rc) } : undefined;
    }
    case 'ReplicaSet': {
      const rs = find(w.replicaSets, ref, 'apps');
      if (!rs) return undefined;
      const owner = controllerRefOf(rs);
      if (owner?.kind === 'Deployment') {
        const d = find(w.deployments, owner, 'apps');
        return d ? { uid: d.metadata.uid!, scale: replicasOf(d) } : undefined;
      }
      return { uid: rs.metadata.uid!, scale: replicasOf(rs) };
    }
    case 'StatefulSet': {
      const ss = find(w.statefulSets, ref, 'apps');
      return ss ? { uid: ss.metadata.uid!, scale: replicasOf(ss) } : undefined;
    }
    default:
      return undefined;
  }
}

/** upstream getExpectedScale: the summed scale of the pods' controllers (each counted once). */
function expectedScale(pods: readonly V1Pod[], w: WorkloadLists): { expected: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = controllerScale(ref, w);
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name ?? ''}"`);
    scales.set(found.uid, found.scale);
  }
  let expected = 0;
  for (const s of scales.values()) expected += s;
  return { expected, unmanaged };
}

function selectorText(ls: LabelSelector | undefined): string {
  try {
    return selectorToString(selectorFromLabelSelector(ls));
  } catch {
    return '<invalid>';
  }
}

function setCondition(conds: PdbCondition[], c: Omit<PdbCondition, 'lastTransitionTime'>, now: Date): PdbCondition[] {
  const old = conds.find((x) => x.type === c.type);
  const next: PdbCondition = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : time(now) };
  return old ? conds.map((x) => (x === old ? next : x)) : [...conds, next];
}

function conditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const st = pdb.status ?? {};
  const cond = st.conditions?.find((c) => c.type === 'DisruptionAllowed');
  if (!cond) return false;
  if ((st.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if ((cond.observedGeneration ?? 0) !== (st.observedGeneration ?? 0)) return false;
  if ((st.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === 'SufficientPods';
  return cond.status === 'False' && cond.reason === 'InsufficientPods';
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}

/**
 * The status of one PDB. `pods` are the pods of the PDB's namespace (selection happens here),
 * `workloads` the controllers of that namespace. A failure to work out the expected count (a pod
 * whose controller is unknown) gives upstream's fail-safe status: no disruptions allowed, condition
 * DisruptionAllowed=False with reason SyncFailed.
 */
export function reconcilePdb(pdb: PodDisruptionBudget, pods: readonly V1Pod[], workloads: WorkloadLists, now: Date): PdbDecision {
  const events: PdbEvent[] = [];
  const spec = pdb.spec ?? {};
  const old = pdb.status ?? {};
  let selected: V1Pod[];
  let expected = 0;
  let desired = 0;
  try {
    selected = podsForPdb(pdb, pods);
    let unmanaged: string[] = [];
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      ({ expected, unmanaged } = expectedScale(selected, workloads));
      desired = Math.max(0, expected - scaledValue(spec.maxUnavailable, expected));
    } else if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
      if (typeof spec.minAvailable === 'number') {
        desired = spec.minAvailable;
        expected = selected.length;
      } else {
        ({ expected, unmanaged } = expectedScale(selected, workloads));
        desired = scaledValue(spec.minAvailable, expected);
      }
    }
    if (unmanaged.length)
      events.push({
        on: { kind: 'PodDisruptionBudget' },
        type: 'Warning',
        reason: 'UnmanagedPods',
        message: `Pods selected by this PodDisruptionBudget (selector: ${selectorText(spec.selector as LabelSelector | undefined)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    events.push({ on: { kind: 'PodDisruptionBudget' }, type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: `Failed to calculate the number of expected pods: ${message}` });
    const conditions = setCondition(old.conditions ?? [], { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message, observedGeneration: old.observedGeneration ?? 0 }, now);
    const next: PodDisruptionBudgetStatusView = { ...old, disruptionsAllowed: 0, conditions };
    const same = old.disruptionsAllowed === 0 && JSON.stringify(old.conditions) === JSON.stringify(conditions);
    return { status: same ? undefined : next, events };
  }

  // Disrupted pods (evicted, not yet seen deleted): kept until deleted or DELETION_TIMEOUT passes.
  const disrupted: Record<string, string> = {};
  let recheck: number | undefined;
  for (const pod of selected) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = old.disruptedPods?.[pod.metadata.name ?? ''];
    if (!at) continue;
    const expiry = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expiry < now.getTime()) {
      events.push({ on: { kind: 'Pod', name: pod.metadata.name ?? '' }, type: 'Warning', reason: 'NotDeleted', message: `Pod was expected by PDB ${pdb.metadata.namespace ?? ''}/${pdb.metadata.name ?? ''} to be deleted but it wasn't` });
    } else {
      disrupted[pod.metadata.name ?? ''] = at;
      recheck = Math.min(recheck ?? Infinity, expiry - now.getTime());
    }
  }

  let healthy = 0;
  for (const pod of selected) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name ?? ''];
    if (at && Date.parse(at) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }

  let allowed = healthy - desired;
  if (expected <= 0 || allowed <= 0) allowed = 0;
  const generation = pdb.metadata.generation ?? 0;
  const decision: PdbDecision = { events, recheckAfterMs: recheck };
  if (
    old.currentHealthy === healthy &&
    old.desiredHealthy === desired &&
    old.expectedPods === expected &&
    old.disruptionsAllowed === allowed &&
    sameMap(old.disruptedPods, disrupted) &&
    old.observedGeneration === generation &&
    conditionsUpToDate(pdb)
  )
    return decision;
  const conditions = setCondition(
    old.conditions ?? [],
    allowed > 0
      ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: generation }
      : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: generation },
    now,
  );
  decision.status = {
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    disruptionsAllowed: allowed,
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    observedGeneration: generation,
    conditions,
  };
  return decision;
}
