/**
 * The service proxy's desired nftables state, as data (pure: no I/O).
 *
 * One Service (plus its EndpointSlices) becomes one `ServiceRules`: the chains it owns (with their
 * rule bodies), the map/set elements it owns, and the affinity sets it owns. Nothing a Service
 * owns is shared with another Service, so a change to one Service is applied by diffing only its
 * old and new `ServiceRules` (see script.ts). The shape follows kube-proxy's nftables mode
 * (pkg/proxy/nftables/proxier.go, KEP-3866):
 *
 *   services chain:  ip daddr . meta l4proto . th dport vmap @service-ips          (ClusterIP, externalIPs, LB ingress)
 *                    fib daddr type local meta l4proto . th dport vmap @service-nodeports
 *   service-<ns>/<name>/<proto>/<port>   cluster policy: a uniform random choice of endpoint, DNAT inline
 *                                        (endpointRules; above CASCADE_MAX_ENDPOINTS a vmap to endpoint-… chains)
 *   local-<…>                            the same over this node's endpoints (internal/externalTrafficPolicy Local)
 *   external-<…>                         NodePort/LB/externalIP traffic: mark for masquerade, then service- or local-
 *   endpoint-<…>__<ip>/<port>            (only above CASCADE_MAX_ENDPOINTS) hairpin mark, affinity update, dnat
 *   no-endpoint-services / -nodeports    filter-hook vmaps: reject (no endpoints at all) or drop (none local)
 *   firewall-<…>                         loadBalancerSourceRanges: other sources to an LB IP dropped (firewall-ips vmap)
 *
 * Cluster-policy endpoints follow EndpointSlice topology hints (topology.ts); UDP frontends are
 * listed with their serving endpoints for stale-conntrack cleanup (conntrack.ts).
 */
import { clusterEndpoints } from './topology.js';
import { cidrContains, familyOps, isIPv4, normaliseCIDR, type Family, type FamilyOps } from './family.js';

export { isIPv4, normaliseCIDR, cidrContains };

/** Node and cluster facts the rules depend on (besides Services and EndpointSlices). */
export interface ProxyConfig {
  /** The table we own, e.g. `flotilla-proxy` (`table ip …`, or `table ip6 …` with family ip6). */
  table: string;
  /** Address family of the table (default `ip`): only that family's addresses and slices are used. */
  family?: Family;
  nodeName: string;
  /** Pod network (CIDRs of the family): traffic to a ClusterIP from outside it is masqueraded. Empty: never. */
  clusterCIDRs: string[];
  /** Service ranges (CIDRs of the family): traffic to an unallocated ClusterIP is dropped. */
  serviceCIDRs: string[];
  /** Accept NodePorts on 127.0.0.0/8 (needs route_localnet on the pod bridge; IPv4 only: never on ::1). */
  localhostNodePorts: boolean;
  /** The packet-mark bit asking for masquerade (kube-proxy: 0x4000). */
  masqueradeBit: number;
  /** The Node's topology.kubernetes.io/zone label, for zone hints (see topology.ts). */
  nodeZone?: string | undefined;
  /**
   * The node's own addresses: when a Service's loadBalancerSourceRanges cover one of them, its LB
   * IPs are allowed as sources too (traffic of the node to its own VIP), as kube-proxy.
   */
  nodeIPs?: readonly string[] | undefined;
}

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** An element of one of our maps or sets; `value` is the verdict for maps. */
export interface Element {
  map: 'service-ips' | 'service-nodeports' | 'no-endpoint-services' | 'no-endpoint-nodeports' | 'cluster-ips' | 'firewall-ips';
  key: string;
  value?: string;
}

/** Everything one Service owns in the table. */
export interface ServiceRules {
  /** `namespace/name`. */
  key: string;
  /** Chain name → rule bodies, in order. */
  chains: Map<string, string[]>;
  elements: Element[];
  /** Affinity set name → its definition body (`type …; flags …; timeout …;`). */
  sets: Map<string, string>;
  /**
   * The UDP frontends of the Service and the endpoint IPs serving each (for stale conntrack
   * entries, see conntrack.ts); not nftables state.
   */
  udp: UdpFrontend[];
}

