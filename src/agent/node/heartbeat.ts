/**
 * The agent's Node through the API, as the kubelet keeps it: registration (create, or re-assert the
 * kubelet's labels on an existing Node; registration taints only on create), the Lease renewed every
 * `leaseIntervalMs` (10 s), and the status posted every `statusIntervalMs` (10 s) when it changed
 * and at least every `reportIntervalMs` (5 min) otherwise, the Lease being the liveness signal.
 *
 * Contract: start() resolves once the Node exists (registration retried with backoff until then or
 * until stop()); heartbeats never throw (failures are logged and retried on the next tick);
 * stop() ends the timers and awaits the write in flight. The Node is never deleted here: a stopped
 * agent's node goes NotReady like a machine that died.
 */
import type { KubeObject } from '../../api/types.js';
import { R, type Client } from '../../client/types.js';
import type { Logger } from '../../lib/log.js';
import { isApiError } from '../../lib/errors.js';
import { buildLease, LEASE_NAMESPACE, microTime, type NodeCondition } from './node-objects.js';
import { buildAgentNode, nodeStatus, registrationLabelPatch, statusChanged, type AgentNodeOptions, type HostFacts, type NodeHealth } from './node-status.js';

export interface NodeHeartbeatOptions {
  client: Client;
  logger: Logger;
  node: AgentNodeOptions;
  facts: () => HostFacts;
  health: () => Promise<NodeHealth>;
  now?: () => Date;
  leaseIntervalMs?: number;
  statusIntervalMs?: number;
  reportIntervalMs?: number;
}

export class NodeHeartbeat {
  private readonly now: () => Date;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private inflight = new Set<Promise<unknown>>();
  private uid: string | undefined;
  private lastStatus: Record<string, unknown> | undefined;
  private lastPostedAt = 0;
  private conditions: NodeCondition[] | undefined;

  constructor(private readonly opts: NodeHeartbeatOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** The registered Node (after start()). */
  nodeUid(): string | undefined {
    return this.uid;
  }

  async start(): Promise<KubeObject> {
    let delay = 500;
    for (;;) {
      try {
        const node = await this.register();
        this.uid = node.metadata.uid;
        break;
      } catch (e) {
        if (this.stopped) throw e;
        this.opts.logger.warn('node registration failed; retrying', { node: this.opts.node.name, err: e instanceof Error ? e.message : String(e), retryMs: delay });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 7000);
      }
    }
    await this.track(this.renewLease());
    this.timers.push(setInterval(() => void this.track(this.renewLease()), this.opts.leaseIntervalMs ?? 10_000));
    this.timers.push(setInterval(() => void this.track(this.postStatus(false)), this.opts.statusIntervalMs ?? 10_000));
    for (const t of this.timers) t.unref();
    return this.opts.client.get(R.nodes, '', this.opts.node.name);
  }

  /** Posts the status now (e.g. once the runtime or the network became ready). */
  async postNow(): Promise<void> {
    await this.track(this.postStatus(true));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.inflight]);
  }

  private track<T>(p: Promise<T>): Promise<T | undefined> {
    const guarded = p.catch((e: unknown) => {
      this.opts.logger.warn('node heartbeat failed', { node: this.opts.node.name, err: e instanceof Error ? e.message : String(e) });
      return undefined;
    });
    this.inflight.add(guarded);
    void guarded.finally(() => this.inflight.delete(guarded));
    return guarded;
  }

  private async register(): Promise<KubeObject> {
    const { client, node } = this.opts;
    const facts = this.opts.facts();
    const health = await this.opts.health();
    const existing = await client.get(R.nodes, '', node.name).catch((e: unknown) => {
      if (isApiError(e) && e.reason === 'NotFound') return undefined;
      throw e;
    });
    if (!existing) {
      const created = await client.create(R.nodes, '', buildAgentNode(facts, node, health, this.now()));
      this.opts.logger.info('node registered', { node: node.name });
      this.remember(created);
      return created;
    }
    const labels = registrationLabelPatch(existing, facts, node);
    const current = labels ? await client.patch(R.nodes, '', node.name, 'merge', { metadata: { labels } }) : existing;
    this.conditions = (existing.status as { conditions?: NodeCondition[] } | undefined)?.conditions;
    await this.postStatus(true);
    this.opts.logger.info('node already registered; status updated', { node: node.name });
    return current;
  }

  private remember(node: KubeObject): void {
    const status = node.status as Record<string, unknown> | undefined;
    this.lastStatus = status;
    this.conditions = (status as { conditions?: NodeCondition[] } | undefined)?.conditions;
    this.lastPostedAt = this.now().getTime();
  }

  private async renewLease(): Promise<void> {
    if (this.stopped) return;
    const { client, node } = this.opts;
    const now = this.now();
    try {
      await client.patch(R.leases, LEASE_NAMESPACE, node.name, 'merge', { spec: { holderIdentity: node.name, renewTime: microTime(now) } });
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      await client.create(R.leases, LEASE_NAMESPACE, buildLease(node.name, this.uid, now));
    }
  }

  private async postStatus(force: boolean): Promise<void> {
    if (this.stopped) return;
    const now = this.now();
    const next = nodeStatus(this.opts.facts(), this.opts.node, await this.opts.health(), this.conditions, now);
    const due = now.getTime() - this.lastPostedAt >= (this.opts.reportIntervalMs ?? 5 * 60_000);
    if (!force && !due && !statusChanged(this.lastStatus, next)) return;
    const updated = await this.opts.client.patch(R.nodes, '', this.opts.node.name, 'merge', { status: next }, { subresource: 'status' });
    this.remember(updated);
  }
}
