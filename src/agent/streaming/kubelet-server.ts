/**
 * The node agent's own HTTPS server: the part of the kubelet API the apiserver uses to reach
 * containers (served on the port the Node advertises in status.daemonEndpoints.kubeletEndpoint).
 *
 *   GET /containerLogs/{namespace}/{pod}/{container}?follow&previous&tailLines&sinceSeconds|
 *       sinceTime&timestamps&limitBytes&stream          → text/plain, streamed
 *   GET /healthz                                         → ok
 *   GET /stats/summary                                   → JSON (with the statsSummary option)
 *   upgrade /exec/{namespace}/{pod}/{container}?command=..&input=1&output=1&error=1&tty=1
 *   upgrade /attach/{namespace}/{pod}/{container}?input=1&output=1&error=1&tty=1
 *   upgrade /portForward/{namespace}/{pod}[?port=..]
 *
 * Exec, attach and port-forward ask the runtime (CRI Exec / Attach / PortForward) for a URL on
 * its own streaming server and proxy the client's upgrade there byte for byte
 * (upgrade-proxy.ts), so the protocols are whatever containerd's server speaks: remotecommand
 * over SPDY/3.1 (v1-v4) and WebSocket (channel.k8s.io, v4.channel.k8s.io and their base64
 * forms), port-forward over SPDY and WebSocket. Errors before the upgrade are plain text with
 * kubelet's codes (404 unknown pod, 500 `container not found ("c")`, 400 bad options).
 *
 * Authentication: a client certificate verified against `tls.clientCa` (the cluster CA); none or
 * an unverified one is 401. Authorization: `authorize` (default: the apiserver's kubelet client
 * user `kube-apiserver-kubelet-client` or the group `system:masters`), else 403.
 *
 * Errors are plain text with the kubelet's status codes and messages: 400 for bad options and
 * for containers without logs (kubelet's validateContainerLogStatus texts, which the apiserver
 * passes on as a BadRequest Status), 404 for an unknown pod or container.
 *
 * Log paths come from the runtime's ContainerStatus.logPath; with `logRoot` set, a path outside
 * it is refused (400) rather than read.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access } from 'node:fs/promises';
import { resolve as resolvePath, sep } from 'node:path';
import { TLSSocket } from 'node:tls';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import type { RuntimeService } from '../runtime/cri-types.js';
import { ApiError } from '../../lib/errors.js';
import { discardLogger, type Logger } from '../../lib/log.js';
import { parsePodLogOptions, resolveLogOptions } from './log-options.js';
import { selectLogTarget, selectRunningContainer } from './log-target.js';
import { readCriLogs } from './log-reader.js';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { proxyUpgrade, writeRawResponse } from './upgrade-proxy.js';

/** The user the apiserver's kubelet client certificate names (as kubeadm's). */
export const KUBELET_API_CLIENT_USER = 'kube-apiserver-kubelet-client';

export interface KubeletUser {
  username: string;
  groups: string[];
}

/** What a request asks for, as upstream's kubelet authorizer attributes (resource nodes). */
export interface KubeletRequestAttributes {
  verb: 'get' | 'create';
  /** `log`, `exec`, `attach`, `portforward` map to upstream's `proxy` subresource; /stats/* is `stats`. */
  subresource: 'proxy' | 'log' | 'healthz' | 'stats' | 'exec' | 'attach' | 'portforward';
  path: string;
}

export interface KubeletServerOptions {
  /** The runtime the containers live in (only what streaming needs). */
  runtime: Pick<RuntimeService, 'containerStatus' | 'exec' | 'attach' | 'portForward' | 'listPodSandbox'>;
  /** The agent's current view of a pod bound to this node (with the status it reports), or undefined. */
  podLookup: (namespace: string, name: string) => V1Pod | undefined | Promise<V1Pod | undefined>;
  /** Container log files must lie under this directory (default: any path the runtime reports). */
  logRoot?: string;
  /** Serving certificate and key (PEM), and the CA client certificates must chain to. */
  tls: { cert: string; key: string; clientCa: string };
  authorize?: (user: KubeletUser, attrs: KubeletRequestAttributes) => boolean | Promise<boolean>;
  logger?: Logger;
  /** Follow polling (tests); defaults in log-reader.ts. */
  follow?: { pollMs?: number; stateCheckMs?: number };
  /**
   * The node's stats summary (upstream's statsapi.Summary), served as JSON at GET /stats/summary;
   * without it that path is 404. A rejection is a 500 with its message.
   */
  statsSummary?: () => Promise<unknown>;
}

