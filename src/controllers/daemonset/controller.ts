/**
 * The DaemonSet controller's I/O half: watches DaemonSets, Nodes, their pods and ControllerRevisions
 * through shared informers; a node change enqueues every DaemonSet (eligibility may have changed).
 * Runs reconcileDaemonSet per `namespace/name` and performs its actions in order through the
 * client, stopping at the first failure (requeue with backoff). Events follow upstream's reasons.
 */
import type { ControllerRevision, DaemonSet } from '../../api/apps/v1/index.js';
import type { V1Node, V1Pod } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import { isApiError } from '../../lib/errors.js';
import { R } from '../../client/types.js';
import type { Informer } from '../../client/informer-types.js';
import type { ControllerContext, EventSink } from '../context.js';
import { CONTROLLER_UID_INDEX, ORPHANS_INDEX, WorkloadController, indexByController, keyOf, sameStatus, splitKey, type WorkloadControllerOptions } from '../statefulset/workload-controller.js';
import { reconcileDaemonSet, type DaemonSetAction } from './reconcile.js';

export class DaemonSetController extends WorkloadController {
  readonly name = 'daemonset-controller';
  private sets!: Informer<DaemonSet>;
  private nodes!: Informer<V1Node>;
  private pods!: Informer<V1Pod>;
  private revisions!: Informer<ControllerRevision>;
  /** `namespace/name/node` → failed-pod backoff (1 s doubling to 15 min), as upstream's failedPodsBackoff. */
  private readonly failedBackoff = new Map<string, { delayMs: number; until: number }>();

  protected register(ctx: ControllerContext): Informer<KubeObject> {
    this.sets = ctx.informers.for<DaemonSet>(R.daemonsets);
    this.nodes = ctx.informers.for<V1Node>(R.nodes);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    this.revisions = ctx.informers.for<ControllerRevision>(R.controllerrevisions);
    indexByController(this.pods);
    indexByController(this.revisions);
    const own = { add: (o: KubeObject) => this.enqueue(keyOf(o)), update: (_: KubeObject, o: KubeObject) => this.enqueue(keyOf(o)), delete: (o: KubeObject) => this.enqueue(keyOf(o)) };
    this.sets.addHandlers(own);
    const dep = { add: (o: KubeObject) => this.enqueueOwner(o, 'DaemonSet'), update: (_: KubeObject, o: KubeObject) => this.enqueueOwner(o, 'DaemonSet'), delete: (o: KubeObject) => this.enqueueOwner(o, 'DaemonSet') };
    this.pods.addHandlers(dep);
    this.revisions.addHandlers(dep);
    const all = () => { for (const ds of this.sets.list()) this.enqueue(keyOf(ds)); };
    this.nodes.addHandlers({
      add: all,
      // Heartbeats change only status timestamps: react to labels, taints and conditions.
      update: (a, b) => { if (JSON.stringify([a.metadata.labels, a.spec, a.status?.conditions?.map((c) => [c.type, c.status])]) !== JSON.stringify([b.metadata.labels, b.spec, b.status?.conditions?.map((c) => [c.type, c.status])])) all(); },
      delete: all,
    });
    return this.sets as unknown as Informer<KubeObject>;
  }

  protected async sync(key: string): Promise<number | undefined> {
    const { namespace, name } = splitKey(key);
    const ds = this.sets.get(namespace, name);
    if (!ds) return undefined;
    const uid = ds.metadata.uid ?? '';
    const nowMs = this.ctx.now().getTime();
    for (const [k, v] of this.failedBackoff) if (nowMs - v.until > 900_000) this.failedBackoff.delete(k); // forgotten after 15 quiet minutes
    const adopted = (await this.adoptOrphans(R.pods, ds, ds.spec?.selector, this.pods.byIndex(ORPHANS_INDEX, namespace))) +
      (await this.adoptOrphans(R.controllerrevisions, ds, ds.spec?.selector, this.revisions.byIndex(ORPHANS_INDEX, namespace)));
    if (adopted) return 200;
    const pods = this.pods.byIndex(CONTROLLER_UID_INDEX, uid);
    if (!this.satisfied(key, (n) => !!this.pods.get(namespace, n), (u) => !pods.some((p) => p.metadata.uid === u && !p.metadata.deletionTimestamp))) return 1000;
    const result = reconcileDaemonSet({
      ds,
      nodes: this.nodes.list(),
      pods,
      revisions: this.revisions.byIndex(CONTROLLER_UID_INDEX, uid),
      failedBackoffUntil: new Map([...this.failedBackoff].filter(([k]) => k.startsWith(key + '/')).map(([k, v]) => [k.slice(key.length + 1), v.until])),
    }, this.ctx.now());
    const rec = this.ctx.recorder('daemonset-controller');
    for (const a of result.actions) await this.apply(key, ds, a, rec);
    if (!sameStatus(result.status, ds.status)) {
      await this.ctx.client.update(R.daemonsets, namespace, { ...ds, status: result.status }, { subresource: 'status' }).catch(ignore('NotFound'));
    }
    return result.requeueAfterMs;
  }

  private async apply(key: string, ds: DaemonSet, a: DaemonSetAction, rec: EventSink): Promise<void> {
    const c = this.ctx.client;
    const ns = ds.metadata.namespace ?? '';
    switch (a.type) {
      case 'createRevision':
        await c.create(R.controllerrevisions, ns, a.revision).catch(ignore('AlreadyExists'));
        return;
      case 'updateRevisionNumber':
        await c.patch(R.controllerrevisions, ns, a.name, 'merge', { revision: a.revision }).catch(ignore('NotFound'));
        return;
      case 'deleteRevision':
        await c.delete(R.controllerrevisions, ns, a.name).catch(ignore('NotFound'));
        return;
      case 'createPod':
        try {
          const created = await c.create(R.pods, ns, a.pod);
          this.expect(key, 'created', created.metadata.name ?? '');
          rec.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (e) {
          rec.event(ds, 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        return;
      case 'deletePod':
        if (a.failed) {
          const k = `${key}/${a.node}`;
          const prev = this.failedBackoff.get(k);
          const delayMs = prev ? Math.min(prev.delayMs * 2, 900_000) : 1000;
          this.failedBackoff.set(k, { delayMs, until: this.ctx.now().getTime() + delayMs });
          rec.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${ns}/${a.name} on node ${a.node}, will try to kill it`);
        }
        try {
          this.expect(key, 'deleted', a.uid);
          await c.delete(R.pods, ns, a.name, { preconditions: { uid: a.uid } });
          rec.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${a.name}`);
        } catch (e) {
          if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
          rec.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
        return;
    }
  }
}

function ignore(reason: string): (e: unknown) => undefined {
  return (e) => {
    if (isApiError(e) && e.reason === reason) return undefined;
    throw e;
  };
}

/** The DaemonSet controller (one instance per controller manager). */
export function createDaemonSetController(options: WorkloadControllerOptions = {}): DaemonSetController {
  return new DaemonSetController(options);
}
