/**
 * Pod streaming subresources served by proxying to the node agent's kubelet API, as upstream's
 * pod REST storage (LogLocation / genericrest.LocationStreamer):
 *
 *   GET pods/{name}/log  → GET https://<node>:<kubelet port>/containerLogs/{ns}/{name}/{container}
 *   upgrade pods/{name}/exec|attach|portforward → the node's /exec|/attach|/portForward: SPDY
 *       spliced byte for byte; WebSocket v5.channel.k8s.io translated to SPDY here; WebSocket
 *       `SPDY/3.1+portforward.k8s.io` tunnelled (see chooseUpgradeMode)
 *
 * Contract:
 * - options are validated here (400 for unparsable values, 422 PodLogOptions Invalid), the
 *   container defaults to the only one in the pod, otherwise 400 as upstream's ValidateContainer;
 * - a pod without a node answers 200 with an empty body (upstream: no location, nothing to read);
 * - the node is reached at its first InternalIP, else ExternalIP, else Hostname address, on
 *   status.daemonEndpoints.kubeletEndpoint.Port (default 10250), presenting `kubelet.cert/key`;
 *   with `kubelet.ca` the agent's serving certificate is verified, without it not (upstream's
 *   default when --kubelet-certificate-authority is unset);
 * - an agent answer outside 200-206 becomes a Status as upstream's GenericHttpResponseChecker:
 *   400 → BadRequest with the agent's text (kubectl prints it as is), 500 → InternalError, others
 *   keep their code; a connection failure is a 500;
 * - a 2xx answer is streamed to the client as it arrives (text/plain); when the client goes away
 *   the agent request is aborted, so `follow` streams end on both sides.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, internalError, type StatusReason } from '../../lib/errors.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import type { V1Node } from '../../api/core/v1/node.js';
import type { ResourceStore } from '../registry/store.js';
import type { ResourceRequest } from './resource.js';
import { parsePodLogOptions, podLogQuery } from '../../agent/streaming/log-options.js';
import { proxyUpgrade } from '../../agent/streaming/upgrade-proxy.js';
import { serveRemoteCommandWebSocket, V5_PROTOCOL } from '../../agent/streaming/remotecommand-bridge.js';
import { servePortForwardTunnel, SPDY_TUNNEL_PREFIX } from '../../agent/streaming/portforward-tunnel.js';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { ResourceRequestInfo } from '../request-info.js';

/** How the apiserver reaches node agents (upstream's KubeletClientConfig). */
export interface KubeletClientConfig {
  /** Client certificate and key presented to agents (PEM). */
  cert?: string;
  key?: string;
  /** CA the agents' serving certificates must chain to; undefined: not verified. */
  ca?: string;
  /** Port used when a Node advertises none (default 10250). */
  defaultPort?: number;
  /** Connect timeout (default 10 s); streams themselves have no timeout. */
  connectTimeoutMs?: number;
  /** Called once per accepted exec/attach/portforward request with the protocol chosen (metrics, tests). */
  onStream?: (e: StreamEvent) => void;
}

export interface PodStreamDeps {
  nodes: ResourceStore;
  kubelet?: KubeletClientConfig;
}

export const DEFAULT_KUBELET_PORT = 10250;
const MAX_ERROR_BODY = 50_000;

/** Names of every container of the pod, init and ephemeral included, in upstream's visiting order. */
function allContainerNames(pod: V1Pod): string[] {
  const s = pod.spec;
  return [...(s?.initContainers ?? []), ...(s?.containers ?? []), ...((s?.ephemeralContainers ?? []) as { name?: string }[])].map((c) => c.name ?? '');
}

