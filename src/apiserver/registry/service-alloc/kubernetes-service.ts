/**
 * The `kubernetes` Service in `default` and its Endpoints and EndpointSlice, pointing at the API
 * server (upstream's master endpoint reconciler): the Service has the first address of each
 * service CIDR and port 443 `https` → the server's secure port; the Endpoints (labelled
 * `endpointslice.kubernetes.io/skip-mirror`) and the EndpointSlice (labelled
 * `kubernetes.io/service-name`, no managed-by label, so the EndpointSlice controller leaves it
 * alone) list this server's advertised address.
 *
 * Several servers sharing a datastore (upstream's lease endpoint reconciler): each pass renews
 * this server's Lease `kube-system/flotilla-apiserver-<address>` (labelled
 * `flotilla.dev/apiserver-endpoint`, duration 3 passes) and lists the address of every server
 * whose Lease is still fresh, so the Endpoints hold all live servers and a stopped or crashed one
 * drops out within a lease duration. All servers are assumed to listen on the same port (as
 * upstream): the Endpoints carry this server's.
 *
 * Idempotent: each pass creates what is missing and rewrites what drifted, nothing else.
 */
import type { KubeObject, StrategyContext } from '../../../api/types.js';
import { isApiError } from '../../../lib/errors.js';
import { jsonEqual } from '../../../lib/patch/index.js';
import type { ResourceStore } from '../store.js';

export const KUBERNETES_SERVICE = { namespace: 'default', name: 'kubernetes' } as const;

export interface ApiEndpoint {
  /** The address other hosts and pods reach the server on (its advertise address). */
  ip: string;
  /** The secure port it listens on. */
  port: number;
}

export interface KubernetesServiceStores {
  services: ResourceStore;
  endpoints?: ResourceStore;
  endpointSlices?: ResourceStore;
  /** coordination.k8s.io/v1 leases; without it the Endpoints hold this server only. */
  leases?: ResourceStore;
}

export const ENDPOINT_LEASE_LABEL = 'flotilla.dev/apiserver-endpoint';
const LEASE_NAMESPACE = 'kube-system';

/** The Lease name of a server address (a DNS-1123 subdomain: IPv6 colons become dashes). */
export const endpointLeaseName = (ip: string): string => `flotilla-apiserver-${ip.toLowerCase().replace(/[:.]/g, '-')}`.replace(/-+$/, '');

const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const CTX = (now: Date): StrategyContext => ({ now, user: { username: 'system:apiserver', groups: ['system:masters'] }, subresource: '' });

/** The Service as upstream creates it. */
export function desiredKubernetesService(clusterIps: readonly string[], targetPort: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: clusterIps[0],
      clusterIPs: [clusterIps[0]],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort }],
    },
  };
}

/** `ips`: the live servers' addresses, sorted; all of `ep`'s family. */
export function desiredKubernetesEndpoints(ep: ApiEndpoint, ips: readonly string[] = [ep.ip]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port: ep.port, protocol: 'TCP' }] }],
  };
}

export function desiredKubernetesEndpointSlice(ep: ApiEndpoint, ips: readonly string[] = [ep.ip]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { 'kubernetes.io/service-name': KUBERNETES_SERVICE.name } },
    addressType: ep.ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'https', port: ep.port, protocol: 'TCP' }],
  };
}

/**
 * Renews this server's endpoint Lease and returns the addresses of every server with a fresh one
 * (this server's included), sorted, of this server's IP family.
 */
export async function liveServerIps(leases: ResourceStore, ep: ApiEndpoint, now: Date, leaseSeconds: number): Promise<string[]> {
  const name = endpointLeaseName(ep.ip);
  const want: KubeObject = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: LEASE_NAMESPACE, labels: { [ENDPOINT_LEASE_LABEL]: 'true' } },
    spec: { holderIdentity: ep.ip, leaseDurationSeconds: leaseSeconds, renewTime: microTime(now) },
  };
  await ensure(leases, LEASE_NAMESPACE, name, want, () => now, (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { ...(cur.metadata.labels ?? {}), [ENDPOINT_LEASE_LABEL]: 'true' } }, spec: want['spec'] }));
  const list = await leases.list({ namespace: LEASE_NAMESPACE, filter: (o) => o.metadata.labels?.[ENDPOINT_LEASE_LABEL] === 'true' });
  const v6 = ep.ip.includes(':');
  const ips = new Set<string>([ep.ip]);
  for (const l of list.items) {
    const spec = (l['spec'] ?? {}) as { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
    const renewed = Date.parse(spec.renewTime ?? '');
    if (!spec.holderIdentity || spec.holderIdentity.includes(':') !== v6 || !Number.isFinite(renewed)) continue;
    if (renewed + (spec.leaseDurationSeconds ?? leaseSeconds) * 1000 > now.getTime()) ips.add(spec.holderIdentity);
  }
  return [...ips].sort();
}

