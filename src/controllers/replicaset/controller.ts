/**
 * The ReplicaSet controller's wiring: shared informers for ReplicaSets and Pods, a work queue keyed
 * `namespace/name`, expectations for in-flight pod creates/deletes, and the applier that performs
 * reconcile()'s actions through the client (its own identity) and writes status.
 *
 * Level-triggered: event handlers only enqueue keys; sync(key) re-reads the ReplicaSet and the pods
 * from the informer cache, treats not-found as deleted, and throws on failure so the queue retries
 * the key with backoff. Running sync twice is harmless.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { createWorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import type { ReplicaSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { matches, selectorFromLabelSelector } from '../../lib/labels/index.js';
import { Expectations } from './expectations.js';
import { CONTROLLER_UID_INDEX, ORPHANS_INDEX, addOwnershipIndexes, controllerOf, keyOf, slowStartBatches } from './pods.js';
import { calculateStatus, reconcile, type ManageError, type ReplicaSetAction } from './reconcile.js';

/** Builds a work queue; the controller manager passes the client's implementation. */
export type WorkQueueFactory = (name: string) => WorkQueue;

export interface ReplicaSetControllerOptions {
  /** Work queue constructor (default: src/client's rate-limited queue; a fake in tests). */
  newQueue?: WorkQueueFactory;
  /** Concurrent syncs (upstream --concurrent-replicaset-syncs, default 5). */
  workers?: number;
}

const COMPONENT = 'replicaset-controller';

/** Creates the ReplicaSet controller (upstream pkg/controller/replicaset). */
export function newReplicaSetController(opts: ReplicaSetControllerOptions = {}): ReplicaSetController {
  return new ReplicaSetController(opts);
}

export class ReplicaSetController implements Controller {
  readonly name = COMPONENT;
  private readonly expectations = new Expectations();
  private queue: WorkQueue | undefined;
  private client!: Client;
  private rsInformer!: Informer<ReplicaSet>;
  private podInformer!: Informer<V1Pod>;
  private recorder!: EventSink;
  private logger!: Logger;
  private now: () => Date = () => new Date();

  constructor(private readonly opts: ReplicaSetControllerOptions = {}) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.recorder = ctx.recorder(COMPONENT);
    this.logger = ctx.logger.child(COMPONENT);
    this.now = ctx.now;
    this.rsInformer = ctx.informers.for<ReplicaSet>(R.replicasets);
    this.podInformer = ctx.informers.for<V1Pod>(R.pods);
    addOwnershipIndexes(this.podInformer);
    const queue = (this.queue = (this.opts.newQueue ?? ((name) => createWorkQueue({ name, logger: this.logger })))(COMPONENT));

