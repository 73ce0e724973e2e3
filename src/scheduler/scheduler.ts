/**
 * The scheduler's I/O layer (kube-scheduler's scheduleOne loop + cache + binder), the only part of
 * src/scheduler that talks to the cluster. It
 * - watches pods, nodes, namespaces and PodDisruptionBudgets through shared informers and keeps the
 *   Snapshot up to date incrementally (assigned pods, nodes) and the SchedulingQueue fed
 *   (unassigned pods whose schedulerName is ours);
 * - runs scheduling cycles synchronously in short batches (≤ `batchMs` per event-loop turn, so a
 *   co-located apiserver keeps answering), each: pop → Framework.schedule → on success assume the
 *   pod in the snapshot and bind asynchronously through pods/binding (at most `bindConcurrency`
 *   in flight; a failed bind forgets the assumed pod and requeues it with backoff);
 * - on failure patches the pod's PodScheduled=False condition (reason Unschedulable, message = the
 *   FitError summary) unless it is unchanged, records a FailedScheduling event, and requeues;
 * - on preemption deletes the victims (uid precondition), records `Preempted` on each, and sets
 *   status.nominatedNodeName.
 * Re-running any step is harmless: bindings of pods that are already bound fail with Conflict and
 * are dropped; status patches are idempotent.
 */
import type { V1Node } from '../api/core/v1/node.js';
import type { V1Pod } from '../api/core/v1/pod-types.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { R } from '../client/types.js';
import type { Informer, InformerFactory } from '../client/informer-types.js';
import type { Controller, ControllerContext, EventSink } from '../controllers/context.js';
import type { Logger } from '../lib/log.js';
import { type CycleState, type Framework, type FrameworkOptions, type PodInfo, Snapshot, type UnschedulableResult, podInfoOf, withNodeName, type ClusterEvent } from './framework/index.js';
import { defaultFramework, disruptionBudgetOf } from './plugins/index.js';
import { type QueuedPod, SchedulingQueue } from './queue/index.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions {
  schedulerName?: string;
  /** Most bindings in flight at once (default 64). */
  bindConcurrency?: number;
  /** Longest synchronous run of cycles per event-loop turn (default 8 ms). */
  batchMs?: number;
  framework?: Framework;
  frameworkOptions?: FrameworkOptions;
  /** Monotonic-ish milliseconds for the queue (default Date.now). */
  clock?: () => number;
}

export interface SchedulerStats {
  scheduled: number;
  bound: number;
  bindFailures: number;
  unschedulable: number;
  errors: number;
  preemptions: number;
  cycles: number;
}

type PodDisruptionBudgetObj = KubeObject;

export class Scheduler implements Controller {
  readonly name = 'scheduler';
  readonly snapshot = new Snapshot();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly stats: SchedulerStats = { scheduled: 0, bound: 0, bindFailures: 0, unschedulable: 0, errors: 0, preemptions: 0, cycles: 0 };
  private readonly schedulerName: string;
  private readonly bindConcurrency: number;
  private readonly batchMs: number;
  private readonly clock: () => number;
  private client!: Client;
  private recorder!: EventSink;
  private logger!: Logger;
  private now: () => Date = () => new Date();
  /** Pods assumed on a node whose binding is not yet confirmed by the informer. */
  private readonly assumed = new Set<string>();
  private bindsInFlight = 0;
  private readonly bindBacklog: (() => void)[] = [];
  private pdbInformer: Informer<PodDisruptionBudgetObj> | undefined;
  private pdbsDirty = false;
  private runScheduled = false;
  private stopped = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private idle: (() => void)[] = [];

  constructor(opts: SchedulerOptions = {}) {
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.bindConcurrency = opts.bindConcurrency ?? 64;
    this.batchMs = opts.batchMs ?? 8;
    this.clock = opts.clock ?? Date.now;
    this.framework = opts.framework ?? defaultFramework(opts.frameworkOptions);
    this.queue = new SchedulingQueue({ eventsByPlugin: this.framework.eventsByPlugin() });
  }

