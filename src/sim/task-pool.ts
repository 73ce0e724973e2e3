/**
 * Bounded concurrency with two priorities and de-duplication by key: at most `concurrency` tasks
 * run at once; high-priority tasks (leases, node status) start before low ones (pods), so a flood
 * of pod updates never starves heartbeats, but a quarter of the slots (at least one) is kept for
 * low-priority work whenever some is waiting, so heartbeats on a slow server never starve pods
 * either. Submitting a key that is already queued replaces its task (the newest intent wins); a
 * key that is running is queued again after it finishes.
 */
export type Priority = 'high' | 'low';

export class TaskPool {
  private readonly queues: Record<Priority, Map<string, () => Promise<void>>> = { high: new Map(), low: new Map() };
  private readonly running = new Set<string>();
  private readonly parked = new Map<string, { prio: Priority; fn: () => Promise<void> }>();
  private active = 0;
  private activeHigh = 0;
  private idleWaiters: Array<() => void> = [];
  /** Completed task count (metrics). */
  done = 0;
  failed = 0;

  constructor(
    private readonly concurrency: number,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  submit(key: string, prio: Priority, fn: () => Promise<void>): void {
    if (this.running.has(key)) {
      this.parked.set(key, { prio, fn });
      return;
    }
    this.queues[prio].set(key, fn);
    this.pump();
  }

  /** Queued (not running) tasks. */
  pending(): number {
    return this.queues.high.size + this.queues.low.size + this.parked.size;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.active === 0 && this.pending() === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Drops everything queued (running tasks finish). */
  clear(): void {
    this.queues.high.clear();
    this.queues.low.clear();
    this.parked.clear();
  }

  private pump(): void {
    const highCap = this.concurrency - Math.max(1, Math.floor(this.concurrency / 4));
    while (this.active < this.concurrency) {
      const takeHigh = this.queues.high.size > 0 && (this.activeHigh < highCap || this.queues.low.size === 0 || this.concurrency === 1);
      const prio: Priority = takeHigh ? 'high' : 'low';
      const q = this.queues[prio];
      const first = q.entries().next();
      if (first.done) break;
      const [key, fn] = first.value;
      q.delete(key);
      this.active++;
      if (prio === 'high') this.activeHigh++;
      this.running.add(key);
      fn()
        .then(() => void this.done++, (e: unknown) => {
          this.failed++;
          this.onError(key, e);
        })
        .finally(() => {
          this.active--;
          if (prio === 'high') this.activeHigh--;
          this.running.delete(key);
          const again = this.parked.get(key);
          if (again) {
            this.parked.delete(key);
            this.queues[again.prio].set(key, again.fn);
          }
          this.pump();
          if (this.active === 0 && this.pending() === 0) {
            const w = this.idleWaiters;
            this.idleWaiters = [];
            for (const r of w) r();
          }
        });
    }
  }
}

/**
 * One timer for many deadlines: a binary min-heap of (at, key); `schedule` keeps only the earliest
 * deadline per key as live (later duplicates are ignored when they fire via the `due` map).
 */
export class DeadlineHeap {
  private heap: Array<{ at: number; key: string }> = [];
  private readonly due = new Map<string, number>();

  schedule(key: string, at: number): void {
    const cur = this.due.get(key);
    if (cur !== undefined && cur <= at) return;
    this.due.set(key, at);
    this.heap.push({ at, key });
    let i = this.heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.heap[p]!.at <= this.heap[i]!.at) break;
      [this.heap[p], this.heap[i]] = [this.heap[i]!, this.heap[p]!];
      i = p;
    }
  }

  cancel(key: string): void {
    this.due.delete(key);
  }

  /** Earliest live deadline, or undefined. */
  peek(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns the keys due at or before `now`. */
  popDue(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > now) break;
      this.pop();
      this.due.delete(top.key);
      out.push(top.key);
    }
    return out;
  }

  size(): number {
    return this.due.size;
  }

  private dropStale(): void {
    while (this.heap.length && this.due.get(this.heap[0]!.key) !== this.heap[0]!.at) this.pop();
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (!this.heap.length) return;
    this.heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && this.heap[l]!.at < this.heap[m]!.at) m = l;
      if (r < this.heap.length && this.heap[r]!.at < this.heap[m]!.at) m = r;
      if (m === i) break;
      [this.heap[m], this.heap[i]] = [this.heap[i]!, this.heap[m]!];
      i = m;
    }
  }
}
