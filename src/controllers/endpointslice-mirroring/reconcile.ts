/**
 * The EndpointSlice mirroring controller's decision step (upstream
 * pkg/controller/endpointslicemirroring reconciler.go, utils.go). Pure: from a user-managed
 * Endpoints object (of a Service without a selector) and the slices already mirrored for it, the
 * slices to create, update and delete. No I/O.
 *
 * As upstream:
 * - an Endpoints object is mirrored when its Service exists without a selector, it does not carry
 *   endpointslice.kubernetes.io/skip-mirror=true and is no leader-election record; otherwise its
 *   mirrored slices are deleted;
 * - one slice per (port list, address type) of the subsets; ready addresses become ready
 *   endpoints, notReadyAddresses unready ones (addresses, targetRef, nodeName and hostname carried
 *   over); invalid IPs are skipped; at most maxEndpointsPerSubset (default 1000) addresses of each
 *   subset are mirrored, the rest are skipped (reported);
 * - a slice carries the Endpoints' labels (plus kubernetes.io/service-name and
 *   endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io) and its
 *   annotations except last-change-trigger-time and kubectl's last-applied-configuration; its
 *   owner is the Endpoints object;
 * - an existing slice is rewritten only when its endpoints, labels or annotations differ; extra
 *   slices of the same key are deleted; creates paired with deletes become updates.
 */
import type { EndpointPortView, EndpointSlice, EndpointView } from '../../api/discovery/v1/index.js';
import type { V1Service } from '../../api/core/v1/index.js';
import type { V1Endpoints } from '../endpoints/reconcile.js';
import { ANNOTATION_TRIGGER_TIME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MIRRORING_CONTROLLER_NAME, stableStringify } from '../endpointslice/util.js';
import { parseIp } from '../../lib/net.js';

export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
export const ANNOTATION_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** Upstream --mirroring-max-endpoints-per-subset default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SUBSET = 1000;

export interface MirroringInput {
  /** The Endpoints object; undefined when it is gone. */
  endpoints?: V1Endpoints;
  /** The Service of the same name; undefined when there is none. */
  service?: V1Service;
  /** Slices labelled for this name and managed by the mirroring controller. */
  existingSlices: readonly EndpointSlice[];
  maxEndpointsPerSubset?: number;
}

export interface MirroringPlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: { name: string; uid?: string }[];
  /** Addresses not mirrored because a subset exceeded the maximum. */
  skippedAddresses: number;
  /** Addresses not mirrored because they are not IPs. */
  invalidAddresses: number;
}

/** shouldMirror plus the Service checks of syncEndpoints. */
export function shouldMirror(endpoints: V1Endpoints | undefined, service: V1Service | undefined): boolean {
  if (!endpoints || !service) return false;
  if (service.spec?.selector != null) return false;
  if (endpoints.metadata.labels?.[LABEL_SKIP_MIRROR] === 'true') return false;
  if (endpoints.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) return false;
  return true;
}

function sliceAnnotations(ep: V1Endpoints): Record<string, string> {
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) if (k !== ANNOTATION_TRIGGER_TIME && k !== ANNOTATION_LAST_APPLIED) a[k] = v;
  return a;
}

