/**
 * CycleState: per-pod, per-cycle scratch data that plugins share between their own extension
 * points (PreFilter computes, Filter reads). Created fresh for each scheduling attempt; never shared
 * between pods. `clone()` is used by preemption to evaluate "what if these pods were gone" without
 * touching the original state: values that plugins change through PreFilterExtensions must offer a
 * `clone()` themselves.
 */
export interface Cloneable<T> {
  clone(): T;
}

export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Set by the framework: the plugins whose PreFilter returned Skip (their Filter is not run). */
  readonly skipFilter = new Set<string>();
  /** Set by the framework: the plugins whose PreScore returned Skip. */
  readonly skipScore = new Set<string>();
  /**
   * A PreFilter result (upstream's PreFilterResult.NodeNames): when set, only these nodes are
   * filtered; the others are refused as "node is filtered out by the prefilter result". Plugins
   * narrow it with `restrictNodes` (intersection).
   */
  nodeNames: Set<string> | undefined;

  restrictNodes(names: Iterable<string>): void {
    const next = new Set(names);
    if (this.nodeNames) for (const n of next) if (!this.nodeNames.has(n)) next.delete(n);
    this.nodeNames = next;
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write<T>(key: string, value: T): void {
    this.data.set(key, value);
  }
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const cl = v !== null && typeof v === 'object' && typeof (v as Partial<Cloneable<unknown>>).clone === 'function' ? (v as Cloneable<unknown>).clone() : v;
      c.data.set(k, cl);
    }
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    c.nodeNames = this.nodeNames;
    return c;
  }
}
