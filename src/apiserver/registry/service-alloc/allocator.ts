/**
 * The Service registry's allocators (upstream's pkg/registry/core/service/storage alloc.go): cluster
 * IPs from the service CIDRs (one range per IP family), NodePorts and health-check NodePorts from
 * the NodePort range. It fills spec.clusterIP(s), spec.ipFamilies, spec.ports[].nodePort and
 * spec.healthCheckNodePort of a Service being written and returns a transaction: the caller
 * commits it once storage accepted the write, or reverts it when anything failed afterwards.
 *
 * State is in memory only: rebuild() recomputes it from the stored Services (upstream's repair
 * controller), which the API server does at start. Several API servers sharing one datastore each
 * keep their own copy and can hand out the same address at the same moment (see README.md).
 *
 * Pure and synchronous (no I/O): every method completes before another request can run, so no
 * locking is needed on Node's single thread.
 */
import type { V1Service, V1ServiceSpec } from '../../../api/core/v1/service.js';
import { ApiError, internalError, invalid } from '../../../lib/errors.js';
import { FieldError, fieldErrors } from '../../../lib/field-error.js';
import { parseIp } from '../../../lib/net.js';
import { AllocationError } from './errors.js';
import { IpRange } from './ip-range.js';
import { DEFAULT_NODE_PORT_RANGE, PortRange, type PortRangeSpec } from './port-range.js';

export type IpFamilyName = 'IPv4' | 'IPv6';

export interface ServiceAllocatorOptions {
  /** One CIDR per IP family; the first one's family is the cluster's default. */
  serviceCidrs: readonly string[];
  /** Default 30000-32767. */
  nodePortRange?: PortRangeSpec;
  /** Default Math.random. */
  random?: () => number;
}

/** What a write took; exactly one of commit() or revert() must follow. */
export interface AllocationTxn {
  /** The write was stored: perform the releases it implies (type change, fewer ports...). */
  commit(): void;
  /** The write failed or was a dry run: give back what it took. */
  revert(): void;
}

const familyOfIp = (ip: string): IpFamilyName | undefined => {
  const p = parseIp(ip);
  return p ? (p.family === 4 ? 'IPv4' : 'IPv6') : undefined;
};
const needsNodePorts = (s: V1ServiceSpec) => s.type === 'NodePort' || s.type === 'LoadBalancer';
/** apiservice.NeedsHealthCheck: LoadBalancer with externalTrafficPolicy Local. */
export const needsHealthCheck = (s: V1ServiceSpec): boolean => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
const shouldAllocateNodePorts = (s: V1ServiceSpec) => s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
const isHeadless = (s: V1ServiceSpec) => (s.clusterIPs ?? [])[0] === 'None' || s.clusterIP === 'None';

/** Distinct NodePorts a Service holds (its ports'; not the health-check port). */
export function serviceNodePorts(s: V1ServiceSpec): number[] {
  return [...new Set((s.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p > 0))];
}

/** A bad value printed as Go's %#v of a []string, as upstream's errors show clusterIPs. */
class StringSliceError extends FieldError {
  constructor(field: string, value: readonly string[], detail: string) {
    super('FieldValueInvalid', field, value, detail);
  }
  override body(): string {
    return `Invalid value: []string{${(this.badValue as string[]).map((x) => JSON.stringify(x)).join(', ')}}: ${this.detail}`;
  }
}

/** One write's allocations and deferred releases. */
class Txn implements AllocationTxn {
  private readonly takenIps: string[] = [];
  private readonly takenPorts: number[] = [];
  private readonly releaseIps: string[] = [];
  private readonly releasePorts: number[] = [];
  /** Ports promised by a dry run of this request (never taken). */
  readonly promisedPorts = new Set<number>();
  private done = false;

  constructor(
    private readonly alloc: ServiceAllocator,
    readonly dryRun: boolean,
  ) {}

