/**
 * The egress guard: the nftables rules that keep pods on the node. Pure text generation (no I/O);
 * node-network.ts feeds the scripts to `nft -f -` (nftables 1.0.6 here; nothing newer is used: no
 * `destroy`, no set comments).
 *
 * One table per host, shared by every agent on it (`table inet flotilla` by default):
 *
 * ```
 * table inet flotilla {
 *   set bridges { type ifname; elements = { "flotilla0", "flotilla1" } }   ← every agent adds its bridge
 *   chain egress_<bridge> {            ← one per agent: hook forward
 *     iifname "<bridge>" oifname @bridges accept     pod → a pod on any agent's bridge
 *     iifname "<bridge>" ct direction reply accept    answers to connections made *to* the pod
 *     iifname "<bridge>" counter drop                 anything else a pod would send off the node
 *   }
 *   chain localnet_<bridge> {          ← one per agent: hook input (CVE-2020-8558, as kube-proxy)
 *     iifname "<bridge>" ip daddr 127.0.0.0/8 ct state established,related accept
 *     iifname "<bridge>" ip daddr 127.0.0.0/8 ct status dnat accept
 *     iifname "<bridge>" ip daddr 127.0.0.0/8 counter drop
 *   }
 * }
 * ```
 *
 * Why it is enough: a pod's packet to the node's own addresses (any interface, hostPort DNAT to the
 * node) is delivered locally (hook input), never forwarded; to another pod or to a service IP the
 * proxy DNATs to a pod it is forwarded out of a bridge in `@bridges`; an unassigned cluster or
 * service address is routed onto a bridge by the safety routes and dies there. Everything else —
 * the default route, the uplink, any other interface — is dropped and counted. Matching on the
 * input interface (not on the source address) also catches pods that spoof their source.
 *
 * Contracts:
 * - `egressGuardApplyScript` is one nft transaction that converges from any state: the table and
 *   set are added (no-op when present), this bridge's chains are deleted and created again, so
 *   leftovers of a crashed run (same or other priority, or a plain chain of the same name) are
 *   replaced, never duplicated. Other agents' chains and elements are untouched.
 * - `egressGuardRemoveScript` removes only this bridge's element and chains, and succeeds whether
 *   they exist or not (each is added before it is deleted, in the same transaction).
 * - `tableUnused` says when the shared table may go: no chain is left in it.
 */
import { validateInterfaceName } from './cni-config.js';

/** The default shared table (family inet). */
export const DEFAULT_NFT_TABLE = 'flotilla';
/** Name of the set of every agent's bridge in the shared table. */
export const BRIDGES_SET = 'bridges';

export interface EgressGuardSpec {
  /** nft table name (family inet), shared by the agents of one host. */
  table: string;
  /** This agent's bridge. */
  bridge: string;
}

/** nft identifiers: a letter first, then letters, digits, `_`, `-`, `.` (what the scanner accepts unquoted). */
export function validateNftTableName(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,62}$/.test(name)) return `nft table name ${JSON.stringify(name)} must start with a letter, then letters, digits, '_', '.', '-' (≤ 63 characters)`;
  return undefined;
}

/** The forward-hook chain of `bridge`. Bridge names are validated interface names, so this is a valid identifier. */
export function egressChainName(bridge: string): string {
  return `egress_${bridge}`;
}

/** The input-hook chain of `bridge` (127.0.0.0/8 from pods). */
export function localnetChainName(bridge: string): string {
  return `localnet_${bridge}`;
}

function check(spec: EgressGuardSpec): void {
  const problem = validateNftTableName(spec.table) ?? validateInterfaceName(spec.bridge);
  if (problem) throw new Error(problem);
}

/** Lines that delete `chain` whatever its state (added first when missing, flushed, deleted). */
function dropChain(t: string, chain: string): string[] {
  return [`add chain inet ${t} ${chain}`, `flush chain inet ${t} ${chain}`, `delete chain inet ${t} ${chain}`];
}

