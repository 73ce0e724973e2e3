/**
 * Per-key exponential back-off as client-go's flowcontrol.Backoff, which the kubelet uses for
 * CrashLoopBackOff (key: pod UID + container name) and ImagePullBackOff (key: pod UID + image),
 * without jitter. Pure: the state is an immutable map, time (ms since the epoch) is an input.
 *
 * Semantics (upstream's):
 * - `next(key, eventTime, now)` records one more failure: the first one (or the first after the
 *   entry went stale) waits `initialMs`, each later one doubles the wait, capped at `maxMs`; the
 *   entry's lastUpdate becomes `now`.
 * - An entry is stale for an event more than 2 × maxMs after its lastUpdate: for crash loops, a
 *   container that ran 10 minutes after its last restart starts again at 10 s.
 * - `isInBackOffSince(key, eventTime, now)`: now − eventTime < the entry's current wait (eventTime
 *   is when the container last finished).
 * - `isInBackOffSinceUpdate(key, now)`: now − lastUpdate < the current wait (image pulls).
 */

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** The kubelet's container restart back-off: 10 s doubling to 300 s. */
export const CRASH_LOOP_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };
/** The kubelet's image pull back-off: 10 s doubling to 300 s. */
export const IMAGE_PULL_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

export interface BackoffEntry {
  readonly backoffMs: number;
  readonly lastUpdateMs: number;
}

export type BackoffState = ReadonlyMap<string, BackoffEntry>;

export const EMPTY_BACKOFF: BackoffState = new Map();

/** The read-only questions computePodActions asks (so it never changes back-off state itself). */
export interface BackoffView {
  /** True while `key` must still wait after an event (a container exit) at `eventTimeMs`. */
  isInBackOffSince(key: string, eventTimeMs: number, nowMs: number): boolean;
  /** True while `key` must still wait after its last recorded failure. */
  isInBackOffSinceUpdate(key: string, nowMs: number): boolean;
  /** The current wait of `key` in ms, 0 when it has no entry. */
  get(key: string): number;
}

function expired(eventTimeMs: number, lastUpdateMs: number, policy: BackoffPolicy): boolean {
  return eventTimeMs - lastUpdateMs > policy.maxMs * 2;
}

/** A new state with one more failure of `key` recorded (see the module comment). */
export function backoffNext(state: BackoffState, key: string, eventTimeMs: number, nowMs: number, policy: BackoffPolicy = CRASH_LOOP_BACKOFF): BackoffState {
  const entry = state.get(key);
  const backoffMs =
    entry === undefined || expired(eventTimeMs, entry.lastUpdateMs, policy) ? policy.initialMs : Math.min(entry.backoffMs * 2, policy.maxMs);
  const out = new Map(state);
  out.set(key, { backoffMs, lastUpdateMs: nowMs });
  return out;
}

/** A new state without `key` (a pod that went away, or a success that should forget failures). */
export function backoffReset(state: BackoffState, key: string): BackoffState {
  if (!state.has(key)) return state;
  const out = new Map(state);
  out.delete(key);
  return out;
}

/** A new state without entries stale at `nowMs` (upstream's periodic GC). */
export function backoffGC(state: BackoffState, nowMs: number, policy: BackoffPolicy = CRASH_LOOP_BACKOFF): BackoffState {
  let out: Map<string, BackoffEntry> | undefined;
  for (const [k, e] of state) {
    if (expired(nowMs, e.lastUpdateMs, policy)) {
      out ??= new Map(state);
      out.delete(k);
    }
  }
  return out ?? state;
}

export function isInBackOffSince(state: BackoffState, key: string, eventTimeMs: number, nowMs: number, policy: BackoffPolicy = CRASH_LOOP_BACKOFF): boolean {
  const e = state.get(key);
  if (!e || expired(eventTimeMs, e.lastUpdateMs, policy)) return false;
  return nowMs - eventTimeMs < e.backoffMs;
}

export function isInBackOffSinceUpdate(state: BackoffState, key: string, nowMs: number, policy: BackoffPolicy = CRASH_LOOP_BACKOFF): boolean {
  const e = state.get(key);
  if (!e || expired(nowMs, e.lastUpdateMs, policy)) return false;
  return nowMs - e.lastUpdateMs < e.backoffMs;
}

/** A BackoffView over one state snapshot. */
export function backoffView(state: BackoffState, policy: BackoffPolicy = CRASH_LOOP_BACKOFF): BackoffView {
  return {
    isInBackOffSince: (key, eventTimeMs, nowMs) => isInBackOffSince(state, key, eventTimeMs, nowMs, policy),
    isInBackOffSinceUpdate: (key, nowMs) => isInBackOffSinceUpdate(state, key, nowMs, policy),
    get: (key) => state.get(key)?.backoffMs ?? 0,
  };
}

/** The crash-loop key of one container of one pod. */
export function containerBackoffKey(podUid: string, containerName: string): string {
  return `${podUid}/${containerName}`;
}

/** The image-pull key of one image of one pod (upstream: `<podUID>_<image>`). */
export function imagePullBackoffKey(podUid: string, image: string): string {
  return `${podUid}_${image}`;
}

/** A duration as Go's time.Duration.String() prints whole seconds and minutes: 10s, 1m20s, 5m0s. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  const sec = Number.isInteger(s) ? String(s) : String(Number(s.toFixed(3)));
  return `${neg ? '-' : ''}${h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m` : ''}${sec}s`;
}
