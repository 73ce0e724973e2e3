/**
 * The client side of an HTTP/1.1 upgrade (used to open SPDY/3.1 connections to a node's kubelet
 * server when the apiserver translates WebSocket streams, as upstream's SPDY round tripper).
 *
 * Contract:
 * - writes `METHOD path HTTP/1.1` with Host, `Connection: Upgrade`, `Upgrade: <upgrade>` and the
 *   given extra headers (repeated names allowed), then reads the answer's head;
 * - 101: resolves `{ ok: true, socket, headers, rest }` — `rest` holds bytes that came after the
 *   head (already part of the upgraded protocol); the socket is paused and has no listeners of ours;
 * - any other status: reads the body (Content-Length, else until close; at most 64 KiB, 5 s) and
 *   resolves `{ ok: false, status, headers, body, raw }` (`raw`: the head and body as received),
 *   with the socket destroyed;
 * - no head within `headerTimeoutMs` (default 30 s), a head over 64 KiB or a connection error
 *   rejects, the socket destroyed.
 */
import type { Duplex } from 'node:stream';

export interface UpgradeRequestSpec {
  method: string;
  path: string;
  host: string;
  upgrade: string;
  headers?: [string, string][];
  headerTimeoutMs?: number;
}

export type UpgradeResult =
  | { ok: true; socket: Duplex; status: 101; headers: Map<string, string[]>; rest: Buffer }
  | { ok: false; status: number; headers: Map<string, string[]>; body: string; raw: Buffer };

const MAX_HEAD = 64 * 1024;

/** Parses `HTTP/1.1 NNN reason\r\nName: value...` (the head without the blank line). */
export function parseResponseHead(head: string): { status: number; headers: Map<string, string[]> } {
  const lines = head.split(/\r?\n/);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return { status, headers };
}

export function requestUpgrade(socket: Duplex, spec: UpgradeRequestSpec): Promise<UpgradeResult> {
  const lines = [`${spec.method} ${spec.path} HTTP/1.1`, `Host: ${spec.host}`, 'Connection: Upgrade', `Upgrade: ${spec.upgrade}`];
  for (const [n, v] of spec.headers ?? []) lines.push(`${n}: ${v}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const fail = (e: Error) => {
      cleanup();
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error('timed out waiting for the upgrade response')), spec.headerTimeoutMs ?? 30_000);
    const onError = (e: Error) => fail(e);
    const onClose = () => fail(new Error('connection closed before the upgrade response'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) fail(new Error('upgrade response head too large'));
        return;
      }
      cleanup();
      socket.pause();
      const { status, headers } = parseResponseHead(buf.subarray(0, end).toString('latin1'));
      const rest = buf.subarray(end + 4);
      if (status === 101) return resolve({ ok: true, socket, status: 101, headers, rest });
      readBody(socket, headers, rest).then((body) => {
        socket.destroy();
        resolve({ ok: false, status, headers, body: body.toString('utf8'), raw: Buffer.concat([buf.subarray(0, end + 4), body]) });
      });
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

function readBody(socket: Duplex, headers: Map<string, string[]>, first: Buffer): Promise<Buffer> {
  const length = Number(headers.get('content-length')?.[0] ?? NaN);
  return new Promise((resolve) => {
    let body = first;
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', done);
      socket.off('close', done);
      socket.off('error', done);
      resolve(body.subarray(0, Number.isFinite(length) ? length : MAX_HEAD));
    };
    const onData = (c: Buffer) => {
      body = Buffer.concat([body, c]);
      if ((Number.isFinite(length) && body.length >= length) || body.length >= MAX_HEAD) done();
    };
    const timer = setTimeout(done, 5_000);
    if ((Number.isFinite(length) && body.length >= length) || body.length >= MAX_HEAD) return done();
    socket.on('data', onData);
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', done);
    socket.resume();
  });
}
