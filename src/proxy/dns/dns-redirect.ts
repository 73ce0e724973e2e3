/**
 * How pods reach the node-local DNS server: the kube-dns ClusterIP (10.96.0.10 by default) on port
 * 53, UDP and TCP, is DNATed to the node's DNS listener (the bridge gateway, port 53) by a table
 * of our own, `table ip flotilla-dns`, shared by the agents of one host with per-bridge chains:
 *
 *   table ip flotilla-dns {
 *     chain pre_<bridge> { type nat hook prerouting priority -120; policy accept;     (before the
 *       iifname "<bridge>" ip daddr { 10.96.0.10 } meta l4proto { udp, tcp }           service
 *         th dport 53 dnat to <gateway>:<port>                                          proxy's -100)
 *     }
 *     chain out_<bridge> { type nat hook output priority -120; policy accept;         (the node's
 *       ip daddr { 10.96.0.10 } meta l4proto { udp, tcp } th dport 53 dnat to ...      own queries;
 *     }                                                                                 optional)
 *   }
 *
 * Running before the service proxy's dstnat chains means the proxy never sees these packets with
 * the ClusterIP as destination (NAT is decided once per connection), so the kube-dns Service can
 * exist without endpoints. Pure: script text only (applied with `nft -f -` by cluster-dns-node.ts).
 */

export const DNS_NFT_TABLE = 'flotilla-dns';
export const DNS_NAT_PRIORITY = -120;

export interface DnsRedirectSpec {
  /** nftables table (family ip); default flotilla-dns. Tests use their own. */
  table?: string;
  /** Interface pod traffic arrives on (the node's bridge). */
  bridge: string;
  /** The cluster DNS addresses (IPv4 only; others are ignored) to redirect, port 53. */
  clusterDNS: string[];
  /** Where the node's DNS server listens. */
  target: { address: string; port: number };
  /** Also redirect the node's own queries (output hook). Default true. */
  fromHost?: boolean;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
function isV4(s: string): boolean {
  const m = V4.exec(s);
  return !!m && m.slice(1).every((x) => Number(x) <= 255);
}

/** Chain-name suffix of a bridge: interface names may hold characters nft identifiers may not. */
function suffix(bridge: string): string {
  return bridge.replace(/[^A-Za-z0-9_]/g, '_');
}
export const dnsPreroutingChain = (bridge: string) => `pre_${suffix(bridge)}`;
export const dnsOutputChain = (bridge: string) => `out_${suffix(bridge)}`;

function check(spec: DnsRedirectSpec): { table: string; ips: string[] } {
  const table = spec.table ?? DNS_NFT_TABLE;
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(table)) throw new Error(`invalid nftables table name ${JSON.stringify(table)}`);
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(spec.bridge)) throw new Error(`invalid interface name ${JSON.stringify(spec.bridge)}`);
  if (!isV4(spec.target.address)) throw new Error(`DNS target must be an IPv4 address, got ${JSON.stringify(spec.target.address)}`);
  if (!Number.isInteger(spec.target.port) || spec.target.port < 1 || spec.target.port > 65535) throw new Error(`invalid DNS target port ${spec.target.port}`);
  return { table, ips: spec.clusterDNS.filter(isV4) };
}

function dropChain(t: string, chain: string): string[] {
  return [`add chain ip ${t} ${chain}`, `flush chain ip ${t} ${chain}`, `delete chain ip ${t} ${chain}`];
}

/**
 * The script that installs (or repairs) `spec.bridge`'s redirect, replacing its chains atomically.
 * With no IPv4 cluster DNS address the chains are only removed. Throws on invalid names.
 */
export function dnsRedirectApplyScript(spec: DnsRedirectSpec): string {
  const { table: t, ips } = check(spec);
  const pre = dnsPreroutingChain(spec.bridge);
  const out = dnsOutputChain(spec.bridge);
  const lines = [`add table ip ${t}`, ...dropChain(t, pre), ...dropChain(t, out)];
  if (ips.length) {
    const set = `{ ${ips.join(', ')} }`;
    const to = `dnat to ${spec.target.address}:${spec.target.port}`;
    lines.push(
      `add chain ip ${t} ${pre} { type nat hook prerouting priority ${DNS_NAT_PRIORITY}; policy accept; }`,
      `add rule ip ${t} ${pre} iifname ${JSON.stringify(spec.bridge)} ip daddr ${set} meta l4proto { udp, tcp } th dport 53 counter ${to} comment "cluster DNS to the node-local server"`,
    );
    if (spec.fromHost !== false) {
      lines.push(
        `add chain ip ${t} ${out} { type nat hook output priority ${DNS_NAT_PRIORITY}; policy accept; }`,
        `add rule ip ${t} ${out} ip daddr ${set} meta l4proto { udp, tcp } th dport 53 counter ${to} comment "the node's own cluster DNS queries"`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** The script that removes `bridge`'s chains; succeeds when they (or the table) are absent. */
export function dnsRedirectRemoveScript(spec: Pick<DnsRedirectSpec, 'table' | 'bridge'>): string {
  const t = spec.table ?? DNS_NFT_TABLE;
  return [`add table ip ${t}`, ...dropChain(t, dnsPreroutingChain(spec.bridge)), ...dropChain(t, dnsOutputChain(spec.bridge)), ''].join('\n');
}
