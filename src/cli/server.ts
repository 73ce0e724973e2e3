/**
 * `flotilla server`: the control plane as a process. Startup, in order: data dir → cluster PKI →
 * datastore → apiserver bootstrap → join token and endpoints (apiserver/node-join) → HTTPS
 * listener → admin kubeconfig → auto-compaction → ready.
 * Any failure before ready undoes what was started and exits 1 with one `Error:` line.
 *
 * One server per data dir (`<data-dir>/server.pid`, see pid-lock.ts).
 *
 * Shutdown (SIGINT/SIGTERM, or `stop()`): stop accepting connections, close the apiserver (ends
 * watches), give in-flight requests up to a second, close remaining connections, stop compaction,
 * close the datastore. State stays on disk; the next start on the same data dir reuses the PKI and
 * the data. A second signal during shutdown exits at once with code 1.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiRegistry } from '../api/registry.js';
import type { ResourceDef } from '../api/types.js';
import type { ApiServer, ApiServerOptions } from '../apiserver/index.js';
import type { AuditEvent, AuditLogOptions, AuditSink } from '../apiserver/audit.js';
import { createServiceAccountTokenAuthenticator, createX509Authenticator, ensureServiceAccountKey, loadTokenFileAuthenticator, storeTokenGetter } from '../apiserver/authn/index.js';
import type { AuthorizationMode } from '../apiserver/authz/index.js';
import { createBoundTokenSigner } from '../apiserver/handlers/token-signer.js';
import { setupNodeJoin } from '../apiserver/node-join/index.js';
import { type ClusterPki, ensureClusterPki, servingSans } from '../apiserver/tls/index.js';
import { type Logger, createLogger, formatLogRecord } from '../lib/log.js';
import type { Backend } from '../storage/index.js';
import { FLOTILLA_VERSION, KUBERNETES_MINOR } from '../apiserver/version.js';
import { UsageError, renderHelp } from './flags.js';
import { localServerUrl, writeKubeconfig } from './kubeconfig.js';
import { acquirePidLock } from './pid-lock.js';
import { detectNodeIP } from '../agent/node/host-facts.js';
import { SERVER_COMMAND, SERVER_FLAGS, type ServerConfig, type ServerEnv, describeNetworks, parseServerConfig } from './server-config.js';

/**
 * What the server needs from the storage and API layers; the composition root supplies the real
 * ones (tests may pass fakes).
 */
export interface ServerDeps {
  /** Only the request handler and lifecycle are used here. */
  createApiServer(opts: ApiServerOptions): Pick<ApiServer, 'handle' | 'start' | 'close'> & Partial<Pick<ApiServer, 'handleUpgrade' | 'storeFor' | 'publishEndpoint'>>;
  openBackend(opts: { endpoint: string; caFile?: string; certFile?: string; keyFile?: string; dataDir?: string }): Promise<Backend>;
  /** Starts background compaction; returns its stop function. Optional until every store supports it. */
  startAutoCompaction?(backend: Backend, logger: Logger): () => Promise<void>;
  /** The built-in resources to serve. */
  resources(): ResourceDef[];
  /** Opens the rotating audit log file (`--audit-log-path`); without it auditing to a file is unavailable. */
  openAuditLog?(opts: AuditLogOptions): Promise<AuditSink>;
  /**
   * Starts the in-process control loops (scheduler, controller manager) over the apiserver's request
   * handler, honouring --disable-scheduler / --disable-controller-manager. Resolves with their stop.
   */
  startControlPlane?(opts: { handle: RequestListener; config: ServerConfig; logger: Logger }): Promise<() => Promise<void>>;
  /**
   * Starts the node agent in this process (unless --disable-agent) once the server listens;
   * resolves with its stop. Absent: the server runs the control plane only.
   */
  startAgent?(server: RunningServerInfo): Promise<() => Promise<void>>;
}

