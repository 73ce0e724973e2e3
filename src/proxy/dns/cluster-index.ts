/**
 * The cluster as DNS sees it: Services (ClusterIP, headless, ExternalName, with their named ports)
 * and the ready endpoints of their EndpointSlices, indexed for lookups by lowercase name and by
 * address (PTR). Fed object by object from informer events (set/delete are idempotent and order
 * between Services and their slices does not matter). Pure: no I/O.
 */
import type { KubeObject } from '../../api/types.js';
import { canonicalIP, dashedIP } from './ip.js';

export interface ServicePortEntry {
  /** Lowercase port name ('' for unnamed ports, which have no SRV record). */
  name: string;
  /** Lowercase protocol: tcp, udp or sctp. */
  protocol: string;
  port: number;
}

export interface ServiceEntry {
  name: string;
  namespace: string;
  kind: 'ClusterIP' | 'Headless' | 'ExternalName';
  /** Canonical ClusterIPs (empty for headless and ExternalName Services). */
  clusterIPs: string[];
  /** ExternalName target, lowercase without trailing dot. */
  externalName?: string;
  ports: ServicePortEntry[];
}

export interface EndpointEntry {
  /** Lowercase label under the Service name: the endpoint's hostname, or its dashed address. */
  hostname: string;
  /** Whether the hostname was set on the endpoint (only those get PTR records by the spec). */
  explicitHostname: boolean;
  ip: string;
}

/** What the DNS resolver reads; implemented by ClusterIndex, or by a fake in tests. */
export interface ClusterView {
  service(namespace: string, name: string): ServiceEntry | undefined;
  /** Whether any Service lives in the namespace (`<ns>.svc.<zone>` is then an empty non-terminal). */
  hasNamespace(namespace: string): boolean;
  /** Ready endpoints of a Service over all its slices, unique by address, in a stable order. */
  readyEndpoints(namespace: string, name: string): EndpointEntry[];
  /** Names (without the zone) that own a PTR record for this canonical address. */
  ptr(ip: string): { service: ServiceEntry; hostname?: string }[];
}

interface SliceEntry {
  service: string;
  endpoints: EndpointEntry[];
}

interface ServiceObject extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    ports?: { name?: string; protocol?: string; port?: number }[];
  };
}
interface SliceObject extends KubeObject {
  endpoints?: { addresses?: string[]; hostname?: string; conditions?: { ready?: boolean } }[];
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The DNS view of a Service object (pure; exported for tests). */
export function serviceEntry(obj: KubeObject): ServiceEntry {
  const spec = (obj as ServiceObject).spec ?? {};
  const ports: ServicePortEntry[] = (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port ?? 0 }));
  const base = { name: (obj.metadata.name ?? '').toLowerCase(), namespace: (obj.metadata.namespace ?? '').toLowerCase(), ports };
  if (spec.type === 'ExternalName') {
    return { ...base, kind: 'ExternalName', clusterIPs: [], externalName: (spec.externalName ?? '').toLowerCase().replace(/\.$/, '') };
  }
  const raw = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  if (raw.length === 0 || raw[0] === 'None') return { ...base, kind: 'Headless', clusterIPs: [] };
  const clusterIPs = raw.map(canonicalIP).filter((ip): ip is string => ip !== undefined);
  return { ...base, kind: 'ClusterIP', clusterIPs };
}

/**
 * The ready endpoints of one EndpointSlice. `conditions.ready` unset counts as ready (as the API
 * documents); the EndpointSlice controller already marks every endpoint ready for Services with
 * publishNotReadyAddresses, so that case needs nothing here.
 */
export function sliceEndpoints(obj: KubeObject): EndpointEntry[] {
  const out: EndpointEntry[] = [];
  for (const ep of (obj as SliceObject).endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    for (const addr of ep.addresses ?? []) {
      const ip = canonicalIP(addr);
      if (!ip) continue;
      const explicit = typeof ep.hostname === 'string' && ep.hostname !== '';
      out.push({ ip, hostname: explicit ? ep.hostname!.toLowerCase() : dashedIP(ip), explicitHostname: explicit });
    }
  }
  return out;
}

