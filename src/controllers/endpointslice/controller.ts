/**
 * The EndpointSlice controller's wiring (upstream pkg/controller/endpointslice): shared informers
 * for Services, Pods, EndpointSlices and Nodes, a work queue of Service keys `namespace/name`, and
 * the applier that performs reconcileEndpointSlices()'s plan through the client (its own identity).
 *
 * Level-triggered: handlers only enqueue Service keys (a pod change enqueues every Service whose
 * selector matches its old or new labels; a slice change enqueues its Service; a Node change of
 * zone, readiness or CPU enqueues every Service). sync(key) re-reads everything from the caches.
 * After its own writes the controller waits until the slice cache has caught up (the written
 * resourceVersions, or the deletions, are observed) before reconciling that Service again, as
 * upstream's EndpointSliceTracker does, so a stale cache never leads to duplicate slices.
 * Slices of a deleted Service go with it through their owner reference (garbage collector).
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { createWorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import type { V1Node, V1Pod, V1Service } from '../../api/core/v1/index.js';
import type { EndpointSlice } from '../../api/discovery/v1/index.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, managesService, reconcileEndpointSlices } from './reconcile.js';
import { nodeInfo, type NodeInfo } from './topology.js';
import { TriggerTimeTracker } from './trigger-time.js';
import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, selectorMatches } from './util.js';

export type WorkQueueFactory = (name: string) => WorkQueue;

export interface EndpointSliceControllerOptions {
  newQueue?: WorkQueueFactory;
  /** Concurrent syncs (upstream --concurrent-service-endpoint-syncs, default 5). */
  workers?: number;
  /** Upstream --max-endpoints-per-slice (default 100, at most 1000). */
  maxEndpointsPerSlice?: number;
  /** How long to wait for the cache to show our own writes before trusting it anyway (ms). */
  staleCacheTimeoutMs?: number;
}

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller';
/** Index of slices by `namespace/service-name` (managed by this controller only). */
const BY_SERVICE = 'endpointslice-controller:service';

/** Creates the EndpointSlice controller. */
export function newEndpointSliceController(opts: EndpointSliceControllerOptions = {}): EndpointSliceController {
  return new EndpointSliceController(opts);
}

interface Expected {
  /** Our last written resourceVersion, or 'deleted'. */
  rv: string;
  service: string;
  at: number;
}

function keyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** True when `seen` is at least `expected` (numeric resourceVersions; otherwise only equality). */
function rvReached(seen: string | undefined, expected: string): boolean {
  if (!seen) return false;
  if (/^\d+$/.test(seen) && /^\d+$/.test(expected)) return BigInt(seen) >= BigInt(expected);
  return seen === expected;
}

export class EndpointSliceController implements Controller {
  readonly name = ENDPOINTSLICE_CONTROLLER;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private services!: Informer<V1Service>;
  private pods!: Informer<V1Pod>;
  private slices!: Informer<EndpointSlice>;
  private nodes!: Informer<V1Node>;
  private recorder!: EventSink;
  private logger!: Logger;
  private readonly triggerTimes = new TriggerTimeTracker();
  /** Slice key → what we wrote last and have not yet seen in the cache. */
  private readonly expected = new Map<string, Expected>();