/** What the embedded agent learns of the server it runs in. */
export interface RunningServerInfo {
  config: ServerConfig;
  url: string;
  tokenPath: string;
  logger: Logger;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface CommandIo {
  /** Human-facing output (help, the "ready" lines). */
  stdout(text: string): void;
  /** Logs and errors. */
  stderr(text: string): void;
}

export interface RunningServer {
  readonly config: ServerConfig;
  /** The bound port (differs from config.securePort when that was 0). */
  readonly port: number;
  /** URL for clients on this machine (what the kubeconfig says). */
  readonly url: string;
  readonly kubeconfigPath: string;
  /** `<data-dir>/token`: the join token agents pass to `--token`. */
  readonly tokenPath: string;
  readonly pki: ClusterPki;
  /** Milliseconds from startServer() to ready. */
  readonly startupMs: number;
  /** Graceful stop (see module comment). Idempotent; resolves when everything is closed. */
  stop(): Promise<void>;
}

/** Grace period for in-flight requests at shutdown before connections are cut. */
const DRAIN_MS = 1000;

export function serverHelp(): string {
  return renderHelp({
    description:
      'Run the Flotilla control plane: a Kubernetes v1.' +
      `${KUBERNETES_MINOR} API server on an embedded SQLite store, or on an external etcd cluster.`,
    usage: [`${SERVER_COMMAND} [flags]`],
    sections: [
      {
        title: 'Examples',
        lines: [
          '# Single machine, state under /var/lib/flotilla',
          `${SERVER_COMMAND}`,
          '',
          '# External etcd with TLS (as in a kubeadm ClusterConfiguration)',
          `${SERVER_COMMAND} --datastore-endpoint https://etcd1:2379,https://etcd2:2379 \\`,
          '    --datastore-cafile /etc/ssl/etcd/ca.crt --datastore-certfile /etc/ssl/etcd/etcd.crt \\',
          '    --datastore-keyfile /etc/ssl/etcd/etcd.key --tls-san k8s-api.example.com',
        ],
      },
    ],
    specs: SERVER_FLAGS,
  });
}

/**
 * Starts the server and resolves once it is ready (or rejects after undoing a partial start).
 * `io.stdout` receives the two human lines (kubeconfig location, ready). `deps` may be a promise
 * (modules still loading); it is awaited only after the PKI is ready.
 */
export async function startServer(
  config: ServerConfig,
  depsOrPromise: ServerDeps | Promise<ServerDeps>,
  logger: Logger,
  io: CommandIo,
): Promise<RunningServer> {
  const t0 = performance.now();
  const log = logger.child('server');
  const undo: Array<() => Promise<void>> = [];
  const rollback = async () => {
    for (const fn of undo.reverse()) await fn().catch(() => {});
  };
  try {
    log.info('starting flotilla server', {
      version: FLOTILLA_VERSION,
      dataDir: config.dataDir,
      datastore: config.datastore.kind,
      networks: describeNetworks(config),
    });
    if (config.enableAdmissionPlugins.length) {
      log.v(1).info('admission plugins requested', { plugins: config.enableAdmissionPlugins.join(',') });
    }
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const lock = acquirePidLock(join(config.dataDir, 'server.pid'));
    undo.push(async () => lock.release());

    // PKI
    let t = performance.now();
    const pki = await ensureClusterPki({
      dir: join(config.dataDir, 'tls'),
      servingSans: servingSans({
        hostname: config.hostname,
        extraSans: config.tlsSans,
        serviceIps: config.apiServiceIps,
        clusterDomain: config.clusterDomain,
        bindAddress: config.bindAddress,
      }),
    });
    log.info('cluster PKI ready', { dir: pki.dir, ca: pki.actions.ca, serving: pki.actions.serving, admin: pki.actions.admin, ms: ms(t) });

    // Datastore (the dependencies may still have been loading while the PKI was being made)
    const deps = await depsOrPromise;
    t = performance.now();
    const ds = config.datastore;
    if (ds.kind === 'sqlite') await mkdir(dirname(ds.path), { recursive: true, mode: 0o700 });
    const backend = await deps.openBackend(
      ds.kind === 'sqlite'
        ? { endpoint: `sqlite://${ds.path}`, dataDir: config.dataDir }
        : { endpoint: ds.endpoint, caFile: ds.caFile, certFile: ds.certFile, keyFile: ds.keyFile },
    );
    undo.push(() => backend.close());
    log.info('datastore open', { kind: ds.kind, endpoint: ds.kind === 'sqlite' ? ds.path : ds.endpoint, ms: ms(t) });

    // Audit log: a file with rotation, or stdout for `-` (as upstream). The apiserver closes it.
    let audit: AuditSink | undefined;
    const auditPath = config.audit.logPath;
    if (auditPath === '-') {
      audit = { write: (e: AuditEvent) => io.stdout(JSON.stringify(e) + '\n'), close: async () => {} };
    } else if (auditPath && deps.openAuditLog) {
      audit = await deps.openAuditLog({
        path: auditPath,
        maxSizeMiB: config.audit.maxSizeMB,
        maxBackups: config.audit.maxBackups,
        maxAgeDays: config.audit.maxAgeDays,
        logger: logger.child('audit'),
      });
      const opened = audit;
      undo.push(() => opened.close());
    } else if (auditPath) {
      log.warn('audit logging is not available in this build; ignoring --audit-log-path', { path: auditPath });
    }
    if (auditPath) log.info('audit log', { path: auditPath, maxSizeMB: config.audit.maxSizeMB, maxBackups: config.audit.maxBackups, maxAgeDays: config.audit.maxAgeDays });

    // API server
    t = performance.now();
    const registry = new ApiRegistry(deps.resources());
    // Service-account tokens: TokenRequest signs with <data-dir>/tls/service-account.key, and bearer
    // JWTs are verified with it against the API server's own stores (bound once it exists).
    const saKeyPem = ensureServiceAccountKey(config.dataDir);
    let storeFor: ApiServer['storeFor'] | undefined;
    const saTokens = createServiceAccountTokenAuthenticator({ keys: [saKeyPem], getter: storeTokenGetter(registry, (def) => storeFor?.(def)) });
    const api = deps.createApiServer({
      backend,
      registry,
      authenticators: [
        createX509Authenticator(),
        ...(config.auth.tokenAuthFile ? [loadTokenFileAuthenticator(config.auth.tokenAuthFile, (m) => log.warn(m))] : []),
        saTokens,
      ],
      authorization: { modes: config.auth.authorizationModes as AuthorizationMode[] },
      anonymous: config.auth.anonymous,
      serviceAccountTokens: { sign: createBoundTokenSigner(saKeyPem) },
      // Towards node agents: our client certificate; their self-signed serving certificates are
      // not verified (upstream's default without --kubelet-certificate-authority).
      kubeletClient: { cert: pki.kubeletClient.certPem, key: pki.kubeletClient.keyPem },
      logger,
      ...(audit ? { audit } : {}),
      services: { serviceCidrs: config.serviceCidrs, nodePortRange: config.serviceNodePortRange, securePort: config.securePort || 6443 },
      minRequestTimeoutSeconds: config.minRequestTimeoutSeconds,
    });
    storeFor = api.storeFor;
    undo.push(() => api.close()); // also after a failed start: it may have opened watches
    await api.start();
    log.v(1).info('apiserver started', { resources: registry.all().length, ms: ms(t) });

    // Node join: <data-dir>/token, and /cacerts + /v1-flotilla/node-certificate in front of the API
    const lbCIDRs = config.serviceLbPool.map((p) => (p.includes('/') ? p : `${p}/${p.includes(':') ? 128 : 32}`));
    const network = {
      clusterCIDRs: config.clusterCidrs,
      serviceCIDRs: config.serviceCidrs,
      clusterDNS: config.clusterDns,
      clusterDomain: config.clusterDomain,
      ...(lbCIDRs.length ? { loadBalancerCIDRs: lbCIDRs } : {}),
    };
    const nodeJoin = await setupNodeJoin({ dataDir: config.dataDir, tokenSecret: config.token, pki, network, apiHandle: (req, res) => api.handle(req, res), logger });
    log.info('Node token is available', { path: nodeJoin.tokenPath, token: nodeJoin.tokenAction });

    // Listener
    const server = createServer(
      {
        key: pki.serving.keyPem,
        cert: pki.serving.certPem,
        ca: [pki.ca.certPem],
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
      (req, res) => void (nodeJoin.handle(req, res) || api.handle(req, res)),
    );
    server.on('tlsClientError', (err) => log.v(2).info('TLS handshake failed', { err: err.message }));
    // exec, attach, port-forward: HTTP upgrades (SPDY, WebSocket)
    // Upgraded connections are outside the HTTP server's bookkeeping: shutdown ends them itself.
    const upgraded = new Set<Duplex>();
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!api.handleUpgrade) return void socket.destroy();
      upgraded.add(socket);
      socket.once('close', () => upgraded.delete(socket));
      api.handleUpgrade(req, socket, head);
    });
    const endUpgraded = () => {
      for (const s of upgraded) s.destroy();
      upgraded.clear();
    };
    await listen(server, config.bindAddress, config.securePort);
    undo.push(async () => {
      endUpgraded();
      await closeServer(server, 0);
    });
    const port = (server.address() as AddressInfo).port;
    const url = localServerUrl(config.bindAddress, port);
    // The `kubernetes` Service's endpoint: the advertised address (k3s: the node IP; upstream's
    // --advertise-address default: the bind address unless unspecified or loopback, else the
    // host's address) and the real port.
    const hostOnly = config.bindAddress === '0.0.0.0' || config.bindAddress === '::' || config.bindAddress === '::1' || config.bindAddress.startsWith('127.');
    await api.publishEndpoint?.({ ip: config.agent.nodeIP ?? (hostOnly ? detectNodeIP() : config.bindAddress), port });
    log.info('serving securely', { address: `${config.bindAddress.includes(':') ? `[${config.bindAddress}]` : config.bindAddress}:${port}` });

