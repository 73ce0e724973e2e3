/**
 * Prepares the host for the node's pods, with iproute2 and nftables: the node's bridge, IP
 * forwarding, the safety routes that send every cluster and service CIDR onto the bridge, the
 * egress guard (egress-guard.ts: pods never leave the node), the podCIDR's gateway on the bridge,
 * and the CNI conflist containerd's CRI plugin runs for each pod sandbox.
 *
 * Contracts:
 * - Idempotent and crash-tolerant: every step checks the kernel's state first, so running it again
 *   (or after a killed run left a bridge, routes, addresses or a half-written conflist) converges.
 * - Several agents on one host: each has its own bridge and podCIDR. Cluster/service routes are
 *   *appended* (`ip route append`), never replaced, so every agent's route to a shared cluster CIDR
 *   coexists; the kernel uses the first and teardown of one agent deletes only its own (`dev` match),
 *   so the others stay safe. A pod on one agent reaches a pod on another through the host: its
 *   gateway is its bridge, and the other podCIDR is a connected route on the other bridge.
 * - The operations of one NodeNetwork run one at a time (a promise chain), in call order.
 * - The egress guard is installed before `setupNodeNetwork` resolves, so no pod can start without
 *   it; `ensure()` re-installs it when its chains or bridge element are missing. No nft → the agent
 *   does not start (CommandFailed).
 * - Failures throw NodeNetworkError with a `reason`; the routes already added stay (they are safe).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { type Cidr, cidrsOverlap, formatCidr, parseCidr } from '../../lib/net.js';
import { type RunCommand, runCommand } from './command.js';
import {
  BRIDGES_SET,
  DEFAULT_NFT_TABLE,
  type NftJsonObject,
  egressChainName,
  egressGuardApplyScript,
  egressGuardRemoveScript,
  localnetChainName,
  parseNftJson,
  tableUnused,
  validateNftTableName,
} from './egress-guard.js';
import { natTableEmpty, planPortmapCleanup, restoreInput } from './portmap-cleanup.js';
import {
  CONFLIST_FILE,
  DEFAULT_NETWORK_NAME,
  bridgeConflist,
  gatewayOf,
  probeAddress,
  validateCIDR,
  validateInterfaceName,
  validateNetworkName,
  validatePodCIDR,
} from './cni-config.js';

export type NodeNetworkErrorReason = 'Invalid' | 'CommandFailed' | 'Unsafe';

export class NodeNetworkError extends Error {
  override readonly name = 'NodeNetworkError';
  constructor(
    readonly reason: NodeNetworkErrorReason,
    message: string,
    readonly details: { command?: string; stderr?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface NodeNetworkOptions {
  /** The bridge (≤ 15 characters); created when missing. */
  bridge: string;
  /** The node's spec.podCIDR when already known; else call `setPodCIDR` once the Node has one. */
  podCIDR?: string;
  /** Pod cluster CIDRs (one per family), canonical text. Routed onto the bridge at once. */
  clusterCIDRs: string[];
  /** Service CIDRs (one per family), canonical text. Routed onto the bridge at once. */
  serviceCIDRs: string[];
  /** containerd's CNI conf dir (`<dataDir>/cni/net.d`); the conflist is written here. */
  cniConfDir: string;
  /** host-local IPAM's dataDir (e.g. `<dataDir>/cni/networks`): per-agent IP allocations. */
  cniDataDir: string;
  /** CNI network name; default `flotilla`. */
  networkName?: string;
  /** MTU for the bridge and pods; default the kernel's. */
  mtu?: number;
  logger: Logger;
  /** Command runner (tests may wrap it); default runs the real binaries. */
  run?: RunCommand;
  /** The `ip` binary; default `ip` from PATH. */
  ipPath?: string;
  /**
   * The nftables table (family inet) of the egress guard, shared by the agents of one host;
   * default `flotilla`. Tests use their own.
   */
  nftTable?: string;
  /** The `nft` binary; default `nft` from PATH. */
  nftPath?: string;
}