/** The informer-fed implementation of ClusterView. Not safe to share across threads (none here). */
export class ClusterIndex implements ClusterView {
  private readonly services = new Map<string, ServiceEntry>();
  private readonly slices = new Map<string, SliceEntry>();
  /** `ns/svc` → slice keys. */
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly namespaces = new Map<string, number>();
  private readonly endpointsCache = new Map<string, EndpointEntry[]>();
  private ptrIndex: Map<string, { service: ServiceEntry; hostname?: string }[]> | undefined;
  /** Bumped on every change (the zone's SOA serial). */
  revision = 1;

  setService(obj: KubeObject): void {
    const e = serviceEntry(obj);
    const key = `${e.namespace}/${e.name}`;
    if (!this.services.has(key)) this.namespaces.set(e.namespace, (this.namespaces.get(e.namespace) ?? 0) + 1);
    this.services.set(key, e);
    this.changed(key);
  }

  deleteService(namespace: string, name: string): void {
    const key = `${namespace.toLowerCase()}/${name.toLowerCase()}`;
    const e = this.services.get(key);
    if (!e) return;
    this.services.delete(key);
    const n = (this.namespaces.get(e.namespace) ?? 1) - 1;
    if (n <= 0) this.namespaces.delete(e.namespace);
    else this.namespaces.set(e.namespace, n);
    this.changed(key);
  }

  /** Slices without the `kubernetes.io/service-name` label belong to no Service and are ignored. */
  setSlice(obj: KubeObject): void {
    const ns = (obj.metadata.namespace ?? '').toLowerCase();
    const key = `${ns}/${obj.metadata.name}`;
    const svc = obj.metadata.labels?.[SERVICE_NAME_LABEL];
    this.deleteSliceKey(key);
    if (!svc) return;
    const svcKey = `${ns}/${svc.toLowerCase()}`;
    this.slices.set(key, { service: svcKey, endpoints: sliceEndpoints(obj) });
    let set = this.slicesByService.get(svcKey);
    if (!set) this.slicesByService.set(svcKey, (set = new Set()));
    set.add(key);
    this.changed(svcKey);
  }

  deleteSlice(namespace: string, name: string): void {
    this.deleteSliceKey(`${namespace.toLowerCase()}/${name}`);
  }

  private deleteSliceKey(key: string): void {
    const old = this.slices.get(key);
    if (!old) return;
    this.slices.delete(key);
    const set = this.slicesByService.get(old.service);
    set?.delete(key);
    if (set && set.size === 0) this.slicesByService.delete(old.service);
    this.changed(old.service);
  }

  private changed(svcKey: string): void {
    this.endpointsCache.delete(svcKey);
    this.ptrIndex = undefined;
    this.revision++;
  }

  service(namespace: string, name: string): ServiceEntry | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  readyEndpoints(namespace: string, name: string): EndpointEntry[] {
    const key = `${namespace}/${name}`;
    const hit = this.endpointsCache.get(key);
    if (hit) return hit;
    const seen = new Set<string>();
    const out: EndpointEntry[] = [];
    const keys = [...(this.slicesByService.get(key) ?? [])].sort();
    for (const k of keys) {
      for (const ep of this.slices.get(k)!.endpoints) {
        if (seen.has(ep.ip)) continue;
        seen.add(ep.ip);
        out.push(ep);
      }
    }
    this.endpointsCache.set(key, out);
    return out;
  }

  /**
   * PTR owners: every ClusterIP → its Service; every ready endpoint of a headless Service →
   * `<hostname>.<svc>` (spec: endpoints with a hostname; the dashed-address name for the others, as
   * CoreDNS). Rebuilt lazily after a change.
   */
  ptr(ip: string): { service: ServiceEntry; hostname?: string }[] {
    if (!this.ptrIndex) {
      const idx = new Map<string, { service: ServiceEntry; hostname?: string }[]>();
      const add = (addr: string, v: { service: ServiceEntry; hostname?: string }) => {
        const list = idx.get(addr);
        if (list) list.push(v);
        else idx.set(addr, [v]);
      };
      const keys = [...this.services.keys()].sort();
      for (const k of keys) {
        const svc = this.services.get(k)!;
        for (const cip of svc.clusterIPs) add(cip, { service: svc });
        if (svc.kind === 'Headless') for (const ep of this.readyEndpoints(svc.namespace, svc.name)) add(ep.ip, { service: svc, hostname: ep.hostname });
      }
      this.ptrIndex = idx;
    }
    return this.ptrIndex.get(ip) ?? [];
  }

  /** Number of Services indexed (metrics, tests). */
  size(): number {
    return this.services.size;
  }
}
