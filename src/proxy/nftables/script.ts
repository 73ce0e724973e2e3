/**
 * `nft -f -` scripts for the service proxy's table (pure: text in, text out).
 *
 * - fullSyncScript: replaces our table in one transaction (`add table` + `delete table` + the whole
 *   content), so a leftover of any shape is gone and nothing else is touched.
 * - diffScript: the delta between the old and new ServiceRules of the changed Services only, in an
 *   order the kernel accepts inside one transaction (references are dropped before what they
 *   point at is deleted, and created before they are used).
 * - deleteTableScript: removes our table from any state (add, then delete).
 */
import type { Element, ProxyConfig, ServiceRules } from './model.js';
import { familyOps, type Family } from './family.js';

const mapTypes = (addr: string): Record<Element['map'], string> => ({
  'cluster-ips': `set cluster-ips { type ${addr}; comment "ClusterIPs of active services"; }`,
  'service-ips': `map service-ips { type ${addr} . inet_proto . inet_service : verdict; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"; }`,
  'service-nodeports': 'map service-nodeports { type inet_proto . inet_service : verdict; comment "NodePort traffic"; }',
  'no-endpoint-services': `map no-endpoint-services { type ${addr} . inet_proto . inet_service : verdict; comment "services without usable endpoints"; }`,
  'no-endpoint-nodeports': 'map no-endpoint-nodeports { type inet_proto . inet_service : verdict; comment "NodePorts without usable endpoints"; }',
  'firewall-ips': `map firewall-ips { type ${addr} . inet_proto . inet_service : verdict; comment "LoadBalancer IPs with loadBalancerSourceRanges"; }`,
});

/** `ip <table>` or `ip6 <table>`: how the scripts name our table. */
const tableRef = (cfg: ProxyConfig) => `${familyOps(cfg.family).nf} ${cfg.table}`;

const hex = (n: number) => `0x${n.toString(16)}`;

/** The static part of the table: hooks, maps and the shared helper chains. */
export function baseStatements(cfg: ProxyConfig): string[] {
  const F = familyOps(cfg.family);
  const n = F.nf;
  const t = tableRef(cfg);
  const notLoopback = cfg.localhostNodePorts && n === 'ip' ? '' : `${n} daddr != ${F.loopback} `;
  const out: string[] = [];
  for (const def of Object.values(mapTypes(F.addrType))) out.push(`add ${def.replace(/^(set|map) (\S+)/, `$1 ${t} $2`)}`);
  const chain = (name: string, hook: string | undefined, rules: string[]) => {
    out.push(`add chain ${t} ${name}${hook ? ` { ${hook}; policy accept; }` : ''}`);
    for (const r of rules) out.push(`add rule ${t} ${name} ${r}`);
  };
  const bit = hex(cfg.masqueradeBit);
  chain('mark-for-masquerade', undefined, [`meta mark set meta mark | ${bit}`]);
  chain('masquerading', undefined, [`meta mark & ${bit} == 0 return`, `meta mark set meta mark ^ ${bit}`, 'masquerade fully-random']);
  chain('reject-chain', undefined, ['meta l4proto tcp reject with tcp reset', 'reject']);
  chain('service-endpoints-check', undefined, [`${n} daddr . meta l4proto . th dport vmap @no-endpoint-services`]);
  chain('nodeport-endpoints-check', undefined, [`fib daddr type local ${notLoopback}meta l4proto . th dport vmap @no-endpoint-nodeports`]);
  const ipCheck = [`${n} daddr @cluster-ips reject comment "no such port on this ClusterIP"`];
  if (cfg.serviceCIDRs.length > 0) ipCheck.push(`${n} daddr { ${cfg.serviceCIDRs.join(', ')} } drop comment "unallocated ClusterIP"`);
  chain('cluster-ips-check', undefined, ipCheck);
  chain('firewall-check', undefined, [`${n} daddr . meta l4proto . th dport vmap @firewall-ips`]);
  chain('services', undefined, [
    `${n} daddr . meta l4proto . th dport vmap @service-ips`,
    `fib daddr type local ${notLoopback}meta l4proto . th dport vmap @service-nodeports`,
  ]);
  chain('filter-prerouting', 'type filter hook prerouting priority -110', ['ct state new jump firewall-check']);
  chain('filter-input', 'type filter hook input priority -110', ['ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check']);
  chain('filter-forward', 'type filter hook forward priority -110', ['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check']);
  chain('filter-output', 'type filter hook output priority -110', ['ct state new jump service-endpoints-check', 'ct state new jump firewall-check']);
  chain('filter-output-post-dnat', 'type filter hook output priority -90', ['ct state new jump cluster-ips-check']);
  chain('nat-prerouting', 'type nat hook prerouting priority dstnat', ['jump services']);
  chain('nat-output', 'type nat hook output priority -100', ['jump services']);
  chain('nat-postrouting', 'type nat hook postrouting priority srcnat', ['jump masquerading']);
  return out;
}