/** One UDP frontend (a ClusterIP, externalIP or LB IP with its port, or a NodePort) and its serving endpoint IPs. */
export interface UdpFrontend {
  /** The frontend address; absent for a NodePort (any local address). */
  ip?: string;
  /** The service port, or the NodePort when `ip` is absent. */
  port: number;
  /** Serving endpoint IPs (ready or not, terminating or not, any topology), sorted. */
  endpoints: string[];
}

/** Minimal Service shape read here (core/v1). */
export interface ServiceLike {
  metadata: { namespace?: string; name?: string; annotations?: Record<string, string> };
  spec?: {
    type?: string;
    loadBalancerSourceRanges?: string[];
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    ports?: { name?: string; protocol?: string; port?: number; nodePort?: number }[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: string;
    internalTrafficPolicy?: string;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** Minimal EndpointSlice shape read here (discovery.k8s.io/v1). */
export interface EndpointSliceLike {
  metadata: { namespace?: string; name?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    nodeName?: string;
    hints?: { forZones?: { name?: string }[]; forNodes?: { name?: string }[] };
  }[];
  ports?: { name?: string; protocol?: string; port?: number }[];
}

/** The label tying an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Default ClientIP affinity timeout (core/v1 DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_AFFINITY_SECONDS = 10800;


/** One resolved endpoint of one service port. */
export interface ProxyEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  /** EndpointSlice hints (topology.ts). */
  zoneHints?: string[];
  nodeHints?: string[];
}

/**
 * The endpoints of one service port from its slices: slices of the family (IPv4 unless `f` says IPv6), the slice port with the same
 * name and protocol, deduplicated by ip:port (a ready copy wins), sorted for stable output.
 * Conditions as kube-proxy reads them: ready/serving unset mean true, terminating unset means false.
 */
export function endpointsFor(slices: readonly EndpointSliceLike[], portName: string, protocol: string, f: FamilyOps = familyOps('ip')): ProxyEndpoint[] {
  const byAddr = new Map<string, ProxyEndpoint>();
  for (const slice of slices) {
    if (slice.addressType !== f.addressType) continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP').toUpperCase() === protocol.toUpperCase());
    if (!sp || !sp.port) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!f.isAddr(ip)) continue;
      const ready = ep.conditions?.ready ?? true;
      const e: ProxyEndpoint = {
        ip,
        port: sp.port,
        ready,
        serving: ep.conditions?.serving ?? ready,
        terminating: ep.conditions?.terminating ?? false,
        ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      };
      const zones = (ep.hints?.forZones ?? []).map((z) => z.name ?? '').filter((z) => z !== '');
      const nodes = (ep.hints?.forNodes ?? []).map((n) => n.name ?? '').filter((n) => n !== '');
      if (zones.length > 0) e.zoneHints = zones;
      if (nodes.length > 0) e.nodeHints = nodes;
      const k = `${ip}:${sp.port}`;
      const prev = byAddr.get(k);
      if (!prev || (!prev.ready && e.ready)) byAddr.set(k, e);
    }
  }
  const num = new Map([...byAddr.values()].map((e) => [e.ip, f.toBig(e.ip)]));
  return [...byAddr.values()].sort((a, b) => {
    const x = num.get(a.ip)!;
    const y = num.get(b.ip)!;
    return x < y ? -1 : x > y ? 1 : a.port - b.port;
  });
}

/**
 * kube-proxy's endpoint filtering: ready endpoints; when none is ready, the serving-and-terminating
 * ones (so a rollout's last old pods still take connections until they stop serving).
 */
export function usableEndpoints(eps: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const ready = eps.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return eps.filter((e) => e.serving && e.terminating);
}

function protoOf(p: string | undefined): Protocol | undefined {
  const v = (p ?? 'TCP').toLowerCase();
  return v === 'tcp' || v === 'udp' || v === 'sctp' ? v : undefined;
}

const setLit = (xs: readonly string[]) => (xs.length === 1 ? xs[0]! : `{ ${xs.join(', ')} }`);

