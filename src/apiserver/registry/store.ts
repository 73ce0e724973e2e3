/**
 * The generic store: Kubernetes object semantics for any ResourceDef on top of the revisioned
 * key-value Backend (upstream's genericregistry.Store). It owns metadata rules (uid, names,
 * resourceVersion, generation, timestamps, finalizers, graceful deletion), the status/main split,
 * optimistic concurrency, dry runs and version conversion. Request parsing, authorization and
 * response encoding live in the handlers; field-level validation lives in the write pipeline.
 *
 * Concurrency: every write is a compare-and-swap on the key's revision. Methods never hold state
 * between calls, so any number of requests may run at once.
 */
import type { Backend, KeyValue } from '../../storage/backend.js';
import { KeyExistsError, KeyNotFoundError, RevisionConflictError, CompactedError } from '../../storage/errors.js';
import type { KubeList, KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import { apiVersionOf } from '../../api/types.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  forbidden,
  internalError,
  notFound,
  OBJECT_MODIFIED,
  timeout,
} from '../../lib/errors.js';
import { listPrefix, objectKey, resourcePrefix } from './keys.js';
import { deepClone, formatTime, generateName, specChanged } from './object-meta.js';
import { jsonEqual } from '../../lib/patch/index.js';
import type { WritePipeline } from './write-pipeline.js';
import type { AdmissionChain, AdmissionRequest } from '../admission/types.js';

export interface StoreDeps {
  backend: Backend;
  pipeline: WritePipeline;
  now: () => Date;
  uid: () => string;
  random: () => number;
  /**
   * Checks that a namespace accepts a new object (exists: else 404; not terminating: else 403).
   * `gr` and `name` only word the error.
   */
  namespaceAdmits: (namespace: string, gr: { group: string; resource: string }, name: string) => Promise<void>;
  /** Admission plugins (mutating before the pipeline, validating after). */
  admission?: AdmissionChain;
  /** Serializes read-modify-write cycles per key within this process. */
  keyLocks: KeyLocks;
  /** Resource-specific work around writes (Services: cluster IP and NodePort allocation). */
  hooks?: StoreWriteHooks;
}

/**
 * What a registry does around a write beyond its pure strategy (upstream's BeginCreate,
 * BeginUpdate and AfterDelete), e.g. allocating a Service's cluster IP. Begin hooks run after the
 * write pipeline accepted the object and before validating admission and storage, for writes of
 * the main resource only (not status, not raw subresource writes); they may change the object
 * and throw an ApiError to refuse it. The `finish` they return is called exactly once: with
 * true when the object was stored, false otherwise (failure, conflict retry, dry run, no-op).
 */
export interface StoreWriteHooks {
  beginCreate?(obj: KubeObject, dryRun: boolean): (stored: boolean) => void;
  beginUpdate?(obj: KubeObject, old: KubeObject, dryRun: boolean): (stored: boolean) => void;
  /** After `obj` was removed from storage (never for dry runs). Must not throw. */
  afterDelete?(obj: KubeObject): void;
}

/** Per-key FIFO turn-taking for async work (one chain per key, dropped when idle). */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Keys with work queued or running (tests). */
  size(): number {
    return this.tails.size;
  }
}

export interface WriteOptions {
  dryRun: boolean;
  fieldManager?: string;
  /**
   * Server-internal subresource writes (pods/binding) that upstream performs without the update
   * strategy: no admission, no validation; `mutate` must produce a valid object itself.
   */
  raw?: boolean;
}

export interface ListOptions {
  /** Namespace to list ('' = all). */
  namespace: string;
  filter?: (obj: KubeObject) => boolean;
  /** True when a label or field selector is in effect (disables remainingItemCount). */
  filtered?: boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export interface DeleteResult {
  /** Set when the object still exists (finalizers or graceful deletion pending). */
  object?: KubeObject;
  /** The object as it was when removed from storage. */
  deleted?: KubeObject;
  warnings: string[];
}

const MAX_CAS_RETRIES = 16;

export class ResourceStore {
  readonly prefix: string;
  private readonly gr: { group: string; resource: string };
  private readonly tracksGeneration: boolean;

  /**
   * @param def the served version
   * @param storageDef the stored version (same object unless def.conversion is set)
   */
  constructor(
    readonly def: ResourceDef,
    readonly storageDef: ResourceDef,
    private readonly deps: StoreDeps,
  ) {
    this.prefix = resourcePrefix(storageDef);
    this.gr = { group: def.group, resource: def.plural };
    this.tracksGeneration = def.generation ?? Boolean(def.schema.properties?.['spec']);
  }

  // ---- codec -------------------------------------------------------------------------------

