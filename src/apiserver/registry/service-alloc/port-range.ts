/**
 * NodePorts (upstream's portallocator): one slot per port of `--service-node-port-range`.
 *
 * Pure: no I/O; randomness is injected.
 */
import { AllocationError, rangeFull } from './errors.js';
import { SlotSet, portStaticBand } from './slots.js';

export interface PortRangeSpec {
  base: number;
  size: number;
}

export const DEFAULT_NODE_PORT_RANGE: PortRangeSpec = { base: 30000, size: 2768 };

/**
 * Parses a port range as kube-apiserver's --service-node-port-range does (utilnet.ParsePortRange):
 * `30000-32767`, `30000+2767` or a single port. Returns an error message on bad input.
 */
export function parsePortRange(text: string): PortRangeSpec | string {
  const t = text.trim();
  const num = (s: string) => (/^\d{1,5}$/.test(s) ? Number(s) : NaN);
  let low: number;
  let high: number;
  let m: RegExpMatchArray | null;
  if ((m = /^(\d+)-(\d+)$/.exec(t))) {
    low = num(m[1]!);
    high = num(m[2]!);
  } else if ((m = /^(\d+)\+(\d+)$/.exec(t))) {
    low = num(m[1]!);
    high = low + num(m[2]!);
  } else {
    low = high = num(t);
  }
  if (!Number.isInteger(low) || !Number.isInteger(high)) return `unable to parse port range: ${text}`;
  if (low < 1 || high > 65535 || low > high) return `"${text}" is not a valid port range: ports must be 1-65535 and the first may not exceed the last`;
  return { base: low, size: high - low + 1 };
}

export function formatPortRange(r: PortRangeSpec): string {
  return `${r.base}-${r.base + r.size - 1}`;
}

export class PortRange {
  private readonly slots: SlotSet;

  constructor(
    readonly spec: PortRangeSpec,
    random: () => number,
  ) {
    this.slots = new SlotSet(spec.size, portStaticBand(spec.size), random);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.spec.base && port < this.spec.base + this.spec.size;
  }

  has(port: number): boolean {
    return this.contains(port) && this.slots.has(port - this.spec.base);
  }

  /** Takes `port` (only checks with `dryRun`); throws AllocationError NotInRange or Allocated. */
  allocate(port: number, dryRun = false): void {
    if (!this.contains(port))
      throw new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${formatPortRange(this.spec)}`);
    if (this.slots.has(port - this.spec.base)) throw new AllocationError('Allocated', 'provided port is already allocated');
    if (!dryRun) this.slots.take(port - this.spec.base);
  }

  /**
   * Picks and (unless `dryRun`) takes a free port other than those in `avoid` (what a dry run
   * already promised within the same request); throws AllocationError Full.
   */
  allocateNext(dryRun = false, avoid: ReadonlySet<number> = new Set()): number {
    const skip = new Set([...avoid].filter((p) => this.contains(p)).map((p) => p - this.spec.base));
    const slot = this.slots.next(skip);
    if (slot === undefined) throw rangeFull();
    if (!dryRun) this.slots.take(slot);
    return this.spec.base + slot;
  }

  release(port: number): void {
    if (this.contains(port)) this.slots.release(port - this.spec.base);
  }

  clear(): void {
    this.slots.clear();
  }

  used(): number {
    return this.slots.count();
  }
}
