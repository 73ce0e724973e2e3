/**
 * The node lifecycle controller's wiring (upstream nodelifecycle + tainteviction): informers for
 * Nodes, node Leases and Pods (indexed by spec.nodeName), one work queue with two kinds of keys:
 * `node/<name>` (health: conditions, taints, pods NotReady) and `pod/<ns>/<name>` (taint eviction).
 *
 * A monitor pass every `nodeMonitorPeriodMs` (upstream 5 s) refreshes each node's health record
 * from the cache and queues the nodes whose plan is not empty. Syncs re-read the cache, recompute
 * the plan with the current time and write with resourceVersion preconditions; a conflict or any
 * failure throws and the key retries with backoff. Running a sync twice is harmless: a second run
 * finds nothing to change. Evictions scheduled in the future are `addAfter` on the pod key.
 *
 * Zone disruption (upstream handleDisruption): each monitor pass computes every zone's state from
 * its nodes' Ready statuses; adding a not-ready/unreachable NoExecute taint to a node takes a token
 * from its zone's bucket (0.1/s in a Normal or fully disrupted zone, 0.01/s in a partially
 * disrupted zone of more than 50 nodes, 0 in a smaller one); a node refused gets its other taints
 * now and is retried when the next token is due. When every zone is fully disrupted (the control
 * plane probably lost the network, not the nodes), no NoExecute taint is added and existing ones
 * are removed, so nobody is evicted. `rateLimit: false` taints at once (tests).
 */
import type { V1Node } from '../../api/core/v1/node.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { R, type Client } from '../../client/types.js';
import type { KubeObject } from '../../api/types.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import {
  DEFAULT_LIFECYCLE_CONFIG,
  DEFAULT_RATE_LIMIT,
  type RateLimitConfig,
  TokenBucket,
  type ZoneState,
  addsNoExecute,
  computeZoneState,
  withoutNewNoExecute,
  withoutNoExecute,
  zoneKey,
  zoneQPS,
  type LifecycleConfig,
  type NodeHealth,
  type NodeView,
  type Taint,
  evictionStart,
  observeHealth,
  podNotReadyConditions,
  reconcileNodeHealth,
  rfc3339,
  taintEviction,
} from './reconcile.js';

export type WorkQueueFactory = (name: string) => WorkQueue;

export interface NodeLifecycleControllerOptions extends Partial<LifecycleConfig> {
  newQueue: WorkQueueFactory;
  /** How often node health is checked (upstream --node-monitor-period, default 5 s). */
  nodeMonitorPeriodMs?: number;
  /** Concurrent syncs (default 8). */
  workers?: number;
  /** Zone-based NoExecute rate limiting (default upstream's values); false: taint at once. */
  rateLimit?: Partial<RateLimitConfig> | false;
}

/** Event source, as upstream's node lifecycle controller records them. */
const COMPONENT = 'node-controller';
const LEASE_NAMESPACE = 'kube-node-lease';
const BY_NODE = 'spec.nodeName';

interface LeaseObj extends KubeObject {
  spec?: { renewTime?: string };
}

export function newNodeLifecycleController(opts: NodeLifecycleControllerOptions): NodeLifecycleController {
  return new NodeLifecycleController(opts);
}

export function nodeView(n: V1Node): NodeView {
  const spec = n.spec ?? {};
  return {
    name: n.metadata.name ?? '',
    creationTimestamp: n.metadata.creationTimestamp,
    unschedulable: spec.unschedulable,
    taints: (spec.taints ?? []).map((t) => ({ key: t.key ?? '', effect: t.effect ?? '', ...(t.value ? { value: t.value } : {}), ...(t.timeAdded ? { timeAdded: t.timeAdded } : {}) })),
    conditions: (n.status?.conditions ?? []) as NodeView['conditions'],
  };
}

