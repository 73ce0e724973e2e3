/**
 * MemoryBackend: the whole storage contract in process memory, for unit tests of the layers above.
 * Exact (same semantics as the durable backends, including history, snapshots and compaction) and
 * fast (every operation completes in the same tick; promises only keep the contract's shape).
 * Nothing survives the process.
 */
import type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchCallbacks, WatchEvent } from '../backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StorageUnavailableError } from '../errors.js';
import { ChangeType, rowToEvent, snapshotList, type ChangeRow, type CurrentReader } from '../internal/history.js';
import { compareKeys, lowerBound } from '../internal/keys.js';
import { LocalWatchHub } from '../internal/watch-hub.js';

interface Entry {
  value: string;
  createRev: number;
  modRev: number;
}

export class MemoryBackend implements Backend {
  private readonly cur = new Map<string, Entry>();
  /** Every current key, sorted in byte order. */
  private readonly keys: string[] = [];
  /** History: one row per revision, contiguous, oldest first. */
  private log: ChangeRow[] = [];
  private rev = 0;
  private compactRev = 0;
  private closed = false;
  private readonly hub = new LocalWatchHub({
    committedRevision: () => this.rev,
    compactedRevision: () => this.compactRev,
    readHistory: (prefix, afterRev, toRev) => {
      const out: WatchEvent[] = [];
      for (const r of this.rowsAfter(afterRev)) {
        if (r.rev > toRev) break;
        if (r.key.startsWith(prefix)) out.push(rowToEvent(r));
      }
      return out;
    },
  });

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    const e = this.cur.get(key);
    return e ? kv(key, e) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check();
    const revision = opts.revision && opts.revision < this.rev ? opts.revision : this.rev;
    if (revision < this.compactRev) throw new CompactedError(revision, this.compactRev);
    const startAfter = opts.startAfter !== undefined && compareKeys(opts.startAfter, prefix) >= 0 ? opts.startAfter : undefined;
    const reader: CurrentReader = {
      page: (after, limit) => {
        const out: KeyValue[] = [];
        for (let i = this.startIndex(prefix, after); i < this.keys.length; i++) {
          const k = this.keys[i];
          if (!k.startsWith(prefix) || (limit > 0 && out.length >= limit)) break;
          out.push(kv(k, this.cur.get(k) as Entry));
        }
        return out;
      },
      countAfter: (after) => {
        let n = 0;
        for (let i = this.startIndex(prefix, after); i < this.keys.length && this.keys[i].startsWith(prefix); i++) n++;
        return n;
      },
    };
    const changes: ChangeRow[] = [];
    if (revision < this.rev) {
      for (const r of this.rowsAfter(revision)) {
        if (r.key.startsWith(prefix) && (startAfter === undefined || compareKeys(r.key, startAfter) > 0)) changes.push(r);
      }
    }
    return snapshotList(reader, changes, startAfter, opts.limit ?? 0, revision);
  }

  async count(prefix: string): Promise<number> {
    this.check();
    let n = 0;
    for (let i = lowerBound(this.keys, prefix, true); i < this.keys.length && this.keys[i].startsWith(prefix); i++) n++;
    return n;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.check();
    if (this.cur.has(key)) throw new KeyExistsError(key);
    const rev = ++this.rev;
    const e: Entry = { value, createRev: rev, modRev: rev };
    this.cur.set(key, e);
    this.keys.splice(lowerBound(this.keys, key, true), 0, key);
    this.commit({ rev, key, type: ChangeType.Create, value, createRev: rev, prevValue: null, prevModRev: 0 });
    return kv(key, e);
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.check();
    const old = this.cur.get(key);
    if (!old) throw new KeyNotFoundError(key);
    if (old.modRev !== expectedRevision) throw new RevisionConflictError(key, expectedRevision, kv(key, old));
    const rev = ++this.rev;
    const e: Entry = { value, createRev: old.createRev, modRev: rev };
    this.cur.set(key, e);
    this.commit({ rev, key, type: ChangeType.Update, value, createRev: old.createRev, prevValue: old.value, prevModRev: old.modRev });
    return kv(key, e);
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.check();
    const old = this.cur.get(key);
    if (!old) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && old.modRev !== expectedRevision) {
      throw new RevisionConflictError(key, expectedRevision, kv(key, old));
    }
    const rev = ++this.rev;
    this.cur.delete(key);
    this.keys.splice(lowerBound(this.keys, key, true), 1);
    this.commit({ rev, key, type: ChangeType.Delete, value: null, createRev: old.createRev, prevValue: old.value, prevModRev: old.modRev });
    return { key, value: old.value, createRevision: old.createRev, modRevision: rev };
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

  /** Compacting to a revision at or below the compacted one is a no-op; above the current one is clamped. */
  async compact(revision: number): Promise<void> {
    this.check();
    const target = Math.min(revision, this.rev);
    if (target <= this.compactRev) return;
    this.compactRev = target;
    const drop = this.log.findIndex((r) => r.rev >= target);
    this.log = drop < 0 ? [] : this.log.slice(drop);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll(new StorageUnavailableError('storage backend closed'));
  }

  private commit(row: ChangeRow): void {
    this.log.push(row);
    this.hub.publish([rowToEvent(row)]);
  }

  /** History rows with rev > afterRev (the log is contiguous in revisions). */
  private rowsAfter(afterRev: number): ChangeRow[] {
    if (this.log.length === 0) return [];
    const first = this.log[0].rev;
    return this.log.slice(Math.max(0, afterRev + 1 - first));
  }

  private startIndex(prefix: string, startAfter: string | undefined): number {
    return startAfter === undefined ? lowerBound(this.keys, prefix, true) : lowerBound(this.keys, startAfter, false);
  }

  private check(): void {
    if (this.closed) throw new StorageUnavailableError('storage backend closed');
  }
}

function kv(key: string, e: Entry): KeyValue {
  return { key, value: e.value, createRevision: e.createRev, modRevision: e.modRev };
}
