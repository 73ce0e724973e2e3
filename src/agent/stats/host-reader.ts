/**
 * The node's own figures, read from the kernel: the root cgroup (cgroup v1 or v2, detected from
 * /proc/self/mountinfo), /proc/stat, /proc/meminfo, /proc/vmstat, /proc/net/dev and statfs.
 *
 * Contracts:
 * - never throws for a missing or unreadable file: the figure is left out (a node without the
 *   memory controller still reports CPU);
 * - node CPU is the root cgroup's usage (cpuacct.usage on v1, cpu.stat usage_usec on v2), or the
 *   busy ticks of /proc/stat when the root cgroup has none;
 * - node memory is the root memory cgroup on v1 (available = MemTotal - working set, as the
 *   kubelet's node figures); on v2, whose root has no memory.current, /proc/meminfo;
 * - `cgroup(path)` reads any cgroup by the path the runtime was given (cgroupParent), for pods
 *   whose runtime has no ListPodSandboxStats.
 */
import { lstat, readdir, readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cgroupCpuUsage,
  cgroupDir,
  cgroupMemory,
  defaultInterface,
  meminfoMemory,
  memTotal,
  parseCgroupMounts,
  parseNetDev,
  parseProcStat,
  type CgroupLayout,
} from './host-parse.js';
import type { CpuSample, FsSample, MemorySample, NodeSample } from './types.js';

export interface HostStatsReader {
  /** CPU, memory, network and the filesystem of the agent's root dir (not the image fs). */
  node(): Promise<NodeSample>;
  /** A cgroup's CPU and memory by its path in the hierarchy (`/flotilla/besteffort/pod<uid>`). */
  cgroup(path: string): Promise<{ cpu?: CpuSample; memory?: MemorySample }>;
  /** Capacity, free space and inodes of the filesystem holding `path`. */
  fs(path: string): Promise<FsSample | undefined>;
  /**
   * Disk use of a directory tree as `du` counts it (allocated blocks; inodes including the
   * directories themselves; symlinks not followed); undefined when it does not exist.
   */
  du?(path: string): Promise<{ usedBytes: number; inodesUsed: number } | undefined>;
  /** Which hierarchies were found (for logs and tests). */
  layout(): Promise<CgroupLayout>;
}

