/**
 * Topology hints for EndpointSlices (upstream staging/src/k8s.io/endpointslice/topologycache and
 * trafficdist). Pure: no I/O.
 *
 * - With the annotation `service.kubernetes.io/topology-mode: Auto` (or the deprecated
 *   `service.kubernetes.io/topology-aware-hints: Auto|auto`), ready endpoints get zone hints
 *   allocated in proportion to the allocatable CPU of the ready nodes of each zone: first each
 *   endpoint is hinted for its own zone, then zones holding more than their share give endpoints to
 *   zones holding less. Hints are removed (with a Warning event) when the nodes lack zone or CPU
 *   information or span fewer than two zones, when there are fewer ready endpoints than zones, when
 *   a zone's minimum would exceed the overload threshold (20%), or when a ready endpoint has no
 *   zone. Unready endpoints never carry hints.
 * - Without the annotation, spec.trafficDistribution PreferClose / PreferSameZone hints every
 *   endpoint for its own zone, PreferSameNode also for its own node.
 * - Otherwise every hint is removed.
 *
 * Unlike upstream, whose cache remembers the hints it handed out, the allocation is recomputed from
 * the endpoints in slice order, deterministically, so an unchanged input yields unchanged hints and
 * no writes.
 */
import type { EndpointSlice, EndpointView } from '../../api/discovery/v1/index.js';
import type { V1Node, V1Service } from '../../api/core/v1/index.js';
import { quantityFromJSON } from '../../lib/quantity/index.js';

export const ANNOTATION_TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
export const ANNOTATION_TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** Upstream's overloadThreshold: a zone may receive at most 20% more than its share. */
export const OVERLOAD_THRESHOLD = 0.2;

export const MSG_INSUFFICIENT_NODE_INFO = 'Insufficient Node information: allocatable CPU or zone not specified on one or more nodes';
export const MSG_NO_ZONE_SPECIFIED = 'One or more endpoints do not have a zone specified';
export const MSG_INSUFFICIENT_ENDPOINTS = 'Insufficient number of endpoints';
export const MSG_MIN_ALLOCATION = 'Unable to allocate minimum required endpoints to each zone without exceeding overload threshold';
export const MSG_HINTS_ENABLED = 'Topology Aware Hints has been enabled';
export const MSG_HINTS_DISABLED = 'Topology Aware Hints has been disabled';

/** What the hint logic needs of a Node. */
export interface NodeInfo {
  name: string;
  zone?: string;
  ready: boolean;
  /** Allocatable CPU in millicores (0 when unknown). */
  cpuMillis: number;
}

export function nodeInfo(node: V1Node): NodeInfo {
  const ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  let cpuMillis = 0;
  try {
    const q = quantityFromJSON(node.status?.allocatable?.cpu);
    if (q) cpuMillis = Number(q.milliValue());
  } catch {
    cpuMillis = 0;
  }
  const zone = node.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  return { name: node.metadata.name ?? '', ready, cpuMillis, ...(zone ? { zone } : {}) };
}

/** hintsEnabled: the topology annotation asks for Auto. */
export function topologyHintsEnabled(svc: V1Service): boolean {
  const a = svc.metadata.annotations ?? {};
  const v = a[ANNOTATION_TOPOLOGY_AWARE_HINTS] ?? a[ANNOTATION_TOPOLOGY_MODE];
  return v === 'Auto' || v === 'auto';
}

/**
 * TopologyCache.SetNodes: the share of allocatable CPU of each zone over the ready nodes;
 * undefined when a ready node has no zone or no CPU, or fewer than two zones exist.
 */
export function cpuRatiosByZone(nodes: Iterable<NodeInfo>): Map<string, number> | undefined {
  const byZone = new Map<string, number>();
  let total = 0;
  for (const n of nodes) {
    if (!n.ready) continue;
    if (!n.zone || n.cpuMillis <= 0) return undefined;
    byZone.set(n.zone, (byZone.get(n.zone) ?? 0) + n.cpuMillis);
    total += n.cpuMillis;
  }
  if (total === 0 || byZone.size < 2) return undefined;
  const ratios = new Map<string, number>();
  for (const z of [...byZone.keys()].sort()) ratios.set(z, byZone.get(z)! / total);
  return ratios;
}

export interface HintEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

interface Allocation {
  minimum: number;
  desired: number;
}

/** EndpointReady: ready unset counts as ready. */
export function endpointReady(ep: EndpointView): boolean {
  return ep.conditions?.ready !== false;
}

function allocations(ratios: Map<string, number> | undefined, numEndpoints: number): Map<string, Allocation> | string {
  if (!ratios || ratios.size === 0) return MSG_INSUFFICIENT_NODE_INFO;
  if (ratios.size > numEndpoints) return `${MSG_INSUFFICIENT_ENDPOINTS} (${numEndpoints} endpoints, ${ratios.size} zones)`;
  let remaining = numEndpoints;
  const out = new Map<string, Allocation>();
  for (const [zone, ratio] of ratios) {
    const desired = ratio * numEndpoints;
    const minimum = Math.ceil(desired * (1 / (1 + OVERLOAD_THRESHOLD)));
    out.set(zone, { minimum, desired: Math.max(desired, minimum) });
    remaining -= minimum;
    if (remaining < 0) return `${MSG_MIN_ALLOCATION} (${numEndpoints} endpoints, ${ratios.size} zones)`;
  }
  return out;
}

