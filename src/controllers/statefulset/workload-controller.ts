/**
 * The wiring shared by the StatefulSet, DaemonSet, Job and CronJob controllers (convention 1): event
 * handlers only enqueue `namespace/name`; a worker runs `sync(key)`, which re-reads the informer
 * caches, treats a missing object as deleted, and either resolves (optionally with a delay after
 * which the key is handled again) or throws, which requeues the key with per-key backoff. No key
 * is handled by two workers at once (WorkQueue contract), so sync needs no locking; running it
 * twice on unchanged state is harmless because every reconcile is level-triggered.
 */
import type { KubeObject } from '../../api/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import { createWorkQueue } from '../../client/index.js';
import { isApiError } from '../../lib/errors.js';
import type { Controller, ControllerContext } from '../context.js';
import type { LabelSelector } from '../../lib/labels/index.js';
import type { GVR } from '../../client/index.js';
import { canonicalJson, controllerRef, orphansToAdopt, ownerRefTo } from './pod-state.js';

export interface WorkloadControllerOptions {
  /** Concurrent keys (default 4). */
  workers?: number;
  /** Work queue constructor (default: the client's rate-limited queue). */
  newQueue?: (name: string) => WorkQueue;
}

/** Informer index of objects by their controller's uid (shared by the workload controllers: same function, same name). */
export const CONTROLLER_UID_INDEX = 'flotilla.io/controller-uid';

/** Informer index of objects without a controller, by namespace (adoption candidates); shared likewise. */
export const ORPHANS_INDEX = 'flotilla.io/orphans-by-namespace';

/** Adds CONTROLLER_UID_INDEX and ORPHANS_INDEX unless present (same names and meaning as the ReplicaSet controller's). */
export function indexByController<T extends KubeObject>(inf: Informer<T>): void {
  const add = (name: string, fn: (o: T) => string[]) => {
    try {
      inf.addIndex(name, fn);
    } catch {
      // Already added by another controller sharing this informer (same name, same function).
    }
  };
  add(CONTROLLER_UID_INDEX, (o) => {
    const r = controllerRef(o);
    return r ? [r.uid] : [];
  });
  add(ORPHANS_INDEX, (o) => (controllerRef(o) ? [] : [o.metadata.namespace ?? '']));
}

export function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * Status equality ignoring undefined/null fields, zeros, empty arrays and empty objects (Go's
 * omitempty drops them, so writing them again would loop on every sync).
 */
export function sameStatus(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length ? v.map(norm) : undefined;
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const n = norm(x);
        if (n !== undefined) out[k] = n;
      }
      return Object.keys(out).length ? out : undefined;
    }
    return v === null || v === 0 ? undefined : v;
  };
  return canonicalJson(norm(a) ?? null) === canonicalJson(norm(b) ?? null);
}

export abstract class WorkloadController implements Controller {
  abstract readonly name: string;
  private queue: WorkQueue | undefined;
  private ctxValue: ControllerContext | undefined;
  /** Per key: pods this controller created (names) or deleted (uids) that the cache has not shown yet (upstream "expectations"). */
  private readonly expectations = new Map<string, { created: Set<string>; deleted: Set<string>; at: number }>();

  constructor(protected readonly options: WorkloadControllerOptions = {}) {}

  protected get ctx(): ControllerContext {
    if (!this.ctxValue) throw new Error(`${this.name} not started`);
    return this.ctxValue;
  }

  /**
   * Requests informers and adds handlers (which call enqueue); returns the informer of the primary
   * resource, every object of which is enqueued once the caches have synced (handlers added to an
   * informer that was already running would otherwise miss the initial adds).
   */
  protected abstract register(ctx: ControllerContext): Informer<KubeObject>;
  /** Handles one key; resolves with a delay in ms to see it again, or undefined. */
  protected abstract sync(key: string): Promise<number | undefined>;

