/**
 * Wiring of the ServiceLB controller (`service-lb-controller`): LoadBalancer Services get
 * status.loadBalancer.ingress from the configured pool or the nodes' InternalIPs (reconcile.ts).
 *
 * Level-triggered: Service changes enqueue that Service; node changes (without a pool) enqueue
 * every LoadBalancer Service. sync re-reads the caches; status writes carry the cached
 * resourceVersion, so a stale decision fails with a conflict and is retried. Addresses handed out
 * in this process are remembered until the cache shows them, so two Services synced back to back
 * never get the same pool address.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import { isApiError } from '../../lib/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../lib/log.js';
import { type LbNodeView, type LbPool, type LbServiceView, claimedAddresses, decideIngress, handledByUs, parseLbPool } from './reconcile.js';

export const SERVICE_LB_CONTROLLER = 'service-lb-controller';

export interface ServiceLbControllerOptions {
  newQueue: (name: string) => WorkQueue;
  /** --service-lb-pool entries (CIDRs or IPs); empty: the nodes' InternalIPs. */
  pool?: readonly string[];
  workers?: number;
}

type ServiceObject = KubeObject & LbServiceView;
type NodeObject = KubeObject & LbNodeView;

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class ServiceLbController implements Controller {
  readonly name = SERVICE_LB_CONTROLLER;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private services!: Informer<ServiceObject>;
  private nodes!: Informer<NodeObject>;
  private logger!: Logger;
  private recorder!: EventSink;
  private readonly pool: LbPool;
  /** Pool addresses this process assigned, by address → service key (until the cache shows them). */
  private readonly pending = new Map<string, string>();

  constructor(private readonly opts: ServiceLbControllerOptions) {
    this.pool = parseLbPool(opts.pool ?? []);
  }

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.logger = ctx.logger.child(SERVICE_LB_CONTROLLER);
    this.recorder = ctx.recorder(SERVICE_LB_CONTROLLER);
    const queue = (this.queue = this.opts.newQueue(SERVICE_LB_CONTROLLER));
    this.services = ctx.informers.for(R.services);
    this.nodes = ctx.informers.for(R.nodes);
    const onSvc = (s: LbServiceView) => queue.add(keyOf(s));
    this.services.addHandlers({
      add: onSvc,
      update: (_o, s) => onSvc(s),
      delete: (s) => {
        for (const [ip, k] of this.pending) if (k === keyOf(s)) this.pending.delete(ip);
        // A freed pool address may let a waiting Service through.
        if (this.pool.ranges.length) for (const other of this.services.list()) if (handledByUs(other) && !other.status?.loadBalancer?.ingress?.length) queue.add(keyOf(other));
      },
    });
    const onNode = () => {
      if (this.pool.ranges.length) return;
      for (const s of this.services.list()) if (handledByUs(s)) queue.add(keyOf(s));
    };
    this.nodes.addHandlers({ add: onNode, update: onNode, delete: onNode });
    await Promise.all([this.services.start(), this.nodes.start()]);
    queue.run(this.opts.workers ?? 1, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  /** Brings one Service's ingress in line. Idempotent; throws to be retried. */
  async sync(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const svc = this.services.get(namespace, name);
    if (!svc) return;
    const all = this.services.list();
    const claimed = claimedAddresses(all, this.pool, key);
    for (const [ip, holder] of this.pending) {
      const cached = all.find((s) => keyOf(s) === holder);
      if (!cached || !handledByUs(cached)) this.pending.delete(ip);
      else if (holder !== key && !claimed.has(ip)) claimed.set(ip, holder);
    }
    const d = decideIngress(svc, this.pool, this.nodes.list(), claimed);
    if (d.type === 'none') return;
    if (d.type === 'exhausted') {
      this.recorder.event(svc, 'Warning', 'AllocationFailed', 'no address left in the load-balancer pool');
      return;
    }
    const next: ServiceObject = { ...structuredClone(svc), status: { ...(svc.status ?? {}), loadBalancer: { ingress: d.ingress } } };
    try {
      await this.client.update(R.services, namespace, next, { subresource: 'status' });
      for (const i of d.ingress) if (this.pool.ranges.length) this.pending.set(i.ip, key);
      this.logger.v(2).info('load balancer ingress', { service: key, ingress: d.ingress.map((i) => i.ip).join(',') });
    } catch (e) {
      if (isApiError(e) && e.reason === 'NotFound') return;
      throw e;
    }
  }
}

export function newServiceLbController(opts: ServiceLbControllerOptions): ServiceLbController {
  return new ServiceLbController(opts);
}