export class NodeLifecycleController implements Controller {
  /** The controller-manager name (upstream --controllers), distinct from the event source. */
  readonly name = 'node-lifecycle-controller';
  private readonly cfg: LifecycleConfig;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private nodes!: Informer<V1Node>;
  private leases!: Informer<LeaseObj>;
  private pods!: Informer<V1Pod>;
  private recorder!: EventSink;
  private logger!: Logger;
  private now: () => Date = () => new Date();
  private monitor: ReturnType<typeof setInterval> | undefined;
  private readonly health = new Map<string, NodeHealth>();
  /** When pods arrived on an already NoExecute-tainted node (eviction clock), keyed ns/name@uid. */
  private readonly arrived = new Map<string, number>();
  private synced = false;
  private readonly rate: RateLimitConfig | undefined;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly zones = new Map<string, { state: ZoneState; size: number }>();
  /** Every zone fully disrupted: add no NoExecute taints, remove existing ones. */
  private masterDisruption = false;

  constructor(private readonly opts: NodeLifecycleControllerOptions) {
    this.cfg = {
      nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs ?? DEFAULT_LIFECYCLE_CONFIG.nodeMonitorGracePeriodMs,
      nodeStartupGracePeriodMs: opts.nodeStartupGracePeriodMs ?? DEFAULT_LIFECYCLE_CONFIG.nodeStartupGracePeriodMs,
    };
    this.rate = opts.rateLimit === false ? undefined : { ...DEFAULT_RATE_LIMIT, ...opts.rateLimit };
  }

