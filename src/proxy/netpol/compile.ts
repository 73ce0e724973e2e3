/**
 * The NetworkPolicy compiler: policies + pods + namespaces → the nftables objects of one node
 * (sets, chains, verdict maps keyed by pod IP), as data. Pure (no I/O); nft-script.ts turns two
 * successive results into the incremental `nft -f -` transaction between them.
 *
 * Semantics (upstream networking.k8s.io/v1):
 * - A pod is isolated for a direction when any policy of its namespace selects it
 *   (spec.podSelector) and lists that direction in policyTypes; it then accepts (sends) only what
 *   at least one rule of one of those policies allows — the union, order never matters.
 * - A rule's peers: none listed → every address; podSelector → pods of the policy's namespace;
 *   namespaceSelector → every pod of the matching namespaces; both in one peer → pods matching
 *   podSelector in the matching namespaces; ipBlock → cidr minus except. Ports: none listed →
 *   every port; `port` (number, or a name resolved against the *destination* pod's container
 *   ports: the selected pod for ingress, the peer for egress; a pod without that name contributes
 *   nothing), `endPort` (range), `protocol` (TCP default, UDP, SCTP).
 * - Replies (ct established/related) always pass; a pod always reaches itself.
 * - Only pods of this node (spec.nodeName) are enforced here; pods of every node are peers.
 *   hostNetwork pods are neither (their address is the node's); pods without an IPv4 address or
 *   in a terminal phase are skipped.
 *
 * Node traffic (kubelet probes, hostPort from the node, a node-local DNS listener) never reaches
 * these chains: the node's own packets take the output hook, and a pod's packets to the node the
 * input hook; only the forward hook is filtered — "traffic to and from the node where a pod runs
 * is always allowed", as upstream documents.
 *
 * Object names carry the agent's `tag` (its bridge name) so several agents share the table:
 * `<tag>-ingress` / `<tag>-egress` base chains, `<tag>-inpods` / `<tag>-egpods` maps and the
 * `<tag>-self` set, per combination of selecting policies `<tag>-gi-<hash>` / `<tag>-ge-<hash>`
 * (pods selected by the same policies share it), per policy `<tag>-p<hash>-in|eg` and its rule
 * sets `<tag>-p<hash>-<i|e><n>-peers|ports|named`.
 */
import type { KubeObject } from '../../api/types.js';
import { matches, selectorFromLabelSelector, type LabelSelector, type Selector } from '../../lib/labels/index.js';
import { formatIpv4Range, formatPortRange, ipBlockRanges, ipv4ToInt, mergeRanges, type Range } from './ranges.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** What the compiler reads of a pod. */
export interface NetpolPod {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  /** IPv4 address, when assigned. */
  ip?: string;
  nodeName?: string;
  hostNetwork: boolean;
  /** Succeeded or Failed: its address may already belong to another pod. */
  terminal: boolean;
  /** Named container ports (unnamed ones are never looked up). */
  namedPorts: readonly { name: string; protocol: Protocol; port: number }[];
}

export interface NetpolNamespace {
  name: string;
  labels: Readonly<Record<string, string>>;
}

