/**
 * Deployment decisions (upstream pkg/controller/deployment), pure: given a Deployment, the
 * ReplicaSets and pods of its namespace (from the informer cache) and the time, return the writes
 * that move the cluster one step towards the Deployment's spec, as data. The controller performs
 * them in order (controller.ts) and stops at the first failure; the next sync starts over from the
 * cache (level-triggered), so a partial run is harmless.
 *
 * The flow mirrors upstream's syncDeployment: claim ReplicaSets (adopt / release by selector),
 * status only while deleting, the paused condition, then `sync` (paused or a scaling event:
 * proportional scaling), `rolloutRecreate` or `rolloutRolling`, old-ReplicaSet cleanup
 * (revisionHistoryLimit) and the rollout status (Progressing / Available conditions). Upstream
 * writes the Deployment's status several times per sync; here the intermediate states are kept on a
 * working copy and written once at the end, which is equivalent for a level-triggered controller.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { OwnerReference } from '../../api/types.js';
import { matches, selectorFromLabelSelector, type Selector } from '../../lib/labels/index.js';
import { canonicalJson, computeHash } from './hash.js';
import {
  POD_TEMPLATE_HASH, REVISION, Reason, byCreation, byRevision, bySizeNewer, bySizeOlder, deploymentComplete, deploymentProgressing,
  deploymentTimedOut, equalIgnoreHash, filterActive, getCondition, hasProgressDeadline, intAnnotation, isRollingUpdate, maxRevision, maxSurge,
  maxUnavailable, newCondition, removeCondition, replicasAnnotationsNeedUpdate, replicasOf, revisionOf, scaledValue, setCondition,
  setNewReplicaSetAnnotations, setReplicasAnnotations, sumSpec, sumStatus, DESIRED_REPLICAS, MAX_REPLICAS,
} from './util.js';

export interface ObjectRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface OwnerPatch {
  metadata: { ownerReferences: OwnerReference[]; resourceVersion?: string };
}

export type DeploymentAction =
  /** Merge-patch a ReplicaSet's ownerReferences (resourceVersion included: a stale view conflicts). */
  | { type: 'adoptReplicaSet'; rs: ObjectRef; patch: OwnerPatch }
  | { type: 'releaseReplicaSet'; rs: ObjectRef; patch: OwnerPatch }
  /** Create this ReplicaSet (fixed name `<deployment>-<hash>`; AlreadyExists is an error to retry). */
  | { type: 'createReplicaSet'; rs: ReplicaSet }
  /**
   * Replace this ReplicaSet (spec.replicas, annotations, minReadySeconds). Its resourceVersion is
   * the cached one; when the same ReplicaSet was written earlier in this run the applier must use
   * the resourceVersion that write returned.
   */
  | { type: 'updateReplicaSet'; rs: ReplicaSet }
  /** Delete an old ReplicaSet with 0 replicas (uid precondition; NotFound is fine). */
  | { type: 'deleteReplicaSet'; rs: ObjectRef }
  /** Merge-patch the Deployment's `deployment.kubernetes.io/revision` annotation. */
  | { type: 'setRevision'; revision: string }
  /** Write the Deployment's status subresource. */
  | { type: 'updateStatus'; status: DeploymentStatus }
  /** Record an event on the Deployment (after the writes before it succeeded). */
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface DeploymentObserved {
  /** Every ReplicaSet of the Deployment's namespace. */
  replicaSets: readonly ReplicaSet[];
  /** Every pod of the namespace (Recreate waits for the old ones to be gone). */
  pods: readonly V1Pod[];
}

export interface DeploymentPlan {
  actions: DeploymentAction[];
  /** Sync again after this long (progress deadline checks), if set. */
  requeueAfterMs?: number;
  /** The sync could not finish (hash collision): retry with backoff after performing the actions. */
  retry?: string;
}

/** The controller reference a Deployment puts on its ReplicaSets. */
export function deploymentControllerRef(d: Deployment): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name ?? '', uid: d.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

class Abort extends Error {}