  constructor(private readonly opts: EndpointSliceControllerOptions = {}) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(ENDPOINTSLICE_CONTROLLER);
    this.logger = ctx.logger.child(ENDPOINTSLICE_CONTROLLER);
    this.services = ctx.informers.for<V1Service>(R.services);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    this.slices = ctx.informers.for<EndpointSlice>(R.endpointslices);
    this.nodes = ctx.informers.for<V1Node>(R.nodes);
    try {
      this.slices.addIndex(BY_SERVICE, (s) => {
        const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
        return svc && s.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER_NAME ? [`${s.metadata.namespace}/${svc}`] : [];
      });
    } catch {
      // Already added by an earlier instance sharing these informers.
    }
    const queue = (this.queue = (this.opts.newQueue ?? ((name) => createWorkQueue({ name, logger: this.logger })))(ENDPOINTSLICE_CONTROLLER));

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
    this.slices.addHandlers({
      add: (s) => this.sliceChanged(s, false),
      update: (_o, s) => this.sliceChanged(s, false),
      delete: (s) => this.sliceChanged(s, true),
    });
    this.nodes.addHandlers({
      add: () => this.enqueueAll(),
      update: (o, n) => {
        const a = nodeInfo(o);
        const b = nodeInfo(n);
        if (a.zone !== b.zone || a.ready !== b.ready || a.cpuMillis !== b.cpuMillis) this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
    await Promise.all([this.services.start(), this.pods.start(), this.slices.start(), this.nodes.start()]);
    queue.run(this.opts.workers ?? 5, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  private enqueueAll(): void {
    for (const s of this.services.list()) if (managesService(s)) this.queue!.add(keyOf(s));
  }

  /** GetPodServiceMemberships for the old and new labels. */
  private podChanged(old: V1Pod | undefined, pod: V1Pod): void {
    const ns = pod.metadata.namespace ?? '';
    for (const s of this.services.list(ns)) {
      const sel = s.spec?.selector;
      if (!sel || !managesService(s)) continue;
      if (selectorMatches(sel, pod.metadata.labels) || (old && selectorMatches(sel, old.metadata.labels))) this.queue!.add(keyOf(s));
    }
  }

  private sliceChanged(slice: EndpointSlice, deleted: boolean): void {
    const k = keyOf(slice);
    const exp = this.expected.get(k);
    if (exp && (deleted || (exp.rv !== 'deleted' && rvReached(slice.metadata.resourceVersion, exp.rv)))) this.expected.delete(k);
    const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (svc && slice.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER_NAME) this.queue!.add(`${slice.metadata.namespace}/${svc}`);
  }

  /** True while the cache has not yet shown one of our writes for this Service. */
  private staleFor(key: string): boolean {
    const limit = this.opts.staleCacheTimeoutMs ?? 10_000;
    const now = Date.now();
    for (const [k, e] of this.expected) {
      if (e.service !== key) continue;
      if (now - e.at > limit) this.expected.delete(k);
      else return true;
    }
    return false;
  }

  /** One level-triggered pass for a Service key. Throws to retry with backoff. Exposed for tests. */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const svc = this.services.get(ns, name);
    if (!svc) {
      this.triggerTimes.delete(key);
      return;
    }
    if (!managesService(svc)) return;
    // Our own writes are not in the cache yet: their events will enqueue the Service again (and a
    // delayed retry covers a cache that never shows them).
    if (this.staleFor(key)) {
      this.queue!.addAfter(key, 1000);
      return;
    }
    const sel = svc.spec!.selector!;
    const pods = this.pods.list(ns).filter((p) => selectorMatches(sel, p.metadata.labels));
    const existing = this.slices.byIndex(BY_SERVICE, key);
    const nodes = new Map<string, NodeInfo>(this.nodes.list().map((n) => [n.metadata.name ?? '', nodeInfo(n)]));
    const triggerTime = this.triggerTimes.compute(key, svc, pods);
    const plan = reconcileEndpointSlices({
      service: svc,
      pods,
      nodes,
      existingSlices: existing,
      maxEndpointsPerSlice: this.opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE,
      ...(triggerTime ? { triggerTime } : {}),
    });
    let failure: unknown;
    const note = (s: EndpointSlice, rv: string) => {
      // The watch event may have beaten the response: only expect what the cache has not shown.
      if (!rvReached(this.slices.get(ns, s.metadata.name ?? '')?.metadata.resourceVersion, rv)) this.expected.set(keyOf(s), { rv, service: key, at: Date.now() });
    };
    for (const s of plan.create) {
      try {
        const created = await this.client.create<EndpointSlice>(R.endpointslices, ns, s);
        note(created, created.metadata.resourceVersion ?? '');
      } catch (e) {
        // A namespace being deleted refuses creates: nothing to retry.
        if (isApiError(e) && e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) continue;
        failure ??= e;
      }
    }
    for (const s of plan.update) {
      try {
        const updated = await this.client.update<EndpointSlice>(R.endpointslices, ns, s);
        note(updated, updated.metadata.resourceVersion ?? '');
      } catch (e) {
        failure ??= e;
      }
    }
    for (const d of plan.delete) {
      try {
        await this.client.delete(R.endpointslices, ns, d.name, d.uid ? { preconditions: { uid: d.uid } } : {});
        if (this.slices.get(ns, d.name)) this.expected.set(`${ns}/${d.name}`, { rv: 'deleted', service: key, at: Date.now() });
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) failure ??= e;
      }
    }
    for (const ev of plan.events) this.recorder.event(svc, ev.type, ev.reason, ev.message);
    if (failure) {
      this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${failure instanceof Error ? failure.message : String(failure)}`);
      throw failure;
    }
    if (plan.skippedPods.length) throw new Error(`skipping pods of Service ${key} on unknown nodes: ${plan.skippedPods.join(', ')}`);
  }
}
