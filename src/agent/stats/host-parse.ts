/**
 * Parsers of the kernel's text files the stats come from, and the figures derived from them. Pure:
 * callers read the files and pass their text in.
 *
 * cgroup v1 (per-controller hierarchies, `cgroup` mounts): cpuacct.usage (ns), memory.usage_in_bytes,
 * memory.limit_in_bytes, memory.stat (`total_*` hierarchical keys).
 * cgroup v2 (one `cgroup2` hierarchy): cpu.stat usage_usec, memory.current, memory.max, memory.stat.
 * A hybrid machine (v1 controllers plus an empty v2 at /sys/fs/cgroup/unified) counts as v1 for
 * each controller that is mounted as v1.
 * Node-wide: /proc/stat (CPU ticks, btime), /proc/meminfo, /proc/vmstat, /proc/net/dev.
 */
import { availableBytes, workingSetBytes } from './rates.js';
import type { InterfaceStats, MemorySample } from './types.js';

/** `key value` lines (memory.stat, cpu.stat, /proc/vmstat) → numbers; other lines are skipped. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(-?\d+)\s*$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** A single number file (cpuacct.usage, memory.current); `max` → Infinity; undefined if unreadable. */
export function parseSingleValue(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === 'max') return Infinity;
  if (!/^\d+$/.test(t)) return undefined;
  return Number(t);
}

/** /proc/meminfo → bytes by key (`kB` values × 1024; `HugePages_Total` and the like as counts). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

export interface ProcStat {
  /** Busy CPU time of all cores (everything but idle and iowait), in core-nanoseconds. */
  busyCoreNanos?: number;
  /** Boot time, seconds since the epoch. */
  bootTimeSec?: number;
}

/**
 * /proc/stat: the aggregate `cpu` line (user nice system idle iowait irq softirq steal guest
 * guest_nice, in USER_HZ ticks; guest time is already inside user) and `btime`.
 */
export function parseProcStat(text: string, userHz = 100): ProcStat {
  const out: ProcStat = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      const f = line.trim().split(/\s+/).slice(1).map(Number);
      const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
      out.busyCoreNanos = ((user + nice + system + irq + softirq + steal) * 1e9) / userHz;
    } else if (line.startsWith('btime ')) {
      out.bootTimeSec = Number(line.slice(6).trim());
    }
  }
  return out;
}

/** /proc/net/dev → per-interface byte and error counters (loopback included; callers filter). */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({ name: m[1]!, rxBytes: f[0]!, rxErrors: f[2]!, txBytes: f[8]!, txErrors: f[10]! });
  }
  return out;
}

/**
 * The node's default interface as cAdvisor picks it for the summary: `eth0` when present, else the
 * first interface that is not loopback or a bridge/veth of the pod network; undefined if none.
 */
export function defaultInterface(ifaces: InterfaceStats[]): InterfaceStats | undefined {
  return ifaces.find((i) => i.name === 'eth0') ?? ifaces.find((i) => i.name !== 'lo' && !/^(veth|cni|flt|br-|docker|virbr)/.test(i.name));
}

// ---- cgroup layout ------------------------------------------------------------------------------

/** Where one controller's hierarchy is mounted; `root` is the mount's root inside the hierarchy. */
export interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  root: string;
}

export interface CgroupLayout {
  /** cpuacct (v1) or the unified hierarchy (v2). */
  cpu?: CgroupMount;
  memory?: CgroupMount;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * The cgroup hierarchies from /proc/self/mountinfo. A controller mounted as v1 wins over the
 * unified hierarchy (hybrid setups); a v2 mount provides the controllers its root
 * cgroup.controllers lists, which the caller passes as `v2Controllers` (default: cpu and memory,
 * when the unified hierarchy is the one at /sys/fs/cgroup).
 */
export function parseCgroupMounts(mountinfo: string, v2Controllers?: readonly string[]): CgroupLayout {
  const layout: CgroupLayout = {};
  let v2: CgroupMount | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const root = unescapeMount(pre[3] ?? '/');
    const mountPoint = unescapeMount(pre[4] ?? '');
    const fstype = post[0];
    const opts = (post[2] ?? '').split(',');
    if (fstype === 'cgroup') {
      if (opts.includes('cpuacct') && !layout.cpu) layout.cpu = { version: 1, mountPoint, root };
      if (opts.includes('memory') && !layout.memory) layout.memory = { version: 1, mountPoint, root };
    } else if (fstype === 'cgroup2') {
      if (!v2 || mountPoint === '/sys/fs/cgroup') v2 = { version: 2, mountPoint, root };
    }
  }
  if (v2) {
    const ctrls = v2Controllers ?? (v2.mountPoint === '/sys/fs/cgroup' ? ['cpu', 'memory'] : []);
    if (!layout.cpu && ctrls.includes('cpu')) layout.cpu = v2;
    if (!layout.memory && ctrls.includes('memory')) layout.memory = v2;
  }
  return layout;
}

