/**
 * The node agent's stats provider: what GET /stats/summary answers (kubelet's Summary API), from
 * the CRI runtime (pods and containers) and the host (node figures).
 *
 * Flow: a round lists the ready sandboxes and running containers, then ListPodSandboxStats (pod
 * cgroup, pod network and each container in one call; containerd ≥ 1.6) or, when the runtime lacks
 * it, ListContainerStats plus each pod's cgroup read directly (cgroupParent of the pod that
 * `podLookup` returns) or the sum of its containers; then the node's figures and the image
 * filesystem, and (with `logRoot`) each container's log directory. Every CPU sample goes into a
 * history of the last two per object, from which usageNanoCores is the rate.
 *
 * Contracts:
 * - a round runs every `intervalMs` (default 10 s, as the kubelet's housekeeping) and on demand:
 *   summary() reuses the newest round when it is younger than `minIntervalMs` (default 1 s), so a
 *   burst of scrapes costs one round and the rate window never shrinks below that;
 * - rounds never overlap: callers arriving while one runs share it;
 * - usageNanoCores is left out until an object has two samples (the first summary after a
 *   container starts has none, as the kubelet's);
 * - summary() rejects with an Error "failed to get pod stats: ..." whose `cause` is the runtime's
 *   CriError when the runtime cannot be listed (the kubelet answers 500 then); a failed periodic
 *   round is logged and the history kept;
 * - resourceMetrics() renders the same rounds as kubelet's /metrics/resource (what metrics-server
 *   ≥ 0.6 scrapes) and never rejects;
 * - stop() ends the periodic rounds and is idempotent; summary() still works on demand afterwards.
 */
import type { V1Pod } from '../../api/core/v1/index.js';
import { discardLogger, type Logger } from '../../lib/log.js';
import { DEFAULT_CGROUP_ROOT, podCgroupParent } from '../pods/index.js';
import { CriError } from '../runtime/cri-errors.js';
import type { ImageService, PodSandboxStats, RuntimeService, ContainerStats as CriContainerStats } from '../runtime/cri-types.js';
import { createHostStatsReader, wallClockMs, type HostStatsReader } from './host-reader.js';
import { CpuHistory } from './rates.js';
import { renderResourceMetrics } from './resource-metrics.js';
import { buildSummary, cpuAndMemoryOnly, logsSample, podSamplesFromCri, recordRound } from './summary.js';
import type { CpuSample, FsSample, MemorySample, NodeSample, StatsRound, Summary } from './types.js';

export interface StatsProviderOptions {
  runtime: Pick<RuntimeService, 'listPodSandbox' | 'listContainers' | 'listContainerStats' | 'listPodSandboxStats'>;
  /** For node.runtime.imageFs (left out without it). */
  images?: Pick<ImageService, 'imageFsInfo'>;
  nodeName: string;
  /**
   * The pod with this uid, if the agent runs it. Only needed for runtimes without
   * ListPodSandboxStats: its cgroup parent (by QoS class under `cgroupRoot`) is read directly.
   */
  podLookup?: (uid: string) => V1Pod | undefined;
  /** Root of the pod cgroups (default /flotilla, as agent/pods). */
  cgroupRoot?: string;
  /** Node figures (default: read from /proc and /sys/fs/cgroup, node.fs of `rootDir`). */
  host?: HostStatsReader;
  /** The directory whose filesystem is node.fs (default `/`; pass the agent's data dir). */
  rootDir?: string;
  /**
   * The agent's pod log root (`<logRoot>/<namespace>_<name>_<uid>/<container>/`, as agent/pods lays
   * it out); containers get `logs` when it is set.
   */
  logRoot?: string;
  /** Period of the background rounds (default 10 s; 0 = only on demand). */
  intervalMs?: number;
  /** summary() takes a new round when the newest is older than this (default 1 s). */
  minIntervalMs?: number;
  /** Wall clock in ms (default Date.now). */
  now?: () => number;
  logger?: Logger;
}

export interface StatsProvider {
  /**
   * The Summary API object (serialize with JSON.stringify); `onlyCpuAndMemory` is the
   * `only_cpu_and_memory=true` query of GET /stats/summary.
   */
  summary(opts?: { onlyCpuAndMemory?: boolean }): Promise<Summary>;
  /**
   * The /metrics/resource body (Prometheus text, RESOURCE_METRICS_CONTENT_TYPE) from the same
   * rounds; never rejects (a failed round yields resource_scrape_error 1).
   */
  resourceMetrics(): Promise<string>;
  /** Takes a round now (or joins the one running) and records it. */
  sample(): Promise<StatsRound>;
  /** Ends the periodic rounds. Idempotent. */
  stop(): void;
}

export const DEFAULT_STATS_INTERVAL_MS = 10_000;
export const DEFAULT_STATS_MIN_INTERVAL_MS = 1_000;

