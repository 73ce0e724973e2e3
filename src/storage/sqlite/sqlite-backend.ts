/**
 * SqliteBackend: the storage contract on one SQLite file (better-sqlite3), the default store of a
 * single-server cluster.
 *
 * Tables (see sqlite-store.ts): `kv_current` (key → latest value) answers get/list/count without
 * scanning history; `kv_log` (one row per revision with the value before the write) feeds watches,
 * snapshot reads at older revisions and prevKv; `kv_meta` keeps the revision counter and the
 * compacted revision. Compaction records the compacted revision durably, then deletes old `kv_log`
 * rows in small steps between write batches, so writers wait at most for one small step.
 *
 * Durability and group commit: WAL with synchronous=FULL. Writes are applied in batches, ONE
 * transaction (one fsync) per batch, each write with its own check, result and error, in call order;
 * a write's promise settles only after its transaction committed. With the writer thread (default),
 * one batch is in flight at a time and every write issued meanwhile joins the next batch; without
 * it, writes issued in the same event-loop turn form a batch. If a transaction itself fails (disk
 * full, I/O error), every write in it rejects with StorageUnavailableError and none happened.
 *
 * Threads: reads run on the caller's thread on their own connection, each list in one read
 * transaction (a consistent snapshot, never blocked by the writer in WAL mode). Commits and their
 * fsyncs run on a worker thread, so the caller's event loop is not stalled while the disk syncs.
 *
 * One process owns the file: a lock file (`<path>-lock`, held with an exclusive SQLite lock) makes a
 * second opener, in this or another process, fail with StorageUnavailableError.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchCallbacks } from '../backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StorageUnavailableError } from '../errors.js';
import { rowToEvent, snapshotList, type ChangeRow, type CurrentReader } from '../internal/history.js';
import { compareKeys, prefixEnd } from '../internal/keys.js';
import { LocalWatchHub } from '../internal/watch-hub.js';
import { curKv, LOG_COLS, openDatabase, readMeta, SqliteWriter, toChange, type CurRow, type LogRow, type WireOp, type WireResult } from './sqlite-store.js';

export interface SqliteBackendOptions {
  /** Database file; missing parent directories are created. */
  path: string;
  /** Commit on a worker thread (default true); false commits on the caller's thread. */
  writerThread?: boolean;
  /** Most writes per transaction (default 1000). */
  maxBatch?: number;
  /** History rows deleted per compaction step (default 1000). */
  compactBatch?: number;
  /** How long to wait for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
}

interface PendingWrite {
  op: WireOp;
  resolve: (kv: KeyValue) => void;
  reject: (e: Error) => void;
}

type WorkerReply =
  | { t: 'ready'; rev: number; compactRev: number }
  | { t: 'batch'; id: number; results: WireResult[]; rows: ChangeRow[]; rev: number; transactions: number }
  | { t: 'batch'; id: number; error: string }
  | { t: 'marked'; id: number; target: number }
  | { t: 'compacted'; id: number; error?: string }
  | { t: 'closed' };

/** A set of statements over a key range: lower bound inclusive/exclusive × upper bound or none. */
function rangeVariants(db: Database.Database, sql: (lowerOp: '>=' | '>', upper: boolean) => string) {
  return {
    ge: db.prepare(sql('>=', false)),
    gt: db.prepare(sql('>', false)),
    geU: db.prepare(sql('>=', true)),
    gtU: db.prepare(sql('>', true)),
  };
}

function pick<T>(v: { ge: T; gt: T; geU: T; gtU: T }, exclusive: boolean, upper: string | undefined): T {
  return upper === undefined ? (exclusive ? v.gt : v.ge) : exclusive ? v.gtU : v.geU;
}

function unavailable(what: string, err: unknown): StorageUnavailableError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StorageUnavailableError(`sqlite ${what} failed: ${msg}`, { cause: err });
}

/**
 * Starts the writer thread. Compiled (.js) it is a plain worker; run from TypeScript sources (tests,
 * tsx) the worker first registers tsx's loader, which workers do not inherit on Node 20.
 */