/** upstream's ValidateContainer: the named container must exist; none named means the only one. */
export function resolveContainer(pod: V1Pod, container: string | undefined): string {
  const name = pod.metadata.name;
  if (!container) {
    const cs = pod.spec?.containers ?? [];
    if (cs.length === 1) return cs[0]!.name ?? '';
    if (cs.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${allContainerNames(pod).join(' ')}]`);
  }
  if (!allContainerNames(pod).includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** The agent's address and port for a node, or an error saying what is missing. */
export function kubeletEndpoint(node: V1Node, defaultPort = DEFAULT_KUBELET_PORT): { host: string; port: number } {
  const addrs = node.status?.addresses ?? [];
  const pick = (t: string) => addrs.find((a) => a.type === t && a.address)?.address;
  const host = pick('InternalIP') ?? pick('ExternalIP') ?? pick('Hostname');
  if (!host) throw internalError(new Error(`no preferred addresses found; known addresses: [${addrs.map((a) => `{${a.type} ${a.address}}`).join(' ')}]`));
  const status = node.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined;
  const port = status?.daemonEndpoints?.kubeletEndpoint?.Port || defaultPort;
  return { host, port };
}

const REASONS: Record<number, StatusReason> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** An agent's non-2xx answer as the Status the client sees (GenericHttpResponseChecker). */
export function agentErrorToApiError(code: number, body: string, resource: string, name: string): ApiError {
  if (code === 400) return badRequest(body);
  if (code === 500) return internalError(new Error(body));
  const reason = REASONS[code] ?? 'InternalError';
  const base = code === 404 ? 'the server could not find the requested resource' : body || `the server responded with the status code ${code} but did not return more information`;
  return new ApiError(reason, code, `${base} ( ${resource} ${name})`, { name, kind: resource, causes: body ? [{ reason: 'UnexpectedServerResponse', message: body }] : undefined });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Opens a GET to the agent and resolves with its response once the status is known and 2xx;
 * rejects with the ApiError for anything else. `signal` aborts the request.
 */
export function agentGet(endpoint: { host: string; port: number }, path: string, cfg: KubeletClientConfig | undefined, signal: AbortSignal, what: { resource: string; name: string }): Promise<IncomingMessage> {
  const url = `https://${hostForUrl(endpoint.host)}:${endpoint.port}${path}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: endpoint.host,
      port: endpoint.port,
      path,
      method: 'GET',
      cert: cfg?.cert,
      key: cfg?.key,
      ca: cfg?.ca,
      rejectUnauthorized: cfg?.ca !== undefined,
      agent: false,
      signal,
    });
    const timer = setTimeout(() => req.destroy(new Error('i/o timeout')), cfg?.connectTimeoutMs ?? 10_000);
    req.on('response', (res) => {
      clearTimeout(timer);
      const code = res.statusCode ?? 0;
      if (code >= 200 && code <= 206) return resolve(res);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => reject(agentErrorToApiError(code, Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8'), what.resource, what.name)));
      res.on('error', (e) => reject(internalError(e)));
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(new ApiError('InternalError', 500, `Get "${url}": ${e.message}`, { causes: [{ message: e.message }] }, { cause: e }));
    });
    req.end();
  });
}

async function podAndNode(r: ResourceRequest, deps: PodStreamDeps): Promise<{ pod: V1Pod; node: V1Node | undefined }> {
  const pod = (await r.store.get(r.info.namespace, r.info.name)) as V1Pod;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) return { pod, node: undefined };
  const node = (await deps.nodes.tryGet('', nodeName)) as V1Node | undefined;
  if (!node) throw internalError(new Error(`nodes "${nodeName}" not found`));
  return { pod, node };
}

/** GET pods/{name}/log. */
export async function handlePodLog(r: ResourceRequest, deps: PodStreamDeps): Promise<void> {
  const name = r.info.name;
  const options = parsePodLogOptions(r.query, name);
  if (options instanceof ApiError) throw options;
  const { pod, node } = await podAndNode(r, deps);
  const container = resolveContainer(pod, options.container);
  if (!node) {
    r.res.writeHead(200, { 'Content-Type': 'text/plain' });
    r.res.end();
    return;
  }
  const endpoint = kubeletEndpoint(node, deps.kubelet?.defaultPort);
  const enc = encodeURIComponent;
  const q = podLogQuery(options).toString();
  const path = `/containerLogs/${enc(r.info.namespace)}/${enc(name)}/${enc(container)}${q ? `?${q}` : ''}`;
  const ac = new AbortController();
  const onClose = () => ac.abort();
  r.res.once('close', onClose);
  let upstream: IncomingMessage;
  try {
    upstream = await agentGet(endpoint, path, deps.kubelet, ac.signal, { resource: 'pods/log', name });
  } catch (e) {
    r.res.off('close', onClose);
    throw e;
  }
  r.res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
  r.res.flushHeaders();
  await new Promise<void>((resolve) => {
    upstream.on('error', () => r.res.destroy());
    upstream.pipe(r.res);
    r.res.once('close', () => {
      upstream.destroy();
      resolve();
    });
    r.res.once('finish', resolve);
  });
}

