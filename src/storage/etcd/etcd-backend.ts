/**
 * EtcdBackend: the storage contract on an etcd v3 cluster (the store shared by several control-plane
 * servers), through the `etcd3` client (gRPC).
 *
 * Every key K lives at `prefix + K` in etcd; etcd's own revision is the revision, so revisions are
 * cluster-wide and shared with anything else in the same etcd. Writes are single transactions that
 * compare create/mod revision, so each one is atomic and its answer is etcd's (acknowledged ⇒
 * committed to a quorum and fsynced by etcd). The key `prefix` itself (never a user key) holds the
 * highest revision this store compacted to, so `compactedRevision()` survives restarts. Choose a
 * prefix that no other tenant's prefix extends (end it with a separator if siblings share a stem).
 *
 * Errors: compacted revisions → CompactedError; unreachable cluster, timeouts, closed client →
 * StorageUnavailableError. Watches reconnect on their own after transport failures and resume after
 * the last delivered revision (no gap, no duplicate); they end only on compaction or close().
 */
import { readFileSync } from 'node:fs';
import { Etcd3, type IKeyValue, type IOptions, type IRequestOp, type IWatchResponse, type Watcher } from 'etcd3';
import type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchCallbacks, WatchEvent } from '../backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StorageUnavailableError } from '../errors.js';
import { prefixEnd } from '../internal/keys.js';

export interface EtcdBackendOptions {
  /** Client URLs, e.g. `['https://etcd1:2379', 'https://etcd2:2379']`. */
  endpoints: string[];
  /** Key prefix in etcd for everything this store writes (default `/flotilla`). */
  prefix?: string;
  /** PEM file of the CA that signed the etcd server certificates (https endpoints). */
  caFile?: string;
  /** PEM client certificate, with keyFile, for etcd's client-certificate auth. */
  certFile?: string;
  keyFile?: string;
  /** Deadline of each unary request (default 10 s). */
  requestTimeoutMs?: number;
  /** Keys fetched per etcd range request when listing (default 1000). */
  listPageSize?: number;
}

const enc = (s: string) => Buffer.from(s, 'utf8');

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
type PolicyContext = Parameters<Parameters<GlobalPolicy['execute']>[0]>[0];

/** True when the request provably never reached an etcd server (so even a write may be re-sent). */
function neverSent(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'BrokenCircuitError' ||
    err.constructor?.name === 'BrokenCircuitError' ||
    err.message.includes('No connection established') ||
    err.message.includes('Waiting for LB pick')
  );
}

/**
 * The etcd3 client's default policy retries every transient failure, which could apply a write
 * twice (a create retried after an unseen success would report KeyExistsError). This one re-sends
 * only requests that never left the client, trying the other endpoints; reads are retried further
 * up, in EtcdBackend.call, where it is known that they are idempotent.
 */
function sendSafeRetryPolicy(attempts: number): GlobalPolicy {
  const noEvent = () => ({ dispose() {} });
  const policy = {
    onSuccess: noEvent,
    onFailure: noEvent,
    async execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
      const ctx = { signal: signal ?? new AbortController().signal } as PolicyContext;
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn(ctx);
        } catch (err) {
          if (attempt >= attempts || !neverSent(err)) throw err;
        }
      }
    },
  };
  return policy as unknown as GlobalPolicy;
}

function isCompactedMessage(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}
function isFutureRevMessage(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision is a future revision');
}

export class EtcdBackend implements Backend {
  readonly prefix: string;
  private readonly client: Etcd3;
  /** The meta key (the prefix itself) and the bounds of the whole key space. */
  private readonly metaKey: Buffer;
  private readonly spaceEnd: Buffer;
  private readonly pageSize: number;
  private knownCompacted = 0;
  private closed = false;
  private readonly watches = new Set<{ fail(err: Error): void }>();

  constructor(opts: EtcdBackendOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd backend: no endpoints given');
    this.prefix = opts.prefix ?? '/flotilla';
    if (this.prefix === '') throw new Error('etcd backend: the key prefix must not be empty');
    this.metaKey = enc(this.prefix);
    this.spaceEnd = enc(prefixEnd(this.prefix) as string);
    const secure = opts.endpoints.some((e) => e.startsWith('https://'));
    const timeout = opts.requestTimeoutMs ?? 10_000;
    this.pageSize = Math.max(1, opts.listPageSize ?? 1000);
    const options: IOptions = {
      hosts: opts.endpoints,
      dialTimeout: timeout,
      // values may be up to etcd's request limit (1.5 MiB by default); pages hold many of them
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
      faultHandling: { global: sendSafeRetryPolicy(Math.max(3, opts.endpoints.length * 2)) },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    };
    if (secure && opts.caFile) {
      options.credentials = {
        rootCertificate: readFileSync(opts.caFile),
        ...(opts.certFile ? { certChain: readFileSync(opts.certFile) } : {}),
        ...(opts.keyFile ? { privateKey: readFileSync(opts.keyFile) } : {}),
      };
    }
    this.client = new Etcd3(options);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.read(() => this.client.kv.range({ key: enc(this.prefix + key) }));
    return res.kvs.length > 0 ? this.toKv(res.kvs[0]) : undefined;
  }

