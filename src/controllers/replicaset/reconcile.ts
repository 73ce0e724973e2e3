/**
 * ReplicaSet decisions (upstream pkg/controller/replicaset), pure. `reconcile()` returns the pod
 * claims (adopt / release) and the create / delete actions for one ReplicaSet; `calculateStatus()`
 * turns the owned pods and the outcome of those actions into the ReplicaSet's status. The
 * controller performs the actions (controller.ts); nothing here does I/O, reads a clock or makes ids.
 *
 * Contract: both functions are deterministic in their inputs and never mutate them; running the
 * returned actions twice is harmless because the next reconcile sees their effect (level-triggered)
 * and expectations keep in-flight creates/deletes from being counted twice.
 */
import type { ReplicaSet, ReplicaSetStatus } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { OwnerReference } from '../../api/types.js';
import { matches, selectorFromLabelSelector, selectorFromSet, type Selector } from '../../lib/labels/index.js';
import { controllerOf, isPodActive, isPodAvailable, isPodReady, keyOf, msUntilAvailable, podsToDelete } from './pods.js';

/** Upstream's burstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export type ReplicaSetAction =
  /** Merge-patch the pod's ownerReferences (with its resourceVersion, so a stale view conflicts). */
  | { type: 'adoptPod'; pod: PodRef; patch: OwnerPatch }
  | { type: 'releasePod'; pod: PodRef; patch: OwnerPatch }
  /**
   * Create `count` pods from `pod` (generateName set) in slow-start batches (1, 2, 4, ...); the
   * applier records `count` expected creations first and stops at the first failed batch.
   */
  | { type: 'createPods'; count: number; pod: V1Pod }
  /** Delete these pods (in parallel); the applier records them as expected deletions first. */
  | { type: 'deletePods'; pods: PodRef[] };

export interface OwnerPatch {
  metadata: { ownerReferences: OwnerReference[]; resourceVersion?: string };
}

export interface ReplicaSetObserved {
  /** Every pod of the ReplicaSet's namespace (from the informer cache). */
  pods: readonly V1Pod[];
  /**
   * Pods of every ReplicaSet sharing this one's controller (a Deployment's other ReplicaSets), used
   * to rank co-located pods for deletion; defaults to the owned pods.
   */
  relatedPods?: readonly V1Pod[];
  /** Whether earlier creates/deletes have all been observed (expectations satisfied). */
  expectationsSatisfied: boolean;
}

export interface ReplicaSetPlan {
  actions: ReplicaSetAction[];
  /** Active pods this ReplicaSet controls once the claims are done (input of calculateStatus). */
  owned: V1Pod[];
  /** Whether replicas were managed this round (false while expectations are pending or deleting). */
  managed: boolean;
}

/** The controller reference a ReplicaSet puts on its pods. */
export function replicaSetControllerRef(rs: ReplicaSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name ?? '', uid: rs.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** upstream GetPodFromTemplate: the pod a ReplicaSet creates (the server picks the name suffix). */
export function podFromTemplate(rs: ReplicaSet): V1Pod {
  const tpl = rs.spec?.template ?? {};
  const meta = tpl.metadata ?? {};
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ownerReferences: [replicaSetControllerRef(rs)],
    },
    spec: structuredClone(tpl.spec ?? { containers: [] }),
  };
  if (meta.labels) pod.metadata.labels = { ...meta.labels };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