  tookIp(ip: string): void {
    if (!this.dryRun) this.takenIps.push(ip);
  }
  tookPort(port: number): void {
    if (this.dryRun) this.promisedPorts.add(port);
    else this.takenPorts.push(port);
  }
  deferIpRelease(ip: string): void {
    this.releaseIps.push(ip);
  }
  deferPortRelease(port: number): void {
    this.releasePorts.push(port);
  }

  commit(): void {
    if (this.done) return;
    this.done = true;
    if (this.dryRun) return;
    for (const ip of this.releaseIps) this.alloc.releaseIp(ip);
    for (const p of this.releasePorts) this.alloc.releasePort(p);
  }

  revert(): void {
    if (this.done) return;
    this.done = true;
    for (const ip of this.takenIps) this.alloc.releaseIp(ip);
    for (const p of this.takenPorts) this.alloc.releasePort(p);
  }
}

export class ServiceAllocator {
  private readonly ranges = new Map<IpFamilyName, IpRange>();
  private readonly ports: PortRange;
  /** The family of the first service CIDR. */
  readonly defaultFamily: IpFamilyName;

  constructor(opts: ServiceAllocatorOptions) {
    const random = opts.random ?? Math.random;
    if (!opts.serviceCidrs.length) throw new RangeError('at least one service CIDR is needed');
    for (const c of opts.serviceCidrs) {
      const r = new IpRange(c, { random });
      const fam: IpFamilyName = r.family === 4 ? 'IPv4' : 'IPv6';
      if (this.ranges.has(fam)) throw new RangeError(`two service CIDRs of family ${fam}`);
      this.ranges.set(fam, r);
    }
    this.defaultFamily = [...this.ranges.keys()][0]!;
    this.ports = new PortRange(opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE, random);
  }

  /** The `kubernetes` Service's cluster IPs: the first address of each range, in CIDR order. */
  apiServiceIps(): string[] {
    return [...this.ranges.values()].map((r) => r.firstAddress());
  }

  nodePortRange(): PortRangeSpec {
    return this.ports.spec;
  }

  /** Addresses and ports in use (tests, metrics). */
  usage(): { ips: Record<string, number>; nodePorts: number } {
    return { ips: Object.fromEntries([...this.ranges.values()].map((r) => [r.text, r.used()])), nodePorts: this.ports.used() };
  }

  isIpAllocated(ip: string): boolean {
    const fam = familyOfIp(ip);
    return fam !== undefined && (this.ranges.get(fam)?.has(ip) ?? false);
  }

  isNodePortAllocated(port: number): boolean {
    return this.ports.has(port);
  }

  releaseIp(ip: string): void {
    const fam = familyOfIp(ip);
    if (fam) this.ranges.get(fam)?.release(ip);
  }

  releasePort(port: number): void {
    this.ports.release(port);
  }

  /**
   * Allocates what a new Service needs (allocateCreate). Mutates `svc` in place; with `dryRun`
   * fills the same fields without taking anything. Throws ApiError 422 for a requested address or
   * port that is taken or out of range, 500 when a range is full.
   */
  allocateCreate(svc: V1Service, dryRun: boolean): AllocationTxn {
    const txn = new Txn(this, dryRun);
    try {
      const spec = (svc.spec ??= {});
      if (spec.type !== 'ExternalName') {
        this.initIpFamilies(svc, undefined);
        this.allocClusterIps(svc, txn);
      }
      this.allocNodePortsForCreate(svc, txn);
      if (needsHealthCheck(spec)) this.allocHealthCheckNodePort(svc, txn);
      return txn;
    } catch (e) {
      txn.revert();
      throw e;
    }
  }

