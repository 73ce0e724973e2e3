/**
 * Pod IPs for simulated pods, pure: one pool per IPv4 CIDR (a node's spec.podCIDR, or the sim's
 * fallback range while a node has none). Addresses are handed out lowest-first after the network
 * address and the gateway (.1), skipping those in use; released addresses are reused. Nothing ever
 * sends traffic to these addresses.
 */

export function parseIPv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export class IpPool {
  readonly cidr: string;
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private cursor = 2;

  /** Throws on anything but an IPv4 CIDR with at least 4 addresses. */
  constructor(cidr: string) {
    const [ip, bits] = cidr.split('/');
    const addr = parseIPv4(ip ?? '');
    const b = Number(bits);
    if (addr === undefined || !Number.isInteger(b) || b < 0 || b > 30) throw new Error(`not an IPv4 CIDR with room for pods: ${cidr}`);
    this.cidr = cidr;
    this.size = 2 ** (32 - b);
    this.base = b === 0 ? 0 : (addr & ~(this.size - 1)) >>> 0;
  }

  /** Whether `ip` lies in this pool's CIDR. */
  contains(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && n >= this.base && n < this.base + this.size;
  }

  /** The next free address, or undefined when the CIDR is full. */
  allocate(): string | undefined {
    const usable = this.size - 3; // network, gateway, broadcast
    if (this.used.size >= usable) return undefined;
    for (let tries = 0; tries < usable; tries++) {
      const off = this.cursor;
      this.cursor = this.cursor + 1 >= this.size - 1 ? 2 : this.cursor + 1;
      if (!this.used.has(off)) {
        this.used.add(off);
        return formatIPv4(this.base + off);
      }
    }
    return undefined;
  }

  /** Marks an address as used (rebuilding from existing pods). Ignores foreign addresses. */
  occupy(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined && this.contains(ip)) this.used.add(n - this.base);
  }

  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined && this.contains(ip)) this.used.delete(n - this.base);
  }

  inUse(): number {
    return this.used.size;
  }
}
