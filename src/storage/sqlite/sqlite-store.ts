/**
 * The SQLite file format and statements shared by SqliteBackend's reader (main thread) and its
 * writer (worker thread, or the main thread when `writerThread: false`). Internal to sqlite/.
 *
 * Tables: `kv_current` (key → latest value, create/mod revision), `kv_log` (one row per revision
 * with the value before the write), `kv_meta` (`rev`: last committed revision, `compact_rev`).
 * `rev` and `compact_rev` are written in the same transactions as the rows they describe, so any
 * read transaction sees a consistent triple (rows, revision, compacted revision).
 */
import Database from 'better-sqlite3';
import type { KeyValue } from '../backend.js';
import { ChangeType, type ChangeRow } from '../internal/history.js';

/** One write as it crosses the thread boundary. */
export interface WireOp {
  kind: 'create' | 'update' | 'delete';
  key: string;
  value?: string;
  expected?: number;
}

/** One write's outcome: the new/deleted KeyValue or why it was refused. */
export type WireResult =
  | { ok: KeyValue }
  | { exists: true }
  | { notFound: true }
  | { conflict: KeyValue; expected: number };

export interface CurRow {
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

export interface LogRow {
  rev: number;
  key: string;
  type: ChangeType;
  value: string | null;
  create_rev: number;
  prev_value: string | null;
  prev_mod_rev: number;
}

export const LOG_COLS = 'rev, key, type, value, create_rev, prev_value, prev_mod_rev';

export function toChange(r: LogRow): ChangeRow {
  return { rev: r.rev, key: r.key, type: r.type, value: r.value, createRev: r.create_rev, prevValue: r.prev_value, prevModRev: r.prev_mod_rev };
}

export function curKv(r: CurRow): KeyValue {
  return { key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev };
}

/** Opens the file with the durability settings of the contract and creates the tables. */
export function openDatabase(path: string, opts: { exclusive: boolean; busyTimeoutMs: number }): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs}`);
    if (opts.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS kv_current (
        key TEXT PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS kv_log (
        rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT,
        create_rev INTEGER NOT NULL, prev_value TEXT, prev_mod_rev INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS kv_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Reads the committed revision and compacted revision (inside the caller's transaction, if any). */
export function readMeta(db: Database.Database): { rev: number; compactRev: number } {
  const meta = (name: string) => (db.prepare('SELECT value FROM kv_meta WHERE name = ?').get(name) as { value: number } | undefined)?.value ?? 0;
  const maxLog = (db.prepare('SELECT max(rev) AS r FROM kv_log').get() as { r: number | null }).r ?? 0;
  const maxCur = (db.prepare('SELECT max(mod_rev) AS r FROM kv_current').get() as { r: number | null }).r ?? 0;
  return { rev: Math.max(meta('rev'), maxLog, maxCur), compactRev: meta('compact_rev') };
}

/** The write side: applies batches of writes as one transaction each, and compacts history. */
export class SqliteWriter {
  rev: number;
  compactRev: number;
  transactions = 0;
  private readonly st;

  constructor(private readonly db: Database.Database) {
    const m = readMeta(db);
    this.rev = m.rev;
    this.compactRev = m.compactRev;
    this.st = {
      setMeta: db.prepare('INSERT INTO kv_meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      get: db.prepare('SELECT key, value, create_rev, mod_rev FROM kv_current WHERE key = ?'),
      insert: db.prepare('INSERT INTO kv_current (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING'),
      update: db.prepare('UPDATE kv_current SET value = ?, mod_rev = ? WHERE key = ?'),
      remove: db.prepare('DELETE FROM kv_current WHERE key = ?'),
      log: db.prepare(`INSERT INTO kv_log (${LOG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      compactBatch: db.prepare('DELETE FROM kv_log WHERE rev IN (SELECT rev FROM kv_log WHERE rev < ? ORDER BY rev LIMIT ?)'),
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
  }

  /**
   * Applies the writes in order in ONE durable transaction; each gets its own result. Throws (and
   * changes nothing, including `rev`) if the transaction itself fails.
   */
  applyBatch(ops: readonly WireOp[]): { results: WireResult[]; rows: ChangeRow[] } {
    const st = this.st;
    const results: WireResult[] = new Array(ops.length);
    const rows: ChangeRow[] = [];
    let rev = this.rev;
    st.begin.run();
    try {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        const value = op.value ?? '';
        if (op.kind === 'create') {
          const next = rev + 1;
          if (st.insert.run(op.key, value, next, next).changes === 0) {
            results[i] = { exists: true };
            continue;
          }
          rev = next;
          st.log.run(rev, op.key, ChangeType.Create, value, rev, null, 0);
          rows.push({ rev, key: op.key, type: ChangeType.Create, value, createRev: rev, prevValue: null, prevModRev: 0 });
          results[i] = { ok: { key: op.key, value, createRevision: rev, modRevision: rev } };
          continue;
        }
        const old = st.get.get(op.key) as CurRow | undefined;
        if (!old) {
          results[i] = { notFound: true };
          continue;
        }
        if (op.expected !== undefined && op.expected !== null && old.mod_rev !== op.expected) {
          results[i] = { conflict: curKv(old), expected: op.expected };
          continue;
        }
        rev++;
        if (op.kind === 'update') {
          st.update.run(value, rev, op.key);
          st.log.run(rev, op.key, ChangeType.Update, value, old.create_rev, old.value, old.mod_rev);
          rows.push({ rev, key: op.key, type: ChangeType.Update, value, createRev: old.create_rev, prevValue: old.value, prevModRev: old.mod_rev });
          results[i] = { ok: { key: op.key, value, createRevision: old.create_rev, modRevision: rev } };
        } else {
          st.remove.run(op.key);
          st.log.run(rev, op.key, ChangeType.Delete, null, old.create_rev, old.value, old.mod_rev);
          rows.push({ rev, key: op.key, type: ChangeType.Delete, value: null, createRev: old.create_rev, prevValue: old.value, prevModRev: old.mod_rev });
          results[i] = { ok: { key: op.key, value: old.value, createRevision: old.create_rev, modRevision: rev } };
        }
      }
      if (rows.length > 0) st.setMeta.run('rev', rev);
      st.commit.run();
    } catch (err) {
      if (this.db.inTransaction) st.rollback.run();
      throw err;
    }
    this.rev = rev;
    this.transactions++;
    return { results, rows };
  }

  /** Durably records the new compacted revision (before any row is deleted). */
  markCompacted(target: number): void {
    this.st.setMeta.run('compact_rev', target);
    this.compactRev = target;
  }

  /**
   * Deletes up to `limit` history rows below `target`; returns how many. No fsync of its own: the
   * compacted revision is already durable, rows below it are never read, and the next write
   * commit's fsync persists these WAL frames anyway.
   */
  compactStep(target: number, limit: number): number {
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.st.compactBatch.run(target, limit).changes;
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }
}
