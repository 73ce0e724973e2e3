/**
 * The change log shared by the in-process backends (memory and SQLite): one row per revision, enough
 * to replay watch events with prevKv and to reconstruct any key's state at an older revision.
 */
import type { KeyValue, ListResult, WatchEvent } from '../backend.js';
import { compareKeys } from './keys.js';

export const enum ChangeType {
  Create = 0,
  Update = 1,
  Delete = 2,
}

/** One write. For deletes `value` is null and the deleted value is `prevValue`. */
export interface ChangeRow {
  rev: number;
  key: string;
  type: ChangeType;
  value: string | null;
  /** createRevision of the key written (for deletes: of the deleted key). */
  createRev: number;
  /** Value before the write (null for creates). */
  prevValue: string | null;
  /** modRevision before the write (0 for creates). */
  prevModRev: number;
}

/** Turns a change row into the watch event the contract describes. */
export function rowToEvent(r: ChangeRow): WatchEvent {
  if (r.type === ChangeType.Delete) {
    const prevKv: KeyValue = { key: r.key, value: r.prevValue ?? '', createRevision: r.createRev, modRevision: r.prevModRev };
    return {
      type: 'delete',
      kv: { key: r.key, value: r.prevValue ?? '', createRevision: r.createRev, modRevision: r.rev },
      prevKv,
      created: false,
    };
  }
  const ev: WatchEvent = {
    type: 'put',
    kv: { key: r.key, value: r.value ?? '', createRevision: r.createRev, modRevision: r.rev },
    created: r.type === ChangeType.Create,
  };
  if (r.type === ChangeType.Update) {
    ev.prevKv = { key: r.key, value: r.prevValue ?? '', createRevision: r.createRev, modRevision: r.prevModRev };
  }
  return ev;
}

/** Access to the latest state, as the snapshot reader needs it. */
export interface CurrentReader {
  /** Latest keys under the prefix and > startAfter, in key order, at most `limit` (0: all). */
  page(startAfter: string | undefined, limit: number): KeyValue[];
  /** Number of latest keys under the prefix and > startAfter. */
  countAfter(startAfter: string | undefined): number;
}

/**
 * Lists as of an older revision: the latest state with every change made after the target revision
 * undone. `changes` are the log rows with rev > target on keys under the prefix and > startAfter, in
 * revision order (complete: the caller checked target ≥ compacted revision).
 */
export function snapshotList(
  cur: CurrentReader,
  changes: readonly ChangeRow[],
  startAfter: string | undefined,
  limit: number,
  revision: number,
): ListResult {
  // Per changed key: its state at the target revision (from its first later change) and whether it
  // exists now (from its last change).
  const changed = new Map<string, { atTarget: KeyValue | undefined; existsNow: boolean }>();
  for (const r of changes) {
    const c = changed.get(r.key);
    if (c) {
      c.existsNow = r.type !== ChangeType.Delete;
    } else {
      changed.set(r.key, {
        atTarget:
          r.type === ChangeType.Create
            ? undefined
            : { key: r.key, value: r.prevValue ?? '', createRevision: r.createRev, modRevision: r.prevModRev },
        existsNow: r.type !== ChangeType.Delete,
      });
    }
  }
  let removedNow = 0; // keys that exist now but did not at the target
  let restored = 0; // keys that existed at the target but not now
  for (const c of changed.values()) {
    if (c.existsNow && !c.atTarget) removedNow++;
    else if (!c.existsNow && c.atTarget) restored++;
  }
  const nowCount = cur.countAfter(startAfter);
  const total = nowCount - removedNow + restored;

  if (changed.size === 0) {
    const items = cur.page(startAfter, limit > 0 ? limit : 0);
    const more = limit > 0 && nowCount > items.length;
    return { items, revision, more, remaining: nowCount - items.length };
  }

  // Fetch enough current rows that, after dropping keys that did not exist at the target, at least
  // limit + 1 remain (to know `more`).
  let existingChanged = 0;
  for (const c of changed.values()) if (c.existsNow) existingChanged++;
  const fetch = limit > 0 ? limit + existingChanged + 1 : 0;
  const rows = cur.page(startAfter, fetch);
  const truncated = fetch > 0 && rows.length === fetch;
  const bound = truncated ? rows[rows.length - 1].key : undefined;
  const merged: KeyValue[] = [];
  for (const kv of rows) if (!changed.has(kv.key)) merged.push(kv);
  for (const [key, c] of changed) {
    if (c.atTarget && (bound === undefined || compareKeys(key, bound) <= 0)) merged.push(c.atTarget);
  }
  merged.sort((a, b) => compareKeys(a.key, b.key));
  const items = limit > 0 ? merged.slice(0, limit) : merged;
  return { items, revision, more: total > items.length, remaining: total - items.length };
}
