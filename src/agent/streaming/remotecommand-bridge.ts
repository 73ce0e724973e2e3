/**
 * exec / attach for WebSocket clients speaking `v5.channel.k8s.io` (kubectl 1.30+), translated to
 * the remotecommand `v4.channel.k8s.io` protocol over SPDY/3.1 toward the node, as upstream's
 * apiserver StreamTranslatorHandler does.
 *
 * WebSocket side (k8s.io/apimachinery wsstream, binary): every message is `channel byte + data`;
 * 0 stdin, 1 stdout, 2 stderr, 3 error (one Status JSON), 4 resize (`{"Width":w,"Height":h}`),
 * 255 close (`[255, channel]`: the client will send no more on that channel — v5's addition,
 * which is how stdin EOF reaches the process).
 *
 * Contract of serveRemoteCommandWebSocket:
 * - completes the WebSocket handshake with subprotocol v5.channel.k8s.io, then sends an empty
 *   message on the lowest writable channel (stdout, else stderr, else error) as upstream does to
 *   tell the client the connection is up;
 * - then opens the backend (`openBackend`: a connected socket) and requests the SPDY upgrade
 *   (POST, `X-Stream-Protocol-Version: v4.channel.k8s.io`); a refused upgrade ends the session with
 *   an InternalError Status `unable to upgrade connection: <body>` on channel 3 (the body as a
 *   Status when it is one), a failed connect with `error dialing backend: <err>`;
 * - creates the SPDY streams the node expects, in client-go's order: error, stdin (if stdin),
 *   stdout (if stdout), stderr (if stderr and not tty), resize (if tty); stdin and resize data wait
 *   for the streams' SYN_REPLY; close of channel 0 half-closes the stdin stream; the client is
 *   paused while the node's socket is full;
 * - stdout/stderr DATA become channel 1/2 messages as they arrive (the backend is paused while more
 *   than 1 MiB waits to be written to the client); the error stream is collected;
 * - ends when the error stream and the output streams are finished, or the backend connection
 *   closes: the collected Status (or `{"metadata":{},"status":"Success"}` when the node sent none)
 *   goes out on channel 3, then a WebSocket close; resolves once the client has closed (ws's close
 *   timeout bounds the wait). The client going away first tears the backend down.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { SpdyFrameParser, SpdyHeaderEncoder, dataFrames, pingFrame, synStreamFrame, type SpdyFrame } from './spdy-frames.js';
import { requestUpgrade } from './upgrade-client.js';

export const V5_PROTOCOL = 'v5.channel.k8s.io';
export const SPDY_REMOTECOMMAND_V4 = 'v4.channel.k8s.io';

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface BackendTarget {
  /** Opens a connection (TLS to the node agent) ready for the HTTP request. */
  connect(): Promise<Duplex>;
  /** Path and query on the backend. */
  path: string;
  host: string;
  headerTimeoutMs?: number;
}

const CH_STDIN = 0;
const CH_STDOUT = 1;
const CH_STDERR = 2;
const CH_ERROR = 3;
const CH_RESIZE = 4;
const CH_CLOSE = 255;
const HIGH_WATER = 1 << 20;

/**
 * Completes a WebSocket handshake answering with subprotocol `protocol`; resolves with the open
 * socket, or undefined when the handshake was invalid (ws has answered 400). The client's
 * Sec-WebSocket-Protocol is not handed to ws: ws refuses values that are not RFC 7230 tokens, and
 * `SPDY/3.1+portforward.k8s.io` has a `/` (Go's gorilla accepts it).
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
    delete req.headers['sec-websocket-protocol'];
    server.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
    // ws answers an invalid handshake (400) itself and closes the socket without calling back.
    const onClose = () => resolve(undefined);
    socket.once('close', onClose);
    server.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', onClose);
      resolve(ws);
    });
  });
}

function internalErrorStatus(message: string): string {
  return JSON.stringify({ metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 });
}

/** The Status a refused SPDY upgrade becomes (client-go's SPDY round tripper, then the translator). */
export function refusedUpgradeStatus(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { kind?: string; status?: string };
    if (parsed && parsed.kind === 'Status' && parsed.status) return body;
  } catch {
    /* not a Status */
  }
  return internalErrorStatus(`unable to upgrade connection: ${body.trim() || `the server responded with status ${status}`}`);
}