function startWriterThread(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), { workerData });
  const target = new URL('./sqlite-writer-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export class SqliteBackend implements Backend {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly lock: Database.Database;
  private readonly maxBatch: number;
  private readonly compactBatch: number;
  /** Highest revision whose commit this thread has seen acknowledged. */
  private rev = 0;
  private compactRev = 0;
  private closed = false;
  private broken: Error | undefined;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private writeTxns = 0;
  private compacting: Promise<void> = Promise.resolve();
  private readonly hub: LocalWatchHub;
  private readonly st: ReturnType<SqliteBackend['prepare']>;
  /** In-thread writer (writerThread: false). */
  private readonly local: SqliteWriter | undefined;
  /** Worker writer (default). */
  private readonly worker: Worker | undefined;
  private inflight: { id: number; writes: PendingWrite[] } | undefined;
  private nextId = 1;
  private readonly compactWaiters = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private workerClosed: Promise<void> = Promise.resolve();

  constructor(opts: SqliteBackendOptions) {
    this.path = opts.path;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.compactBatch = opts.compactBatch ?? 1000;
    const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
    const useWorker = opts.writerThread ?? true;
    mkdirSync(dirname(opts.path), { recursive: true });
    this.lock = SqliteBackend.acquireLock(`${opts.path}-lock`, opts.path, busyTimeoutMs);
    try {
      this.db = openDatabase(opts.path, { exclusive: !useWorker, busyTimeoutMs });
      const meta = readMeta(this.db);
      this.rev = meta.rev;
      this.compactRev = meta.compactRev;
      this.st = this.prepare();
    } catch (err) {
      this.lock.close();
      throw unavailable(`open ${opts.path}`, err);
    }
    if (useWorker) {
      const w = startWriterThread({ path: opts.path, busyTimeoutMs, compactBatch: this.compactBatch });
      this.worker = w;
      w.unref();
      w.on('message', (m: WorkerReply) => this.onWorkerMessage(m));
      w.on('error', (err) => this.breakWriter(unavailable('writer thread', err)));
      this.workerClosed = new Promise((resolve) =>
        w.once('exit', (code) => {
          if (!this.closed) this.breakWriter(new StorageUnavailableError(`sqlite writer thread exited (code ${code})`));
          resolve();
        }),
      );
    } else {
      this.local = new SqliteWriter(this.db);
    }
    this.hub = new LocalWatchHub({
      committedRevision: () => this.rev,
      compactedRevision: () => this.compactRev,
      readHistory: (prefix, afterRev, toRev) =>
        this.snapshot(() => {
          const compactRev = this.metaValue('compact_rev');
          if (afterRev + 1 < compactRev) throw new CompactedError(afterRev, compactRev);
          const upper = prefixEnd(prefix);
          const rows = (upper === undefined ? this.st.history.all(afterRev, toRev, prefix) : this.st.historyU.all(afterRev, toRev, prefix, upper)) as LogRow[];
          return rows.map((r) => rowToEvent(toChange(r)));
        }),
    });
  }

  /** Holds an exclusive SQLite lock on `<path>-lock` for the backend's lifetime. */
  private static acquireLock(lockPath: string, path: string, busyTimeoutMs: number): Database.Database {
    let lock: Database.Database | undefined;
    try {
      lock = new Database(lockPath);
      lock.pragma(`busy_timeout = ${Math.min(busyTimeoutMs, 1000)}`);
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER)');
      lock.exec('BEGIN EXCLUSIVE; DELETE FROM owner; COMMIT');
      lock.prepare('INSERT INTO owner (pid) VALUES (?)').run(process.pid);
      return lock;
    } catch (err) {
      lock?.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new StorageUnavailableError(`sqlite database ${path} is in use by another process or backend`, { cause: err });
      }
      throw unavailable(`open ${path}`, err);
    }
  }

  private prepare() {
    const db = this.db;
    return {
      meta: db.prepare('SELECT value FROM kv_meta WHERE name = ?'),
      get: db.prepare('SELECT key, value, create_rev, mod_rev FROM kv_current WHERE key = ?'),
      page: rangeVariants(
        db,
        (op, u) => `SELECT key, value, create_rev, mod_rev FROM kv_current WHERE key ${op} ?${u ? ' AND key < ?' : ''} ORDER BY key LIMIT ?`,
      ),
      count: rangeVariants(db, (op, u) => `SELECT count(*) AS n FROM kv_current WHERE key ${op} ?${u ? ' AND key < ?' : ''}`),
      changes: rangeVariants(
        db,
        (op, u) => `SELECT ${LOG_COLS} FROM kv_log WHERE rev > ? AND key ${op} ?${u ? ' AND key < ?' : ''} ORDER BY rev`,
      ),
      history: db.prepare(`SELECT ${LOG_COLS} FROM kv_log WHERE rev > ? AND rev <= ? AND key >= ? ORDER BY rev`),
      historyU: db.prepare(`SELECT ${LOG_COLS} FROM kv_log WHERE rev > ? AND rev <= ? AND key >= ? AND key < ? ORDER BY rev`),
      historyRows: db.prepare('SELECT count(*) AS n FROM kv_log'),
      keys: db.prepare('SELECT count(*) AS n FROM kv_current'),
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    const r = this.read('get', () => this.st.get.get(key) as CurRow | undefined);
    return r ? curKv(r) : undefined;
  }

  /** One read transaction: items, revision and compaction check come from the same snapshot. */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check();
    const startAfter = opts.startAfter !== undefined && compareKeys(opts.startAfter, prefix) >= 0 ? opts.startAfter : undefined;
    const upper = prefixEnd(prefix);
    const bind = (after: string | undefined): unknown[] => {
      const args: unknown[] = [after ?? prefix];
      if (upper !== undefined) args.push(upper);
      return args;
    };
    const reader: CurrentReader = {
      page: (after, limit) =>
        (pick(this.st.page, after !== undefined, upper).all(...bind(after), limit > 0 ? limit : -1) as CurRow[]).map(curKv),
      countAfter: (after) => (pick(this.st.count, after !== undefined, upper).get(...bind(after)) as { n: number }).n,
    };
    return this.read('list', () =>
      this.snapshot(() => {
        const latest = Math.max(this.metaValue('rev'), this.rev);
        const compactRev = this.metaValue('compact_rev');
        const revision = opts.revision && opts.revision < latest ? opts.revision : latest;
        if (revision < compactRev) throw new CompactedError(revision, compactRev);
        const changes =
          revision < latest
            ? (pick(this.st.changes, startAfter !== undefined, upper).all(revision, ...bind(startAfter)) as LogRow[]).map(toChange)
            : [];
        return snapshotList(reader, changes, startAfter, opts.limit ?? 0, revision);
      }),
    );
  }

  async count(prefix: string): Promise<number> {
    this.check();
    const upper = prefixEnd(prefix);
    const s = pick(this.st.count, false, upper);
    return this.read('count', () => (upper === undefined ? (s.get(prefix) as { n: number }) : (s.get(prefix, upper) as { n: number })).n);
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value, expected: expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.enqueue(expectedRevision === undefined ? { kind: 'delete', key } : { kind: 'delete', key, expected: expectedRevision });
  }

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): Watch {
    return this.hub.watch(prefix, afterRevision, cb);
  }

  async currentRevision(): Promise<number> {
    this.check();
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.check();
    return this.compactRev;
  }

  /**
   * Records min(revision, current) as the compacted revision (durably, before anything is deleted),
   * then deletes older history in steps of `compactBatch` rows between write batches. Concurrent
   * calls run one after another. Resolves when the rows are gone.
   */
  compact(revision: number): Promise<void> {
    const run = this.compacting.then(() => this.compactNow(revision));
    this.compacting = run.catch(() => {});
    return run;
  }

  /** Diagnostics (metrics, tests): revisions, stored history rows, keys, write transactions so far. */
  stats(): { revision: number; compactedRevision: number; historyRows: number; keys: number; writeTransactions: number } {
    this.check();
    const historyRows = (this.st.historyRows.get() as { n: number }).n;
    const keys = (this.st.keys.get() as { n: number }).n;
    return { revision: this.rev, compactedRevision: this.compactRev, historyRows, keys, writeTransactions: this.writeTxns };
  }

  /** Commits queued writes, ends watches, stops the writer and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.local) {
      while (this.queue.length > 0) this.flushLocal();
    } else {
      while ((this.queue.length > 0 || this.inflight) && !this.broken) {
        if (!this.inflight) this.sendBatch();
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    this.closed = true;
    const closedErr = new StorageUnavailableError('storage backend closed');
    this.hub.closeAll(closedErr);
    if (this.worker) {
      // A running compaction stops between steps; its compacted revision is already recorded.
      this.worker.ref();
      this.worker.postMessage({ t: 'close' });
      const timer = setTimeout(() => void this.worker?.terminate(), 5000);
      await this.workerClosed;
      clearTimeout(timer);
      for (const w of this.compactWaiters.values()) w.reject(closedErr);
      this.compactWaiters.clear();
    }
    await this.compacting;
    this.db.close();
    this.lock.close();
  }

  private async compactNow(revision: number): Promise<void> {
    this.check();
    const target = Math.min(revision, this.rev);
    if (target <= this.compactRev) return;
    if (this.local) {
      try {
        this.local.markCompacted(target);
      } catch (err) {
        throw unavailable('compact', err);
      }
      this.compactRev = target;
      for (;;) {
        if (this.closed) return;
        let n: number;
        try {
          n = this.local.compactStep(target, this.compactBatch);
        } catch (err) {
          throw unavailable('compact', err);
        }
        if (n < this.compactBatch) return;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    if (this.broken) throw this.broken;
    const id = this.nextId++;
    await new Promise<void>((resolve, reject) => {
      this.compactWaiters.set(id, { resolve, reject });
      this.worker!.ref();
      this.worker!.postMessage({ t: 'compact', id, target });
    });
  }

  private enqueue(op: WireOp): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new StorageUnavailableError('storage backend closed'));
      if (this.broken) return reject(this.broken);
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled && !this.inflight) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          if (this.local) this.flushLocal();
          else if (!this.inflight) this.sendBatch();
        });
      }
    });
  }

  private takeBatch(): PendingWrite[] {
    if (this.queue.length <= this.maxBatch) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    return this.queue.splice(0, this.maxBatch);
  }

  /** In-thread mode: applies up to maxBatch queued writes in one transaction and settles them. */
  private flushLocal(): void {
    if (this.queue.length === 0) return;
    const writes = this.takeBatch();
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushLocal();
      });
    }
    let out: { results: WireResult[]; rows: ChangeRow[] };
    try {
      out = this.local!.applyBatch(writes.map((w) => w.op));
    } catch (err) {
      const e = unavailable('write', err);
      for (const w of writes) w.reject(e);
      return;
    }
    this.writeTxns = this.local!.transactions;
    this.settle(writes, out.results, out.rows, this.local!.rev);
  }

  /** Worker mode: sends the queued writes (up to maxBatch) as the one in-flight batch. */
  private sendBatch(): void {
    if (this.queue.length === 0 || this.inflight || this.broken) return;
    const writes = this.takeBatch();
    const id = this.nextId++;
    this.inflight = { id, writes };
    this.worker!.ref();
    this.worker!.postMessage({ t: 'batch', id, ops: writes.map((w) => w.op) });
  }

  private onWorkerMessage(m: WorkerReply): void {
    switch (m.t) {
      case 'batch': {
        const inflight = this.inflight;
        if (!inflight || inflight.id !== m.id) return;
        this.inflight = undefined;
        if ('error' in m) {
          const e = new StorageUnavailableError(`sqlite write failed: ${m.error}`);
          for (const w of inflight.writes) w.reject(e);
        } else {
          this.writeTxns = m.transactions;
          this.settle(inflight.writes, m.results, m.rows, m.rev);
        }
        // everything queued while this batch was committing becomes the next batch
        if (this.queue.length > 0) this.sendBatch();
        break;
      }
      case 'marked':
        if (m.target > this.compactRev) this.compactRev = m.target;
        break;
      case 'compacted': {
        const w = this.compactWaiters.get(m.id);
        this.compactWaiters.delete(m.id);
        if (w) {
          if (m.error) w.reject(new StorageUnavailableError(`sqlite compact failed: ${m.error}`));
          else w.resolve();
        }
        break;
      }
      default:
        break;
    }
    if (!this.inflight && this.compactWaiters.size === 0 && !this.closed) this.worker?.unref();
  }

  private settle(writes: PendingWrite[], results: WireResult[], rows: ChangeRow[], rev: number): void {
    if (rev > this.rev) this.rev = rev;
    for (let i = 0; i < writes.length; i++) {
      const r = results[i];
      const { op } = writes[i];
      if ('ok' in r) writes[i].resolve(r.ok);
      else if ('exists' in r) writes[i].reject(new KeyExistsError(op.key));
      else if ('notFound' in r) writes[i].reject(new KeyNotFoundError(op.key));
      else writes[i].reject(new RevisionConflictError(op.key, r.expected, r.conflict));
    }
    if (rows.length > 0 && this.hub.hasWatchers()) this.hub.publish(rows.map(rowToEvent));
  }

  /** The writer thread failed: reject everything pending and every later write. */
  private breakWriter(err: StorageUnavailableError): void {
    if (this.broken) return;
    this.broken = err;
    const pending = [...(this.inflight?.writes ?? []), ...this.queue];
    this.inflight = undefined;
    this.queue = [];
    for (const w of pending) w.reject(err);
    for (const w of this.compactWaiters.values()) w.reject(err);
    this.compactWaiters.clear();
  }

  private metaValue(name: string): number {
    return (this.st.meta.get(name) as { value: number } | undefined)?.value ?? 0;
  }

  /** Runs `fn` in one read transaction (a consistent snapshot). */
  private snapshot<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.st.begin.run();
    try {
      const out = fn();
      this.st.commit.run();
      return out;
    } catch (err) {
      if (this.db.inTransaction) this.st.rollback.run();
      throw err;
    }
  }

  private read<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof CompactedError) throw err;
      throw unavailable(what, err);
    }
  }

  private check(): void {
    if (this.closed) throw new StorageUnavailableError('storage backend closed');
  }
}
