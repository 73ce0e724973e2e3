/**
 * Cluster DNS for one node: Service and EndpointSlice informers feed a ClusterIndex, the resolver
 * answers the cluster zone from it, and the DNS server listens (UDP + TCP) on the given addresses,
 * forwarding everything else to the upstream resolvers (default: the host's /etc/resolv.conf
 * nameservers). See README.md for where it runs and how pods reach it.
 */
import { readFile } from 'node:fs/promises';
import type { KubeObject } from '../../api/types.js';
import { createInformer } from '../../client/informer.js';
import { R, type Client } from '../../client/types.js';
import type { Informer } from '../../client/informer-types.js';
import type { Logger } from '../../lib/log.js';
import { ClusterIndex } from './cluster-index.js';
import { startDnsServer, type DnsServerStats, type HostPort } from './dns-server.js';
import { normalizeName, resolveQuestion, type ZoneConfig } from './resolver.js';

export interface ClusterDnsOptions {
  /** The API (the node's identity may list and watch Services and EndpointSlices). */
  client: Client;
  /** Where to serve, e.g. [{ address: <bridge gateway>, port: 53 }]; port 0 picks a free one. */
  listen: HostPort[];
  /** Cluster domain (default cluster.local). */
  zone?: string;
  /**
   * Resolvers for names outside the zone. Default: the nameservers of `resolvConf` (port 53),
   * minus any that is one of our own listen addresses (a forwarding loop). Tests always pass a
   * fake upstream on 127.0.0.1 here.
   */
  upstreams?: HostPort[];
  /** Read for default upstreams (default /etc/resolv.conf). */
  resolvConf?: string;
  /** TTL of cluster records (default 5, CoreDNS' kubernetes plugin default). */
  ttl?: number;
  /** Forwarded-answer cache: entries (default 10,000) and max TTL (default 30 s, `cache 30`). */
  cacheSize?: number;
  cacheMaxTtl?: number;
  upstreamTimeoutMs?: number;
  pods?: ZoneConfig['pods'];
  /**
   * Informers to use instead of creating our own (shared with the service proxy): started here if
   * needed (start() is idempotent), never stopped here.
   */
  informers?: { services: Informer<KubeObject>; endpointSlices: Informer<KubeObject> };
  logger: Logger;
}

export interface RunningClusterDns {
  /** The bound addresses (port 0 resolved), in the order of `listen`. */
  readonly addresses: HostPort[];
  readonly upstreams: HostPort[];
  stats(): DnsServerStats & { services: number };
  stop(): Promise<void>;
}

/** Nameserver lines of a resolv.conf text, as upstreams on port 53. */
export function upstreamsFromResolvConf(text: string): HostPort[] {
  const out: HostPort[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) out.push({ address: f[1].replace(/%.*$/, ''), port: 53 });
  }
  return out;
}

/**
 * Starts the node's cluster DNS: resolves once both caches have synced and the listeners are
 * bound. stop() closes the listeners and stops informers it created (not ones passed in).
 */
export async function startClusterDns(opts: ClusterDnsOptions): Promise<RunningClusterDns> {
  const log = opts.logger;
  const zone = normalizeName(opts.zone ?? 'cluster.local');
  const cfg: ZoneConfig = { zone, ttl: opts.ttl ?? 5, pods: opts.pods ?? 'insecure' };
  let upstreams = opts.upstreams;
  if (!upstreams) {
    const path = opts.resolvConf ?? '/etc/resolv.conf';
    const text = await readFile(path, 'utf8').catch(() => '');
    upstreams = upstreamsFromResolvConf(text).filter((u) => !opts.listen.some((l) => l.address === u.address && l.port === u.port));
    if (upstreams.length === 0) log.warn('no upstream resolvers: names outside the cluster zone get SERVFAIL', { resolvConf: path });
  }

  const index = new ClusterIndex();
  const own = !opts.informers;
  const services = opts.informers?.services ?? createInformer<KubeObject>(opts.client, R.services, { logger: log });
  const slices = opts.informers?.endpointSlices ?? createInformer<KubeObject>(opts.client, R.endpointslices, { logger: log });
  services.addHandlers({
    add: (o) => index.setService(o),
    update: (_o, n) => index.setService(n),
    delete: (o) => index.deleteService(o.metadata.namespace ?? '', o.metadata.name ?? ''),
  });
  slices.addHandlers({
    add: (o) => index.setSlice(o),
    update: (_o, n) => index.setSlice(n),
    delete: (o) => index.deleteSlice(o.metadata.namespace ?? '', o.metadata.name ?? ''),
  });
  const stopInformers = () => {
    if (!own) return;
    services.stop();
    slices.stop();
  };
  try {
    // start() is idempotent: shared informers are started here if their owner has not yet, and
    // either way the server opens only once both caches hold the cluster.
    await Promise.all([services.start(), slices.start()]);
    const server = await startDnsServer({
      listen: opts.listen,
      resolve: (q) => resolveQuestion(q, index, cfg, index.revision),
      generation: () => index.revision,
      upstreams,
      ...(opts.upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs: opts.upstreamTimeoutMs } : {}),
      ...(opts.cacheSize !== undefined ? { cacheSize: opts.cacheSize } : {}),
      ...(opts.cacheMaxTtl !== undefined ? { cacheMaxTtl: opts.cacheMaxTtl } : {}),
      logger: log,
    });
    return {
      addresses: server.addresses,
      upstreams,
      stats: () => ({ ...server.stats(), services: index.size() }),
      stop: async () => {
        await server.stop();
        stopInformers();
      },
    };
  } catch (e) {
    stopInformers();
    throw e;
  }
}