    this.rsInformer.addHandlers({
      add: (rs) => queue.add(keyOf(rs)),
      update: (_o, rs) => queue.add(keyOf(rs)),
      delete: (rs) => {
        this.expectations.delete(keyOf(rs));
        queue.add(keyOf(rs));
      },
    });
    this.podInformer.addHandlers({
      add: (pod) => this.podAdded(pod),
      update: (old, pod) => this.podUpdated(old, pod),
      delete: (pod) => this.podDeleted(pod),
    });
    await Promise.all([this.rsInformer.start(), this.podInformer.start()]);
    queue.run(this.opts.workers ?? 5, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  /** The ReplicaSet controlling `pod` (same uid), if cached. */
  private ownerOf(pod: V1Pod): ReplicaSet | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsInformer.get(pod.metadata.namespace ?? '', ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod (candidates for adoption). */
  private matchingSets(pod: V1Pod): ReplicaSet[] {
    return this.rsInformer.list(pod.metadata.namespace ?? '').filter((rs) => {
      try {
        return matches(selectorFromLabelSelector(rs.spec?.selector), pod.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  private podAdded(pod: V1Pod): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const rs = this.ownerOf(pod);
    if (rs) {
      this.expectations.creationObserved(keyOf(rs));
      this.queue!.add(keyOf(rs));
      return;
    }
    if (!controllerOf(pod)) for (const m of this.matchingSets(pod)) this.queue!.add(keyOf(m));
  }

  private podUpdated(old: V1Pod, pod: V1Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A graceful delete started: count it as observed now, as upstream does.
      this.podDeleted(pod);
      const o = this.ownerOf(old);
      if (o && controllerOf(old)?.uid !== controllerOf(pod)?.uid) this.queue!.add(keyOf(o));
      return;
    }
    const oldOwner = controllerOf(old);
    const newOwner = controllerOf(pod);
    if (oldOwner && oldOwner.uid !== newOwner?.uid) {
      const o = this.ownerOf(old);
      if (o) this.queue!.add(keyOf(o));
    }
    const rs = this.ownerOf(pod);
    if (rs) {
      this.queue!.add(keyOf(rs));
      return;
    }
    if (!newOwner) for (const m of this.matchingSets(pod)) this.queue!.add(keyOf(m));
  }

  private podDeleted(pod: V1Pod): void {
    const rs = this.ownerOf(pod);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), keyOf(pod));
    this.queue!.add(keyOf(rs));
  }

  /**
   * One level-triggered pass for `namespace/name`. Throws to have the key retried with backoff.
   * Exposed for tests.
   */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const rs = this.rsInformer.get(ns, name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const now = this.now();
    // Owned pods and orphans (adoption candidates); pods of other controllers never matter.
    const pods = [...this.podInformer.byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid ?? ''), ...this.podInformer.byIndex(ORPHANS_INDEX, ns)];
    const plan = reconcile(rs, { pods, relatedPods: this.relatedPods(rs), expectationsSatisfied: this.expectations.satisfied(key, now) }, now);
    let manageError: ManageError | undefined;
    let failure: unknown;
    for (const a of plan.actions) {
      try {
        await this.apply(rs, key, a);
      } catch (e) {
        if (a.type === 'createPods' || a.type === 'deletePods') manageError = { message: errMessage(e) };
        failure ??= e;
        if (a.type === 'adoptPod' || a.type === 'releasePod') break;
      }
    }
    const st = calculateStatus(rs, plan.owned, manageError, this.now());
    if (st.changed) {
      try {
        await this.client.update<ReplicaSet>(R.replicasets, ns, { ...rs, status: st.status }, { subresource: 'status' });
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) failure ??= e;
      }
    }
    if (failure) throw failure;
    if (st.requeueAfterMs !== undefined) this.queue!.addAfter(key, st.requeueAfterMs);
  }

  /** Pods of every ReplicaSet sharing `rs`'s controller (upstream getIndirectlyRelatedPods). */
  private relatedPods(rs: ReplicaSet): V1Pod[] | undefined {
    const owner = controllerOf(rs);
    if (!owner) return undefined;
    return this.rsInformer
      .list(rs.metadata.namespace ?? '')
      .filter((o) => controllerOf(o)?.uid === owner.uid)
      .flatMap((o) => this.podInformer.byIndex(CONTROLLER_UID_INDEX, o.metadata.uid ?? ''));
  }

  private async apply(rs: ReplicaSet, key: string, a: ReplicaSetAction): Promise<void> {
    switch (a.type) {
      case 'adoptPod':
      case 'releasePod':
        try {
          await this.client.patch(R.pods, a.pod.namespace, a.pod.name, 'merge', a.patch);
        } catch (e) {
          // A pod gone, or released by someone else, needs nothing more; a conflict retries.
          if (isApiError(e) && e.reason === 'NotFound') return;
          throw e;
        }
        return;
      case 'createPods': {
        this.expectations.expectCreations(key, a.count, this.now());
        let tried = 0;
        for (const size of slowStartBatches(a.count)) {
          tried += size;
          const results = await Promise.allSettled(Array.from({ length: size }, () => this.client.create<V1Pod>(R.pods, rs.metadata.namespace ?? '', a.pod)));
          let err: unknown;
          for (const r of results) {
            if (r.status === 'fulfilled') {
              this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
              continue;
            }
            // A failed create will never be observed by the informer.
            this.expectations.creationObserved(key);
            if (isApiError(r.reason) && r.reason.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) continue;
            err ??= r.reason;
            this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errMessage(r.reason)}`);
          }
          if (err) {
            // Nor will the pods of batches never tried (upstream's skippedPods).
            for (let i = tried; i < a.count; i++) this.expectations.creationObserved(key);
            throw err;
          }
        }
        return;
      }
      case 'deletePods': {
        this.expectations.expectDeletions(key, a.pods.map((p) => `${p.namespace}/${p.name}`), this.now());
        const results = await Promise.allSettled(
          a.pods.map(async (p) => {
            try {
              await this.client.delete(R.pods, p.namespace, p.name, { preconditions: { uid: p.uid } });
              this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.name}`);
            } catch (e) {
              this.expectations.deletionObserved(key, `${p.namespace}/${p.name}`);
              if (isApiError(e) && e.reason === 'NotFound') return;
              this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errMessage(e)}`);
              throw e;
            }
          }),
        );
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        return;
      }
    }
  }
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

