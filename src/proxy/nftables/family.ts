/**
 * Address-family specifics of the proxy's tables (pure): the IPv4 table is `table ip <name>`, the
 * IPv6 one `table ip6 <name>`; everything else (chains, maps, rules) has the same shape. What
 * differs is collected here: the nft family and address type, which EndpointSlices and addresses
 * belong to it, how `addr:port` is written in a dnat, the loopback range, and CIDR arithmetic.
 */

export type Family = 'ip' | 'ip6';

export interface FamilyOps {
  /** nft family and the address match prefix (`ip saddr`, `ip6 saddr`). */
  nf: Family;
  /** nft set element type. */
  addrType: 'ipv4_addr' | 'ipv6_addr';
  /** EndpointSlice addressType. */
  addressType: 'IPv4' | 'IPv6';
  bits: 32 | 128;
  isAddr(s: string | undefined): s is string;
  /** The address as a number (for sorting and masks); only for valid addresses. */
  toBig(ip: string): bigint;
  fromBig(n: bigint): string;
  /** `addr:port` as a dnat target. */
  hostPort(ip: string, port: number): string;
  /** The address inside a chain or set name (nft identifiers take no ':'). */
  nameSafe(ip: string): string;
  /** The loopback range NodePorts are refused on unless localhost NodePorts are on (IPv4 only). */
  loopback: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const isIPv4 = (s: string | undefined): s is string => !!s && IPV4.test(s);

function v4ToBig(ip: string): bigint {
  return ip.split('.').reduce((n, o) => (n << 8n) + BigInt(Number(o)), 0n);
}
function bigToV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

/** Parses an IPv6 address (with `::` and a trailing dotted IPv4 part) to its 128-bit value. */
export function parseIPv6(s: string): bigint | undefined {
  if (!s || s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let head = s;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = s.slice(lastColon + 1);
    if (!isIPv4(v4)) return undefined;
    const n = Number(v4ToBig(v4));
    tail = [n >>> 16, n & 0xffff];
    head = s.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const parts = head.split('::');
  if (parts.length > 2) return undefined;
  const groups = (p: string) => (p === '' ? [] : p.split(':'));
  const a = groups(parts[0]!);
  const b = parts.length === 2 ? groups(parts[1]!) : [];
  if ([...a, ...b].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const given = a.length + b.length + tail.length;
  if (parts.length === 1 ? given !== 8 : given > 7) return undefined;
  const words = [...a.map((g) => parseInt(g, 16)), ...Array(8 - given).fill(0), ...b.map((g) => parseInt(g, 16)), ...tail];
  return words.reduce((n: bigint, w: number) => (n << 16n) + BigInt(w), 0n);
}

/** RFC 5952 text of a 128-bit value (lower case, the longest run of two or more zero groups as `::`). */
export function formatIPv6(n: bigint): string {
  const w = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(w) : `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

export const isIPv6 = (s: string | undefined): s is string => !!s && s.includes(':') && parseIPv6(s) !== undefined;

const V4: FamilyOps = {
  nf: 'ip',
  addrType: 'ipv4_addr',
  addressType: 'IPv4',
  bits: 32,
  isAddr: isIPv4,
  toBig: v4ToBig,
  fromBig: bigToV4,
  hostPort: (ip, port) => `${ip}:${port}`,
  nameSafe: (ip) => ip,
  loopback: '127.0.0.0/8',
};

const V6: FamilyOps = {
  nf: 'ip6',
  addrType: 'ipv6_addr',
  addressType: 'IPv6',
  bits: 128,
  isAddr: isIPv6,
  toBig: (ip) => parseIPv6(ip) ?? 0n,
  fromBig: formatIPv6,
  hostPort: (ip, port) => `[${ip}]:${port}`,
  nameSafe: (ip) => ip.replace(/:/g, '.'),
  loopback: '::1',
};

export function familyOps(f: Family | undefined): FamilyOps {
  return f === 'ip6' ? V6 : V4;
}

/** A CIDR (or bare address) of this family as `network/prefix`; undefined when it is not one. */
export function normaliseCIDR(s: string, f: FamilyOps = V4): string | undefined {
  const [addr, len, extra] = s.trim().split('/');
  if (extra !== undefined || !f.isAddr(addr)) return undefined;
  const bits = len === undefined ? f.bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= f.bits)) return undefined;
  return `${f.fromBig(f.toBig(addr) & mask(bits, f))}/${bits}`;
}

function mask(bits: number, f: FamilyOps): bigint {
  const all = (1n << BigInt(f.bits)) - 1n;
  return bits === 0 ? 0n : (all >> BigInt(f.bits - bits)) << BigInt(f.bits - bits);
}

/** Whether address `ip` is inside the normalised CIDR `cidr` (same family). */
export function cidrContains(cidr: string, ip: string, f: FamilyOps = V4): boolean {
  const [net, len] = cidr.split('/');
  if (!f.isAddr(ip) || !f.isAddr(net)) return false;
  const m = mask(Number(len), f);
  return (f.toBig(ip) & m) === (f.toBig(net) & m);
}