export interface NodeNetwork {
  readonly bridge: string;
  readonly networkName: string;
  /** The podCIDR in effect, once known. */
  readonly podCIDR: string | undefined;
  /** The bridge's gateway address (first host of the podCIDR), once known. */
  readonly gateway: string | undefined;
  /** Path of the conflist; the file exists only once the podCIDR is known. */
  readonly conflistPath: string;
  /** The egress guard's nft table (family inet) and this bridge's chains in it. */
  readonly guard: { table: string; forwardChain: string; inputChain: string };
  /**
   * Assigns the podCIDR's gateway to the bridge (removing any other address of that family left
   * there, e.g. by a run with another podCIDR) and writes the conflist atomically. Idempotent.
   */
  setPodCIDR(podCIDR: string): Promise<void>;
  /** Re-asserts everything (bridge up, forwarding, routes, address, conflist); for periodic repair. */
  ensure(): Promise<void>;
  /**
   * Removes this agent's cluster/service routes, its egress-guard chains and bridge element (the
   * shared table too once no chain is left in it), what portmap left in the nat tables for this
   * agent's pods (sandbox chains DNATing into its podCIDR; the shared CNI-HOSTPORT-* chains and
   * hooks once no sandbox of anyone uses them; `ip nat` / `ip6 nat` once only empty built-in
   * chains remain), the conflist, and the bridge when asked (which also drops its address and
   * connected route). Missing pieces are fine. Only for an agent leaving the host, after its pods
   * are gone: an agent that merely stops (pods keep running, adopted at restart) must not call it,
   * or its pods would run without the guard and the safety routes.
   */
  teardown(opts?: { removeBridge?: boolean }): Promise<void>;
}

interface IpRoute {
  dst?: string;
  dev?: string;
  gateway?: string;
  /** Absent for unicast routes. */
  type?: string;
  metric?: number;
}

/**
 * Metric of the device-less `unreachable` fallback route per cluster/service CIDR, shared by every
 * agent on the host. Bridge routes use metric 0, so they win while they exist.
 */
export const FALLBACK_METRIC = 4242;

interface IpAddrInfo {
  family?: string;
  local?: string;
  prefixlen?: number;
  scope?: string;
}

/** Whether `name` is a Linux bridge on this host (sysfs has a `bridge/` dir for bridges only). */
export function isBridge(name: string): boolean {
  return existsSync(`/sys/class/net/${name}/bridge`);
}

function interfaceExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/**
 * Sets up the node's network as described in the module comment and returns a handle for the
 * podCIDR (when it comes later) and for teardown. Throws NodeNetworkError: `Invalid` for bad
 * options (nothing touched), `CommandFailed` when iproute2 refuses, `Unsafe` when after routing an
 * address in a cluster or service CIDR still resolves away from a bridge (a more specific host
 * route or a policy rule wins) — the agent must not start pods then.
 */
export async function setupNodeNetwork(opts: NodeNetworkOptions): Promise<NodeNetwork> {
  const net = new HostNodeNetwork(opts);
  await net.ensure();
  return net;
}

