/**
 * The demo app's HTTP behaviour, run directly on the host (compiled with gcc into a temp dir) on a
 * loopback port: routes, keep-alive and pipelining, HEAD, probe switches, metrics, concurrency,
 * graceful SIGTERM. The containerd test covers it inside an image.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './build.js';

let dir = '';
let bin = '';
const started: ChildProcess[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flt-demo-'));
  bin = join(dir, 'demo-app');
  await new Promise<void>((resolve, reject) =>
    execFile('gcc', ['-O2', '-Wall', '-o', bin, join(repoRoot(), 'images', 'demo-app', 'demo-app.c')], (err, _o, stderr) =>
      err ? reject(new Error(`gcc failed (install gcc libc6-dev): ${stderr || err.message}`)) : resolve(),
    ),
  );
});

after(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface App {
  port: number;
  proc: ChildProcess;
  output: () => string;
}

async function startApp(env: Record<string, string> = {}): Promise<App> {
  const port = await freePort();
  const proc = spawn(bin, [], { env: { PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  proc.stderr!.on('data', (d) => (out += String(d)));
  const deadline = Date.now() + 5000;
  while (!/listening on/.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`demo-app did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, proc, output: () => out };
}

/** Sends raw bytes on one connection and returns everything read until the server closes it (or timeout). */
function raw(port: number, data: string, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, timeoutMs);
    s.on('data', (d) => (text += String(d)));
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('end', () => {
      clearTimeout(t);
      s.destroy();
      resolve({ text, closed: true });
    });
    s.write(data);
  });
}

async function get(port: number, path: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

function exitOf(proc: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve(code ?? `signal ${signal}`);
    });
  });
}

test('routes: /, /health, /ready, 404, 405, HEAD', async () => {
  const app = await startApp({ VERSION: 'v9.9.9' });
  const root = await get(app.port, '/?x=1');
  assert.equal(root.status, 200);
  assert.equal(root.body, `hello from v9.9.9 (${hostname()})\n`);
  assert.equal(root.headers.get('content-length'), String(Buffer.byteLength(root.body)));
  assert.deepEqual([(await get(app.port, '/health')).body, (await get(app.port, '/ready')).body], ['ok\n', 'ready\n']);
  assert.equal((await get(app.port, '/nope')).status, 404);
  const post = await fetch(`http://127.0.0.1:${app.port}/`, { method: 'POST', body: 'abc', signal: AbortSignal.timeout(3000) });
  assert.equal(post.status, 405);
  await post.text();
  const head = await raw(app.port, 'HEAD /health HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(head.text, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\n');
  assert.ok(head.closed);
  app.proc.kill('SIGTERM');
  assert.equal(await exitOf(app.proc, 5000), 0);
});

test('keep-alive, pipelining in order, HTTP/1.0 and Connection: close', async () => {
  const app = await startApp();
  const piped = await raw(
    app.port,
    'GET /health HTTP/1.1\r\nHost: x\r\n\r\nPOST /ready HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /ready HTTP/1.1\r\nConnection: close\r\n\r\n',
  );
  assert.ok(piped.closed, 'closed after the request that asked for it');
  const statuses = [...piped.text.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '405', '200']);
  assert.deepEqual([...piped.text.matchAll(/^Connection: (\S+)\r$/gm)].map((m) => m[1]), ['keep-alive', 'keep-alive', 'close']);

  const kept = await raw(app.port, 'GET /health HTTP/1.1\r\n\r\n', 300);
  assert.equal(kept.closed, false, 'HTTP/1.1 stays open');
  const ten = await raw(app.port, 'GET /health HTTP/1.0\r\n\r\n');
  assert.ok(ten.closed, 'HTTP/1.0 closes');
  assert.match(ten.text, /Connection: close/);
  const tenKeep = await raw(app.port, 'GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 300);
  assert.equal(tenKeep.closed, false);
  const bad = await raw(app.port, 'NONSENSE\r\n\r\n');
  assert.match(bad.text, /^HTTP\/1\.1 400 /);
  assert.ok(bad.closed);
  app.proc.kill('SIGTERM');
  assert.equal(await exitOf(app.proc, 5000), 0);
});

test('probe switches: FAIL_HEALTH_AFTER_SECONDS and READY_AFTER_SECONDS', async () => {
  const app = await startApp({ FAIL_HEALTH_AFTER_SECONDS: '0.6', READY_AFTER_SECONDS: '0.3' });
  assert.equal((await get(app.port, '/ready')).status, 503);
  assert.equal((await get(app.port, '/health')).status, 200);
  await new Promise((r) => setTimeout(r, 800));
  assert.equal((await get(app.port, '/ready')).status, 200);
  const h = await get(app.port, '/health');
  assert.equal(h.status, 500);
  assert.equal(h.body, 'unhealthy\n');
  app.proc.kill('SIGTERM');
  assert.equal(await exitOf(app.proc, 5000), 0);
});

test('metrics count every request; 100 concurrent connections are all answered', async () => {
  const app = await startApp({ VERSION: 'a"b' });
  const results = await Promise.all(Array.from({ length: 100 }, () => get(app.port, '/')));
  assert.ok(results.every((r) => r.status === 200));
  await get(app.port, '/nope');
  const m = await get(app.port, '/metrics');
  assert.equal(m.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(m.body, /^http_requests_total\{method="GET",path="\/",status="200"\} 100$/m);
  assert.match(m.body, /^http_requests_total\{method="GET",path="other",status="404"\} 1$/m);
  assert.match(m.body, /^http_request_duration_seconds_bucket\{path="\/",le="\+Inf"\} 100$/m);
  assert.match(m.body, /^http_request_duration_seconds_count\{path="\/"\} 100$/m);
  // Buckets are cumulative and end at the count.
  const buckets = [...m.body.matchAll(/^http_request_duration_seconds_bucket\{path="\/",le="([^"]+)"\} (\d+)$/gm)];
  assert.deepEqual(
    buckets.map((b) => b[1]),
    ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'],
  );
  const counts = buckets.map((b) => Number(b[2]));
  assert.ok(counts.every((c, i) => i === 0 || c >= counts[i - 1]!));
  assert.match(m.body, /^demo_app_info\{version="a\\"b"\} 1$/m);
  assert.match(m.body, /^# TYPE process_start_time_seconds gauge$/m);
  app.proc.kill('SIGTERM');
  assert.equal(await exitOf(app.proc, 5000), 0);
});

test('SIGTERM closes idle keep-alive connections and exits 0 promptly; a bad PORT exits 1', async () => {
  const app = await startApp();
  const s = connect(app.port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
  s.on('data', () => {});
  s.write('GET /health HTTP/1.1\r\n\r\n');
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  app.proc.kill('SIGTERM');
  assert.equal(await exitOf(app.proc, 5000), 0);
  assert.ok(Date.now() - t0 < 2000, 'exit does not wait for idle connections');
  await closed;
  assert.match(app.output(), /draining 1 connection/);

  const bad = spawn(bin, [], { env: { PORT: 'eighty' }, stdio: 'ignore' });
  started.push(bad);
  assert.equal(await exitOf(bad, 5000), 1);
});
