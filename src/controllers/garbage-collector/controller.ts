/**
 * The garbage collector's I/O half: keeps an owner → dependents graph of every stored object from
 * one list + watch, queues objects that need attention, and performs reconcile()'s actions through
 * the access layer (the same write path as any client). Level-triggered: processing an object
 * re-reads the graph; running it twice is harmless; failures retry with backoff.
 */
import type { KubeObject, OwnerReference, ResourceDef } from '../../api/types.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { reconcile, refOf, type Dependent, type GcAction, type OwnerState } from './reconcile.js';

export interface GcAccess {
  /** One ResourceDef per stored resource (versions sharing storage appear once). */
  storedResources(): ResourceDef[];
  list(def: ResourceDef): Promise<{ items: { key: string; obj: KubeObject }[]; revision: number }>;
  /** Every stored-object change with revision > afterRevision, in order. Returns a closer. */
  watch(
    afterRevision: number,
    onEvent: (type: 'put' | 'delete', def: ResourceDef, key: string, obj: KubeObject) => void,
    onClose: (err?: Error) => void,
  ): () => void;
  /** Whether a live object matches the reference (same uid) in `namespace` (or cluster scope). */
  ownerState(ref: OwnerReference, namespace: string): Promise<OwnerState>;
  /** Deletes with a uid precondition; NotFound and Conflict are not errors. */
  delete(def: ResourceDef, namespace: string, name: string, uid: string, policy: 'Background' | 'Foreground'): Promise<void>;
  /** Read-modify-write; `fn` may return undefined for "no change". NotFound is not an error. */
  mutate(def: ResourceDef, namespace: string, name: string, uid: string, fn: (o: KubeObject) => KubeObject | undefined): Promise<void>;
}

interface Node {
  key: string;
  def: ResourceDef;
  obj: KubeObject;
}

export class GarbageCollector {
  private readonly nodes = new Map<string, Node>(); // by uid
  private readonly byKey = new Map<string, string>(); // key → uid
  private readonly dependents = new Map<string, Set<string>>(); // owner uid → dependent uids
  private readonly queue = new Set<string>();
  private readonly backoff = new Map<string, number>();
  private closeWatch: (() => void) | undefined;
  private draining = false;
  private stopped = false;

  constructor(
    private readonly access: GcAccess,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    let rev = Infinity;
    for (const def of this.access.storedResources()) {
      const { items, revision } = await this.access.list(def);
      rev = Math.min(rev, revision);
      for (const { key, obj } of items) this.put(def, key, obj);
    }
    if (!Number.isFinite(rev)) rev = 0;
    this.closeWatch = this.access.watch(
      rev,
      (type, def, key, obj) => (type === 'put' ? this.put(def, key, obj) : this.remove(key)),
      (err) => {
        if (err && !this.stopped) this.logger.warn('garbage collector watch ended; restarting', { err: err.message });
        if (!this.stopped) void this.restart();
      },
    );
    this.kick();
  }

  private async restart(): Promise<void> {
    this.closeWatch?.();
    this.nodes.clear();
    this.byKey.clear();
    this.dependents.clear();
    await new Promise((r) => setTimeout(r, 500));
    if (!this.stopped) await this.start().catch((e: unknown) => this.logger.error('garbage collector restart failed', { err: String(e) }));
  }

  stop(): void {
    this.stopped = true;
    this.closeWatch?.();
  }

  /** Number of objects in the graph (tests, metrics). */
  size(): number {
    return this.nodes.size;
  }

  private put(def: ResourceDef, key: string, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const prevUid = this.byKey.get(key);
    if (prevUid && prevUid !== uid) this.remove(key);
    const prev = this.nodes.get(uid);
    if (prev) for (const o of prev.obj.metadata.ownerReferences ?? []) this.dependents.get(o.uid)?.delete(uid);
    this.nodes.set(uid, { key, def, obj });
    this.byKey.set(key, uid);
    for (const o of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(uid);
    }
    const f = obj.metadata.finalizers ?? [];
    if ((obj.metadata.deletionTimestamp && (f.includes('orphan') || f.includes('foregroundDeletion'))) || obj.metadata.ownerReferences?.length) this.enqueue(uid);
    // A dependent that started deleting or changed may release a foreground owner.
    for (const o of obj.metadata.ownerReferences ?? []) if (this.nodes.has(o.uid)) this.enqueue(o.uid);
  }

