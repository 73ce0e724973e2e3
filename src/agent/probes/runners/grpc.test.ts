/** The gRPC runner against a real grpc.health.v1 server (written here with @grpc/grpc-js) on 127.0.0.1. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_CHECK_METHOD,
  type ServingStatus,
} from './grpc-health.js';
import { runGrpcProbe } from './grpc.js';
import { PROBE_USER_AGENT } from './result.js';

const healthService: ServiceDefinition = {
  Check: {
    path: HEALTH_CHECK_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeHealthCheckRequest,
    requestDeserialize: decodeHealthCheckRequest,
    responseSerialize: encodeHealthCheckResponse,
    responseDeserialize: decodeHealthCheckResponse,
  },
};

const statuses: Record<string, ServingStatus> = { '': 'SERVING', down: 'NOT_SERVING', odd: 'UNKNOWN' };
let lastUserAgent = '';
let healthPort = 0;
let bareHealthPort = 0;
const servers: Server[] = [];

function bind(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

before(async () => {
  const health = new Server();
  health.addService(healthService, {
    Check: (call: ServerUnaryCall<{ service: string }, unknown>, cb: sendUnaryData<{ status: ServingStatus }>) => {
      lastUserAgent = String(call.metadata.get('user-agent')[0] ?? '');
      const svc = call.request.service;
      if (svc === 'slow') return void setTimeout(() => cb(null, { status: 'SERVING' }), 3000).unref();
      const st = statuses[svc];
      if (!st) return cb({ code: status.NOT_FOUND, details: 'unknown service' });
      cb(null, { status: st });
    },
  });
  healthPort = await bind(health);
  servers.push(health);
  const bare = new Server(); // serves nothing: every call is UNIMPLEMENTED
  bareHealthPort = await bind(bare);
  servers.push(bare);
});

after(() => {
  for (const s of servers) s.forceShutdown();
});

const probe = (port: number, service = '', timeoutMs = 1000) => runGrpcProbe({ host: '127.0.0.1', port, service, timeoutMs });

test('the health messages round-trip', () => {
  assert.deepEqual(decodeHealthCheckRequest(encodeHealthCheckRequest({ service: 'svc.é' })), { service: 'svc.é' });
  assert.deepEqual(decodeHealthCheckRequest(encodeHealthCheckRequest({ service: '' })), { service: '' });
  for (const s of ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const)
    assert.deepEqual(decodeHealthCheckResponse(encodeHealthCheckResponse({ status: s })), { status: s });
  assert.deepEqual(decodeHealthCheckResponse(encodeHealthCheckResponse({ status: 300 })), { status: 300 });
});

test('grpc: SERVING is a success; the user agent is kube-probe', async () => {
  assert.deepEqual(await probe(healthPort), { result: 'success', output: 'service healthy' });
  assert.ok(lastUserAgent.startsWith(`${PROBE_USER_AGENT} `) || lastUserAgent === PROBE_USER_AGENT, lastUserAgent);
});

test('grpc: NOT_SERVING and UNKNOWN are failures naming the status', async () => {
  assert.deepEqual(await probe(healthPort, 'down'), { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
  assert.deepEqual(await probe(healthPort, 'odd'), { result: 'failure', output: 'service unhealthy (responded with "UNKNOWN")' });
});

test('grpc: an unknown service name fails with the RPC error', async () => {
  assert.deepEqual(await probe(healthPort, 'nope'), { result: 'failure', output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' });
});

test('grpc: a server without the health service is reported as not implementing the protocol', async () => {
  const r = await probe(bareHealthPort);
  assert.equal(r.result, 'failure');
  assert.match(r.output, /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): .+/);
});

test('grpc: a health RPC slower than the timeout', async () => {
  assert.deepEqual(await probe(healthPort, 'slow', 1000), { result: 'failure', output: 'timeout: health rpc did not complete within 1s' });
});

test('grpc: nothing listening: the connection times out', async () => {
  const tmp = createTcpServer();
  const port = await new Promise<number>((r) => tmp.listen(0, '127.0.0.1', () => r((tmp.address() as AddressInfo).port)));
  await new Promise((r) => tmp.close(r));
  const t0 = Date.now();
  assert.deepEqual(await probe(port, '', 1000), {
    result: 'failure',
    output: `timeout: failed to connect service "127.0.0.1:${port}" within 1s: context deadline exceeded`,
  });
  assert.ok(Date.now() - t0 < 3000);
});
