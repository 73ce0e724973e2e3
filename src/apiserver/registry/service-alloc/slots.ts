/**
 * A fixed set of numbered slots [0, size) with upstream's allocation order (the bitmap allocator
 * of kube-apiserver's ipallocator/portallocator with KEP-3070/KEP-3668 bands): slots below
 * `dynamicOffset` form the static band, kept for addresses and ports users pick themselves;
 * `next()` scans the dynamic band from a random start first and falls back to the static band
 * only when the dynamic one is full. Reserved slots are never handed out by `next()` but may be
 * taken by an explicit `take()`.
 *
 * Pure and synchronous: no I/O; randomness is injected. One instance is not shared between threads.
 */
export class SlotSet {
  private readonly bits: Uint8Array;
  private used = 0;

  constructor(
    readonly size: number,
    private readonly dynamicOffset: number,
    private readonly random: () => number,
    private readonly reserved: ReadonlySet<number> = new Set(),
  ) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`slot count ${size} is not a non-negative integer`);
    this.bits = new Uint8Array(size);
  }

  has(slot: number): boolean {
    return this.bits[slot] === 1;
  }

  /** Marks `slot` used; false when it already was (or is outside the set). */
  take(slot: number): boolean {
    if (!(slot >= 0 && slot < this.size) || this.bits[slot] === 1) return false;
    this.bits[slot] = 1;
    this.used++;
    return true;
  }

  /** Frees `slot`; freeing a free slot is harmless. */
  release(slot: number): void {
    if (this.bits[slot] !== 1) return;
    this.bits[slot] = 0;
    this.used--;
  }

  /** Frees every slot. */
  clear(): void {
    this.bits.fill(0);
    this.used = 0;
  }

  /** Slots in use. */
  count(): number {
    return this.used;
  }

  /**
   * A free, unreserved slot in upstream's order (random start in the dynamic band, then the
   * static band), or undefined when none is left; slots in `skip` count as used (a dry run's
   * earlier picks). Does not mark it: call take().
   */
  next(skip?: ReadonlySet<number>): number | undefined {
    const offset = Math.min(this.dynamicOffset, this.size);
    return this.scan(offset, this.size, skip) ?? this.scan(0, offset, skip);
  }

  /** First free unreserved slot in [from, to) not in `skip`, from a random point, wrapping. */
  private scan(from: number, to: number, skip: ReadonlySet<number> | undefined): number | undefined {
    const n = to - from;
    if (n <= 0) return undefined;
    const start = Math.min(n - 1, Math.floor(this.random() * n));
    for (let k = 0; k < n; k++) {
      const slot = from + ((start + k) % n);
      if (this.bits[slot] === 0 && !this.reserved.has(slot) && !skip?.has(slot)) return slot;
    }
    return undefined;
  }
}

/** Upstream's static band of a service IP range: min(max(16, size/16), 256) addresses. */
export function ipStaticBand(size: number): number {
  return Math.min(Math.max(16, Math.floor(size / 16)), 256);
}

/** Upstream's static band of the NodePort range: min(max(16, size/32), 128) ports. */
export function portStaticBand(size: number): number {
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}