  /**
   * Allocates and schedules releases for an update from `old` to `svc` (allocateUpdate): a type
   * change to or from ExternalName, a second IP family added or dropped, NodePorts added, changed
   * or dropped, a health-check port needed or no longer needed. Releases happen on commit().
   */
  allocateUpdate(svc: V1Service, old: V1Service, dryRun: boolean): AllocationTxn {
    const txn = new Txn(this, dryRun);
    try {
      const spec = (svc.spec ??= {});
      const os = old.spec ?? {};
      this.updateClusterIps(svc, old, txn);
      // NodePorts
      if (needsNodePorts(os) && !needsNodePorts(spec)) for (const p of serviceNodePorts(os)) txn.deferPortRelease(p);
      if (needsNodePorts(spec)) this.updateNodePorts(svc, old, txn);
      // Health-check NodePort
      const had = needsHealthCheck(os);
      const needs = needsHealthCheck(spec);
      if (!had && needs) this.allocHealthCheckNodePort(svc, txn);
      else if (had && !needs && os.healthCheckNodePort) txn.deferPortRelease(os.healthCheckNodePort);
      else if (had && needs && os.healthCheckNodePort && spec.healthCheckNodePort !== os.healthCheckNodePort) {
        // A changed health-check port: take the new one, give back the old one.
        if (spec.healthCheckNodePort) this.allocHealthCheckNodePort(svc, txn);
        else spec.healthCheckNodePort = os.healthCheckNodePort;
        if (spec.healthCheckNodePort !== os.healthCheckNodePort) txn.deferPortRelease(os.healthCheckNodePort);
      }
      return txn;
    } catch (e) {
      txn.revert();
      throw e;
    }
  }

