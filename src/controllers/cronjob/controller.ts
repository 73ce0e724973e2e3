/**
 * The CronJob controller's I/O half: watches CronJobs and Jobs through shared informers, runs
 * reconcileCronJob per `namespace/name` with the injected clock, performs the actions in order
 * (stopping at the first failure: requeue with backoff), writes the status, and requeues the key
 * for the next scheduled time.
 */
import type { CronJob, Job } from '../../api/batch/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import { isApiError } from '../../lib/errors.js';
import { R } from '../../client/types.js';
import type { Informer } from '../../client/informer-types.js';
import type { ControllerContext, EventSink } from '../context.js';
import { CONTROLLER_UID_INDEX, WorkloadController, indexByController, keyOf, sameStatus, splitKey, type WorkloadControllerOptions } from '../statefulset/workload-controller.js';
import { reconcileCronJob, type CronJobAction } from './reconcile.js';

export class CronJobController extends WorkloadController {
  readonly name = 'cronjob-controller';
  private cronJobs!: Informer<CronJob>;
  private jobs!: Informer<Job>;

  protected register(ctx: ControllerContext): Informer<KubeObject> {
    this.cronJobs = ctx.informers.for<CronJob>(R.cronjobs);
    this.jobs = ctx.informers.for<Job>(R.jobs);
    indexByController(this.jobs);
    this.cronJobs.addHandlers({ add: (o) => this.enqueue(keyOf(o)), update: (_, o) => this.enqueue(keyOf(o)), delete: (o) => this.enqueue(keyOf(o)) });
    const dep = (o: KubeObject) => this.enqueueOwner(o, 'CronJob');
    this.jobs.addHandlers({ add: dep, update: (_, o) => dep(o), delete: dep });
    return this.cronJobs as unknown as Informer<KubeObject>;
  }

  protected async sync(key: string): Promise<number | undefined> {
    const { namespace, name } = splitKey(key);
    const cj = this.cronJobs.get(namespace, name);
    if (!cj) return undefined;
    const jobs = this.jobs.byIndex(CONTROLLER_UID_INDEX, cj.metadata.uid ?? '');
    const result = reconcileCronJob({ cronJob: cj, jobs }, this.ctx.now());
    const rec = this.ctx.recorder('cronjob-controller');
    const status = { ...result.status, active: [...(result.status.active ?? [])] };
    for (const a of result.actions) {
      const created = await this.apply(cj, a, rec);
      if (created && !status.active.some((r) => r.uid === created.metadata.uid)) {
        status.active.push({ kind: 'Job', namespace, name: created.metadata.name, uid: created.metadata.uid, apiVersion: 'batch/v1', resourceVersion: created.metadata.resourceVersion });
      }
    }
    if (!sameStatus(status, cj.status)) {
      const st = status.active.length ? status : { ...status, active: undefined };
      await this.ctx.client.update(R.cronjobs, namespace, { ...cj, status: st }, { subresource: 'status' }).catch((e: unknown) => {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      });
    }
    return result.requeueAfterMs;
  }

  /** Performs one action; resolves with the Job when one was created. */
  private async apply(cj: CronJob, a: CronJobAction, rec: EventSink): Promise<Job | undefined> {
    const c = this.ctx.client;
    const ns = cj.metadata.namespace ?? '';
    switch (a.type) {
      case 'createJob':
        try {
          return await c.create<Job>(R.jobs, ns, a.job);
        } catch (e) {
          if (isApiError(e) && e.reason === 'AlreadyExists') return undefined;
          rec.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
      case 'deleteJob':
        try {
          await c.delete(R.jobs, ns, a.name, { propagationPolicy: 'Background', preconditions: { uid: a.uid } });
        } catch (e) {
          if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return undefined;
          rec.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        return undefined;
      case 'event':
        rec.event(cj, a.eventType, a.reason, a.message);
        return undefined;
    }
  }
}

/** The CronJob controller (one instance per controller manager). */
export function createCronJobController(options: WorkloadControllerOptions = {}): CronJobController {
  return new CronJobController(options);
}