function most(m: Map<string, number>): [string, number] {
  let zone = '';
  let max = 0;
  for (const [z, n] of m) if (n > max) [zone, max] = [z, n];
  return [zone, max];
}

/** getGivingAndReceivingZones, with ties broken by zone name. */
function givingAndReceiving(allocs: Map<string, Allocation>, allocated: Map<string, number>): [Map<string, number>, Map<string, number>] {
  const givingDesired = new Map<string, number>();
  const receivingDesired = new Map<string, number>();
  for (const [zone, a] of allocs) {
    const have = allocated.get(zone) ?? 0;
    if (have > a.desired) givingDesired.set(zone, have - a.desired);
    else if (have < a.desired) receivingDesired.set(zone, a.desired - have);
  }
  const giving = new Map<string, number>();
  const receiving = new Map<string, number>();
  for (let guard = 0; guard < 1_000_000; guard++) {
    const [gz, give] = most(givingDesired);
    const [rz, recv] = most(receivingDesired);
    if (!gz || !rz || (give < 1 && recv < 1) || give < 0.5 || recv < 0.5) break;
    giving.set(gz, (giving.get(gz) ?? 0) + 1);
    givingDesired.set(gz, give - 1);
    receiving.set(rz, (receiving.get(rz) ?? 0) + 1);
    receivingDesired.set(rz, recv - 1);
  }
  return [giving, receiving];
}

function withAddressType(msg: string, addressType: string): string {
  return `${msg}, addressType: ${addressType}`;
}

/** Removes every hint (RemoveHintsFromSlices). Mutates the given endpoints. */
export function removeHints(slices: EndpointSlice[]): void {
  for (const s of slices) for (const ep of s.endpoints ?? []) delete ep.hints;
}

/**
 * AddHints over every slice of one address type (mutated in place). Returns the Warning event when
 * hints could not be allocated (and were removed).
 */
export function addZoneHints(slices: EndpointSlice[], ratios: Map<string, number> | undefined, addressType: string): HintEvent | undefined {
  const ready = slices.flatMap((s) => (s.endpoints ?? []).filter(endpointReady));
  const allocs = allocations(ratios, ready.length);
  const disabled = (message: string): HintEvent => {
    removeHints(slices);
    return { type: 'Warning', reason: 'TopologyAwareHintsDisabled', message: withAddressType(message, addressType) };
  };
  if (typeof allocs === 'string') return disabled(allocs);
  if (ready.some((ep) => !ep.zone)) return disabled(MSG_NO_ZONE_SPECIFIED);
  const allocated = new Map<string, number>();
  for (const s of slices)
    for (const ep of s.endpoints ?? []) {
      if (!endpointReady(ep)) {
        delete ep.hints;
        continue;
      }
      allocated.set(ep.zone!, (allocated.get(ep.zone!) ?? 0) + 1);
      ep.hints = { forZones: [{ name: ep.zone! }] };
    }
  const [giving, receiving] = givingAndReceiving(allocs, allocated);
  // redistributeHints: walk the endpoints, moving hints from giving zones to receiving ones.
  for (const ep of ready) {
    if (giving.size === 0 || receiving.size === 0) break;
    const give = giving.get(ep.zone!) ?? 0;
    if (give <= 0) continue;
    for (const [rz, recv] of [...receiving].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (recv <= 0) continue;
      ep.hints = { forZones: [{ name: rz }] };
      if (give === 1) giving.delete(ep.zone!);
      else giving.set(ep.zone!, give - 1);
      if (recv === 1) receiving.delete(rz);
      else receiving.set(rz, recv - 1);
      break;
    }
  }
  return undefined;
}

/** trafficdist.ReconcileHints: own-zone (and for PreferSameNode own-node) hints on every endpoint. */
export function addTrafficDistributionHints(slices: EndpointSlice[], trafficDistribution: string): void {
  const sameNode = trafficDistribution === 'PreferSameNode';
  for (const s of slices)
    for (const ep of s.endpoints ?? []) {
      const hints: NonNullable<EndpointView['hints']> = {};
      if (ep.zone) hints.forZones = [{ name: ep.zone }];
      if (sameNode && ep.nodeName) hints.forNodes = [{ name: ep.nodeName }];
      if (hints.forZones || hints.forNodes) ep.hints = hints;
      else delete ep.hints;
    }
}

/** The trafficDistribution values that produce hints. */
export function usesTrafficDistribution(svc: V1Service): string | undefined {
  const td = svc.spec?.trafficDistribution;
  return td === 'PreferClose' || td === 'PreferSameZone' || td === 'PreferSameNode' ? td : undefined;
}

export { MSG_HINTS_ENABLED as TOPOLOGY_HINTS_ENABLED_MESSAGE, withAddressType as formatWithAddressType };
