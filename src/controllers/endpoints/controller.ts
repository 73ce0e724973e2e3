/**
 * The Endpoints controller's wiring (upstream pkg/controller/endpoint): shared informers for
 * Services, Pods and Endpoints, a work queue of Service keys, and the applier of
 * reconcileEndpoints().
 *
 * Level-triggered: Service events and pod events (for every Service whose selector matches the
 * pod's old or new labels) enqueue the Service key; the deletion of an Endpoints object enqueues its
 * key too, so a managed object deleted by hand comes back. sync(key) re-reads the
 * caches: without the Service the Endpoints object of that name is deleted (upstream does the same,
 * and at start also queues every Endpoints object whose Service is gone, except leader-election
 * records). A conflict retries the key with backoff.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { createWorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext } from '../context.js';
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { TriggerTimeTracker } from '../endpointslice/trigger-time.js';
import { selectorMatches } from '../endpointslice/util.js';
import { managesService, reconcileEndpoints, type V1Endpoints } from './reconcile.js';

export type WorkQueueFactory = (name: string) => WorkQueue;

export interface EndpointsControllerOptions {
  newQueue?: WorkQueueFactory;
  /** Concurrent syncs (upstream --concurrent-endpoint-syncs, default 5). */
  workers?: number;
}

export const ENDPOINTS_CONTROLLER = 'endpoints-controller';
/** Leader-election records kept in Endpoints objects are never touched. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export function newEndpointsController(opts: EndpointsControllerOptions = {}): EndpointsController {
  return new EndpointsController(opts);
}

function keyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

export class EndpointsController implements Controller {
  readonly name = ENDPOINTS_CONTROLLER;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private services!: Informer<V1Service>;
  private pods!: Informer<V1Pod>;
  private endpoints!: Informer<V1Endpoints>;
  private logger!: Logger;
  private readonly triggerTimes = new TriggerTimeTracker();

  constructor(private readonly opts: EndpointsControllerOptions = {}) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.logger = ctx.logger.child(ENDPOINTS_CONTROLLER);
    this.services = ctx.informers.for<V1Service>(R.services);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    this.endpoints = ctx.informers.for<V1Endpoints>(R.endpoints);
    const queue = (this.queue = (this.opts.newQueue ?? ((name) => createWorkQueue({ name, logger: this.logger })))(ENDPOINTS_CONTROLLER));
    this.services.addHandlers({
      add: (s) => queue.add(keyOf(s)),
      update: (o, s) => o.metadata.resourceVersion !== s.metadata.resourceVersion && queue.add(keyOf(s)),
      delete: (s) => queue.add(keyOf(s)),
    });
    this.pods.addHandlers({
      add: (p) => this.podChanged(undefined, p),
      update: (o, p) => o.metadata.resourceVersion !== p.metadata.resourceVersion && this.podChanged(o, p),
      delete: (p) => this.podChanged(undefined, p),
    });
    // Only deletions, as upstream: an object over capacity is rewritten on every sync, so reacting
    // to our own updates would loop.
    this.endpoints.addHandlers({ delete: (e) => queue.add(keyOf(e)) });
    await Promise.all([this.services.start(), this.pods.start(), this.endpoints.start()]);
    // checkLeftoverEndpoints: Endpoints whose Service is gone.
    for (const e of this.endpoints.list()) {
      if (e.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      if (!this.services.get(e.metadata.namespace ?? '', e.metadata.name ?? '')) queue.add(keyOf(e));
    }
    queue.run(this.opts.workers ?? 5, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  private podChanged(old: V1Pod | undefined, pod: V1Pod): void {
    for (const s of this.services.list(pod.metadata.namespace ?? '')) {
      const sel = s.spec?.selector;
      if (!sel || !managesService(s)) continue;
      if (selectorMatches(sel, pod.metadata.labels) || (old && selectorMatches(sel, old.metadata.labels))) this.queue!.add(keyOf(s));
    }
  }

  /** One level-triggered pass for a Service key. Throws to retry with backoff. Exposed for tests. */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const svc = this.services.get(ns, name);
    if (!svc) {
      this.triggerTimes.delete(key);
      const cur = this.endpoints.get(ns, name);
      if (!cur || cur.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) return;
      try {
        await this.client.delete(R.endpoints, ns, name, cur.metadata.uid ? { preconditions: { uid: cur.metadata.uid } } : {});
      } catch (e) {
        if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
      }
      return;
    }
    if (!managesService(svc)) return;
    const sel = svc.spec!.selector!;
    const pods = this.pods.list(ns).filter((p) => selectorMatches(sel, p.metadata.labels));
    const triggerTime = this.triggerTimes.compute(key, svc, pods);
    const current = this.endpoints.get(ns, name);
    const action = reconcileEndpoints({ service: svc, pods, ...(current ? { current } : {}), ...(triggerTime ? { triggerTime } : {}) });
    if (action.type === 'none') return;
    try {
      if (action.type === 'create') await this.client.create(R.endpoints, ns, action.endpoints);
      else await this.client.update(R.endpoints, ns, action.endpoints);
    } catch (e) {
      // The namespace is going away: nothing to retry.
      if (action.type === 'create' && isApiError(e) && e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
      throw e;
    }
  }
}
