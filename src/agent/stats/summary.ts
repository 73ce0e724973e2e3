/**
 * From what the runtime and the host report to the Summary API. Pure.
 *
 * One collection round (StatsRound) is built from the CRI answers (ready sandboxes, running
 * containers, ListPodSandboxStats or ListContainerStats) plus the node's own figures; the summary
 * is that round with usageNanoCores from the CPU history (the last two samples per object).
 *
 * Contracts, as the kubelet's CRI stats provider:
 * - only ready sandboxes are pods; only running containers that the runtime has stats for are
 *   containers (stats of unknown or exited containers are dropped);
 * - pod startTime is the sandbox's creation time, container startTime the container's;
 * - a container without CPU or memory stats still appears, with zero usage at the round's time;
 * - containerd's availableBytes of 0 means "no limit" and is left out; the runtime's own
 *   usageNanoCores is ignored in favour of our two-sample rate (its window depends on every client
 *   that calls it);
 * - pods are sorted by namespace/name, containers by name, so the output is deterministic.
 */
import type { Container, ContainerStats as CriContainerStats, CpuUsage, FilesystemUsage, MemoryUsage, NetworkInterfaceUsage, PodSandbox, PodSandboxStats } from '../runtime/cri-types.js';
import type { CpuHistory } from './rates.js';
import type {
  ContainerSample,
  ContainerStats,
  CPUStats,
  CpuSample,
  FsSample,
  FsStats,
  InterfaceStats,
  MemorySample,
  MemoryStats,
  NetworkSample,
  NetworkStats,
  NodeSample,
  PodSample,
  PodStats,
  StatsRound,
  Summary,
  Time,
} from './types.js';

