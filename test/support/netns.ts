/**
 * Network namespaces and a CNI plugin-chain runner for tests, so a conflist can be exercised without
 * containerd.
 *
 * - createNetns / deleteNetns: named namespaces under /var/run/netns (`ip netns`), loopback up.
 *   deleteNetns tolerates a missing namespace. Namespaces never deleted (a crashed test) are removed
 *   from an exit hook.
 * - cniInvoke runs a conflist's plugins the way libcni (containerd's CNI library) does:
 *   ADD runs each plugin in order, feeding the previous plugin's result as `prevResult`; DEL runs
 *   them in reverse and CHECK in order, both with the ADD's final result as `prevResult` (libcni
 *   reads it from its cache; here the caller passes it). Each plugin's stdin is its own config with
 *   the list's `name` and `cniVersion` injected, plus `runtimeConfig` holding only the capability
 *   args the plugin declares in `capabilities`. Environment: CNI_COMMAND, CNI_CONTAINERID,
 *   CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH. The first failing plugin stops the chain and
 *   rejects with a CniPluginError carrying the plugin's CNI error code and message.
 */
import { execFileSync, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface Netns {
  name: string;
  /** Bind-mount path, the value of CNI_NETNS. */
  path: string;
}

const liveNetns = new Set<string>();
let hooked = false;

function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error(`${what} needs root: run the test as root`);
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** Creates `<prefix>-<6 hex>` with loopback up. Needs root and iproute2. */
export function createNetns(prefix: string): Netns {
  requireRoot('createNetns');
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  ip(['netns', 'add', name]);
  liveNetns.add(name);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const n of liveNetns) {
        try {
          execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore', timeout: 5_000 });
        } catch {
          /* already gone */
        }
      }
    });
  }
  ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return { name, path: `/var/run/netns/${name}` };
}

/** Deletes a namespace made by createNetns (its veth ends go with it); missing is fine. */
export function deleteNetns(ns: Netns | string): void {
  const name = typeof ns === 'string' ? ns : ns.name;
  liveNetns.delete(name);
  try {
    ip(['netns', 'del', name]);
  } catch {
    /* not there */
  }
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

export interface CniInvokeOptions {
  containerId: string;
  /** A Netns, a name under /var/run/netns, or a path. */
  netns: Netns | string;
  ifName: string;
  /** Where the plugin binaries are (CNI_PATH); default /usr/lib/cni. */
  binDir?: string;
  /** Capability args by capability name (e.g. `{ portMappings: [...] }`), as a runtime passes them. */
  capabilityArgs?: Record<string, unknown>;
  /** CNI_ARGS pairs (libcni/containerd pass K8S_POD_NAMESPACE and friends); IgnoreUnknown=1 is added. */
  args?: Record<string, string>;
  /** For DEL and CHECK: the result the ADD returned (libcni's cached result). */
  prevResult?: unknown;
  timeoutMs?: number;
}

export class CniPluginError extends Error {
  override readonly name = 'CniPluginError';
  constructor(
    readonly plugin: string,
    readonly command: CniCommand,
    readonly code: number | undefined,
    readonly msg: string,
    readonly details: string | undefined,
  ) {
    super(`CNI ${command} ${plugin}: ${msg}${details ? ` (${details})` : ''}${code !== undefined ? ` [code ${code}]` : ''}`);
  }
}

interface ConflistLike {
  cniVersion: string;
  name: string;
  plugins: { type: string; capabilities?: Record<string, boolean>; [k: string]: unknown }[];
}

function runPlugin(bin: string, stdin: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(bin, [], { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const c = err ? (err as NodeJS.ErrnoException & { code?: unknown }).code : 0;
      resolve({ code: typeof c === 'number' ? c : err ? -1 : 0, stdout, stderr: stderr || (err && typeof c !== 'number' ? err.message : '') });
    });
    child.stdin?.end(stdin);
  });
}

/**
 * Runs the conflist's plugin chain for one command (see the module comment). Resolves with the
 * final result for ADD (pass it as `prevResult` to DEL/CHECK) and undefined for DEL/CHECK.
 */
export async function cniInvoke(command: CniCommand, conflist: object, opts: CniInvokeOptions): Promise<unknown> {
  requireRoot('cniInvoke');
  const list = conflist as ConflistLike;
  if (!list || typeof list.name !== 'string' || !Array.isArray(list.plugins)) throw new Error('cniInvoke: not a conflist');
  if (command === 'CHECK' && opts.prevResult === undefined) throw new Error('cniInvoke CHECK needs the ADD result as prevResult');
  const binDir = opts.binDir ?? '/usr/lib/cni';
  const netnsPath = typeof opts.netns === 'string' ? (opts.netns.startsWith('/') ? opts.netns : `/var/run/netns/${opts.netns}`) : opts.netns.path;
  const cniArgs = ['IgnoreUnknown=1', ...Object.entries(opts.args ?? {}).map(([k, v]) => `${k}=${v}`)].join(';');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: opts.containerId,
    CNI_NETNS: netnsPath,
    CNI_IFNAME: opts.ifName,
    CNI_ARGS: cniArgs,
    CNI_PATH: binDir,
  };
  const plugins = command === 'DEL' ? [...list.plugins].reverse() : list.plugins;
  let prev: unknown = command === 'ADD' ? undefined : opts.prevResult;
  for (const plugin of plugins) {
    const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
    if (prev !== undefined) conf.prevResult = prev;
    const runtimeConfig: Record<string, unknown> = {};
    for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
      if (on && opts.capabilityArgs && cap in opts.capabilityArgs) runtimeConfig[cap] = opts.capabilityArgs[cap];
    }
    if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
    const r = await runPlugin(join(binDir, plugin.type), JSON.stringify(conf), env, opts.timeoutMs ?? 30_000);
    if (r.code !== 0) {
      let code: number | undefined;
      let msg = r.stderr.trim() || `exit ${r.code}`;
      let details: string | undefined;
      try {
        const e = JSON.parse(r.stdout) as { code?: number; msg?: string; details?: string };
        code = e.code;
        msg = e.msg ?? msg;
        details = e.details;
      } catch {
        /* not a CNI error object */
      }
      throw new CniPluginError(plugin.type, command, code, msg, details);
    }
    if (command === 'ADD') prev = JSON.parse(r.stdout);
  }
  return command === 'ADD' ? prev : undefined;
}