  /** Zone states of the last monitor pass (tests, metrics). */
  zoneStates(): Map<string, { state: ZoneState; size: number }> {
    return new Map(this.zones);
  }

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(COMPONENT);
    this.logger = ctx.logger.child(COMPONENT);
    this.now = ctx.now;
    this.nodes = ctx.informers.for<V1Node>(R.nodes);
    this.leases = ctx.informers.for<LeaseObj>(R.leases);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    this.pods.addIndex(BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    const queue = (this.queue = this.opts.newQueue(COMPONENT));
    this.nodes.addHandlers({
      add: (n) => this.synced && queue.add(`node/${n.metadata.name}`),
      update: (o, n) => {
        if (!this.synced) return;
        queue.add(`node/${n.metadata.name}`);
        if (JSON.stringify(o.spec?.taints ?? []) !== JSON.stringify(n.spec?.taints ?? [])) this.queuePodsOf(n.metadata.name ?? '');
      },
      delete: (n) => {
        this.health.delete(n.metadata.name ?? '');
      },
    });
    this.pods.addHandlers({
      add: (p) => this.podChanged(p, true),
      update: (o, p) => this.podChanged(p, !o.spec?.nodeName),
      delete: (p) => this.arrived.delete(this.arrivalKey(p)),
    });
    await Promise.all([this.nodes.start(), this.leases.start(), this.pods.start()]);
    this.synced = true;
    // Pods already cached have no arrival time: their clock starts at the taint's timeAdded, so a
    // restarted controller does not reset it.
    this.monitorPass();
    for (const p of this.pods.list()) this.podChanged(p, false);
    this.monitor = setInterval(() => this.monitorPass(), this.opts.nodeMonitorPeriodMs ?? 5000);
    this.monitor.unref?.();
    queue.run(this.opts.workers ?? 8, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    await this.queue?.shutdown();
  }

  private arrivalKey(p: V1Pod): string {
    return `${p.metadata.namespace}/${p.metadata.name}@${p.metadata.uid}`;
  }

  /**
   * `arrivedNow`: the pod just appeared on its node (created bound, or bound by this update). Only
   * arrivals on a NoExecute-tainted node are remembered (their eviction clock starts then, not at
   * the older timeAdded), so the map stays small.
   */
  private podChanged(p: V1Pod, arrivedNow: boolean): void {
    const nodeName = p.spec?.nodeName;
    if (!this.synced || !nodeName || p.metadata.deletionTimestamp) return;
    const node = this.nodes.get('', nodeName);
    if (!node?.spec?.taints?.some((t) => t.effect === 'NoExecute')) return;
    if (arrivedNow) this.arrived.set(this.arrivalKey(p), this.now().getTime());
    this.queue?.add(`pod/${p.metadata.namespace}/${p.metadata.name}`);
  }

  private queuePodsOf(nodeName: string): void {
    for (const p of this.pods.byIndex(BY_NODE, nodeName)) this.queue?.add(`pod/${p.metadata.namespace}/${p.metadata.name}`);
  }

  private leaseRenewTime(name: string): string | undefined {
    return this.leases.get(LEASE_NAMESPACE, name)?.spec?.renewTime;
  }

  /** Refreshes health records and zone states, and queues nodes that need a write. */
  monitorPass(): void {
    const now = this.now().getTime();
    const byZone = new Map<string, string[]>();
    const work: Array<{ name: string; view: NodeView; plan: ReturnType<typeof reconcileNodeHealth> }> = [];
    for (const n of this.nodes.list()) {
      const name = n.metadata.name ?? '';
      const view = nodeView(n);
      const h = observeHealth(this.health.get(name), view, this.leaseRenewTime(name), now);
      this.health.set(name, h);
      const plan = reconcileNodeHealth(view, h, now, this.cfg);
      const ready = (plan.conditions ?? view.conditions).find((c) => c.type === 'Ready')?.status ?? 'Unknown';
      const z = zoneKey(n.metadata.labels);
      let list = byZone.get(z);
      if (!list) byZone.set(z, (list = []));
      list.push(ready);
      work.push({ name, view, plan });
    }
    this.zones.clear();
    for (const [z, statuses] of byZone) this.zones.set(z, { state: computeZoneState(statuses, this.rate ?? DEFAULT_RATE_LIMIT), size: statuses.length });
    const wasDisrupted = this.masterDisruption;
    this.masterDisruption = this.rate !== undefined && this.zones.size > 0 && [...this.zones.values()].every((z) => z.state === 'FullDisruption');
    if (this.masterDisruption !== wasDisrupted) {
      if (this.masterDisruption) this.logger.warn('all nodes are not ready: entering master disruption mode (no evictions)');
      else this.logger.info('leaving master disruption mode');
    }
    if (this.rate) {
      for (const [z, { state, size }] of this.zones) {
        const qps = zoneQPS(state, size, this.rate);
        let b = this.buckets.get(z);
        if (!b) this.buckets.set(z, (b = new TokenBucket(qps)));
        b.setQPS(qps, now);
      }
    }
    for (const { name, view, plan } of work) {
      const lift = this.masterDisruption && withoutNoExecute(view.taints) !== undefined;
      if (plan.conditions || plan.taints || lift || (plan.markPodsNotReady && this.hasReadyPods(name))) this.queue?.add(`node/${name}`);
    }
  }

  /**
   * The taints to write after zone rate limiting (undefined: none) and, when a NoExecute tainting
   * had to wait, when to try again.
   */
  private gateTaints(node: V1Node, view: NodeView, wanted: Taint[] | undefined, now: number): { taints?: Taint[]; retryAt?: number } {
    if (!this.rate) return wanted ? { taints: wanted } : {};
    if (this.masterDisruption) {
      const base = wanted ?? view.taints;
      const out = withoutNoExecute(base) ?? base;
      return sameTaints(out, view.taints) ? {} : { taints: out };
    }
    if (!wanted || !addsNoExecute(view.taints, wanted)) return wanted ? { taints: wanted } : {};
    const z = zoneKey(node.metadata.labels);
    let b = this.buckets.get(z);
    if (!b) this.buckets.set(z, (b = new TokenBucket(this.rate.evictionQPS)));
    if (b.tryAccept(now)) return { taints: wanted };
    const partial = withoutNewNoExecute(view.taints, wanted);
    const next = b.nextAt(now);
    return { ...(partial ? { taints: partial } : {}), retryAt: Number.isFinite(next) ? next : now + (this.opts.nodeMonitorPeriodMs ?? 5000) };
  }

  private hasReadyPods(nodeName: string): boolean {
    return this.pods.byIndex(BY_NODE, nodeName).some((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  }

  /** Handles one queue key (see module comment). Throws to be retried. */
  async sync(key: string): Promise<void> {
    if (key.startsWith('node/')) return this.syncNode(key.slice(5));
    if (key.startsWith('pod/')) {
      const rest = key.slice(4);
      const i = rest.indexOf('/');
      return this.syncPod(rest.slice(0, i), rest.slice(i + 1));
    }
  }

  private async syncNode(name: string): Promise<void> {
    const node = this.nodes.get('', name);
    if (!node) return;
    const now = this.now().getTime();
    const view = nodeView(node);
    const h = observeHealth(this.health.get(name), view, this.leaseRenewTime(name), now);
    this.health.set(name, h);
    const plan = reconcileNodeHealth(view, h, now, this.cfg);
    let rv = node.metadata.resourceVersion;
    if (plan.conditions) {
      const updated = await this.client.patch(R.nodes, '', name, 'merge', { metadata: { resourceVersion: rv }, status: { conditions: plan.conditions } }, { subresource: 'status' });
      rv = updated.metadata.resourceVersion;
      this.logger.info('node health changed', { node: name, ready: plan.conditions.find((c) => c.type === 'Ready')?.status });
      if (plan.becameNotReady) this.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    const gated = this.gateTaints(node, view, plan.taints, now);
    if (gated.taints) {
      await this.client.patch(R.nodes, '', name, 'merge', { metadata: { resourceVersion: rv }, spec: { taints: gated.taints.map(taintJson) } });
      this.logger.v(1).info('node taints updated', { node: name, taints: gated.taints.map((t) => `${t.key}:${t.effect}`).join(',') });
    }
    if (gated.retryAt !== undefined) {
      this.logger.v(1).info('NoExecute taint rate-limited', { node: name, retryInMs: gated.retryAt - now });
      this.queue?.addAfter(`node/${name}`, Math.max(1, gated.retryAt - now));
    }
    if (plan.markPodsNotReady) await this.markPodsNotReady(name, now);
  }

  private async markPodsNotReady(nodeName: string, now: number): Promise<void> {
    const errors: unknown[] = [];
    for (const p of this.pods.byIndex(BY_NODE, nodeName)) {
      const conds = podNotReadyConditions(p.status?.conditions, now);
      if (!conds) continue;
      try {
        await this.client.patch(R.pods, p.metadata.namespace ?? '', p.metadata.name ?? '', 'merge', { metadata: { resourceVersion: p.metadata.resourceVersion }, status: { conditions: conds } }, { subresource: 'status' });
        this.recorder.event(p, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }

  private async syncPod(namespace: string, name: string): Promise<void> {
    const pod = this.pods.get(namespace, name);
    if (!pod || pod.metadata.deletionTimestamp || !pod.spec?.nodeName) return;
    const node = this.nodes.get('', pod.spec.nodeName);
    if (!node) return;
    const taints = nodeView(node).taints;
    const now = this.now().getTime();
    const arrived = this.arrived.get(this.arrivalKey(pod)) ?? -Infinity;
    const decision = taintEviction(pod.spec.tolerations, taints, evictionStart(taints, arrived, now), now);
    if (decision.type === 'keep') return;
    if (decision.type === 'evictAt') {
      this.queue?.addAfter(`pod/${namespace}/${name}`, decision.at - now);
      return;
    }
    await this.evict(pod, now, taints);
  }

  private async evict(pod: V1Pod, now: number, taints: Taint[]): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
    this.logger.info('evicting pod from tainted node', { pod: `${ns}/${name}`, node: pod.spec?.nodeName, taints: taints.filter((t) => t.effect === 'NoExecute').map((t) => t.key).join(',') });
    try {
      const conds = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
      conds.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(now) });
      await this.client.patch(R.pods, ns, name, 'merge', { status: { conditions: conds } }, { subresource: 'status' });
      await this.client.delete(R.pods, ns, name, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
      throw e;
    }
  }
}

function sameTaints(a: Taint[], b: Taint[]): boolean {
  return a.length === b.length && a.every((t, i) => t.key === b[i]!.key && t.effect === b[i]!.effect && (t.value ?? '') === (b[i]!.value ?? ''));
}

function taintJson(t: Taint): Record<string, string> {
  return { key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect, ...(t.timeAdded ? { timeAdded: t.timeAdded } : {}) };
}