  /** Storage bytes → object in the served version, with resourceVersion. */
  decode(kv: KeyValue | { value: string; modRevision: number }): KubeObject {
    const obj = JSON.parse(kv.value) as KubeObject;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return this.fromStorage(obj);
  }

  /** Parsed stored object (shared, never mutated) → served version with resourceVersion. */
  fromStored(stored: KubeObject, revision: number): KubeObject {
    const obj = deepClone(stored);
    obj.metadata.resourceVersion = String(revision);
    return this.fromStorage(obj);
  }

  private fromStorage(obj: KubeObject): KubeObject {
    return this.def.conversion ? this.def.conversion.fromStorage(obj) : obj;
  }

  private encode(obj: KubeObject): string {
    const stored = this.def.conversion ? this.def.conversion.toStorage(deepClone(obj)) : obj;
    const { resourceVersion: _rv, selfLink: _sl, ...meta } = stored.metadata;
    return JSON.stringify({ ...stored, metadata: meta });
  }

  key(namespace: string, name: string): string {
    return objectKey(this.storageDef, this.def.namespaced ? namespace : '', name);
  }

  // ---- reads -------------------------------------------------------------------------------

  async get(namespace: string, name: string): Promise<KubeObject> {
    const kv = await this.deps.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return this.decode(kv);
  }

  async tryGet(namespace: string, name: string): Promise<KubeObject | undefined> {
    const kv = await this.deps.backend.get(this.key(namespace, name));
    return kv ? this.decode(kv) : undefined;
  }