// ---- exec, attach, portforward: HTTP upgrades -------------------------------------------------

/** WebSocket subprotocols the node's runtime streaming server (containerd 1.6) speaks itself. */
const RUNTIME_WEBSOCKET_PROTOCOLS = new Set(['', 'channel.k8s.io', 'base64.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io']);

/** How an exec/attach/portforward upgrade is served (see chooseUpgradeMode). */
export type UpgradeMode =
  | { kind: 'proxy'; protocol: StreamProtocol }
  | { kind: 'translate-v5' }
  | { kind: 'tunnel'; protocols: string[] }
  | { kind: 'refuse'; why: string };

/** What the apiserver saw of one stream request (StreamEvent.protocol). */
export type StreamProtocol = 'spdy' | 'websocket' | 'websocket-v5' | 'websocket-spdy-tunnel';

export interface StreamEvent {
  subresource: 'exec' | 'attach' | 'portforward';
  namespace: string;
  name: string;
  protocol: StreamProtocol;
}

function offeredSubprotocols(headers: IncomingMessage['headers']): string[] {
  return String(headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
}

/**
 * As upstream's pod REST storage picks a handler: SPDY is proxied to the node byte for byte;
 * a WebSocket offering `v5.channel.k8s.io` (exec/attach, kubectl 1.30+) is translated to SPDY here
 * (StreamTranslatorHandler); a WebSocket offering `SPDY/3.1+<x>.k8s.io` (port-forward, kubectl
 * 1.31+) is tunnelled to a SPDY upgrade (TunnelingHandler); other WebSocket subprotocols the node's
 * runtime speaks itself (v4.channel.k8s.io and older: client-node) are proxied; anything else is
 * refused with 400 before any upgrade, which also makes kubectl fall back to SPDY.
 */
export function chooseUpgradeMode(subresource: string, headers: IncomingMessage['headers']): UpgradeMode {
  const upgrade = String(headers['upgrade'] ?? '').toLowerCase();
  if (upgrade.startsWith('spdy/')) return { kind: 'proxy', protocol: 'spdy' };
  if (upgrade !== 'websocket') return { kind: 'refuse', why: `unsupported upgrade ${JSON.stringify(upgrade)}` };
  const offered = offeredSubprotocols(headers);
  if (subresource === 'portforward') {
    const tunneled = offered.filter((p) => p.startsWith(SPDY_TUNNEL_PREFIX) && p.endsWith('.k8s.io')).map((p) => p.slice(SPDY_TUNNEL_PREFIX.length));
    if (tunneled.length) return { kind: 'tunnel', protocols: tunneled };
  } else if (offered.includes(V5_PROTOCOL)) return { kind: 'translate-v5' };
  if (offered.some((p) => RUNTIME_WEBSOCKET_PROTOCOLS.has(p))) return { kind: 'proxy', protocol: 'websocket' };
  return { kind: 'refuse', why: `websocket subprotocols ${JSON.stringify(offered)} are not supported; use SPDY` };
}

export interface UpgradeRequest {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  info: ResourceRequestInfo;
  query: URLSearchParams;
  /** The pods store. */
  store: ResourceStore;
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && !(v === '0' || v.toLowerCase() === 'false');
}

/**
 * pods/exec, pods/attach, pods/portforward: checks as upstream's ExecLocation /
 * AttachLocation / PortForwardLocation, then proxies the upgrade to the node's
 * /exec|/attach|/portForward with the query in the kubelet's form (input/output/error/tty=1,
 * command repeated, port repeated). Errors before the upgrade are Status JSON on the raw socket.
 */
export async function handlePodUpgrade(u: UpgradeRequest, deps: PodStreamDeps): Promise<void> {
  const sub = u.info.subresource;
  if (sub !== 'exec' && sub !== 'attach' && sub !== 'portforward') throw new ApiError('NotFound', 404, 'the server could not find the requested resource', {});
  const name = u.info.name;
  const mode = chooseUpgradeMode(sub, u.req.headers);
  if (mode.kind === 'refuse') throw badRequest(mode.why);
  const pod = (await u.store.get(u.info.namespace, name)) as V1Pod;
  const q = u.query;
  const params = new URLSearchParams();
  const enc = encodeURIComponent;
  let path: string;
  if (sub === 'portforward') {
    for (const p of q.getAll('ports').flatMap((s) => s.split(','))) {
      if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw badRequest(`invalid port ${JSON.stringify(p)}`);
      params.append('port', p);
    }
    path = `/portForward/${enc(u.info.namespace)}/${enc(name)}`;
  } else {
    const container = resolveContainer(pod, q.get('container') ?? undefined);
    const stdin = boolParam(q, 'stdin');
    const stdout = boolParam(q, 'stdout');
    const stderr = boolParam(q, 'stderr');
    const tty = boolParam(q, 'tty');
    if (!stdin && !stdout && !stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed')
      throw badRequest(`cannot ${sub === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`);
    if (sub === 'exec') {
      const command = q.getAll('command');
      if (!command.length) throw badRequest('you must specify at least one command for the container');
      for (const c of command) params.append('command', c);
    }
    if (stdin) params.set('input', '1');
    if (stdout) params.set('output', '1');
    if (stderr) params.set('error', '1');
    if (tty) params.set('tty', '1');
    path = `/${sub}/${enc(u.info.namespace)}/${enc(name)}/${enc(container)}`;
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const node = (await deps.nodes.tryGet('', nodeName)) as V1Node | undefined;
  if (!node) throw internalError(new Error(`nodes "${nodeName}" not found`));
  const endpoint = kubeletEndpoint(node, deps.kubelet?.defaultPort);
  const query = params.toString();
  const cfg = deps.kubelet;
  const target = {
    path: query ? `${path}?${query}` : path,
    host: `${hostForUrl(endpoint.host)}:${endpoint.port}`,
    connect: () => dialKubelet(endpoint, cfg),
  };
  const protocol: StreamProtocol = mode.kind === 'proxy' ? mode.protocol : mode.kind === 'tunnel' ? 'websocket-spdy-tunnel' : 'websocket-v5';
  cfg?.onStream?.({ subresource: sub, namespace: u.info.namespace, name, protocol });
  if (mode.kind === 'translate-v5') {
    const tty = boolParam(q, 'tty');
    const options = { stdin: boolParam(q, 'stdin'), stdout: boolParam(q, 'stdout'), stderr: boolParam(q, 'stderr') && !tty, tty };
    return serveRemoteCommandWebSocket(u.req, u.socket, u.head, options, target);
  }
  if (mode.kind === 'tunnel') return servePortForwardTunnel(u.req, u.socket, u.head, mode.protocols, target);
  await proxyUpgrade(u.req, u.socket, u.head, target);
}

/** A TLS connection to a node agent with the kubelet client certificate (connect timeout applies). */
function dialKubelet(endpoint: { host: string; port: number }, cfg: KubeletClientConfig | undefined): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const s = tlsConnect({ host: endpoint.host, port: endpoint.port, cert: cfg?.cert, key: cfg?.key, ca: cfg?.ca, rejectUnauthorized: cfg?.ca !== undefined });
    const timer = setTimeout(() => s.destroy(new Error('i/o timeout')), cfg?.connectTimeoutMs ?? 10_000);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
