/**
 * The arithmetic of the Summary API, as the kubelet and cAdvisor do it. Pure.
 *
 * - usageNanoCores is the rate between two cumulative CPU samples of the same object:
 *   Δ usageCoreNanoSeconds / Δ time × 1e9, truncated (kubelet's getAndUpdateContainerUsageNanoCores).
 *   No rate (undefined) without a previous sample, for a zero or negative interval, or when the
 *   counter went backwards (cpuacct reset in a live container).
 * - workingSetBytes = usage - inactive file pages, never below 0 (cAdvisor's setMemoryStats);
 *   cgroup v1 takes `total_inactive_file` from memory.stat, v2 `inactive_file`.
 * - availableBytes = limit - workingSet, left out when there is no limit (v1 reports "no limit" as
 *   a value near 2^63, v2 as "max").
 */
import type { CpuSample } from './types.js';

export const NANOS_PER_SECOND = 1e9;

/** The average CPU use between two samples in nanocores, or undefined when it cannot be computed. */
export function usageNanoCores(prev: CpuSample | undefined, cur: CpuSample): number | undefined {
  if (!prev) return undefined;
  const dt = cur.timeNs - prev.timeNs;
  if (!(dt > 0)) return undefined;
  const du = cur.usageCoreNanoSeconds - prev.usageCoreNanoSeconds;
  if (du < 0) return undefined;
  return Math.floor((du / dt) * NANOS_PER_SECOND);
}

/** usage - inactiveFile, clamped at 0; usage alone when inactiveFile is unknown. */
export function workingSetBytes(usage: number, inactiveFile: number | undefined): number {
  if (inactiveFile === undefined) return usage;
  return usage > inactiveFile ? usage - inactiveFile : 0;
}

/**
 * Limits at or above this are "no limit" (cgroup v1 writes PAGE_COUNTER_MAX × page size, about
 * 2^63, for an unlimited group; anything beyond 2^62 bytes is no real limit).
 */
export const UNLIMITED_THRESHOLD = 2 ** 62;

/** limit - workingSet (clamped at 0), undefined without a real limit. */
export function availableBytes(limit: number | undefined, workingSet: number): number | undefined {
  if (limit === undefined || !Number.isFinite(limit) || limit >= UNLIMITED_THRESHOLD) return undefined;
  return limit > workingSet ? limit - workingSet : 0;
}

/**
 * The last two CPU samples per object (container id, sandbox id, `node`), to compute rates.
 *
 * Contract: `record` keeps a sample only when it is newer than the newest one kept (an older or
 * equal timestamp is ignored, so replaying a round is harmless); `rate` is usageNanoCores between
 * the two kept samples; `retain` forgets every object not in the given set (objects that went
 * away), so the history never outgrows what the node runs.
 */
export class CpuHistory {
  private readonly samples = new Map<string, [CpuSample | undefined, CpuSample]>();

  record(key: string, sample: CpuSample): void {
    const cur = this.samples.get(key);
    if (!cur) {
      this.samples.set(key, [undefined, sample]);
      return;
    }
    if (sample.timeNs <= cur[1].timeNs) return;
    this.samples.set(key, [cur[1], sample]);
  }

  /** usageNanoCores between the two newest samples of `key`. */
  rate(key: string): number | undefined {
    const cur = this.samples.get(key);
    return cur ? usageNanoCores(cur[0], cur[1]) : undefined;
  }

  retain(keys: ReadonlySet<string>): void {
    for (const k of this.samples.keys()) if (!keys.has(k)) this.samples.delete(k);
  }

  get size(): number {
    return this.samples.size;
  }
}
