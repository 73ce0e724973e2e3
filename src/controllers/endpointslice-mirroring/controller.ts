/**
 * The EndpointSlice mirroring controller's wiring (upstream pkg/controller/endpointslicemirroring):
 * for Services without a selector, whose Endpoints the user writes, it keeps EndpointSlices that
 * mirror them, so slice consumers (the service proxy, DNS) see those endpoints too.
 *
 * Level-triggered: Endpoints, Service and mirrored-slice events enqueue `namespace/name`; sync(key)
 * re-reads the caches and applies reconcileMirroring(). Skipped or invalid addresses are reported as
 * Warning events on the Endpoints object, as upstream does.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { createWorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import type { V1Service } from '../../api/core/v1/index.js';
import type { EndpointSlice } from '../../api/discovery/v1/index.js';
import type { V1Endpoints } from '../endpoints/reconcile.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MIRRORING_CONTROLLER_NAME } from '../endpointslice/util.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SUBSET, reconcileMirroring } from './reconcile.js';

export type WorkQueueFactory = (name: string) => WorkQueue;

export interface EndpointSliceMirroringControllerOptions {
  newQueue?: WorkQueueFactory;
  /** Upstream --mirroring-concurrent-service-endpoint-syncs (default 5). */
  workers?: number;
  /** Upstream --mirroring-max-endpoints-per-subset (default 1000). */
  maxEndpointsPerSubset?: number;
}

export const ENDPOINTSLICE_MIRRORING_CONTROLLER = 'endpointslice-mirroring-controller';
const BY_NAME = 'endpointslice-mirroring-controller:name';

export function newEndpointSliceMirroringController(opts: EndpointSliceMirroringControllerOptions = {}): EndpointSliceMirroringController {
  return new EndpointSliceMirroringController(opts);
}

function keyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

export class EndpointSliceMirroringController implements Controller {
  readonly name = ENDPOINTSLICE_MIRRORING_CONTROLLER;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private services!: Informer<V1Service>;
  private endpoints!: Informer<V1Endpoints>;
  private slices!: Informer<EndpointSlice>;
  private recorder!: EventSink;
  private logger!: Logger;

  constructor(private readonly opts: EndpointSliceMirroringControllerOptions = {}) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(ENDPOINTSLICE_MIRRORING_CONTROLLER);
    this.logger = ctx.logger.child(ENDPOINTSLICE_MIRRORING_CONTROLLER);
    this.services = ctx.informers.for<V1Service>(R.services);
    this.endpoints = ctx.informers.for<V1Endpoints>(R.endpoints);
    this.slices = ctx.informers.for<EndpointSlice>(R.endpointslices);
    try {
      this.slices.addIndex(BY_NAME, (s) => {
        const n = s.metadata.labels?.[LABEL_SERVICE_NAME];
        return n && s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME ? [`${s.metadata.namespace}/${n}`] : [];
      });
    } catch {
      // Added by an earlier instance sharing the informers.
    }
    const queue = (this.queue = (this.opts.newQueue ?? ((name) => createWorkQueue({ name, logger: this.logger })))(ENDPOINTSLICE_MIRRORING_CONTROLLER));
    const changed = (o: { metadata: { resourceVersion?: string } }, n: { metadata: { resourceVersion?: string } }) => o.metadata.resourceVersion !== n.metadata.resourceVersion;
    this.endpoints.addHandlers({ add: (e) => queue.add(keyOf(e)), update: (o, e) => changed(o, e) && queue.add(keyOf(e)), delete: (e) => queue.add(keyOf(e)) });
    this.services.addHandlers({ add: (s) => queue.add(keyOf(s)), update: (o, s) => changed(o, s) && queue.add(keyOf(s)), delete: (s) => queue.add(keyOf(s)) });
    const sliceEvent = (s: EndpointSlice) => {
      const n = s.metadata.labels?.[LABEL_SERVICE_NAME];
      if (n && s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME) queue.add(`${s.metadata.namespace}/${n}`);
    };
    this.slices.addHandlers({ add: sliceEvent, update: (o, s) => changed(o, s) && sliceEvent(s), delete: sliceEvent });
    await Promise.all([this.services.start(), this.endpoints.start(), this.slices.start()]);
    queue.run(this.opts.workers ?? 5, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  /** One level-triggered pass for `namespace/name`. Throws to retry. Exposed for tests. */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const endpoints = this.endpoints.get(ns, name);
    const service = this.services.get(ns, name);
    const plan = reconcileMirroring({
      ...(endpoints ? { endpoints } : {}),
      ...(service ? { service } : {}),
      existingSlices: this.slices.byIndex(BY_NAME, key),
      maxEndpointsPerSubset: this.opts.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET,
    });
    let failure: unknown;
    for (const s of plan.create) {
      try {
        await this.client.create(R.endpointslices, ns, s);
      } catch (e) {
        if (isApiError(e) && e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) continue;
        failure ??= e;
      }
    }
    for (const s of plan.update) {
      try {
        await this.client.update(R.endpointslices, ns, s);
      } catch (e) {
        failure ??= e;
      }
    }
    for (const d of plan.delete) {
      try {
        await this.client.delete(R.endpointslices, ns, d.name, d.uid ? { preconditions: { uid: d.uid } } : {});
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) failure ??= e;
      }
    }
    if (endpoints && plan.skippedAddresses > 0)
      this.recorder.event(endpoints, 'Warning', 'AddressesSkipped', `${plan.skippedAddresses} addresses in ${key} Endpoints were skipped due to exceeding MaxEndpointsPerSubset`);
    if (endpoints && plan.invalidAddresses > 0)
      this.recorder.event(endpoints, 'Warning', 'InvalidIPAddress', `${plan.invalidAddresses} addresses in ${key} Endpoints were skipped due to invalid IP addresses`);
    if (failure) throw failure;
  }
}
