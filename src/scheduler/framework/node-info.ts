/**
 * NodeInfo: one node with the aggregates every plugin needs, kept up to date incrementally as pods
 * are added and removed (upstream's framework.NodeInfo): allocatable, requested (and the non-zero
 * requested used by scoring), host ports in use, pods, pods carrying (anti-)affinity.
 */
import type { V1Node } from '../../api/core/v1/node.js';
import type { V1Toleration } from '../../api/core/v1/pod-types.js';
import type { HostPort, PodInfo } from './pod-info.js';
import { type Resource, addResource, cloneResource, emptyResource, resourceFromList } from './resource.js';

export interface Taint {
  key: string;
  value: string;
  effect: string;
}

export class NodeInfo {
  /** Undefined while pods are known for a node that is not (or no longer) in the snapshot. */
  node: V1Node | undefined;
  labels: Readonly<Record<string, string>> = {};
  taints: readonly Taint[] = [];
  unschedulable = false;
  allocatable: Resource = emptyResource();
  /** Sum of the effective requests of the pods on the node. */
  requested: Resource = emptyResource();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  pods: PodInfo[] = [];
  /** Pods with any pod affinity or anti-affinity term. */
  podsWithAffinity = 0;
  /** `protocol/port` → host IPs in use (0.0.0.0 = all). */
  usedPorts = new Map<string, string[]>();
  /** Position in Snapshot.nodes (-1 when not listed). */
  index = -1;
  /** Bumped on every change (for callers that cache per-node results). */
  generation = 0;

  constructor(readonly name: string) {}

  setNode(node: V1Node): void {
    this.node = node;
    this.labels = (node.metadata.labels as Record<string, string> | undefined) ?? {};
    this.taints = (node.spec?.taints ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '', effect: t.effect ?? '' }));
    this.unschedulable = node.spec?.unschedulable === true;
    this.allocatable = resourceFromList(node.status?.allocatable ?? node.status?.capacity);
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    this.account(pi, 1);
  }

  /** Removes the pod with this key; returns it (undefined if absent). */
  removePod(key: string): PodInfo | undefined {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return undefined;
    const pi = this.pods[i]!;
    this.pods[i] = this.pods[this.pods.length - 1]!;
    this.pods.pop();
    this.account(pi, -1);
    return pi;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    addResource(this.requested, pi.requests, sign);
    this.nonZeroMilliCPU += sign * pi.nonZeroMilliCPU;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    if (pi.affinitySignature) this.podsWithAffinity += sign;
    for (const hp of pi.hostPorts) {
      const k = `${hp.protocol}/${hp.port}`;
      const ips = this.usedPorts.get(k) ?? [];
      if (sign > 0) ips.push(hp.ip);
      else {
        const j = ips.indexOf(hp.ip);
        if (j >= 0) ips.splice(j, 1);
      }
      if (ips.length) this.usedPorts.set(k, ips);
      else this.usedPorts.delete(k);
    }
    this.generation++;
  }

  /** Whether a wanted host port conflicts with one in use (0.0.0.0 conflicts with every IP). */
  portConflict(hp: HostPort): boolean {
    const ips = this.usedPorts.get(`${hp.protocol}/${hp.port}`);
    if (!ips) return false;
    if (hp.ip === '0.0.0.0') return true;
    return ips.includes('0.0.0.0') || ips.includes(hp.ip);
  }

  /** A copy whose pods and aggregates can be changed without touching this one (preemption dry runs). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.allocatable = this.allocatable;
    c.requested = cloneResource(this.requested);
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    c.pods = [...this.pods];
    c.podsWithAffinity = this.podsWithAffinity;
    c.usedPorts = new Map([...this.usedPorts].map(([k, v]) => [k, [...v]]));
    c.index = this.index;
    return c;
  }
}

/** Upstream's Toleration.ToleratesTaint. */
export function toleratesTaint(t: V1Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === taint.value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** The first taint passing `filter` that no toleration tolerates (upstream's FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly V1Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  for (const taint of taints) {
    if (!filter(taint)) continue;
    let ok = false;
    for (const t of tolerations)
      if (toleratesTaint(t, taint)) {
        ok = true;
        break;
      }
    if (!ok) return taint;
  }
  return undefined;
}

/** NoSchedule and NoExecute: the effects that keep a pod off a node. */
export const doNotScheduleTaint = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