interface PeerSpec {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PortSpec {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface RuleSpec {
  ports?: PortSpec[];
  from?: PeerSpec[];
  to?: PeerSpec[];
}
/** What the compiler reads of a NetworkPolicy (the API object fits). */
export interface NetpolPolicy {
  metadata: { namespace?: string; name?: string };
  spec?: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: RuleSpec[];
    egress?: RuleSpec[];
  };
}

export interface CompileInput {
  policies: readonly NetpolPolicy[];
  pods: readonly NetpolPod[];
  namespaces: readonly NetpolNamespace[];
  nodeName: string;
  /** Prefix of every object name (the agent's bridge name). */
  tag: string;
}

/** A named set; `elements` sorted, so equal content compares equal. */
export interface NftSet {
  name: string;
  /** `ipv4_addr`, `inet_proto . inet_service`, `ipv4_addr . inet_proto . inet_service`. */
  type: string;
  interval: boolean;
  elements: string[];
}

export interface NftChain {
  name: string;
  /** Base chain header (`type filter hook forward priority 10; policy accept;`), or none. */
  hook?: string;
  rules: string[];
}

/** A verdict map keyed by IPv4 address: key → verdict text (`jump <chain>`). */
export interface NftVmap {
  name: string;
  elements: Map<string, string>;
}

export interface Ruleset {
  sets: Map<string, NftSet>;
  chains: Map<string, NftChain>;
  maps: Map<string, NftVmap>;
}

/** The priority of both base chains (after the egress guard's `filter`, 0). */
export const NETPOL_PRIORITY = 10;

export const baseNames = (tag: string) => ({
  ingress: `${tag}-ingress`,
  egress: `${tag}-egress`,
  inPods: `${tag}-inpods`,
  egPods: `${tag}-egpods`,
  /** `ip . ip` of every isolated pod: a pod always reaches itself (hairpin through a Service). */
  self: `${tag}-self`,
});

/** Pod view of an API Pod (IPv4 address from status.podIPs / podIP). */
export function netpolPod(obj: KubeObject): NetpolPod {
  const spec = (obj.spec ?? {}) as {
    nodeName?: string;
    hostNetwork?: boolean;
    containers?: { ports?: { name?: string; protocol?: string; containerPort?: number }[] }[];
  };
  const status = (obj.status ?? {}) as { podIP?: string; podIPs?: { ip?: string }[]; phase?: string };
  const ips = [...(status.podIPs ?? []).map((p) => p.ip ?? ''), status.podIP ?? ''];
  const ip = ips.find((a) => ipv4ToInt(a) !== undefined);
  const namedPorts: NetpolPod['namedPorts'][number][] = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.name || typeof p.containerPort !== 'number') continue;
      const protocol = (p.protocol ?? 'TCP') as Protocol;
      namedPorts.push({ name: p.name, protocol, port: p.containerPort });
    }
  }
  return {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    labels: (obj.metadata.labels ?? {}) as Record<string, string>,
    ...(ip ? { ip } : {}),
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    hostNetwork: spec.hostNetwork === true,
    terminal: status.phase === 'Succeeded' || status.phase === 'Failed',
    namedPorts,
  };
}

/** Whether any of `policies` isolates `pod` for ingress / egress (selects it in its namespace). Pure. */
export function isolationOf(policies: readonly NetpolPolicy[], pod: NetpolPod): { ingress: boolean; egress: boolean } {
  const out = { ingress: false, egress: false };
  for (const p of policies) {
    if ((p.metadata.namespace ?? '') !== pod.namespace || !matches(safeSelector(p.spec?.podSelector), pod.labels)) continue;
    const t = policyTypesOf(p);
    out.ingress ||= t.ingress;
    out.egress ||= t.egress;
  }
  return out;
}

/** A pod announced by the kubelet before its containers start (RunningNetworkPolicy.podStarting). */
export interface StartingPod {
  uid: string;
  /** Its view with the address the runtime assigned (status not yet written). */
  pod: NetpolPod;
}

/**
 * The pods to compile: the informer's (`listed`, with their uids), where a pod the kubelet announced
 * stands in with its address while the listed copy has none yet (labels stay the listed copy's, the
 * newer); announced pods not listed yet are added. Also returns the announced uids that are settled
 * (listed with an address, or listed as terminal): the caller forgets them. Pure.
 */
export function withStartingPods(
  listed: readonly { uid: string; pod: NetpolPod }[],
  starting: readonly StartingPod[],
): { pods: NetpolPod[]; settled: string[] } {
  const byUid = new Map(starting.map((s) => [s.uid, s.pod]));
  const seen = new Set<string>();
  const settled: string[] = [];
  const pods: NetpolPod[] = [];
  for (const { uid, pod } of listed) {
    const s = byUid.get(uid);
    if (!s) {
      pods.push(pod);
      continue;
    }
    seen.add(uid);
    if (pod.ip || pod.terminal) {
      settled.push(uid);
      pods.push(pod);
    } else pods.push(s.ip ? { ...pod, ip: s.ip } : pod);
  }
  for (const s of starting) if (!seen.has(s.uid)) pods.push(s.pod);
  return { pods, settled };
}

