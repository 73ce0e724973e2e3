/**
 * The StatefulSet controller's I/O half: watches StatefulSets, their pods, ControllerRevisions and
 * PVCs through shared informers, runs reconcileStatefulSet per `namespace/name`, and performs its
 * actions in order through the client (stopping at the first failure, which requeues the key with
 * backoff). Events are recorded after each successful write, with upstream's reasons and messages.
 */
import type { ControllerRevision, StatefulSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import { isApiError } from '../../lib/errors.js';
import { R } from '../../client/types.js';
import type { Informer } from '../../client/informer-types.js';
import type { ControllerContext } from '../context.js';
import { CONTROLLER_UID_INDEX, ORPHANS_INDEX, WorkloadController, indexByController, keyOf, sameStatus, splitKey, type WorkloadControllerOptions } from './workload-controller.js';
import { createClaimMessage, createPodMessage, deletePodMessage, reconcileStatefulSet, type StatefulSetAction } from './reconcile.js';

const notFoundOk = (e: unknown) => {
  if (isApiError(e) && (e.reason === 'NotFound' || e.code === 404)) return undefined;
  throw e;
};
const existsOk = (e: unknown) => {
  if (isApiError(e) && (e.reason === 'AlreadyExists' || e.code === 409)) return undefined;
  throw e;
};

export class StatefulSetController extends WorkloadController {
  readonly name = 'statefulset-controller';
  private sets!: Informer<StatefulSet>;
  private pods!: Informer<V1Pod>;
  private revisions!: Informer<ControllerRevision>;
  private pvcs!: Informer<KubeObject>;

  protected register(ctx: ControllerContext): Informer<KubeObject> {
    this.sets = ctx.informers.for<StatefulSet>(R.statefulsets);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    this.revisions = ctx.informers.for<ControllerRevision>(R.controllerrevisions);
    this.pvcs = ctx.informers.for(R.persistentvolumeclaims);
    indexByController(this.pods);
    indexByController(this.revisions);
    const own = { add: (o: KubeObject) => this.enqueue(keyOf(o)), update: (_: KubeObject, o: KubeObject) => this.enqueue(keyOf(o)), delete: (o: KubeObject) => this.enqueue(keyOf(o)) };
    this.sets.addHandlers(own);
    const dep = { add: (o: KubeObject) => this.enqueueOwner(o, 'StatefulSet'), update: (_: KubeObject, o: KubeObject) => this.enqueueOwner(o, 'StatefulSet'), delete: (o: KubeObject) => this.enqueueOwner(o, 'StatefulSet') };
    this.pods.addHandlers(dep);
    this.revisions.addHandlers(dep);
    return this.sets as unknown as Informer<KubeObject>;
  }

  protected async sync(key: string): Promise<number | undefined> {
    const { namespace, name } = splitKey(key);
    const set = this.sets.get(namespace, name);
    if (!set) return undefined; // deleted: the garbage collector removes what it owned
    const uid = set.metadata.uid ?? '';
    const adopted = (await this.adoptOrphans(R.pods, set, set.spec?.selector, this.pods.byIndex(ORPHANS_INDEX, namespace))) +
      (await this.adoptOrphans(R.controllerrevisions, set, set.spec?.selector, this.revisions.byIndex(ORPHANS_INDEX, namespace)));
    if (adopted) return 200; // act on the adopted pods once the cache shows them
    const pods = this.pods.byIndex(CONTROLLER_UID_INDEX, uid);
    const revisions = this.revisions.byIndex(CONTROLLER_UID_INDEX, uid);
    const pvcNames = new Set(this.pvcs.list(namespace).map((p) => p.metadata.name ?? ''));
    const result = reconcileStatefulSet({ set, pods, revisions, pvcNames }, this.ctx.now());
    const rec = this.ctx.recorder('statefulset-controller');
    for (const a of result.actions) await this.apply(set, a, rec);
    if (!sameStatus(result.status, set.status)) {
      // PUT with the cached resourceVersion: a stale view conflicts and is retried, never overwrites.
      await this.ctx.client.update(R.statefulsets, namespace, { ...set, status: result.status }, { subresource: 'status' }).catch(notFoundOk);
    }
    return result.requeueAfterMs;
  }

  private async apply(set: StatefulSet, a: StatefulSetAction, rec: ReturnType<ControllerContext['recorder']>): Promise<void> {
    const c = this.ctx.client;
    const ns = set.metadata.namespace ?? '';
    const setName = set.metadata.name ?? '';
    switch (a.type) {
      case 'createRevision':
        await c.create(R.controllerrevisions, ns, a.revision).catch(existsOk);
        return;
      case 'updateRevisionNumber':
        await c.patch(R.controllerrevisions, ns, a.name, 'merge', { revision: a.revision }).catch(notFoundOk);
        return;
      case 'deleteRevision':
        await c.delete(R.controllerrevisions, ns, a.name).catch(notFoundOk);
        return;
      case 'createPvc':
        try {
          await c.create(R.persistentvolumeclaims, ns, a.pvc);
          rec.event(set, 'Normal', 'SuccessfulCreate', createClaimMessage(a.pvc.metadata.name ?? '', a.podName, setName));
        } catch (e) {
          if (isApiError(e) && e.reason === 'AlreadyExists') return;
          rec.event(set, 'Warning', 'FailedCreate', `create Claim ${a.pvc.metadata.name} for Pod ${a.podName} in StatefulSet ${setName} failed error: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        return;
      case 'patchPodLabels':
        await c.patch(R.pods, ns, a.name, 'json', [
          { op: 'test', path: '/metadata/uid', value: a.uid },
          ...(this.pods.get(ns, a.name)?.metadata.labels ? [] : [{ op: 'add', path: '/metadata/labels', value: {} }]),
          ...Object.entries(a.labels).map(([k, v]) => ({ op: 'add', path: `/metadata/labels/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: v })),
        ]).catch((e: unknown) => {
          if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Invalid' || e.reason === 'Conflict'))) throw e;
        });
        return;
      case 'deletePvc':
        await c.delete(R.persistentvolumeclaims, ns, a.name).catch(notFoundOk);
        return;
      case 'createPod':
        try {
          await c.create(R.pods, ns, a.pod);
          rec.event(set, 'Normal', 'SuccessfulCreate', createPodMessage(a.pod.metadata.name ?? '', setName));
        } catch (e) {
          if (isApiError(e) && e.reason === 'AlreadyExists') return;
          rec.event(set, 'Warning', 'FailedCreate', `create Pod ${a.pod.metadata.name} in StatefulSet ${setName} failed error: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        return;
      case 'deletePod':
        try {
          await c.delete(R.pods, ns, a.name, { preconditions: { uid: a.uid } });
          rec.event(set, 'Normal', 'SuccessfulDelete', deletePodMessage(a.name, setName));
        } catch (e) {
          if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
          rec.event(set, 'Warning', 'FailedDelete', `delete Pod ${a.name} in StatefulSet ${setName} failed error: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        return;
    }
  }
}

/** The StatefulSet controller (one instance per controller manager). */
export function createStatefulSetController(options: WorkloadControllerOptions = {}): StatefulSetController {
  return new StatefulSetController(options);
}
