/**
 * The ResourceQuota controller's wiring (upstream pkg/controller/resourcequota): shared informers
 * for ResourceQuotas and the kinds quotas usually count (pods, services, secrets, configmaps,
 * persistentvolumeclaims); a work queue of quota keys; the applier writes reconcileQuota()'s
 * status.hard/status.used through the status subresource.
 *
 * Level-triggered: a quota change enqueues it; a change of a counted object enqueues every quota
 * of its namespace (upstream's replenishment); a periodic full resync (default 5 min, as upstream)
 * covers `count/<resource>.<group>` kinds that have no informer (listed through the client at sync
 * time). A write with a stale resourceVersion (the ResourceQuota admission plugin charged the quota
 * meanwhile) is a Conflict: sync throws and the queue retries from the fresh cache.
 */
import { R, type Client, type GVR } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import type { KubeObject } from '../../api/types.js';
import type { Controller, ControllerContext } from '../context.js';
import type { Logger } from '../../lib/log.js';
import { reconcileQuota, trackedGroupResources, type QuotaView } from './reconcile.js';
import type { GroupResourceRef } from './usage.js';

export const RESOURCE_QUOTA_COMPONENT = 'resourcequota-controller';

export interface ResourceQuotaControllerOptions {
  /** Work queue constructor (src/client's createWorkQueue in production). */
  newQueue: (name: string) => WorkQueue;
  /** Concurrent syncs (upstream --concurrent-resource-quota-syncs, default 5). */
  workers?: number;
  /** Full resync period (default 5 minutes; 0 disables). */
  resyncMs?: number;
}

/** Kinds watched through informers (their changes trigger replenishment at once). */
const WATCHED: GVR[] = [R.pods, R.services, R.secrets, R.configmaps, R.persistentvolumeclaims, R.resourcequotas];

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const grKey = (g: { group: string; resource: string }): string => `${g.resource}.${g.group}`;

export class ResourceQuotaController implements Controller {
  readonly name = RESOURCE_QUOTA_COMPONENT;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private quotas!: Informer<QuotaView>;
  private readonly informers = new Map<string, Informer>();
  private logger!: Logger;
  private now: () => Date = () => new Date();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: ResourceQuotaControllerOptions) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.logger = ctx.logger.child(RESOURCE_QUOTA_COMPONENT);
    this.now = ctx.now;
    const queue = (this.queue = this.opts.newQueue(RESOURCE_QUOTA_COMPONENT));
    this.quotas = ctx.informers.for<QuotaView>(R.resourcequotas);
    this.quotas.addHandlers({
      add: (q) => queue.add(keyOf(q)),
      // Our own status writes come back too; their sync finds nothing to change.
      update: (o, q) => o.metadata.resourceVersion !== q.metadata.resourceVersion && queue.add(keyOf(q)),
    });
    for (const gvr of WATCHED) {
      const inf = ctx.informers.for(gvr);
      this.informers.set(grKey({ group: gvr.group, resource: gvr.resource }), inf);
      if (gvr === R.resourcequotas) continue;
      const changed = (o: KubeObject) => this.namespaceChanged(o.metadata.namespace ?? '');
      inf.addHandlers({ add: changed, update: (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion && changed(n), delete: changed });
    }
    await Promise.all([this.quotas.start(), ...[...this.informers.values()].map((i) => i.start())]);
    queue.run(this.opts.workers ?? 5, (key) => this.sync(key));
    const resync = this.opts.resyncMs ?? 5 * 60_000;
    if (resync > 0) {
      this.timer = setInterval(() => {
        for (const q of this.quotas.list()) queue.add(keyOf(q));
      }, resync);
      this.timer.unref?.();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.queue?.shutdown();
  }

  private namespaceChanged(ns: string): void {
    for (const q of this.quotas.list(ns)) this.queue!.add(keyOf(q));
  }

  /** The GVR serving a group/resource among the well-known ones, if any. */
  private gvrFor(gr: GroupResourceRef): GVR | undefined {
    return Object.values(R).find((g) => g.group === gr.group && g.resource === gr.resource);
  }

  /** Recomputes one quota's status. Idempotent; throws to be retried (Conflict included). */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const quota = this.quotas.get(ns, name);
    if (!quota || quota.metadata.deletionTimestamp) return;
    const objects = new Map<string, readonly KubeObject[] | undefined>();
    for (const gr of trackedGroupResources(Object.keys(quota.spec?.hard ?? {}))) {
      const inf = this.informers.get(grKey(gr));
      if (inf) {
        objects.set(grKey(gr), inf.list(ns));
        continue;
      }
      const gvr = this.gvrFor(gr);
      objects.set(grKey(gr), gvr ? (await this.client.list(gvr, { namespace: ns })).items : undefined);
    }
    const status = reconcileQuota(quota, (gr) => objects.get(grKey(gr)), this.now());
    if (!status) return;
    await this.client.update<QuotaView>(R.resourcequotas, ns, { ...quota, status }, { subresource: 'status' });
    this.logger.v(4).info('quota status updated', { quota: key });
  }
}

/** Creates the ResourceQuota controller. */
export function newResourceQuotaController(opts: ResourceQuotaControllerOptions): ResourceQuotaController {
  return new ResourceQuotaController(opts);
}