/**
 * The nft script (for `nft -f -`) that installs or repairs `spec.bridge`'s guard; see the module
 * comment. Throws on an invalid table or bridge name (callers validate first).
 */
export function egressGuardApplyScript(spec: EgressGuardSpec): string {
  check(spec);
  const t = spec.table;
  const br = JSON.stringify(spec.bridge);
  const eg = egressChainName(spec.bridge);
  const ln = localnetChainName(spec.bridge);
  return [
    `add table inet ${t}`,
    `add set inet ${t} ${BRIDGES_SET} { type ifname; }`,
    `add element inet ${t} ${BRIDGES_SET} { ${br} }`,
    ...dropChain(t, eg),
    `add chain inet ${t} ${eg} { type filter hook forward priority filter; policy accept; }`,
    `add rule inet ${t} ${eg} iifname ${br} oifname @${BRIDGES_SET} accept comment "pod to pod, also across agents"`,
    `add rule inet ${t} ${eg} iifname ${br} ct direction reply accept comment "replies to connections made to the pod"`,
    `add rule inet ${t} ${eg} iifname ${br} counter drop comment "pods never leave the node"`,
    ...dropChain(t, ln),
    `add chain inet ${t} ${ln} { type filter hook input priority filter; policy accept; }`,
    `add rule inet ${t} ${ln} iifname ${br} ip daddr 127.0.0.0/8 ct state established,related accept`,
    `add rule inet ${t} ${ln} iifname ${br} ip daddr 127.0.0.0/8 ct status dnat accept`,
    `add rule inet ${t} ${ln} iifname ${br} ip daddr 127.0.0.0/8 counter drop comment "host loopback is not for pods"`,
    '',
  ].join('\n');
}

/** The nft script that removes `spec.bridge`'s element and chains; succeeds when they are absent. */
export function egressGuardRemoveScript(spec: EgressGuardSpec): string {
  check(spec);
  const t = spec.table;
  const br = JSON.stringify(spec.bridge);
  return [
    `add table inet ${t}`,
    `add set inet ${t} ${BRIDGES_SET} { type ifname; }`,
    `add element inet ${t} ${BRIDGES_SET} { ${br} }`,
    `delete element inet ${t} ${BRIDGES_SET} { ${br} }`,
    ...dropChain(t, egressChainName(spec.bridge)),
    ...dropChain(t, localnetChainName(spec.bridge)),
    '',
  ].join('\n');
}

/** One object of `nft -j list ...` output (only what is read here). */
export interface NftJsonObject {
  table?: { family: string; name: string };
  chain?: { family: string; table: string; name: string; hook?: string };
  set?: { family: string; table: string; name: string; elem?: unknown[] };
  rule?: { family: string; table: string; chain: string; expr?: unknown[]; comment?: string };
  [k: string]: unknown;
}

/** Parses `nft -j list ...` output into its objects (metainfo dropped). */
export function parseNftJson(text: string): NftJsonObject[] {
  if (!text.trim()) return [];
  const doc = JSON.parse(text) as { nftables?: NftJsonObject[] };
  return (doc.nftables ?? []).filter((o) => !('metainfo' in o));
}

/** Whether the listed table holds no chain any more (only the set, possibly empty): it may be deleted. */
export function tableUnused(objects: NftJsonObject[]): boolean {
  return !objects.some((o) => o.chain || o.rule || o.flowtable || o.map || o.ct_helper || o.counter || o.quota || o.limit);
}

/**
 * The packet count of the guard's drop rule in a listed chain (the rule with a `counter`
 * expression whose verdict is `drop`); undefined when the chain has none.
 */
export function dropCounter(objects: NftJsonObject[], chain: string): number | undefined {
  for (const o of objects) {
    if (o.rule?.chain !== chain) continue;
    const exprs = (o.rule.expr ?? []) as Record<string, unknown>[];
    const counter = exprs.find((e) => 'counter' in e)?.counter as { packets?: number } | undefined;
    if (counter && exprs.some((e) => 'drop' in e)) return counter.packets ?? 0;
  }
  return undefined;
}