const elemText = (e: Element) => (e.value ? `${e.key} : ${e.value}` : e.key);
const elemId = (e: Element) => `${e.map}|${e.key}`;

function pushElements(out: string[], t: string, verb: 'add' | 'delete', els: readonly Element[], chunk = 500): void {
  const byMap = new Map<string, Element[]>();
  for (const e of els) {
    const l = byMap.get(e.map);
    if (l) l.push(e);
    else byMap.set(e.map, [e]);
  }
  for (const [map, list] of byMap) {
    for (let i = 0; i < list.length; i += chunk) {
      const part = list.slice(i, i + chunk).map((e) => (verb === 'add' ? elemText(e) : e.key));
      out.push(`${verb} element ${t} ${map} { ${part.join(', ')} }`);
    }
  }
}

/** One transaction that replaces our table with the base plus every Service's rules. */
export function fullSyncScript(cfg: ProxyConfig, services: Iterable<ServiceRules>): string {
  const t = tableRef(cfg);
  const out = [`add table ${t}`, `delete table ${t}`, `add table ${t} { comment "flotilla service proxy"; }`, ...baseStatements(cfg)];
  const elements: Element[] = [];
  for (const s of services) {
    for (const [name, def] of s.sets) out.push(`add set ${t} ${name} { ${def} }`);
    for (const name of s.chains.keys()) out.push(`add chain ${t} ${name}`);
    for (const [name, rules] of s.chains) for (const r of rules) out.push(`add rule ${t} ${name} ${r}`);
    elements.push(...s.elements);
  }
  pushElements(out, t, 'add', elements);
  return out.join('\n') + '\n';
}

/** A change of one Service: its rules before and after (undefined = none). */
export interface ServiceChange {
  old?: ServiceRules | undefined;
  new?: ServiceRules | undefined;
}

const sameRules = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((r, i) => r === b[i]);

/**
 * The delta for the given changes, as one transaction; '' when nothing differs. Order:
 * flush changed and stale chains → delete stale elements → delete stale chains → delete stale or
 * changed sets → add sets → add chains → add rules → add elements. Unchanged chains, sets and
 * elements are not mentioned (affinity entries and counters survive).
 */
export function diffScript(cfg: ProxyConfig, changes: Iterable<ServiceChange>): string {
  const t = tableRef(cfg);
  const flush: string[] = [];
  const delEls: Element[] = [];
  const delChains: string[] = [];
  const delSets: string[] = [];
  const addSets: string[] = [];
  const addChains: string[] = [];
  const addRules: string[] = [];
  const addEls: Element[] = [];
  for (const { old, new: neu } of changes) {
    const oc = old?.chains ?? new Map<string, string[]>();
    const nc = neu?.chains ?? new Map<string, string[]>();
    const os = old?.sets ?? new Map<string, string>();
    const nsets = neu?.sets ?? new Map<string, string>();
    const replacedSets = new Set<string>();
    for (const [name, def] of os) {
      if (nsets.get(name) !== def) {
        delSets.push(name);
        if (nsets.has(name)) replacedSets.add(name);
      }
    }
    for (const [name, def] of nsets) if (os.get(name) !== def) addSets.push(`add set ${t} ${name} { ${def} }`);
    for (const [name, rules] of oc) {
      const next = nc.get(name);
      if (!next) {
        flush.push(name);
        delChains.push(name);
      } else if (!sameRules(rules, next) || rules.some((r) => refersToAny(r, replacedSets))) {
        flush.push(name);
        for (const r of next) addRules.push(`add rule ${t} ${name} ${r}`);
      }
    }
    for (const [name, rules] of nc) {
      if (oc.has(name)) continue;
      addChains.push(name);
      for (const r of rules) addRules.push(`add rule ${t} ${name} ${r}`);
    }
    const oe = new Map((old?.elements ?? []).map((e) => [elemId(e), e]));
    const ne = new Map((neu?.elements ?? []).map((e) => [elemId(e), e]));
    for (const [id, e] of oe) {
      const n = ne.get(id);
      if (!n || n.value !== e.value) delEls.push(e);
    }
    for (const [id, e] of ne) {
      const o = oe.get(id);
      if (!o || o.value !== e.value) addEls.push(e);
    }
  }
  const out: string[] = [];
  for (const c of flush) out.push(`flush chain ${t} ${c}`);
  pushElements(out, t, 'delete', delEls);
  for (const c of delChains) out.push(`delete chain ${t} ${c}`);
  for (const s of delSets) out.push(`delete set ${t} ${s}`);
  out.push(...addSets);
  for (const c of addChains) out.push(`add chain ${t} ${c}`);
  out.push(...addRules);
  pushElements(out, t, 'add', addEls);
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

function refersToAny(rule: string, sets: ReadonlySet<string>): boolean {
  for (const s of sets) if (rule.includes(`@${s} `)) return true;
  return false;
}

/** Removes our table (of `family`, default ip) whatever its state (absent is fine). */
export function deleteTableScript(table: string, family: Family = 'ip'): string {
  return `add table ${family} ${table}\ndelete table ${family} ${table}\n`;
}
