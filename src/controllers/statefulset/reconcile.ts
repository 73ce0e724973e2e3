/**
 * The StatefulSet controller's decision (upstream pkg/controller/statefulset, defaultStatefulSetControl):
 * given a StatefulSet, the pods, ControllerRevisions and PVC names it owns, and `now`, returns the
 * writes to perform as data, in order, plus the status to write. Pure and deterministic: the same
 * input gives the same output, so running it twice on unchanged state is harmless.
 *
 * Ordering contract for the applier: perform actions in array order and stop at the first failure
 * (the next sync recomputes everything). Revisions come first, then PVCs before the pod that
 * mounts them, then pod creations/deletions; the status goes last.
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../api/apps/v1/index.js';
import type { V1Pod, V1PodSpec, V1PodTemplateSpec, V1Volume } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import {
  REVISION_LABEL, canonicalJson, clone, isCreated, isFailed, isPodAvailable, isRunningAndReady, isSucceeded, isTerminating,
  msUntilAvailable, ownerRefTo, revisionHash, scaledIntOrPercent,
} from './pod-state.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** Label on ControllerRevisions carrying the bare hash (upstream ControllerRevisionHashLabel). */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** A PersistentVolumeClaim as the controller writes it. */
export interface PvcObject extends KubeObject {
  spec?: Record<string, unknown>;
}

export type StatefulSetAction =
  | { type: 'createRevision'; revision: ControllerRevision }
  | { type: 'updateRevisionNumber'; name: string; revision: number }
  | { type: 'deleteRevision'; name: string }
  | { type: 'createPvc'; pvc: PvcObject; podName: string }
  | { type: 'deletePvc'; name: string }
  | { type: 'createPod'; pod: V1Pod }
  | { type: 'deletePod'; name: string; uid: string }
  /** Restores the identity labels (pod-name, pod-index) of an existing pod, e.g. an adopted one. */
  | { type: 'patchPodLabels'; name: string; uid: string; labels: Record<string, string> };

export interface StatefulSetObserved {
  set: StatefulSet;
  /** Pods controlled by the set (controller ownerReference uid matches). */
  pods: V1Pod[];
  /** ControllerRevisions controlled by the set. */
  revisions: ControllerRevision[];
  /** Names of the PVCs that exist in the set's namespace. */
  pvcNames: ReadonlySet<string>;
}

export interface StatefulSetResult {
  actions: StatefulSetAction[];
  /** The status to write (the applier skips the write when equal to the stored one). */
  status: StatefulSetStatus;
  /** Re-run after this many ms (minReadySeconds pending), if set. */
  requeueAfterMs?: number;
}

/** Upstream event messages, keyed by action (the applier records them on success). */
export function createPodMessage(pod: string, set: string): string {
  return `create Pod ${pod} in StatefulSet ${set} successful`;
}
export function deletePodMessage(pod: string, set: string): string {
  return `delete Pod ${pod} in StatefulSet ${set} successful`;
}
export function createClaimMessage(claim: string, pod: string, set: string): string {
  return `create Claim ${claim} Pod ${pod} in StatefulSet ${set} success`;
}

/** `<parent>-<ordinal>` → ordinal, or -1 when the name is not one of this set's pods. */
export function ordinalOf(setName: string, podName: string | undefined): number {
  if (!podName || !podName.startsWith(setName + '-')) return -1;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

export function claimName(claim: string, set: string, ordinal: number): string {
  return `${claim}-${set}-${ordinal}`;
}

/** The revision data upstream stores: a strategic patch replacing the template. */
export function revisionData(template: V1PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(clone(template) as Record<string, unknown>), $patch: 'replace' } } };
}

function templateOf(rev: ControllerRevision): V1PodTemplateSpec | undefined {
  const d = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = d?.spec?.template;
  if (!t) return undefined;
  const { $patch: _p, ...rest } = t;
  return rest as V1PodTemplateSpec;
}