  /** Registers informer handlers, waits for the caches, then schedules until stop(). */
  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(this.schedulerName);
    this.logger = ctx.logger.child('scheduler');
    this.now = ctx.now;
    this.wire(ctx.informers);
    await ctx.informers.start();
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref?.();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    while (this.bindsInFlight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** Resolves when the active queue is empty and no binding is in flight (tests, benchmarks). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private isIdle(): boolean {
    return this.queue.stats().active === 0 && this.bindsInFlight === 0 && this.bindBacklog.length === 0 && !this.runScheduled;
  }

  private checkIdle(): void {
    if (this.idle.length && this.isIdle()) for (const r of this.idle.splice(0)) r();
  }

  private wire(informers: InformerFactory): void {
    const pods = informers.for<V1Pod>(R.pods);
    const nodes = informers.for<V1Node>(R.nodes);
    const namespaces = informers.for<KubeObject>(R.namespaces);
    this.pdbInformer = informers.for<PodDisruptionBudgetObj>(R.poddisruptionbudgets);
    nodes.addHandlers({
      add: (n) => this.nodeChanged(undefined, n),
      update: (o, n) => this.nodeChanged(o, n),
      delete: (n) => {
        this.snapshot.removeNode(n.metadata.name ?? '');
        this.event({ resource: 'Node', action: 'Delete' });
      },
    });
    pods.addHandlers({
      add: (p) => this.podChanged(undefined, p),
      update: (o, p) => this.podChanged(o, p),
      delete: (p) => this.podDeleted(p),
    });
    const ns = (o: KubeObject) => this.snapshot.namespaceLabels.set(o.metadata.name ?? '', (o.metadata.labels as Record<string, string>) ?? {});
    namespaces.addHandlers({ add: ns, update: (_o, n) => ns(n), delete: (o) => this.snapshot.namespaceLabels.delete(o.metadata.name ?? '') });
    const dirty = () => {
      this.pdbsDirty = true;
      this.event({ resource: 'PodDisruptionBudget', action: 'Update' });
    };
    this.pdbInformer.addHandlers({ add: dirty, update: dirty, delete: dirty });
  }

  // ---- cache and queue maintenance -------------------------------------------------------------

  /** Node add/update: refresh the snapshot; a change that can matter to scheduling wakes pods. */
  nodeChanged(old: V1Node | undefined, n: V1Node): void {
    this.snapshot.setNode(n);
    if (!old) return this.event({ resource: 'Node', action: 'Add' });
    if (schedulingView(old) !== schedulingView(n)) this.event({ resource: 'Node', action: 'Update' });
  }

  podChanged(old: V1Pod | undefined, p: V1Pod): void {
    const key = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
    const phase = p.status?.phase;
    if (p.spec?.nodeName) {
      if (!old?.spec?.nodeName) this.snapshot.setNominated(podInfoOf(p), '');
      this.queue.delete(key);
      this.assumed.delete(key);
      if (phase === 'Succeeded' || phase === 'Failed') {
        if (this.snapshot.removePod(key)) this.event({ resource: 'Pod', action: 'Delete' });
        return;
      }
      const wasAssigned = !!old?.spec?.nodeName && this.snapshot.pod(key) !== undefined;
      this.snapshot.addPod(podInfoOf(p));
      if (!wasAssigned) this.event({ resource: 'Pod', action: 'Add' });
      else if (old && schedulingPodView(old) !== schedulingPodView(p)) this.event({ resource: 'Pod', action: 'Update' });
      return;
    }
    if ((p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) !== this.schedulerName) return;
    if (p.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') return this.queue.delete(key);
    if (this.assumed.has(key)) return; // our binding is on its way
    const pi = podInfoOf(p);
    if ((p.status?.nominatedNodeName ?? '') !== (old?.status?.nominatedNodeName ?? '')) this.snapshot.setNominated(pi, p.status?.nominatedNodeName ?? '');
    const now = this.clock();
    if (!old || !this.queue.has(key)) this.queue.add(pi, now);
    else this.queue.update(pi, now, schedulingPodView(old) !== schedulingPodView(p));
    this.kick();
  }

  podDeleted(p: V1Pod): void {
    const key = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
    this.snapshot.setNominated(podInfoOf(p), '');
    this.queue.delete(key);
    this.assumed.delete(key);
    if (this.snapshot.removePod(key)) this.event({ resource: 'Pod', action: 'Delete' });
  }

  private event(ev: ClusterEvent): void {
    if (this.queue.onEvent(ev, this.clock()) > 0) this.kick();
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private tick(): void {
    this.queue.flush(this.clock());
    if (this.queue.stats().active > 0) this.kick();
  }

  private kick(): void {
    if (this.runScheduled || this.stopped || !this.client) return;
    this.runScheduled = true;
    setImmediate(() => this.runBatch());
  }

  /** Runs cycles until activeQ is empty or `batchMs` elapsed; yields to the event loop between batches. */
  runBatch(): void {
    this.runScheduled = false;
    if (this.stopped) return;
    const start = performance.now();
    this.queue.flush(this.clock());
    if (this.pdbsDirty && this.pdbInformer) {
      this.snapshot.pdbs = this.pdbInformer.list().map(disruptionBudgetOf);
      this.pdbsDirty = false;
    }
    for (;;) {
      const q = this.queue.pop();
      if (!q) break;
      this.scheduleOne(q);
      if (performance.now() - start > this.batchMs) {
        this.kick();
        return;
      }
    }
    this.checkIdle();
  }

  /** One cycle for one pod (synchronous); binding and API writes continue asynchronously. */
  scheduleOne(q: QueuedPod): void {
    const pi = q.podInfo;
    this.stats.cycles++;
    if (this.snapshot.pod(pi.key)) {
      this.queue.done(pi.key); // already assigned (seen through the informer)
      return;
    }
    const res = this.framework.schedule(this.snapshot, pi);
    if (res.outcome === 'Scheduled') {
      const st = this.framework.runReservePermit(res.state, pi, res.node);
      if (!st.isSuccess()) {
        this.stats.unschedulable++;
        this.queue.requeue(q, [st.plugin], this.clock());
        this.recordFailure(pi, `running Reserve/Permit plugin "${st.plugin}": ${st.message()}`);
        return;
      }
      this.stats.scheduled++;
      const assumed = withNodeName(pi, res.node);
      this.snapshot.addPod(assumed);
      this.assumed.add(pi.key);
      this.queue.done(pi.key);
      this.snapshot.setNominated(pi, '');
      this.enqueueBind(() => this.bind(q, assumed, res.node, res.state));
      return;
    }
    if (res.outcome === 'Error') {
      this.stats.errors++;
      this.queue.requeue(q, [], this.clock(), true);
      this.recordFailure(pi, res.message);
      return;
    }
    this.stats.unschedulable++;
    this.queue.requeue(q, res.diagnosis.unschedulablePlugins, this.clock());
    this.handleUnschedulable(pi, res);
  }

  private enqueueBind(task: () => Promise<void>): void {
    const run = () => {
      this.bindsInFlight++;
      void task().finally(() => {
        this.bindsInFlight--;
        const next = this.bindBacklog.shift();
        if (next) next();
        else this.checkIdle();
      });
    };
    if (this.bindsInFlight < this.bindConcurrency) run();
    else this.bindBacklog.push(run);
  }

  private async bind(q: QueuedPod, assumed: PodInfo, node: string, state: CycleState): Promise<void> {
    const { namespace: ns, name } = assumed;
    try {
      for (const p of this.framework.preBindPlugins) {
        const st = await p.preBind(state, assumed, node);
        if (!st.isSuccess()) throw new Error(`running PreBind plugin "${p.name}": ${st.message()}`);
      }
      let bound = false;
      for (const p of this.framework.bindPlugins) {
        const st = await p.bind(state, assumed, node);
        if (st.code === 'Skip') continue;
        if (!st.isSuccess()) throw new Error(st.message());
        bound = true;
        break;
      }
      if (!bound)
        await this.client.post(R.pods, ns, name, 'binding', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace: ns, ...(assumed.uid ? { uid: assumed.uid } : {}) },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        });
      this.stats.bound++;
      this.recorder.event(assumed.pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
    } catch (err) {
      this.stats.bindFailures++;
      this.framework.runUnreserve(state, assumed, node);
      // Forget the assumed pod; a pod that was bound meanwhile (Conflict) comes back through the informer.
      if (this.assumed.delete(assumed.key)) {
        const cur = this.snapshot.pod(assumed.key);
        if (cur === assumed) this.snapshot.removePod(assumed.key);
        const reason = (err as { reason?: string }).reason;
        if (reason !== 'Conflict' && reason !== 'NotFound') {
          this.queue.addBackoff(q.podInfo, q.attempts, this.clock());
          this.kick();
          this.recordFailure(q.podInfo, `Binding rejected: ${(err as Error).message}`);
        }
      }
      this.logger.v(2).info('binding failed', { pod: assumed.key, node, err: (err as Error).message });
    }
  }

  private handleUnschedulable(pi: PodInfo, res: UnschedulableResult): void {
    let nominated: string | undefined;
    if (res.nominatedNode !== undefined) {
      this.stats.preemptions++;
      nominated = res.nominatedNode;
      this.snapshot.setNominated(pi, nominated);
      for (const v of res.victims ?? []) {
        this.recorder.event(v.pod, 'Normal', 'Preempted', `Preempted by pod ${pi.uid} on node ${nominated}`);
        this.client.delete(R.pods, v.namespace, v.name, v.uid ? { preconditions: { uid: v.uid } } : {}).catch((err: Error) => this.logger.warn('deleting preemption victim failed', { pod: v.key, err: err.message }));
      }
    }
    this.recordFailure(pi, res.message, nominated);
  }

  /** PodScheduled=False (Unschedulable) and a FailedScheduling event; nominatedNodeName when given. */
  private recordFailure(pi: PodInfo, message: string, nominatedNode?: string): void {
    const pod = pi.pod;
    this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const sameCond = cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === message;
    const sameNom = nominatedNode === undefined || pod.status?.nominatedNodeName === nominatedNode;
    if (sameCond && sameNom) return;
    const status: Record<string, unknown> = {
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: sameCond ? cond?.lastTransitionTime : this.now().toISOString() }],
    };
    if (nominatedNode !== undefined) status['nominatedNodeName'] = nominatedNode;
    this.client
      .patch(R.pods, pi.namespace, pi.name, 'strategic', { status }, { subresource: 'status' })
      .catch((err: Error) => this.logger.v(2).info('updating PodScheduled failed', { pod: pi.key, err: err.message }));
  }
}

/** The parts of a node that scheduling reads (heartbeats change none of them). */
function schedulingView(n: V1Node): string {
  return JSON.stringify([n.metadata.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable]);
}

/** The parts of a pod that scheduling reads (status-only changes are ignored, as upstream does). */
function schedulingPodView(p: V1Pod): string {
  return JSON.stringify([p.metadata.labels, p.spec]);
}
