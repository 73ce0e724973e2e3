/**
 * What the portmap CNI plugin leaves in the `nat` table, and the `iptables-restore --noflush` lines
 * that remove it. Pure text processing over `iptables-save -t nat` / `ip6tables-save -t nat` output
 * (no I/O); node-network.ts runs the commands at teardown.
 *
 * What portmap (plugins 1.1.1, iptables-nft) writes, per family:
 *
 * ```
 * :CNI-HOSTPORT-DNAT / :CNI-HOSTPORT-SETMARK / :CNI-HOSTPORT-MASQ        shared by every network
 * -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT        hooks, never removed by it
 * -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
 * -A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
 * :CNI-DN-<hash>                                                         one per sandbox, removed on DEL
 * -A CNI-DN-<hash> ... -j DNAT --to-destination <pod IP>:<port>
 * -A CNI-HOSTPORT-DNAT ... --comment "dnat name: \"<network>\" id: \"<container>\"" ... -j CNI-DN-<hash>
 * ```
 *
 * Contracts of `planPortmapCleanup`:
 * - A sandbox chain is ours when every DNAT target in it lies in one of our podCIDRs and every jump
 *   to it names our network (several agents on a host share the network name `flotilla`; their
 *   podCIDRs differ). Ours are unhooked, flushed and deleted (pods whose DEL never ran).
 * - The shared CNI-HOSTPORT-* chains and their hooks in the built-in chains go only when, after
 *   that, no sandbox chain of anyone is left and nothing but those hooks and the shared chains
 *   themselves refers to them; the plugin creates them again on its next ADD.
 * - Nothing else is ever touched. An empty plan means there is nothing of ours.
 */
import { type Cidr, cidrContains, parseCidr, parseIp } from '../../lib/net.js';
import type { NftJsonObject } from './egress-guard.js';

export const PORTMAP_SHARED_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'] as const;
const BUILTIN_NAT_CHAINS = ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'];

export interface PortmapCleanupPlan {
  /**
   * Lines for `iptables-restore --noflush` between `*nat` and `COMMIT`: the rule deletions and
   * flushes (`-D`, `-F`); empty: nothing to do.
   */
  lines: string[];
  /**
   * The chain deletions (`-X`), each for its own restore after `lines`: iptables-nft 1.8.9 refuses
   * to delete a chain whose last jump is deleted in the same restore (EBUSY), and one that is in
   * use again by then must not take the others with it.
   */
  deletions: string[];
  /** The sandbox chains removed as ours. */
  removedChains: string[];
  /** Whether the shared CNI-HOSTPORT-* chains (and their hooks) are removed. */
  removedShared: boolean;
}

interface SavedRule {
  chain: string;
  /** The whole `-A ...` line. */
  line: string;
}

function parseSave(text: string): { chains: string[]; rules: SavedRule[] } {
  const chains: string[] = [];
  const rules: SavedRule[] = [];
  let inNat = false;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (l.startsWith('*')) inNat = l === '*nat';
    if (!inNat) continue;
    if (l.startsWith(':')) chains.push(l.slice(1).split(/\s+/)[0]!);
    else if (l.startsWith('-A ')) rules.push({ chain: l.split(/\s+/)[1]!, line: l });
  }
  return { chains, rules };
}

function jumpTarget(line: string): string | undefined {
  return /\s-j\s+(\S+)/.exec(line)?.[1];
}

/** `--to-destination 10.1.2.3:80`, `[fd00::5]:80`, `10.1.2.3`, ranges `a-b:p`: the first address. */
function dnatTargets(line: string): string[] {
  const m = /--to-destination\s+(\S+)/.exec(line);
  if (!m) return [];
  let t = m[1]!;
  if (t.startsWith('[')) t = t.slice(1, t.indexOf(']'));
  else if (t.split(':').length === 2) t = t.split(':')[0]!;
  return [t.split('-')[0]!];
}

function inOurRanges(addr: string, podCIDRs: readonly Cidr[]): boolean {
  const ip = parseIp(addr);
  return !!ip && podCIDRs.some((c) => c.family === ip.family && cidrContains(c, ip));
}

/**
 * The cleanup of one family's nat table; see the module comment. `podCIDRs` are canonical CIDR
 * texts (unparsable ones are ignored: nothing of theirs is removed).
 */
export function planPortmapCleanup(saveText: string, opts: { networkName: string; podCIDRs: readonly string[] }): PortmapCleanupPlan {
  const { chains, rules } = parseSave(saveText);
  const ranges = opts.podCIDRs.map((t) => parseCidr(t)).filter((c): c is Cidr => !!c);
  const marker = `dnat name: \\"${opts.networkName}\\"`;
  const lines: string[] = [];
  const deletions: string[] = [];
  const removed = new Set<string>();
  for (const chain of chains.filter((c) => c.startsWith('CNI-DN-'))) {
    const targets = rules.filter((r) => r.chain === chain).flatMap((r) => dnatTargets(r.line));
    if (targets.length === 0 || !targets.every((t) => inOurRanges(t, ranges))) continue;
    const jumps = rules.filter((r) => r.chain !== chain && jumpTarget(r.line) === chain);
    if (!jumps.every((j) => j.chain === 'CNI-HOSTPORT-DNAT' && j.line.includes(marker))) continue;
    for (const j of jumps) lines.push('-D' + j.line.slice(2));
    lines.push(`-F ${chain}`);
    deletions.push(`-X ${chain}`);
    removed.add(chain);
  }

  const shared: readonly string[] = PORTMAP_SHARED_CHAINS;
  const sharedPresent = shared.filter((c) => chains.includes(c));
  let removedShared = false;
  if (sharedPresent.length) {
    // The table as it will be once our sandbox chains are gone.
    const left = rules.filter((r) => !removed.has(r.chain) && !removed.has(jumpTarget(r.line) ?? ''));
    const dnLeft = chains.some((c) => c.startsWith('CNI-DN-') && !removed.has(c));
    const dnatJumpsLeft = left.some((r) => r.chain === 'CNI-HOSTPORT-DNAT');
    const refs = left.filter((r) => shared.includes(jumpTarget(r.line) ?? ''));
    const hooks = refs.filter((r) => BUILTIN_NAT_CHAINS.includes(r.chain));
    const foreign = refs.filter((r) => !BUILTIN_NAT_CHAINS.includes(r.chain) && !shared.includes(r.chain));
    if (!dnLeft && !dnatJumpsLeft && foreign.length === 0) {
      // Rule by rule, not `-F`: a jump another agent's ADD adds meanwhile must survive (the
      // chain's deletion then fails instead, and the caller leaves it).
      for (const h of hooks) lines.push('-D' + h.line.slice(2));
      for (const r of left.filter((x) => shared.includes(x.chain))) lines.push('-D' + r.line.slice(2));
      for (const c of sharedPresent) deletions.push(`-X ${c}`);
      removedShared = true;
    }
  }
  return { lines, deletions, removedChains: [...removed], removedShared };
}

/** The `iptables-restore --noflush` input for a plan's lines. */
export function restoreInput(lines: readonly string[]): string {
  return ['*nat', ...lines, 'COMMIT', ''].join('\n');
}

/**
 * Whether a listed `nat` table (`nft -j list table ip nat`) holds nothing but iptables' empty
 * built-in chains, so deleting it loses nobody anything (iptables-nft recreates it on first use).
 */
export function natTableEmpty(objects: NftJsonObject[]): boolean {
  return objects.every((o) => {
    if (o.table) return true;
    if (o.chain) return BUILTIN_NAT_CHAINS.includes(o.chain.name) && !!o.chain.hook;
    return false;
  });
}
