/**
 * Node IPAM, pure (upstream pkg/controller/nodeipam/ipam, the range allocator): each cluster pod
 * CIDR is cut into per-node subnets of `nodeCIDRMaskSize` bits (IPv6 CIDRs use /64, as upstream's
 * default); a bitmap per cluster CIDR records which subnets are taken. The allocator is rebuilt
 * from the nodes' spec.podCIDRs on start (`occupy`), hands out the lowest free subnet after the
 * last one given (`allocate`, as upstream's cidrset), and takes a subnet back when its node is
 * deleted (`release`). When a CIDR is exhausted the node gets none: the controller records the
 * event CIDRNotAvailable, as upstream, and retries later.
 */

export interface ParsedCidr {
  family: 4 | 6;
  /** Network address as an unsigned integer. */
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseV4(ip: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  let n = 0n;
  for (const p of m.slice(1)) {
    const v = Number(p);
    if (v > 255 || (p.length > 1 && p.startsWith('0'))) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(ip: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.split('::').length > 2) return undefined;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses `a.b.c.d/n` or an IPv6 CIDR; host bits are masked off. Undefined when malformed. */
export function parseCidr(cidr: string): ParsedCidr | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const ip = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const v4 = parseV4(ip);
  const family: 4 | 6 | undefined = v4 !== undefined ? 4 : parseV6(ip) !== undefined ? 6 : undefined;
  if (family === undefined || prefix > BITS[family]) return undefined;
  const addr = (v4 ?? parseV6(ip))!;
  const hostBits = BigInt(BITS[family] - prefix);
  return { family, base: (addr >> hostBits) << hostBits, prefix };
}

export function formatCidr(c: ParsedCidr): string {
  if (c.family === 4) {
    const n = c.base;
    return `${(n >> 24n) & 255n}.${(n >> 16n) & 255n}.${(n >> 8n) & 255n}.${n & 255n}/${c.prefix}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((c.base >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const text = best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  return `${text}/${c.prefix}`;
}

/** One cluster CIDR cut into node subnets, with a bitmap of those taken (upstream cidrset). */
export class CidrSet {
  readonly cluster: ParsedCidr;
  readonly nodeMask: number;
  /** Number of node subnets. */
  readonly capacity: number;
  private readonly used: Uint8Array;
  private count = 0;
  private next = 0;

  /** Throws when the cluster CIDR is malformed or the node mask does not fit (or is too many subnets). */
  constructor(clusterCidr: string, nodeMask: number) {
    const c = parseCidr(clusterCidr);
    if (!c) throw new Error(`invalid cluster CIDR ${JSON.stringify(clusterCidr)}`);
    if (!Number.isInteger(nodeMask) || nodeMask < c.prefix || nodeMask > BITS[c.family]) {
      throw new Error(`node CIDR mask /${nodeMask} does not fit cluster CIDR ${clusterCidr}`);
    }
    if (nodeMask - c.prefix > 24) throw new Error(`node CIDR mask /${nodeMask} gives more than 2^24 subnets of ${clusterCidr}`);
    this.cluster = c;
    this.nodeMask = nodeMask;
    this.capacity = 2 ** (nodeMask - c.prefix);
    this.used = new Uint8Array(this.capacity);
  }

  private indexOf(cidr: string): number | undefined {
    const c = parseCidr(cidr);
    if (!c || c.family !== this.cluster.family || c.prefix !== this.nodeMask) return undefined;
    const shift = BigInt(BITS[c.family] - this.nodeMask);
    const idx = (c.base - this.cluster.base) >> shift;
    if (c.base < this.cluster.base || idx >= BigInt(this.capacity)) return undefined;
    return Number(idx);
  }

  private cidrAt(i: number): string {
    const shift = BigInt(BITS[this.cluster.family] - this.nodeMask);
    return formatCidr({ family: this.cluster.family, base: this.cluster.base + (BigInt(i) << shift), prefix: this.nodeMask });
  }

  /** Whether `cidr` is one of this set's node subnets. */
  contains(cidr: string): boolean {
    return this.indexOf(cidr) !== undefined;
  }

  /** Marks a subnet taken (a node that already has it). Returns false when it is not ours. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    if (!this.used[i]) this.count++;
    this.used[i] = 1;
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i === undefined || !this.used[i]) return;
    this.used[i] = 0;
    this.count--;
  }

  /** The next free subnet, or undefined when all are taken. */
  allocate(): string | undefined {
    if (this.count >= this.capacity) return undefined;
    for (let k = 0; k < this.capacity; k++) {
      const i = (this.next + k) % this.capacity;
      if (!this.used[i]) {
        this.used[i] = 1;
        this.count++;
        this.next = (i + 1) % this.capacity;
        return this.cidrAt(i);
      }
    }
    return undefined;
  }

  free(): number {
    return this.capacity - this.count;
  }
}

/** One CidrSet per cluster CIDR (dual stack: one per family). */
export class PodCidrAllocator {
  readonly sets: CidrSet[];

  /** `nodeMaskV4` applies to IPv4 cluster CIDRs; IPv6 ones use `nodeMaskV6` (default 64). */
  constructor(clusterCidrs: string[], nodeMaskV4: number, nodeMaskV6 = 64) {
    if (!clusterCidrs.length) throw new Error('no cluster CIDR to allocate node pod CIDRs from');
    this.sets = clusterCidrs.map((c) => new CidrSet(c, parseCidr(c)?.family === 6 ? nodeMaskV6 : nodeMaskV4));
  }

  /** Marks a node's existing CIDRs taken; returns those that fall outside every cluster CIDR. */
  occupy(podCIDRs: string[]): string[] {
    return podCIDRs.filter((c) => !this.sets.some((s) => s.occupy(c)));
  }

  release(podCIDRs: string[]): void {
    for (const c of podCIDRs) for (const s of this.sets) s.release(c);
  }

  /** One subnet from every set (all or nothing), or undefined when any set is exhausted. */
  allocate(): string[] | undefined {
    const got: string[] = [];
    for (const s of this.sets) {
      const c = s.allocate();
      if (c === undefined) {
        this.release(got);
        return undefined;
      }
      got.push(c);
    }
    return got;
  }
}

/** What to do for one node. */
export type IpamAction =
  | { type: 'none' }
  | { type: 'assign'; podCIDRs: string[] }
  /** No free subnet: record CIDRNotAvailable and retry later. */
  | { type: 'unavailable' };

export interface IpamNode {
  name: string;
  podCIDR?: string;
  podCIDRs?: string[];
}

/** The node's current CIDRs (podCIDRs, else podCIDR). */
export function nodeCidrs(n: IpamNode): string[] {
  if (n.podCIDRs?.length) return n.podCIDRs;
  return n.podCIDR ? [n.podCIDR] : [];
}

/**
 * Decides for one node, allocating from `alloc` when it has no CIDR yet. A node that already has
 * CIDRs keeps them (they are occupied, never changed: podCIDR is immutable once set).
 * Idempotent per node as long as the assignment is written before the node is decided again (the
 * controller releases the subnets when the write fails).
 */
export function reconcileNode(node: IpamNode, alloc: PodCidrAllocator): IpamAction {
  const have = nodeCidrs(node);
  if (have.length) {
    alloc.occupy(have);
    return { type: 'none' };
  }
  const got = alloc.allocate();
  return got ? { type: 'assign', podCIDRs: got } : { type: 'unavailable' };
}
