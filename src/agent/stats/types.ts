/**
 * The kubelet's Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1), the JSON GET /stats/summary
 * answers: field names and optionality as upstream's json tags (optional figures are left out,
 * never null), times as metav1.Time (RFC 3339, whole seconds, UTC).
 *
 * Also the internal samples the provider collects: plain numbers, times in nanoseconds since the
 * epoch. Pure types, no I/O.
 */

/** metav1.Time in JSON: `2026-11-24T12:51:13Z`. */
export type Time = string;

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

export interface NodeStats {
  nodeName: string;
  systemContainers?: ContainerStats[];
  /** When collection of the node-wide figures (re)started: the machine's boot time. */
  startTime: Time;
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  /** The filesystem holding the agent's data (kubelet: its root dir). */
  fs?: FsStats;
  runtime?: RuntimeStats;
  rlimit?: { time: Time; maxpid?: number; curproc?: number };
}

export interface RuntimeStats {
  /** The filesystem holding the images; usedBytes is what the images take. */
  imageFs?: FsStats;
}

export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

export interface PodStats {
  podRef: PodReference;
  /** The sandbox's creation time (as the kubelet's CRI stats provider reports it). */
  startTime: Time;
  containers: ContainerStats[];
  /** Of the pod cgroup: every container plus the sandbox (pause) process. */
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  volume?: VolumeStats[];
  'ephemeral-storage'?: FsStats;
  process_stats?: { process_count?: number };
}

export interface ContainerStats {
  name: string;
  /** The container's creation time. */
  startTime: Time;
  cpu?: CPUStats;
  memory?: MemoryStats;
  /** usedBytes: the container's writable layer. */
  rootfs?: FsStats;
  logs?: FsStats;
}

export interface CPUStats {
  time: Time;
  /** Average over the sample window, in nanocores (1e9 = one core busy). */
  usageNanoCores?: number;
  /** Cumulative, all cores, since the object was created. */
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time: Time;
  /** limit - workingSetBytes; left out when there is no limit. */
  availableBytes?: number;
  usageBytes?: number;
  /** usage - inactive file pages (what the OOM killer and eviction look at). */
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface InterfaceStats {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

/** The default interface's figures inline, every interface in `interfaces`. */
export interface NetworkStats extends Partial<InterfaceStats> {
  time: Time;
  interfaces?: InterfaceStats[];
}

export interface FsStats {
  time: Time;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

export interface VolumeStats extends FsStats {
  name?: string;
  pvcRef?: { name: string; namespace: string };
}

// ---- samples (internal) -------------------------------------------------------------------------

/** Nanoseconds since the epoch. */
export type Nanos = number;

export interface CpuSample {
  timeNs: Nanos;
  /** Cumulative CPU time, all cores, in core-nanoseconds. */
  usageCoreNanoSeconds: number;
}

export interface MemorySample {
  timeNs: Nanos;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  /** Absent when the object has no memory limit. */
  availableBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface FsSample {
  timeNs: Nanos;
  capacityBytes?: number;
  availableBytes?: number;
  usedBytes?: number;
  inodes?: number;
  inodesFree?: number;
  inodesUsed?: number;
}

export interface NetworkSample {
  timeNs: Nanos;
  defaultInterface?: InterfaceStats;
  interfaces: InterfaceStats[];
}

export interface NodeSample {
  timeNs: Nanos;
  /** Boot time of the machine. */
  startTimeNs: Nanos;
  cpu?: CpuSample;
  memory?: MemorySample;
  network?: NetworkSample;
  fs?: FsSample;
  imageFs?: FsSample;
}

export interface ContainerSample {
  /** The runtime's container id (the key of its CPU history). */
  id: string;
  name: string;
  startTimeNs: Nanos;
  cpu?: CpuSample;
  memory?: MemorySample;
  rootfs?: FsSample;
  /** The container's log directory (every attempt and rotation). */
  logs?: FsSample;
}

export interface PodSample {
  /** The sandbox id (the key of the pod's CPU history). */
  sandboxId: string;
  ref: PodReference;
  startTimeNs: Nanos;
  cpu?: CpuSample;
  memory?: MemorySample;
  network?: NetworkSample;
  processCount?: number;
  containers: ContainerSample[];
}

/** Everything one collection round saw. */
export interface StatsRound {
  timeNs: Nanos;
  node: NodeSample;
  pods: PodSample[];
}
