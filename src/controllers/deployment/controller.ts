/**
 * The Deployment controller's wiring: shared informers for Deployments, ReplicaSets and Pods, a work
 * queue keyed `namespace/name`, and the applier that performs reconcile()'s actions in order
 * through the client, stopping at the first failure (the key is retried with backoff; the next sync
 * re-reads the cache and starts over, so a partial run is harmless).
 *
 * Writes: ReplicaSets by create / PUT (optimistic concurrency: a stale cache gives a Conflict and a
 * retry), ownerReferences by merge patch carrying the resourceVersion, the revision annotation by
 * merge patch of the Deployment, status by PUT to the status subresource.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { createWorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import type { Deployment, ReplicaSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { matches, selectorFromLabelSelector } from '../../lib/labels/index.js';
import { reconcile, type DeploymentAction } from './reconcile.js';
import { CONTROLLER_UID_INDEX, addOwnershipIndexes } from '../replicaset/index.js';
import { REVISION, Reason, hasProgressDeadline, newCondition, setCondition } from './util.js';

export interface DeploymentControllerOptions {
  /** Work queue constructor (default: src/client's rate-limited queue; a fake in tests). */
  newQueue?: (name: string) => WorkQueue;
  /** Concurrent syncs (upstream --concurrent-deployment-syncs, default 5). */
  workers?: number;
}

const COMPONENT = 'deployment-controller';

