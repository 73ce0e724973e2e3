/**
 * Linux resources of containers and sandboxes as the kubelet computes them
 * (kuberuntime_container_linux.go calculateLinuxResources, cm.MilliCPUToShares, milliCPUToQuota,
 * qos.GetContainerOOMScoreAdjust) and the cgroup layout. Pure.
 */
import { podQOSClass } from '../../api/core/v1/index.js';
import type { ResourceListView, V1Container, V1Pod } from '../../api/core/v1/index.js';
import { Quantity, quantityFromJSON } from '../../lib/quantity/index.js';
import type { LinuxContainerResources } from '../runtime/cri-types.js';

export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;
export const SHARES_PER_CPU = 1024;
/** CFS period in µs (kubelet's default --cpu-cfs-quota-period 100ms). */
export const QUOTA_PERIOD = 100_000;
/** The smallest CFS quota (1 ms). */
export const MIN_QUOTA_PERIOD = 1_000;

export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export function qosClassOf(pod: V1Pod): QOSClass {
  return podQOSClass(pod.spec ?? {});
}

/** cpu shares for a CPU request in millicores: 0 → 2 (kernel's minimum), else ×1024/1000 in [2, 262144]. */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** CFS quota (µs per period) for a CPU limit in millicores: 0 = unlimited, at least 1000 otherwise. */
export function milliCPUToQuota(milliCPU: number, period: number = QUOTA_PERIOD): number {
  if (milliCPU === 0) return 0;
  return Math.max(MIN_QUOTA_PERIOD, Math.floor((milliCPU * period) / 1000));
}

function quantity(list: ResourceListView | undefined, name: string): Quantity | undefined {
  const v = list?.[name];
  if (v === undefined) return undefined;
  try {
    return quantityFromJSON(v);
  } catch {
    return undefined;
  }
}

export function milliOf(list: ResourceListView | undefined, name: string): number | undefined {
  const q = quantity(list, name);
  return q === undefined ? undefined : Number(q.milliValue());
}

export function valueOf(list: ResourceListView | undefined, name: string): number | undefined {
  const q = quantity(list, name);
  return q === undefined ? undefined : Number(q.value());
}

/**
 * calculateLinuxResources: shares from the CPU request (the limit when no request is given), CFS
 * quota from the CPU limit with the fixed 100 ms period, memory limit in bytes (0 = unlimited).
 */
export function calculateLinuxResources(cpuRequestMilli: number | undefined, cpuLimitMilli: number, memoryLimitBytes: number): LinuxContainerResources {
  const cpuShares = cpuRequestMilli === undefined && cpuLimitMilli !== 0 ? milliCPUToShares(cpuLimitMilli) : milliCPUToShares(cpuRequestMilli ?? 0);
  return {
    cpuShares,
    cpuQuota: milliCPUToQuota(cpuLimitMilli),
    cpuPeriod: QUOTA_PERIOD,
    memoryLimitInBytes: memoryLimitBytes,
    oomScoreAdj: 0,
  };
}

/** Whether the pod is node-critical (priority ≥ 2e9 and class system-node-critical). */
function isNodeCriticalPod(pod: V1Pod): boolean {
  return pod.spec?.priorityClassName === 'system-node-critical' && (pod.spec?.priority ?? 0) >= 2_000_000_000;
}

/**
 * GetContainerOOMScoreAdjust: node-critical and Guaranteed −997, BestEffort 1000, Burstable
 * 1000 − 1000 × memoryRequest / memoryCapacity clamped into [3, 999].
 */
export function containerOOMScoreAdjust(pod: V1Pod, container: V1Container, memoryCapacityBytes: number): number {
  if (isNodeCriticalPod(pod)) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = qosClassOf(pod);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BESTEFFORT_OOM_SCORE_ADJ;
  const memoryRequest = valueOf(container.resources?.requests, 'memory') ?? 0;
  const adj = memoryCapacityBytes > 0 ? 1000 - Math.trunc((1000 * memoryRequest) / memoryCapacityBytes) : 1000;
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BESTEFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}

/** The CRI resources of one container (oom_score_adj needs the node's memory capacity). */
export function containerLinuxResources(pod: V1Pod, container: V1Container, memoryCapacityBytes: number): LinuxContainerResources {
  const r = container.resources;
  const res = calculateLinuxResources(milliOf(r?.requests, 'cpu'), milliOf(r?.limits, 'cpu') ?? 0, valueOf(r?.limits, 'memory') ?? 0);
  res.oomScoreAdj = containerOOMScoreAdjust(pod, container, memoryCapacityBytes);
  return res;
}

/**
 * The pod's effective requests and limits for cpu (milli) and memory (bytes): the larger of the
 * sum over regular containers (plus sidecars) and the largest init container (upstream PodRequests
 * and PodLimits without overhead). A limit is only summed over containers that set one.
 */
export function podEffectiveResources(pod: V1Pod): { cpuRequestMilli?: number; cpuLimitMilli: number; memoryLimitBytes: number; memoryRequestBytes: number } {
  let cpuReq: number | undefined;
  let memReq = 0;
  let cpuLim = 0;
  let memLim = 0;
  const spec = pod.spec ?? {};
  const add = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((i) => i.restartPolicy === 'Always')]) {
    cpuReq = add(cpuReq, milliOf(c.resources?.requests, 'cpu'));
    memReq += valueOf(c.resources?.requests, 'memory') ?? 0;
    cpuLim += milliOf(c.resources?.limits, 'cpu') ?? 0;
    memLim += valueOf(c.resources?.limits, 'memory') ?? 0;
  }
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy === 'Always') continue;
    const r = milliOf(c.resources?.requests, 'cpu');
    if (r !== undefined && r > (cpuReq ?? 0)) cpuReq = r;
    memReq = Math.max(memReq, valueOf(c.resources?.requests, 'memory') ?? 0);
    cpuLim = Math.max(cpuLim, milliOf(c.resources?.limits, 'cpu') ?? 0);
    memLim = Math.max(memLim, valueOf(c.resources?.limits, 'memory') ?? 0);
  }
  return { ...(cpuReq !== undefined ? { cpuRequestMilli: cpuReq } : {}), cpuLimitMilli: cpuLim, memoryLimitBytes: memLim, memoryRequestBytes: memReq };
}

/** The root of Flotilla's pod cgroups (cgroupfs driver; kubelet's is /kubepods). */
export const DEFAULT_CGROUP_ROOT = '/flotilla';

/**
 * The pod's cgroup parent, by QoS class as the kubelet lays them out:
 * Guaranteed `<root>/pod<uid>`, Burstable `<root>/burstable/pod<uid>`, BestEffort
 * `<root>/besteffort/pod<uid>`. Containers go below it (`<parent>/<container id>`, the runtime's).
 */
export function podCgroupParent(pod: V1Pod, root: string = DEFAULT_CGROUP_ROOT): string {
  const uid = pod.metadata.uid ?? '';
  const base = root.replace(/\/+$/, '');
  switch (qosClassOf(pod)) {
    case 'Guaranteed':
      return `${base}/pod${uid}`;
    case 'Burstable':
      return `${base}/burstable/pod${uid}`;
    default:
      return `${base}/besteffort/pod${uid}`;
  }
}