export interface KubeletServer {
  readonly server: Server;
  /** The request listener (already mounted on `server`). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Listens on host:port (port 0: any free port); resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops listening and ends open streams. */
  close(): Promise<void>;
}

const defaultAuthorize = (u: KubeletUser) => u.username === KUBELET_API_CLIENT_USER || u.groups.includes('system:masters');

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function clientUser(req: IncomingMessage): KubeletUser | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  const all = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const cn = all(peer?.subject?.CN)[0];
  if (!cn) return undefined;
  return { username: cn, groups: [...all(peer.subject?.O), 'system:authenticated'] };
}

export function createKubeletServer(opts: KubeletServerOptions): KubeletServer {
  const log = (opts.logger ?? discardLogger).child('kubelet-server');
  const authorize = opts.authorize ?? defaultAuthorize;
  const logRoot = opts.logRoot ? resolvePath(opts.logRoot) : undefined;

  const serveLogs = async (req: IncomingMessage, res: ServerResponse, ns: string, podName: string, container: string, query: URLSearchParams) => {
    const options = parsePodLogOptions(query, podName);
    if (options instanceof ApiError) throw new HttpError(400, options.message);
    const pod = await opts.podLookup(ns, podName);
    if (!pod) throw new HttpError(404, `pod ${JSON.stringify(podName)} does not exist`);
    const spec = pod.spec;
    const inSpec = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...((spec?.ephemeralContainers ?? []) as { name?: string }[])].some(
      (c) => c.name === container,
    );
    if (!inSpec) throw new HttpError(404, `container ${JSON.stringify(container)} not found in pod ${JSON.stringify(podName)}`);
    const target = selectLogTarget(podName, pod.status, container, options.previous);
    if ('error' in target) throw new HttpError(400, target.error);
    const status = await opts.runtime.containerStatus(target.containerId).catch((e: unknown) => {
      throw new HttpError(400, `failed to get container status ${JSON.stringify(target.containerId)}: ${(e as Error).message}`);
    });
    const path = resolvePath(status.logPath);
    if (logRoot && !path.startsWith(logRoot + sep)) throw new HttpError(400, `log file ${JSON.stringify(path)} is outside ${logRoot}`);
    await access(path).catch((e: unknown) => {
      throw new HttpError(400, `failed to open log file ${JSON.stringify(path)}: ${(e as Error).message}`);
    });
    const ac = new AbortController();
    res.once('close', () => ac.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const sink = {
      write: (chunk: Uint8Array) =>
        new Promise<void>((resolve) => {
          if (res.destroyed) return resolve();
          if (res.write(chunk)) return resolve();
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        }),
    };
    const id = target.containerId;
    await readCriLogs(path, resolveLogOptions(options, Date.now()), sink, {
      signal: ac.signal,
      isRunning: async () => (await opts.runtime.containerStatus(id).catch(() => undefined))?.state === 'CONTAINER_RUNNING',
      onParseError: (reason) => log.v(2).info('malformed log line skipped', { path, reason }),
      ...opts.follow,
    }).catch((e: unknown) => log.error('log stream failed', { pod: `${ns}/${podName}`, container, err: (e as Error).message }));
    res.end();
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const user = clientUser(req);
    if (!user) throw new HttpError(401, 'Unauthorized');
    const attrs: KubeletRequestAttributes = {
      verb: req.method === 'GET' || req.method === 'HEAD' ? 'get' : 'create',
      subresource: segs[0] === 'containerLogs' ? 'log' : segs[0] === 'healthz' ? 'healthz' : segs[0] === 'stats' ? 'stats' : 'proxy',
      path: url.pathname,
    };
    if (!(await authorize(user, attrs)))
      throw new HttpError(403, `Forbidden (user=${user.username}, verb=${attrs.verb}, resource=nodes, subresource(s)=[${attrs.subresource}])`);
    if (segs[0] === 'healthz' && segs.length === 1) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (segs[0] === 'stats' && segs[1] === 'summary' && segs.length === 2 && opts.statsSummary) {
      if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
      const body = JSON.stringify(await opts.statsSummary());
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (segs[0] === 'containerLogs' && segs.length === 4) {
      if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
      return serveLogs(req, res, segs[1]!, segs[2]!, segs[3]!, url.searchParams);
    }
    throw new HttpError(404, '404 page not found');
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    dispatch(req, res).catch((e: unknown) => {
      const err = e instanceof HttpError ? e : new HttpError(500, (e as Error).message);
      if (err.code >= 500) log.error('request failed', { path: req.url, err: (e as Error).stack ?? String(e) });
      if (res.headersSent) return void res.destroy();
      res.writeHead(err.code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(err.message);
    });
  };

  /** The runtime streaming URL for an upgrade request, or an HttpError. */
  const streamingUrl = async (kind: string, segs: string[], query: URLSearchParams): Promise<string> => {
    const [, ns, podName, container] = segs as [string, string, string, string | undefined];
    const pod = await opts.podLookup(ns, podName);
    if (!pod) throw new HttpError(404, 'pod does not exist');
    if (kind === 'portForward') {
      const uid = pod.metadata.uid ?? '';
      const sandboxes = await opts.runtime.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid }, state: { state: 'SANDBOX_READY' } });
      if (!sandboxes.length) throw new HttpError(404, `pod not found (${JSON.stringify(`${podName}_${ns}`)})`);
      // WebSocket clients name their ports in `port` parameters (the apiserver's form); SPDY ones per stream.
      const ports = query.getAll('port').flatMap((p) => p.split(',')).filter(Boolean).map(Number);
      return opts.runtime.portForward(sandboxes.sort((a, b) => b.createdAt - a.createdAt)[0]!.id, ports);
    }
    const flag = (n: string) => query.get(n) === '1';
    const tty = flag('tty');
    const stdin = flag('input');
    const stdout = flag('output');
    const stderr = flag('error') && !tty;
    if (!stdin && !stdout && !stderr) throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    const target = selectRunningContainer(pod.status, container ?? '');
    if ('error' in target) throw new HttpError(500, target.error);
    if (kind === 'exec') {
      const cmd = query.getAll('command');
      if (!cmd.length) throw new HttpError(400, 'you must specify at least one command for the container');
      return opts.runtime.exec({ containerId: target.containerId, cmd, tty, stdin, stdout, stderr });
    }
    return opts.runtime.attach({ containerId: target.containerId, tty, stdin, stdout, stderr });
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const user = clientUser(req);
    if (!user) throw new HttpError(401, 'Unauthorized');
    const kind = segs[0] ?? '';
    const shapeOk = ((kind === 'exec' || kind === 'attach') && segs.length === 4) || (kind === 'portForward' && segs.length === 3);
    if (!shapeOk) throw new HttpError(404, '404 page not found');
    const attrs: KubeletRequestAttributes = { verb: req.method === 'GET' ? 'get' : 'create', subresource: 'proxy', path: url.pathname };
    if (!(await authorize(user, attrs)))
      throw new HttpError(403, `Forbidden (user=${user.username}, verb=${attrs.verb}, resource=nodes, subresource(s)=[proxy])`);
    const location = new URL(await streamingUrl(kind, segs, url.searchParams).catch((e: unknown) => {
      if (e instanceof HttpError) throw e;
      const code = (e as { code?: string }).code === 'NOT_FOUND' ? 404 : 500;
      throw new HttpError(code, (e as Error).message);
    }));
    // The runtime's server is plain HTTP on loopback (containerd's stream_server_address).
    if (location.protocol !== 'http:') throw new HttpError(500, `unsupported streaming URL scheme ${location.protocol}`);
    // WebSocket port-forward names its ports in the query, which the runtime URL does not carry.
    const path = location.pathname + (kind === 'portForward' && url.search ? url.search : location.search);
    await proxyUpgrade(req, socket, head, {
      path,
      host: location.host,
      connect: () =>
        new Promise((resolve, reject) => {
          const s = netConnect({ host: location.hostname, port: Number(location.port || 80) });
          s.once('connect', () => {
            s.off('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        }),
    });
  };

  /** Upgraded connections: the HTTP server no longer ends them, close() does. */
  const upgraded = new Set<Duplex>();
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((e: unknown) => {
      const err = e instanceof HttpError ? e : new HttpError(500, (e as Error).message);
      if (err.code >= 500) log.v(1).info('stream request failed', { path: req.url, err: err.message });
      writeRawResponse(socket, err.code, 'Error', 'text/plain; charset=utf-8', err.message);
    });
  };

  const server = createHttpsServer(
    { cert: opts.tls.cert, key: opts.tls.key, ca: [opts.tls.clientCa], requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
    handle,
  );
  server.on('upgrade', handleUpgrade);
  return {
    server,
    handle,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const s of upgraded) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
