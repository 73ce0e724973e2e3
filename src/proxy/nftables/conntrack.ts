/**
 * Stale UDP conntrack entries (pure): which `conntrack -D` filters a Service change calls for.
 *
 * A UDP "connection" lives in conntrack as long as packets keep coming (the NAT decision is made
 * once, at its first packet), so a client that keeps one 5-tuple would keep sending to an
 * endpoint that is gone, or past a ClusterIP that had no DNAT yet. kube-proxy deletes those
 * entries after each sync (kubernetes/kubernetes pkg/proxy/conntrack): entries to a Service
 * frontend whose reply source is not a serving endpoint. Without a netlink listing we compute the
 * same from the change itself (kube-proxy ≤ 1.30 did it this way, with the conntrack tool):
 *
 * - an endpoint IP that stopped serving a frontend (removed, not serving, or the frontend itself
 *   went away: Service deleted, ClusterIP/port/NodePort changed):
 *     `-p udp --orig-dst <frontend IP> --orig-port-dst <port> --reply-src <endpoint>`
 *     (NodePorts: `-p udp --orig-port-dst <nodePort> --reply-src <endpoint>`);
 * - a frontend IP that has serving endpoints now and had none (or was unknown, e.g. at start):
 *   the entries that were never DNAT'd (their reply comes from the frontend address itself):
 *     `-p udp --orig-dst <IP> --orig-port-dst <port> --reply-src <IP>`.
 *
 * Serving endpoints are all endpoints with `serving` (ready or terminating, any node or topology):
 * traffic policy and topology changes do not move existing flows, as upstream.
 *
 * At a full sync (start, hourly, after a failure) nothing is known of the past, so the proxy also
 * reconciles a listing of the UDP conntrack table as kube-proxy ≥ 1.31 does (staleFromListing):
 * that finds entries to endpoints which went away while the agent was down.
 */
import type { ServiceRules, UdpFrontend } from './model.js';

/** One `conntrack -D -p udp` filter. */
export interface ConntrackFilter {
  /** Original destination address (the frontend); absent for NodePorts. */
  origDst?: string;
  /** Original destination port (service port or NodePort). */
  origPortDst: number;
  /** Reply source (the endpoint the entry was DNAT'd to, or the frontend itself when it was not). */
  replySrc: string;
}

const frontendKey = (f: UdpFrontend) => `${f.ip ?? '*'}|${f.port}`;

/** The filters deleting the entries made stale by the given Service changes, deduplicated. */
export function staleConntrackFilters(changes: Iterable<{ old?: Pick<ServiceRules, 'udp'> | undefined; new?: Pick<ServiceRules, 'udp'> | undefined }>): ConntrackFilter[] {
  const out = new Map<string, ConntrackFilter>();
  const add = (f: ConntrackFilter) => out.set(`${f.origDst ?? '*'}|${f.origPortDst}|${f.replySrc}`, f);
  for (const c of changes) {
    const before = new Map((c.old?.udp ?? []).map((f) => [frontendKey(f), f]));
    const after = new Map((c.new?.udp ?? []).map((f) => [frontendKey(f), f]));
    for (const [k, f] of before) {
      const still = new Set(after.get(k)?.endpoints ?? []);
      for (const ep of f.endpoints) if (!still.has(ep)) add({ ...(f.ip ? { origDst: f.ip } : {}), origPortDst: f.port, replySrc: ep });
    }
    for (const [k, f] of after) {
      if (!f.ip || f.endpoints.length === 0) continue;
      if ((before.get(k)?.endpoints.length ?? 0) === 0) add({ origDst: f.ip, origPortDst: f.port, replySrc: f.ip });
    }
  }
  return [...out.values()];
}

/** The `conntrack` arguments for one filter. */
export function conntrackDeleteArgs(f: ConntrackFilter): string[] {
  const v6 = f.replySrc.includes(':');
  return ['-D', ...(v6 ? ['-f', 'ipv6'] : []), '-p', 'udp', ...(f.origDst ? ['--orig-dst', f.origDst] : []), '--orig-port-dst', String(f.origPortDst), '--reply-src', f.replySrc];
}

/** The number in conntrack's `N flow entries have been deleted.` line (0 when absent). */
export function deletedCount(output: string): number {
  const m = output.match(/(\d+) flow entries have been deleted/);
  return m ? Number(m[1]) : 0;
}

/** One UDP entry of a `conntrack -L` listing: where it was sent and who answers (after NAT). */
export interface ConntrackEntry {
  origDst: string;
  origPortDst: number;
  replySrc: string;
}

/**
 * Parses `conntrack -L -p udp` output (one entry per line: `udp 17 29 src=… dst=… sport=… dport=…
 * [UNREPLIED] src=… dst=… sport=… dport=… …`): the first dst/dport are the original direction's,
 * the second src the reply's. Lines of other protocols or of another shape are skipped.
 */
export function parseConntrackUdp(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'udp') continue;
    const seen: Record<string, string[]> = {};
    for (const w of words) {
      const i = w.indexOf('=');
      if (i <= 0) continue;
      (seen[w.slice(0, i)] ??= []).push(w.slice(i + 1));
    }
    const origDst = seen.dst?.[0];
    const port = Number(seen.dport?.[0]);
    const replySrc = seen.src?.[1];
    if (!origDst || !replySrc || !Number.isInteger(port)) continue;
    out.push({ origDst, origPortDst: port, replySrc });
  }
  return out;
}

/**
 * kube-proxy's reconciliation (pkg/proxy/conntrack CleanStaleEntries) over a listing: an entry to
 * a UDP frontend that has serving endpoints (IP and port; NodePorts by port alone) whose reply
 * does not come from one of them is stale. Frontends without serving endpoints are left alone.
 */
export function staleFromListing(entries: readonly ConntrackEntry[], frontends: Iterable<UdpFrontend>): ConntrackFilter[] {
  const byIP = new Map<string, Set<string>>();
  const byNodePort = new Map<number, Set<string>>();
  for (const f of frontends) {
    if (f.endpoints.length === 0) continue;
    if (f.ip) byIP.set(`${f.ip}|${f.port}`, new Set(f.endpoints));
    else byNodePort.set(f.port, new Set(f.endpoints));
  }
  const out = new Map<string, ConntrackFilter>();
  for (const e of entries) {
    const eps = byIP.get(`${e.origDst}|${e.origPortDst}`);
    if (eps && !eps.has(e.replySrc)) out.set(`${e.origDst}|${e.origPortDst}|${e.replySrc}`, { origDst: e.origDst, origPortDst: e.origPortDst, replySrc: e.replySrc });
    const np = byNodePort.get(e.origPortDst);
    if (np && !np.has(e.replySrc)) out.set(`*|${e.origPortDst}|${e.replySrc}`, { origPortDst: e.origPortDst, replySrc: e.replySrc });
  }
  return [...out.values()];
}
