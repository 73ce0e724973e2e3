/**
 * Integer ranges for nftables interval sets: IPv4 address ranges (a CIDR minus its `except`
 * CIDRs, merged with pod addresses) and port ranges. nft refuses overlapping elements in an
 * interval set without auto-merge, so every set is filled with disjoint, sorted, merged ranges.
 * Pure (no I/O).
 */
import { parseCidr, parseIp } from '../../lib/net.js';

/** Inclusive integer range. */
export interface Range {
  lo: number;
  hi: number;
}

/** The IPv4 range of a CIDR; undefined for IPv6 or malformed text. */
export function ipv4CidrRange(cidr: string): Range | undefined {
  const c = parseCidr(cidr);
  if (!c || c.family !== 4) return undefined;
  const size = 2 ** (32 - c.prefix);
  const lo = Number(c.base);
  return { lo, hi: lo + size - 1 };
}

/** An IPv4 address as an integer; undefined for IPv6 or malformed text. */
export function ipv4ToInt(ip: string): number | undefined {
  const a = parseIp(ip);
  return a && a.family === 4 ? Number(a.value) : undefined;
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Sorted, disjoint union; adjacent ranges are joined. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.lo <= last.hi + 1) last.hi = Math.max(last.hi, r.hi);
    else out.push({ lo: r.lo, hi: r.hi });
  }
  return out;
}

/** `r` minus every range of `minus` (sorted, disjoint result). */
export function subtractRanges(r: Range, minus: readonly Range[]): Range[] {
  let parts: Range[] = [{ ...r }];
  for (const m of mergeRanges(minus)) {
    const next: Range[] = [];
    for (const p of parts) {
      if (m.hi < p.lo || m.lo > p.hi) {
        next.push(p);
        continue;
      }
      if (m.lo > p.lo) next.push({ lo: p.lo, hi: m.lo - 1 });
      if (m.hi < p.hi) next.push({ lo: m.hi + 1, hi: p.hi });
    }
    parts = next;
  }
  return parts;
}

/**
 * An ipBlock as address ranges: `cidr` minus `except` (IPv4 only; an IPv6 block yields nothing,
 * the pod network being IPv4 — see README.md).
 */
export function ipBlockRanges(cidr: string, except: readonly string[] = []): Range[] {
  const r = ipv4CidrRange(cidr);
  if (!r) return [];
  return subtractRanges(r, except.map(ipv4CidrRange).filter((x): x is Range => !!x));
}

/** nft element text of an address range: `a.b.c.d` or `a.b.c.d-e.f.g.h`. */
export function formatIpv4Range(r: Range): string {
  return r.lo === r.hi ? intToIpv4(r.lo) : `${intToIpv4(r.lo)}-${intToIpv4(r.hi)}`;
}

/** nft element text of a port range: `80` or `8000-8080`. */
export function formatPortRange(r: Range): string {
  return r.lo === r.hi ? String(r.lo) : `${r.lo}-${r.hi}`;
}
