/**
 * The cluster zone's answers, as CoreDNS' kubernetes plugin gives them (kubernetes/dns
 * docs/specification.md, schema 1.1.0): one question in, the records (or NXDOMAIN/NODATA with the
 * zone's SOA) out, or "forward" for names outside the zone. Pure: the cluster is read through a
 * ClusterView, nothing here does I/O.
 *
 * Names answered (all comparisons case-insensitive, `<zone>` e.g. cluster.local):
 *   <svc>.<ns>.svc.<zone>                   A/AAAA: ClusterIPs; headless: ready endpoint IPs;
 *                                           ExternalName: CNAME (followed when in the zone);
 *                                           SRV: one per named port (CoreDNS' extension)
 *   <hostname>.<svc>.<ns>.svc.<zone>        A/AAAA of that endpoint (hostname or dashed IP)
 *   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV for named ports (headless: one per ready endpoint)
 *   <a-b-c-d>.<ns>.pod.<zone>               A (AAAA for dashed IPv6), without checking a pod exists
 *                                           (CoreDNS `pods insecure`, kubeadm's default)
 *   dns-version.<zone>                      TXT "1.1.0"
 *   <zone>                                  SOA, NS
 *   reverse names of ClusterIPs and headless endpoints: PTR; other reverse names are forwarded
 * A name that exists with no record of the asked type is NODATA (NOERROR, no answer, SOA in the
 * authority section): the zone apex, `svc.<zone>`, `<ns>.svc.<zone>` of a namespace with Services,
 * a headless Service with no ready endpoint, AAAA of an IPv4-only Service. Anything else in the
 * zone is NXDOMAIN — including search-path expansions such as `svc.ns.svc.cluster.local.cluster.local`.
 */
import type { ClusterView, EndpointEntry, ServiceEntry } from './cluster-index.js';
import { ipFamily, ipFromDashed, ipFromReverseName } from './ip.js';

export type RecordData =
  | { type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; data: string }
  | { type: 'SRV'; data: { priority: number; weight: number; port: number; target: string } }
  | { type: 'SOA'; data: { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } }
  | { type: 'TXT'; data: string[] };

/** A resource record, owner name lowercase without the trailing dot (dns-packet's answer shape). */
export type ResourceRecord = RecordData & { name: string; ttl: number; class: 'IN' };

export interface Question {
  name: string;
  /** Record type mnemonic as dns-packet decodes it ('A', 'AAAA', 'SRV', 'ANY', 'UNKNOWN_65', ...). */
  type: string;
}

export interface ZoneConfig {
  /** Cluster domain, lowercase without trailing dot (cluster.local). */
  zone: string;
  /** TTL of every record in the zone (CoreDNS' kubernetes plugin default: 5). */
  ttl: number;
  /** Pod records `a-b-c-d.<ns>.pod.<zone>`: 'insecure' answers any address (default), 'disabled' none. */
  pods?: 'insecure' | 'disabled';
}

export type Resolution =
  | {
      kind: 'answer';
      rcode: 'NOERROR' | 'NXDOMAIN';
      answers: ResourceRecord[];
      authorities: ResourceRecord[];
      additionals: ResourceRecord[];
      /** An ExternalName target outside the zone, for the server to resolve upstream and append. */
      chase?: string;
    }
  | { kind: 'forward' };

export const DNS_SCHEMA_VERSION = '1.1.0';
const MAX_CNAME_CHAIN = 8;

/** Lowercase, without the trailing dot. */
export function normalizeName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** The zone's SOA record (CoreDNS' values; serial from the index revision). */
export function soaRecord(cfg: ZoneConfig, serial: number, owner = cfg.zone): ResourceRecord {
  return {
    name: owner,
    type: 'SOA',
    class: 'IN',
    ttl: cfg.ttl,
    data: { mname: `ns.dns.${cfg.zone}`, rname: `hostmaster.${cfg.zone}`, serial: serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: cfg.ttl },
  };
}

/**
 * Resolves one question against the cluster. Deterministic for a given view; `serial` is the SOA
 * serial (any number, e.g. the index revision).
 */
