/**
 * The node agent's cluster DNS: the server on the bridge gateway (port 53) plus the nftables
 * redirect of the kube-dns ClusterIP to it (dns-redirect.ts). The agent calls startNodeDns once
 * its pod network has a gateway; stop() removes this bridge's redirect chains and closes the
 * server. ensure() re-applies the redirect (idempotent; call it with the network's periodic check).
 */
import { runCommand, type RunCommand } from '../../agent/network/index.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../lib/log.js';
import { startClusterDns, type ClusterDnsOptions, type RunningClusterDns } from './cluster-dns.js';
import { DNS_NFT_TABLE, dnsRedirectApplyScript, dnsRedirectRemoveScript, type DnsRedirectSpec } from './dns-redirect.js';
import type { HostPort } from './dns-server.js';

export interface NodeDnsOptions {
  client: Client;
  /** The node's bridge and its gateway address (NodeNetwork.bridge / .gateway). */
  bridge: string;
  gateway: string;
  /** The cluster DNS Service addresses pods are told to use (kubelet --cluster-dns: 10.96.0.10). */
  clusterDNS: string[];
  /** Port on the gateway (default 53, or a free port when 53 is taken there). */
  port?: number;
  /** Cluster domain (default cluster.local). */
  zone?: string;
  /** Default: the host's /etc/resolv.conf nameservers. */
  upstreams?: HostPort[];
  /** Redirect the node's own queries to the cluster DNS addresses too (default true). */
  fromHost?: boolean;
  /** nftables table (family ip); default flotilla-dns. */
  nftTable?: string;
  nftPath?: string;
  run?: RunCommand;
  /** Passed through to startClusterDns (ttl, cache, timeouts, shared informers). */
  dns?: Partial<Pick<ClusterDnsOptions, 'ttl' | 'cacheSize' | 'cacheMaxTtl' | 'upstreamTimeoutMs' | 'resolvConf' | 'informers' | 'pods'>>;
  logger: Logger;
}

export interface RunningNodeDns {
  readonly dns: RunningClusterDns;
  /** The address pods' queries are DNATed to. */
  readonly target: HostPort;
  ensure(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNodeDns(opts: NodeDnsOptions): Promise<RunningNodeDns> {
  const run = opts.run ?? runCommand;
  const nft = opts.nftPath ?? 'nft';
  const log = opts.logger;
  const start = (port: number) =>
    startClusterDns({
      client: opts.client,
      listen: [{ address: opts.gateway, port }],
      ...(opts.zone !== undefined ? { zone: opts.zone } : {}),
      ...(opts.upstreams !== undefined ? { upstreams: opts.upstreams } : {}),
      ...opts.dns,
      logger: log,
    });
  let dns: RunningClusterDns;
  try {
    dns = await start(opts.port ?? 53);
  } catch (e) {
    // Port 53 taken on the gateway (a host DNS server on the wildcard address): pods never ask
    // the gateway directly, only through the DNAT, so any free port serves as well.
    if (opts.port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    log.warn('port 53 on the gateway is taken; cluster DNS listens on a free port behind the redirect', { gateway: opts.gateway });
    dns = await start(0);
  }
  const target = dns.addresses[0]!;
  const spec: DnsRedirectSpec = {
    ...(opts.nftTable !== undefined ? { table: opts.nftTable } : {}),
    bridge: opts.bridge,
    clusterDNS: opts.clusterDNS,
    target,
    ...(opts.fromHost !== undefined ? { fromHost: opts.fromHost } : {}),
  };
  const apply = async (script: string) => {
    const r = await run(nft, ['-f', '-'], { input: script, timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`nft -f - failed (exit ${r.code}): ${r.stderr.trim()}`);
  };
  try {
    await apply(dnsRedirectApplyScript(spec));
  } catch (e) {
    await dns.stop();
    throw e;
  }
  log.info('cluster DNS ready', { listen: `${target.address}:${target.port}`, clusterDNS: opts.clusterDNS.join(','), bridge: opts.bridge });
  return {
    dns,
    target,
    ensure: () => apply(dnsRedirectApplyScript(spec)),
    stop: async () => {
      await apply(dnsRedirectRemoveScript(spec)).catch((e: unknown) => log.warn('removing the DNS redirect failed', { err: e instanceof Error ? e.message : String(e) }));
      await dns.stop();
    },
  };
}

/**
 * Removes `bridge`'s redirect chains from the DNS table (for killall and crash recovery, when no
 * RunningNodeDns is at hand). Succeeds when they or the table are absent; the table goes too once
 * no agent of the host has chains left in it.
 */
export async function removeNodeDnsRedirect(opts: { bridge: string; nftTable?: string; nftPath?: string; run?: RunCommand }): Promise<void> {
  const run = opts.run ?? runCommand;
  const r = await run(opts.nftPath ?? 'nft', ['-f', '-'], { input: dnsRedirectRemoveScript({ bridge: opts.bridge, ...(opts.nftTable !== undefined ? { table: opts.nftTable } : {}) }), timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`nft -f - failed (exit ${r.code}): ${r.stderr.trim()}`);
  // The shared table goes with the last agent's chains.
  const table = opts.nftTable ?? DNS_NFT_TABLE;
  const listed = await run(opts.nftPath ?? 'nft', ['list', 'table', 'ip', table], { timeoutMs: 10_000 });
  if (listed.code === 0 && !/\bchain\b/.test(listed.stdout)) await run(opts.nftPath ?? 'nft', ['delete', 'table', 'ip', table], { timeoutMs: 10_000 });
}
