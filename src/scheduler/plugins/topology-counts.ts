/** Counts per topology pair (key → value → count): shared by InterPodAffinity and PodTopologySpread. */
export class TopologyCounts {
  readonly m = new Map<string, Map<string, number>>();
  add(key: string, value: string, n: number): void {
    let inner = this.m.get(key);
    if (!inner) {
      inner = new Map();
      this.m.set(key, inner);
    }
    inner.set(value, (inner.get(value) ?? 0) + n);
  }
  get(key: string, value: string): number {
    return this.m.get(key)?.get(value) ?? 0;
  }
  get size(): number {
    return this.m.size;
  }
  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, inner] of this.m) c.m.set(k, new Map(inner));
    return c;
  }
}
