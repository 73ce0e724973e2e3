/**
 * Raw HTTP/1.0 from the test process, one new connection per request (so every request is a new
 * connection through a Service's DNAT, which keep-alive clients would hide).
 */
import { connect } from 'node:net';

/** GET / on a fresh connection; resolves with the trimmed body, rejects after `timeoutMs`. */
export function httpGet(host: string, port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${host}:${port} timed out`));
    }, timeoutMs);
    s.on('connect', () => s.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    s.on('data', (d) => (buf += d));
    s.on('end', () => {
      clearTimeout(timer);
      resolve(buf.split('\r\n\r\n')[1]?.trim() ?? '');
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
