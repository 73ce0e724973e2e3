/**
 * The node's service proxy: Services and EndpointSlices from informers become nftables rules in
 * our own `ip` table (see nftables/model.ts for the shape, README.md for the flow).
 *
 * Sync contract (kube-proxy's BoundedFrequencyRunner, burst 2): a change is applied at once while
 * the bucket has a token (two to start with, one more per `minSyncPeriodMs`), otherwise when the
 * next token is due; events of one tick share a sync; syncs never overlap.
 * The first sync replaces the whole table in one transaction; later ones carry only the delta of
 * the Services that changed. A failed delta (someone edited our table) makes the next sync a full
 * one. Every `syncPeriodMs` the table's presence is checked (`nft list tables ip`, cheap: it is
 * rebuilt when gone); every `fullSyncPeriodMs` it is replaced anyway. The informers are the
 * source of truth, so no periodic recomputation of every Service is needed.
 * After a sync is applied, the conntrack entries of UDP Services it made stale are deleted
 * (nftables/conntrack.ts), as kube-proxy does; the Node's zone label (topology hints) is watched
 * and a change of it recomputes every Service.
 */
import { writeFile } from 'node:fs/promises';
import type { KubeObject } from '../api/types.js';
import { createInformer } from '../client/informer.js';
import type { Informer } from '../client/informer-types.js';
import { R, type Client } from '../client/types.js';
import type { Logger } from '../lib/log.js';
import { buildServiceRules, SERVICE_NAME_LABEL, type EndpointSliceLike, type ProxyConfig, type ServiceLike, type ServiceRules } from './nftables/model.js';
import { deleteTableScript, diffScript, fullSyncScript, type ServiceChange } from './nftables/script.js';
import { conntrackDeleteArgs, parseConntrackUdp, staleConntrackFilters, staleFromListing } from './nftables/conntrack.js';
import { CONNTRACK_MISSING, conntrackAvailable, conntrackDeleter, conntrackLister, nftApplier, nftListTables, type ConntrackDelete, type ConntrackList, type NftApply } from './nft.js';
import { familyOps, normaliseCIDR, type Family } from './nftables/family.js';

/** The Node label naming its zone (topology hints). */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export const DEFAULT_PROXY_TABLE = 'flotilla-proxy';
/**
 * The table an agent's proxy should use: `flotilla-proxy` for the default bridge `flotilla0`,
 * `flotilla-proxy-<bridge>` for any other (tests and extra agents on one host, each with its own
 * service CIDR), so killall and tests can tell whose table is whose.
 */
export function proxyTableName(bridge: string): string {
  return bridge === 'flotilla0' ? DEFAULT_PROXY_TABLE : `${DEFAULT_PROXY_TABLE}-${bridge}`;
}

/** Syncs allowed back to back before minSyncPeriod applies (kube-proxy's burstSyncs). */
const BURST_SYNCS = 2;

export interface ServiceProxyOptions {
  /** The API (the node's identity may list and watch Services and EndpointSlices). */
  client: Client;
  nodeName: string;
  /**
   * The node's addresses: a loadBalancerSourceRanges entry covering one admits the LB IPs as
   * sources (kube-proxy's rule). NodePorts answer on every local address anyway (`fib daddr type local`).
   */
  nodeIPs?: string[];
  /** Pod network CIDRs (each family's go to its table); traffic to a ClusterIP from outside them is masqueraded. */
  clusterCIDRs: string[];
  /**
   * Service CIDRs; traffic to an unallocated ClusterIP is dropped. An IPv6 one here adds the
   * `table ip6` of the same name (dual-stack); IPv4 single-stack has only `table ip`.
   */
  serviceCIDRs: string[];
  logger: Logger;
  /**
   * Informers to share (e.g. with cluster DNS); otherwise the proxy creates and stops its own.
   * `nodes` (this node's Node, for its zone label) is optional when sharing: without it zone
   * hints are not used (node hints still are).
   */
  informers?: { services: Informer<KubeObject>; endpointSlices: Informer<KubeObject>; nodes?: Informer<KubeObject> };
  /** Our table (default `flotilla-proxy`). Several agents on one host: give each its own. */
  table?: string;
  /**
   * KubeProxyConfiguration `mode`. Only nftables exists here: '', 'nftables' are taken as is,
   * 'ipvs' and 'iptables' fall back to nftables with one log line.
   */
  mode?: string;
  /**
   * Interfaces (the pod bridge) on which `route_localnet=1` is set so NodePorts answer on
   * 127.0.0.1 from the node (the DNAT'd packet keeps a loopback source until masqueraded). Without
   * any, NodePorts are not offered on 127.0.0.0/8 (as kube-proxy's nftables mode).
   */
  localnetInterfaces?: string[];
  /** Packet-mark bit for masquerade (default 0x4000, as kube-proxy). */
  masqueradeBit?: number;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  fullSyncPeriodMs?: number;
  /** How scripts reach the kernel (default `nft -f -`); tests may record instead. */
  nft?: NftApply;
  /** Whether our table(s) still exist (default: `nft list tables ip` / `ip6`); undefined = unknown. */
  tableExists?: (table: string) => Promise<boolean | undefined>;
  /**
   * How stale UDP conntrack entries are deleted (default: the `conntrack` tool; its absence is
   * logged as an error at start). `false`: never (tests without root).
   */
  conntrack?: ConntrackDelete | false;
  /**
   * How a full sync lists UDP conntrack entries to reconcile (default: `conntrack -L` when
   * `conntrack` is the default too; otherwise none unless given).
   */
  conntrackList?: ConntrackList | false;
}

