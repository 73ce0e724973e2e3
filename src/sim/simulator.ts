/**
 * The simulator: registers N nodes through a Client, keeps their Leases (every `leaseRenewMs`) and
 * Ready conditions (every `statusUpdateMs`) fresh like kubelets, and drives pods bound to them
 * through `stepPod` (pod-lifecycle.ts).
 *
 * Scale (5,000 nodes, 150,000 pods on 2 cores): one ticker spreads lease renewals and status
 * updates evenly over their interval (node i renews in slot i mod slots); one watch on all bound
 * pods filtered client-side by node name; one node watch for podCIDRs; one timer (DeadlineHeap) for
 * every pod deadline; every write goes through one bounded TaskPool where heartbeats outrank pods.
 * Per pod only a compact SimPod is kept.
 *
 * Stopping (`stop()`) ends timers and watches and leaves nodes in place: they stop heartbeating
 * like machines that died. `cleanup()` deletes them (and their leases) instead.
 */
import type { KubeObject } from '../api/types.js';
import type { V1Pod } from '../api/core/v1/pod-types.js';
import type { Client, GVR, WatchHandle } from '../client/types.js';
import { R } from '../client/types.js';
import { isApiError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { IpPool } from './ip-pool.js';
import { LEASE_NAMESPACE, SIMULATED_LABEL, type NodeTemplate, buildLease, buildNode, healthyConditions, nodeInternalIP, nodeName, microTime } from './node-template.js';
import { type SimPod, stepPod, toSimPod } from './pod-lifecycle.js';
import { DeadlineHeap, TaskPool } from './task-pool.js';

export interface SimulatorOptions {
  template: NodeTemplate;
  nodes: number;
  /** Lease renewal interval (kubelet: 10 s). */
  leaseRenewMs: number;
  /** Node status (conditions heartbeat) interval (kubelet: ~60 s when nothing changes). */
  statusUpdateMs: number;
  /** Run time of Job pods without a run-seconds annotation. */
  jobDurationMs: number;
  /** Simulated containers stop this long after a delete (capped by the grace period). */
  exitDelayMs: number;
  /** Concurrent API requests. */
  concurrency: number;
  /** Pod IPs while a node has no spec.podCIDR (default 10.244.0.0/16, shared by this sim's nodes). */
  fallbackPodCIDR: string;
  /** Registration progress, e.g. every 1,000 nodes. */
  onProgress?: (registered: number, total: number) => void;
}

export interface SimulatorDeps {
  client: Client;
  logger: Logger;
  now: () => Date;
}

export interface SimStats {
  nodes: number;
  pods: number;
  /** Pods whose last known phase is Running (O(pods) to compute). */
  running: number;
  leaseRenewals: number;
  statusUpdates: number;
  podWrites: number;
  errors: number;
  pendingTasks: number;
}

interface SimNode {
  index: number;
  name: string;
  uid?: string;
  hostIP: string;
  podCIDR?: string;
  pool?: IpPool;
  /** lastTransitionTime of the healthy conditions (kept across heartbeats). */
  since: string;
  leaseExists: boolean;
}

const TICK_MS = 100;

export class Simulator {
  private readonly nodes = new Map<string, SimNode>();
  private readonly byIndex: SimNode[] = [];
  private readonly pods = new Map<string, SimPod>();
  private readonly deadlines = new DeadlineHeap();
  private readonly pool: TaskPool;
  private readonly fallback: IpPool;
  private readonly log: Logger;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private watches: WatchHandle[] = [];
  private tick = 0;
  private stopped = false;
  private warnedNoIP = false;
  private readonly stats = { leaseRenewals: 0, statusUpdates: 0, podWrites: 0, errors: 0 };

  constructor(
    private readonly opts: SimulatorOptions,
    private readonly deps: SimulatorDeps,
  ) {
    this.log = deps.logger.child('sim');
    this.pool = new TaskPool(opts.concurrency, (key, err) => {
      this.stats.errors++;
      this.log.warn('request failed', { key, err: err instanceof Error ? err.message : String(err) });
    });
    this.fallback = new IpPool(opts.fallbackPodCIDR);
  }

  /** Registers every node and lease, then starts heartbeats and the pod watch. Resolves when registered. */
  async start(): Promise<void> {
    const { nodes: n, template } = this.opts;
    for (let i = 0; i < n; i++) {
      const name = nodeName(template, i);
      const node: SimNode = { index: i, name, hostIP: nodeInternalIP(i), since: '', leaseExists: false };
      this.nodes.set(name, node);
      this.byIndex.push(node);
    }
    let registered = 0;
    const step = n >= 10_000 ? 1000 : n >= 1000 ? 500 : 100;
    const failures: string[] = [];
    for (const node of this.byIndex) {
      this.pool.submit(`register/${node.name}`, 'high', async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await this.register(node);
            break;
          } catch (e) {
            // Transient failures (timeouts, 5xx, 429) are retried twice; refusals are final.
            const final = isApiError(e) ? e.code < 500 && e.code !== 429 : /exists and is not a simulated node/.test(String(e));
            if (final || attempt >= 3 || this.stopped) {
              failures.push(`${node.name}: ${e instanceof Error ? e.message : String(e)}`);
              throw e;
            }
            await new Promise((r) => setTimeout(r, 200 * attempt));
          }
        }
        registered++;
        if (registered % step === 0 || registered === n) this.opts.onProgress?.(registered, n);
      });
    }
    await this.pool.idle();
    if (failures.length) throw new Error(`${failures.length} of ${n} nodes failed to register; first: ${failures[0]}`);
    if (this.stopped) return;
    this.ticker = setInterval(() => this.onTick(), TICK_MS);
    this.ticker.unref?.();
    this.watchNodes();
    this.watchPods();
  }

  /** Stops heartbeats, watches and pod handling; nodes stay (they look dead). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watches) w.stop();
    this.watches = [];
    this.pool.clear();
    await this.pool.idle();
  }

  /** Deletes this sim's nodes and leases (after stop()). */
  async cleanup(): Promise<void> {
    const c = this.deps.client;
    const pool = new TaskPool(this.opts.concurrency, () => {});
    for (const node of this.byIndex) {
      pool.submit(node.name, 'high', async () => {
        await c.delete(R.nodes, '', node.name).catch(ignoreNotFound);
        await c.delete(R.leases, LEASE_NAMESPACE, node.name).catch(ignoreNotFound);
      });
    }
    await pool.idle();
  }

  snapshot(): SimStats {
    let running = 0;
    for (const p of this.pods.values()) if (p.status.phase === 'Running') running++;
    return { nodes: this.nodes.size, pods: this.pods.size, running, ...this.stats, pendingTasks: this.pool.pending() };
  }

  // ---- nodes ------------------------------------------------------------------------------------

  private async register(node: SimNode): Promise<void> {
    const c = this.deps.client;
    const now = this.deps.now();
    const obj = buildNode(this.opts.template, node.index, now);
    let created: KubeObject;
    try {
      created = await c.create(R.nodes, '', obj);
      node.since = ((obj['status'] as { conditions: { lastTransitionTime: string }[] }).conditions[0]!).lastTransitionTime;
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'AlreadyExists')) throw e;
      // A node left by an earlier sim (a machine coming back): report healthy again. Never take
      // over a real node that happens to have the same name.
      const existing = await c.get(R.nodes, '', node.name);
      if (existing.metadata.labels?.[SIMULATED_LABEL] !== 'true') throw new Error(`node ${node.name} exists and is not a simulated node (no ${SIMULATED_LABEL}=true label)`);
      node.since = isoSeconds(now);
      created = await c.patch(R.nodes, '', node.name, 'merge', { status: { conditions: healthyConditions(node.since, node.since) } }, { subresource: 'status' });
    }
    node.uid = created.metadata.uid;
    this.notePodCIDR(node, created);
    await this.renewLease(node);
  }

  private notePodCIDR(node: SimNode, obj: KubeObject): void {
    const cidr = ((obj['spec'] ?? {}) as { podCIDR?: string }).podCIDR;
    if (!cidr || cidr === node.podCIDR) return;
    try {
      node.pool = new IpPool(cidr);
      node.podCIDR = cidr;
      for (const p of this.pods.values()) if (p.nodeName === node.name && p.status.podIP) node.pool.occupy(p.status.podIP);
    } catch {
      // IPv6-only pod CIDRs are not simulated: keep using the fallback range.
    }
  }

  private async renewLease(node: SimNode): Promise<void> {
    const c = this.deps.client;
    const now = this.deps.now();
    if (node.leaseExists) {
      try {
        await c.patch(R.leases, LEASE_NAMESPACE, node.name, 'merge', { spec: { holderIdentity: node.name, renewTime: microTime(now) } });
        this.stats.leaseRenewals++;
        return;
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
        node.leaseExists = false;
      }
    }
    try {
      await c.create(R.leases, LEASE_NAMESPACE, buildLease(node.name, node.uid, now));
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'AlreadyExists')) throw e;
      await c.patch(R.leases, LEASE_NAMESPACE, node.name, 'merge', { spec: { holderIdentity: node.name, renewTime: microTime(now) } });
    }
    node.leaseExists = true;
    this.stats.leaseRenewals++;
  }

  private async postStatus(node: SimNode): Promise<void> {
    const now = isoSeconds(this.deps.now());
    const updated = await this.deps.client.patch(R.nodes, '', node.name, 'merge', { status: { conditions: healthyConditions(now, node.since || now) } }, { subresource: 'status' });
    this.notePodCIDR(node, updated);
    this.stats.statusUpdates++;
  }

  /** Every 100 ms: the lease and status slots due now. */
  private onTick(): void {
    if (this.stopped) return;
    const t = this.tick++;
    const leaseSlots = Math.max(1, Math.round(this.opts.leaseRenewMs / TICK_MS));
    const statusSlots = Math.max(1, Math.round(this.opts.statusUpdateMs / TICK_MS));
    const n = this.byIndex.length;
    // Slot s of `slots` holds the nodes [ceil(s·n/slots), ceil((s+1)·n/slots)): every node once per
    // interval, the same number of nodes (±1) in every tick.
    const range = (slots: number): [number, number] => {
      const s = t % slots;
      return [Math.ceil((s * n) / slots), Math.ceil(((s + 1) * n) / slots)];
    };
    const [l0, l1] = range(leaseSlots);
    for (let i = l0; i < l1; i++) {
      const node = this.byIndex[i]!;
      this.pool.submit(`lease/${node.name}`, 'high', () => this.renewLease(node));
    }
    const [s0, s1] = range(statusSlots);
    for (let i = s0; i < s1; i++) {
      const node = this.byIndex[i]!;
      this.pool.submit(`status/${node.name}`, 'high', () => this.postStatus(node));
    }
  }

  private watchNodes(): void {
    this.listWatch(R.nodes, { labelSelector: 'flotilla.dev/simulated=true' }, (type, obj) => {
      const node = this.nodes.get(obj.metadata.name ?? '');
      if (!node) return;
      if (type === 'DELETED') {
        // Someone deleted our node (e.g. a test): register it again, as kubelet would.
        node.leaseExists = false;
        this.pool.submit(`register/${node.name}`, 'high', () => this.register(node));
        return;
      }
      if (node.uid && obj.metadata.uid !== node.uid) return;
      this.notePodCIDR(node, obj);
    });
  }

  // ---- pods -------------------------------------------------------------------------------------

  private watchPods(): void {
    this.listWatch(R.pods, { fieldSelector: 'spec.nodeName!=' }, (type, obj) => {
      const pod = obj as V1Pod;
      const nodeName = pod.spec?.nodeName ?? '';
      if (!this.nodes.has(nodeName)) return;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (type === 'DELETED') {
        const old = this.pods.get(key);
        if (old && old.uid === pod.metadata.uid) this.forget(key, old);
        return;
      }
      const prev = this.pods.get(key);
      if (prev && prev.uid !== pod.metadata.uid) this.forget(key, prev);
      const sp = toSimPod(obj, this.opts.jobDurationMs);
      this.pods.set(key, sp);
      const ip = sp.status.podIP;
      if (ip && !prev) this.poolFor(this.nodes.get(nodeName)!, ip)?.occupy(ip);
      this.enqueuePod(key);
    }, (keys) => {
      // Pods deleted while the watch was down.
      for (const [key, p] of this.pods) if (!keys.has(key)) this.forget(key, p);
    });
  }

  private forget(key: string, p: SimPod): void {
    this.pods.delete(key);
    this.deadlines.cancel(key);
    const node = this.nodes.get(p.nodeName);
    if (node && p.status.podIP) this.poolFor(node, p.status.podIP)?.release(p.status.podIP);
  }

  private poolFor(node: SimNode, ip: string): IpPool | undefined {
    if (node.pool?.contains(ip)) return node.pool;
    return this.fallback.contains(ip) ? this.fallback : undefined;
  }

  private enqueuePod(key: string): void {
    this.pool.submit(`pod/${key}`, 'low', () => this.syncPod(key));
  }

  private async syncPod(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || this.stopped) return;
    const node = this.nodes.get(pod.nodeName)!;
    const now = this.deps.now();
    let allocated: string | undefined;
    const step = stepPod(pod, {
      now,
      hostIP: node.hostIP,
      jobDurationMs: this.opts.jobDurationMs,
      exitDelayMs: this.opts.exitDelayMs,
      podIP: () => {
        allocated = node.pool?.allocate() ?? this.fallback.allocate();
        if (allocated === undefined && !this.warnedNoIP) {
          this.warnedNoIP = true;
          this.log.warn('no pod IP left (node podCIDR and fallback range full); pods start without an IP', { node: node.name, fallback: this.fallback.cidr });
        }
        return allocated ?? '';
      },
    });
    const c = this.deps.client;
    try {
      if (step.finalize) {
        await c.delete(R.pods, pod.namespace, pod.name, { gracePeriodSeconds: 0, preconditions: { uid: pod.uid } }).catch(ignoreGone);
        this.stats.podWrites++;
        return;
      }
      if (step.status) {
        const updated = await c.patch(R.pods, pod.namespace, pod.name, 'merge', { metadata: { uid: pod.uid }, status: step.status }, { subresource: 'status' });
        this.stats.podWrites++;
        // The watch will deliver the same; keep our copy current so a deadline fires on fresh state.
        const cur = this.pods.get(key);
        if (cur && cur.uid === pod.uid) this.pods.set(key, toSimPod(updated, this.opts.jobDurationMs));
      }
    } catch (e) {
      if (allocated) this.poolFor(node, allocated)?.release(allocated);
      if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
      throw e;
    }
    if (step.nextAt !== undefined) this.scheduleAt(key, step.nextAt);
  }

  private scheduleAt(key: string, at: number): void {
    this.deadlines.schedule(key, at);
    const next = this.deadlines.peek();
    if (next === undefined || next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.onDeadline(), Math.max(0, next - this.deps.now().getTime()));
    this.timer.unref?.();
  }

  private onDeadline(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped) return;
    for (const key of this.deadlines.popDue(this.deps.now().getTime())) this.enqueuePod(key);
    const next = this.deadlines.peek();
    if (next !== undefined) {
      this.timerAt = next;
      this.timer = setTimeout(() => this.onDeadline(), Math.max(0, next - this.deps.now().getTime()));
      this.timer.unref?.();
    }
  }

  // ---- list + watch -----------------------------------------------------------------------------

  /** Lists (paged) then watches from the list's resourceVersion; relists on 410 or failure. */
  private listWatch(
    gvr: GVR,
    sel: { labelSelector?: string; fieldSelector?: string },
    on: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => void,
    /** After each complete (re)list: the keys (`ns/name`) it returned, to drop what is gone. */
    onListed?: (keys: Set<string>) => void,
  ): void {
    const c = this.deps.client;
    let rv = '';
    const relist = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        let cont: string | undefined;
        const keys = new Set<string>();
        do {
          const page = await c.list(gvr, { ...sel, limit: 500, ...(cont ? { continue: cont } : {}) });
          for (const item of page.items) {
            keys.add(`${item.metadata.namespace ?? ''}/${item.metadata.name ?? ''}`);
            on('ADDED', item);
          }
          cont = page.metadata.continue || undefined;
          rv = page.metadata.resourceVersion ?? rv;
        } while (cont);
        onListed?.(keys);
        watch();
      } catch (e) {
        this.log.warn('list failed; retrying', { resource: gvr.resource, err: e instanceof Error ? e.message : String(e) });
        setTimeout(() => void relist(), 1000).unref?.();
      }
    };
    const watch = (): void => {
      if (this.stopped) return;
      let expired = false;
      const h = c.watch(
        gvr,
        { ...sel, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 300 + Math.floor(Math.random() * 60) },
        (e) => {
          if (e.type === 'ERROR') {
            expired = true;
            return;
          }
          if (e.object.metadata.resourceVersion) rv = e.object.metadata.resourceVersion;
          if (e.type === 'BOOKMARK') return;
          on(e.type, e.object);
        },
        (err) => {
          this.watches = this.watches.filter((w) => w !== h);
          if (this.stopped) return;
          if (expired || err) setTimeout(() => void relist(), expired ? 0 : 1000).unref?.();
          else watch();
        },
      );
      this.watches.push(h);
    };
    void relist();
  }
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function ignoreNotFound(e: unknown): undefined {
  if (isApiError(e) && e.reason === 'NotFound') return undefined;
  throw e;
}

function ignoreGone(e: unknown): undefined {
  if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return undefined;
  throw e;
}
