/**
 * The built-in images for real: build them, start a throwaway containerd (own root, state and socket
 * in a temp dir), import them with `flotilla images import` through main(), list them, run the pause
 * and demo images with `ctr run`, remove them. Needs root, containerd, ctr and runc; fails saying
 * what to install when they are missing. Everything it creates is named `flt-<random>` and removed
 * at the end, also on failure. Traffic goes to 127.0.0.1 only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BUILTIN_IMAGES, DEMO_APP_NAMES } from './builtin.js';
import { ensureBuiltinImages } from './build.js';
import { importBuiltinImages } from './builtin-import.js';
import { buildLayer, sha256, writeTar } from './oci-archive.js';

const RUN = `flt-${randomBytes(4).toString('hex')}`;
const NS = 'k8s.io';

function which(bin: string): boolean {
  return (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => existsSync(join(d, bin)));
}

function exec(file: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** `flotilla ARGS...` through main(), in a child process as the binary runs it. */
function flotilla(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const mainUrl = new URL('../../cmd/flotilla/main.ts', import.meta.url).href;
  const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], 120_000);
}

async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free loopback port found');
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve(code ?? `signal ${signal}`);
    });
  });
}

test('built-in images: build, import with flotilla images, run pause and the demo app in containerd, remove, importBuiltinImages', { timeout: 240_000 }, async (t) => {
  const missing = ['containerd', 'ctr', 'runc', 'gcc'].filter((b) => !which(b));
  assert.ok(process.getuid?.() === 0, 'this test runs containerd and needs root');
  assert.deepEqual(missing, [], `missing ${missing.join(', ')}: install containerd runc gcc libc6-dev busybox-static (scripts/setup.sh does)`);

  const dir = await mkdtemp(join(tmpdir(), `${RUN}-`));
  const socket = join(dir, 'containerd', 'containerd.sock');
  const ctr = (...args: string[]) => exec('ctr', ['--address', socket, '--connect-timeout', '5s', '-n', NS, ...args]);
  const containers: string[] = [];
  let containerd: ChildProcess | undefined;
  const foreground: ChildProcess[] = [];

  try {
    await mkdir(join(dir, 'containerd'), { recursive: true });
    await writeFile(
      join(dir, 'config.toml'),
      [
        'version = 2',
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        '[grpc]',
        `  address = "${socket}"`,
        '[plugins."io.containerd.grpc.v1.cri"]',
        '  disable_tcp_service = true',
        '',
      ].join('\n'),
    );
    const logFd = openSync(join(dir, 'containerd.log'), 'a');
    containerd = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    await until('containerd to serve its socket', async () => (existsSync(socket) && (await ctr('version')).code === 0 ? true : undefined), 30_000);

    // Build into this run's own cache (the first build compiles; a second call is a no-op).
    const cacheDir = join(dir, 'cache');
    const progress: string[] = [];
    const archives = await ensureBuiltinImages({ cacheDir, onProgress: (l) => progress.push(l) });
    assert.match(progress.join('\n'), /building the built-in images/);
    const again: string[] = [];
    assert.deepEqual(await ensureBuiltinImages({ cacheDir, onProgress: (l) => again.push(l) }), archives);
    assert.deepEqual(again, [], 'unchanged inputs rebuild nothing');

    await t.test('flotilla images import registers every name', async () => {
      const r = await flotilla(['images', 'import', '--data-dir', dir, archives.pause, archives.busybox, archives.demo]);
      assert.equal(r.code, 0, r.stderr);
      const expected = [BUILTIN_IMAGES.pause, BUILTIN_IMAGES.busybox, ...Object.keys(DEMO_APP_NAMES)];
      assert.deepEqual(r.stdout.trim().split('\n'), expected.map((n) => `Imported: ${n}`));
      assert.match(r.stderr, /importing .*pause\.oci\.tar/);
      assert.match(r.stderr, /unpacking flotilla\.local\/pause:3\.9 \(sha256:[0-9a-f]{64}\)\.\.\.done/);
    });

    await t.test('flotilla images ls shows them like crictl images', async () => {
      const r = await flotilla(['images', 'ls', '--address', socket]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.match(lines[0]!, /^IMAGE +TAG +IMAGE ID +SIZE$/);
      assert.match(r.stdout, /\nflotilla\.local\/pause +3\.9 +[0-9a-f]{13} +\d/);
      assert.match(r.stdout, /\nflotilla\.local\/busybox +1\.35 +[0-9a-f]{13} +\d/);
      assert.match(r.stdout, /\nmyregistry\.com\/myapp +v1\.2\.3 +[0-9a-f]{13} +\d/);
      assert.match(r.stdout, /\nmyregistry\.com\/myapp +v1\.3\.0 +[0-9a-f]{13} +\d/);
      assert.equal(lines.length, 6);
    });

    await t.test('pause runs as PID 1 and exits 0 on SIGTERM', async () => {
      const id = `${RUN}-pause`;
      containers.push(id);
      const run = spawn('ctr', ['--address', socket, '-n', NS, 'run', BUILTIN_IMAGES.pause, id], { stdio: ['ignore', 'pipe', 'pipe'] });
      foreground.push(run);
      let out = '';
      run.stdout!.on('data', (d) => (out += String(d)));
      run.stderr!.on('data', (d) => (out += String(d)));
      await until('the pause task to run', async () => ((await ctr('task', 'ls')).stdout.match(new RegExp(`${id}\\s+\\d+\\s+RUNNING`)) ? true : undefined));
      // As PID 1 it gets no default action for SIGTERM: exit 0 proves its own handler ran.
      assert.equal((await ctr('task', 'kill', '-s', 'SIGTERM', id)).code, 0);
      assert.equal(await exitOf(run, 15_000), 0, `pause did not exit 0 on SIGTERM: ${out}`);
    });

    await t.test('busybox has the common applets and tar', async () => {
      const id = `${RUN}-bb`;
      containers.push(id);
      const r = await exec('ctr', [
        '--address', socket, '-n', NS, 'run', '--rm', BUILTIN_IMAGES.busybox, id,
        'sh', '-c', 'for a in sh ls cat echo sleep wget nc ps env id mkdir rm touch tar hostname ip ping nslookup httpd grep head tail date printf kill; do command -v $a >/dev/null || echo missing $a; done; id -un; tar cf - /etc/passwd | tar tf -; test -d /tmp && echo tmp-ok',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'root\netc/passwd\ntmp-ok\n');
    });

    await t.test('the demo app serves /, /health, /ready, /metrics and exits 0 on SIGTERM', async () => {
      const id = `${RUN}-demo`;
      containers.push(id);
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const run = spawn('ctr', ['--address', socket, '-n', NS, 'run', '--net-host', '--env', `PORT=${port}`, 'myregistry.com/myapp:v1.2.3', id], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      foreground.push(run);
      let out = '';
      run.stdout!.on('data', (d) => (out += String(d)));
      run.stderr!.on('data', (d) => (out += String(d)));
      const health = await until('the demo app to answer /health', async () => {
        const r = await get(`${base}/health`);
        return r.status === 200 ? r : undefined;
      });
      assert.equal(health.body, 'ok\n');
      const root = await get(`${base}/`);
      assert.equal(root.status, 200);
      assert.match(root.body, /^hello from v1\.2\.3 \(.+\)\n$/);
      assert.equal((await get(`${base}/ready`)).status, 200);
      assert.equal((await get(`${base}/nope`)).status, 404);

      // Probe failures on demand, from inside the container (busybox is in the image).
      const execIn = (eid: string, ...cmd: string[]) => ctr('task', 'exec', '--exec-id', `${eid}-${RUN}`, id, ...cmd);
      assert.equal((await execIn('unready', 'touch', '/tmp/unready')).code, 0);
      assert.equal((await get(`${base}/ready`)).status, 503);
      assert.equal((await execIn('ready', 'rm', '/tmp/unready')).code, 0);
      assert.equal((await get(`${base}/ready`)).status, 200);
      assert.equal((await execIn('unhealthy', 'touch', '/tmp/unhealthy')).code, 0);
      assert.equal((await get(`${base}/health`)).status, 500);
      assert.equal((await execIn('healthy', 'rm', '/tmp/unhealthy')).code, 0);
      const inside = await execIn('wget', 'wget', '-qO-', `http://127.0.0.1:${port}/health`);
      assert.equal(inside.stdout, 'ok\n', inside.stderr);

      const metrics = await get(`${base}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.body, /^# TYPE http_requests_total counter$/m);
      assert.match(metrics.body, /^http_requests_total\{method="GET",path="\/health",status="200"\} \d+$/m);
      assert.match(metrics.body, /^http_requests_total\{method="GET",path="\/ready",status="503"\} 1$/m);
      assert.match(metrics.body, /^http_requests_total\{method="GET",path="\/health",status="500"\} 1$/m);
      assert.match(metrics.body, /^# TYPE http_request_duration_seconds histogram$/m);
      assert.match(metrics.body, /^http_request_duration_seconds_bucket\{path="\/",le="0\.005"\} \d+$/m);
      assert.match(metrics.body, /^http_request_duration_seconds_bucket\{path="\/",le="\+Inf"\} 1$/m);
      assert.match(metrics.body, /^http_request_duration_seconds_count\{path="\/"\} 1$/m);
      assert.match(metrics.body, /^http_request_duration_seconds_sum\{path="\/"\} [\d.]+$/m);
      assert.match(metrics.body, /^demo_app_info\{version="v1\.2\.3"\} 1$/m);

      assert.equal((await ctr('task', 'kill', '-s', 'SIGTERM', id)).code, 0);
      assert.equal(await exitOf(run, 15_000), 0, `demo app did not exit 0 on SIGTERM: ${out}`);
      assert.match(out, /listening on :\d+/);
      assert.match(out, /demo-app: stopped/);
    });

    await t.test('flotilla images import also takes docker save archives', async () => {
      // `docker save` layout: manifest.json, the config as <hex>.json, each layer as <hex>/layer.tar.
      const layer = await buildLayer([{ type: 'file', path: '/bin/busybox', mode: 0o755, content: readFileSync('/bin/busybox') }, { type: 'symlink', path: '/bin/sh', target: 'busybox' }]);
      const tar = gunzipSync(layer.blob);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
      const configName = `${sha256(config).slice(7)}.json`;
      const layerName = `${layer.diffId.slice(7)}/layer.tar`;
      const name = `${RUN}.local/docker-saved:1`;
      const archive = await writeTar([
        { type: 'file', path: 'manifest.json', content: JSON.stringify([{ Config: configName, RepoTags: [name], Layers: [layerName] }]) },
        { type: 'file', path: configName, content: config },
        { type: 'file', path: layerName, content: tar },
      ]);
      const file = join(dir, 'docker-saved.tar');
      await writeFile(file, archive);
      const r = await flotilla(['images', 'import', '--address', socket, file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `Imported: ${name}\n`);
      const id = `${RUN}-docker`;
      containers.push(id);
      const run = await exec('ctr', ['--address', socket, '-n', NS, 'run', '--rm', name, id, 'sh', '-c', 'echo saved-ok']);
      assert.equal(run.stdout, 'saved-ok\n', run.stderr);
      assert.equal((await flotilla(['images', 'rm', '--address', socket, name])).code, 0);
    });

    await t.test('flotilla images rm removes the names (and the CRI id refs with them)', async () => {
      const all = [BUILTIN_IMAGES.pause, BUILTIN_IMAGES.busybox, ...Object.keys(DEMO_APP_NAMES)];
      const r = await flotilla(['images', 'rm', '--address', socket, ...all]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), all.map((n) => `Deleted: ${n}`));
      const left = await ctr('images', 'ls', '-q');
      assert.equal(left.stdout.trim(), '', 'no image references left');
      const missing = await flotilla(['images', 'rm', '--address', socket, BUILTIN_IMAGES.pause]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error: no such image: ${BUILTIN_IMAGES.pause}\n`);
    });
    await t.test('importBuiltinImages imports what is missing, then nothing', async () => {
      const all = [BUILTIN_IMAGES.pause, BUILTIN_IMAGES.busybox, ...Object.keys(DEMO_APP_NAMES)];
      assert.deepEqual(await importBuiltinImages(socket, { cacheDir }), { imported: all, present: [] });
      assert.deepEqual(await importBuiltinImages(socket, { cacheDir }), { imported: [], present: all });
      // A name moved to other content is imported again.
      assert.equal((await ctr('images', 'rm', BUILTIN_IMAGES.busybox)).code, 0);
      assert.deepEqual(await importBuiltinImages(socket, { cacheDir }), { imported: [BUILTIN_IMAGES.busybox], present: all.filter((n) => n !== BUILTIN_IMAGES.busybox) });
    });
  } catch (e) {
    if (existsSync(join(dir, 'containerd.log'))) {
      const log = readFileSync(join(dir, 'containerd.log'), 'utf8').split('\n').slice(-20).join('\n');
      t.diagnostic(`containerd log tail:\n${log}`);
    }
    throw e;
  } finally {
    for (const id of containers) {
      await ctr('task', 'kill', '-s', 'SIGKILL', id);
      await ctr('task', 'rm', '-f', id);
      await ctr('containers', 'rm', id);
    }
    for (const c of foreground) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    if (containerd?.pid && containerd.exitCode === null) {
      process.kill(containerd.pid, 'SIGTERM');
      if ((await exitOf(containerd, 10_000)) === 'timeout') process.kill(containerd.pid, 'SIGKILL');
    }
    // Snapshot mounts left by a failed run would keep rm from removing the tree.
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(dir))
      .sort()
      .reverse();
    for (const m of mounts) await exec('umount', ['-l', m]);
    await rm(dir, { recursive: true, force: true });
  }
});