    // Kubeconfig
    await writeKubeconfig(
      config.writeKubeconfig,
      { server: url, caPem: pki.ca.certPem, clientCertPem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem },
      config.writeKubeconfigMode,
    );
    log.info('wrote kubeconfig', { path: config.writeKubeconfig });

    const stopCompaction = deps.startAutoCompaction?.(backend, logger);

    // Scheduler and controller manager (in process, through the same request path as clients)
    t = performance.now();
    const stopControlPlane = await deps.startControlPlane?.({ handle: (req, res) => api.handle(req, res), config, logger });
    if (stopControlPlane) undo.push(() => stopControlPlane());
    log.v(1).info('control loops started', { ms: ms(t) });

    // The node agent (needs root: containerd, runc, network namespaces, routes)
    let stopAgent: (() => Promise<void>) | undefined;
    if (!config.disableAgent && deps.startAgent) {
      if (!isRoot()) {
        log.warn('node agent not started: it needs root (containerd, runc, network namespaces); pods will stay Pending. Run as root, or pass --disable-agent to silence this');
      } else {
        t = performance.now();
        io.stdout(`Starting the node agent (node ${config.agent.nodeName}: containerd, images, pod network)...\n`);
        stopAgent = await deps.startAgent({ config, url, tokenPath: nodeJoin.tokenPath, logger });
        undo.push(() => stopAgent!());
        log.info('node agent started', { node: config.agent.nodeName, ms: ms(t) });
      }
    }