class HostNodeNetwork implements NodeNetwork {
  readonly bridge: string;
  readonly networkName: string;
  readonly conflistPath: string;
  private pod: Cidr | undefined;
  private readonly routed: Cidr[];
  private readonly run: RunCommand;
  private readonly ip: string;
  private readonly nft: string;
  private readonly table: string;
  private readonly log: Logger;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: NodeNetworkOptions) {
    this.bridge = opts.bridge;
    this.networkName = opts.networkName ?? DEFAULT_NETWORK_NAME;
    this.conflistPath = join(opts.cniConfDir, CONFLIST_FILE);
    this.run = opts.run ?? runCommand;
    this.ip = opts.ipPath ?? 'ip';
    this.nft = opts.nftPath ?? 'nft';
    this.table = opts.nftTable ?? DEFAULT_NFT_TABLE;
    this.log = opts.logger;
    const problems: string[] = [];
    const tableProblem = validateNftTableName(this.table);
    if (tableProblem) problems.push(tableProblem);
    const nameProblem = validateInterfaceName(opts.bridge);
    if (nameProblem) problems.push(nameProblem);
    const netProblem = validateNetworkName(this.networkName);
    if (netProblem) problems.push(netProblem);
    this.routed = [];
    for (const text of [...opts.clusterCIDRs, ...opts.serviceCIDRs]) {
      const c = validateCIDR(text);
      if (typeof c === 'string') problems.push(c);
      else if (!this.routed.some((r) => formatCidr(r) === formatCidr(c))) this.routed.push(c);
    }
    if (opts.clusterCIDRs.length === 0) problems.push('no cluster CIDR given: the safety routes need at least one');
    if (opts.podCIDR !== undefined) {
      const p = validatePodCIDR(opts.podCIDR);
      if (typeof p === 'string') problems.push(p);
      else this.pod = p;
    }
    if (problems.length) throw new NodeNetworkError('Invalid', problems.join('; '));
  }

  get guard(): { table: string; forwardChain: string; inputChain: string } {
    return { table: this.table, forwardChain: egressChainName(this.bridge), inputChain: localnetChainName(this.bridge) };
  }

  get podCIDR(): string | undefined {
    return this.pod && formatCidr(this.pod);
  }

  get gateway(): string | undefined {
    return this.pod && gatewayOf(this.pod);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  ensure(): Promise<void> {
    return this.serial(async () => {
      await this.ensureBridge();
      await this.ensureForwarding();
      for (const c of this.routed) await this.ensureRoute(c);
      await this.verifyRoutes();
      await this.ensureGuard();
      if (this.pod) await this.applyPodCIDR(this.pod);
    });
  }

  setPodCIDR(podCIDR: string): Promise<void> {
    return this.serial(async () => {
      const p = validatePodCIDR(podCIDR);
      if (typeof p === 'string') throw new NodeNetworkError('Invalid', p);
      if (this.pod && formatCidr(this.pod) !== formatCidr(p)) {
        this.log.warn('podCIDR changed; pods on the old range lose their gateway', { old: formatCidr(this.pod), new: podCIDR });
      }
      const clusters = this.opts.clusterCIDRs.map((t) => parseCidr(t)!);
      if (!clusters.some((c) => c.family === p.family && c.prefix <= p.prefix && cidrsOverlap(c, p))) {
        this.log.warn('podCIDR lies outside every cluster CIDR', { podCIDR, clusterCIDRs: this.opts.clusterCIDRs.join(',') });
      }
      await this.ensureBridge();
      await this.applyPodCIDR(p);
      this.pod = p;
    });
  }

  teardown(opts: { removeBridge?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      for (const c of this.routed) await this.removeRoute(c);
      await this.removeGuard();
      await this.cleanupPortmap(this.pod ? [formatCidr(this.pod)] : await this.conflistSubnets());
      await rm(this.conflistPath, { force: true });
      await this.removeTempFiles();
      if (opts.removeBridge && interfaceExists(this.bridge)) {
        await this.ipOk(['link', 'del', 'dev', this.bridge]);
        this.log.info('removed bridge', { bridge: this.bridge });
      }
      this.log.info('node network torn down', { bridge: this.bridge, removeBridge: !!opts.removeBridge });
    });
  }

  // --- steps -------------------------------------------------------------------------------------

  private async ensureBridge(): Promise<void> {
    if (interfaceExists(this.bridge)) {
      if (!isBridge(this.bridge)) {
        throw new NodeNetworkError('Unsafe', `interface ${this.bridge} exists and is not a bridge; choose another bridge name`);
      }
    } else {
      const args = ['link', 'add', 'name', this.bridge];
      if (this.opts.mtu !== undefined) args.push('mtu', String(this.opts.mtu));
      args.push('type', 'bridge', 'stp_state', '0');
      const r = await this.ipRun(args);
      // Another agent or a racing call may have created it meanwhile: fine if it is a bridge now.
      if (r.code !== 0 && !isBridge(this.bridge)) throw this.failed(args, r.stderr);
      if (r.code === 0) this.log.info('created bridge', { bridge: this.bridge });
    }
    await this.ipOk(['link', 'set', 'dev', this.bridge, 'type', 'bridge', 'stp_state', '0']);
    await this.pinBridgeMac();
    await this.ipOk(['link', 'set', 'dev', this.bridge, 'up']);
  }

  /**
   * A bridge whose MAC was never set takes the lowest MAC of its ports, so it changes as pods come
   * and go: every pod's neighbour entry for the gateway goes stale and the bridge plugin's CHECK
   * (which compares the MAC it reported at ADD) fails. Setting the current MAC explicitly
   * (addr_assign_type 3, NET_ADDR_SET) pins it.
   */
  private async pinBridgeMac(): Promise<void> {
    let assign: string;
    let mac: string;
    try {
      assign = (await readFile(`/sys/class/net/${this.bridge}/addr_assign_type`, 'utf8')).trim();
      mac = (await readFile(`/sys/class/net/${this.bridge}/address`, 'utf8')).trim();
    } catch {
      return;
    }
    if (assign === '3' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) return;
    await this.ipOk(['link', 'set', 'dev', this.bridge, 'address', mac]);
  }

  private async ensureForwarding(): Promise<void> {
    const families = new Set(this.routed.map((c) => c.family));
    if (this.pod) families.add(this.pod.family);
    const paths: string[] = [];
    if (families.has(4)) paths.push('/proc/sys/net/ipv4/ip_forward');
    if (families.has(6)) paths.push('/proc/sys/net/ipv6/conf/all/forwarding');
    for (const p of paths) {
      try {
        await writeFile(p, '1\n');
      } catch (cause) {
        throw new NodeNetworkError('CommandFailed', `cannot enable forwarding (${p}): ${(cause as Error).message}`, {}, { cause });
      }
    }
  }

  private async routesFor(c: Cidr): Promise<IpRoute[]> {
    return this.ipJson<IpRoute[]>(['route', 'show', 'exact', formatCidr(c)], famFlag(c));
  }

  private async hasRoute(c: Cidr): Promise<boolean> {
    return (await this.routesFor(c)).some((r) => r.dev === this.bridge && !r.gateway);
  }

  /**
   * Our route for `c` (appended, see the module comment) plus the shared `unreachable` fallback at
   * FALLBACK_METRIC. The kernel flushes a device's IPv4 routes when the device goes admin-down,
   * loses its last address or is deleted; the fallback has no device, so even then an address in
   * the CIDR is answered "unreachable" instead of following the default route.
   */
  private async ensureRoute(c: Cidr): Promise<void> {
    const routes = await this.routesFor(c);
    if (!routes.some((r) => r.type === 'unreachable' && r.metric === FALLBACK_METRIC)) {
      const args = ['route', 'append', 'unreachable', formatCidr(c), 'metric', String(FALLBACK_METRIC)];
      const r = await this.ipRun(args, famFlag(c));
      if (r.code !== 0 && !(await this.routesFor(c)).some((x) => x.type === 'unreachable' && x.metric === FALLBACK_METRIC)) throw this.failed(args, r.stderr);
    }
    if (routes.some((r) => r.dev === this.bridge && !r.gateway)) return;
    const args = ['route', 'append', formatCidr(c), 'dev', this.bridge];
    const r = await this.ipRun(args, famFlag(c));
    if (r.code !== 0 && !(await this.hasRoute(c))) throw this.failed(args, r.stderr);
    this.log.info('routed cluster CIDR onto the bridge', { cidr: formatCidr(c), bridge: this.bridge });
  }

  /** Deletes our route for `c`, and the shared fallback once no bridge route for `c` is left. */
  private async removeRoute(c: Cidr): Promise<void> {
    if (interfaceExists(this.bridge) && (await this.hasRoute(c))) await this.ipOk(['route', 'del', formatCidr(c), 'dev', this.bridge], famFlag(c));
    const left = await this.routesFor(c);
    const otherBridge = left.some((r) => r.dev !== undefined && r.dev !== this.bridge && !r.gateway && isBridge(r.dev));
    if (!otherBridge && left.some((r) => r.type === 'unreachable' && r.metric === FALLBACK_METRIC)) {
      await this.ipOk(['route', 'del', 'unreachable', formatCidr(c), 'metric', String(FALLBACK_METRIC)], famFlag(c));
    }
  }

  /**
   * The safety rule, checked against the kernel: an unassigned address in each routed CIDR must
   * resolve to a bridge without a gateway, and no more specific route in the main table may send
   * part of a CIDR anywhere but a bridge.
   */
  private async verifyRoutes(): Promise<void> {
    const problems: string[] = [];
    for (const c of this.routed) {
      const probe = probeAddress(c);
      const res = await this.ipRun(['-j', 'route', 'get', probe], famFlag(c));
      // A failing lookup means "unreachable" (only the fallback matched): safe, nothing leaves.
      const got = res.code === 0 ? (JSON.parse(res.stdout || '[]') as IpRoute[])[0] : undefined;
      if (res.code === 0 && (!got?.dev || got.gateway || !isBridge(got.dev))) {
        problems.push(`${probe} (in ${formatCidr(c)}) resolves to ${got?.gateway ? `via ${got.gateway} ` : ''}dev ${got?.dev ?? '?'}, not to a bridge`);
      }
      const table = await this.ipJson<IpRoute[]>(['route', 'show'], famFlag(c));
      for (const r of table) {
        if (!r.dst || r.dst === 'default') continue;
        const d = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/${c.family === 4 ? 32 : 128}`);
        if (!d || d.family !== c.family || d.prefix <= c.prefix || !cidrsOverlap(c, d)) continue;
        if (r.type && ['unreachable', 'blackhole', 'prohibit'].includes(r.type)) continue;
        if (r.gateway || !r.dev || !isBridge(r.dev)) problems.push(`route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev ?? '?'} overlaps ${formatCidr(c)}`);
      }
    }
    if (problems.length) {
      throw new NodeNetworkError('Unsafe', `cluster addresses would leave the node's bridges: ${problems.join('; ')}`);
    }
  }

  private async applyPodCIDR(p: Cidr): Promise<void> {
    const gw = gatewayOf(p);
    const fam = p.family === 4 ? 'inet' : 'inet6';
    const shows = await this.ipJson<{ addr_info?: IpAddrInfo[] }[]>(['addr', 'show', 'dev', this.bridge], famFlag(p));
    const addrs = (shows[0]?.addr_info ?? []).filter((a) => a.family === fam && a.scope !== 'link');
    // Add before removing: when a device loses its last IPv4 address the kernel flushes every
    // route through it, the safety routes included.
    if (!addrs.some((a) => a.local === gw && a.prefixlen === p.prefix)) {
      await this.ipOk(['addr', 'replace', `${gw}/${p.prefix}`, 'dev', this.bridge], famFlag(p));
      this.log.info('assigned the pod gateway to the bridge', { bridge: this.bridge, address: `${gw}/${p.prefix}` });
    }
    for (const a of addrs) {
      if (a.local === gw && a.prefixlen === p.prefix) continue;
      this.log.info('removing a stale address from the bridge', { bridge: this.bridge, address: `${a.local}/${a.prefixlen}` });
      await this.ipOk(['addr', 'del', `${a.local}/${a.prefixlen}`, 'dev', this.bridge], famFlag(p));
    }
    // Address changes can drop routes (see above); re-assert ours.
    for (const c of this.routed) await this.ensureRoute(c);
    await this.writeConflist(p);
  }

  private async writeConflist(p: Cidr): Promise<void> {
    const conf = bridgeConflist({
      networkName: this.networkName,
      bridge: this.bridge,
      podCIDR: formatCidr(p),
      ipamDataDir: this.opts.cniDataDir,
      ...(this.opts.mtu !== undefined ? { mtu: this.opts.mtu } : {}),
    });
    await mkdir(this.opts.cniConfDir, { recursive: true });
    await mkdir(this.opts.cniDataDir, { recursive: true });
    await this.removeTempFiles();
    // The temporary name has no .conf/.conflist/.json extension, so libcni never loads it.
    const tmp = join(this.opts.cniConfDir, `.${CONFLIST_FILE}.tmp-${process.pid}`);
    await writeFile(tmp, JSON.stringify(conf, null, 2) + '\n', { mode: 0o644 });
    await rename(tmp, this.conflistPath);
    const others = (await readdir(this.opts.cniConfDir)).filter((f) => f !== CONFLIST_FILE && /\.(conf|conflist|json)$/.test(f));
    if (others.length) {
      this.log.warn('other CNI configs in the conf dir; containerd loads only the first by name', { confDir: this.opts.cniConfDir, files: others.join(',') });
    }
  }

  private async removeTempFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.opts.cniConfDir);
    } catch {
      return;
    }
    for (const n of names) if (n.startsWith(`.${CONFLIST_FILE}.tmp-`)) await rm(join(this.opts.cniConfDir, n), { force: true });
  }

  // --- nftables: the egress guard -----------------------------------------------------------------

  private async listTable(family: string, name: string): Promise<NftJsonObject[] | undefined> {
    const r = await this.run(this.nft, ['-j', 'list', 'table', family, name]);
    if (r.code !== 0) {
      if (/No such file or directory|does not exist/i.test(r.stderr)) return undefined;
      throw this.nftFailed(['-j', 'list', 'table', family, name], r.stderr);
    }
    try {
      return parseNftJson(r.stdout);
    } catch (cause) {
      throw new NodeNetworkError('CommandFailed', `nft list table ${family} ${name} printed invalid JSON`, {}, { cause });
    }
  }

  /** Whether the table holds our element and both chains with their rules (then nothing is rewritten, counters stay). */
  private guardComplete(objs: NftJsonObject[]): boolean {
    const set = objs.find((o) => o.set?.name === BRIDGES_SET)?.set;
    const inSet = (set?.elem ?? []).some((e) => e === this.bridge);
    const rules = (chain: string) => objs.filter((o) => o.rule?.chain === chain).length;
    const { forwardChain, inputChain } = this.guard;
    return inSet && objs.some((o) => o.chain?.name === forwardChain && o.chain.hook === 'forward') && objs.some((o) => o.chain?.name === inputChain && o.chain.hook === 'input') && rules(forwardChain) === 3 && rules(inputChain) === 3;
  }

  private async ensureGuard(): Promise<void> {
    const objs = await this.listTable('inet', this.table);
    if (objs && this.guardComplete(objs)) return;
    await this.nftScript(egressGuardApplyScript({ table: this.table, bridge: this.bridge }));
    this.log.info('egress guard installed', { table: `inet ${this.table}`, chain: this.guard.forwardChain, bridge: this.bridge });
  }

  private async removeGuard(): Promise<void> {
    const before = await this.listTable('inet', this.table);
    if (!before) return;
    await this.nftScript(egressGuardRemoveScript({ table: this.table, bridge: this.bridge }));
    const after = await this.listTable('inet', this.table);
    if (after && tableUnused(after)) {
      // Another agent may have deleted it meanwhile: gone is what we want.
      const r = await this.run(this.nft, ['delete', 'table', 'inet', this.table]);
      if (r.code !== 0 && (await this.listTable('inet', this.table))) throw this.nftFailed(['delete', 'table', 'inet', this.table], r.stderr);
    }
    this.log.info('egress guard removed', { table: `inet ${this.table}`, bridge: this.bridge });
  }

  private async nftScript(script: string): Promise<void> {
    const r = await this.run(this.nft, ['-f', '-'], { input: script });
    if (r.code !== 0) throw this.nftFailed(['-f', '-'], r.stderr);
  }

  private nftFailed(args: string[], stderr: string): NodeNetworkError {
    const command = `${this.nft} ${args.join(' ')}`;
    return new NodeNetworkError('CommandFailed', `${command}: ${stderr.trim() || 'failed'}`, { command, stderr });
  }

  // --- portmap's leftovers (iptables-nft nat tables) ------------------------------------------------

  /** The subnets of the conflist on disk (a handle made only for teardown does not know its podCIDR). */
  private async conflistSubnets(): Promise<string[]> {
    try {
      const conf = JSON.parse(await readFile(this.conflistPath, 'utf8')) as { plugins?: { ipam?: { ranges?: { subnet?: string }[][] } }[] };
      const subnets = (conf.plugins ?? []).flatMap((p) => (p.ipam?.ranges ?? []).flat().map((r) => r.subnet ?? ''));
      return subnets.filter((t) => parseCidr(t) !== undefined);
    } catch {
      return [];
    }
  }

  /**
   * Best effort (logged, never thrown): a teardown must not fail because iptables is missing or
   * another agent changed the nat table meanwhile; what is left is retried by the next teardown.
   */
  private async cleanupPortmap(podCIDRs: string[]): Promise<void> {
    const families = [
      { save: 'iptables-save', restore: 'iptables-restore', nft: 'ip' },
      { save: 'ip6tables-save', restore: 'ip6tables-restore', nft: 'ip6' },
    ];
    for (const f of families) {
      try {
        if (!(await this.listTable(f.nft, 'nat'))) continue;
        const saved = await this.run(f.save, ['-t', 'nat']);
        if (saved.code !== 0) {
          this.log.warn('cannot read the nat table; portmap leftovers stay', { command: f.save, stderr: saved.stderr.trim() });
          continue;
        }
        const plan = planPortmapCleanup(saved.stdout, { networkName: this.networkName, podCIDRs });
        if (plan.lines.length) {
          const r = await this.run(f.restore, ['--noflush'], { input: restoreInput(plan.lines) });
          if (r.code !== 0) {
            this.log.warn('portmap cleanup refused; leftovers stay', { command: f.restore, stderr: r.stderr.trim() });
            continue;
          }
        }
        for (const line of plan.deletions) {
          const r = await this.run(f.restore, ['--noflush'], { input: restoreInput([line]) });
          if (r.code !== 0) this.log.info('portmap chain kept (in use again)', { chain: line.slice(3), stderr: r.stderr.trim() });
        }
        if (plan.removedChains.length || plan.removedShared) {
          this.log.info('removed portmap leftovers', { family: f.nft, chains: plan.removedChains.join(','), shared: plan.removedShared });
        }
        const nat = await this.listTable(f.nft, 'nat');
        if (nat && natTableEmpty(nat)) {
          const r = await this.run(this.nft, ['delete', 'table', f.nft, 'nat']);
          if (r.code === 0) this.log.info('removed the empty nat table', { table: `${f.nft} nat` });
        }
      } catch (e) {
        this.log.warn('portmap cleanup failed; leftovers stay', { family: f.nft, err: String(e) });
      }
    }
  }

  // --- iproute2 ----------------------------------------------------------------------------------

  private ipRun(args: string[], fam: string[] = []) {
    return this.run(this.ip, [...fam, ...args]);
  }

  private async ipOk(args: string[], fam: string[] = []): Promise<void> {
    const r = await this.ipRun(args, fam);
    if (r.code !== 0) throw this.failed([...fam, ...args], r.stderr);
  }

  private async ipJson<T>(args: string[], fam: string[] = []): Promise<T> {
    const r = await this.ipRun(['-j', ...args], fam);
    if (r.code !== 0) throw this.failed(['-j', ...fam, ...args], r.stderr);
    const text = r.stdout.trim();
    if (!text) return [] as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new NodeNetworkError('CommandFailed', `ip ${args.join(' ')} printed invalid JSON`, { command: `ip ${args.join(' ')}` }, { cause });
    }
  }

  private failed(args: string[], stderr: string): NodeNetworkError {
    const command = `${this.ip} ${args.join(' ')}`;
    return new NodeNetworkError('CommandFailed', `${command}: ${stderr.trim() || 'failed'}`, { command, stderr });
  }
}

function famFlag(c: Cidr): string[] {
  return [c.family === 4 ? '-4' : '-6'];
}