export function resolveQuestion(q: Question, view: ClusterView, cfg: ZoneConfig, serial = 1): Resolution {
  const name = normalizeName(q.name);
  const zone = cfg.zone;
  if (name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa')) return reverse(name, q.type, view, cfg, serial);
  if (name !== zone && !name.endsWith(`.${zone}`)) return { kind: 'forward' };
  const r = new Builder(cfg, serial);
  resolveInZone(name, q.type, view, cfg, r, 0);
  return r.done();
}

class Builder {
  rcode: 'NOERROR' | 'NXDOMAIN' = 'NOERROR';
  answers: ResourceRecord[] = [];
  authorities: ResourceRecord[] = [];
  additionals: ResourceRecord[] = [];
  chase?: string;
  constructor(
    readonly cfg: ZoneConfig,
    readonly serial: number,
  ) {}
  rr(name: string, d: RecordData): ResourceRecord {
    return { name, ttl: this.cfg.ttl, class: 'IN', ...d } as ResourceRecord;
  }
  nxdomain(): void {
    this.rcode = 'NXDOMAIN';
  }
  done(): Resolution {
    // Negative answers (NXDOMAIN, NODATA) carry the SOA for negative caching (RFC 2308).
    if (this.answers.length === 0 || this.rcode === 'NXDOMAIN') this.authorities.push(soaRecord(this.cfg, this.serial));
    return { kind: 'answer', rcode: this.rcode, answers: this.answers, authorities: this.authorities, additionals: this.additionals, ...(this.chase ? { chase: this.chase } : {}) };
  }
}

function wants(qtype: string, t: 'A' | 'AAAA'): boolean {
  return qtype === t || qtype === 'ANY';
}

function addressRecords(r: Builder, owner: string, ips: string[], qtype: string): void {
  for (const ip of ips) {
    const fam = ipFamily(ip);
    if (fam === 4 && wants(qtype, 'A')) r.answers.push(r.rr(owner, { type: 'A', data: ip }));
    if (fam === 6 && wants(qtype, 'AAAA')) r.answers.push(r.rr(owner, { type: 'AAAA', data: ip }));
  }
}

function serviceFqdn(s: ServiceEntry, zone: string): string {
  return `${s.name}.${s.namespace}.svc.${zone}`;
}

function resolveInZone(name: string, qtype: string, view: ClusterView, cfg: ZoneConfig, r: Builder, depth: number): void {
  const zone = cfg.zone;
  const rest = name === zone ? '' : name.slice(0, -(zone.length + 1));
  const labels = rest === '' ? [] : rest.split('.');
  const n = labels.length;
  if (n === 0) {
    if (qtype === 'SOA' || qtype === 'ANY') r.answers.push(soaRecord(cfg, r.serial));
    if (qtype === 'NS' || qtype === 'ANY') r.answers.push(r.rr(zone, { type: 'NS', data: `ns.dns.${zone}` }));
    return;
  }
  if (n === 1 && labels[0] === 'dns-version') {
    if (qtype === 'TXT' || qtype === 'ANY') r.answers.push(r.rr(name, { type: 'TXT', data: [DNS_SCHEMA_VERSION] }));
    return;
  }
  const kind = labels[n - 1];
  if (kind === 'pod') return podRecord(labels.slice(0, -1), name, qtype, cfg, r);
  if (kind !== 'svc') return r.nxdomain();
  if (n === 1) return; // svc.<zone>: empty non-terminal
  const ns = labels[n - 2]!;
  if (n === 2) return view.hasNamespace(ns) ? undefined : r.nxdomain();
  const svc = view.service(ns, labels[n - 3]!);
  if (!svc) return r.nxdomain();
  if (n === 3) return serviceRecords(svc, name, qtype, view, cfg, r, depth);
  if (svc.kind === 'ExternalName') return r.nxdomain();
  const first = labels[0]!;
  if (n === 4 && !first.startsWith('_')) {
    const eps = view.readyEndpoints(svc.namespace, svc.name).filter((e) => e.hostname === first);
    if (eps.length === 0) return r.nxdomain();
    addressRecords(r, name, eps.map((e) => e.ip), qtype);
    return;
  }
  if (n === 4 && first.startsWith('_')) {
    // `_<proto>.<svc>...`: an empty non-terminal when some named port uses that protocol.
    const proto = first.slice(1);
    return svc.ports.some((p) => p.name !== '' && p.protocol === proto) ? undefined : r.nxdomain();
  }
  if (n === 5 && first.startsWith('_') && labels[1]!.startsWith('_')) {
    const port = first.slice(1);
    const proto = labels[1]!.slice(1);
    const ports = svc.ports.filter((p) => p.name !== '' && p.name === port && p.protocol === proto);
    if (ports.length === 0) return r.nxdomain();
    if (qtype === 'SRV' || qtype === 'ANY') srvRecords(svc, name, ports, view, cfg, r);
    return;
  }
  r.nxdomain();
}

function serviceRecords(svc: ServiceEntry, name: string, qtype: string, view: ClusterView, cfg: ZoneConfig, r: Builder, depth: number): void {
  if (svc.kind === 'ExternalName') {
    const target = svc.externalName ?? '';
    if (target === '') return;
    r.answers.push(r.rr(name, { type: 'CNAME', data: target }));
    if (qtype === 'CNAME') return;
    if (target === cfg.zone || target.endsWith(`.${cfg.zone}`)) {
      if (depth + 1 >= MAX_CNAME_CHAIN) return;
      // A target inside the zone is answered here; its rcode (NXDOMAIN) becomes ours, as upstream.
      resolveInZone(target, qtype, view, cfg, r, depth + 1);
      return;
    }
    r.chase = target;
    return;
  }
  if (qtype === 'SRV') {
    const named = svc.ports.filter((p) => p.name !== '');
    srvRecords(svc, name, named, view, cfg, r);
    return;
  }
  if (svc.kind === 'ClusterIP') return addressRecords(r, name, svc.clusterIPs, qtype);
  addressRecords(r, name, view.readyEndpoints(svc.namespace, svc.name).map((e) => e.ip), qtype);
}

/**
 * SRV records of some ports: targets are the Service name (ClusterIP) or each ready endpoint's
 * name (headless), priority 0 and equal weights summing to about 100 (CoreDNS), with the targets'
 * addresses in the additional section.
 */
function srvRecords(svc: ServiceEntry, name: string, ports: ServiceEntry['ports'], view: ClusterView, cfg: ZoneConfig, r: Builder): void {
  const fqdn = serviceFqdn(svc, cfg.zone);
  const targets: { target: string; ips: string[] }[] =
    svc.kind === 'Headless'
      ? groupByHostname(view.readyEndpoints(svc.namespace, svc.name)).map(([h, ips]) => ({ target: `${h}.${fqdn}`, ips }))
      : [{ target: fqdn, ips: svc.clusterIPs }];
  const count = targets.length * ports.length;
  if (count === 0) return;
  const weight = Math.max(1, Math.floor(100 / count));
  for (const p of ports) for (const t of targets) r.answers.push(r.rr(name, { type: 'SRV', data: { priority: 0, weight, port: p.port, target: t.target } }));
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.target)) continue;
    seen.add(t.target);
    for (const ip of t.ips) r.additionals.push(r.rr(t.target, ipFamily(ip) === 6 ? { type: 'AAAA', data: ip } : { type: 'A', data: ip }));
  }
}

