/**
 * Cluster IPs of one service CIDR (upstream's ipallocator.Range): every address but the network
 * address (and, for IPv4, the broadcast address) is a slot. Slot 0 is the first usable address,
 * the `kubernetes` Service's, reserved from dynamic allocation (see `reserveFirst`).
 *
 * Pure: no I/O; randomness is injected.
 */
import { type Cidr, type IpAddress, type IpFamily, cidrContains, formatCidr, formatIp, hostBits, parseCidr, parseIp } from '../../../lib/net.js';
import { AllocationError, rangeFull } from './errors.js';
import { SlotSet, ipStaticBand } from './slots.js';

/** The most host bits a service CIDR may have (kube-apiserver's limit: IPv4 /12, IPv6 /108). */
export const MAX_SERVICE_CIDR_HOST_BITS = 20;

export interface IpRangeOptions {
  random: () => number;
  /** Keep the first usable address out of dynamic allocation (default true). */
  reserveFirst?: boolean;
}

export class IpRange {
  readonly cidr: Cidr;
  readonly family: IpFamily;
  /** Canonical CIDR text, as error messages print it. */
  readonly text: string;
  private readonly slots: SlotSet;
  /** Value of slot 0. */
  private readonly first: bigint;

  constructor(cidrText: string, opts: IpRangeOptions) {
    const cidr = parseCidr(cidrText);
    if (!cidr) throw new RangeError(`invalid service CIDR "${cidrText}"`);
    const bits = hostBits(cidr);
    if (bits > MAX_SERVICE_CIDR_HOST_BITS) throw new RangeError(`service CIDR ${formatCidr(cidr)} is too large (more than ${MAX_SERVICE_CIDR_HOST_BITS} host bits)`);
    if (bits < 2) throw new RangeError(`service CIDR ${formatCidr(cidr)} is too small`);
    this.cidr = cidr;
    this.family = cidr.family;
    this.text = formatCidr(cidr);
    const total = 2 ** bits;
    const size = cidr.family === 4 ? total - 2 : total - 1;
    this.first = cidr.base + 1n;
    this.slots = new SlotSet(size, ipStaticBand(size), opts.random, opts.reserveFirst === false ? new Set() : new Set([0]));
  }

  /** Addresses that can be allocated (network/broadcast excluded). */
  get size(): number {
    return this.slots.size;
  }

  /** The first usable address (the `kubernetes` Service's). */
  firstAddress(): string {
    return formatIp({ family: this.family, value: this.first });
  }

  /** True when `ip` is an address of this range that can be allocated. */
  contains(ip: string): boolean {
    return this.slotOf(ip) !== undefined;
  }

  has(ip: string): boolean {
    const slot = this.slotOf(ip);
    return slot !== undefined && this.slots.has(slot);
  }

  /**
   * Takes `ip`. With `dryRun` only checks that it could. Throws AllocationError NotInRange or
   * Allocated.
   */
  allocate(ip: string, dryRun = false): void {
    const slot = this.slotOf(ip);
    if (slot === undefined)
      throw new AllocationError('NotInRange', `provided IP is not in the valid range. The range of valid IPs is ${this.text}`);
    if (this.slots.has(slot)) throw new AllocationError('Allocated', 'provided IP is already allocated');
    if (!dryRun) this.slots.take(slot);
  }

  /** Picks and (unless `dryRun`) takes a free address; throws AllocationError Full. */
  allocateNext(dryRun = false): string {
    const slot = this.slots.next();
    if (slot === undefined) throw rangeFull();
    if (!dryRun) this.slots.take(slot);
    return this.format(slot);
  }

  /** Frees `ip`; addresses outside the range or already free are ignored. */
  release(ip: string): void {
    const slot = this.slotOf(ip);
    if (slot !== undefined) this.slots.release(slot);
  }

  clear(): void {
    this.slots.clear();
  }

  /** Addresses in use. */
  used(): number {
    return this.slots.count();
  }

  private slotOf(text: string): number | undefined {
    const ip: IpAddress | undefined = parseIp(text);
    if (!ip || !cidrContains(this.cidr, ip)) return undefined;
    const slot = Number(ip.value - this.first);
    return slot >= 0 && slot < this.slots.size ? slot : undefined;
  }

  private format(slot: number): string {
    return formatIp({ family: this.family, value: this.first + BigInt(slot) });
  }
}
