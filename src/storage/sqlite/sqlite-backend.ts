/**
 * SqliteBackend: the storage contract on one SQLite file (better-sqlite3), the default store of a
 * single-server cluster.
 *
 * Tables: `kv_current` (key → latest value, create/mod revision) answers get/list/count without
 * scanning history; `kv_log` (one row per revision with the value before the write) feeds watches,
 * snapshot reads at older revisions and prevKv; `kv_meta` keeps the revision counter and the
 * compacted revision. Compaction only deletes old `kv_log` rows, in small transactions that yield to
 * the event loop between them, so writers wait at most for one small batch. The compacted revision is
 * committed durably first; the deletions themselves skip their own fsync (rows below the compacted
 * revision are never read, and a later commit's fsync persists them).
 *
 * Durability and group commit: WAL with synchronous=FULL. Writes issued in the same event-loop turn
 * are applied in ONE transaction (one fsync), each with its own check and result, in call order; a
 * write's promise settles only after that transaction committed. If the transaction itself fails
 * (disk full, I/O error), every write in it rejects with StorageUnavailableError and none happened.
 *
 * Concurrency: one process owns the file (exclusive locking mode); a second opener gets
 * StorageUnavailableError. All statements run on the calling thread and are short.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchCallbacks, WatchEvent } from '../backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StorageUnavailableError } from '../errors.js';
import { ChangeType, rowToEvent, snapshotList, type ChangeRow, type CurrentReader } from '../internal/history.js';
import { compareKeys, prefixEnd } from '../internal/keys.js';
import { LocalWatchHub } from '../internal/watch-hub.js';

export interface SqliteBackendOptions {
  /** Database file; missing parent directories are created. */
  path: string;
  /** Most writes per group-commit transaction (default 500, a few ms of synchronous work). */
  maxBatch?: number;
  /** History rows deleted per compaction transaction (default 1000). */
  compactBatch?: number;
  /** How long to wait for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
}

type WriteOp =
  | { kind: 'create'; key: string; value: string; resolve: (kv: KeyValue) => void; reject: (e: Error) => void }
  | { kind: 'update'; key: string; value: string; expected: number; resolve: (kv: KeyValue) => void; reject: (e: Error) => void }
  | { kind: 'delete'; key: string; expected: number | undefined; resolve: (kv: KeyValue) => void; reject: (e: Error) => void };

interface CurRow {
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

interface LogRow {
  rev: number;
  key: string;
  type: ChangeType;
  value: string | null;
  create_rev: number;
  prev_value: string | null;
  prev_mod_rev: number;
}

const LOG_COLS = 'rev, key, type, value, create_rev, prev_value, prev_mod_rev';

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

function toChange(r: LogRow): ChangeRow {
  return {
    rev: r.rev,
    key: r.key,
    type: r.type,
    value: r.value,
    createRev: r.create_rev,
    prevValue: r.prev_value,
    prevModRev: r.prev_mod_rev,
  };
}

function curKv(r: CurRow): KeyValue {
  return { key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev };
}

function unavailable(what: string, err: unknown): StorageUnavailableError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StorageUnavailableError(`sqlite ${what} failed: ${msg}`, { cause: err });
}

export class SqliteBackend implements Backend {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly maxBatch: number;
  private readonly compactBatch: number;
  private rev = 0;
  private compactRev = 0;
  private closed = false;
  private queue: WriteOp[] = [];
  private flushScheduled = false;
  private writeTxns = 0;
  private compacting: Promise<void> = Promise.resolve();
  private readonly hub: LocalWatchHub;
  private readonly st: ReturnType<SqliteBackend['prepare']>;

  constructor(opts: SqliteBackendOptions) {
    this.path = opts.path;
    this.maxBatch = opts.maxBatch ?? 500;
    this.compactBatch = opts.compactBatch ?? 1000;
    mkdirSync(dirname(opts.path), { recursive: true });
    try {
      this.db = new Database(opts.path);
    } catch (err) {
      throw unavailable(`open ${opts.path}`, err);
    }
    try {
      this.db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS kv_current (
          key TEXT PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS kv_log (
          rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT,
          create_rev INTEGER NOT NULL, prev_value TEXT, prev_mod_rev INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS kv_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      `);
      this.st = this.prepare();
      const meta = (name: string) => (this.st.getMeta.get(name) as { value: number } | undefined)?.value ?? 0;
      const maxLog = (this.db.prepare('SELECT max(rev) AS r FROM kv_log').get() as { r: number | null }).r ?? 0;
      const maxCur = (this.db.prepare('SELECT max(mod_rev) AS r FROM kv_current').get() as { r: number | null }).r ?? 0;
      this.rev = Math.max(meta('rev'), maxLog, maxCur);
      this.compactRev = meta('compact_rev');
    } catch (err) {
      this.db.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new StorageUnavailableError(`sqlite database ${opts.path} is in use by another process`, { cause: err });
      }
      throw unavailable(`open ${opts.path}`, err);
    }
    this.hub = new LocalWatchHub({
      committedRevision: () => this.rev,
      compactedRevision: () => this.compactRev,
      readHistory: (prefix, afterRev, toRev) => {
        const upper = prefixEnd(prefix);
        const s = upper === undefined ? this.st.history : this.st.historyU;
        const rows = (upper === undefined ? s.all(afterRev, toRev, prefix) : s.all(afterRev, toRev, prefix, upper)) as LogRow[];
        return rows.map((r) => rowToEvent(toChange(r)));
      },
    });
  }

  private prepare() {
    const db = this.db;
    return {
      getMeta: db.prepare('SELECT value FROM kv_meta WHERE name = ?'),
      setMeta: db.prepare('INSERT INTO kv_meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      get: db.prepare('SELECT key, value, create_rev, mod_rev FROM kv_current WHERE key = ?'),
      insert: db.prepare('INSERT INTO kv_current (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING'),
      update: db.prepare('UPDATE kv_current SET value = ?, mod_rev = ? WHERE key = ?'),
      remove: db.prepare('DELETE FROM kv_current WHERE key = ?'),
      log: db.prepare(`INSERT INTO kv_log (${LOG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
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
      compactBatch: db.prepare('DELETE FROM kv_log WHERE rev IN (SELECT rev FROM kv_log WHERE rev < ? ORDER BY rev LIMIT ?)'),
    };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    const r = this.read('get', () => this.st.get.get(key) as CurRow | undefined);
    return r ? curKv(r) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check();
    const revision = opts.revision && opts.revision < this.rev ? opts.revision : this.rev;
    if (revision < this.compactRev) throw new CompactedError(revision, this.compactRev);
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
    return this.read('list', () => {
      const changes =
        revision < this.rev
          ? (pick(this.st.changes, startAfter !== undefined, upper).all(revision, ...bind(startAfter)) as LogRow[]).map(toChange)
          : [];
      return snapshotList(reader, changes, startAfter, opts.limit ?? 0, revision);
    });
  }

  async count(prefix: string): Promise<number> {
    this.check();
    const upper = prefixEnd(prefix);
    const s = pick(this.st.count, false, upper);
    return this.read('count', () => (upper === undefined ? (s.get(prefix) as { n: number }) : (s.get(prefix, upper) as { n: number })).n);
  }

  create(key: string, value: string): Promise<KeyValue> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'create', key, value, resolve, reject }));
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'update', key, value, expected: expectedRevision, resolve, reject }));
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'delete', key, expected: expectedRevision, resolve, reject }));
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
   * Marks everything below `revision` (clamped to the current revision) as compacted at once, then
   * deletes those history rows in batches of `compactBatch`, yielding to the event loop between
   * batches. Concurrent calls run one after another. Resolves when the rows are gone.
   */
  compact(revision: number): Promise<void> {
    const run = this.compacting.then(() => this.compactNow(revision));
    this.compacting = run.catch(() => {});
    return run;
  }

  /** Diagnostics (metrics, tests): revisions and the number of history rows still stored. */
  stats(): { revision: number; compactedRevision: number; historyRows: number; keys: number; writeTransactions: number } {
    this.check();
    const historyRows = (this.db.prepare('SELECT count(*) AS n FROM kv_log').get() as { n: number }).n;
    const keys = (this.db.prepare('SELECT count(*) AS n FROM kv_current').get() as { n: number }).n;
    return { revision: this.rev, compactedRevision: this.compactRev, historyRows, keys, writeTransactions: this.writeTxns };
  }

  /** Commits queued writes, ends watches and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.queue.length > 0) this.flush();
    this.closed = true;
    this.hub.closeAll(new StorageUnavailableError('storage backend closed'));
    await this.compacting;
    this.db.close();
  }

  private async compactNow(revision: number): Promise<void> {
    this.check();
    const target = Math.min(revision, this.rev);
    if (target <= this.compactRev) return;
    try {
      this.st.setMeta.run('compact_rev', target);
    } catch (err) {
      throw unavailable('compact', err);
    }
    this.compactRev = target;
    for (;;) {
      if (this.closed) return;
      let n: number;
      try {
        // Deleting history needs no fsync of its own: the compacted revision is already durable, rows
        // below it are never read, and the next write commit's fsync covers these WAL frames anyway.
        this.db.pragma('synchronous = NORMAL');
        try {
          n = this.st.compactBatch.run(target, this.compactBatch).changes;
        } finally {
          this.db.pragma('synchronous = FULL');
        }
      } catch (err) {
        throw unavailable('compact', err);
      }
      if (n < this.compactBatch) return;
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private enqueue(op: WriteOp): void {
    if (this.closed) {
      op.reject(new StorageUnavailableError('storage backend closed'));
      return;
    }
    this.queue.push(op);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Applies up to maxBatch queued writes in one transaction, then settles them in order. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const ops = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = ops === this.queue ? [] : this.queue.slice(this.maxBatch);
    if (this.queue.length > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    const results: Array<KeyValue | Error> = new Array(ops.length);
    const rows: ChangeRow[] = [];
    let rev = this.rev;
    const st = this.st;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i];
          if (op.kind === 'create') {
            const next = rev + 1;
            if (st.insert.run(op.key, op.value, next, next).changes === 0) {
              results[i] = new KeyExistsError(op.key);
              continue;
            }
            rev = next;
            st.log.run(rev, op.key, ChangeType.Create, op.value, rev, null, 0);
            rows.push({ rev, key: op.key, type: ChangeType.Create, value: op.value, createRev: rev, prevValue: null, prevModRev: 0 });
            results[i] = { key: op.key, value: op.value, createRevision: rev, modRevision: rev };
            continue;
          }
          const old = st.get.get(op.key) as CurRow | undefined;
          if (!old) {
            results[i] = new KeyNotFoundError(op.key);
            continue;
          }
          if (op.expected !== undefined && old.mod_rev !== op.expected) {
            results[i] = new RevisionConflictError(op.key, op.expected, curKv(old));
            continue;
          }
          rev++;
          if (op.kind === 'update') {
            st.update.run(op.value, rev, op.key);
            st.log.run(rev, op.key, ChangeType.Update, op.value, old.create_rev, old.value, old.mod_rev);
            rows.push({ rev, key: op.key, type: ChangeType.Update, value: op.value, createRev: old.create_rev, prevValue: old.value, prevModRev: old.mod_rev });
            results[i] = { key: op.key, value: op.value, createRevision: old.create_rev, modRevision: rev };
          } else {
            st.remove.run(op.key);
            st.log.run(rev, op.key, ChangeType.Delete, null, old.create_rev, old.value, old.mod_rev);
            rows.push({ rev, key: op.key, type: ChangeType.Delete, value: null, createRev: old.create_rev, prevValue: old.value, prevModRev: old.mod_rev });
            results[i] = { key: op.key, value: old.value, createRevision: old.create_rev, modRevision: rev };
          }
        }
        if (rows.length > 0) st.setMeta.run('rev', rev);
        this.db.exec('COMMIT');
        this.writeTxns++;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      const e = unavailable('write', err);
      for (const op of ops) op.reject(e);
      return;
    }
    this.rev = rev;
    for (let i = 0; i < ops.length; i++) {
      const r = results[i];
      if (r instanceof Error) ops[i].reject(r);
      else ops[i].resolve(r);
    }
    if (rows.length > 0 && this.hub.hasWatchers()) this.hub.publish(rows.map(rowToEvent));
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
