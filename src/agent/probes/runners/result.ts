/**
 * What every probe runner returns, and the Go-flavoured error texts upstream's probers produce (they
 * end up verbatim in `Unhealthy` events, e.g. `dial tcp 10.42.0.5:8080: connect: connection refused`).
 */
import { KUBERNETES_MINOR } from '../../../apiserver/version.js';

/**
 * `success` / `failure`: the probe ran and decided. `unknown`: the prober could not run it (an
 * error, in `output`); the worker throws such results away. `warning` marks a success upstream
 * reports as a ProbeWarning event (an HTTP redirect to another host that was not followed).
 */
export interface ProbeRunResult {
  result: 'success' | 'failure' | 'unknown';
  output: string;
  warning?: boolean;
}

/** The User-Agent of HTTP and gRPC probes, as kubelet's `kube-probe/<major>.<minor>`. */
export const PROBE_USER_AGENT = `kube-probe/1.${KUBERNETES_MINOR}`;

/** Upstream reads at most this much of an HTTP body or an exec probe's output. */
export const MAX_PROBE_OUTPUT = 10 * 1024;

/** `host:port`, with brackets around IPv6 literals (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A Go time.Duration's String() for whole or fractional seconds (`1s`, `500ms`, `1m30s`). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  if (m < 60) return `${m}m${rest}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${rest}s`;
}

const SYSCALL_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ECONNRESET: 'connection reset by peer',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'broken pipe',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

export function errnoCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** The text of a failed dial, as Go's net.OpError prints it: `dial tcp H:P: connect: <reason>`. */
export function dialErrorText(host: string, port: number, e: unknown): string {
  const code = errnoCode(e);
  const text = code ? SYSCALL_TEXT[code] : undefined;
  if (text) return `dial tcp ${joinHostPort(host, port)}: connect: ${text}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: no such host`;
  return `dial tcp ${joinHostPort(host, port)}: ${e instanceof Error ? e.message : String(e)}`;
}
