/**
 * Pod and Service helpers shared by the EndpointSlice, Endpoints and mirroring controllers
 * (upstream staging/src/k8s.io/endpointslice/util and pkg/api/v1/pod FindPort). Pure: no I/O.
 */
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';
import { parseIp } from '../../lib/net.js';

/** discovery.LabelServiceName. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** discovery.LabelManagedBy. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** v1.IsHeadlessService: set on slices and Endpoints of Services without a cluster IP. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** v1.EndpointsLastChangeTriggerTime. */
export const ANNOTATION_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** The EndpointSlice controller's managed-by value. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** The mirroring controller's managed-by value. */
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';

/** A Service port as read from the typed view. */
export type ServicePort = NonNullable<NonNullable<V1Service['spec']>['ports']>[number];

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** podutil.IsPodTerminal: phase Succeeded or Failed. */
export function isPodTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The pod's IPs: status.podIPs, else status.podIP. */
export function podIPs(pod: V1Pod): string[] {
  const list = (pod.status?.podIPs ?? []).map((p) => p.ip ?? '').filter((ip) => ip !== '');
  if (list.length) return list;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and (unless includeTerminating) not being
 * deleted.
 */
export function shouldPodBeInEndpoints(pod: V1Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: the pod names a hostname and its subdomain is this Service (same namespace). */
export function shouldSetHostname(pod: V1Pod, svc: V1Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/**
 * podutil.FindPort: a numeric targetPort is used as is; a named one is looked up among the pod's
 * container ports (and restartable init containers, i.e. sidecars) with the same protocol.
 * Undefined when the pod does not define the name: the pod is then left out for that port.
 */
export function findPort(pod: V1Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (target === undefined) return undefined;
  const proto = port.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

/**
 * utilnet.IsIPv6String: an IPv6 address that is not IPv4-mapped (::ffff:a.b.c.d counts as IPv4, as
 * Go's To4() does).
 */
export function isIPv6(ip: string): boolean {
  if (!ip.includes(':')) return false;
  const parsed = parseIp(ip);
  if (parsed?.family !== 6) return false;
  return parsed.value >> 32n !== 0xffffn;
}

/** helper.IsServiceIPSet: a cluster IP other than None is assigned. */
export function isServiceIPSet(svc: V1Service): boolean {
  const ip = svc.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

/** The label map of a selector-based Service; undefined for Services without a selector. */
export function serviceSelector(svc: V1Service): Record<string, string> | undefined {
  return svc.spec?.selector ?? undefined;
}

/** Equality-based selector match (a Service selector is a plain map; an empty map matches all). */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/** A compact identity of an endpoint port (name, protocol, number, appProtocol). */
export function portKey(p: { name?: string; protocol?: string; port?: number; appProtocol?: string }): string {
  return `${p.name ?? ''}/${p.protocol ?? ''}/${p.port ?? ''}/${p.appProtocol ?? '\u0000'}`;
}

/** Canonical JSON (sorted keys), for structural keys and comparisons. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}