/**
 * Up to this many endpoints, the choice is a cascade of `numgen random mod k 0 goto …` rules
 * (k = n, n-1, …, 2: each endpoint with probability 1/n, as iptables' statistic cascade); above
 * it, one `numgen random mod n vmap { … }`. Measured on kernel 6.18 / nft 1.0.6: every inline
 * vmap is an anonymous set, and the kernel scans all sets of the table to name each new one, so
 * 10,000 Services took 58 s to load (1.6 s with cascades), and every delta paid for nft's fetch of
 * the 10,000 sets. Services with that many endpoints are few, so their vmaps stay cheap.
 */
export const CASCADE_MAX_ENDPOINTS = 32;

/** The rules choosing one of `targets` (chain names) uniformly at random. */
export function choiceRules(targets: readonly string[]): string[] {
  const n = targets.length;
  if (n === 1) return [`goto ${targets[0]}`];
  if (n > CASCADE_MAX_ENDPOINTS) return [`numgen random mod ${n} vmap { ${targets.map((t, i) => `${i} : goto ${t}`).join(', ')} }`];
  return targets.map((t, i) => (i === n - 1 ? `goto ${t}` : `numgen random mod ${n - i} 0 goto ${t}`));
}

/**
 * The rules sending a packet that matches `cond` to endpoint `e`, without a chain of its own:
 * two rules with exclusive source matches, so exactly one of them draws (a `numgen` condition
 * keeps its probability) — the one for a client that is `e` itself (hairpin) also sets the
 * masquerade bit, so the pod sees the gateway rather than its own address answering itself.
 * With affinity, the client is (re)recorded in the endpoint's set before the DNAT.
 */
export function endpointRules(e: { ip: string; port: number }, proto: Protocol, cond: string, affinitySet: string | undefined, masqueradeBit: number, f: FamilyOps = familyOps('ip')): string[] {
  const c = cond ? `${cond} ` : '';
  const upd = affinitySet ? `update @${affinitySet} { ${f.nf} saddr } ` : '';
  const dnat = `dnat to ${f.hostPort(e.ip, e.port)}`;
  return [
    `${f.nf} saddr ${e.ip} ${c}meta l4proto ${proto} meta mark set meta mark | 0x${masqueradeBit.toString(16)} ${upd}${dnat}`,
    `${f.nf} saddr != ${e.ip} ${c}meta l4proto ${proto} ${upd}${dnat}`,
  ];
}

/** The `reject` target used for services without endpoints (see baseRules). */
export const REJECT = 'goto reject-chain';

/**
 * The rules one Service owns, or undefined when it owns none (headless, ExternalName, no ClusterIP
 * of the table's family and no external addresses of it). `slices` are the Service's EndpointSlices (any order).
 */