export interface ServiceProxyStats {
  services: number;
  syncs: number;
  fullSyncs: number;
  failures: number;
  /** Duration of the last nft transaction (ms) and of the whole last sync. */
  lastApplyMs: number;
  lastSyncMs: number;
  lastScriptBytes: number;
  /** Stale UDP conntrack entries deleted, and deletions that failed. */
  conntrackDeleted: number;
  conntrackFailures: number;
  /** The node zone used for topology hints ('' = none). */
  zone: string;
}

export interface RunningServiceProxy {
  /** Applies what is pending now (waits for a running sync first); resolves when applied. */
  syncNow(): Promise<void>;
  stats(): ServiceProxyStats;
  /** Stops informers it created and timers; leaves the table in place (see removeServiceProxyTable). */
  stop(): Promise<void>;
}

/** Interprets KubeProxyConfiguration.mode; returns the log line for a fallback, if any. */
export function proxyModeNotice(mode: string | undefined): string | undefined {
  const m = (mode ?? '').trim().toLowerCase();
  if (m === '' || m === 'nftables') return undefined;
  if (m === 'ipvs') return 'proxy mode "ipvs" requested, but IPVS is not available on this node (no ip_vs kernel support): using nftables';
  if (m === 'iptables') return 'proxy mode "iptables" requested: this proxy implements nftables only, using nftables';
  return `unknown proxy mode ${JSON.stringify(mode)}: using nftables`;
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;

/**
 * Starts the proxy: resolves after the informers synced and the first (full) sync was applied,
 * rejects (with informers stopped) when that first sync fails (no nft, not root).
 */
export async function startServiceProxy(opts: ServiceProxyOptions): Promise<RunningServiceProxy> {
  const log = opts.logger;
  const notice = proxyModeNotice(opts.mode);
  if (notice) log.warn(notice);
  const table = opts.table ?? DEFAULT_PROXY_TABLE;
  const localnet = opts.localnetInterfaces ?? [];
  const cfgFor = (family: Family): ProxyConfig => {
    const cidrs = (xs: readonly string[]) => xs.map((c) => normaliseCIDR(c, familyOps(family))).filter((c): c is string => !!c);
    return {
      table,
      family,
      nodeName: opts.nodeName,
      clusterCIDRs: cidrs(opts.clusterCIDRs),
      serviceCIDRs: cidrs(opts.serviceCIDRs),
      localhostNodePorts: family === 'ip' && localnet.length > 0,
      masqueradeBit: opts.masqueradeBit ?? 0x4000,
      nodeIPs: opts.nodeIPs ?? [],
    };
  };
  // One table per family in use: `ip` always; `ip6` when an IPv6 service CIDR is configured
  // (dual-stack or IPv6 clusters). Both are written in one transaction.
  const fams: { cfg: ProxyConfig; applied: Map<string, ServiceRules> }[] = [{ cfg: cfgFor('ip'), applied: new Map() }];
  const v6 = cfgFor('ip6');
  if (v6.serviceCIDRs.length > 0) fams.push({ cfg: v6, applied: new Map() });
  const cfg = fams[0]!.cfg;
  const conntrack = opts.conntrack === false ? undefined : (opts.conntrack ?? conntrackDeleter());
  const listConntrack = opts.conntrack === false || opts.conntrackList === false ? undefined : (opts.conntrackList ?? (opts.conntrack === undefined ? conntrackLister() : undefined));
  if (opts.conntrack === undefined && !(await conntrackAvailable())) log.error(CONNTRACK_MISSING);
  let conntrackMissingLogged = false;
  const nft = opts.nft ?? nftApplier();
  const tableExists =
    opts.tableExists ??
    (async (t: string) => {
      for (const f of fams) {
        const names = await nftListTables(f.cfg.family ?? 'ip');
        if (names === undefined) return undefined;
        if (!names.includes(t)) return false;
      }
      return true;
    });
  const minSync = opts.minSyncPeriodMs ?? 1000;
  const syncPeriod = opts.syncPeriodMs ?? 30_000;
  const fullSyncPeriod = opts.fullSyncPeriodMs ?? 3_600_000;

  for (const dev of localnet) {
    await writeFile(`/proc/sys/net/ipv4/conf/${dev}/route_localnet`, '1').catch((e: unknown) =>
      log.warn('cannot set route_localnet: NodePorts on 127.0.0.1 will not answer', { interface: dev, error: String(e) }),
    );
  }

  const own = !opts.informers;
  const services = opts.informers?.services ?? createInformer<KubeObject>(opts.client, R.services, { logger: log });
  const slices = opts.informers?.endpointSlices ?? createInformer<KubeObject>(opts.client, R.endpointslices, { logger: log });
  const nodes = opts.informers ? opts.informers.nodes : createInformer<KubeObject>(opts.client, R.nodes, { fieldSelector: `metadata.name=${opts.nodeName}`, logger: log });

  // Slices by Service key, kept from events (a slice whose label changes moves between keys).
  const sliceIndex = new Map<string, Map<string, EndpointSliceLike>>();
  const sliceOwner = new Map<string, string>();
  const dirty = new Set<string>();
  let needFull = true;
  let lastFull = 0;

  const setSlice = (o: KubeObject) => {
    const s = o as unknown as EndpointSliceLike;
    const sk = keyOf(s);
    const label = s.metadata.labels?.[SERVICE_NAME_LABEL];
    const owner = label ? `${s.metadata.namespace ?? 'default'}/${label}` : undefined;
    const prev = sliceOwner.get(sk);
    if (prev && prev !== owner) {
      sliceIndex.get(prev)?.delete(sk);
      dirty.add(prev);
    }
    if (owner) {
      let m = sliceIndex.get(owner);
      if (!m) sliceIndex.set(owner, (m = new Map()));
      m.set(sk, s);
      sliceOwner.set(sk, owner);
      dirty.add(owner);
    } else sliceOwner.delete(sk);
  };
  const deleteSlice = (o: KubeObject) => {
    const sk = keyOf(o);
    const owner = sliceOwner.get(sk);
    if (!owner) return;
    sliceOwner.delete(sk);
    const m = sliceIndex.get(owner);
    m?.delete(sk);
    if (m && m.size === 0) sliceIndex.delete(owner);
    dirty.add(owner);
  };

  const rulesFor = (key: string, c: ProxyConfig): ServiceRules | undefined => {
    const i = key.indexOf('/');
    const svc = services.get(key.slice(0, i), key.slice(i + 1)) as unknown as ServiceLike | undefined;
    if (!svc) return undefined;
    return buildServiceRules(svc, [...(sliceIndex.get(key)?.values() ?? [])], c);
  };
  const serviceCount = () => new Set(fams.flatMap((f) => [...f.applied.keys()])).size;

  const st: ServiceProxyStats = { services: 0, syncs: 0, fullSyncs: 0, failures: 0, lastApplyMs: 0, lastSyncMs: 0, lastScriptBytes: 0, conntrackDeleted: 0, conntrackFailures: 0, zone: '' };

  // After the rules are in place (new packets get the new DNAT), entries they made stale go.
  // A full sync also reconciles a listing of the table (what went stale while we were not looking).
  /** One nft transaction, timed into the stats; a failure makes the next sync a full one. */
  const applyScript = async (script: string) => {
    const a0 = performance.now();
    const res = await nft(script);
    st.lastApplyMs = performance.now() - a0;
    st.lastScriptBytes = script.length;
    if (!res.ok) {
      st.failures++;
      needFull = true;
    }
    return res;
  };
  const flushConntrack = async (changes: ServiceChange[], reconcile = false) => {
    if (!conntrack) return;
    const filters = staleConntrackFilters(changes);
    if (reconcile && listConntrack) {
      for (const f of fams) {
        const frontends = [...f.applied.values()].flatMap((r) => r.udp);
        if (frontends.length === 0) continue;
        const l = await listConntrack(f.cfg.family === 'ip6' ? 'ipv6' : 'ipv4');
        if (!l.ok) {
          if (!l.missing) log.warn('listing UDP conntrack entries failed', { error: l.error });
          continue;
        }
        const seen = new Set(filters.map((x) => conntrackDeleteArgs(x).join(' ')));
        for (const x of staleFromListing(parseConntrackUdp(l.text), frontends)) if (!seen.has(conntrackDeleteArgs(x).join(' '))) filters.push(x);
      }
    }
    if (filters.length === 0) return;
    const r = await conntrack(filters);
    st.conntrackDeleted += r.deleted;
    if (r.ok) {
      if (r.deleted > 0) log.v(2).info('stale UDP conntrack entries deleted', { entries: r.deleted, filters: filters.length });
      return;
    }
    st.conntrackFailures++;
    if (r.missing) {
      if (!conntrackMissingLogged) log.error(r.error);
      conntrackMissingLogged = true;
    } else log.warn('deleting stale UDP conntrack entries failed', { error: r.error });
  };
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const syncOnce = async (): Promise<void> => {
    const t0 = performance.now();
    if (needFull || Date.now() - lastFull >= fullSyncPeriod) {
      dirty.clear();
      const nexts = fams.map((f) => {
        const next = new Map<string, ServiceRules>();
        for (const o of services.list()) {
          const k = keyOf(o);
          const r = rulesFor(k, f.cfg);
          if (r) next.set(k, r);
        }
        return next;
      });
      const script = fams.map((f, i) => fullSyncScript(f.cfg, nexts[i]!.values())).join('');
      const res = await applyScript(script);
      if (!res.ok) {
        throw new Error(`nftables full sync of table ${fams.map((f) => `${f.cfg.family} ${table}`).join(' and ')} failed: ${res.error}`);
      }
      const changes: ServiceChange[] = [];
      fams.forEach((f, i) => {
        const next = nexts[i]!;
        for (const k of new Set([...f.applied.keys(), ...next.keys()])) changes.push({ old: f.applied.get(k), new: next.get(k) });
        f.applied = next;
      });
      needFull = false;
      lastFull = Date.now();
      st.fullSyncs++;
      log.v(2).info('service rules fully synced', { services: serviceCount(), bytes: script.length, ms: Math.round(st.lastApplyMs) });
      await flushConntrack(changes, true);
    } else {
      if (dirty.size === 0) return;
      const keys = [...dirty];
      dirty.clear();
      const changes: ServiceChange[] = [];
      const nexts = fams.map((f) => {
        const next = new Map<string, ServiceRules | undefined>();
        for (const k of keys) next.set(k, rulesFor(k, f.cfg));
        return next;
      });
      const script = fams
        .map((f, i) => {
          const ch = keys.map((k) => ({ old: f.applied.get(k), new: nexts[i]!.get(k) }));
          changes.push(...ch);
          return diffScript(f.cfg, ch);
        })
        .join('');
      if (script) {
        const res = await applyScript(script);
        if (!res.ok) {
          log.warn('nftables delta failed, replacing the table at the next sync', { error: res.error });
          schedule();
          return;
        }
        log.v(4).info('service rules updated', { services: keys.length, bytes: script.length, ms: Math.round(st.lastApplyMs) });
      }
      fams.forEach((f, i) => {
        for (const [k, r] of nexts[i]!) {
          if (r) f.applied.set(k, r);
          else f.applied.delete(k);
        }
      });
      await flushConntrack(changes);
    }
    st.services = serviceCount();
    st.syncs++;
    st.lastSyncMs = performance.now() - t0;
  };

  const runSync = (): Promise<void> => {
    if (running) return running.then(() => runSync());
    running = syncOnce()
      .catch((e: unknown) => {
        log.error('service proxy sync failed', { error: String(e) });
        schedule();
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  // Token bucket (kube-proxy's BoundedFrequencyRunner with burstSyncs 2): up to two syncs back to
  // back, then one per minSyncPeriod. Events of one tick always share a sync.
  let tokens = BURST_SYNCS;
  let lastRefill = performance.now();
  const refill = () => {
    const now = performance.now();
    tokens = minSync <= 0 ? BURST_SYNCS : Math.min(BURST_SYNCS, tokens + (now - lastRefill) / minSync);
    lastRefill = now;
  };
  function schedule(): void {
    if (stopped || timer) return;
    refill();
    const wait = tokens >= 1 ? 0 : Math.ceil((1 - tokens) * minSync);
    timer = setTimeout(() => {
      timer = undefined;
      refill();
      tokens = Math.max(0, tokens - 1);
      void runSync();
    }, wait);
  }

  let synced = false;
  const onChange = () => {
    if (synced) schedule();
  };
  services.addHandlers({
    add: (o) => (dirty.add(keyOf(o)), onChange()),
    update: (a, b) => {
      if (a.metadata.resourceVersion === b.metadata.resourceVersion) return;
      dirty.add(keyOf(b));
      onChange();
    },
    delete: (o) => (dirty.add(keyOf(o)), onChange()),
  });
  slices.addHandlers({
    add: (o) => (setSlice(o), onChange()),
    update: (a, b) => {
      if (a.metadata.resourceVersion === b.metadata.resourceVersion) return;
      setSlice(b);
      onChange();
    },
    delete: (o) => (deleteSlice(o), onChange()),
  });
  // The node's zone (topology hints): a change recomputes every Service.
  const setZone = (o: KubeObject) => {
    if (o.metadata.name !== opts.nodeName) return;
    const zone = o.metadata.labels?.[ZONE_LABEL] ?? '';
    if (zone === (cfg.nodeZone ?? '')) return;
    for (const f of fams) f.cfg.nodeZone = zone;
    st.zone = zone;
    for (const svc of services.list()) dirty.add(keyOf(svc));
    onChange();
  };
  nodes?.addHandlers({ add: setZone, update: (_a, b) => setZone(b) });
  const stopInformers = () => {
    if (!own) return;
    services.stop();
    slices.stop();
    nodes?.stop();
  };

  try {
    if (own) await Promise.all([services.start(), slices.start(), nodes?.start()]);
    await syncOnce();
  } catch (e) {
    stopInformers();
    throw e;
  }
  synced = true;
  if (dirty.size > 0) schedule();
  log.info('service proxy started', { table: fams.map((f) => `${f.cfg.family} ${table}`).join(', '), services: serviceCount(), nodeIPs: opts.nodeIPs ?? [], localhostNodePorts: cfg.localhostNodePorts });

  const periodic = setInterval(() => {
    void (async () => {
      if (stopped) return;
      const exists = await tableExists(table);
      if (exists === false) {
        log.warn('our nftables table is gone: rebuilding it', { table: `ip ${table}` });
        needFull = true;
        schedule();
      } else if (Date.now() - lastFull >= fullSyncPeriod) schedule();
    })();
  }, syncPeriod);
  periodic.unref?.();

  return {
    syncNow: async () => {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await runSync();
    },
    stats: () => ({ ...st }),
    stop: async () => {
      stopped = true;
      clearInterval(periodic);
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
      stopInformers();
    },
  };
}

/**
 * Removes the proxy's tables (killall / node removal): `ip` and `ip6` tables of that name only,
 * from any state, in one transaction. Resolves with the outcome; never throws.
 */
export async function removeServiceProxyTable(opts: { table?: string; nft?: NftApply } = {}): Promise<{ ok: true } | { ok: false; error: string }> {
  const t = opts.table ?? DEFAULT_PROXY_TABLE;
  return (opts.nft ?? nftApplier())(deleteTableScript(t, 'ip') + deleteTableScript(t, 'ip6'));
}
