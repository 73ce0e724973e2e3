/**
 * The disruption controller's wiring (upstream pkg/controller/disruption): shared informers for
 * PodDisruptionBudgets, Pods and the workloads whose scale sets a PDB's expected pod count; a work
 * queue of PDB keys (`namespace/name`); and the applier that writes reconcilePdb()'s status through
 * the status subresource and records its events.
 *
 * Level-triggered: handlers only enqueue PDB keys (a pod change enqueues the PDBs of its namespace
 * that select it before or after; a workload change enqueues its namespace's PDBs). sync(key)
 * re-reads everything from the caches; a deleted PDB is a no-op; a failed write (e.g. Conflict)
 * throws and the queue retries with backoff. A disrupted pod's deadline requeues the PDB then.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import type { KubeObject } from '../../api/types.js';
import type { PodDisruptionBudget } from '../../api/policy/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import type { Logger } from '../../lib/log.js';
import { podsForPdb, reconcilePdb } from './reconcile.js';

export const DISRUPTION_COMPONENT = 'disruption-controller';

export interface DisruptionControllerOptions {
  /** Work queue constructor (src/client's createWorkQueue in production). */
  newQueue: (name: string) => WorkQueue;
  /** Concurrent syncs (default 2). */
  workers?: number;
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class DisruptionController implements Controller {
  readonly name = DISRUPTION_COMPONENT;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private pdbs!: Informer<PodDisruptionBudget>;
  private pods!: Informer<V1Pod>;
  private replicaSets!: Informer;
  private deployments!: Informer;
  private statefulSets!: Informer;
  private recorder!: EventSink;
  private logger!: Logger;
  private now: () => Date = () => new Date();

  constructor(private readonly opts: DisruptionControllerOptions) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(DISRUPTION_COMPONENT);
    this.logger = ctx.logger.child(DISRUPTION_COMPONENT);
    this.now = ctx.now;
    const queue = (this.queue = this.opts.newQueue(DISRUPTION_COMPONENT));
    this.pdbs = ctx.informers.for<PodDisruptionBudget>(R.poddisruptionbudgets);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    this.replicaSets = ctx.informers.for(R.replicasets);
    this.deployments = ctx.informers.for(R.deployments);
    this.statefulSets = ctx.informers.for(R.statefulsets);

    this.pdbs.addHandlers({ add: (p) => queue.add(keyOf(p)), update: (_o, p) => queue.add(keyOf(p)), delete: (p) => queue.add(keyOf(p)) });
    this.pods.addHandlers({
      add: (p) => this.podChanged(p),
      update: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        this.podChanged(o);
        this.podChanged(p);
      },
      delete: (p) => this.podChanged(p),
    });
    const workload = { add: (o: KubeObject) => this.namespaceChanged(o), update: (_o: KubeObject, n: KubeObject) => this.namespaceChanged(n), delete: (o: KubeObject) => this.namespaceChanged(o) };
    this.replicaSets.addHandlers(workload);
    this.deployments.addHandlers(workload);
    this.statefulSets.addHandlers(workload);
    await Promise.all([this.pdbs, this.pods, this.replicaSets, this.deployments, this.statefulSets].map((i) => i.start()));
    queue.run(this.opts.workers ?? 2, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  private podChanged(pod: V1Pod): void {
    for (const pdb of this.pdbs.list(pod.metadata.namespace ?? '')) {
      try {
        if (podsForPdb(pdb, [pod]).length) this.queue!.add(keyOf(pdb));
      } catch {
        // an invalid selector selects nothing
      }
    }
  }

  private namespaceChanged(o: KubeObject): void {
    for (const pdb of this.pdbs.list(o.metadata.namespace ?? '')) this.queue!.add(keyOf(pdb));
  }

  /** Recomputes one PDB's status. Idempotent; throws to be retried. */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const pdb = this.pdbs.get(ns, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const decision = reconcilePdb(
      pdb,
      this.pods.list(ns),
      { replicaSets: this.replicaSets.list(ns), deployments: this.deployments.list(ns), statefulSets: this.statefulSets.list(ns), replicationControllers: [] },
      this.now(),
    );
    for (const e of decision.events) {
      const target = e.on.kind === 'Pod' ? (this.pods.get(ns, e.on.name) ?? pdb) : pdb;
      this.recorder.event(target, e.type, e.reason, e.message);
    }
    if (decision.status) {
      await this.client.update<PodDisruptionBudget>(R.poddisruptionbudgets, ns, { ...pdb, status: decision.status }, { subresource: 'status' });
      this.logger.v(4).info('pdb status updated', { pdb: key, disruptionsAllowed: decision.status.disruptionsAllowed });
    }
    if (decision.recheckAfterMs !== undefined) this.queue?.addAfter(key, Math.max(0, decision.recheckAfterMs) + 1);
  }
}

/** Creates the disruption controller. */
export function newDisruptionController(opts: DisruptionControllerOptions): DisruptionController {
  return new DisruptionController(opts);
}
