/**
 * The node IPAM controller's wiring (upstream nodeipam, range allocator): a node informer, a work
 * queue keyed by node name, and the allocator of reconcile.ts rebuilt from every cached node's
 * spec.podCIDRs before the first node is decided.
 *
 * Level-triggered: handlers only enqueue names; sync(name) re-reads the node from the cache. A
 * subnet handed out is remembered per node uid until the cache shows it (so a node re-queued before
 * its own write is observed never gets a second subnet); a failed write releases it and the key is
 * retried with backoff. Deleting a node releases its subnets and re-queues nodes still waiting for
 * one. Exhaustion: event CIDRNotAvailable ("Node X status is now: CIDRNotAvailable") and a retry
 * after `retryUnavailableMs`.
 */
import type { V1Node } from '../../api/core/v1/node.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { R, type Client } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import { PodCidrAllocator, nodeCidrs, reconcileNode } from './reconcile.js';

export type WorkQueueFactory = (name: string) => WorkQueue;

export interface NodeIpamControllerOptions {
  /** Work queue constructor (src/client's rate-limited queue in production). */
  newQueue: WorkQueueFactory;
  /** Concurrent syncs (default 4). */
  workers?: number;
  /** Retry delay for nodes that got no subnet (default 30 s). */
  retryUnavailableMs?: number;
}

const COMPONENT = 'node-ipam-controller';

export function newNodeIpamController(opts: NodeIpamControllerOptions): NodeIpamController {
  return new NodeIpamController(opts);
}

export class NodeIpamController implements Controller {
  readonly name = COMPONENT;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private informer!: Informer<V1Node>;
  private recorder!: EventSink;
  private logger!: Logger;
  private alloc!: PodCidrAllocator;
  /** Subnets written (or being written) but not yet seen in the cache, by node name. */
  private readonly inFlight = new Map<string, { uid: string; cidrs: string[] }>();
  /** Nodes that found no free subnet. */
  private readonly waiting = new Set<string>();

  constructor(private readonly opts: NodeIpamControllerOptions) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(COMPONENT);
    this.logger = ctx.logger.child(COMPONENT);
    this.alloc = new PodCidrAllocator(ctx.networks.clusterCIDRs, ctx.networks.nodeCIDRMaskSize);
    this.informer = ctx.informers.for<V1Node>(R.nodes);
    const queue = (this.queue = this.opts.newQueue(COMPONENT));
    let synced = false;
    this.informer.addHandlers({
      add: (n) => synced && queue.add(n.metadata.name ?? ''),
      update: (_o, n) => synced && queue.add(n.metadata.name ?? ''),
      delete: (n) => this.nodeDeleted(n),
    });
    await this.informer.start();
    // Rebuild the bitmap from every node before deciding any.
    for (const n of this.informer.list()) {
      const foreign = this.alloc.occupy(nodeCidrs({ name: n.metadata.name ?? '', ...n.spec }));
      if (foreign.length) this.logger.warn('node pod CIDR outside the cluster CIDRs', { node: n.metadata.name, podCIDRs: foreign.join(',') });
    }
    synced = true;
    for (const n of this.informer.list()) queue.add(n.metadata.name ?? '');
    queue.run(this.opts.workers ?? 4, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  private nodeDeleted(n: V1Node): void {
    const name = n.metadata.name ?? '';
    this.alloc.release(nodeCidrs({ name, ...n.spec }));
    const f = this.inFlight.get(name);
    if (f && f.uid === n.metadata.uid) {
      this.alloc.release(f.cidrs);
      this.inFlight.delete(name);
    }
    this.waiting.delete(name);
    for (const w of this.waiting) this.queue?.add(w);
  }

  /** Decides one node by name (see module comment). Throws to be retried. */
  async sync(name: string): Promise<void> {
    const node = this.informer.get('', name);
    if (!node) return;
    const uid = node.metadata.uid ?? '';
    const f = this.inFlight.get(name);
    if (f) {
      if (f.uid === uid && !nodeCidrs({ name, ...node.spec }).length) return; // our write is not observed yet
      if (f.uid !== uid) this.alloc.release(f.cidrs); // a new node of the same name: the old one is gone
      this.inFlight.delete(name);
    }
    const action = reconcileNode({ name, ...node.spec }, this.alloc);
    if (action.type === 'none') {
      this.waiting.delete(name);
      return;
    }
    if (action.type === 'unavailable') {
      if (!this.waiting.has(name)) {
        this.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        this.logger.warn('no pod CIDR available for node', { node: name });
      }
      this.waiting.add(name);
      this.queue?.addAfter(name, this.opts.retryUnavailableMs ?? 30_000);
      return;
    }
    this.waiting.delete(name);
    this.inFlight.set(name, { uid, cidrs: action.podCIDRs });
    try {
      await this.client.patch(R.nodes, '', name, 'merge', { metadata: { uid }, spec: { podCIDR: action.podCIDRs[0], podCIDRs: action.podCIDRs } });
      this.logger.v(2).info('assigned pod CIDR', { node: name, podCIDRs: action.podCIDRs.join(',') });
    } catch (e) {
      this.inFlight.delete(name);
      this.alloc.release(action.podCIDRs);
      if (isApiError(e) && e.reason === 'NotFound') return;
      throw e;
    }
  }
}
