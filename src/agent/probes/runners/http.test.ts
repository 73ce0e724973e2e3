/**
 * The HTTP runner against real servers on 127.0.0.1 (no other address is ever contacted: the
 * cross-host redirect points at `localhost`, which the runner must not follow).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runHttpProbe, type HttpProbeTarget } from './http.js';
import { PROBE_USER_AGENT } from './result.js';

let server: Server;
let port = 0;
let closedPort = 0;
let lastHeaders: IncomingHttpHeaders = {};
let loopRequests = 0;
const servers: { close(): void; closeAllConnections?(): void }[] = [];

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

before(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    const path = req.url ?? '/';
    if (path === '/ok') return res.end('all good');
    if (path === '/fail') return res.writeHead(500).end('boom: secret details');
    if (path === '/moved') return res.writeHead(302, { location: '/ok' }).end();
    if (path === '/elsewhere') return res.writeHead(301, { location: `http://localhost:${port}/ok` }).end('moved away');
    if (path === '/loop') {
      loopRequests++;
      return res.writeHead(302, { location: '/loop' }).end();
    }
    if (path === '/hangup') return void req.socket.destroy();
    if (path === '/not-modified') return res.writeHead(304).end();
    if (path === '/big') return res.end('x'.repeat(50_000));
    if (path === '/slow') return void setTimeout(() => res.end('late'), 2000).unref();
    if (path === '/slow-body') {
      res.writeHead(200);
      res.write('partial');
      return void setTimeout(() => res.end('late'), 2000).unref();
    }
    res.writeHead(404).end();
  });
  port = await listen(server);
  servers.push(server);
  const tmp = createServer();
  closedPort = await listen(tmp);
  await new Promise((r) => tmp.close(r));
});

after(() => {
  for (const s of servers) {
    s.closeAllConnections?.();
    s.close();
  }
});

const target = (path: string, extra: Partial<HttpProbeTarget> = {}): HttpProbeTarget => ({
  scheme: 'http',
  host: '127.0.0.1',
  port,
  path,
  headers: [],
  timeoutMs: 1000,
  ...extra,
});

test('200: success, the body as output; kube-probe User-Agent and Accept */* by default', async () => {
  assert.deepEqual(await runHttpProbe(target('/ok')), { result: 'success', output: 'all good' });
  assert.equal(lastHeaders['user-agent'], PROBE_USER_AGENT);
  assert.match(PROBE_USER_AGENT, /^kube-probe\/1\.\d+$/);
  assert.equal(lastHeaders['accept'], '*/*');
  assert.equal(lastHeaders['connection'], 'close');
});

test('probe headers are sent; Host overrides the host; User-Agent and Accept can be replaced or removed', async () => {
  await runHttpProbe(
    target('/ok', {
      headers: [
        { name: 'X-Custom', value: 'a' },
        { name: 'Host', value: 'app.example' },
        { name: 'User-Agent', value: 'mine' },
        { name: 'Accept', value: '' },
      ],
    }),
  );
  assert.equal(lastHeaders['x-custom'], 'a');
  assert.equal(lastHeaders['host'], 'app.example');
  assert.equal(lastHeaders['user-agent'], 'mine');
  assert.equal(lastHeaders['accept'], undefined);
});

test('500: failure with upstream’s text and without the body', async () => {
  assert.deepEqual(await runHttpProbe(target('/fail')), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  assert.deepEqual(await runHttpProbe(target('/nope')), { result: 'failure', output: 'HTTP probe failed with statuscode: 404' });
});

test('a redirect on the same host is followed', async () => {
  assert.deepEqual(await runHttpProbe(target('/moved')), { result: 'success', output: 'all good' });
});

test('a redirect to another host is not followed: success with a warning', async () => {
  assert.deepEqual(await runHttpProbe(target('/elsewhere')), {
    result: 'success',
    warning: true,
    output: 'Probe terminated redirects, Response body: moved away',
  });
});

test('a 3xx that is not a redirect counts as success with a warning, as upstream', async () => {
  assert.deepEqual(await runHttpProbe(target('/not-modified')), { result: 'success', warning: true, output: 'Probe terminated redirects, Response body: ' });
});

test('a redirect loop stops after 10 requests', async () => {
  loopRequests = 0;
  const r = await runHttpProbe(target('/loop'));
  assert.deepEqual(r, { result: 'failure', output: `Get "http://127.0.0.1:${port}/loop": stopped after 10 redirects` });
  assert.equal(loopRequests, 10);
});

test('connection refused: Go’s text with the URL', async () => {
  const r = await runHttpProbe(target('/ready', { port: closedPort }));
  assert.deepEqual(r, {
    result: 'failure',
    output: `Get "http://127.0.0.1:${closedPort}/ready": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
  });
});

test('no answer within the timeout: Client.Timeout exceeded while awaiting headers', async () => {
  const t0 = Date.now();
  const r = await runHttpProbe(target('/slow', { timeoutMs: 300 }));
  assert.deepEqual(r, {
    result: 'failure',
    output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
  });
  assert.ok(Date.now() - t0 < 1500, 'gave up at the timeout');
});

test('a body still streaming at the timeout fails with the body-read text', async () => {
  const r = await runHttpProbe(target('/slow-body', { timeoutMs: 300 }));
  assert.deepEqual(r, { result: 'failure', output: 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' });
});

test('only 10 KiB of a body is read', async () => {
  const r = await runHttpProbe(target('/big'));
  assert.equal(r.result, 'success');
  assert.equal(r.output.length, 10 * 1024);
});

test('a path without a leading slash and an empty path', async () => {
  assert.equal((await runHttpProbe(target('ok'))).result, 'success');
  assert.deepEqual(await runHttpProbe(target('')), { result: 'failure', output: 'HTTP probe failed with statuscode: 404' });
});

test('HTTPS without certificate verification; HTTPS against a plain HTTP server fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), `flt-${process.pid}-probe-tls-`));
  try {
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=flt-test'], {
        stdio: 'ignore',
        timeout: 30_000,
      });
    } catch (e) {
      assert.fail(`this test needs openssl (apt-get install openssl): ${String(e)}`);
    }
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (_req, res) => res.end('secure'));
    const tlsPort = await new Promise<number>((resolve) => tls.listen(0, '127.0.0.1', () => resolve((tls.address() as AddressInfo).port)));
    servers.push(tls);
    assert.deepEqual(await runHttpProbe(target('/', { scheme: 'https', port: tlsPort })), { result: 'success', output: 'secure' });
    assert.deepEqual(await runHttpProbe(target('/ok', { scheme: 'https' })), {
      result: 'failure',
      output: `Get "https://127.0.0.1:${port}/ok": http: server gave HTTP response to HTTPS client`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server closing the connection without an answer: EOF', async () => {
  assert.deepEqual(await runHttpProbe(target('/hangup')), { result: 'failure', output: `Get "http://127.0.0.1:${port}/hangup": EOF` });
});