/** Namespace view; `kubernetes.io/metadata.name` is implied as the apiserver sets it. */
export function netpolNamespace(obj: KubeObject): NetpolNamespace {
  const name = obj.metadata.name ?? '';
  return { name, labels: { 'kubernetes.io/metadata.name': name, ...((obj.metadata.labels ?? {}) as Record<string, string>) } };
}

/** FNV-1a 64-bit of the UTF-8 text, 12 hex digits: short stable policy ids for object names. */
export function shortHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0').slice(0, 12);
}

/** The chain name of a policy's direction (ns/name hashed). */
export function policyChainName(tag: string, namespace: string, name: string, dir: 'in' | 'eg'): string {
  return `${tag}-p${shortHash(`${namespace}/${name}`)}-${dir}`;
}

/** The chain shared by the pods that exactly these policy chains select (one direction). */
export function groupChainName(tag: string, policyChains: readonly string[], dir: 'in' | 'eg'): string {
  return `${tag}-g${dir === 'in' ? 'i' : 'e'}-${shortHash(policyChains.join(' '))}`;
}

function safeSelector(ls: LabelSelector | undefined): Selector {
  try {
    return selectorFromLabelSelector(ls ?? {});
  } catch {
    // Validation refuses such selectors; one slipping through selects nothing rather than everything.
    return selectorFromLabelSelector(null);
  }
}

/** Upstream's defaulting of policyTypes, for objects that never went through it. */
export function policyTypesOf(p: NetpolPolicy): { ingress: boolean; egress: boolean } {
  const types = p.spec?.policyTypes;
  if (types && types.length > 0) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  return { ingress: true, egress: (p.spec?.egress?.length ?? 0) > 0 };
}

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const nftProto = (p: Protocol) => p.toLowerCase();

function protocolOf(p: PortSpec): Protocol | undefined {
  const proto = (p.protocol ?? 'TCP') as Protocol;
  return PROTOCOLS.includes(proto) ? proto : undefined;
}

/** Numeric port ranges by protocol; named ports by protocol. Undefined: every port. */
function splitPorts(ports: readonly PortSpec[] | undefined): { numeric: Map<Protocol, Range[]>; named: { name: string; protocol: Protocol }[] } | undefined {
  if (!ports || ports.length === 0) return undefined;
  const numeric = new Map<Protocol, Range[]>();
  const named: { name: string; protocol: Protocol }[] = [];
  for (const p of ports) {
    const proto = protocolOf(p);
    if (!proto) continue;
    if (typeof p.port === 'string') {
      if (/^\d+$/.test(p.port)) numeric.set(proto, [...(numeric.get(proto) ?? []), { lo: Number(p.port), hi: Number(p.port) }]);
      else named.push({ name: p.port, protocol: proto });
      continue;
    }
    const lo = typeof p.port === 'number' ? p.port : 0;
    const hi = typeof p.port === 'number' ? (typeof p.endPort === 'number' && p.endPort >= p.port ? p.endPort : p.port) : 65535;
    numeric.set(proto, [...(numeric.get(proto) ?? []), { lo, hi }]);
  }
  return { numeric, named };
}

interface Index {
  podsByNs: Map<string, NetpolPod[]>;
  nsByName: Map<string, NetpolNamespace>;
  allPeers: NetpolPod[];
  /** Pods of one peer entry, by `<policy ns>\0<peer JSON>`: policies often repeat a peer. */
  peerMemo: Map<string, NetpolPod[]>;
}

function buildIndex(input: CompileInput): Index {
  const podsByNs = new Map<string, NetpolPod[]>();
  const allPeers: NetpolPod[] = [];
  for (const p of input.pods) {
    if (!p.ip || p.hostNetwork || p.terminal) continue;
    allPeers.push(p);
    const l = podsByNs.get(p.namespace);
    if (l) l.push(p);
    else podsByNs.set(p.namespace, [p]);
  }
  return { podsByNs, nsByName: new Map(input.namespaces.map((n) => [n.name, n])), allPeers, peerMemo: new Map() };
}