/** Drops this server's endpoint Lease (shutdown); the others leave it out on their next pass. */
export async function releaseEndpointLease(leases: ResourceStore, ep: ApiEndpoint, now: Date): Promise<void> {
  try {
    await leases.delete(CTX(now), LEASE_NAMESPACE, endpointLeaseName(ep.ip), { dryRun: false });
  } catch (e) {
    if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
  }
}

/**
 * One pass. Without `endpoint` (the server does not listen yet) only the Service is ensured, with
 * targetPort `defaultTargetPort`. Errors other than conflicts propagate (the caller logs and
 * retries on its next pass).
 */
export async function reconcileKubernetesService(
  stores: KubernetesServiceStores,
  clusterIps: readonly string[],
  endpoint: ApiEndpoint | undefined,
  opts: { now: () => Date; defaultTargetPort: number; leaseSeconds?: number },
): Promise<void> {
  const ns = KUBERNETES_SERVICE.namespace;
  const name = KUBERNETES_SERVICE.name;
  const targetPort = endpoint?.port ?? opts.defaultTargetPort;
  const want = desiredKubernetesService(clusterIps, targetPort);
  await ensure(stores.services, ns, name, want, opts.now, (cur) => {
    // Only the ports are kept in line (upstream leaves the rest of an existing Service alone).
    const spec = (cur['spec'] ?? {}) as Record<string, unknown>;
    const wantPorts = (want['spec'] as Record<string, unknown>)['ports'];
    if (jsonEqual(spec['ports'], wantPorts) && spec['type'] === 'ClusterIP') return undefined;
    return { ...cur, spec: { ...spec, type: 'ClusterIP', ports: wantPorts } };
  });
  if (!endpoint) return;
  const ips = stores.leases ? await liveServerIps(stores.leases, endpoint, opts.now(), opts.leaseSeconds ?? 30) : [endpoint.ip];
  if (stores.endpoints) {
    const ep = desiredKubernetesEndpoints(endpoint, ips);
    await ensure(stores.endpoints, ns, name, ep, opts.now, (cur) =>
      jsonEqual(cur['subsets'], ep['subsets']) && jsonEqual(cur.metadata.labels ?? {}, { ...(cur.metadata.labels ?? {}), ...ep.metadata.labels })
        ? undefined
        : { ...cur, metadata: { ...cur.metadata, labels: { ...(cur.metadata.labels ?? {}), ...ep.metadata.labels } }, subsets: ep['subsets'] },
    );
  }
  if (stores.endpointSlices) {
    const es = desiredKubernetesEndpointSlice(endpoint, ips);
    await ensure(stores.endpointSlices, ns, name, es, opts.now, (cur) => {
      const same = ['addressType', 'endpoints', 'ports'].every((k) => jsonEqual(stripDefaults(k, cur[k]), es[k]));
      if (same && cur.metadata.labels?.['kubernetes.io/service-name'] === name) return undefined;
      return { ...cur, metadata: { ...cur.metadata, labels: { ...(cur.metadata.labels ?? {}), ...es.metadata.labels } }, addressType: es['addressType'], endpoints: es['endpoints'], ports: es['ports'] };
    });
  }
}

/** Compares slices as written, ignoring fields the server defaults. */
function stripDefaults(key: string, v: unknown): unknown {
  if (key !== 'endpoints' || !Array.isArray(v)) return v;
  return v.map((e: Record<string, unknown>) => ({ addresses: e['addresses'], conditions: { ready: (e['conditions'] as Record<string, unknown> | undefined)?.['ready'] } }));
}

async function ensure(
  store: ResourceStore,
  ns: string,
  name: string,
  want: KubeObject,
  now: () => Date,
  fix: (cur: KubeObject) => KubeObject | undefined,
): Promise<void> {
  const cur = await store.tryGet(ns, name);
  if (!cur) {
    try {
      await store.create(CTX(now()), ns, want, { dryRun: false });
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'AlreadyExists')) throw e;
    }
    return;
  }
  const next = fix(cur);
  if (!next) return;
  try {
    await store.update(CTX(now()), ns, name, next, { dryRun: false });
  } catch (e) {
    if (!(isApiError(e) && e.reason === 'Conflict')) throw e;
  }
}
