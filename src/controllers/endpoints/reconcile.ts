/**
 * The Endpoints controller's decision step (upstream pkg/controller/endpoint syncService,
 * pkg/api/v1/endpoints RepackSubsets). Pure: from a Service, the pods its selector matches and the
 * cached Endpoints object, the object to create or update, or nothing. No I/O.
 *
 * Rules as upstream:
 * - Services without a selector (their Endpoints are the user's) and ExternalName Services are left
 *   alone;
 * - a pod counts when not terminal and with an IP; a terminating pod only with
 *   publishNotReadyAddresses; its address is the pod IP of the Service's first IP family;
 * - ready pods (or every pod with publishNotReadyAddresses) go to `addresses`, others to
 *   `notReadyAddresses`; each address carries nodeName and a targetRef to the pod, and hostname when
 *   the pod's subdomain is the Service;
 * - each Service port resolved against the pod (named targetPorts per pod; a pod without the name
 *   is left out of that port); a headless Service without ports lists its pods without ports;
 * - subsets are repacked: addresses grouped by the exact set of ports they serve, sorted;
 * - at most 1000 addresses: beyond that the list is truncated proportionally per subset (ready
 *   addresses kept first) and endpoints.kubernetes.io/over-capacity: truncated is set;
 * - labels are the Service's, plus service.kubernetes.io/headless for headless Services;
 *   endpoints.kubernetes.io/last-change-trigger-time carries the trigger time (removed without one);
 * - nothing is written when subsets, labels and the capacity annotation already match.
 */
import type { KubeObject } from '../../api/types.js';
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';
import {
  ANNOTATION_TRIGGER_TIME,
  LABEL_HEADLESS,
  findPort,
  portKey,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  stableStringify,
} from '../endpointslice/util.js';

/** v1.EndpointsOverCapacity. */
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** Upstream maxCapacity: addresses kept in one Endpoints object. */
export const MAX_ENDPOINTS_CAPACITY = 1000;

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string; resourceVersion?: string };
}
export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}
/** Typed view of a core/v1 Endpoints object. */
export interface V1Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

export interface EndpointsReconcileInput {
  service: V1Service;
  /** Pods in the Service's namespace that its selector matches. */
  pods: readonly V1Pod[];
  /** The cached Endpoints object of the same name, if any. */
  current?: V1Endpoints;
  /** RFC 3339 trigger time of this sync, if known. */
  triggerTime?: string;
}

export type EndpointsAction = { type: 'none' } | { type: 'create'; endpoints: V1Endpoints } | { type: 'update'; endpoints: V1Endpoints };

/** Services whose Endpoints this controller writes. */
export function managesService(svc: V1Service): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.selector != null;
}

/** podToEndpointAddressForService: the pod IP of the Service's (first) family. */
export function podAddress(svc: V1Service, pod: V1Pod): EndpointAddress | undefined {
  let v6: boolean;
  const fams = svc.spec?.ipFamilies ?? [];
  if (fams.length) v6 = fams[0] === 'IPv6';
  else if (isServiceIPSet(svc)) v6 = isIPv6(svc.spec!.clusterIP!);
  else v6 = isIPv6(pod.status?.podIP ?? '');
  const ip = podIPs(pod).find((a) => isIPv6(a) === v6);
  if (!ip) return undefined;
  const a: EndpointAddress = { ip };
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
  return a;
}

/** The subsets upstream computes for the Service (repacked and sorted). */
export function desiredSubsets(svc: V1Service, pods: readonly V1Pod[]): EndpointSubset[] {
  const tolerate = !!svc.spec?.publishNotReadyAddresses;
  const subsets: EndpointSubset[] = [];
  const ports = svc.spec?.ports ?? [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
    const addr = podAddress(svc, pod);
    if (!addr) continue;
    if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname!;
    const ready = tolerate || isPodReady(pod);
    const add = (p: EndpointPort | undefined) => subsets.push({ [ready ? 'addresses' : 'notReadyAddresses']: [addr], ports: p ? [p] : [] });
    if (ports.length === 0) {
      if (svc.spec?.clusterIP === 'None') add(undefined);
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      const p: EndpointPort = { name: sp.name ?? '', port: num, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol != null) p.appProtocol = sp.appProtocol;
      add(p);
    }
  }
  return repackSubsets(subsets);
}