/** Pods a peer list designates (ipBlocks excluded); undefined when the list is empty (everything). */
function peerPods(peers: readonly PeerSpec[] | undefined, policyNs: string, idx: Index): NetpolPod[] | undefined {
  if (!peers || peers.length === 0) return undefined;
  const out = new Set<NetpolPod>();
  for (const peer of peers) {
    if (peer.ipBlock) continue;
    const key = `${peer.namespaceSelector ? '' : policyNs}\0${JSON.stringify(peer)}`;
    const memo = idx.peerMemo.get(key);
    if (memo) {
      for (const p of memo) out.add(p);
      continue;
    }
    const found: NetpolPod[] = [];
    idx.peerMemo.set(key, found);
    const podSel = peer.podSelector ? safeSelector(peer.podSelector) : undefined;
    if (peer.namespaceSelector) {
      const nsSel = safeSelector(peer.namespaceSelector);
      for (const [ns, pods] of idx.podsByNs) {
        const n = idx.nsByName.get(ns);
        if (!n || !matches(nsSel, n.labels)) continue;
        for (const p of pods) if (!podSel || matches(podSel, p.labels)) found.push(p);
      }
    } else if (podSel) {
      for (const p of idx.podsByNs.get(policyNs) ?? []) if (matches(podSel, p.labels)) found.push(p);
    }
    for (const p of found) out.add(p);
  }
  return [...out];
}

function peerRanges(peers: readonly PeerSpec[], pods: readonly NetpolPod[]): Range[] {
  const ranges: Range[] = [];
  for (const peer of peers) if (peer.ipBlock) ranges.push(...ipBlockRanges(peer.ipBlock.cidr, peer.ipBlock.except ?? []));
  for (const p of pods) {
    const n = ipv4ToInt(p.ip ?? '');
    if (n !== undefined) ranges.push({ lo: n, hi: n });
  }
  return mergeRanges(ranges);
}

function namedElements(pods: readonly NetpolPod[], named: readonly { name: string; protocol: Protocol }[]): string[] {
  const out = new Set<string>();
  for (const pod of pods) {
    for (const want of named) {
      for (const np of pod.namedPorts) if (np.name === want.name && np.protocol === want.protocol) out.add(`${pod.ip} . ${nftProto(np.protocol)} . ${np.port}`);
    }
  }
  return [...out].sort();
}