function sameData(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Builds the pod for `ordinal` from `template` at revision `revisionName` (upstream newVersionedStatefulSetPod). */
export function newStatefulSetPod(set: StatefulSet, template: V1PodTemplateSpec | undefined, revisionName: string, ordinal: number): V1Pod {
  const name = `${set.metadata.name}-${ordinal}`;
  const t = clone(template) ?? {};
  const spec: V1PodSpec = t.spec ?? {};
  const labels = { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revisionName };
  const vols: V1Volume[] = (spec.volumes ?? []).filter((v) => !(set.spec?.volumeClaimTemplates ?? []).some((c) => c.metadata?.name === v.name));
  for (const c of set.spec?.volumeClaimTemplates ?? []) {
    const cn = c.metadata?.name ?? '';
    vols.push({ name: cn, persistentVolumeClaim: { claimName: claimName(cn, set.metadata.name ?? '', ordinal) } });
  }
  if (vols.length) spec.volumes = vols;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels,
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [ownerRefTo(set)],
    },
    spec,
  };
}

/** The PVCs a pod needs (upstream getPersistentVolumeClaims), labelled with the selector's matchLabels. */
export function claimsFor(set: StatefulSet, ordinal: number): PvcObject[] {
  const setName = set.metadata.name ?? '';
  const whenDeleted = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain';
  return (set.spec?.volumeClaimTemplates ?? []).map((c) => {
    const tpl = c as { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(tpl.metadata?.name ?? '', setName, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...(tpl.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
        ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
        ...(whenDeleted === 'Delete' ? { ownerReferences: [{ ...ownerRefTo(set), controller: false }] } : {}),
      },
      spec: clone(tpl.spec) ?? {},
    };
  });
}

interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
  actions: StatefulSetAction[];
  all: ControllerRevision[];
}

