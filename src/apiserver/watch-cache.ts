/**
 * One backend watch on the whole registry, fanned out to every API watcher (upstream's cacher, in
 * miniature). Keeps a window of recent events (by age and count) so clients can resume a watch from
 * a resourceVersion minutes old; older resume points get 410 Expired.
 *
 * Contract: a subscriber receives, in revision order and exactly once, every event under its prefix
 * with revision > afterRevision. If the window no longer holds all of them, subscribe throws an
 * Expired ApiError. If the backend watch fails for good, every subscriber is closed with the error.
 */
import type { Backend, Watch, WatchEvent } from '../storage/backend.js';
import { CompactedError } from '../storage/errors.js';
import { expired } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { REGISTRY_ROOT } from './registry/keys.js';

export interface CacheEvent {
  revision: number;
  type: 'put' | 'delete';
  key: string;
  created: boolean;
  /** New value (put) or deleted value (delete). */
  value: string;
  /** Previous value, when the event replaced or deleted one. */
  prevValue?: string;
  /** Wall-clock ms when the cache received it. */
  receivedAt: number;
  /**
   * Memo for one fan-out: the parsed `value` / `prevValue` and the serialized watch lines by event
   * type, filled by the first watcher that needs them and shared by the others (never mutate).
   * Dropped once the live delivery to every subscriber returned, so the window keeps only the
   * stored strings (a backlog replay parses again).
   */
  parsed?: unknown;
  parsedPrev?: unknown;
  lines?: Map<string, string>;
}

export interface Subscription {
  close(): void;
}

interface Subscriber {
  prefix: string;
  /** Only events with a higher revision are delivered. */
  after: number;
  onEvents(events: CacheEvent[]): void;
  onClose(err?: Error): void;
}

export interface WatchCacheOptions {
  /** How long events are kept (default 10 minutes). */
  windowMs?: number;
  /** At most this many events are kept (default 200,000). */
  maxEvents?: number;
  /** At start, at most this many revisions of the store's history are replayed (default 10,000). */
  replayRevisions?: number;
  now?: () => number;
  logger: Logger;
}

function dropMemo(events: CacheEvent[]): void {
  for (const e of events) {
    e.parsed = undefined;
    e.parsedPrev = undefined;
    e.lines = undefined;
  }
}

const DEFAULT_REPLAY_REVISIONS = 10_000;

export class WatchCache {
  private readonly events: CacheEvent[] = [];
  private head = 0; // index of the oldest live event in `events`
  /** The newest event of each key still in the window (deleted keys have none). */
  private readonly lastByKey = new Map<string, CacheEvent>();
  /** Every event with revision > floor is in the buffer. */
  private floor = 0;
  /** The newest revision known to be reflected (waitFor): the store's revision at start, then events. */
  private latest = 0;
  /** The revision of the last event taken from the backend watch (the replay starts below `latest`). */
  private ingested = 0;
  private watch: Watch | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private readonly waiters: { rev: number; resolve: () => void }[] = [];
  private readonly windowMs: number;
  private readonly maxEvents: number;
  private readonly now: () => number;
  private closed = false;

  constructor(
    private readonly backend: Backend,
    private readonly opts: WatchCacheOptions,
  ) {
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.maxEvents = opts.maxEvents ?? 200_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Starts the backend watch. The store's retained history (at most `replayRevisions` revisions,
   * never below its compacted revision) is replayed into the window first, so a client that
   * watched before a server restart can resume from its resourceVersion instead of relisting.
   */
  async start(): Promise<void> {
    const [rev, compacted] = await Promise.all([this.backend.currentRevision(), this.backend.compactedRevision()]);
    const from = Math.min(rev, Math.max(compacted, rev - (this.opts.replayRevisions ?? DEFAULT_REPLAY_REVISIONS)));
    this.floor = from;
    this.latest = rev;
    this.ingested = from;
    this.open(from);
  }

  private open(afterRev: number): void {
    this.watch = this.backend.watch(REGISTRY_ROOT, afterRev, {
      onEvents: (evs) => this.ingest(evs),
      onError: (err) => this.failed(err),
    });
  }

