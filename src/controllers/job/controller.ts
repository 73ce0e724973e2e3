/**
 * The Job controller's I/O half: watches Jobs and their pods through shared informers, runs
 * reconcileJob per `namespace/name`, writes the status first (so that uids of finished pods are
 * stored in uncountedTerminatedPods before their tracking finalizers go) and then performs the
 * actions in order, stopping at the first failure (requeue with backoff).
 */
import type { Job } from '../../api/batch/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import { isApiError } from '../../lib/errors.js';
import { R } from '../../client/types.js';
import type { Informer } from '../../client/informer-types.js';
import type { ControllerContext, EventSink } from '../context.js';
import { CONTROLLER_UID_INDEX, ORPHANS_INDEX, WorkloadController, indexByController, keyOf, sameStatus, splitKey, type WorkloadControllerOptions } from '../statefulset/workload-controller.js';
import { controllerRef } from '../statefulset/pod-state.js';
import { TRACKING_FINALIZER, isJobFinished, reconcileJob, type JobAction } from './reconcile.js';

/** Work-queue keys of orphaned pods whose tracking finalizer must be released. */
const ORPHAN_PREFIX = 'orphan-pod:';

export class JobController extends WorkloadController {
  readonly name = 'job-controller';
  private jobs!: Informer<Job>;
  private pods!: Informer<V1Pod>;

  protected register(ctx: ControllerContext): Informer<KubeObject> {
    this.jobs = ctx.informers.for<Job>(R.jobs);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    indexByController(this.pods);
    this.jobs.addHandlers({ add: (o) => this.enqueue(keyOf(o)), update: (_, o) => this.enqueue(keyOf(o)), delete: (o) => this.enqueue(keyOf(o)) });
    const dep = (o: KubeObject) => {
      // An orphan still holding the tracking finalizer (its Job was deleted with orphan propagation)
      // can never be counted: release it, as upstream does.
      if (!controllerRef(o) && o.metadata.finalizers?.includes(TRACKING_FINALIZER)) this.enqueue(`${ORPHAN_PREFIX}${keyOf(o)}`);
      else this.enqueueOwner(o, 'Job');
    };
    this.pods.addHandlers({ add: dep, update: (_, o) => dep(o), delete: dep });
    return this.jobs as unknown as Informer<KubeObject>;
  }

  protected async sync(key: string): Promise<number | undefined> {
    if (key.startsWith(ORPHAN_PREFIX)) {
      const { namespace, name } = splitKey(key.slice(ORPHAN_PREFIX.length));
      const p = this.pods.get(namespace, name);
      if (p && !controllerRef(p) && p.metadata.finalizers?.includes(TRACKING_FINALIZER)) {
        await this.apply(key, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } }, { type: 'removeFinalizer', name, uid: p.metadata.uid ?? '' }, this.ctx.recorder('job-controller'));
      }
      return undefined;
    }
    const { namespace, name } = splitKey(key);
    const job = this.jobs.get(namespace, name);
    const c = this.ctx.client;
    if (!job) {
      // Deleted: release the tracking finalizers of the pods it left (the garbage collector is
      // deleting them; their events bring us here), as upstream does for orphaned pods.
      for (const p of this.pods.list(namespace)) {
        const r = controllerRef(p);
        if (r?.kind === 'Job' && r.name === name && p.metadata.finalizers?.includes(TRACKING_FINALIZER)) {
          await this.apply(key, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace } }, { type: 'removeFinalizer', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' }, this.ctx.recorder('job-controller'));
        }
      }
      return undefined;
    }
    if (job.spec?.managedBy && job.spec.managedBy !== 'kubernetes.io/job-controller') return undefined;
    if (!isJobFinished(job) && (await this.adoptOrphans(R.pods, job, job.spec?.selector, this.pods.byIndex(ORPHANS_INDEX, namespace)))) return 200;
    const pods = this.pods.byIndex(CONTROLLER_UID_INDEX, job.metadata.uid ?? '');
    if (!this.satisfied(key, (n) => !!this.pods.get(namespace, n), (u) => !pods.some((p) => p.metadata.uid === u && !p.metadata.deletionTimestamp))) return 1000;
    const result = reconcileJob({ job, pods }, this.ctx.now());
    if (!sameStatus(result.status, job.status)) {
      // PUT with the cached resourceVersion: a stale view conflicts (and is retried) instead of
      // overwriting uncountedTerminatedPods, which is what keeps counting exact.
      await c.update(R.jobs, namespace, { ...job, status: result.status }, { subresource: 'status' });
    }
    const rec = this.ctx.recorder('job-controller');
    for (const a of result.actions) await this.apply(key, job, a, rec);
    return result.requeueAfterMs;
  }

  private async apply(key: string, job: Job, a: JobAction, rec: EventSink): Promise<void> {
    const c = this.ctx.client;
    const ns = job.metadata.namespace ?? '';
    switch (a.type) {
      case 'createPod':
        try {
          const created = await c.create(R.pods, ns, a.pod);
          this.expect(key, 'created', created.metadata.name ?? '');
          rec.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (e) {
          rec.event(job, 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        return;
      case 'deletePod':
        try {
          this.expect(key, 'deleted', a.uid);
          await c.delete(R.pods, ns, a.name, { preconditions: { uid: a.uid } });
          rec.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${a.name}`);
        } catch (e) {
          if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
          throw e;
        }
        return;
      case 'removeFinalizer': {
        const pod = this.pods.get(ns, a.name);
        const fins = pod?.metadata.finalizers ?? [];
        const i = fins.indexOf(TRACKING_FINALIZER);
        if (i < 0) return;
        // A JSON patch with a test op: removes exactly this finalizer, fails on a stale view.
        try {
          await c.patch(R.pods, ns, a.name, 'json', [
            { op: 'test', path: '/metadata/uid', value: a.uid },
            { op: 'test', path: `/metadata/finalizers/${i}`, value: TRACKING_FINALIZER },
            { op: 'remove', path: `/metadata/finalizers/${i}` },
          ]);
        } catch (e) {
          if (isApiError(e) && e.reason === 'NotFound') return;
          throw e;
        }
        return;
      }
      case 'event':
        rec.event(job, a.eventType, a.reason, a.message);
        return;
      case 'deleteJob':
        await c.delete(R.jobs, ns, job.metadata.name ?? '', { propagationPolicy: 'Foreground', preconditions: { uid: a.uid } }).catch((e: unknown) => {
          if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
        });
        return;
    }
  }
}

/** The Job controller (one instance per controller manager). */
export function createJobController(options: WorkloadControllerOptions = {}): JobController {
  return new JobController(options);
}
