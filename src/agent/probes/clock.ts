/**
 * The time source of the probe manager: the current time and one-shot timers. Production uses
 * `realClock` (Node timers, which keep the process alive while a probe is scheduled); tests use
 * testing/fake-clock.ts and move time by hand.
 */
export interface ProbeClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it (harmless after it ran). */
  schedule(ms: number, fn: () => void): () => void;
}

export const realClock: ProbeClock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};