  /** Gives back everything a deleted Service held (releaseAllocatedResources). Idempotent. */
  releaseService(svc: V1Service): void {
    const spec = svc.spec ?? {};
    if (spec.type !== 'ExternalName' && !isHeadless(spec)) for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) this.releaseIp(ip);
    for (const p of serviceNodePorts(spec)) this.releasePort(p);
    if (spec.healthCheckNodePort) this.releasePort(spec.healthCheckNodePort);
  }

  /**
   * Forgets everything and marks what `services` hold (upstream's repair pass). Returns one line
   * per inconsistency found (an address outside every range, one held twice...), for the log.
   */
  rebuild(services: readonly V1Service[]): string[] {
    for (const r of this.ranges.values()) r.clear();
    this.ports.clear();
    const problems: string[] = [];
    for (const svc of services) {
      const spec = svc.spec ?? {};
      const ref = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
      if (spec.type !== 'ExternalName' && !isHeadless(spec)) {
        for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) {
          const fam = familyOfIp(ip);
          const range = fam && this.ranges.get(fam);
          if (!range || !range.contains(ip)) problems.push(`Cluster IP ${ip} of service ${ref} is not within any configured service CIDR`);
          else if (range.has(ip)) problems.push(`Cluster IP ${ip} of service ${ref} was assigned to multiple services`);
          else range.allocate(ip);
        }
      }
      const ports = serviceNodePorts(spec);
      if (spec.healthCheckNodePort) ports.push(spec.healthCheckNodePort);
      for (const p of ports) {
        if (!this.ports.contains(p)) problems.push(`Port ${p} of service ${ref} is not within the port range ${this.ports.spec.base}-${this.ports.spec.base + this.ports.spec.size - 1}`);
        else if (this.ports.has(p)) problems.push(`Port ${p} of service ${ref} was assigned to multiple services`);
        else this.ports.allocate(p);
      }
    }
    return problems;
  }

  // ---- cluster IPs ----------------------------------------------------------------------------

  /**
   * initIPFamilyFields, for the single- and dual-stack cases this server supports: checks that
   * the families asked for are configured, appends the second family for PreferDualStack or
   * RequireDualStack on a dual-stack cluster. The API's defaulting (which knows nothing of the
   * cluster) fills ipFamilies [IPv4] when no IP is given: on an IPv6-only cluster that default
   * becomes IPv6 here.
   */
  private initIpFamilies(svc: V1Service, old: V1Service | undefined): void {
    const spec = svc.spec!;
    const name = svc.metadata.name ?? '';
    const ips = spec.clusterIPs ?? [];
    let fams = (spec.ipFamilies ?? []) as IpFamilyName[];
    const userGaveIps = ips.some((ip) => ip && ip !== 'None');
    if (!userGaveIps && fams.length === 1 && fams[0] === 'IPv4' && !this.ranges.has('IPv4') && !old?.spec?.ipFamilies?.length) fams = [this.defaultFamily];
    if (!fams.length) fams = [this.defaultFamily];
    const errs: FieldError[] = [];
    const policy = spec.ipFamilyPolicy ?? 'SingleStack';
    if (!isHeadless(spec)) {
      if (policy === 'RequireDualStack' && this.ranges.size < 2)
        errs.push(fieldErrors.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
      fams.forEach((f, i) => {
        if (!this.ranges.has(f)) errs.push(fieldErrors.invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
      });
      ips.forEach((ip, i) => {
        const f = ip && familyOfIp(ip);
        if (f && fams[i] && f !== fams[i]) errs.push(new StringSliceError(`spec.clusterIPs[${i}]`, ips, `expected an ${fams[i]} value as indicated by \`ipFamilies[${i}]\``));
      });
      if (errs.length) throw invalid('', 'Service', name, errs);
      if (policy !== 'SingleStack' && fams.length === 1 && this.ranges.size === 2) fams = [...fams, fams[0] === 'IPv4' ? 'IPv6' : 'IPv4'];
    }
    spec.ipFamilies = fams;
  }

  /** allocClusterIPs: every family of ipFamilies gets its requested address or a free one. */
  private allocClusterIps(svc: V1Service, txn: Txn, only?: number): void {
    const spec = svc.spec!;
    if (isHeadless(spec)) return;
    const fams = (spec.ipFamilies ?? []) as IpFamilyName[];
    const ips = [...(spec.clusterIPs ?? [])];
    const requested = [...ips];
    for (let i = 0; i < fams.length; i++) {
      if (only !== undefined && i !== only) continue;
      const range = this.ranges.get(fams[i]!)!;
      const want = ips[i] ?? '';
      if (!want) {
        try {
          ips[i] = range.allocateNext(txn.dryRun);
        } catch (e) {
          throw e instanceof AllocationError ? internalError(new Error(`failed to allocate a serviceIP: ${e.message}`)) : e;
        }
      } else {
        try {
          range.allocate(want, txn.dryRun);
        } catch (e) {
          if (!(e instanceof AllocationError)) throw e;
          throw invalid('', 'Service', svc.metadata.name ?? '', [new StringSliceError('spec.clusterIPs', requested.filter(Boolean).length ? requested : ips, `failed to allocate IP ${want}: ${e.message}`)]);
        }
      }
      txn.tookIp(ips[i]!);
    }
    spec.clusterIPs = ips;
    spec.clusterIP = ips[0];
  }

  private updateClusterIps(svc: V1Service, old: V1Service, txn: Txn): void {
    const spec = svc.spec!;
    const os = old.spec ?? {};
    if (spec.type === 'ExternalName') {
      // To ExternalName: the old addresses go back (validation already cleared clusterIPs).
      if (os.type !== 'ExternalName' && !isHeadless(os)) for (const ip of os.clusterIPs ?? []) txn.deferIpRelease(ip);
      return;
    }
    if (os.type === 'ExternalName') {
      this.initIpFamilies(svc, undefined);
      this.allocClusterIps(svc, txn);
      return;
    }
    if (isHeadless(os)) return;
    if (!(os.clusterIPs ?? []).some(Boolean) && !(spec.clusterIPs ?? []).some(Boolean) && !isHeadless(spec)) {
      // Stored without an address (written before allocation existed): allocate now.
      this.initIpFamilies(svc, undefined);
      this.allocClusterIps(svc, txn);
      return;
    }
    const oldFams = os.ipFamilies ?? [];
    this.initIpFamilies(svc, old);
    const fams = spec.ipFamilies ?? [];
    if (oldFams.length === 1 && fams.length === 2) {
      this.allocClusterIps(svc, txn, 1); // upgrade to dual-stack: the secondary address
    } else if (oldFams.length === 2 && fams.length === 1) {
      const secondary = (os.clusterIPs ?? [])[1];
      if (secondary) txn.deferIpRelease(secondary); // downgrade: give back the secondary address
      if ((spec.clusterIPs ?? []).length > 1) spec.clusterIPs = spec.clusterIPs!.slice(0, 1);
    }
  }

  // ---- NodePorts ------------------------------------------------------------------------------

  private nodePortError(svc: V1Service, field: string, port: number, e: unknown): ApiError {
    if (!(e instanceof AllocationError)) return internalError(e);
    return invalid('', 'Service', svc.metadata.name ?? '', [fieldErrors.invalid(field, port, e.message)]);
  }

  private takePort(svc: V1Service, txn: Txn, field: string, port: number): void {
    try {
      if (txn.promisedPorts.has(port)) throw new AllocationError('Allocated', 'provided port is already allocated');
      this.ports.allocate(port, txn.dryRun);
    } catch (e) {
      throw this.nodePortError(svc, field, port, e);
    }
    txn.tookPort(port);
  }

  private nextPort(txn: Txn, what: string): number {
    try {
      const p = this.ports.allocateNext(txn.dryRun, txn.promisedPorts);
      txn.tookPort(p);
      return p;
    } catch (e) {
      throw e instanceof AllocationError ? internalError(new Error(`failed to allocate a ${what}: ${e.message}`)) : e;
    }
  }

  /** initNodePorts: ports with the same number (TCP and UDP) share one NodePort. */
  private allocNodePortsForCreate(svc: V1Service, txn: Txn): void {
    const spec = svc.spec!;
    if (!needsNodePorts(spec)) return;
    const ports = spec.ports ?? [];
    const byServicePort = new Map<number, number>();
    ports.forEach((p, i) => {
      if (!p.nodePort && !shouldAllocateNodePorts(spec)) return; // respect requests only
      const field = `spec.ports[${i}].nodePort`;
      const already = byServicePort.get(p.port ?? 0);
      if (already === undefined) {
        const requested = ports.slice(i).find((q) => q.port === p.port && q.nodePort)?.nodePort ?? 0;
        if (requested) {
          this.takePort(svc, txn, field, requested);
          p.nodePort = requested;
        } else p.nodePort = this.nextPort(txn, 'nodePort');
        byServicePort.set(p.port ?? 0, p.nodePort);
      } else if (p.nodePort !== already) {
        if (!p.nodePort) p.nodePort = already;
        else this.takePort(svc, txn, field, p.nodePort);
      }
    });
  }

  /** updateNodePorts: new requests taken, missing ones allocated, dropped ones released on commit. */
  private updateNodePorts(svc: V1Service, old: V1Service, txn: Txn): void {
    const spec = svc.spec!;
    const oldPorts = needsNodePorts(old.spec ?? {}) ? serviceNodePorts(old.spec ?? {}) : [];
    const taken = new Set<number>();
    (spec.ports ?? []).forEach((p, i) => {
      if (!p.nodePort && !shouldAllocateNodePorts(spec)) return;
      if (p.nodePort) {
        if (!oldPorts.includes(p.nodePort) && !taken.has(p.nodePort)) {
          this.takePort(svc, txn, `spec.ports[${i}].nodePort`, p.nodePort);
          taken.add(p.nodePort);
        }
      } else {
        p.nodePort = this.nextPort(txn, 'nodePort');
        taken.add(p.nodePort);
      }
    });
    const now = new Set(serviceNodePorts(spec));
    for (const p of oldPorts) if (!now.has(p)) txn.deferPortRelease(p);
  }

  private allocHealthCheckNodePort(svc: V1Service, txn: Txn): void {
    const spec = svc.spec!;
    const want = spec.healthCheckNodePort ?? 0;
    if (want) {
      try {
        if (txn.promisedPorts.has(want)) throw new AllocationError('Allocated', 'provided port is already allocated');
        this.ports.allocate(want, txn.dryRun);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw internalError(new Error(`failed to allocate requested HealthCheck NodePort ${want}: ${msg}`));
      }
      txn.tookPort(want);
    } else {
      spec.healthCheckNodePort = this.nextPort(txn, 'HealthCheck NodePort');
    }
  }
}