function isEmptySelector(d: Deployment): boolean {
  const s = d.spec?.selector;
  return !!s && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

/** Status with Go's omitempty applied to counters, for change detection. */
function normStatus(st: DeploymentStatus | undefined): string {
  const c: Record<string, unknown> = { ...(st ?? {}) };
  for (const k of Object.keys(c)) if (c[k] === undefined || c[k] === 0 || (Array.isArray(c[k]) && (c[k] as unknown[]).length === 0)) delete c[k];
  return canonicalJson(c);
}

class Planner {
  readonly actions: DeploymentAction[] = [];
  readonly d: Deployment;
  requeueAfterMs: number | undefined;
  retry: string | undefined;
  private readonly name: string;

  constructor(
    private readonly original: Deployment,
    private readonly observed: DeploymentObserved,
    private readonly now: Date,
  ) {
    this.d = structuredClone(original);
    this.d.status ??= {};
    this.name = original.metadata.name ?? '';
  }

  private event(eventType: 'Normal' | 'Warning', reason: string, message: string): void {
    this.actions.push({ type: 'event', eventType, reason, message });
  }

  run(): void {
    const d = this.d;
    if (isEmptySelector(d)) {
      this.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status!.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) d.status!.observedGeneration = d.metadata.generation;
      return;
    }
    let sel: Selector;
    try {
      sel = selectorFromLabelSelector(d.spec?.selector);
    } catch {
      return;
    }
    const rsList = this.claim(sel);
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(rsList);
    this.checkPausedConditions();
    if (d.spec?.paused) return this.sync(rsList);
    if (this.isScalingEvent(rsList)) return this.sync(rsList);
    if (d.spec?.strategy?.type === 'Recreate') return this.rolloutRecreate(rsList, this.podMap(rsList, sel));
    return this.rolloutRolling(rsList);
  }

  finish(): DeploymentPlan {
    const rev = this.d.metadata.annotations?.[REVISION];
    if (rev !== undefined && rev !== this.original.metadata.annotations?.[REVISION]) this.actions.push({ type: 'setRevision', revision: rev });
    const changed = normStatus(this.original.status) !== normStatus(this.d.status);
    if (changed) this.actions.push({ type: 'updateStatus', status: this.d.status! });
    const plan: DeploymentPlan = { actions: this.actions };
    if (this.retry) plan.retry = this.retry;
    else if (!changed && this.requeueAfterMs !== undefined) plan.requeueAfterMs = this.requeueAfterMs;
    return plan;
  }

  /** ReplicaSetControllerRefManager.ClaimReplicaSets, over working copies. */
  private claim(sel: Selector): ReplicaSet[] {
    const d = this.d;
    const uid = d.metadata.uid ?? '';
    const out: ReplicaSet[] = [];
    for (const orig of this.observed.replicaSets) {
      if ((orig.metadata.namespace ?? '') !== (d.metadata.namespace ?? '')) continue;
      const cref = orig.metadata.ownerReferences?.find((r) => r.controller);
      const match = matches(sel, orig.metadata.labels);
      const r = { namespace: orig.metadata.namespace ?? '', name: orig.metadata.name ?? '', uid: orig.metadata.uid ?? '' };
      if (cref) {
        if (cref.uid !== uid) continue;
        if (match) out.push(structuredClone(orig));
        else if (!orig.metadata.deletionTimestamp)
          this.actions.push({ type: 'releaseReplicaSet', rs: r, patch: { metadata: { ownerReferences: (orig.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid), resourceVersion: orig.metadata.resourceVersion } } });
        continue;
      }
      if (!match || d.metadata.deletionTimestamp || orig.metadata.deletionTimestamp) continue;
      const ownerReferences = [...(orig.metadata.ownerReferences ?? []), deploymentControllerRef(d)];
      this.actions.push({ type: 'adoptReplicaSet', rs: r, patch: { metadata: { ownerReferences, resourceVersion: orig.metadata.resourceVersion } } });
      // The working copy carries the new reference, so a later replace in this plan keeps it.
      const adopted = structuredClone(orig);
      adopted.metadata.ownerReferences = structuredClone(ownerReferences);
      out.push(adopted);
    }
    return out;
  }

  /** getPodMapForDeployment: matching pods grouped by the uid of their (claimed) ReplicaSet. */
  private podMap(rsList: ReplicaSet[], sel: Selector): Map<string, V1Pod[]> {
    const m = new Map<string, V1Pod[]>();
    for (const rs of rsList) m.set(rs.metadata.uid ?? '', []);
    for (const p of this.observed.pods) {
      if ((p.metadata.namespace ?? '') !== (this.d.metadata.namespace ?? '') || !matches(sel, p.metadata.labels)) continue;
      const ref = p.metadata.ownerReferences?.find((r) => r.controller);
      if (ref && m.has(ref.uid)) m.get(ref.uid)!.push(p);
    }
    return m;
  }

  private checkPausedConditions(): void {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === Reason.TimedOut) return;
    const pausedExists = cond?.reason === Reason.Paused;
    if (d.spec?.paused && !pausedExists) setCondition(d.status!, newCondition('Progressing', 'Unknown', Reason.Paused, 'Deployment is paused', this.now));
    else if (!d.spec?.paused && pausedExists) setCondition(d.status!, newCondition('Progressing', 'Unknown', Reason.Resumed, 'Deployment is resumed', this.now));
  }

  private findNew(rsList: ReplicaSet[]): ReplicaSet | undefined {
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, this.d.spec?.template));
  }

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created if asked) and all old ones. */
  private getAll(rsList: ReplicaSet[], create: boolean): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const existing = this.findNew(rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    return { newRS: this.getNewReplicaSet(rsList, existing, oldRSs, create), oldRSs };
  }

  private getNewReplicaSet(rsList: ReplicaSet[], existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): ReplicaSet | undefined {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const annotationsUpdated = setNewReplicaSetAnnotations(d, existing, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      const minReadyNeedsUpdate = (existing.spec?.minReadySeconds ?? 0) !== minReady;
      if (annotationsUpdated || minReadyNeedsUpdate) {
        existing.spec = { ...existing.spec, minReadySeconds: minReady };
        this.actions.push({ type: 'updateReplicaSet', rs: structuredClone(existing) });
        return existing;
      }
      this.setDeploymentRevision(existing.metadata.annotations?.[REVISION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing'))
        setCondition(d.status!, newCondition('Progressing', 'True', Reason.FoundNewRS, `Found new replica set "${existing.metadata.name}"`, this.now));
      return existing;
    }
    if (!create) return undefined;

    const tpl = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    tpl.metadata = { ...tpl.metadata, labels: { ...tpl.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const sel = structuredClone(d.spec?.selector ?? {});
    sel.matchLabels = { ...sel.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const name = `${this.name}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: d.metadata.namespace, ownerReferences: [deploymentControllerRef(d)], labels: { ...tpl.metadata.labels } },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector: sel, template: tpl },
    };
    const clash = this.observed.replicaSets.find((o) => o.metadata.name === name && (o.metadata.namespace ?? '') === (d.metadata.namespace ?? ''));
    if (clash) {
      const cref = clash.metadata.ownerReferences?.find((r) => r.controller);
      if (cref?.uid === d.metadata.uid && equalIgnoreHash(d.spec?.template, clash.spec?.template)) {
        // Ours, but not claimed (labels edited): nothing to create; a later sync sorts it out.
        this.retry = `replica set ${name} exists but is not selected by the deployment`;
        throw new Abort();
      }
      d.status!.collisionCount = (d.status!.collisionCount ?? 0) + 1;
      this.retry = `replicasets.apps "${name}" already exists (hash collision; collisionCount now ${d.status!.collisionCount})`;
      throw new Abort();
    }
    rs.spec!.replicas = this.newRSNewReplicas([...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    this.actions.push({ type: 'createReplicaSet', rs: structuredClone(rs) });
    rsList.push(rs);
    if (replicasOf(rs) > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${replicasOf(rs)}`);
    this.setDeploymentRevision(String(newRevision));
    if (hasProgressDeadline(d)) setCondition(d.status!, newCondition('Progressing', 'True', Reason.NewReplicaSet, `Created new replica set "${name}"`, this.now));
    return rs;
  }

  private setDeploymentRevision(rev: string): void {
    const a = (this.d.metadata.annotations ??= {});
    if (a[REVISION] !== rev) a[REVISION] = rev;
  }

  /** NewRSNewReplicas. */
  private newRSNewReplicas(allRSs: ReplicaSet[], newRS: ReplicaSet): number {
    const d = this.d;
    if (!isRollingUpdate(d)) return replicasOf(d);
    const want = replicasOf(d);
    const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, want, true);
    const current = sumSpec(allRSs);
    const maxTotal = want + surge;
    if (current >= maxTotal) return replicasOf(newRS);
    return replicasOf(newRS) + Math.min(maxTotal - current, want - replicasOf(newRS));
  }

  /** scaleReplicaSetAndRecordEvent. */
  private scaleAndRecord(rs: ReplicaSet, newScale: number): boolean {
    if (replicasOf(rs) === newScale) return false;
    return this.scaleReplicaSet(rs, newScale, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  /** scaleReplicaSet: size and the desired/max annotations, one update; an event when the size changed. */
  private scaleReplicaSet(rs: ReplicaSet, newScale: number, op: 'up' | 'down' | ''): boolean {
    const d = this.d;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    const sizeNeedsUpdate = replicasOf(rs) !== newScale;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
    const oldScale = replicasOf(rs);
    rs.spec = { ...rs.spec, replicas: newScale };
    setReplicasAnnotations(rs, desired, max);
    this.actions.push({ type: 'updateReplicaSet', rs: structuredClone(rs) });
    if (sizeNeedsUpdate) this.event('Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name} to ${newScale} from ${oldScale}`);
    return sizeNeedsUpdate;
  }

  private isScalingEvent(rsList: ReplicaSet[]): boolean {
    const { newRS, oldRSs } = this.getAll(rsList, false);
    for (const rs of filterActive([...oldRSs, newRS])) {
      const desired = intAnnotation(rs, DESIRED_REPLICAS);
      if (desired === undefined) continue;
      if (desired !== replicasOf(this.d)) return true;
    }
    return false;
  }

  /** `sync`: scaling events and paused Deployments. */
  private sync(rsList: ReplicaSet[]): void {
    const { newRS, oldRSs } = this.getAll(rsList, false);
    this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) this.cleanup(oldRSs);
    this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  private syncStatusOnly(rsList: ReplicaSet[]): void {
    const { newRS, oldRSs } = this.getAll(rsList, false);
    this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** FindActiveOrLatest. */
  private activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
    if (!newRS && oldRSs.length === 0) return undefined;
    const sorted = [...oldRSs].sort(byCreation).reverse();
    const active = filterActive([...sorted, newRS]);
    if (active.length === 0) return newRS ?? sorted[0];
    if (active.length === 1) return active[0];
    return undefined;
  }

  private isSaturated(rs: ReplicaSet | undefined): boolean {
    if (!rs) return false;
    const desired = intAnnotation(rs, DESIRED_REPLICAS);
    if (desired === undefined) return false;
    const want = replicasOf(this.d);
    return replicasOf(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
  }

  /** `scale`: one active set takes everything; otherwise proportional scaling (RollingUpdate). */
  private scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
    const d = this.d;
    const want = replicasOf(d);
    const aol = this.activeOrLatest(newRS, oldRSs);
    if (aol) {
      if (replicasOf(aol) !== want) this.scaleAndRecord(aol, want);
      return;
    }
    if (this.isSaturated(newRS)) {
      for (const old of filterActive(oldRSs)) this.scaleAndRecord(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = filterActive([...oldRSs, newRS]);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - sumSpec(all);
    let op: 'up' | 'down' | '' = '';
    if (toAdd > 0) {
      all.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      all.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<ReplicaSet, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const prop = this.proportion(rs, toAdd, added);
        sizes.set(rs, replicasOf(rs) + prop);
        added += prop;
      } else sizes.set(rs, replicasOf(rs));
    }
    all.forEach((rs, i) => {
      if (i === 0 && toAdd !== 0) sizes.set(rs, Math.max(0, sizes.get(rs)! + toAdd - added));
      this.scaleReplicaSet(rs, sizes.get(rs)!, op);
    });
  }

  /** GetProportion / getReplicaSetFraction. */
  private proportion(rs: ReplicaSet, toAdd: number, added: number): number {
    if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    const d = this.d;
    let fraction: number;
    if (replicasOf(d) === 0) fraction = -replicasOf(rs);
    else {
      const maxReplicas = replicasOf(d) + maxSurge(d);
      let before = intAnnotation(rs, MAX_REPLICAS);
      if (!before) before = d.status?.replicas ?? 0;
      // Math.round rounds .5 up; Go's math.Round away from zero. Sizes are positive here.
      fraction = before ? Math.round((replicasOf(rs) * maxReplicas) / before) - replicasOf(rs) : 0;
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private rolloutRolling(rsList: ReplicaSet[]): void {
    const { newRS, oldRSs } = this.getAll(rsList, true);
    const all = [...oldRSs, newRS];
    if (this.reconcileNewReplicaSet(all, newRS!)) return this.syncRolloutStatus(all, newRS);
    if (this.reconcileOldReplicaSets(all, filterActive(oldRSs), newRS!)) return this.syncRolloutStatus(all, newRS);
    if (deploymentComplete(this.d, this.d.status!)) this.cleanup(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  private reconcileNewReplicaSet(all: (ReplicaSet | undefined)[], newRS: ReplicaSet): boolean {
    const want = replicasOf(this.d);
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) return this.scaleAndRecord(newRS, want);
    return this.scaleAndRecord(newRS, this.newRSNewReplicas(all.filter((x): x is ReplicaSet => !!x), newRS));
  }

  private reconcileOldReplicaSets(all: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[], newRS: ReplicaSet): boolean {
    const oldCount = sumSpec(oldRSs);
    if (oldCount === 0) return false;
    const allCount = sumSpec(all);
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allCount - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    const cleaned = this.cleanupUnhealthy(oldRSs, maxScaledDown);
    const scaledDown = this.scaleDownOldForRollingUpdate([...oldRSs, newRS], oldRSs);
    return cleaned + scaledDown > 0;
  }

  private cleanupUnhealthy(oldRSs: ReplicaSet[], maxCleanup: number): number {
    oldRSs.sort(byCreation);
    let total = 0;
    for (const rs of oldRSs) {
      if (total >= maxCleanup) break;
      const avail = rs.status?.availableReplicas ?? 0;
      if (replicasOf(rs) === 0 || replicasOf(rs) === avail) continue;
      const n = Math.min(maxCleanup - total, replicasOf(rs) - avail);
      this.scaleAndRecord(rs, replicasOf(rs) - n);
      total += n;
    }
    return total;
  }

  private scaleDownOldForRollingUpdate(all: ReplicaSet[], oldRSs: ReplicaSet[]): number {
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const available = sumStatus(all, 'availableReplicas');
    if (available <= minAvailable) return 0;
    oldRSs.sort(byCreation);
    const target = available - minAvailable;
    let total = 0;
    for (const rs of oldRSs) {
      if (total >= target) break;
      if (replicasOf(rs) === 0) continue;
      const n = Math.min(replicasOf(rs), target - total);
      this.scaleAndRecord(rs, replicasOf(rs) - n);
      total += n;
    }
    return total;
  }

  private rolloutRecreate(rsList: ReplicaSet[], podMap: Map<string, V1Pod[]>): void {
    let { newRS, oldRSs } = this.getAll(rsList, false);
    let all = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) if (this.scaleAndRecord(rs, 0)) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus(all, newRS);
    if (this.oldPodsRunning(newRS, oldRSs, podMap)) return this.syncRolloutStatus(all, newRS);
    if (!newRS) {
      ({ newRS, oldRSs } = this.getAll(rsList, true));
      all = [...oldRSs, newRS];
    }
    this.scaleAndRecord(newRS!, replicasOf(this.d));
    if (deploymentComplete(this.d, this.d.status!)) this.cleanup(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: Map<string, V1Pod[]>): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    for (const [uid, pods] of podMap) {
      if (newRS && newRS.metadata.uid === uid) continue;
      if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
    }
    return false;
  }

  /** cleanupDeployment: delete the oldest old ReplicaSets beyond revisionHistoryLimit that are fully scaled down. */
  private cleanup(oldRSs: ReplicaSet[]): void {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || !rs.metadata.uid) continue;
      this.actions.push({ type: 'deleteReplicaSet', rs: { namespace: rs.metadata.namespace ?? '', name: rs.metadata.name ?? '', uid: rs.metadata.uid } });
    }
  }

  /** calculateStatus: counters over all ReplicaSets plus the Available condition. */
  private calculateStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const d = this.d;
    const available = sumStatus(all, 'availableReplicas');
    const st: DeploymentStatus = {
      observedGeneration: d.metadata.generation,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: sumStatus([newRS], 'replicas'),
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sumSpec(all) - available),
    };
    if (d.status?.collisionCount !== undefined) st.collisionCount = d.status.collisionCount;
    st.conditions = (d.status?.conditions ?? []).map((c) => ({ ...c }));
    if (available >= replicasOf(d) - maxUnavailable(d))
      setCondition(st, newCondition('Available', 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', this.now));
    else setCondition(st, newCondition('Available', 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', this.now));
    return st;
  }

  private syncDeploymentStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
    this.d.status = this.calculateStatus(all, newRS);
  }

  /** syncRolloutStatus: counters, Available, Progressing (complete / progressing / timed out), ReplicaFailure. */
  private syncRolloutStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
    const d = this.d;
    const st = this.calculateStatus(all, newRS);
    if (!hasProgressDeadline(d)) removeCondition(st, 'Progressing');
    const cur = getCondition(d.status, 'Progressing');
    const complete = st.replicas === st.updatedReplicas && cur?.reason === Reason.NewRSAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const who = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${this.name}"`;
      if (deploymentComplete(d, st)) {
        setCondition(st, newCondition('Progressing', 'True', Reason.NewRSAvailable, `${who} has successfully progressed.`, this.now));
      } else if (deploymentProgressing(d, st)) {
        let c = newCondition('Progressing', 'True', Reason.ReplicaSetUpdated, `${who} is progressing.`, this.now);
        if (cur) {
          if (cur.status === 'True') c = { ...c, lastTransitionTime: cur.lastTransitionTime };
          removeCondition(st, 'Progressing');
        }
        setCondition(st, c);
      } else if (deploymentTimedOut(d, st, this.now)) {
        setCondition(st, newCondition('Progressing', 'False', Reason.TimedOut, `${who} has timed out progressing.`, this.now));
      }
    }
    const failure = [...all.filter((x): x is ReplicaSet => !!x)]
      .map((rs) => rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True'))
      .find((c) => c !== undefined);
    if (failure) setCondition(st, { type: 'ReplicaFailure', status: failure.status, lastUpdateTime: failure.lastTransitionTime, lastTransitionTime: failure.lastTransitionTime, reason: failure.reason, message: failure.message });
    else removeCondition(st, 'ReplicaFailure');
    const unchanged = normStatus(d.status) === normStatus(st);
    d.status = st;
    if (unchanged) this.requeueStuck(cur, st);
  }

  /** requeueStuckDeployment: when a rollout shows no progress, check the deadline when it passes. */
  private requeueStuck(cur: DeploymentCondition | undefined, st: DeploymentStatus): void {
    const d = this.d;
    if (!hasProgressDeadline(d) || !cur) return;
    if (deploymentComplete(d, st) || cur.reason === Reason.TimedOut) return;
    const from = Date.parse(cur.lastUpdateTime ?? '');
    if (Number.isNaN(from)) return;
    const after = from + (d.spec!.progressDeadlineSeconds ?? 0) * 1000 - this.now.getTime();
    this.requeueAfterMs = after < 1000 ? 1000 : after;
  }
}

/**
 * One sync of a Deployment. Deterministic in its inputs; never mutates them. `now` stamps
 * conditions and drives the progress deadline.
 */
export function reconcile(deployment: Deployment, observed: DeploymentObserved, now: Date): DeploymentPlan {
  const p = new Planner(deployment, observed, now);
  try {
    p.run();
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
  }
  return p.finish();
}

export { computeHash, revisionOf };