export interface HostStatsReaderOptions {
  /** The filesystem reported as node.fs (default `/`; the kubelet reports its root dir's). */
  rootDir?: string;
  /** Default /proc. */
  procDir?: string;
  /**
   * Wall clock in milliseconds (fractional allowed); default Date.now (a monotonic clock would
   * drift from the wall time the Summary shows; a step backwards only costs one rate).
   */
  now?: () => number;
  /** Kernel ticks per second of /proc/stat (USER_HZ, 100 on Linux). */
  userHz?: number;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function wallClockMs(): number {
  return Date.now();
}

export function createHostStatsReader(opts: HostStatsReaderOptions = {}): HostStatsReader {
  const proc = opts.procDir ?? '/proc';
  const rootDir = opts.rootDir ?? '/';
  const now = opts.now ?? wallClockMs;
  const userHz = opts.userHz ?? 100;
  const nowNs = (): number => Math.round(now() * 1e6);
  let layoutP: Promise<CgroupLayout> | undefined;

  const layout = (): Promise<CgroupLayout> =>
    (layoutP ??= (async () => {
      const mi = (await readText(join(proc, 'self/mountinfo'))) ?? '';
      const first = parseCgroupMounts(mi, []);
      const v2 = /\scgroup2\s/.test(mi) ? parseCgroupMounts(mi, ['cpu', 'memory']) : first;
      // Ask the unified hierarchy which controllers it really has.
      const v2Mount = [v2.cpu, v2.memory].find((m) => m?.version === 2);
      if (!v2Mount) return first;
      const ctrls = ((await readText(join(v2Mount.mountPoint, 'cgroup.controllers'))) ?? '').trim().split(/\s+/).filter(Boolean);
      return parseCgroupMounts(mi, ctrls);
    })());

  async function cgroupCpu(l: CgroupLayout, path: string): Promise<CpuSample | undefined> {
    if (!l.cpu) return undefined;
    const dir = cgroupDir(l.cpu, path);
    if (!dir) return undefined;
    const text = await readText(join(dir, l.cpu.version === 1 ? 'cpuacct.usage' : 'cpu.stat'));
    const usage = cgroupCpuUsage(l.cpu.version, text);
    return usage === undefined ? undefined : { timeNs: nowNs(), usageCoreNanoSeconds: usage };
  }

  async function cgroupMem(l: CgroupLayout, path: string, limitOverride?: number): Promise<MemorySample | undefined> {
    if (!l.memory) return undefined;
    const dir = cgroupDir(l.memory, path);
    if (!dir) return undefined;
    const v1 = l.memory.version === 1;
    const [usage, limit, stat] = await Promise.all([
      readText(join(dir, v1 ? 'memory.usage_in_bytes' : 'memory.current')),
      limitOverride !== undefined ? Promise.resolve(String(limitOverride)) : readText(join(dir, v1 ? 'memory.limit_in_bytes' : 'memory.max')),
      readText(join(dir, 'memory.stat')),
    ]);
    return cgroupMemory(l.memory.version, { ...(usage !== undefined ? { usage } : {}), ...(limit !== undefined ? { limit } : {}), ...(stat !== undefined ? { stat } : {}) }, nowNs());
  }

  async function fs(path: string): Promise<FsSample | undefined> {
    try {
      const s = await statfs(path);
      return {
        timeNs: nowNs(),
        capacityBytes: s.blocks * s.bsize,
        availableBytes: s.bavail * s.bsize,
        usedBytes: (s.blocks - s.bfree) * s.bsize,
        inodes: s.files,
        inodesFree: s.ffree,
        inodesUsed: s.files - s.ffree,
      };
    } catch {
      return undefined;
    }
  }

  async function du(path: string): Promise<{ usedBytes: number; inodesUsed: number } | undefined> {
    let usedBytes = 0;
    let inodesUsed = 0;
    const walk = async (p: string, depth: number): Promise<boolean> => {
      let st;
      try {
        st = await lstat(p);
      } catch {
        return false;
      }
      usedBytes += st.blocks * 512;
      inodesUsed++;
      if (st.isDirectory() && depth < 8) {
        let names: string[] = [];
        try {
          names = await readdir(p);
        } catch {
          /* unreadable: counted as itself only */
        }
        for (const n of names) await walk(join(p, n), depth + 1);
      }
      return true;
    };
    return (await walk(path, 0)) ? { usedBytes, inodesUsed } : undefined;
  }

  return {
    layout,
    fs,
    du,
    async cgroup(path) {
      const l = await layout();
      const [cpu, memory] = await Promise.all([cgroupCpu(l, path), cgroupMem(l, path)]);
      return { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
    },
    async node() {
      const l = await layout();
      const [statText, meminfo, vmstat, netdev, rootFs] = await Promise.all([
        readText(join(proc, 'stat')),
        readText(join(proc, 'meminfo')),
        readText(join(proc, 'vmstat')),
        readText(join(proc, 'net/dev')),
        fs(rootDir),
      ]);
      const t = nowNs();
      const ps = statText !== undefined ? parseProcStat(statText, userHz) : {};
      const out: NodeSample = { timeNs: t, startTimeNs: (ps.bootTimeSec ?? 0) * 1e9 };

      const cpu = await cgroupCpu(l, '/');
      if (cpu) out.cpu = cpu;
      else if (ps.busyCoreNanos !== undefined) out.cpu = { timeNs: t, usageCoreNanoSeconds: Math.round(ps.busyCoreNanos) };

      const total = meminfo !== undefined ? memTotal(meminfo) : undefined;
      const mem = l.memory?.version === 1 ? await cgroupMem(l, '/', total) : undefined;
      if (mem) out.memory = mem;
      else if (meminfo !== undefined) {
        const m = meminfoMemory(meminfo, vmstat, t);
        if (m) out.memory = m;
      }

      if (netdev !== undefined) {
        // cAdvisor leaves out loopback, the pods' veth ends and other runtimes' bridges.
        const ifaces = parseNetDev(netdev).filter((i) => !/^(lo|veth|docker|nerdctl)/.test(i.name));
        const def = defaultInterface(ifaces);
        if (ifaces.length > 0) out.network = { timeNs: t, ...(def ? { defaultInterface: def } : {}), interfaces: ifaces };
      }
      if (rootFs) out.fs = rootFs;
      return out;
    },
  };
}