  private failed(err: Error): void {
    if (this.closed) return;
    this.opts.logger.warn('storage watch ended', { err: err.message });
    this.watch = undefined;
    if (err instanceof CompactedError) {
      // We missed events: every current watcher must relist. Restart from now.
      for (const s of [...this.subscribers]) s.onClose(expired(`too old resource version: ${err.requestedRevision} (${err.compactedRevision})`));
      this.subscribers.clear();
      this.events.length = 0;
      this.head = 0;
      this.lastByKey.clear();
      void this.backend.currentRevision().then((rev) => {
        if (this.closed) return;
        this.floor = rev;
        this.latest = rev;
        this.ingested = rev;
        this.open(rev);
      });
      return;
    }
    // Transient: resume from what we have.
    setTimeout(() => {
      if (!this.closed) this.open(this.ingested);
    }, 200).unref();
  }

  private ingest(evs: WatchEvent[]): void {
    const t = this.now();
    const batch: CacheEvent[] = [];
    for (const e of evs) {
      if (e.kv.modRevision <= this.ingested) continue;
      const ce: CacheEvent = {
        revision: e.kv.modRevision,
        type: e.type,
        key: e.kv.key,
        created: e.created,
        value: e.type === 'delete' ? (e.prevKv?.value ?? e.kv.value) : e.kv.value,
        receivedAt: t,
      };
      if (e.prevKv) {
        // The previous value is usually the value of this key's last event still in the window:
        // share that string instead of keeping a second copy of the same bytes.
        const last = this.lastByKey.get(ce.key);
        const prev = last && last.revision === e.prevKv.modRevision && last.type === 'put' ? last.value : e.prevKv.value;
        ce.prevValue = prev;
        if (ce.type === 'delete') ce.value = prev;
      }
      if (ce.type === 'delete') this.lastByKey.delete(ce.key);
      else this.lastByKey.set(ce.key, ce);
      this.ingested = ce.revision;
      if (ce.revision > this.latest) this.latest = ce.revision;
      this.events.push(ce);
      batch.push(ce);
    }
    this.trim(t);
    if (batch.length === 0) return;
    for (const s of this.subscribers) {
      // During the start-up replay a subscriber may already hold events up to its start revision.
      const mine = batch.filter((e) => e.revision > s.after && e.key.startsWith(s.prefix));
      if (mine.length) s.onEvents(mine);
    }
    dropMemo(batch);
    if (this.waiters.length) {
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i]!;
        if (w.rev <= this.latest) {
          this.waiters.splice(i, 1);
          w.resolve();
        }
      }
    }
  }

  private trim(now: number): void {
    const live = () => this.events.length - this.head;
    while (live() > 0) {
      const e = this.events[this.head]!;
      if (live() > this.maxEvents || now - e.receivedAt > this.windowMs) {
        if (this.lastByKey.get(e.key) === e) this.lastByKey.delete(e.key);
        this.floor = e.revision;
        this.head++;
      } else break;
    }
    if (this.head > 4096 && this.head > this.events.length / 2) {
      this.events.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The newest revision every subscriber has been given (bookmarks may carry it). */
  latestRevision(): number {
    return this.ingested;
  }

  /** Oldest revision a watch may resume from. */
  oldestRevision(): number {
    return this.floor;
  }

  /** Resolves once the cache has seen `rev` (or after timeoutMs, resolving false). */
  waitFor(rev: number, timeoutMs: number): Promise<boolean> {
    if (rev <= this.latest) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { rev, resolve: () => resolve(true) };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          resolve(false);
        }
      }, timeoutMs).unref();
    });
  }

  /**
   * Subscribes to events under `prefix` with revision > afterRevision. Buffered events are
   * delivered synchronously before this returns; live ones as they arrive.
   */
  subscribe(prefix: string, afterRevision: number, onEvents: (e: CacheEvent[]) => void, onClose: (err?: Error) => void): Subscription {
    if (this.closed) throw expired('watch cache closed');
    if (afterRevision < this.floor) throw expired(`too old resource version: ${afterRevision} (${this.floor})`);
    const sub: Subscriber = { prefix, after: afterRevision, onEvents, onClose };
    const backlog: CacheEvent[] = [];
    for (let i = this.firstIndexAfter(afterRevision); i < this.events.length; i++) {
      const e = this.events[i]!;
      if (e.key.startsWith(prefix)) backlog.push(e);
    }
    if (backlog.length) {
      onEvents(backlog);
      dropMemo(backlog);
    }
    this.subscribers.add(sub);
    return { close: () => this.subscribers.delete(sub) };
  }

  private firstIndexAfter(rev: number): number {
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  subscriberCount(): number {
    return this.subscribers.size;
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
    for (const s of this.subscribers) s.onClose();
    this.subscribers.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters.length = 0;
  }
}