    const startupMs = ms(t0);
    log.info('Flotilla is ready', { startupMs, sinceProcessStartMs: Math.round(performance.now()) });
    io.stdout(`Wrote kubeconfig ${config.writeKubeconfig}; export KUBECONFIG=${config.writeKubeconfig}\n`);
    io.stdout(`Flotilla is ready (${url}, started in ${startupMs} ms)\n`);

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        const s0 = performance.now();
        log.info('shutting down');
        await stopAgent?.().catch((e: unknown) => log.error('node agent stop failed', { err: errMessage(e) }));
        endUpgraded();
        const drained = closeServer(server, DRAIN_MS);
        await stopControlPlane?.().catch((e: unknown) => log.error('control loops stop failed', { err: errMessage(e) }));
        await api.close().catch((e: unknown) => log.error('apiserver close failed', { err: errMessage(e) }));
        await drained;
        await stopCompaction?.().catch((e: unknown) => log.error('compaction stop failed', { err: errMessage(e) }));
        await backend.close().catch((e: unknown) => log.error('datastore close failed', { err: errMessage(e) }));
        lock.release();
        log.info('stopped', { ms: ms(s0) });
      })());
    return { config, port, url, kubeconfigPath: config.writeKubeconfig, tokenPath: nodeJoin.tokenPath, pki, startupMs, stop };
  } catch (e) {
    await rollback();
    throw e;
  }
}

/**
 * The `flotilla server` command: parse, start, run until SIGINT/SIGTERM, stop. Returns the exit
 * code (0 after a clean stop, 1 when start-up failed). Throws UsageError for command-line mistakes.
 * `loadDeps` is called only once the flags are valid and help was not asked for, so those paths
 * never load storage drivers or the API machinery.
 */
export async function serverCommand(argv: string[], env: ServerEnv, loadDeps: () => Promise<ServerDeps>, io: CommandIo): Promise<number> {
  const parsed = parseServerConfig(argv, env);
  if ('help' in parsed) {
    io.stdout(serverHelp());
    return 0;
  }
  const { config, warnings } = parsed;
  const logger = createLogger((r) => io.stderr(formatLogRecord(r) + '\n'), { verbosity: config.verbosity });
  for (const w of warnings) logger.warn(w);

  // Signals are handled from the start: one that arrives during start-up stops the server as soon
  // as it is up (or lets a failing start-up exit as it would anyway).
  let signalled: NodeJS.Signals | undefined;
  let shutdown: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      io.stderr(`Received ${sig} again, exiting immediately\n`);
      process.exit(1);
    }
    signalled = sig;
    logger.child('server').info('received signal', { signal: sig });
    shutdown?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let running: RunningServer;
  try {
    // Module loading (storage drivers, API machinery) overlaps PKI work in startServer.
    const deps = loadDeps();
    deps.catch(() => {}); // surfaced by startServer's await
    running = await startServer(config, deps, logger, io);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.stderr(`Error: ${errMessage(e)}\n`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    shutdown = () =>
      running.stop().then(
        () => resolve(0),
        (e: unknown) => {
          io.stderr(`Error: shutdown failed: ${errMessage(e)}\n`);
          resolve(1);
        },
      );
    if (signalled) shutdown();
  });
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const why =
        err.code === 'EADDRINUSE' ? 'address already in use'
        : err.code === 'EACCES' ? 'permission denied (ports below 1024 need root)'
        : err.code === 'EADDRNOTAVAIL' ? 'address not available on this machine'
        : err.message;
      reject(new Error(`cannot listen on ${where}: ${why}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, ipv6Only: false });
  });
}

/** Stops accepting; after `graceMs` cuts connections still open. Resolves when all are gone. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function ms(since: number): number {
  return Math.round(performance.now() - since);
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