export async function serveRemoteCommandWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, opts: RemoteCommandOptions, backend: BackendTarget): Promise<void> {
  const ws = await acceptWebSocket(req, socket, head, V5_PROTOCOL);
  if (!ws) return;
  const clientClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const queued: Buffer[] = [];
  let onMessage: ((m: Buffer) => void) | undefined;
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) return;
    const m = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (onMessage) onMessage(m);
    else queued.push(m);
  });
  ws.on('error', () => ws.terminate());
  const send = (channel: number, data: Buffer, cb?: (err?: Error) => void) => {
    if (ws.readyState !== ws.OPEN) return cb?.();
    ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true }, cb);
  };
  const finish = async (status: string) => {
    send(CH_ERROR, Buffer.from(status));
    if (ws.readyState === ws.OPEN) ws.close(1000);
    await clientClosed;
  };
  send(opts.stdout ? CH_STDOUT : opts.stderr && !opts.tty ? CH_STDERR : CH_ERROR, Buffer.alloc(0));

  let conn: Duplex;
  try {
    conn = await backend.connect();
  } catch (e) {
    return finish(internalErrorStatus(`error dialing backend: ${(e as Error).message}`));
  }
  if (ws.readyState !== ws.OPEN) {
    conn.destroy();
    return;
  }
  let up;
  try {
    up = await requestUpgrade(conn, {
      method: 'POST',
      path: backend.path,
      host: backend.host,
      upgrade: 'SPDY/3.1',
      headers: [['X-Stream-Protocol-Version', SPDY_REMOTECOMMAND_V4]],
      headerTimeoutMs: backend.headerTimeoutMs,
    });
  } catch (e) {
    return finish(internalErrorStatus((e as Error).message));
  }
  if (!up.ok) return finish(refusedUpgradeStatus(up.status, up.body));
  const spdy = up.socket;
  const closeBoth = () => {
    spdy.destroy();
    ws.terminate();
  };
  ws.once('close', () => spdy.destroy());

  // Streams, in client-go's creation order.
  const encoder = new SpdyHeaderEncoder();
  const ids: Partial<Record<'error' | 'stdin' | 'stdout' | 'stderr' | 'resize', number>> = {};
  let next = 1;
  const kinds: ('error' | 'stdin' | 'stdout' | 'stderr' | 'resize')[] = ['error'];
  if (opts.stdin) kinds.push('stdin');
  if (opts.stdout) kinds.push('stdout');
  if (opts.stderr && !opts.tty) kinds.push('stderr');
  if (opts.tty) kinds.push('resize');
  const unreplied = new Set<number>();
  const finished = new Set<number>();
  for (const k of kinds) {
    ids[k] = next;
    unreplied.add(next);
    spdy.write(synStreamFrame(next, encoder.encode([['streamType', k]])));
    next += 2;
  }

  // Client → node.
  const pendingToNode: Buffer[] = [];
  let stdinClosed = false;
  let clientPaused = false;
  /** Writes toward the node; while its socket is full the client's messages wait in the kernel. */
  const writeToNode = (f: Buffer) => {
    if (!spdy.write(f) && !clientPaused) {
      clientPaused = true;
      ws.pause();
      spdy.once('drain', () => {
        clientPaused = false;
        ws.resume();
      });
    }
  };
  const toNode = (frames: Buffer[]) => {
    if (unreplied.size) pendingToNode.push(...frames);
    else for (const f of frames) writeToNode(f);
  };
  onMessage = (m) => {
    if (m.length < 1) return;
    const ch = m[0]!;
    const payload = m.subarray(1);
    if (ch === CH_STDIN && ids.stdin !== undefined && !stdinClosed && payload.length) toNode(dataFrames(ids.stdin, payload));
    else if (ch === CH_RESIZE && ids.resize !== undefined && payload.length) toNode(dataFrames(ids.resize, payload));
    else if (ch === CH_CLOSE && payload[0] === CH_STDIN && ids.stdin !== undefined && !stdinClosed) {
      stdinClosed = true;
      toNode(dataFrames(ids.stdin, Buffer.alloc(0), true));
    }
  };
  for (const m of queued.splice(0)) onMessage(m);

  // Node → client.
  const errorChunks: Buffer[] = [];
  let waiting = 0;
  let paused = false;
  const output = (channel: number, data: Buffer) => {
    waiting += data.length;
    send(channel, data, () => {
      waiting -= data.length;
      if (paused && waiting < HIGH_WATER / 4) {
        paused = false;
        spdy.resume();
      }
    });
    if (!paused && waiting > HIGH_WATER) {
      paused = true;
      spdy.pause();
    }
  };
  let done = false;
  let resolveEnd!: () => void;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  const checkEnd = () => {
    if (done) return;
    const outputs = [ids.stdout, ids.stderr].filter((x): x is number => x !== undefined);
    if (finished.has(ids.error!) && outputs.every((id) => finished.has(id))) {
      done = true;
      resolveEnd();
    }
  };
  const parser = new SpdyFrameParser();
  const onFrame = (f: SpdyFrame) => {
    switch (f.type) {
      case 'syn_reply':
        unreplied.delete(f.streamId);
        if (f.fin) finished.add(f.streamId);
        if (!unreplied.size) for (const p of pendingToNode.splice(0)) writeToNode(p);
        break;
      case 'data':
        if (f.data.length) {
          if (f.streamId === ids.stdout) output(CH_STDOUT, f.data);
          else if (f.streamId === ids.stderr) output(CH_STDERR, f.data);
          else if (f.streamId === ids.error) errorChunks.push(f.data);
        }
        if (f.fin) finished.add(f.streamId);
        break;
      case 'headers':
        if (f.fin) finished.add(f.streamId);
        break;
      case 'rst_stream':
        unreplied.delete(f.streamId);
        finished.add(f.streamId);
        break;
      case 'ping':
        // Echo the peer's pings (ours would be odd; we send none).
        spdy.write(pingFrame(f.id));
        break;
      case 'goaway':
        done = true;
        resolveEnd();
        break;
      default:
        break;
    }
    checkEnd();
  };
  spdy.on('data', (chunk: Buffer) => {
    let frames: SpdyFrame[];
    try {
      frames = parser.push(chunk);
    } catch {
      return closeBoth();
    }
    for (const f of frames) onFrame(f);
  });
  spdy.on('error', () => spdy.destroy());
  spdy.once('close', () => {
    done = true;
    resolveEnd();
  });
  if (up.rest.length) spdy.emit('data', up.rest);
  spdy.resume();

  await Promise.race([ended, clientClosed]);
  if (ws.readyState !== ws.OPEN) {
    spdy.destroy();
    return;
  }
  // Let output already written toward the client drain before the status (bounded).
  for (let i = 0; i < 100 && waiting > 0 && ws.readyState === ws.OPEN; i++) await new Promise((r) => setTimeout(r, 20));
  const errText = Buffer.concat(errorChunks).toString('utf8').trim();
  spdy.end();
  await finish(errText || JSON.stringify({ metadata: {}, status: 'Success' }));
  spdy.destroy();
}
