/**
 * tcpSocket probes (upstream pkg/probe/tcp): success when a TCP connection to host:port opens within
 * the timeout (it is closed at once, nothing is sent); otherwise failure with Go's dial error text,
 * `dial tcp H:P: connect: connection refused` or `dial tcp H:P: i/o timeout`.
 */
import { connect } from 'node:net';
import { dialErrorText, joinHostPort, type ProbeRunResult } from './result.js';

export interface TcpProbeTarget {
  host: string;
  port: number;
  timeoutMs: number;
}

export function runTcpProbe(t: TcpProbeTarget): Promise<ProbeRunResult> {
  return new Promise((resolve) => {
    let done = false;
    const sock = connect({ host: t.host, port: t.port });
    const finish = (r: ProbeRunResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ result: 'failure', output: `dial tcp ${joinHostPort(t.host, t.port)}: i/o timeout` }), t.timeoutMs);
    sock.once('connect', () => finish({ result: 'success', output: '' }));
    sock.once('error', (e) => finish({ result: 'failure', output: dialErrorText(t.host, t.port, e) }));
  });
}