  /**
   * Reads in pages of at most `pageSize` keys at one revision (etcd and gRPC limit message sizes),
   * so an unlimited list of many keys is still one consistent snapshot.
   */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const { start, end } = this.range(prefix);
    let from = start;
    if (opts.startAfter !== undefined) {
      const after = Buffer.concat([enc(this.prefix + opts.startAfter), Buffer.from([0])]);
      if (Buffer.compare(after, from) > 0) from = after;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let revision = opts.revision && opts.revision > 0 ? opts.revision : 0;
    const items: KeyValue[] = [];
    for (;;) {
      const want = limit > 0 ? Math.min(limit - items.length, this.pageSize) : this.pageSize;
      const run = () => this.client.kv.range({ key: from, range_end: end, limit: want, revision });
      let res;
      try {
        res = await this.read(run, revision);
      } catch (err) {
        // A revision newer than the store's reads the latest, as the in-process backends do.
        if (!(err instanceof FutureRevision) || items.length > 0) throw err;
        revision = 0;
        res = await this.read(run);
      }
      if (revision === 0) revision = Number(res.header.revision);
      for (const kv of res.kvs) items.push(this.toKv(kv));
      const total = Number(res.count); // keys from `from` to the end of the range
      const left = total - res.kvs.length;
      if (!res.more || (limit > 0 && items.length >= limit) || res.kvs.length === 0) {
        return { items, revision, more: res.more, remaining: left };
      }
      from = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
    }
  }

