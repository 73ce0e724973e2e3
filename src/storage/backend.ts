/**
 * The revisioned key-value contract every store implements (SQLite, etcd, memory), modelled on
 * etcd v3 and kine. Keys are strings such as `/registry/apps/deployments/default/web`; values are
 * opaque strings (the apiserver stores JSON).
 *
 * Revisions: one cluster-wide, strictly increasing counter. Every successful create, update or
 * delete gets a new revision; `modRevision` of a key is the revision of its last write and is what
 * the apiserver exposes as `metadata.resourceVersion`.
 *
 * Durability: a promise returned by create/update/delete resolves only once the write is durable
 * (survives kill -9 of the process and, for SQLite, a power cut with synchronous=FULL). A rejected
 * or still-pending write may or may not have happened; an acknowledged one is never lost.
 *
 * Errors are the domain errors from ./errors.ts, never backend-native ones.
 */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which this key was created (unchanged by updates). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
}

export interface ListOptions {
  /** Return at most this many items (0 or undefined: no limit). */
  limit?: number;
  /** Exclusive lower bound: return keys strictly greater than this (for paging). */
  startAfter?: string;
  /**
   * Read as of this revision (a consistent snapshot for paging). Undefined or 0: the latest.
   * A revision older than the compacted revision throws CompactedError.
   */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at (the store's current revision when not given). */
  revision: number;
  /** True when more keys under the prefix follow the last returned one. */
  more: boolean;
  /** Number of keys under the prefix after the last returned one, when cheap to know. */
  remaining?: number;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For put: the new value. For delete: the key with the deleted value, modRevision = delete revision. */
  kv: KeyValue;
  /** The value before this event (puts that updated, and deletes). */
  prevKv?: KeyValue;
  /** True when this put created the key. */
  created: boolean;
}

export interface Watch {
  /** Stops delivery; idempotent. */
  close(): void;
}

export interface WatchCallbacks {
  /** Events in revision order, each revision once. Called in batches per revision range. */
  onEvents(events: WatchEvent[]): void;
  /**
   * The watch ended for good (compacted start revision → CompactedError, or the store closed).
   * No onEvents call follows.
   */
  onError(err: Error): void;
}

export interface Backend {
  /** Latest value of one key, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys that start with `prefix`, in byte order of key. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of keys under the prefix (latest revision). */
  count(prefix: string): Promise<number>;
  /** Creates the key; throws KeyExistsError if it exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces the value if the key's modRevision equals `expectedRevision`; throws
   * RevisionConflictError (carrying the current KeyValue) if it differs, KeyNotFoundError if absent.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes the key, if `expectedRevision` is given only when it matches (RevisionConflictError
   * otherwise). Returns the deleted KeyValue with modRevision set to the delete's revision.
   * Throws KeyNotFoundError if absent.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Delivers every event on keys under `prefix` with revision > `afterRevision`, then live events,
   * in revision order. If `afterRevision` is older than the compacted revision, onError receives a
   * CompactedError (asynchronously).
   */
  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): Watch;
  /** The store's current revision (that of the last write). */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable/watchable (everything below was compacted away). */
  compactedRevision(): Promise<number>;
  /** Drops history older than `revision`. Must never block writers for long. */
  compact(revision: number): Promise<void>;
  /** Flushes and releases resources; pending watches get onError. Idempotent. */
  close(): Promise<void>;
}
