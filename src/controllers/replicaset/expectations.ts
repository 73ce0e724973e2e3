/**
 * Upstream's UIDTrackingControllerExpectations, simplified: per controller key, how many pod
 * creations and which pod deletions were issued but not yet seen through the informer. A sync that
 * runs while expectations are unsatisfied must not create or delete pods again (the cache is behind
 * our own writes); it may still update status. Pure state: time is an argument; expectations expire
 * after `ttlMs` (5 minutes upstream) so a lost watch event cannot wedge a controller.
 *
 * Concurrency: used from one JavaScript thread; the work queue guarantees one sync per key at a time.
 */
export class Expectations {
  private readonly byKey = new Map<string, { adds: number; dels: Set<string>; at: number }>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  /** True when nothing is pending for `key`, or the record expired. */
  satisfied(key: string, now: Date): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.dels.size === 0) return true;
    return now.getTime() - e.at > this.ttlMs;
  }

  /** Records `n` creations about to be issued (replaces any previous record, as upstream). */
  expectCreations(key: string, n: number, now: Date): void {
    this.byKey.set(key, { adds: n, dels: new Set(), at: now.getTime() });
  }

  /** Records deletions about to be issued for these pod keys (`namespace/name`). */
  expectDeletions(key: string, podKeys: readonly string[], now: Date): void {
    this.byKey.set(key, { adds: 0, dels: new Set(podKeys), at: now.getTime() });
  }

  /** A pod created for `key` was observed (or a creation failed and will never be observed). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** The deletion of `podKey` was observed (or failed and will never be observed). */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.dels.delete(podKey);
  }

  /** Forgets `key` (its controller was deleted). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** Pending counts, for tests and logs. */
  pending(key: string): { adds: number; dels: number } {
    const e = this.byKey.get(key);
    return { adds: e?.adds ?? 0, dels: e?.dels.size ?? 0 };
  }
}