  async count(prefix: string): Promise<number> {
    const { start, end } = this.range(prefix);
    const res = await this.read(() => this.client.kv.range({ key: start, range_end: end, count_only: true }));
    return Number(res.count);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = enc(this.prefix + key);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: enc(value) } }],
        failure: [],
      }),
    );
    if (!res.succeeded) throw new KeyExistsError(key);
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const k = enc(this.prefix + key);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [
          { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
          { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
        ],
        success: [{ request_put: { key: k, value: enc(value), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.writeFailure(key, expectedRevision, res.responses);
    const prev = res.responses[0]?.response_put?.prev_kv;
    const rev = Number(res.header.revision);
    return { key, value, createRevision: prev ? Number(prev.create_revision) : rev, modRevision: rev };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = enc(this.prefix + key);
    const del: IRequestOp = { request_delete_range: { key: k, prev_kv: true } };
    const res = await this.call(() =>
      this.client.kv.txn({
        compare:
          expectedRevision === undefined
            ? [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }]
            : [
                { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
                { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
              ],
        success: [del],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.writeFailure(key, expectedRevision ?? 0, res.responses);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prev) throw new KeyNotFoundError(key);
    return { key, value: prev.value.toString('utf8'), createRevision: Number(prev.create_revision), modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): Watch {
    const { start, end } = this.range(prefix);
    let last = Math.max(0, afterRevision);
    let done = false;
    let watcher: Watcher | undefined;
    const handle = {
      fail: (err: Error) => {
        if (done) return;
        done = true;
        this.watches.delete(handle);
        void watcher?.cancel().catch(() => {});
        try {
          cb.onError(err);
        } catch {
          // the consumer's error handler failed; nothing more to tell it
        }
      },
    };
    if (this.closed) {
      setImmediate(() => handle.fail(new StorageUnavailableError('storage backend closed')));
      return { close() {} };
    }
    this.watches.add(handle);
    const w = this.client.watch().inRange({ start, end }).startRevision(String(last + 1)).withPreviousKV().watcher();
    watcher = w;
    w.on('data', (res: IWatchResponse) => {
      if (done) return;
      const events: WatchEvent[] = [];
      for (const ev of res.events) {
        const rev = Number(ev.kv.mod_revision);
        if (rev <= last) continue;
        events.push(this.toEvent(ev.type, ev.kv, ev.prev_kv));
      }
      if (events.length === 0) return;
      last = events[events.length - 1].kv.modRevision;
      try {
        cb.onEvents(events);
      } catch (err) {
        handle.fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    // On every reconnect the client re-sends this request: resume right after what we delivered.
    w.on('disconnected', () => {
      (w.request as { start_revision?: string | number }).start_revision = String(last + 1);
    });
    w.on('error', (err: Error) => {
      if (done) return;
      void this.watchFailure(last, afterRevision, err).then((e) => handle.fail(e));
    });
    return {
      close: () => {
        if (done) return;
        done = true;
        this.watches.delete(handle);
        void w.cancel().catch(() => {});
      },
    };
  }

  async currentRevision(): Promise<number> {
    const res = await this.read(() => this.client.kv.range({ key: this.metaKey, count_only: true }));
    return Number(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    const res = await this.read(() => this.client.kv.range({ key: this.metaKey }));
    const stored = res.kvs.length > 0 ? Number(res.kvs[0].value.toString('utf8')) || 0 : 0;
    if (stored > this.knownCompacted) this.knownCompacted = stored;
    return this.knownCompacted;
  }

  /**
   * etcd compaction (physical: waits until etcd applied it) to min(revision, current), then records
   * the compacted revision under the meta key. etcd compacts the whole cluster's history, not only
   * this prefix. Compacting to an already compacted revision is a no-op.
   */
  async compact(revision: number): Promise<void> {
    const current = await this.currentRevision();
    const target = Math.min(revision, current);
    if (target <= (await this.compactedRevision())) return;
    try {
      await this.call(() => this.client.kv.compact({ revision: target, physical: true }));
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err; // someone compacted further already
    }
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await this.call(() => this.client.kv.range({ key: this.metaKey }));
      const kv = res.kvs[0];
      const stored = kv ? Number(kv.value.toString('utf8')) || 0 : 0;
      if (stored >= target) break;
      const txn = await this.call(() =>
        this.client.kv.txn({
          compare: [{ key: this.metaKey, target: 'Mod', result: 'Equal', mod_revision: kv ? kv.mod_revision : 0 }],
          success: [{ request_put: { key: this.metaKey, value: enc(String(target)) } }],
          failure: [],
        }),
      );
      if (txn.succeeded) break;
    }
    if (target > this.knownCompacted) this.knownCompacted = target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new StorageUnavailableError('storage backend closed');
    for (const w of [...this.watches]) w.fail(err);
    await new Promise((r) => setImmediate(r));
    this.client.close();
  }

  /** Key range of a caller prefix; the empty prefix excludes the meta key (the prefix itself). */
  private range(prefix: string): { start: Buffer; end: Buffer } {
    if (prefix === '') return { start: Buffer.concat([this.metaKey, Buffer.from([0])]), end: this.spaceEnd };
    const end = prefixEnd(this.prefix + prefix);
    return { start: enc(this.prefix + prefix), end: end === undefined ? this.spaceEnd : enc(end) };
  }

  private toKv(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.toString('utf8').slice(this.prefix.length),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  private toEvent(type: string, kv: IKeyValue, prev: IKeyValue | undefined): WatchEvent {
    const prevKv = prev ? this.toKv(prev) : undefined;
    if (type === 'Delete') {
      const k = this.toKv(kv);
      return {
        type: 'delete',
        kv: { key: k.key, value: prevKv?.value ?? '', createRevision: prevKv?.createRevision ?? 0, modRevision: k.modRevision },
        ...(prevKv ? { prevKv } : {}),
        created: false,
      };
    }
    const k = this.toKv(kv);
    const created = k.createRevision === k.modRevision;
    return { type: 'put', kv: k, ...(prevKv && !created ? { prevKv } : {}), created };
  }

  private writeFailure(key: string, expected: number, responses: Array<{ response_range?: { kvs: IKeyValue[] } }>): Error {
    const cur = responses[0]?.response_range?.kvs?.[0];
    if (!cur) return new KeyNotFoundError(key);
    return new RevisionConflictError(key, expected, this.toKv(cur));
  }

  /** Why a watch was cancelled by etcd: compaction of its start revision, or something else. */
  private async watchFailure(last: number, afterRevision: number, err: Error): Promise<Error> {
    try {
      await this.call(() => this.client.kv.range({ key: this.metaKey, count_only: true, revision: last + 1 }), last + 1);
    } catch (e) {
      if (e instanceof CompactedError) return new CompactedError(afterRevision, e.compactedRevision);
      if (e instanceof FutureRevision) return new StorageUnavailableError(`etcd watch failed: ${err.message}`, { cause: err });
      return e instanceof Error ? e : new StorageUnavailableError(String(e));
    }
    return new StorageUnavailableError(`etcd watch failed: ${err.message}`, { cause: err });
  }

  /** A read: like call(), but retried (it is idempotent) on transport failures. */
  private async read<T>(fn: () => Promise<T>, readRevision = 0): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(fn, readRevision);
      } catch (err) {
        if (!(err instanceof StorageUnavailableError) || this.closed || attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }

  /** Runs one etcd request once and translates its errors into domain errors. */
  private async call<T>(fn: () => Promise<T>, readRevision = 0): Promise<T> {
    if (this.closed) throw new StorageUnavailableError('storage backend closed');
    try {
      return await fn();
    } catch (err) {
      if (isCompactedMessage(err)) {
        let compacted = this.knownCompacted;
        try {
          const res = await this.client.kv.range({ key: this.metaKey });
          const stored = res.kvs.length > 0 ? Number(res.kvs[0].value.toString('utf8')) || 0 : 0;
          compacted = Math.max(compacted, stored, readRevision + 1);
        } catch {
          compacted = Math.max(compacted, readRevision + 1);
        }
        throw new CompactedError(readRevision, compacted);
      }
      if (isFutureRevMessage(err)) throw new FutureRevision(err as Error);
      const msg = err instanceof Error ? err.message : String(err);
      throw new StorageUnavailableError(`etcd request failed: ${msg}`, { cause: err });
    }
  }
}

/** Internal: a read asked for a revision newer than etcd's. */
class FutureRevision extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}