function addrKey(a: EndpointAddress): string {
  return `${a.ip}|${a.targetRef?.uid ?? ''}`;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpAddr(a: EndpointAddress, b: EndpointAddress): number {
  return cmpStr(a.ip, b.ip) || cmpStr(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

/**
 * RepackSubsets: maps each address to the set of ports it serves (ready wins over not ready for
 * the same port) and builds one subset per distinct port set, sorted.
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const addrs = new Map<string, EndpointAddress>();
  // port key → address key → ready
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, boolean> }>();
  const note = (a: EndpointAddress, port: EndpointPort | undefined, ready: boolean) => {
    const k = addrKey(a);
    if (!addrs.has(k)) addrs.set(k, structuredClone(a));
    const pk = port ? portKey(port) : '<none>';
    let e = byPort.get(pk);
    if (!e) byPort.set(pk, (e = { port, addrs: new Map() }));
    e.addrs.set(k, (e.addrs.get(k) ?? false) || ready);
  };
  for (const ss of subsets) {
    const ps: (EndpointPort | undefined)[] = ss.ports?.length ? ss.ports : [undefined];
    for (const p of ps) {
      for (const a of ss.addresses ?? []) note(a, p, true);
      for (const a of ss.notReadyAddresses ?? []) note(a, p, false);
    }
  }
  // address-set (with readiness) → ports
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, addrs: set } of byPort.values()) {
    const key = [...set].map(([a, r]) => `${a}${r ? '+' : '-'}`).sort().join(' ');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { addrs: set, ports: [] }));
    if (port) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of g.addrs) (r ? ready : notReady).push(addrs.get(k)!);
    const ss: EndpointSubset = {};
    if (ready.length) ss.addresses = ready.sort(cmpAddr);
    if (notReady.length) ss.notReadyAddresses = notReady.sort(cmpAddr);
    if (g.ports.length) ss.ports = g.ports.sort((a, b) => cmpStr(a.name ?? '', b.name ?? '') || a.port - b.port || cmpStr(a.protocol ?? '', b.protocol ?? ''));
    out.push(ss);
  }
  return out.sort((a, b) => cmpStr(firstIP(a), firstIP(b)) || cmpStr(stableStringify(a.ports ?? []), stableStringify(b.ports ?? [])));
}

function firstIP(ss: EndpointSubset): string {
  return (ss.addresses?.[0] ?? ss.notReadyAddresses?.[0])?.ip ?? '';
}

function countAddresses(subsets: readonly EndpointSubset[]): { ready: number; notReady: number } {
  let ready = 0;
  let notReady = 0;
  for (const ss of subsets) {
    ready += ss.addresses?.length ?? 0;
    notReady += ss.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

/**
 * truncateEndpoints: keeps at most MAX_ENDPOINTS_CAPACITY addresses, each subset keeping its
 * proportional share (rounded up, the last ones getting what is left). When ready addresses alone
 * exceed the capacity they are truncated and every not-ready one dropped; otherwise only not-ready
 * addresses are cut. Returns whether anything was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], capacity = MAX_ENDPOINTS_CAPACITY): boolean {
  const { ready, notReady } = countAddresses(subsets);
  if (ready + notReady <= capacity) return false;
  const truncateReady = ready > capacity;
  const max = truncateReady ? capacity : capacity - ready;
  const total = truncateReady ? ready : notReady;
  let canBeAdded = max;
  for (const ss of subsets) {
    const n = truncateReady ? (ss.addresses?.length ?? 0) : (ss.notReadyAddresses?.length ?? 0);
    const toAdd = Math.min(Math.ceil((n / total) * max), canBeAdded);
    if (truncateReady) {
      ss.addresses = (ss.addresses ?? []).slice(0, toAdd);
      delete ss.notReadyAddresses;
      canBeAdded -= ss.addresses.length;
    } else {
      ss.notReadyAddresses = (ss.notReadyAddresses ?? []).slice(0, toAdd);
      canBeAdded -= ss.notReadyAddresses.length;
    }
    if (ss.addresses?.length === 0) delete ss.addresses;
    if (ss.notReadyAddresses?.length === 0) delete ss.notReadyAddresses;
  }
  return true;
}

/** endpointSubsetsEqualIgnoreResourceVersion: same subsets after sorting, ignoring targetRef RVs. */
export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  const norm = (ss: readonly EndpointSubset[] | undefined) =>
    stableStringify(
      repackSubsets(
        (ss ?? []).map((s) => {
          const strip = (l: EndpointAddress[] | undefined) => l?.map((x) => ({ ...x, ...(x.targetRef ? { targetRef: { ...x.targetRef, resourceVersion: undefined } } : {}) }));
          return { ...s, addresses: strip(s.addresses), notReadyAddresses: strip(s.notReadyAddresses) };
        }),
      ),
    );
  return norm(a) === norm(b);
}

/** capacityAnnotationSetCorrectly: within capacity and no over-capacity annotation. */
function capacityAnnotationOk(ep: V1Endpoints): boolean {
  const { ready, notReady } = countAddresses(ep.subsets ?? []);
  if (ready + notReady > MAX_ENDPOINTS_CAPACITY) return false;
  return !(ANNOTATION_OVER_CAPACITY in (ep.metadata.annotations ?? {}));
}

/** syncService's decision for a Service that exists. */
export function reconcileEndpoints(input: EndpointsReconcileInput): EndpointsAction {
  const svc = input.service;
  if (!managesService(svc)) return { type: 'none' };
  const subsets = desiredSubsets(svc, input.pods);
  const current = input.current;
  const create = !current?.metadata.resourceVersion;
  const svcLabels = svc.metadata.labels ?? {};
  if (!create) {
    const compareLabels = { ...(current!.metadata.labels ?? {}) };
    delete compareLabels[LABEL_HEADLESS];
    if (subsetsEqual(current!.subsets, subsets) && stableStringify(compareLabels) === stableStringify(svcLabels) && capacityAnnotationOk(current!)) return { type: 'none' };
  }
  const next: V1Endpoints = current
    ? structuredClone(current)
    : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name ?? '', namespace: svc.metadata.namespace ?? '' } };
  next.subsets = subsets;
  const annotations = { ...(next.metadata.annotations ?? {}) };
  if (input.triggerTime) annotations[ANNOTATION_TRIGGER_TIME] = input.triggerTime;
  else delete annotations[ANNOTATION_TRIGGER_TIME];
  if (truncateSubsets(next.subsets)) annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
  else delete annotations[ANNOTATION_OVER_CAPACITY];
  if (Object.keys(annotations).length) next.metadata.annotations = annotations;
  else delete next.metadata.annotations;
  const labels: Record<string, string> = { ...svcLabels };
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = '';
  else delete labels[LABEL_HEADLESS];
  next.metadata.labels = labels;
  return create ? { type: 'create', endpoints: next } : { type: 'update', endpoints: next };
}