/** upstream getStatefulSetRevisions: find or create the update revision, resolve the current one. */
function resolveRevisions(set: StatefulSet, revisions: ControllerRevision[]): Revisions {
  const actions: StatefulSetAction[] = [];
  const sorted = [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const maxRev = sorted.length ? (sorted[sorted.length - 1]!.revision ?? 0) : 0;
  const data = revisionData(set.spec?.template);
  let collisionCount = set.status?.collisionCount ?? 0;
  let update = sorted.find((r) => sameData(r.data, data));
  const all = [...sorted];
  if (update) {
    if ((update.revision ?? 0) < maxRev) {
      // An older revision is being rolled back to: it becomes the newest (upstream FixUp).
      actions.push({ type: 'updateRevisionNumber', name: update.metadata.name ?? '', revision: maxRev + 1 });
      update = { ...update, revision: maxRev + 1 };
      all.splice(all.findIndex((r) => r.metadata.name === update!.metadata.name), 1, update);
    }
  } else {
    let hash = revisionHash(data, collisionCount);
    // A different revision under our name is a hash collision: bump the count and rehash.
    while (sorted.some((r) => r.metadata.name === `${set.metadata.name}-${hash}`)) hash = revisionHash(data, ++collisionCount);
    update = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${set.metadata.name}-${hash}`,
        namespace: set.metadata.namespace,
        labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ownerReferences: [ownerRefTo(set)],
      },
      data,
      revision: maxRev + 1,
    };
    actions.push({ type: 'createRevision', revision: update });
    all.push(update);
  }
  const current = all.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount, actions, all };
}

function podRevision(pod: V1Pod): string {
  return pod.metadata.labels?.[REVISION_LABEL] ?? '';
}

/**
 * One sync of a StatefulSet. Guarantees (checked by property tests):
 * - OrderedReady: a pod is created only when every lower ordinal exists and is Running and Ready;
 *   at most one pod is created or deleted per call; scale-down deletes the highest ordinal first
 *   and only while all remaining pods are Running and Ready.
 * - Parallel: all missing pods are created and all condemned pods deleted at once.
 * - RollingUpdate: deletes (for recreation at the update revision) at most one pod per call, the
 *   highest ordinal ≥ partition not at the update revision, and only when the pods above it are
 *   Running and Ready at the update revision. OnDelete never deletes for updates.
 * - PVCs are created before the pod that mounts them; existing PVCs are never modified.
 */
export function reconcileStatefulSet(obs: StatefulSetObserved, now: Date): StatefulSetResult {
  const { set } = obs;
  const setName = set.metadata.name ?? '';
  const revs = resolveRevisions(set, obs.revisions);
  const actions: StatefulSetAction[] = [...revs.actions];
  const replicaCount = set.spec?.replicas ?? 1;
  const start = set.spec?.ordinals?.start ?? 0;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
  const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
  const partition = strategy === 'RollingUpdate' ? (set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
  const whenScaled = set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain';
  const currentTemplate = templateOf(revs.current) ?? set.spec?.template;

  const replicas: (V1Pod | undefined)[] = new Array(replicaCount).fill(undefined);
  const condemned: V1Pod[] = [];
  for (const pod of obs.pods) {
    const ord = ordinalOf(setName, pod.metadata.name);
    if (ord < 0) continue;
    if (ord >= start && ord < start + replicaCount) replicas[ord - start] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(setName, b.metadata.name) - ordinalOf(setName, a.metadata.name));

  const status = computeStatus(set, obs.pods.filter((p) => ordinalOf(setName, p.metadata.name) >= 0), revs, minReady, now, replicaCount);
  let requeueAfterMs: number | undefined;
  const wait = (ms: number | undefined) => {
    if (ms !== undefined && ms > 0) requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
  };

  if (set.metadata.deletionTimestamp) return { actions, status };

  const healthy = (p: V1Pod) => isRunningAndReady(p) && !isTerminating(p) && (!minReady || isPodAvailable(p, minReady, now));
  let blocked = false;
  for (let i = 0; i < replicaCount && !blocked; i++) {
    const ord = start + i;
    const pod = replicas[i];
    if (pod && (isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod)) {
      actions.push({ type: 'deletePod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' });
      replicas[i] = undefined;
      if (monotonic) blocked = true;
      continue;
    }
    if (!pod) {
      // upstream newVersionedStatefulSetPod: below the partition a pod is (re)created at the current revision.
      const useCurrent = strategy === 'RollingUpdate' && ord < partition;
      const rev = useCurrent ? revs.current : revs.update;
      const tpl = useCurrent ? currentTemplate : set.spec?.template;
      const podObj = newStatefulSetPod(set, tpl, rev.metadata.name ?? '', ord);
      for (const pvc of claimsFor(set, ord)) {
        if (!obs.pvcNames.has(pvc.metadata.name ?? '')) actions.push({ type: 'createPvc', pvc, podName: podObj.metadata.name ?? '' });
      }
      actions.push({ type: 'createPod', pod: podObj });
      if (monotonic) blocked = true;
      continue;
    }
    // Identity (upstream identityMatches/updateIdentity): the pod-name and pod-index labels.
    const want = { [POD_NAME_LABEL]: pod.metadata.name ?? '', [POD_INDEX_LABEL]: String(ord) };
    if (!isTerminating(pod) && Object.entries(want).some(([k, v]) => pod.metadata.labels?.[k] !== v)) {
      actions.push({ type: 'patchPodLabels', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', labels: want });
    }
    // An existing pod whose claims vanished gets them recreated (upstream updateStatefulPod).
    for (const pvc of claimsFor(set, ord)) {
      if (!obs.pvcNames.has(pvc.metadata.name ?? '')) actions.push({ type: 'createPvc', pvc, podName: pod.metadata.name ?? '' });
    }
    if (monotonic && !healthy(pod)) {
      if (minReady) wait(msUntilAvailable(pod, minReady, now));
      blocked = true;
    }
  }

  // Scale down: condemned pods, highest ordinal first.
  if (!blocked) {
    if (monotonic) {
      const terminating = condemned.some(isTerminating);
      const target = condemned.find((p) => !isTerminating(p));
      if (target && !terminating) actions.push({ type: 'deletePod', name: target.metadata.name ?? '', uid: target.metadata.uid ?? '' });
      if (target || terminating) blocked = true;
    } else {
      for (const p of condemned) if (!isTerminating(p)) actions.push({ type: 'deletePod', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' });
    }
  }

  // whenScaled=Delete: claims of ordinals no longer wanted go once their pod is gone.
  if (whenScaled === 'Delete') {
    const podOrdinals = new Set(obs.pods.map((p) => ordinalOf(setName, p.metadata.name)));
    for (const name of obs.pvcNames) {
      for (const c of set.spec?.volumeClaimTemplates ?? []) {
        const prefix = `${c.metadata?.name}-${setName}-`;
        if (!name.startsWith(prefix)) continue;
        const rest = name.slice(prefix.length);
        if (!/^(0|[1-9][0-9]*)$/.test(rest)) continue;
        const ord = Number(rest);
        if ((ord < start || ord >= start + replicaCount) && !podOrdinals.has(ord)) actions.push({ type: 'deletePvc', name });
      }
    }
  }

  // Rolling update: highest ordinal first, down to the partition, one at a time.
  const maxUnavailableRaw = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable;
  if (strategy === 'RollingUpdate' && !blocked && maxUnavailableRaw !== undefined) {
    // maxUnavailable (upstream MaxUnavailableStatefulSet): delete up to maxUnavailable − unavailable
    // outdated pods at once, highest ordinal first, never below the partition.
    const updateName = revs.update.metadata.name ?? '';
    const maxUnavailable = Math.max(1, scaledIntOrPercent(maxUnavailableRaw, replicaCount, 1));
    let unavailable = replicas.filter((p) => !p || !healthy(p)).length;
    for (let i = replicaCount - 1; i >= Math.max(0, partition - start) && unavailable < maxUnavailable; i--) {
      const pod = replicas[i];
      if (!pod || isTerminating(pod) || podRevision(pod) === updateName) continue;
      actions.push({ type: 'deletePod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' });
      if (healthy(pod)) unavailable++;
    }
  } else if (strategy === 'RollingUpdate' && !blocked) {
    const updateName = revs.update.metadata.name ?? '';
    for (let i = replicaCount - 1; i >= Math.max(0, partition - start); i--) {
      const pod = replicas[i];
      if (!pod) break; // being created
      if (podRevision(pod) !== updateName) {
        if (!isTerminating(pod)) actions.push({ type: 'deletePod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' });
        break;
      }
      if (!healthy(pod)) {
        if (minReady) wait(msUntilAvailable(pod, minReady, now));
        break;
      }
    }
  }

  // Revision history: keep current, update, those used by live pods, and the newest `limit` others.
  const limit = set.spec?.revisionHistoryLimit ?? 10;
  const live = new Set(obs.pods.map(podRevision));
  const keep = new Set([revs.current.metadata.name, revs.update.metadata.name]);
  const history = revs.all.filter((r) => !keep.has(r.metadata.name) && !live.has(r.metadata.name ?? ''));
  for (const r of history.slice(0, Math.max(0, history.length - limit))) actions.push({ type: 'deleteRevision', name: r.metadata.name ?? '' });

  return requeueAfterMs === undefined ? { actions, status } : { actions, status, requeueAfterMs };
}

function computeStatus(set: StatefulSet, pods: V1Pod[], revs: Revisions, minReady: number, now: Date, replicaCount: number): StatefulSetStatus {
  const st: StatefulSetStatus = {
    observedGeneration: set.metadata.generation ?? 0,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision: revs.current.metadata.name,
    updateRevision: revs.update.metadata.name,
    collisionCount: revs.collisionCount,
  };
  for (const p of pods) {
    if (isCreated(p)) st.replicas!++;
    if (isRunningAndReady(p)) {
      st.readyReplicas!++;
      if (isPodAvailable(p, minReady, now)) st.availableReplicas!++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      if (podRevision(p) === st.currentRevision) st.currentReplicas!++;
      if (podRevision(p) === st.updateRevision) st.updatedReplicas!++;
    }
  }
  // upstream completeRollingUpdate: the update revision becomes current once every pod runs it.
  const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy === 'RollingUpdate' && st.updatedReplicas === replicaCount && st.readyReplicas === replicaCount && st.replicas === replicaCount) {
    st.currentRevision = st.updateRevision;
    st.currentReplicas = st.updatedReplicas;
  }
  if (set.status?.conditions) st.conditions = set.status.conditions;
  return st;
}