/** Creates the Deployment controller (upstream pkg/controller/deployment). */
export function newDeploymentController(opts: DeploymentControllerOptions = {}): DeploymentController {
  return new DeploymentController(opts);
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function controllerOf(o: KubeObject) {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

export class DeploymentController implements Controller {
  readonly name = COMPONENT;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private deployments!: Informer<Deployment>;
  private sets!: Informer<ReplicaSet>;
  private pods!: Informer<V1Pod>;
  private recorder!: EventSink;
  private logger!: Logger;
  private now: () => Date = () => new Date();

  constructor(private readonly opts: DeploymentControllerOptions = {}) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(COMPONENT);
    this.logger = ctx.logger.child(COMPONENT);
    this.now = ctx.now;
    this.deployments = ctx.informers.for<Deployment>(R.deployments);
    this.sets = ctx.informers.for<ReplicaSet>(R.replicasets);
    this.pods = ctx.informers.for<V1Pod>(R.pods);
    addOwnershipIndexes(this.pods);
    const queue = (this.queue = (this.opts.newQueue ?? ((name) => createWorkQueue({ name, logger: this.logger })))(COMPONENT));
    this.deployments.addHandlers({
      add: (d) => queue.add(keyOf(d)),
      update: (_o, d) => queue.add(keyOf(d)),
      delete: (d) => queue.add(keyOf(d)),
    });
    this.sets.addHandlers({
      add: (rs) => this.setChanged(undefined, rs),
      update: (old, rs) => this.setChanged(old, rs),
      delete: (rs) => this.setChanged(undefined, rs),
    });
    this.pods.addHandlers({ delete: (p) => this.podDeleted(p) });
    await Promise.all([this.deployments.start(), this.sets.start(), this.pods.start()]);
    queue.run(this.opts.workers ?? 5, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  private ownerDeployment(obj: KubeObject): Deployment | undefined {
    const ref = controllerOf(obj);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(obj.metadata.namespace ?? '', ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** A ReplicaSet appeared, changed or went: its controller (old and new) or, for an orphan, every Deployment selecting it. */
  private setChanged(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old && old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const owners = new Set<Deployment>();
    for (const o of [old, rs]) {
      if (!o) continue;
      const d = this.ownerDeployment(o);
      if (d) owners.add(d);
    }
    if (!controllerOf(rs)) {
      for (const d of this.deployments.list(rs.metadata.namespace ?? '')) {
        try {
          if (matches(selectorFromLabelSelector(d.spec?.selector), rs.metadata.labels)) owners.add(d);
        } catch {
          // An invalid selector selects nothing.
        }
      }
    }
    for (const d of owners) this.queue!.add(keyOf(d));
  }

  /** Recreate waits for old pods to be gone: a pod deletion may unblock its Deployment. */
  private podDeleted(p: V1Pod): void {
    const ref = controllerOf(p);
    if (!ref) return;
    const rs = this.sets.get(p.metadata.namespace ?? '', ref.name);
    const d = rs ? this.ownerDeployment(rs) : undefined;
    if (d && d.spec?.strategy?.type === 'Recreate') this.queue!.add(keyOf(d));
  }

  /** One level-triggered pass for `namespace/name`; throws to be retried with backoff. Exposed for tests. */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const d = this.deployments.get(ns, name);
    if (!d) return;
    const recreate = d.spec?.strategy?.type === 'Recreate';
    const sets = this.sets.list(ns);
    // Recreate waits for the pods of old sets: those of every set this Deployment controls.
    const pods = recreate ? sets.filter((rs) => controllerOf(rs)?.uid === d.metadata.uid).flatMap((rs) => this.pods.byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid ?? '')) : [];
    const plan = reconcile(d, { replicaSets: sets, pods }, this.now());
    const run = new Apply(this.client, this.recorder, d);
    for (const a of plan.actions) await run.apply(a, this.now());
    if (plan.retry) throw new Error(plan.retry);
    if (plan.requeueAfterMs !== undefined) this.queue!.addAfter(key, plan.requeueAfterMs);
  }
}

/** Performs one plan's actions, carrying resourceVersions from one write to the next. */
class Apply {
  private readonly rsVersions = new Map<string, string | undefined>();
  private deploymentVersion: string | undefined;

  constructor(
    private readonly client: Client,
    private readonly recorder: EventSink,
    private readonly d: Deployment,
  ) {
    this.deploymentVersion = d.metadata.resourceVersion;
  }

  private get ns(): string {
    return this.d.metadata.namespace ?? '';
  }

  async apply(a: DeploymentAction, now: Date): Promise<void> {
    const c = this.client;
    switch (a.type) {
      case 'adoptReplicaSet': {
        const adopted = await c.patch<ReplicaSet>(R.replicasets, a.rs.namespace, a.rs.name, 'merge', a.patch).catch(ignore('NotFound'));
        if (adopted) this.rsVersions.set(a.rs.name, adopted.metadata.resourceVersion);
        return;
      }
      case 'releaseReplicaSet':
        await c.patch(R.replicasets, a.rs.namespace, a.rs.name, 'merge', a.patch).catch(ignore('NotFound'));
        return;
      case 'createReplicaSet':
        try {
          const created = await c.create<ReplicaSet>(R.replicasets, this.ns, a.rs);
          this.rsVersions.set(a.rs.metadata.name ?? '', created.metadata.resourceVersion);
        } catch (e) {
          if (!(isApiError(e) && (e.reason === 'AlreadyExists' || e.details?.causes?.some((x) => x.reason === 'NamespaceTerminating')))) await this.failedCreate(a.rs, e, now);
          throw e;
        }
        return;
      case 'updateReplicaSet': {
        const name = a.rs.metadata.name ?? '';
        const rs = structuredClone(a.rs);
        if (this.rsVersions.has(name)) rs.metadata.resourceVersion = this.rsVersions.get(name);
        const updated = await c.update<ReplicaSet>(R.replicasets, this.ns, rs);
        this.rsVersions.set(name, updated.metadata.resourceVersion);
        return;
      }
      case 'deleteReplicaSet':
        await c.delete(R.replicasets, a.rs.namespace, a.rs.name, { preconditions: { uid: a.rs.uid } }).catch(ignore('NotFound'));
        return;
      case 'setRevision': {
        const patched = await c.patch<Deployment>(R.deployments, this.ns, this.d.metadata.name ?? '', 'merge', { metadata: { annotations: { [REVISION]: a.revision } } });
        this.deploymentVersion = patched.metadata.resourceVersion;
        return;
      }
      case 'updateStatus': {
        const updated = await c.update<Deployment>(R.deployments, this.ns, { ...this.d, metadata: { ...this.d.metadata, resourceVersion: this.deploymentVersion }, status: a.status }, { subresource: 'status' });
        this.deploymentVersion = updated.metadata.resourceVersion;
        return;
      }
      case 'event':
        this.recorder.event(this.d, a.eventType, a.reason, a.message);
        return;
    }
  }

  /** Upstream: a failed create sets Progressing=False ReplicaSetCreateError and records a warning. */
  private async failedCreate(rs: ReplicaSet, e: unknown, now: Date): Promise<void> {
    const msg = `Failed to create new replica set "${rs.metadata.name}": ${e instanceof Error ? e.message : String(e)}`;
    if (hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status ?? {});
      setCondition(status, newCondition('Progressing', 'False', Reason.FailedRSCreate, msg, now));
      await this.client
        .update(R.deployments, this.ns, { ...this.d, metadata: { ...this.d.metadata, resourceVersion: this.deploymentVersion }, status }, { subresource: 'status' })
        .catch(() => undefined);
    }
    this.recorder.event(this.d, 'Warning', Reason.FailedRSCreate, msg);
  }
}

function ignore(reason: string) {
  return (e: unknown): undefined => {
    if (isApiError(e) && e.reason === reason) return undefined;
    throw e;
  };
}
