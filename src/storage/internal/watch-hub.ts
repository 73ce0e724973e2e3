/**
 * In-process watch fan-out for backends whose history lives in the same process (memory, SQLite).
 *
 * A new watch first catches up from the history source in bounded windows (yielding to the event
 * loop between windows), then, in the same synchronous step that reads the last window, becomes
 * live. Commits publish their events to live watches only, so every revision is delivered exactly
 * once and in order: history up to the committed revision seen at switch-over, live events after.
 */
import type { Watch, WatchCallbacks, WatchEvent } from '../backend.js';
import { CompactedError, StorageUnavailableError } from '../errors.js';

export interface HistorySource {
  /** Revision of the last committed write (whose events are readable from history). */
  committedRevision(): number;
  /** Oldest revision still in history. */
  compactedRevision(): number;
  /** Events with afterRev < revision ≤ toRev on keys under the prefix, in revision order. */
  readHistory(prefix: string, afterRev: number, toRev: number): WatchEvent[];
}

interface Watcher {
  prefix: string;
  startAfter: number;
  /** Highest revision already accounted for (delivered or skipped as not matching). */
  lastRev: number;
  state: 'catchup' | 'live' | 'closed';
  cb: WatchCallbacks;
  queue: WatchEvent[][];
  delivering: boolean;
}

export class LocalWatchHub {
  private readonly watchers = new Set<Watcher>();
  private closedWith: Error | undefined;

  /** `window`: revisions read per catch-up step. */
  constructor(
    private readonly src: HistorySource,
    private readonly window = 2000,
  ) {}

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): Watch {
    const w: Watcher = {
      prefix,
      startAfter: afterRevision,
      lastRev: Math.max(0, afterRevision),
      state: 'catchup',
      cb,
      queue: [],
      delivering: false,
    };
    if (this.closedWith) {
      const err = this.closedWith;
      w.state = 'closed';
      setImmediate(() => cb.onError(err));
      return { close() {} };
    }
    this.watchers.add(w);
    setImmediate(() => this.step(w));
    return {
      close: () => {
        w.state = 'closed';
        w.queue.length = 0;
        this.watchers.delete(w);
      },
    };
  }

  /** True while at least one watch is open (lets writers skip building events). */
  hasWatchers(): boolean {
    return this.watchers.size > 0;
  }

  /** Called after a commit with its events, in revision order. */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0 || this.watchers.size === 0) return;
    const top = events[events.length - 1].kv.modRevision;
    for (const w of this.watchers) {
      if (w.state !== 'live') continue;
      let matched: WatchEvent[] | undefined;
      for (const ev of events) {
        if (ev.kv.modRevision <= w.lastRev) continue;
        if (w.prefix === '' || ev.kv.key.startsWith(w.prefix)) (matched ??= []).push(ev);
      }
      if (top > w.lastRev) w.lastRev = top;
      if (matched) this.deliver(w, matched);
    }
  }

  /** Ends every watch with `err`; later watches fail at once with it. */
  closeAll(err: Error): void {
    this.closedWith = err;
    for (const w of [...this.watchers]) this.fail(w, err);
  }

  private step(w: Watcher): void {
    if (w.state !== 'catchup') return;
    try {
      const compacted = this.src.compactedRevision();
      if (w.lastRev + 1 < compacted) {
        this.fail(w, new CompactedError(w.startAfter, compacted));
        return;
      }
      const committed = this.src.committedRevision();
      const to = Math.min(committed, w.lastRev + this.window);
      const events = to > w.lastRev ? this.src.readHistory(w.prefix, w.lastRev, to) : [];
      if (to > w.lastRev) w.lastRev = to;
      if (to >= committed) w.state = 'live';
      if (events.length > 0) this.deliver(w, events);
      if (w.state === 'catchup') setImmediate(() => this.step(w));
    } catch (err) {
      this.fail(w, err instanceof Error ? err : new StorageUnavailableError(String(err)));
    }
  }

  private deliver(w: Watcher, events: WatchEvent[]): void {
    w.queue.push(events);
    if (w.delivering) return; // a re-entrant publish from inside onEvents: the outer loop drains it
    w.delivering = true;
    try {
      while (w.queue.length > 0 && w.state !== 'closed') {
        const batch = w.queue.shift() as WatchEvent[];
        try {
          w.cb.onEvents(batch);
        } catch (err) {
          this.fail(w, err instanceof Error ? err : new Error(String(err)));
        }
      }
    } finally {
      w.delivering = false;
    }
  }

  private fail(w: Watcher, err: Error): void {
    if (w.state === 'closed') return;
    w.state = 'closed';
    w.queue.length = 0;
    this.watchers.delete(w);
    try {
      w.cb.onError(err);
    } catch {
      // the consumer's error handler failed; nothing more to tell it
    }
  }
}