/**
 * The directory of cgroup `path` (as the runtime names it: `/flotilla/burstable/pod<uid>`, or `/`
 * for the root) in a mounted hierarchy; undefined when the path lies outside the mount's root.
 */
export function cgroupDir(mount: CgroupMount, path: string): string | undefined {
  const clean = ('/' + path).replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  if (clean.split('/').includes('..')) return undefined;
  const root = mount.root.replace(/\/$/, '') || '/';
  let rel: string;
  if (root === '/') rel = clean;
  else if (clean === root) rel = '/';
  else if (clean.startsWith(root + '/')) rel = clean.slice(root.length);
  else return undefined;
  return rel === '/' ? mount.mountPoint : mount.mountPoint.replace(/\/$/, '') + rel;
}

// ---- figures ------------------------------------------------------------------------------------

/** CPU usage of a cgroup in core-nanoseconds: v1 cpuacct.usage, v2 cpu.stat usage_usec × 1000. */
export function cgroupCpuUsage(version: 1 | 2, file: string | undefined): number | undefined {
  if (file === undefined) return undefined;
  if (version === 1) {
    const v = parseSingleValue(file);
    return v === undefined || !Number.isFinite(v) ? undefined : v;
  }
  const usec = parseFlatKeyed(file)['usage_usec'];
  return usec === undefined ? undefined : usec * 1000;
}

export interface CgroupMemoryFiles {
  /** v1 memory.usage_in_bytes / v2 memory.current. */
  usage?: string;
  /** v1 memory.limit_in_bytes / v2 memory.max. */
  limit?: string;
  /** memory.stat. */
  stat?: string;
}

/**
 * A cgroup's memory figures. v1 reads the hierarchical `total_*` keys (falling back to the local
 * ones), v2 the plain keys: rss = total_rss / anon, working set = usage - inactive file.
 */
export function cgroupMemory(version: 1 | 2, files: CgroupMemoryFiles, timeNs: number): MemorySample | undefined {
  const usage = parseSingleValue(files.usage);
  if (usage === undefined || !Number.isFinite(usage)) return undefined;
  const stat = files.stat !== undefined ? parseFlatKeyed(files.stat) : {};
  const key = (name: string): number | undefined => (version === 1 ? (stat[`total_${name}`] ?? stat[name]) : stat[name]);
  const ws = workingSetBytes(usage, key('inactive_file'));
  const out: MemorySample = { timeNs, usageBytes: usage, workingSetBytes: ws };
  const rss = version === 1 ? key('rss') : stat['anon'];
  if (rss !== undefined) out.rssBytes = rss;
  const avail = availableBytes(parseSingleValue(files.limit), ws);
  if (avail !== undefined) out.availableBytes = avail;
  const pf = key('pgfault');
  if (pf !== undefined) out.pageFaults = pf;
  const pmf = key('pgmajfault');
  if (pmf !== undefined) out.majorPageFaults = pmf;
  return out;
}

/**
 * The node's memory from /proc/meminfo and /proc/vmstat (what runc reports for the v2 root, which
 * has no memory.current): usage = MemTotal - MemFree, working set = usage - Inactive(file),
 * rss = AnonPages, available = MemTotal - working set.
 */
export function meminfoMemory(meminfo: string, vmstat: string | undefined, timeNs: number): MemorySample | undefined {
  const mi = parseMeminfo(meminfo);
  const total = mi['MemTotal'];
  const free = mi['MemFree'];
  if (total === undefined || free === undefined) return undefined;
  const usage = Math.max(0, total - free);
  const ws = workingSetBytes(usage, mi['Inactive(file)']);
  const out: MemorySample = { timeNs, usageBytes: usage, workingSetBytes: ws, availableBytes: Math.max(0, total - ws) };
  if (mi['AnonPages'] !== undefined) out.rssBytes = mi['AnonPages'];
  if (vmstat !== undefined) {
    const vm = parseFlatKeyed(vmstat);
    if (vm['pgfault'] !== undefined) out.pageFaults = vm['pgfault'];
    if (vm['pgmajfault'] !== undefined) out.majorPageFaults = vm['pgmajfault'];
  }
  return out;
}

/** MemTotal in bytes, the node's memory "limit" (kubelet: capacity - working set = available). */
export function memTotal(meminfo: string): number | undefined {
  return parseMeminfo(meminfo)['MemTotal'];
}