/** IPv4 addresses (without prefix) of an ADD result's `ips`. */
export function resultIPv4s(result: unknown): string[] {
  const ips = (result as { ips?: { address?: string; version?: string }[] } | undefined)?.ips ?? [];
  return ips.map((i) => i.address?.split('/')[0] ?? '').filter((a) => a.includes('.'));
}

/** The nat-table lines of `iptables-save` that mention CNI (what the portmap plugin adds). */
export function cniIptablesLines(): string[] {
  const out = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8', timeout: 10_000 });
  return out.split('\n').filter((l) => l.includes('CNI'));
}

/** What the portmap plugin can change: the CNI lines, and which iptables-nft nat tables exist. */
export interface IptablesSnapshot {
  cni: string[];
  /** `ip nat` / `ip6 nat` when present (iptables-nft creates them on first use, ip6 by portmap's IPv6 probe). */
  natTables: string[];
}

function natTables(): string[] {
  const out = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8', timeout: 10_000 });
  return out.split('\n').map((l) => l.replace(/^table /, '').trim()).filter((t) => t === 'ip nat' || t === 'ip6 nat');
}

export function snapshotIptables(): IptablesSnapshot {
  return { cni: cniIptablesLines(), natTables: natTables() };
}

/**
 * Removes what the portmap plugin left in the nat table for `networkName` (per-container DN chains
 * and their jumps, found by the plugin's `dnat name: "<net>"` comment); then, when they were absent
 * in `before` and nothing else uses them now, the shared top-level chains (CNI-HOSTPORT-*) with
 * their hooks and the nat tables iptables-nft created (only while they hold no rule at all).
 * Returns the CNI lines still differing from `before` (empty when restored).
 */
export function cleanupPortmapIptables(networkName: string, before: IptablesSnapshot): string[] {
  const restore = (lines: string[]) => {
    if (!lines.length) return;
    execFileSync('iptables-restore', ['--noflush'], { input: ['*nat', ...lines, 'COMMIT', ''].join('\n'), timeout: 10_000, stdio: ['pipe', 'ignore', 'pipe'] });
  };
  const marker = `dnat name: \\"${networkName}\\"`;
  let lines = cniIptablesLines();
  const ours = lines.filter((l) => l.startsWith('-A CNI-HOSTPORT-DNAT ') && l.includes(marker));
  const chains = ours.map((l) => /-j (CNI-DN-[0-9a-f]+)/.exec(l)?.[1]).filter((c): c is string => !!c);
  restore([...ours.map((l) => '-D' + l.slice(2)), ...chains.flatMap((c) => [`-F ${c}`, `-X ${c}`])]);
  lines = cniIptablesLines();
  const shared = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK'];
  const sharedWasThere = before.cni.some((l) => shared.some((c) => l.startsWith(`:${c} `)));
  const othersUse = lines.some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT ') || /^:CNI-DN-/.test(l));
  if (!sharedWasThere && !othersUse && lines.some((l) => shared.some((c) => l.startsWith(`:${c} `)))) {
    const hooks = lines.filter((l) => /^-A (PREROUTING|OUTPUT|POSTROUTING) /.test(l) && shared.some((c) => l.includes(`-j ${c}`)));
    const present = shared.filter((c) => lines.some((l) => l.startsWith(`:${c} `)));
    restore([...hooks.map((l) => '-D' + l.slice(2)), ...present.map((c) => `-F ${c}`), ...present.map((c) => `-X ${c}`)]);
  }
  for (const table of natTables()) {
    if (before.natTables.includes(table)) continue;
    const [family, name] = table.split(' ') as [string, string];
    const listing = execFileSync('nft', ['list', 'table', family, name], { encoding: 'utf8', timeout: 10_000 });
    // Only base chains with no rules: every non-empty line is a table/chain header, a policy, `}` or a comment.
    const empty = listing.split('\n').every((l) => !l.trim() || /^\s*(table |chain |type |}|#)/.test(l));
    if (empty) execFileSync('nft', ['delete', 'table', family, name], { timeout: 10_000 });
  }
  const now = cniIptablesLines().map(stripCounters);
  const was = before.cni.map(stripCounters);
  return [...now.filter((l) => !was.includes(l)), ...was.filter((l) => !now.includes(l)).map((l) => `missing: ${l}`)];
}

function stripCounters(l: string): string {
  return l.replace(/ \[\d+:\d+\]$/, '');
}