function groupByHostname(eps: EndpointEntry[]): [string, string[]][] {
  const m = new Map<string, string[]>();
  for (const e of eps) {
    const l = m.get(e.hostname);
    if (l) l.push(e.ip);
    else m.set(e.hostname, [e.ip]);
  }
  return [...m];
}

function podRecord(labels: string[], name: string, qtype: string, cfg: ZoneConfig, r: Builder): void {
  if (labels.length === 0) return; // pod.<zone>
  if (labels.length === 1) return; // <ns>.pod.<zone>: not checked, as CoreDNS in insecure mode
  if (labels.length !== 2 || cfg.pods === 'disabled') return r.nxdomain();
  const ip = ipFromDashed(labels[0]!);
  if (!ip) return r.nxdomain();
  addressRecords(r, name, [ip], qtype);
}

function reverse(name: string, qtype: string, view: ClusterView, cfg: ZoneConfig, serial: number): Resolution {
  const ip = ipFromReverseName(name);
  const owners = ip ? view.ptr(ip) : [];
  if (owners.length === 0) return { kind: 'forward' };
  const answers: ResourceRecord[] = [];
  if (qtype === 'PTR' || qtype === 'ANY') {
    for (const o of owners) {
      const fqdn = serviceFqdn(o.service, cfg.zone);
      answers.push({ name, ttl: cfg.ttl, class: 'IN', type: 'PTR', data: o.hostname ? `${o.hostname}.${fqdn}` : fqdn });
    }
  }
  const apex = name.endsWith('.in-addr.arpa') ? 'in-addr.arpa' : 'ip6.arpa';
  return { kind: 'answer', rcode: 'NOERROR', answers, authorities: answers.length ? [] : [soaRecord(cfg, serial, apex)], additionals: [] };
}
