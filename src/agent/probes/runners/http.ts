/**
 * httpGet probes (upstream pkg/probe/http): one GET to scheme://host:port/path with the probe's
 * headers, `User-Agent: kube-probe/<major>.<minor>` and an Accept header for any type unless the probe sets them (an
 * empty Accept removes it), a `Host` header overriding the request's host, no keep-alive, and no
 * certificate verification for HTTPS. Statuses 200–399 are success, others a failure
 * `HTTP probe failed with statuscode: <code>`. Redirects are followed while they stay on the same
 * host (at most 10 requests); a redirect to another host is not followed and counts as a success
 * with a warning (`Probe terminated redirects, Response body: ...`). The whole exchange shares one
 * timeout; transport errors are failures with Go's texts, e.g.
 * `Get "http://10.42.0.5:8080/ready": dial tcp 10.42.0.5:8080: connect: connection refused` or
 * `Get "...": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`.
 * At most 10 KiB of a body is read; a success's output is that body.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpHeader } from '../target.js';
import { dialErrorText, errnoCode, joinHostPort, MAX_PROBE_OUTPUT, PROBE_USER_AGENT, type ProbeRunResult } from './result.js';

export interface HttpProbeTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** As written in the probe ('' and paths without a leading slash are accepted). */
  path: string;
  headers: HttpHeader[];
  timeoutMs: number;
  /** Defaults to PROBE_USER_AGENT. */
  userAgent?: string;
}

/** The probe's URL as upstream formats it (and as its error messages quote it). */
export function probeUrl(scheme: string, host: string, port: number, path: string): string {
  const p = path && !path.startsWith('/') ? `/${path}` : path;
  return `${scheme}://${joinHostPort(host, port)}${p}`;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REQUESTS = 10;

interface Response {
  status: number;
  location: string | undefined;
  body: string;
}

class TransportError extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

function hostname(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, '$1');
}

function buildHeaders(t: HttpProbeTarget): { headers: OutgoingHttpHeaders; host: string | undefined } {
  const headers: Record<string, string[]> = {};
  const names = new Map<string, string>();
  for (const h of t.headers) {
    const key = h.name.toLowerCase();
    const name = names.get(key) ?? h.name;
    names.set(key, name);
    (headers[name] ??= []).push(h.value);
  }
  if (!names.has('user-agent')) headers['User-Agent'] = [t.userAgent ?? PROBE_USER_AGENT];
  if (!names.has('accept')) headers['Accept'] = ['*/*'];
  else if ((headers[names.get('accept')!] ?? []).every((v) => v === '')) delete headers[names.get('accept')!];
  const hostName = names.get('host');
  const host = hostName ? headers[hostName]?.[0] : undefined;
  if (hostName) delete headers[hostName];
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) out[k] = v.length === 1 ? v[0] : v;
  return { headers: out, host: host || undefined };
}

function getOnce(url: URL, headers: OutgoingHttpHeaders, deadline: number, urlText: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    let phase: 'headers' | 'body' = 'headers';
    let settled = false;
    let res: IncomingMessage | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      res?.destroy();
      req.destroy();
    };
    const opts = { method: 'GET', headers, agent: false as const, rejectUnauthorized: false };
    const req = url.protocol === 'https:' ? httpsRequest(url, opts) : httpRequest(url, opts);
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            new TransportError(
              phase === 'headers'
                ? `Get ${JSON.stringify(urlText)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
                : 'context deadline exceeded (Client.Timeout or context cancellation while reading body)',
            ),
          ),
        ),
      Math.max(0, deadline - Date.now()),
    );
    req.on('error', (e) => settle(() => reject(new TransportError(`Get ${JSON.stringify(urlText)}: ${transportText(url, e)}`))));
    req.on('response', (r) => {
      res = r;
      phase = 'body';
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        settle(() =>
          resolve({
            status: r.statusCode ?? 0,
            location: typeof r.headers.location === 'string' ? r.headers.location : undefined,
            body: Buffer.concat(chunks).subarray(0, MAX_PROBE_OUTPUT).toString('utf8'),
          }),
        );
      r.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= MAX_PROBE_OUTPUT) done(); // upstream truncates silently
      });
      r.on('end', done);
      r.on('error', (e) => settle(() => reject(new TransportError(transportText(url, e)))));
    });
    req.end();
  });
}

function transportText(url: URL, e: unknown): string {
  const code = errnoCode(e);
  const syscall = (e as { syscall?: unknown }).syscall;
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  if (syscall === 'connect' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return dialErrorText(hostname(url), port, e);
  const msg = e instanceof Error ? e.message : String(e);
  if (/wrong version number|packet length too long/i.test(msg) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'http: server gave HTTP response to HTTPS client';
  if (code === 'EPROTO') return `tls: ${/SSL routines:[^:]*:([^:]+)/.exec(msg)?.[1] ?? msg.trim()}`;
  if (code === 'ECONNRESET' && e instanceof Error && e.message === 'socket hang up') return 'EOF';
  if (code === 'ECONNRESET') return `read tcp ${joinHostPort(hostname(url), port)}: read: connection reset by peer`;
  if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')) return `tls: ${e instanceof Error ? e.message : String(e)}`;
  return e instanceof Error ? e.message : String(e);
}

export async function runHttpProbe(t: HttpProbeTarget): Promise<ProbeRunResult> {
  const deadline = Date.now() + t.timeoutMs;
  const { headers, host: hostHeader } = buildHeaders(t);
  let urlText = probeUrl(t.scheme, t.host, t.port, t.path);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch (e) {
    return { result: 'failure', output: `parse ${JSON.stringify(urlText)}: invalid URL` };
  }
  const origin = hostname(url);
  let keepHost = hostHeader;
  for (let requests = 1; ; requests++) {
    let res: Response;
    try {
      res = await getOnce(url, keepHost ? { ...headers, Host: keepHost } : headers, deadline, urlText);
    } catch (e) {
      if (e instanceof TransportError) return { result: 'failure', output: e.text };
      return { result: 'unknown', output: e instanceof Error ? e.message : String(e) };
    }
    if (REDIRECTS.has(res.status) && res.location !== undefined) {
      let next: URL;
      try {
        next = new URL(res.location, url);
      } catch {
        return { result: 'failure', output: `Get ${JSON.stringify(urlText)}: failed to parse Location header ${JSON.stringify(res.location)}` };
      }
      if (hostname(next) === origin) {
        if (requests >= MAX_REQUESTS) return { result: 'failure', output: `Get ${JSON.stringify(next.href)}: stopped after 10 redirects` };
        // Go keeps a custom Host header only through relative redirects.
        if (/^[a-z][a-z0-9+.-]*:/i.test(res.location)) keepHost = undefined;
        url = next;
        urlText = next.href;
        continue;
      }
      // Another host: the redirect is not followed; its response is the probe's answer.
    }
    if (res.status >= 200 && res.status < 400) {
      if (res.status >= 300) return { result: 'success', warning: true, output: `Probe terminated redirects, Response body: ${res.body}` };
      return { result: 'success', output: res.body };
    }
    return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
  }
}