  async list(opts: ListOptions): Promise<KubeList> {
    const prefix = listPrefix(this.storageDef, this.def.namespaced ? opts.namespace : '');
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (opts.continueToken) {
      const tok = decodeContinue(opts.continueToken);
      revision = tok.rv;
      startAfter = prefix + tok.start;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const rv = parseResourceVersion(opts.resourceVersion);
      if (opts.resourceVersionMatch === 'Exact') revision = rv;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    let more = false;
    let lastKey: string | undefined;
    let readRevision = 0;
    let remaining: number | undefined;
    try {
      // Page through storage until `limit` matching items are found or the prefix is exhausted.
      for (;;) {
        const want = limit ? Math.max(limit - items.length, opts.filter ? 256 : 0) : 0;
        const page = await this.deps.backend.list(prefix, { limit: want, startAfter, revision });
        readRevision = page.revision;
        revision = page.revision;
        let stoppedEarly = false;
        for (let i = 0; i < page.items.length; i++) {
          const kv = page.items[i]!;
          const obj = this.decode(kv);
          lastKey = kv.key;
          if (!opts.filter || opts.filter(obj)) items.push(obj);
          if (limit && items.length >= limit) {
            stoppedEarly = i < page.items.length - 1 || page.more;
            if (!opts.filter && page.remaining !== undefined) remaining = page.remaining + (page.items.length - 1 - i);
            break;
          }
        }
        if (limit && items.length >= limit) {
          more = stoppedEarly;
          break;
        }
        if (!page.more) break;
        startAfter = page.items.length ? page.items[page.items.length - 1]!.key : startAfter;
      }
    } catch (e) {
      if (e instanceof CompactedError) {
        if (opts.continueToken)
          throw expired(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        throw expired(`too old resource version: ${e.requestedRevision} (${e.compactedRevision})`);
      }
      throw e;
    }
    const list: KubeList = {
      apiVersion: apiVersionOf(this.def.group, this.def.version),
      kind: `${this.def.kind}List`,
      metadata: { resourceVersion: String(readRevision) },
      items,
    };
    if (more && lastKey !== undefined) {
      list.metadata.continue = encodeContinue(readRevision, lastKey.slice(prefix.length));
      if (remaining !== undefined && !opts.filtered && remaining > 0) list.metadata.remainingItemCount = remaining;
    }
    return list;
  }

  // ---- writes ------------------------------------------------------------------------------

  async create(ctx: StrategyContext, namespace: string, input: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    const obj = deepClone(input);
    this.checkKind(obj);
    const meta = (obj.metadata ??= {});
    if (this.def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace || meta.namespace;
    } else if (meta.namespace) {
      delete meta.namespace;
    }
    const generated = !meta.name && Boolean(meta.generateName);
    const now = this.deps.now();
    meta.uid = this.deps.uid();
    meta.creationTimestamp = formatTime(now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (this.def.subresources?.status && !this.def.keepStatusOnCreate) delete obj['status'];
    if (generated) meta.name = generateName(meta.generateName!, this.deps.random);
    if (this.def.namespaced && meta.namespace) await this.deps.namespaceAdmits(meta.namespace, this.gr, meta.name ?? '');
    const areq = this.admissionRequest('CREATE', meta.namespace ?? '', meta.name ?? '', obj, undefined, ctx, opts.dryRun);
    await this.deps.admission?.admit(areq);
    const warnings = this.deps.pipeline.admitCreate(this.def, obj, ctx);
    const finish = this.deps.hooks?.beginCreate?.(obj, opts.dryRun);
    let stored = false;
    try {
      await this.deps.admission?.validate(areq);
      if (opts.dryRun) {
        if (!generated && (await this.deps.backend.get(this.key(meta.namespace ?? '', meta.name!))))
          throw alreadyExists(this.gr, meta.name!);
        return { object: obj, warnings };
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const kv = await this.deps.backend.create(this.key(meta.namespace ?? '', meta.name!), this.encode(obj));
          stored = true;
          obj.metadata.resourceVersion = String(kv.modRevision);
          return { object: obj, warnings };
        } catch (e) {
          if (e instanceof KeyExistsError) {
            if (generated && attempt < 7) {
              meta.name = generateName(meta.generateName!, this.deps.random);
              continue;
            }
            throw alreadyExists(this.gr, meta.name!);
          }
          throw e;
        }
      }
    } finally {
      finish?.(stored);
    }
  }

  /**
   * PUT semantics. `subresource` is '' or 'status'. A resourceVersion in the body is a precondition
   * (409 on mismatch); without one the update is unconditional.
   */
  async update(
    ctx: StrategyContext,
    namespace: string,
    name: string,
    input: KubeObject,
    opts: WriteOptions,
  ): Promise<WriteResult> {
    this.checkKind(input);
    const inMeta = input.metadata ?? {};
    if (inMeta.name !== undefined && inMeta.name !== name)
      throw badRequest(`the name of the object (${inMeta.name}) does not match the name on the URL (${name})`);
    if (this.def.namespaced && inMeta.namespace && namespace && inMeta.namespace !== namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const precondition = inMeta.resourceVersion ? parseResourceVersion(inMeta.resourceVersion, 'metadata.resourceVersion') : undefined;
    return this.guaranteedUpdate(namespace, name, precondition, opts, ctx, () => deepClone(input));
  }

  /**
   * Read-modify-write with compare-and-swap and retries (upstream's GuaranteedUpdate). `mutate`
   * returns the desired object given the current one; `precondition` pins the revision.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    precondition: number | undefined,
    opts: WriteOptions,
    ctx: StrategyContext,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
  ): Promise<WriteResult> {
    // Writers of one key in this process take turns, so they never conflict with each other (a
    // busy Lease or status patched by 32 clients at once); other processes sharing the store
    // are handled by compare-and-swap and retries.
    return this.deps.keyLocks.run(this.key(namespace, name), () => this.guaranteedUpdateUnlocked(namespace, name, precondition, opts, ctx, mutate));
  }

  private async guaranteedUpdateUnlocked(
    namespace: string,
    name: string,
    precondition: number | undefined,
    opts: WriteOptions,
    ctx: StrategyContext,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
  ): Promise<WriteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.deps.backend.get(key);
      if (!kv) throw notFound(this.gr, name);
      if (precondition !== undefined && kv.modRevision !== precondition) throw conflict(this.gr, name, OBJECT_MODIFIED);
      const old = this.decode(kv);
      const desired = await mutate(deepClone(old));
      this.checkKind(desired);
      const obj = this.mergeForUpdate(desired, old, ctx.subresource);
      let warnings: string[] = [];
      let finish: ((stored: boolean) => void) | undefined;
      let stored = false;
      try {
        if (!opts.raw) {
          const areq = this.admissionRequest('UPDATE', namespace, name, obj, old, ctx, opts.dryRun);
          await this.deps.admission?.admit(areq);
          warnings = this.deps.pipeline.admitUpdate(this.def, obj, old, ctx);
          // As upstream's PrepareForUpdate (run after decoding and defaulting): spec is compared
          // once defaulted, so a write that only drops defaulted values does not move generation.
          this.setGeneration(obj, old, ctx.subresource);
          if (ctx.subresource === '') finish = this.deps.hooks?.beginUpdate?.(obj, old, opts.dryRun);
          await this.deps.admission?.validate(areq);
        }
        // A no-op write changes nothing and bumps no revision.
        obj.metadata.resourceVersion = old.metadata.resourceVersion;
        const finished = Boolean(obj.metadata.deletionTimestamp) && !obj.metadata.finalizers?.length && !this.specFinalizers(obj).length;
        if (!finished && jsonEqual(obj, old)) return { object: old, warnings };
        if (opts.dryRun) return { object: obj, warnings };
        try {
          if (finished && (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0) {
            // Last finalizer removed from an object being deleted: it goes away now.
            await this.deps.backend.delete(key, kv.modRevision);
            this.deps.hooks?.afterDelete?.(old);
            return { object: obj, warnings };
          }
          const written = await this.deps.backend.update(key, this.encode(obj), kv.modRevision);
          stored = true;
          obj.metadata.resourceVersion = String(written.modRevision);
          return { object: obj, warnings };
        } catch (e) {
          if (e instanceof RevisionConflictError || e instanceof KeyNotFoundError) {
            if (precondition !== undefined) throw conflict(this.gr, name, OBJECT_MODIFIED);
            if (attempt < MAX_CAS_RETRIES) continue;
            throw conflict(this.gr, name, OBJECT_MODIFIED);
          }
          throw e;
        }
      } finally {
        finish?.(stored);
      }
    }
  }

  /** Applies the generic update rules: immutable metadata, status/main split, generation. */
  private mergeForUpdate(input: KubeObject, old: KubeObject, subresource: string): KubeObject {
    let obj: KubeObject;
    if (subresource === 'binding') {
      obj = input; // spec.nodeName and the PodScheduled condition, set together
    } else if (subresource === 'finalize') {
      // namespaces/finalize: only spec.finalizers changes.
      obj = deepClone(old);
      const spec = ((obj['spec'] ??= {}) as Record<string, unknown>);
      const wanted = ((input['spec'] ?? {}) as Record<string, unknown>)['finalizers'];
      if (wanted === undefined) delete spec['finalizers'];
      else spec['finalizers'] = wanted;
    } else if (subresource === 'status') {
      obj = deepClone(old);
      if (input['status'] === undefined) delete obj['status'];
      else obj['status'] = input['status'];
      // Status writers may not touch spec or most metadata; labels and annotations follow old.
    } else {
      obj = input;
      if (this.def.subresources?.status) {
        if (old['status'] === undefined) delete obj['status'];
        else obj['status'] = deepClone(old['status']);
      }
    }
    if (subresource === 'status' || subresource === 'finalize') {
      // As upstream's status strategies: metadata stays the old one except managedFields, which
      // carry the field manager's entry for this writer; a write without any keeps the stored ones
      // (as upstream's field manager treats absent managedFields).
      const mf = input.metadata?.managedFields;
      if (mf !== undefined) obj.metadata.managedFields = mf;
    }
    const m = (obj.metadata ??= {});
    const o = old.metadata;
    m.name = o.name;
    if (this.def.namespaced) m.namespace = o.namespace;
    else delete m.namespace;
    // As upstream's BeforeUpdate: an empty uid takes the old one; a different one fails validation
    // (immutable); creationTimestamp is the server's.
    if (!m.uid) m.uid = o.uid;
    m.creationTimestamp = o.creationTimestamp;
    if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    if (o.generateName !== undefined && m.generateName === undefined) m.generateName = o.generateName;
    delete m.selfLink;
    this.setGeneration(obj, old, subresource);
    return obj;
  }

  /** metadata.generation: the old one, plus one when a main-resource write changed spec. */
  private setGeneration(obj: KubeObject, old: KubeObject, subresource: string): void {
    const m = obj.metadata;
    if (this.tracksGeneration) {
      const oldGen = old.metadata.generation ?? 1;
      m.generation = subresource === '' && specChanged(obj, old) ? oldGen + 1 : oldGen;
    } else delete m.generation;
  }

  async delete(ctx: StrategyContext, namespace: string, name: string, opts: DeleteOptions): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.deps.backend.get(key);
      if (!kv) throw notFound(this.gr, name);
      const cur = this.decode(kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid)
        throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)
        throw conflict(
          this.gr,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
        );
      if (this.deps.admission && attempt === 0) {
        // Admission sees deletes too (oldObject only), as upstream: NodeRestriction limits which
        // pods and nodes a kubelet may delete.
        const areq = this.admissionRequest('DELETE', namespace, name, undefined, cur, ctx, Boolean(opts.dryRun));
        await this.deps.admission.admit(areq);
        await this.deps.admission.validate(areq);
      }
      const plan = this.planDelete(cur, opts);
      try {
        if (plan.kind === 'remove') {
          if (!opts.dryRun) {
            await this.deps.backend.delete(key, kv.modRevision);
            this.deps.hooks?.afterDelete?.(cur);
          }
          return { deleted: cur, warnings: [] };
        }
        const next = plan.object;
        if (jsonEqual(next, cur) || opts.dryRun) return { object: next, warnings: [] };
        const written = await this.deps.backend.update(key, this.encode(next), kv.modRevision);
        next.metadata.resourceVersion = String(written.modRevision);
        return { object: next, warnings: [] };
      } catch (e) {
        if ((e instanceof RevisionConflictError || e instanceof KeyNotFoundError) && attempt < MAX_CAS_RETRIES) continue;
        if (e instanceof KeyNotFoundError) throw notFound(this.gr, name);
        if (e instanceof RevisionConflictError) throw conflict(this.gr, name, OBJECT_MODIFIED);
        throw e;
      }
    }
  }