export function buildServiceRules(svc: ServiceLike, slices: readonly EndpointSliceLike[], cfg: ProxyConfig): ServiceRules | undefined {
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const key = `${ns}/${name}`;
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (type === 'ExternalName') return undefined;
  const F = familyOps(cfg.family);
  const n = F.nf;
  const clusterIP = F.isAddr(spec.clusterIP) ? spec.clusterIP : (spec.clusterIPs ?? []).find(F.isAddr);
  const externalIPs = (spec.externalIPs ?? []).filter(F.isAddr);
  const lbIPs = type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(F.isAddr) : [];
  const externalAddrs = [...new Set([...externalIPs, ...lbIPs])];
  // Headless Services (clusterIP None) are DNS-only: nothing to program.
  if (!clusterIP && externalAddrs.length === 0) return undefined;
  const out: ServiceRules = { key, chains: new Map(), elements: [], sets: new Map(), udp: [] };
  if (clusterIP) out.elements.push({ map: 'cluster-ips', key: clusterIP });
  const sourceRanges = type === 'LoadBalancer' && lbIPs.length > 0 ? loadBalancerSourceRanges(svc, cfg.family) : undefined;

  const affinity = spec.sessionAffinity === 'ClientIP';
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds || DEFAULT_AFFINITY_SECONDS;
  const iLocal = spec.internalTrafficPolicy === 'Local';
  const eLocal = spec.externalTrafficPolicy === 'Local';

  for (const sp of spec.ports ?? []) {
    const proto = protoOf(sp.protocol);
    if (!proto || !sp.port) continue;
    const portName = sp.name ?? '';
    const id = `${ns}/${name}/${proto}/${portName || sp.port}`;
    const all = endpointsFor(slices, portName, proto, F);
    // Cluster policy: ready endpoints, narrowed by topology hints (topology.ts).
    const usable = clusterEndpoints(all, { nodeName: cfg.nodeName, zone: cfg.nodeZone });
    const local = usableEndpoints(all.filter((e) => e.nodeName === cfg.nodeName));
    const clusterChain = `service-${id}`;
    const localChain = `local-${id}`;
    const externalChain = `external-${id}`;

    const epChain = (e: ProxyEndpoint) => `endpoint-${id}__${F.nameSafe(e.ip)}/${e.port}`;
    const affSet = (e: ProxyEndpoint) => `affinity-${id}__${F.nameSafe(e.ip)}/${e.port}`;
    const affDef = `type ${F.addrType}; flags dynamic,timeout; timeout ${timeout}s;`;
    const addEndpoints = (eps: readonly ProxyEndpoint[]) => {
      for (const e of eps) {
        const c = epChain(e);
        if (out.chains.has(c)) continue;
        const rules = [`${n} saddr ${e.ip} jump mark-for-masquerade`];
        if (affinity) {
          out.sets.set(affSet(e), affDef);
          rules.push(`update @${affSet(e)} { ${n} saddr }`);
        }
        rules.push(`meta l4proto ${proto} dnat to ${F.hostPort(e.ip, e.port)}`);
        out.chains.set(c, rules);
      }
    };
    const policyChain = (chain: string, eps: readonly ProxyEndpoint[]) => {
      const rules: string[] = [];
      if (eps.length > CASCADE_MAX_ENDPOINTS) {
        addEndpoints(eps);
        if (affinity) for (const e of eps) rules.push(`${n} saddr @${affSet(e)} goto ${epChain(e)}`);
        rules.push(...choiceRules(eps.map(epChain)));
      } else {
        // Inline endpoints (no chain each): see endpointRules.
        if (affinity) for (const e of eps) out.sets.set(affSet(e), affDef);
        const aff = (e: ProxyEndpoint) => (affinity ? affSet(e) : undefined);
        if (affinity) for (const e of eps) rules.push(...endpointRules(e, proto, `${n} saddr @${affSet(e)}`, aff(e), cfg.masqueradeBit, F));
        eps.forEach((e, i) => rules.push(...endpointRules(e, proto, i === eps.length - 1 ? '' : `numgen random mod ${eps.length - i} 0`, aff(e), cfg.masqueradeBit, F)));
      }
      out.chains.set(chain, rules);
    };

    if (usable.length > 0) policyChain(clusterChain, usable);
    if ((iLocal || eLocal) && local.length > 0) policyChain(localChain, local);

    // Internal traffic (the ClusterIP).
    if (clusterIP) {
      const k = `${clusterIP} . ${proto} . ${sp.port}`;
      const target = iLocal ? (local.length > 0 ? localChain : undefined) : usable.length > 0 ? clusterChain : undefined;
      if (target) {
        if (cfg.clusterCIDRs.length > 0) {
          // Traffic from outside the pod network (the node itself, hostNetwork pods) is masqueraded,
          // so the answer comes back through us whatever the pod's routes say.
          out.chains.get(target)!.unshift(`${n} daddr ${clusterIP} ${proto} dport ${sp.port} ${n} saddr != ${setLit(cfg.clusterCIDRs)} jump mark-for-masquerade`);
        }
        out.elements.push({ map: 'service-ips', key: k, value: `goto ${target}` });
      } else {
        out.elements.push({ map: 'no-endpoint-services', key: k, value: usable.length === 0 ? REJECT : 'drop' });
      }
    }

    // loadBalancerSourceRanges: new connections to an LB IP from other sources are dropped
    // (filter hooks before DNAT, kube-proxy's firewall-check), whatever the endpoints.
    if (sourceRanges) {
      const fw = `firewall-${id}`;
      const allowFromNode = (cfg.nodeIPs ?? []).some((ip) => F.isAddr(ip) && sourceRanges.some((r) => cidrContains(r, ip, F)));
      const allowed = [...sourceRanges, ...(allowFromNode ? lbIPs : [])];
      out.chains.set(fw, [allowed.length > 0 ? `${n} saddr != { ${allowed.join(', ')} } drop` : 'drop']);
      for (const ip of lbIPs) out.elements.push({ map: 'firewall-ips', key: `${ip} . ${proto} . ${sp.port}`, value: `goto ${fw}` });
    }

    // External traffic: NodePort, externalIPs, LoadBalancer ingress IPs.
    const nodePort = (type === 'NodePort' || type === 'LoadBalancer') && sp.nodePort ? sp.nodePort : undefined;
    if (proto === 'udp') {
      // Every serving endpoint counts (policy, topology and termination do not move existing flows).
      const serving = [...new Set(all.filter((e) => e.serving).map((e) => e.ip))];
      for (const ip of [...(clusterIP ? [clusterIP] : []), ...externalAddrs]) out.udp.push({ ip, port: sp.port, endpoints: serving });
      if (nodePort !== undefined) out.udp.push({ port: nodePort, endpoints: serving });
    }
    if (nodePort === undefined && externalAddrs.length === 0) continue;
    const extKeys: Element[] = [
      ...externalAddrs.map((a) => ({ map: 'service-ips' as const, key: `${a} . ${proto} . ${sp.port}` })),
      ...(nodePort !== undefined ? [{ map: 'service-nodeports' as const, key: `${proto} . ${nodePort}` }] : []),
    ];
    if (usable.length === 0) {
      for (const e of extKeys) out.elements.push({ map: e.map === 'service-ips' ? 'no-endpoint-services' : 'no-endpoint-nodeports', key: e.key, value: REJECT });
      continue;
    }
    const ext: string[] = [];
    if (!eLocal) {
      ext.push('jump mark-for-masquerade', `goto ${clusterChain}`);
    } else {
      // Local: the client's address is kept (no masquerade) and only this node's endpoints serve,
      // except for traffic from pods and from the node itself, which may use any endpoint.
      if (cfg.clusterCIDRs.length > 0) ext.push(`${n} saddr ${setLit(cfg.clusterCIDRs)} goto ${clusterChain}`);
      ext.push('fib saddr type local jump mark-for-masquerade', `fib saddr type local goto ${clusterChain}`);
      ext.push(local.length > 0 ? `goto ${localChain}` : 'drop');
    }
    out.chains.set(externalChain, ext);
    for (const e of extKeys) out.elements.push({ ...e, value: `goto ${externalChain}` });
  }
  return out.chains.size === 0 && out.elements.length === 0 ? undefined : out;
}

