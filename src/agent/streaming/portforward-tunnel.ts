/**
 * port-forward for clients that tunnel SPDY through a WebSocket (kubectl 1.31+: subprotocol
 * `SPDY/3.1+portforward.k8s.io`), as upstream's apiserver TunnelingHandler: the SPDY bytes the
 * client puts in binary WebSocket messages are the bytes of an ordinary SPDY port-forward
 * connection, so the node is asked for a plain SPDY/3.1 upgrade and the two are spliced. Nothing
 * inside SPDY is looked at.
 *
 * Contract of servePortForwardTunnel:
 * - `protocols` are the offered subprotocols starting `SPDY/3.1+` and ending `.k8s.io`, prefix
 *   removed (the caller picks them: pod-stream.ts chooseUpgradeMode); the node gets `POST` with
 *   `Upgrade: SPDY/3.1` and one `X-Stream-Protocol-Version` per protocol;
 * - node answers 101: the WebSocket handshake completes with subprotocol `SPDY/3.1+<the protocol
 *   the node chose>`; then every binary message goes to the node as is and every chunk from the
 *   node becomes one binary message; either side closing closes the other; the node side is
 *   paused while more than 1 MiB waits for the client, the client side while the node's socket is
 *   full;
 * - node answers anything else: that answer (head and body) is replayed to the client unchanged
 *   and the connection closed, as upstream does; a failed connect is a 500 text answer.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData } from 'ws';
import { acceptWebSocket, type BackendTarget } from './remotecommand-bridge.js';
import { requestUpgrade } from './upgrade-client.js';
import { writeRawResponse } from './upgrade-proxy.js';

export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';
const HIGH_WATER = 1 << 20;

export async function servePortForwardTunnel(req: IncomingMessage, socket: Duplex, head: Buffer, protocols: string[], backend: BackendTarget): Promise<void> {
  let conn: Duplex;
  try {
    conn = await backend.connect();
  } catch (e) {
    writeRawResponse(socket, 500, 'Internal Server Error', 'text/plain; charset=utf-8', `error dialing backend: ${(e as Error).message}`);
    return;
  }
  let up;
  try {
    up = await requestUpgrade(conn, {
      method: 'POST',
      path: backend.path,
      host: backend.host,
      upgrade: 'SPDY/3.1',
      headers: protocols.map((p): [string, string] => ['X-Stream-Protocol-Version', p]),
      headerTimeoutMs: backend.headerTimeoutMs,
    });
  } catch (e) {
    writeRawResponse(socket, 500, 'Internal Server Error', 'text/plain; charset=utf-8', (e as Error).message);
    return;
  }
  if (!up.ok) {
    if (!socket.destroyed) socket.end(up.raw);
    return;
  }
  const node = up.socket;
  const chosen = up.headers.get('x-stream-protocol-version')?.[0]?.trim() || protocols[0]!;
  const ws = await acceptWebSocket(req, socket, head, SPDY_TUNNEL_PREFIX + chosen);
  if (!ws) {
    node.destroy();
    return;
  }
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const nodeClosed = new Promise<void>((resolve) => (node.destroyed ? resolve() : node.once('close', () => resolve())));
  ws.on('error', () => ws.terminate());
  node.on('error', () => node.destroy());
  ws.once('close', () => node.destroy());
  node.once('close', () => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
    else ws.terminate();
  });

  let waiting = 0;
  let paused = false;
  const toClient = (data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    waiting += data.length;
    ws.send(data, { binary: true }, () => {
      waiting -= data.length;
      if (paused && waiting < HIGH_WATER / 4) {
        paused = false;
        node.resume();
      }
    });
    if (!paused && waiting > HIGH_WATER) {
      paused = true;
      node.pause();
    }
  };
  ws.on('message', (data: RawData) => {
    const m = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!node.write(m)) {
      ws.pause();
      node.once('drain', () => ws.resume());
    }
  });
  node.on('data', toClient);
  node.on('end', () => node.destroy());
  if (up.rest.length) toClient(up.rest);
  node.resume();
  await Promise.all([closed, nodeClosed]);
}