  private remove(key: string): void {
    const uid = this.byKey.get(key);
    if (!uid) return;
    const node = this.nodes.get(uid);
    this.byKey.delete(key);
    this.nodes.delete(uid);
    if (node) for (const o of node.obj.metadata.ownerReferences ?? []) {
      this.dependents.get(o.uid)?.delete(uid);
      if (this.nodes.has(o.uid)) this.enqueue(o.uid);
    }
    for (const d of this.dependents.get(uid) ?? []) this.enqueue(d);
  }

  private enqueue(uid: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      setTimeout(() => this.enqueue(uid), delayMs).unref();
      return;
    }
    this.queue.add(uid);
    this.kick();
  }

  private kick(): void {
    if (this.draining || this.stopped || !this.queue.size) return;
    this.draining = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.size && !this.stopped) {
        const uid = this.queue.values().next().value as string;
        this.queue.delete(uid);
        try {
          await this.process(uid);
          this.backoff.delete(uid);
        } catch (e) {
          const b = Math.min((this.backoff.get(uid) ?? 100) * 2, 30_000);
          this.backoff.set(uid, b);
          this.logger.warn('garbage collection failed', { uid, err: e instanceof Error ? e.message : String(e), retryMs: b });
          this.enqueue(uid, b);
        }
      }
    } finally {
      this.draining = false;
      if (this.queue.size) this.kick();
    }
  }

  private async process(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const deps: Dependent[] = [];
    for (const d of this.dependents.get(uid) ?? []) {
      const dn = this.nodes.get(d);
      const ref = dn?.obj.metadata.ownerReferences?.find((o) => o.uid === uid);
      if (dn && ref) deps.push({ ref: refOf(dn.key, dn.obj), ownerRef: ref, deleting: Boolean(dn.obj.metadata.deletionTimestamp) });
    }
    const states = new Map<string, OwnerState>();
    for (const o of node.obj.metadata.ownerReferences ?? []) {
      states.set(o.uid, this.nodes.has(o.uid) ? 'exists' : await this.access.ownerState(o, node.obj.metadata.namespace ?? ''));
    }
    for (const a of reconcile(node.key, node.obj, deps, states)) await this.perform(a);
  }

  private async perform(a: GcAction): Promise<void> {
    const target = a.type === 'removeOwnerRef' ? a.dependent : a.object;
    const uid = this.byKey.get(target.key);
    const node = uid ? this.nodes.get(uid) : undefined;
    if (!node) return;
    const { def } = node;
    try {
      switch (a.type) {
        case 'delete':
          this.logger.v(2).info('deleting object', { object: `${target.namespace}/${target.name}`, resource: def.plural, policy: a.policy });
          return await this.access.delete(def, target.namespace, target.name, target.uid, a.policy);
        case 'removeOwnerRef':
          return await this.access.mutate(def, target.namespace, target.name, target.uid, (o) => dropOwners(o, [a.ownerUid]));
        case 'removeDanglingRefs':
          return await this.access.mutate(def, target.namespace, target.name, target.uid, (o) => dropOwners(o, a.ownerUids));
        case 'removeFinalizer':
          return await this.access.mutate(def, target.namespace, target.name, target.uid, (o) => {
            const f = o.metadata.finalizers ?? [];
            if (!f.includes(a.finalizer)) return undefined;
            o.metadata.finalizers = f.filter((x) => x !== a.finalizer);
            return o;
          });
      }
    } catch (e) {
      if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
      throw e;
    }
  }
}

function dropOwners(o: KubeObject, uids: string[]): KubeObject | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  const kept = refs.filter((r) => !uids.includes(r.uid));
  if (kept.length === refs.length) return undefined;
  if (kept.length) o.metadata.ownerReferences = kept;
  else delete o.metadata.ownerReferences;
  return o;
}
