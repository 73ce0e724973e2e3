/**
 * Byte-level proxying of an HTTP upgrade (SPDY/3.1 or WebSocket), as upstream's
 * UpgradeAwareHandler: the client's request is re-sent to the backend with a new path and Host,
 * the backend's answer is passed back unchanged, and after a `101 Switching Protocols` the two
 * connections are spliced until either side closes. The protocol inside is never looked at, so
 * every remotecommand / port-forward version the backend speaks works end to end.
 *
 * Contract:
 * - `head` (bytes the client sent after its request headers) is forwarded before anything else;
 * - hop-by-hop credentials are not forwarded: Authorization, Proxy-*, Impersonate-*, Host;
 * - a non-101 answer is copied to the client as is (kubectl prints it as "unable to upgrade
 *   connection: <body>"), then both connections are closed;
 * - the backend must answer its headers within `headerTimeoutMs` (default 30 s), else the client
 *   gets a 504 text answer; a failed connect is a 502 with the error text;
 * - resolves when both connections are closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export interface UpgradeTarget {
  /** Path and query on the backend. */
  path: string;
  /** Host header for the backend. */
  host: string;
  /** Opens the connection (TCP or TLS) to the backend; resolves once it is usable. */
  connect(): Promise<Duplex>;
  headerTimeoutMs?: number;
}

const DROP = new Set(['host', 'authorization', 'proxy-authorization', 'proxy-connection']);

/** The request head sent to the backend. */
export function upgradeRequestHead(req: IncomingMessage, target: Pick<UpgradeTarget, 'path' | 'host'>): string {
  const lines = [`${req.method ?? 'GET'} ${target.path} HTTP/1.1`, `Host: ${target.host}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (DROP.has(lower) || lower.startsWith('impersonate-')) continue;
    lines.push(`${name}: ${raw[i + 1]}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}

/** Writes a plain HTTP answer on a raw socket and closes it. */
export function writeRawResponse(socket: Duplex, code: number, reason: string, contentType: string, body: string): void {
  if (socket.destroyed) return;
  const b = Buffer.from(body);
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n${b.toString('latin1')}`, 'latin1');
}

export async function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: UpgradeTarget): Promise<void> {
  let backend: Duplex;
  try {
    backend = await target.connect();
  } catch (e) {
    writeRawResponse(client, 502, 'Bad Gateway', 'text/plain; charset=utf-8', `error dialing backend: ${(e as Error).message}`);
    return;
  }
  const closed = Promise.all([
    new Promise<void>((r) => (client.destroyed ? r() : client.once('close', () => r()))),
    new Promise<void>((r) => (backend.destroyed ? r() : backend.once('close', () => r()))),
  ]).then(() => undefined);
  const teardown = () => {
    client.destroy();
    backend.destroy();
  };
  client.on('error', teardown);
  backend.on('error', teardown);
  client.once('close', () => backend.destroy());
  backend.once('close', () => client.destroy());

  backend.write(upgradeRequestHead(req, target), 'latin1');
  if (head.length) backend.write(head);

  let buf = Buffer.alloc(0);
  const timer = setTimeout(() => {
    backend.off('data', onHead);
    writeRawResponse(client, 504, 'Gateway Timeout', 'text/plain; charset=utf-8', 'timed out waiting for the backend to answer the upgrade');
    backend.destroy();
  }, target.headerTimeoutMs ?? 30_000);
  function onHead(chunk: Buffer) {
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buf.length > 64 * 1024) teardown();
      return;
    }
    clearTimeout(timer);
    backend.off('data', onHead);
    backend.pause();
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
    client.write(buf);
    if (status === 101) {
      backend.pipe(client);
      client.pipe(backend);
    } else {
      // Pass the error answer through, then close: the connection cannot be reused.
      backend.pipe(client);
      backend.resume();
      setTimeout(teardown, 5000).unref();
    }
  }
  backend.on('data', onHead);
  await closed;
  clearTimeout(timer);
}