export function createStatsProvider(opts: StatsProviderOptions): StatsProvider {
  const log = (opts.logger ?? discardLogger).child('stats');
  const now = opts.now ?? wallClockMs;
  const host = opts.host ?? createHostStatsReader({ rootDir: opts.rootDir ?? '/', now });
  const cgroupRoot = opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
  const minInterval = opts.minIntervalMs ?? DEFAULT_STATS_MIN_INTERVAL_MS;
  const history = new CpuHistory();
  let sandboxStatsSupported = typeof opts.runtime.listPodSandboxStats === 'function';
  let latest: { round: StatsRound; atMs: number } | undefined;
  let inflight: Promise<StatsRound> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  async function imageFs(): Promise<FsSample | undefined> {
    if (!opts.images) return undefined;
    try {
      const fss = await opts.images.imageFsInfo();
      const first = fss[0];
      if (!first) return undefined;
      const fs = first.mountpoint ? await host.fs(first.mountpoint) : undefined;
      return { ...(fs ?? { timeNs: Math.round(now() * 1e6) }), usedBytes: first.usedBytes, inodesUsed: first.inodesUsed };
    } catch (e) {
      log.v(2).info('image filesystem stats unavailable', { err: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }

  async function collect(): Promise<StatsRound> {
    const rt = opts.runtime;
    const [sandboxes, containers] = await Promise.all([
      rt.listPodSandbox({ state: { state: 'SANDBOX_READY' } }),
      rt.listContainers({ state: { state: 'CONTAINER_RUNNING' } }),
    ]);
    let sandboxStats: PodSandboxStats[] | undefined;
    let containerStats: CriContainerStats[] | undefined;
    if (sandboxStatsSupported && rt.listPodSandboxStats) {
      try {
        sandboxStats = await rt.listPodSandboxStats();
      } catch (e) {
        if (!(e instanceof CriError && e.code === 'UNIMPLEMENTED')) throw e;
        sandboxStatsSupported = false;
        log.info('the runtime has no ListPodSandboxStats; pod figures come from the pod cgroups or the sum of the containers');
      }
    }
    const podCgroups = new Map<string, { cpu?: CpuSample; memory?: MemorySample }>();
    if (!sandboxStats) {
      containerStats = await rt.listContainerStats();
      if (opts.podLookup) {
        await Promise.all(
          sandboxes.map(async (sb) => {
            const pod = opts.podLookup!(sb.metadata.uid);
            if (!pod) return;
            const cg = await host.cgroup(podCgroupParent(pod, cgroupRoot));
            if (cg.cpu || cg.memory) podCgroups.set(sb.id, cg);
          }),
        );
      }
    }

    const [node, imgFs] = await Promise.all([host.node(), imageFs()]);
    const mountpoints = new Set<string>();
    for (const s of [...(sandboxStats ?? []).flatMap((p) => p.linux?.containers ?? []), ...(containerStats ?? [])]) {
      const mp = s.writableLayer?.fsId?.mountpoint;
      if (mp) mountpoints.add(mp);
    }
    const fsByMount = new Map<string, FsSample>();
    await Promise.all(
      [...mountpoints].map(async (mp) => {
        const fs = await host.fs(mp);
        if (fs) fsByMount.set(mp, fs);
      }),
    );

    const timeNs = Math.round(now() * 1e6);
    const nodeSample: NodeSample = { ...node, ...(imgFs ? { imageFs: imgFs } : {}) };
    const pods = podSamplesFromCri(
      {
        sandboxes,
        containers,
        ...(sandboxStats ? { sandboxStats } : {}),
        ...(containerStats ? { containerStats } : {}),
        podCgroups,
        fsOf: (mp) => fsByMount.get(mp),
      },
      timeNs,
    );
    if (opts.logRoot && host.du) {
      const root = opts.logRoot.replace(/\/+$/, '');
      await Promise.all(
        pods.flatMap((p) =>
          p.containers.map(async (c) => {
            const used = await host.du!(`${root}/${p.ref.namespace}_${p.ref.name}_${p.ref.uid}/${c.name}`);
            if (used) c.logs = logsSample(used, node.fs, timeNs);
          }),
        ),
      );
    }
    return { timeNs, node: nodeSample, pods };
  }

  function sample(): Promise<StatsRound> {
    inflight ??= (async () => {
      try {
        const round = await collect();
        recordRound(history, round);
        latest = { round, atMs: now() };
        return round;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  function currentRound(): Promise<StatsRound> {
    if (latest && now() - latest.atMs < minInterval && !inflight) return Promise.resolve(latest.round);
    return sample();
  }

  async function summary(o: { onlyCpuAndMemory?: boolean } = {}): Promise<Summary> {
    let round: StatsRound;
    try {
      round = await currentRound();
    } catch (e) {
      throw new Error(`failed to get pod stats: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const full = buildSummary(opts.nodeName, round, history);
    return o.onlyCpuAndMemory ? cpuAndMemoryOnly(full) : full;
  }

  async function resourceMetrics(): Promise<string> {
    try {
      return renderResourceMetrics(await currentRound());
    } catch (e) {
      log.warn('resource metrics unavailable', { err: e instanceof Error ? e.message : String(e) });
      return renderResourceMetrics(undefined);
    }
  }

  const interval = opts.intervalMs ?? DEFAULT_STATS_INTERVAL_MS;
  if (interval > 0) {
    const tick = (): void => {
      sample().catch((e: unknown) => log.warn('stats round failed', { err: e instanceof Error ? e.message : String(e) }));
    };
    timer = setInterval(tick, interval);
    timer.unref();
    tick();
  }

  return {
    summary,
    resourceMetrics,
    sample,
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
