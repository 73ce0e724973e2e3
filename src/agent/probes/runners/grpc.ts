/**
 * grpc probes (upstream pkg/probe/grpc): connect to host:port without TLS (waiting for the channel
 * to be ready, like grpc.WithBlock) and call grpc.health.v1.Health/Check with the probe's service
 * name, all within the timeout. SERVING is success (`service healthy`); any other status a failure
 * `service unhealthy (responded with "NOT_SERVING")`; connection and RPC errors are failures with
 * upstream's texts (`timeout: failed to connect service "H:P" within 1s: context deadline exceeded`,
 * `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ...`,
 * `timeout: health rpc did not complete within 1s`, `error: health rpc probe failed: rpc error: ...`).
 */
import { Client, credentials, Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, HEALTH_CHECK_METHOD, type ServingStatus } from './grpc-health.js';
import { goDuration, joinHostPort, PROBE_USER_AGENT, type ProbeRunResult } from './result.js';

export interface GrpcProbeTarget {
  host: string;
  port: number;
  service: string;
  timeoutMs: number;
  userAgent?: string;
}

/** Go's names of the gRPC status codes (what `rpc error: code = X` prints). */
const GO_CODES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss',
  'Unauthenticated',
];

export async function runGrpcProbe(t: GrpcProbeTarget): Promise<ProbeRunResult> {
  const addr = joinHostPort(t.host, t.port);
  const timeout = goDuration(t.timeoutMs);
  const deadline = new Date(Date.now() + t.timeoutMs);
  const client = new Client(addr, credentials.createInsecure(), {
    'grpc.primary_user_agent': t.userAgent ?? PROBE_USER_AGENT,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.enable_retries': 0,
  });
  try {
    const ready = await new Promise<Error | undefined>((resolve) => client.waitForReady(deadline, (err) => resolve(err)));
    if (ready) {
      if (Date.now() >= deadline.getTime() - 5)
        return { result: 'failure', output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${timeout}: context deadline exceeded` };
      return { result: 'failure', output: `error: failed to connect service at ${JSON.stringify(addr)}: ${ready.message}` };
    }
    const reply = await new Promise<{ err: ServiceError | null; status?: ServingStatus | number }>((resolve) =>
      client.makeUnaryRequest(
        HEALTH_CHECK_METHOD,
        encodeHealthCheckRequest,
        decodeHealthCheckResponse,
        { service: t.service },
        new Metadata(),
        { deadline },
        (err, value) => resolve({ err, status: value?.status }),
      ),
    );
    if (reply.err) {
      const e = reply.err;
      if (e.code === grpcStatus.UNIMPLEMENTED)
        return { result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${e.details}` };
      if (e.code === grpcStatus.DEADLINE_EXCEEDED) return { result: 'failure', output: `timeout: health rpc did not complete within ${timeout}` };
      return { result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${GO_CODES[e.code] ?? `Code(${e.code})`} desc = ${e.details}` };
    }
    if (reply.status !== 'SERVING') {
      const name = typeof reply.status === 'number' ? String(reply.status) : (reply.status ?? 'UNKNOWN');
      return { result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(name)})` };
    }
    return { result: 'success', output: 'service healthy' };
  } catch (e) {
    return { result: 'unknown', output: e instanceof Error ? e.message : String(e) };
  } finally {
    client.close();
  }
}
