/**
 * A mild brake on guessing join secrets and node passwords: per client address, at most `max`
 * failures within a sliding `windowMs`; beyond that the address is refused (429) until its oldest
 * counted failure leaves the window. Successes do not reset the count (a client holding the right
 * secret is not slowed down by it anyway). Pure: time is an argument. Memory is bounded by
 * `maxKeys` (the oldest addresses are forgotten first).
 */
export interface FailureLimiterOptions {
  max?: number;
  windowMs?: number;
  maxKeys?: number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(opts: FailureLimiterOptions = {}) {
    this.max = opts.max ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfterSeconds(key: string, nowMs: number): number {
    const times = this.recent(key, nowMs);
    if (times.length < this.max) return 0;
    return Math.max(1, Math.ceil((times[0]! + this.windowMs - nowMs) / 1000));
  }

  /** Records a failed attempt by `key`. */
  fail(key: string, nowMs: number): void {
    const times = this.recent(key, nowMs);
    times.push(nowMs);
    this.failures.delete(key);
    this.failures.set(key, times); // most recent last, for eviction order
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(key: string, nowMs: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const kept = times.filter((t) => t > nowMs - this.windowMs);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }
}