function ref(p: V1Pod): PodRef {
  return { namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' };
}

function safeSelector(rs: ReplicaSet): Selector | undefined {
  try {
    return selectorFromLabelSelector(rs.spec?.selector);
  } catch {
    return undefined;
  }
}

/**
 * One sync of a ReplicaSet (upstream syncReplicaSet up to the status update): claim active pods
 * (adopt matching orphans unless the ReplicaSet is being deleted, release owned pods that no longer
 * match), then, when expectations are satisfied and the ReplicaSet is not being deleted, create or
 * delete pods so that the owned count reaches spec.replicas (at most BURST_REPLICAS per sync; the
 * deletion victims ranked as upstream).
 */
export function reconcile(rs: ReplicaSet, observed: ReplicaSetObserved, now: Date): ReplicaSetPlan {
  const actions: ReplicaSetAction[] = [];
  const owned: V1Pod[] = [];
  const uid = rs.metadata.uid ?? '';
  const deleting = Boolean(rs.metadata.deletionTimestamp);
  const sel = safeSelector(rs);
  const myRef = replicaSetControllerRef(rs);
  for (const pod of observed.pods) {
    if (!isPodActive(pod)) continue;
    if ((pod.metadata.namespace ?? '') !== (rs.metadata.namespace ?? '')) continue;
    const cref = controllerOf(pod);
    const matching = sel !== undefined && matches(sel, pod.metadata.labels);
    if (cref) {
      if (cref.uid !== uid) continue;
      if (matching) owned.push(pod);
      else
        actions.push({
          type: 'releasePod',
          pod: ref(pod),
          patch: { metadata: { ownerReferences: (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid), resourceVersion: pod.metadata.resourceVersion } },
        });
      continue;
    }
    if (deleting || !matching) continue;
    actions.push({
      type: 'adoptPod',
      pod: ref(pod),
      patch: { metadata: { ownerReferences: [...(pod.metadata.ownerReferences ?? []), myRef], resourceVersion: pod.metadata.resourceVersion } },
    });
    owned.push(pod);
  }

  const managed = observed.expectationsSatisfied && !deleting;
  if (managed) {
    const want = rs.spec?.replicas ?? 1;
    const diff = owned.length - want;
    if (diff < 0) {
      actions.push({ type: 'createPods', count: Math.min(-diff, BURST_REPLICAS), pod: podFromTemplate(rs) });
    } else if (diff > 0) {
      const victims = podsToDelete(owned, observed.relatedPods ?? owned, Math.min(diff, BURST_REPLICAS), now);
      actions.push({ type: 'deletePods', pods: victims.map(ref) });
    }
  }
  return { actions, owned, managed };
}

/** What went wrong while managing replicas, for the ReplicaFailure condition. */
export interface ManageError {
  message: string;
}

export interface StatusResult {
  status: ReplicaSetStatus;
  /** Whether `status` differs from the stored one (or observedGeneration is behind). */
  changed: boolean;
  /**
   * When ready pods will become available (minReadySeconds), the ms after which to sync again
   * (upstream requeues after minReadySeconds); undefined when nothing is pending.
   */
  requeueAfterMs?: number;
}

/**
 * upstream calculateStatus + updateReplicaSetStatus: counts over the owned active pods
 * (fullyLabeled = labels match the template's labels; available = ready for minReadySeconds), the
 * ReplicaFailure condition set on a manage error (reason FailedCreate when short of pods,
 * FailedDelete when over) and removed once managing succeeds, observedGeneration = generation.
 */
export function calculateStatus(rs: ReplicaSet, owned: readonly V1Pod[], manageError: ManageError | undefined, now: Date): StatusResult {
  const old = rs.status ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const tplSel = selectorFromSet(rs.spec?.template?.metadata?.labels ?? {});
  let fully = 0;
  let ready = 0;
  let available = 0;
  let wait: number | undefined;
  for (const p of owned) {
    if (matches(tplSel, p.metadata.labels)) fully++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
      else {
        const ms = msUntilAvailable(p, minReady, now);
        if (ms !== undefined) wait = Math.min(wait ?? Infinity, Math.max(ms, 1) + 1);
      }
    }
  }
  let conditions = old.conditions ? old.conditions.map((c) => ({ ...c })) : undefined;
  const failure = conditions?.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    const diff = owned.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions = [...(conditions ?? []), { type: 'ReplicaFailure', status: 'True', lastTransitionTime: now.toISOString(), reason, message: manageError.message }];
  } else if (!manageError && failure) {
    conditions = conditions!.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    ...old,
    replicas: owned.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? old.observedGeneration,
  };
  if (conditions && conditions.length) status.conditions = conditions;
  else delete status.conditions;
  const changed =
    (old.replicas ?? 0) !== status.replicas ||
    (old.fullyLabeledReplicas ?? 0) !== status.fullyLabeledReplicas ||
    (old.readyReplicas ?? 0) !== status.readyReplicas ||
    (old.availableReplicas ?? 0) !== status.availableReplicas ||
    (old.observedGeneration ?? 0) !== (status.observedGeneration ?? 0) ||
    JSON.stringify(old.conditions ?? []) !== JSON.stringify(status.conditions ?? []);
  const result: StatusResult = { status, changed };
  const want = rs.spec?.replicas ?? 1;
  if (!manageError && minReady > 0 && ready === want && available !== want && wait !== undefined) result.requeueAfterMs = wait;
  return result;
}

/** The expectations key of a ReplicaSet. */
export const replicaSetKey = keyOf;