/** Compiles one node's ruleset (see the module comment). Deterministic: same input, same output. */
export function compileNetpol(input: CompileInput): Ruleset {
  const tag = input.tag;
  const names = baseNames(tag);
  const idx = buildIndex(input);
  const sets = new Map<string, NftSet>();
  const chains = new Map<string, NftChain>();
  const inPods = new Map<string, string[]>();
  const egPods = new Map<string, string[]>();
  const local = idx.allPeers.filter((p) => p.nodeName === input.nodeName);
  const localByNs = new Map<string, NetpolPod[]>();
  for (const p of local) localByNs.set(p.namespace, [...(localByNs.get(p.namespace) ?? []), p]);

  const policies = [...input.policies].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
  );
  for (const pol of policies) {
    const ns = pol.metadata.namespace ?? '';
    const pname = pol.metadata.name ?? '';
    const types = policyTypesOf(pol);
    const sel = safeSelector(pol.spec?.podSelector);
    const selected = (localByNs.get(ns) ?? []).filter((p) => matches(sel, p.labels));
    const base = `${tag}-p${shortHash(`${ns}/${pname}`)}`;
    for (const dir of ['in', 'eg'] as const) {
      if (dir === 'in' ? !types.ingress : !types.egress) continue;
      // Policy chains exist only while they select a local pod: nothing else jumps to them.
      if (selected.length === 0) continue;
      const chain = `${base}-${dir}`;
      const rules: string[] = [];
      const specRules = (dir === 'in' ? pol.spec?.ingress : pol.spec?.egress) ?? [];
      specRules.forEach((rule, i) => {
        const peers = dir === 'in' ? rule.from : rule.to;
        const ports = splitPorts(rule.ports);
        const pods = peerPods(peers, ns, idx);
        const prefix = `${base}-${dir === 'in' ? 'i' : 'e'}${i}`;
        const addrField = dir === 'in' ? 'saddr' : 'daddr';
        let peerMatch = '';
        if (peers && peers.length > 0) {
          const set: NftSet = { name: `${prefix}-peers`, type: 'ipv4_addr', interval: true, elements: peerRanges(peers, pods ?? []).map(formatIpv4Range) };
          sets.set(set.name, set);
          peerMatch = `ip ${addrField} @${set.name} `;
        }
        if (!ports) {
          rules.push(`${peerMatch}accept`);
          return;
        }
        if (ports.numeric.size > 0) {
          const elements: string[] = [];
          for (const proto of PROTOCOLS) for (const r of mergeRanges(ports.numeric.get(proto) ?? [])) elements.push(`${nftProto(proto)} . ${formatPortRange(r)}`);
          const set: NftSet = { name: `${prefix}-ports`, type: 'inet_proto . inet_service', interval: true, elements };
          sets.set(set.name, set);
          rules.push(`${peerMatch}meta l4proto . th dport @${set.name} accept`);
        }
        if (ports.named.length > 0) {
          // Ingress: the selected (destination) pods' ports; egress: the peers' (all pods when no `to`).
          const owners = dir === 'in' ? selected : (pods ?? idx.allPeers);
          const set: NftSet = { name: `${prefix}-named`, type: 'ipv4_addr . inet_proto . inet_service', interval: false, elements: namedElements(owners, ports.named) };
          sets.set(set.name, set);
          rules.push(`${peerMatch}ip daddr . meta l4proto . th dport @${set.name} accept`);
        }
      });
      chains.set(chain, { name: chain, rules });
      for (const p of selected) {
        const m = dir === 'in' ? inPods : egPods;
        m.set(p.ip!, [...(m.get(p.ip!) ?? []), chain]);
      }
    }
  }

  // Pods selected by the same policies share one group chain: the chain count (and nft's cost of
  // loading its cache on every transaction) grows with distinct policy combinations, not pods.
  const maps = new Map<string, NftVmap>();
  const self = new Set<string>();
  for (const [dir, pods, mapName] of [['in', inPods, names.inPods], ['eg', egPods, names.egPods]] as const) {
    const elements = new Map<string, string>();
    for (const [ip, policyChains] of [...pods].sort(([a], [b]) => (ipv4ToInt(a) ?? 0) - (ipv4ToInt(b) ?? 0))) {
      const chain = groupChainName(tag, policyChains, dir);
      if (!chains.has(chain)) chains.set(chain, { name: chain, rules: [...policyChains.map((c) => `jump ${c}`), 'counter drop'] });
      elements.set(ip, `jump ${chain}`);
      self.add(ip);
    }
    maps.set(mapName, { name: mapName, elements });
  }
  const selfSet: NftSet = {
    name: names.self,
    type: 'ipv4_addr . ipv4_addr',
    interval: false,
    elements: [...self].sort((a, b) => (ipv4ToInt(a) ?? 0) - (ipv4ToInt(b) ?? 0)).map((ip) => `${ip} . ${ip}`),
  };
  sets.set(selfSet.name, selfSet);
  const hook = `type filter hook forward priority ${NETPOL_PRIORITY}; policy accept;`;
  const head = ['ct state established,related accept', `ip saddr . ip daddr @${names.self} accept`];
  chains.set(names.egress, { name: names.egress, hook, rules: [...head, `ip saddr vmap @${names.egPods}`] });
  chains.set(names.ingress, { name: names.ingress, hook, rules: [...head, `ip daddr vmap @${names.inPods}`] });
  return { sets, chains, maps };
}
