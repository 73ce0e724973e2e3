/**
 * Built-in image figures, with baselines measured in the same run:
 *   - cold build of the three archives (gcc twice, busybox layer, gzip) vs. one bare `gcc -static`;
 *   - cache hit of ensureBuiltinImages (what every agent start pays);
 *   - layer writing (tar + gzip -9 of busybox) MB/s vs. bare zlib gzip of the same bytes;
 *   - demo app requests/s and p50/p99 over keep-alive connections vs. a bare Node http server
 *     answering the same client;
 *   - with --containerd: import of the three archives into a throwaway containerd, cold and again.
 *
 * Run: node --import tsx bench/images.bench.ts [--requests 20000] [--connections 16] [--containerd]
 * Bounded in count and time; traffic to 127.0.0.1 only; every process it starts is stopped by PID.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ensureBuiltinImages, busyboxEntries, repoRoot } from '../src/agent/images/build.js';
import { importImages } from '../src/agent/images/ctr.js';
import { buildLayer } from '../src/agent/images/oci-archive.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '16' },
    containerd: { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(values.requests);
const CONNECTIONS = Number(values.connections);
const DEADLINE_MS = 60_000;

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, { timeout: 120_000 }, (err) => (err ? reject(err) : resolve())));
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

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

/**
 * REQUESTS GET /health requests over CONNECTIONS keep-alive connections, one in flight per
 * connection; responses are read by Content-Length. Returns requests/s and latencies (ms).
 */
async function load(port: number, path: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = Date.now();
  const req = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<void>((resolve) => {
          const s = connect(port, '127.0.0.1');
          let buf = Buffer.alloc(0);
          let t0 = 0;
          const send = () => {
            if (next >= REQUESTS || Date.now() - started > DEADLINE_MS) {
              s.end();
              return resolve();
            }
            next++;
            t0 = performance.now();
            s.write(req);
          };
          s.on('connect', send);
          s.on('error', () => {
            errors++;
            resolve();
          });
          s.on('data', (d) => {
            buf = Buffer.concat([buf, d]);
            for (;;) {
              const end = buf.indexOf('\r\n\r\n');
              if (end < 0) return;
              const m = /content-length: *(\d+)/i.exec(buf.subarray(0, end).toString());
              const total = end + 4 + Number(m?.[1] ?? 0);
              if (buf.length < total) return;
              if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 200')) errors++;
              buf = buf.subarray(total);
              latencies.push(performance.now() - t0);
              send();
            }
          });
        }),
    ),
  );
  const secs = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / secs, p50: pct(latencies, 50), p99: pct(latencies, 99), errors };
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const t = setTimeout(() => proc.pid && process.kill(proc.pid, 'SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    if (proc.pid) process.kill(proc.pid, 'SIGTERM');
  });
}

const dir = await mkdtemp(join(tmpdir(), 'flt-bench-images-'));
const procs: ChildProcess[] = [];
try {
  const rows: Array<[string, string, string]> = [];
  const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;

  // Build.
  let t0 = performance.now();
  await run('gcc', ['-static', '-O2', '-s', '-o', join(dir, 'pause'), join(repoRoot(), 'images', 'pause', 'pause.c')]);
  const gccBaseline = ms(t0);
  const cacheDir = join(dir, 'cache');
  t0 = performance.now();
  const archives = await ensureBuiltinImages({ cacheDir, force: true });
  rows.push(['cold build of the three archives', ms(t0), `one bare gcc -static: ${gccBaseline}`]);
  t0 = performance.now();
  const hits = 20;
  for (let i = 0; i < hits; i++) await ensureBuiltinImages({ cacheDir });
  rows.push(['ensureBuiltinImages cache hit', `${((performance.now() - t0) / hits).toFixed(1)} ms`, '']);

  // Layer writing.
  const bb = readFileSync('/bin/busybox');
  t0 = performance.now();
  await buildLayer(busyboxEntries(bb, ['sh', 'ls']));
  const layerSecs = (performance.now() - t0) / 1000;
  t0 = performance.now();
  gzipSync(bb, { level: 9 });
  const gzSecs = (performance.now() - t0) / 1000;
  const mb = bb.length / 1e6;
  rows.push(['busybox layer (tar + gzip -9)', `${(mb / layerSecs).toFixed(1)} MB/s`, `bare gzip -9: ${(mb / gzSecs).toFixed(1)} MB/s`]);

  // Demo app vs. a bare Node server.
  const port = await freePort();
  const demoBin = join(dir, 'demo-app');
  await run('gcc', ['-O2', '-o', demoBin, join(repoRoot(), 'images', 'demo-app', 'demo-app.c')]);
  const app = spawn(demoBin, [], { env: { PORT: String(port) }, stdio: 'ignore' });
  procs.push(app);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const demo = await load(port, '/health');
  await stop(app);
  const nodeServer = createHttpServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '3' });
    res.end('ok\n');
  });
  const nodePort = await new Promise<number>((resolve) =>
    nodeServer.listen(0, '127.0.0.1', () => resolve((nodeServer.address() as { port: number }).port)),
  );
  const base = await load(nodePort, '/health');
  await new Promise<void>((resolve) => nodeServer.close(() => resolve()));
  nodeServer.closeAllConnections();
  const fmt = (r: typeof demo) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.errors ? `, ${r.errors} errors` : ''}`;
  rows.push([`demo app GET /health (${CONNECTIONS} keep-alive conns)`, fmt(demo), `bare node http: ${fmt(base)}`]);

  // Import into a throwaway containerd.
  if (values.containerd) {
    const socket = join(dir, 'containerd', 'containerd.sock');
    await mkdir(join(dir, 'containerd'), { recursive: true });
    await writeFile(
      join(dir, 'config.toml'),
      `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\n[grpc]\n  address = "${socket}"\n[plugins."io.containerd.grpc.v1.cri"]\n  disable_tcp_service = true\n`,
    );
    const log = openSync(join(dir, 'containerd.log'), 'a');
    const ctd = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
    closeSync(log);
    procs.push(ctd);
    for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    const all = [archives.pause, archives.busybox, archives.demo];
    t0 = performance.now();
    await importImages(socket, all);
    const cold = ms(t0);
    t0 = performance.now();
    await importImages(socket, all);
    rows.push(['ctr import of the three archives', cold, `again (content present): ${ms(t0)}`]);
    await stop(ctd);
  }

  const w = Math.max(...rows.map((r) => r[0].length)) + 2;
  for (const [what, fig, baseline] of rows) console.log(`${what.padEnd(w)}${fig}${baseline ? `   (${baseline})` : ''}`);
} finally {
  for (const p of procs) await stop(p);
  await rm(dir, { recursive: true, force: true });
}
