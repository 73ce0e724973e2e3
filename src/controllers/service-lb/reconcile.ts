/**
 * ServiceLB decisions (pure): which addresses a LoadBalancer Service shows in
 * status.loadBalancer.ingress, as k3s' ServiceLB does on one machine. With an address pool
 * (--service-lb-pool) every Service gets one address of its own (its spec.loadBalancerIP when that
 * is in the pool and free, else the lowest free one) and keeps it while it stays a
 * LoadBalancer; without a pool it gets the InternalIP of every Ready node (k3s reports the nodes
 * that run its svclb pods), so traffic to <node IP>:<port> reaches it through the service proxy.
 * Services with a loadBalancerClass belong to another implementation and are left alone.
 */
import { type Cidr, cidrContains, formatIp, hostBits, parseCidr, parseIp } from '../../lib/net.js';

export interface LbIngress {
  ip: string;
  ipMode: 'VIP';
}

export interface LbServiceView {
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: { type?: string; loadBalancerClass?: string; loadBalancerIP?: string; ipFamilies?: string[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] } };
}

export interface LbNodeView {
  metadata: { name?: string };
  status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] };
}

/** Parsed --service-lb-pool: single addresses and ranges, in the order given. */
export interface LbPool {
  ranges: Cidr[];
}

/** Parses the pool entries (canonical CIDRs or IPs, as server-config produces them). */
export function parseLbPool(entries: readonly string[]): LbPool {
  const ranges: Cidr[] = [];
  for (const e of entries) {
    const c = e.includes('/') ? parseCidr(e) : (() => {
      const ip = parseIp(e);
      return ip && { family: ip.family, base: ip.value, prefix: ip.family === 4 ? 32 : 128 };
    })();
    if (!c) throw new RangeError(`invalid load-balancer pool entry "${e}"`);
    ranges.push(c);
  }
  return { ranges };
}

export const handledByUs = (svc: LbServiceView): boolean => svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;

/** Addresses of the pool in order (network and broadcast left out of IPv4 ranges wider than /31). */
export function* poolAddresses(pool: LbPool, limitPerRange = 65536): Generator<string> {
  for (const r of pool.ranges) {
    const bits = hostBits(r);
    const total = 2n ** BigInt(bits);
    const skipEdges = r.family === 4 && bits >= 2;
    const first = skipEdges ? 1n : 0n;
    const last = skipEdges ? total - 2n : total - 1n;
    let n = 0;
    for (let i = first; i <= last && n < limitPerRange; i++, n++) yield formatIp({ family: r.family, value: r.base + i });
  }
}

export function inPool(pool: LbPool, ip: string): boolean {
  const p = parseIp(ip);
  return !!p && pool.ranges.some((r) => cidrContains(r, p));
}

/** InternalIPs of Ready nodes, sorted and without duplicates. */
export function nodeIngressIps(nodes: readonly LbNodeView[]): string[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready) continue;
    for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP') ips.add(a.address);
  }
  return [...ips].sort();
}

export type LbDecision =
  | { type: 'none' }
  | { type: 'set'; ingress: LbIngress[] }
  | { type: 'exhausted' };

/**
 * What `svc`'s ingress should be. `claimed` maps pool addresses already held by other Services
 * (key `namespace/name`) to their holder.
 */
export function decideIngress(svc: LbServiceView, pool: LbPool, nodes: readonly LbNodeView[], claimed: ReadonlyMap<string, string>): LbDecision {
  if (!handledByUs(svc)) return { type: 'none' };
  const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
  const current = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);
  let want: string[];
  if (!pool.ranges.length) {
    want = nodeIngressIps(nodes);
  } else {
    const free = (ip: string) => inPool(pool, ip) && (claimed.get(ip) ?? key) === key;
    const requested = svc.spec?.loadBalancerIP;
    const keep = current.find(free);
    if (requested && free(requested)) want = [requested];
    else if (keep && !requested) want = [keep];
    else {
      let pick: string | undefined;
      for (const ip of poolAddresses(pool)) {
        if (free(ip)) {
          pick = ip;
          break;
        }
      }
      if (!pick) return { type: 'exhausted' };
      want = [pick];
    }
  }
  const ingress = want.map((ip): LbIngress => ({ ip, ipMode: 'VIP' }));
  const same = JSON.stringify(svc.status?.loadBalancer?.ingress ?? []) === JSON.stringify(ingress);
  return same ? { type: 'none' } : { type: 'set', ingress };
}

/** Pool addresses that Services (other than `except`) show, by address. */
export function claimedAddresses(services: readonly LbServiceView[], pool: LbPool, except?: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of services) {
    if (!handledByUs(s)) continue;
    const key = `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
    if (key === except) continue;
    for (const i of s.status?.loadBalancer?.ingress ?? []) if (i.ip && inPool(pool, i.ip) && !out.has(i.ip)) out.set(i.ip, key);
  }
  return out;
}