  /**
   * Decides what a DELETE does to `cur`: remove it now, or mark it (deletionTimestamp, finalizers
   * for Orphan/Foreground propagation, graceful period for pods bound to a node).
   */
  private planDelete(cur: KubeObject, opts: DeleteOptions): { kind: 'remove' } | { kind: 'mark'; object: KubeObject } {
    const obj = deepClone(cur);
    const m = obj.metadata;
    const finalizers = new Set(m.finalizers ?? []);
    const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
    if (policy === 'Orphan') {
      finalizers.add('orphan');
      finalizers.delete('foregroundDeletion');
    } else if (policy === 'Foreground') {
      finalizers.add('foregroundDeletion');
      finalizers.delete('orphan');
    } else if (policy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const grace = this.gracePeriod(cur, opts);
    const now = this.deps.now();
    const pendingSpec = this.specFinalizers(cur).length > 0;
    if (finalizers.size === 0 && grace === 0 && !pendingSpec) return { kind: 'remove' };
    m.finalizers = [...finalizers];
    if (!m.finalizers.length) delete m.finalizers;
    if (!m.deletionTimestamp) {
      m.deletionTimestamp = formatTime(new Date(now.getTime() + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
    } else if (grace < (m.deletionGracePeriodSeconds ?? 0)) {
      // A shorter grace period moves the deadline closer (kubectl delete --grace-period=0 --force).
      m.deletionTimestamp = formatTime(new Date(now.getTime() + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
    }
    if (this.def.group === '' && this.def.plural === 'namespaces') {
      const status = (obj['status'] ??= {}) as Record<string, unknown>;
      status['phase'] = 'Terminating';
    }
    return { kind: 'mark', object: obj };
  }

  /** Namespaces are deleted in two phases: until spec.finalizers is empty they stay Terminating. */
  private specFinalizers(obj: KubeObject): string[] {
    if (!(this.def.group === '' && this.def.plural === 'namespaces')) return [];
    const f = ((obj['spec'] ?? {}) as { finalizers?: string[] }).finalizers;
    return Array.isArray(f) ? f : [];
  }

  /** Graceful deletion applies to pods bound to a node (the kubelet finishes it); everything else is immediate. */
  private gracePeriod(cur: KubeObject, opts: DeleteOptions): number {
    if (!(this.def.group === '' && this.def.plural === 'pods')) return 0;
    const spec = (cur['spec'] ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    if (!spec.nodeName) return 0;
    const phase = ((cur['status'] ?? {}) as { phase?: string }).phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    const g = opts.gracePeriodSeconds ?? cur.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private admissionRequest(
    operation: AdmissionRequest['operation'],
    namespace: string,
    name: string,
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
    ctx: StrategyContext,
    dryRun: boolean,
  ): AdmissionRequest {
    return { operation, def: this.def, namespace: this.def.namespaced ? namespace : '', name, object, oldObject, subresource: ctx.subresource, user: ctx.user, dryRun };
  }

  private checkKind(obj: KubeObject): void {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the object provided is not a JSON object');
    const want = apiVersionOf(this.def.group, this.def.version);
    if (obj.kind !== undefined && obj.kind !== this.def.kind)
      throw badRequest(`the object provided is unrecognized (must be of type ${this.def.kind}): kind "${String(obj.kind)}" does not match`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== want)
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${want})`);
    obj.apiVersion = want;
    obj.kind = this.def.kind;
  }
}

// ---- resourceVersion and continue tokens -------------------------------------------------------

export function parseResourceVersion(rv: string, field = 'resourceVersion'): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`${field}: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  const n = Number(rv);
  if (!Number.isSafeInteger(n)) throw badRequest(`${field}: Invalid value: ${JSON.stringify(rv)}: value out of range`);
  return n;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueToken)).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

/** Used by handlers when a watch/list waits for a fresh revision. */
export const tooLargeResourceVersion = (rv: number, current: number): ApiError =>
  timeout(`Too large resource version: ${rv}, current: ${current}`);

export { forbidden, internalError };