/** The legacy annotation read when spec.loadBalancerSourceRanges is empty (as upstream). */
export const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/**
 * A LoadBalancer Service's source ranges for the table of `family` (default IPv4):
 * spec.loadBalancerSourceRanges, else the comma-separated annotation; CIDRs of the family
 * normalised to their network (`10.1.2.3/16` → `10.1.0.0/16`), a bare address as /32 (/128).
 * undefined = no restriction. Ranges given but none usable here (other family only, or invalid)
 * → [] (nothing allowed: fail closed).
 */
export function loadBalancerSourceRanges(svc: ServiceLike, family?: Family): string[] | undefined {
  const F = familyOps(family);
  let raw = (svc.spec?.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter((r) => r !== '');
  if (raw.length === 0) raw = (svc.metadata.annotations?.[SOURCE_RANGES_ANNOTATION] ?? '').split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (raw.length === 0) return undefined;
  const out: string[] = [];
  for (const r of raw) {
    const c = normaliseCIDR(r, F);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

/** Groups slices by the `namespace/name` of their Service (slices without the label are skipped). */
export function slicesByService<T extends EndpointSliceLike>(slices: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const k = `${s.metadata.namespace ?? 'default'}/${svc}`;
    const list = out.get(k);
    if (list) list.push(s);
    else out.set(k, [s]);
  }
  return out;
}