/** metav1.Time's JSON form: RFC 3339 in UTC, whole seconds. */
export function toTime(ns: number): Time {
  return new Date(Math.floor(ns / 1e6 / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---- CRI → samples ------------------------------------------------------------------------------

export function criCpu(c: CpuUsage | undefined): CpuSample | undefined {
  if (!c || !(c.timestamp > 0) || c.usageCoreNanoSeconds === undefined) return undefined;
  return { timeNs: c.timestamp, usageCoreNanoSeconds: c.usageCoreNanoSeconds.value };
}

export function criMemory(m: MemoryUsage | undefined): MemorySample | undefined {
  if (!m || !(m.timestamp > 0)) return undefined;
  const out: MemorySample = { timeNs: m.timestamp };
  if (m.workingSetBytes) out.workingSetBytes = m.workingSetBytes.value;
  if (m.usageBytes) out.usageBytes = m.usageBytes.value;
  if (m.rssBytes) out.rssBytes = m.rssBytes.value;
  if (m.availableBytes && m.availableBytes.value > 0) out.availableBytes = m.availableBytes.value;
  if (m.pageFaults) out.pageFaults = m.pageFaults.value;
  if (m.majorPageFaults) out.majorPageFaults = m.majorPageFaults.value;
  return out;
}

function iface(i: NetworkInterfaceUsage): InterfaceStats {
  const out: InterfaceStats = { name: i.name };
  if (i.rxBytes) out.rxBytes = i.rxBytes.value;
  if (i.rxErrors) out.rxErrors = i.rxErrors.value;
  if (i.txBytes) out.txBytes = i.txBytes.value;
  if (i.txErrors) out.txErrors = i.txErrors.value;
  return out;
}

export function criNetwork(n: NonNullable<PodSandboxStats['linux']>['network']): NetworkSample | undefined {
  if (!n || !(n.timestamp > 0)) return undefined;
  const def = n.defaultInterface ? iface(n.defaultInterface) : undefined;
  const others = (n.interfaces ?? []).map(iface).filter((i) => i.name !== def?.name);
  return { timeNs: n.timestamp, ...(def ? { defaultInterface: def } : {}), interfaces: def ? [def, ...others] : others };
}

/**
 * The container's writable layer as a filesystem figure; capacity, free space and inodes come from
 * the filesystem it lives on (`fsOf(mountpoint)`, the image filesystem in practice).
 */
export function criRootfs(w: FilesystemUsage | undefined, roundNs: number, fsOf: (mountpoint: string) => FsSample | undefined): FsSample | undefined {
  if (!w) return undefined;
  const fs = w.fsId?.mountpoint ? fsOf(w.fsId.mountpoint) : undefined;
  const out: FsSample = { ...(fs ?? {}), timeNs: w.timestamp && w.timestamp > 0 ? w.timestamp : (fs?.timeNs ?? roundNs) };
  delete out.usedBytes;
  delete out.inodesUsed;
  if (w.usedBytes) out.usedBytes = w.usedBytes.value;
  if (w.inodesUsed) out.inodesUsed = w.inodesUsed.value;
  return out;
}

export interface CriInputs {
  /** ListPodSandbox: only SANDBOX_READY ones become pods. */
  sandboxes: PodSandbox[];
  /** ListContainers: creation times; only CONTAINER_RUNNING ones become containers. */
  containers: Container[];
  /** ListPodSandboxStats, when the runtime implements it. */
  sandboxStats?: PodSandboxStats[];
  /** ListContainerStats, used when sandboxStats is absent. */
  containerStats?: CriContainerStats[];
  /**
   * Pod-cgroup figures read by other means when sandboxStats is absent (by sandbox id); pods
   * without them get the sum of their containers.
   */
  podCgroups?: ReadonlyMap<string, { cpu?: CpuSample; memory?: MemorySample }>;
  /** Filesystem figures by mountpoint (for container rootfs). */
  fsOf?: (mountpoint: string) => FsSample | undefined;
}

function sumCpu(cs: ContainerSample[]): CpuSample | undefined {
  const with_ = cs.filter((c) => c.cpu);
  if (with_.length === 0) return undefined;
  return {
    timeNs: Math.max(...with_.map((c) => c.cpu!.timeNs)),
    usageCoreNanoSeconds: with_.reduce((n, c) => n + c.cpu!.usageCoreNanoSeconds, 0),
  };
}

function sumMemory(cs: ContainerSample[]): MemorySample | undefined {
  const with_ = cs.filter((c) => c.memory);
  if (with_.length === 0) return undefined;
  const out: MemorySample = { timeNs: Math.max(...with_.map((c) => c.memory!.timeNs)) };
  for (const k of ['usageBytes', 'workingSetBytes', 'rssBytes', 'pageFaults', 'majorPageFaults'] as const) {
    if (with_.some((c) => c.memory![k] !== undefined)) out[k] = with_.reduce((n, c) => n + (c.memory![k] ?? 0), 0);
  }
  return out;
}

/** The pods of one round from the CRI answers (see the module contract). */
export function podSamplesFromCri(input: CriInputs, roundNs: number): PodSample[] {
  const fsOf = input.fsOf ?? (() => undefined);
  const running = new Map(input.containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => [c.id, c]));
  const containerSample = (s: CriContainerStats): ContainerSample | undefined => {
    const c = running.get(s.attributes.id);
    if (!c) return undefined;
    const out: ContainerSample = { id: c.id, name: s.attributes.metadata?.name || c.metadata.name, startTimeNs: c.createdAt };
    const cpu = criCpu(s.cpu);
    if (cpu) out.cpu = cpu;
    const mem = criMemory(s.memory);
    if (mem) out.memory = mem;
    const rootfs = criRootfs(s.writableLayer, roundNs, fsOf);
    if (rootfs) out.rootfs = rootfs;
    return out;
  };

  const pods: PodSample[] = [];
  const bySandbox = new Map<string, PodSandboxStats>((input.sandboxStats ?? []).map((s) => [s.attributes.id, s]));
  const containersBySandbox = new Map<string, CriContainerStats[]>();
  for (const s of input.containerStats ?? []) {
    const c = running.get(s.attributes.id);
    if (!c) continue;
    const list = containersBySandbox.get(c.podSandboxId) ?? [];
    list.push(s);
    containersBySandbox.set(c.podSandboxId, list);
  }

  for (const sb of input.sandboxes) {
    if (sb.state !== 'SANDBOX_READY') continue;
    const ps = bySandbox.get(sb.id);
    if (input.sandboxStats && !ps) continue; // the runtime had no stats for it (just created or going away)
    const criContainers = ps ? (ps.linux?.containers ?? []) : (containersBySandbox.get(sb.id) ?? []);
    const containers = criContainers
      .map(containerSample)
      .filter((c): c is ContainerSample => c !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
    const pod: PodSample = {
      sandboxId: sb.id,
      ref: { name: sb.metadata.name, namespace: sb.metadata.namespace, uid: sb.metadata.uid },
      startTimeNs: sb.createdAt,
      containers,
    };
    if (ps) {
      const cpu = criCpu(ps.linux?.cpu);
      if (cpu) pod.cpu = cpu;
      const mem = criMemory(ps.linux?.memory);
      if (mem) pod.memory = mem;
      const net = criNetwork(ps.linux?.network);
      if (net) pod.network = net;
      const pc = ps.linux?.process?.processCount;
      if (pc) pod.processCount = pc.value;
    } else {
      const cg = input.podCgroups?.get(sb.id);
      const cpu = cg?.cpu ?? sumCpu(containers);
      if (cpu) pod.cpu = cpu;
      const mem = cg?.memory ?? sumMemory(containers);
      if (mem) pod.memory = mem;
    }
    pods.push(pod);
  }
  return pods.sort((a, b) => a.ref.namespace.localeCompare(b.ref.namespace) || a.ref.name.localeCompare(b.ref.name) || a.sandboxId.localeCompare(b.sandboxId));
}

/**
 * A container's log usage as the kubelet reports it: the bytes and inodes of its log directory
 * (`du`), with capacity, free space and inodes of the filesystem holding it (`fs`, node.fs).
 */
export function logsSample(du: { usedBytes: number; inodesUsed: number }, fs: FsSample | undefined, timeNs: number): FsSample {
  const out: FsSample = { timeNs };
  if (fs?.capacityBytes !== undefined) out.capacityBytes = fs.capacityBytes;
  if (fs?.availableBytes !== undefined) out.availableBytes = fs.availableBytes;
  if (fs?.inodes !== undefined) out.inodes = fs.inodes;
  if (fs?.inodesFree !== undefined) out.inodesFree = fs.inodesFree;
  out.usedBytes = du.usedBytes;
  out.inodesUsed = du.inodesUsed;
  return out;
}

// ---- history ------------------------------------------------------------------------------------

/** The CPU history key of a container, a pod (sandbox) and the node. */
export const historyKey = {
  container: (id: string) => `c/${id}`,
  pod: (sandboxId: string) => `p/${sandboxId}`,
  node: 'node',
} as const;

/** Records every CPU sample of the round and forgets objects the round no longer has. */
export function recordRound(history: CpuHistory, round: StatsRound): void {
  const keep = new Set<string>();
  if (round.node.cpu) {
    history.record(historyKey.node, round.node.cpu);
    keep.add(historyKey.node);
  }
  for (const p of round.pods) {
    keep.add(historyKey.pod(p.sandboxId));
    if (p.cpu) history.record(historyKey.pod(p.sandboxId), p.cpu);
    for (const c of p.containers) {
      keep.add(historyKey.container(c.id));
      if (c.cpu) history.record(historyKey.container(c.id), c.cpu);
    }
  }
  history.retain(keep);
}

// ---- samples → Summary --------------------------------------------------------------------------

function cpuStats(s: CpuSample | undefined, rate: number | undefined, fallbackNs: number): CPUStats {
  if (!s) return { time: toTime(fallbackNs), usageNanoCores: 0, usageCoreNanoSeconds: 0 };
  return { time: toTime(s.timeNs), ...(rate !== undefined ? { usageNanoCores: rate } : {}), usageCoreNanoSeconds: s.usageCoreNanoSeconds };
}

function memoryStats(s: MemorySample | undefined, fallbackNs: number): MemoryStats {
  if (!s) return { time: toTime(fallbackNs), workingSetBytes: 0 };
  const { timeNs, ...rest } = s;
  return { time: toTime(timeNs), ...rest };
}

function fsStats(s: FsSample): FsStats {
  const { timeNs, ...rest } = s;
  return { time: toTime(timeNs), ...rest };
}

function networkStats(s: NetworkSample): NetworkStats {
  return { time: toTime(s.timeNs), ...(s.defaultInterface ?? {}), ...(s.interfaces.length > 0 ? { interfaces: s.interfaces } : {}) };
}

function nodeStats(nodeName: string, n: NodeSample, history: CpuHistory): Summary['node'] {
  const out: Summary['node'] = { nodeName, startTime: toTime(n.startTimeNs) };
  if (n.cpu) out.cpu = cpuStats(n.cpu, history.rate(historyKey.node), n.timeNs);
  if (n.memory) out.memory = memoryStats(n.memory, n.timeNs);
  if (n.network) out.network = networkStats(n.network);
  if (n.fs) out.fs = fsStats(n.fs);
  if (n.imageFs) out.runtime = { imageFs: fsStats(n.imageFs) };
  return out;
}

function containerStats(c: ContainerSample, history: CpuHistory, roundNs: number): ContainerStats {
  const out: ContainerStats = {
    name: c.name,
    startTime: toTime(c.startTimeNs),
    cpu: cpuStats(c.cpu, c.cpu ? history.rate(historyKey.container(c.id)) : 0, roundNs),
    memory: memoryStats(c.memory, roundNs),
  };
  if (c.rootfs) out.rootfs = fsStats(c.rootfs);
  if (c.logs) out.logs = fsStats(c.logs);
  return out;
}

function podStats(p: PodSample, history: CpuHistory, roundNs: number): PodStats {
  const out: PodStats = {
    podRef: { ...p.ref },
    startTime: toTime(p.startTimeNs),
    containers: p.containers.map((c) => containerStats(c, history, roundNs)),
  };
  if (p.cpu) out.cpu = cpuStats(p.cpu, history.rate(historyKey.pod(p.sandboxId)), roundNs);
  if (p.memory) out.memory = memoryStats(p.memory, roundNs);
  if (p.network) out.network = networkStats(p.network);
  if (p.processCount !== undefined) out.process_stats = { process_count: p.processCount };
  return out;
}

/** The Summary of a round, with rates from `history` (which must already hold the round). */
export function buildSummary(nodeName: string, round: StatsRound, history: CpuHistory): Summary {
  return {
    node: nodeStats(nodeName, round.node, history),
    pods: round.pods.map((p) => podStats(p, history, round.timeNs)),
  };
}

/**
 * The Summary with CPU and memory only (GET /stats/summary?only_cpu_and_memory=true, what older
 * metrics-server asks for): node name, start time, cpu, memory; pods with podRef, startTime, cpu,
 * memory and containers with name, startTime, cpu, memory.
 */
export function cpuAndMemoryOnly(s: Summary): Summary {
  const pick = <T extends { cpu?: unknown; memory?: unknown }>(o: T): Pick<T, 'cpu' | 'memory'> => ({
    ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
    ...(o.memory !== undefined ? { memory: o.memory } : {}),
  }) as Pick<T, 'cpu' | 'memory'>;
  return {
    node: { nodeName: s.node.nodeName, startTime: s.node.startTime, ...pick(s.node) },
    pods: s.pods.map((p) => ({
      podRef: p.podRef,
      startTime: p.startTime,
      containers: p.containers.map((c) => ({ name: c.name, startTime: c.startTime, ...pick(c) })),
      ...pick(p),
    })),
  };
}