  /** Queues `key` now, or after `delayMs`. Safe before start (ignored) and after stop. */
  protected enqueue(key: string, delayMs?: number): void {
    if (!this.queue) return;
    if (delayMs !== undefined && delayMs > 0) this.queue.addAfter(key, delayMs);
    else this.queue.add(key);
  }

  /** Enqueues the controller owner of `obj` when it is of `kind`. */
  protected enqueueOwner(obj: KubeObject, kind: string): void {
    const r = controllerRef(obj);
    if (r && r.kind === kind) this.enqueue(`${obj.metadata.namespace ?? ''}/${r.name}`);
  }

  /** Records a write the cache must reflect before `key` is reconciled again (see satisfied()). */
  protected expect(key: string, kind: 'created' | 'deleted', id: string): void {
    let e = this.expectations.get(key);
    if (!e) this.expectations.set(key, (e = { created: new Set(), deleted: new Set(), at: 0 }));
    e[kind].add(id);
    e.at = this.ctx.now().getTime();
  }

  /**
   * Whether the cache reflects every write this controller made for `key`: each created pod name is
   * cached (`has`) and each deleted uid is gone or terminating (`gone`). Stale expectations expire
   * after 5 minutes as upstream's do, so a lost watch event cannot wedge a key.
   */
  protected satisfied(key: string, has: (name: string) => boolean, gone: (uid: string) => boolean): boolean {
    const e = this.expectations.get(key);
    if (!e) return true;
    for (const n of [...e.created]) if (has(n)) e.created.delete(n);
    for (const u of [...e.deleted]) if (gone(u)) e.deleted.delete(u);
    if ((!e.created.size && !e.deleted.size) || this.ctx.now().getTime() - e.at > 300_000) {
      this.expectations.delete(key);
      return true;
    }
    return false;
  }

  /**
   * Adopts orphans (upstream ClaimPods / ClaimControllerRevisions): each matching object without a
   * controller gets `owner` as controller through a JSON patch guarded by the object's uid, so a
   * replaced object is never adopted by mistake. Resolves with the number adopted; the informer
   * events that follow re-enqueue the owner.
   */
  protected async adoptOrphans(gvr: GVR, owner: KubeObject, selector: LabelSelector | undefined, candidates: KubeObject[]): Promise<number> {
    let n = 0;
    for (const o of orphansToAdopt(owner, selector, candidates)) {
      const ops = [
        { op: 'test', path: '/metadata/uid', value: o.metadata.uid },
        o.metadata.ownerReferences
          ? { op: 'add', path: '/metadata/ownerReferences/-', value: ownerRefTo(owner) }
          : { op: 'add', path: '/metadata/ownerReferences', value: [ownerRefTo(owner)] },
      ];
      try {
        await this.ctx.client.patch(gvr, o.metadata.namespace ?? '', o.metadata.name ?? '', 'json', ops);
        n++;
      } catch (e) {
        if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict' || e.reason === 'Invalid'))) throw e;
      }
    }
    return n;
  }

  async start(ctx: ControllerContext): Promise<void> {
    this.ctxValue = ctx;
    this.queue = (this.options.newQueue ?? ((name: string) => createWorkQueue({ name, logger: ctx.logger })))(this.name);
    const primary = this.register(ctx);
    await ctx.informers.start();
    for (const o of primary.list()) this.queue.add(keyOf(o));
    const log = ctx.logger.child(this.name);
    const queue = this.queue;
    queue.run(this.options.workers ?? 4, async (key) => {
      try {
        const delay = await this.sync(key);
        if (delay !== undefined && delay > 0) queue.addAfter(key, delay);
      } catch (e) {
        // A stale cache (our own last write not seen yet) conflicts: expected, retried quietly.
        if (isApiError(e) && e.reason === 'Conflict') log.v(2).info('sync conflicted; requeued', { key });
        else log.warn('sync failed; requeued with backoff', { key, err: e instanceof Error ? e.message : String(e), retries: queue.retries(key) });
        throw e;
      }
    });
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }
}