function sliceLabels(ep: V1Endpoints): Record<string, string> {
  return { ...(ep.metadata.labels ?? {}), [LABEL_SERVICE_NAME]: ep.metadata.name ?? '', [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME };
}

function newSlice(ep: V1Endpoints, ports: EndpointPortView[], addressType: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${ep.metadata.name}-`,
      namespace: ep.metadata.namespace ?? '',
      labels: sliceLabels(ep),
      annotations: sliceAnnotations(ep),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name ?? '', uid: ep.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

function keyOf(ports: readonly EndpointPortView[] | undefined, addressType: string | undefined): string {
  return stableStringify([addressType ?? '', [...(ports ?? [])].map((p) => stableStringify(p)).sort()]);
}

/** The mirroring plan for one Endpoints name. */
export function reconcileMirroring(input: MirroringInput): MirroringPlan {
  const plan: MirroringPlan = { create: [], update: [], delete: [], skippedAddresses: 0, invalidAddresses: 0 };
  const del = (s: EndpointSlice) => plan.delete.push({ name: s.metadata.name ?? '', ...(s.metadata.uid ? { uid: s.metadata.uid } : {}) });
  const ep = input.endpoints;
  if (!ep || !shouldMirror(ep, input.service)) {
    input.existingSlices.forEach(del);
    return plan;
  }
  const max = input.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET;

  // desiredCalc: endpoints grouped by (ports, address type), deduplicated by address.
  const desired = new Map<string, { ports: EndpointPortView[]; addressType: string; endpoints: Map<string, EndpointView> }>();
  for (const ss of ep.subsets ?? []) {
    const ports: EndpointPortView[] = (ss.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol != null ? { appProtocol: p.appProtocol } : {}) }));
    const total = (ss.addresses?.length ?? 0) + (ss.notReadyAddresses?.length ?? 0);
    let added = 0;
    let invalid = 0;
    const all = [...(ss.addresses ?? []).map((a) => [a, true] as const), ...(ss.notReadyAddresses ?? []).map((a) => [a, false] as const)];
    for (const [a, ready] of all) {
      if (added >= max) break;
      const ip = parseIp(a.ip ?? '');
      if (!ip) {
        invalid++;
        continue;
      }
      const addressType = ip.family === 6 ? 'IPv6' : 'IPv4';
      const k = keyOf(ports, addressType);
      let g = desired.get(k);
      if (!g) desired.set(k, (g = { ports, addressType, endpoints: new Map() }));
      const e: EndpointView = { addresses: [a.ip], conditions: { ready } };
      if (a.hostname) e.hostname = a.hostname;
      if (a.targetRef) e.targetRef = { ...a.targetRef };
      if (a.nodeName) e.nodeName = a.nodeName;
      // A duplicate address keeps its first (ready wins: ready addresses come first).
      if (!g.endpoints.has(a.ip)) g.endpoints.set(a.ip, e);
      added++;
    }
    plan.invalidAddresses += invalid;
    plan.skippedAddresses += total - added - invalid;
  }

  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const s of [...input.existingSlices].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))) {
    const k = keyOf(s.ports, s.addressType);
    existingByKey.set(k, [...(existingByKey.get(k) ?? []), s]);
  }
  const toDelete: EndpointSlice[] = [];
  for (const [k, slices] of existingByKey) if (!desired.has(k)) toDelete.push(...slices);
  const labels = sliceLabels(ep);
  const annotations = sliceAnnotations(ep);
  for (const [k, g] of desired) {
    const existing = existingByKey.get(k) ?? [];
    const eps = [...g.endpoints.values()].slice(0, max);
    if (existing.length) {
      toDelete.push(...existing.slice(1));
      const first = existing[0]!;
      const same =
        stableStringify(first.endpoints ?? []) === stableStringify(eps) &&
        stableStringify(first.metadata.labels ?? {}) === stableStringify(labels) &&
        stableStringify(first.metadata.annotations ?? {}) === stableStringify(annotations);
      if (same) continue;
      const s = newSlice(ep, g.ports, g.addressType);
      delete s.metadata.generateName;
      s.metadata.name = first.metadata.name!;
      if (first.metadata.resourceVersion) s.metadata.resourceVersion = first.metadata.resourceVersion;
      s.endpoints = eps;
      plan.update.push(s);
    } else {
      const s = newSlice(ep, g.ports, g.addressType);
      s.endpoints = eps;
      plan.create.push(s);
    }
  }
  // finalize: reuse slices that would be deleted for creates of the same address type.
  for (let i = 0; i < toDelete.length && plan.create.length; ) {
    const victim = toDelete[i]!;
    const idx = plan.create.findIndex((c) => c.addressType === victim.addressType);
    if (idx < 0) {
      i++;
      continue;
    }
    const [c] = plan.create.splice(idx, 1);
    delete c!.metadata.generateName;
    c!.metadata.name = victim.metadata.name!;
    if (victim.metadata.resourceVersion) c!.metadata.resourceVersion = victim.metadata.resourceVersion;
    plan.update.push(c!);
    toDelete.splice(i, 1);
  }
  toDelete.forEach(del);
  return plan;
}
