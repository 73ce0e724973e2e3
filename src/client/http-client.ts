/**
 * The HTTP(S) transport: keep-alive sockets to one apiserver, TLS client certificates or a bearer
 * token, credentials from a kubeconfig. Plain http:// is accepted for loopback test servers.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createRestClient } from './rest-client.js';
import type { StreamCallbacks, StreamHandle, Transport, TransportRequest, TransportResponse } from './transport.js';
import type { Client } from './types.js';

export interface HttpClientOptions {
  /** Base URL, e.g. `https://127.0.0.1:6443` (a path prefix is kept). */
  server: string;
  /** PEM of the CA that signed the server's certificate (https only). */
  ca?: Buffer | string;
  /** PEM client certificate and key (x509 authentication). */
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Bearer token. */
  token?: string;
  /** Skip server certificate verification (tests only; kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTLSVerify?: boolean;
  /** Per-request timeout for non-watch calls (default 60 s). Watches use `timeoutSeconds`. */
  requestTimeoutMs?: number;
}

/** The HTTP(S) byte transport with its own keep-alive agent. `close()` drops idle sockets. */
export function createHttpTransport(opts: HttpClientOptions): Transport & { close(): void } {
  const base = new URL(opts.server);
  const isHttps = base.protocol === 'https:';
  if (!isHttps && base.protocol !== 'http:') throw new Error(`unsupported server URL scheme ${base.protocol}`);
  const prefix = base.pathname.replace(/\/+$/, '');
  const agent = isHttps
    ? new https.Agent({
        keepAlive: true,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: !opts.insecureSkipTLSVerify,
      })
    : new http.Agent({ keepAlive: true });
  const timeoutMs = opts.requestTimeoutMs ?? 60_000;

  const start = (r: TransportRequest, timeout: number | undefined): http.ClientRequest => {
    const headers: Record<string, string | number> = { ...r.headers };
    if (opts.token) headers['Authorization'] = `Bearer ${opts.token}`;
    if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
    const reqOpts: http.RequestOptions = {
      host: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || (isHttps ? 443 : 80),
      method: r.method,
      path: prefix + r.path,
      headers,
      agent,
      timeout,
    };
    const req = isHttps ? https.request(reqOpts) : http.request(reqOpts);
    if (timeout !== undefined) req.on('timeout', () => req.destroy(new Error(`${r.method} ${r.path}: timed out after ${timeout} ms`)));
    return req;
  };

  return {
    request(r: TransportRequest): Promise<TransportResponse> {
      return new Promise((resolvePromise, reject) => {
        const send = (retried: boolean) => {
          const req = start(r, timeoutMs);
          let answered = false;
          req.on('error', (e: NodeJS.ErrnoException) => {
            // A kept-alive socket that the server closed while idle fails before any answer: the
            // request never reached the server, so it goes once more on a fresh socket.
            if (!retried && !answered && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return send(true);
            reject(e);
          });
          req.on('response', (res) => {
            answered = true;
            res.setEncoding('utf8');
            let body = '';
            res.on('data', (c: string) => (body += c));
            res.on('error', reject);
            res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
          });
          req.end(r.body);
        };
        send(false);
      });
    },
    stream(r: TransportRequest, cb: StreamCallbacks): StreamHandle {
      let aborted = false;
      let ended = false;
      const end = (err?: Error) => {
        if (aborted || ended) return;
        ended = true;
        cb.onEnd(err);
      };
      const req = start(r, undefined);
      req.on('error', (e) => end(e));
      req.on('response', (res) => {
        if (aborted) return;
        res.setEncoding('utf8');
        cb.onResponse(res.statusCode ?? 0, res.headers);
        res.on('data', (c: string) => {
          if (!aborted && !ended) cb.onData(c);
        });
        res.on('error', (e) => end(e));
        res.on('end', () => end());
        res.on('close', () => end(res.complete ? undefined : new Error(`${r.method} ${r.path}: connection closed mid-stream`)));
      });
      req.end(r.body);
      return {
        abort() {
          if (aborted) return;
          aborted = true;
          req.destroy();
        },
      };
    },
    close() {
      agent.destroy();
    },
  };
}

/** A Client over HTTP(S). */
export function createHttpClient(opts: HttpClientOptions, userAgent: string): Client {
  return createRestClient(createHttpTransport(opts), userAgent);
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

/**
 * Reads the current context of a kubeconfig into client options: server, CA (inline `-data` or a
 * file path relative to the kubeconfig), client certificate and key, token or token file.
 */
export function optionsFromKubeconfig(path: string, contextName?: string): HttpClientOptions {
  const text = readFileSync(path, 'utf8');
  const cfg = (parseYaml(text) ?? {}) as KubeconfigFile;
  const dir = dirname(path);
  const ctxName = contextName ?? cfg['current-context'];
  const ctx = cfg.contexts?.find((c) => c.name === ctxName)?.context ?? (ctxName ? undefined : cfg.contexts?.[0]?.context);
  if (!ctx) throw new Error(`kubeconfig ${path}: context ${JSON.stringify(ctxName ?? '')} not found`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} not found`);
  const user = cfg.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const str = (o: Record<string, unknown>, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : resolve(dir, p));
  const material = (o: Record<string, unknown>, dataKey: string, fileKey: string): Buffer | undefined => {
    const data = str(o, dataKey);
    if (data) return Buffer.from(data, 'base64');
    const f = str(o, fileKey);
    return f ? file(f) : undefined;
  };
  const server = str(cluster, 'server');
  if (!server) throw new Error(`kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} has no server`);
  const tokenFile = str(user, 'tokenFile');
  return {
    server,
    ca: material(cluster, 'certificate-authority-data', 'certificate-authority'),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    cert: material(user, 'client-certificate-data', 'client-certificate'),
    key: material(user, 'client-key-data', 'client-key'),
    token: str(user, 'token') ?? (tokenFile ? file(tokenFile).toString('utf8').trim() : undefined),
  };
}

/** A Client for the current context of a kubeconfig file. */
export function clientFromKubeconfig(path: string, userAgent: string): Client {
  return createHttpClient(optionsFromKubeconfig(path), userAgent);
}
