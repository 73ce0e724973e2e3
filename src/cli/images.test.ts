import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { CtrError } from '../agent/images/ctr.js';
import { BuiltinImageError } from '../agent/images/build.js';
import type { ImageRecord } from '../agent/images/image-table.js';
import { UsageError } from './flags.js';
import { containerdSocket, imagesCommand, resolveDataDir, type ImagesDeps } from './images.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) }, out: () => out.join(''), err: () => err.join('') };
}

/**
 * Runs main() for each argv in one child process (main writes to process.stdout, which the test
 * runner's own reporting shares), capturing what each run printed and its exit code.
 */
function runMain(argvs: string[][]): Promise<Array<{ code: number; stdout: string; stderr: string }>> {
  const mainUrl = new URL('../cmd/flotilla/main.ts', import.meta.url).href;
  const script = `
    const { main } = await import(${JSON.stringify(mainUrl)});
    const results = [];
    const o = process.stdout.write.bind(process.stdout), e = process.stderr.write.bind(process.stderr);
    for (const argv of ${JSON.stringify(argvs)}) {
      let stdout = '', stderr = '';
      process.stdout.write = (c) => ((stdout += String(c)), true);
      process.stderr.write = (c) => ((stderr += String(c)), true);
      let code;
      try { code = await main(argv); } finally { process.stdout.write = o; process.stderr.write = e; }
      results.push({ code, stdout, stderr });
    }
    process.stdout.write(JSON.stringify(results));
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

interface Call {
  op: string;
  socket?: string;
  args?: readonly string[];
  namespace?: string;
}

function fakeDeps(calls: Call[], over: Partial<ImagesDeps> = {}): () => Promise<ImagesDeps> {
  const rec: ImageRecord = {
    ref: 'flotilla.local/pause:3.9',
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'1'.repeat(64)}`,
    size: '307.0KiB',
    sizeBytes: 314368,
    platforms: ['linux/amd64'],
    labels: {},
    id: `sha256:${'a'.repeat(64)}`,
  };
  const deps: ImagesDeps = {
    importImages: async (socket, archives, namespace, opts) => {
      calls.push({ op: 'import', socket, args: archives, namespace });
      opts.onProgress?.('unpacking x...done');
      return archives.map((a) => `name-of-${a}`);
    },
    listImages: async (socket, namespace) => {
      calls.push({ op: 'ls', socket, namespace });
      return [rec, { ...rec, ref: rec.id }];
    },
    removeImages: async (socket, refs, namespace) => {
      calls.push({ op: 'rm', socket, args: refs, namespace });
      return { removed: refs.filter((r) => r !== 'missing:1'), notFound: refs.filter((r) => r === 'missing:1') };
    },
    ensureBuiltinImages: async (opts) => {
      calls.push({ op: 'build', args: [opts.cacheDir ?? '', String(opts.force)] });
      return { pause: '/c/pause.oci.tar', busybox: '/c/busybox.oci.tar', demo: '/c/demo-app.oci.tar' };
    },
    ...over,
  };
  return async () => deps;
}

test('containerdSocket follows the data dir contract; the data dir defaults as flotilla server does', async () => {
  assert.equal(containerdSocket('/var/lib/flotilla'), '/var/lib/flotilla/containerd/containerd.sock');
  assert.equal(resolveDataDir('/x', { dataDir: '/env', isRoot: true, homeDir: '/h' }), '/x');
  assert.equal(resolveDataDir(undefined, { dataDir: '/env', isRoot: true, homeDir: '/h' }), '/env');
  assert.equal(resolveDataDir(undefined, { isRoot: true, homeDir: '/h' }), '/var/lib/flotilla');
  assert.equal(resolveDataDir(undefined, { isRoot: false, homeDir: '/h' }), '/h/.flotilla');
  const calls: Call[] = [];
  await imagesCommand(['ls'], capture().io, fakeDeps(calls), { dataDir: '/from-env', isRoot: true, homeDir: '/h' });
  assert.equal(calls[0]!.socket, '/from-env/containerd/containerd.sock');
});

test('import: socket from --data-dir, names on stdout, progress on stderr', async () => {
  const calls: Call[] = [];
  const c = capture();
  assert.equal(await imagesCommand(['import', 'a.tar', 'b.tar', '--data-dir', '/d'], c.io, fakeDeps(calls)), 0);
  assert.deepEqual(calls, [
    { op: 'import', socket: '/d/containerd/containerd.sock', args: ['a.tar'], namespace: 'k8s.io' },
    { op: 'import', socket: '/d/containerd/containerd.sock', args: ['b.tar'], namespace: 'k8s.io' },
  ]);
  assert.equal(c.out(), 'Imported: name-of-a.tar\nImported: name-of-b.tar\n');
  assert.match(c.err(), /importing a\.tar\nunpacking x\.\.\.done\nimporting b\.tar/);
});

test('import --builtin builds then imports the three archives; --address and -n override', async () => {
  const calls: Call[] = [];
  const c = capture();
  assert.equal(await imagesCommand(['import', '--builtin', '--address', '/s.sock', '-n', 'other'], c.io, fakeDeps(calls)), 0);
  assert.deepEqual(
    calls.map((x) => [x.op, x.socket, x.namespace, x.args?.[0]]),
    [
      ['build', undefined, undefined, ''],
      ['import', '/s.sock', 'other', '/c/pause.oci.tar'],
      ['import', '/s.sock', 'other', '/c/busybox.oci.tar'],
      ['import', '/s.sock', 'other', '/c/demo-app.oci.tar'],
    ],
  );
});

test('ls prints the crictl-style table; -q only names', async () => {
  const c = capture();
  assert.equal(await imagesCommand(['ls', '--address', '/s'], c.io, fakeDeps([])), 0);
  assert.match(c.out(), /^IMAGE +TAG +IMAGE ID +SIZE\nflotilla\.local\/pause +3\.9 +aaaaaaaaaaaaa +307\.0KiB\n$/);
  const q = capture();
  assert.equal(await imagesCommand(['list', '-q', '--address', '/s'], q.io, fakeDeps([])), 0);
  assert.equal(q.out(), 'flotilla.local/pause:3.9\n');
});

test('rm: deleted lines; a missing image makes exit 1 with one line', async () => {
  const c = capture();
  assert.equal(await imagesCommand(['rm', 'a:1', 'missing:1', '--address', '/s'], c.io, fakeDeps([])), 1);
  assert.equal(c.out(), 'Deleted: a:1\n');
  assert.equal(c.err(), 'Error: no such image: missing:1\n');
});

test('build prints the archive paths; --cache-dir and --force pass through; --import imports them', async () => {
  const calls: Call[] = [];
  const c = capture();
  assert.equal(await imagesCommand(['build', '--cache-dir', '/x', '--force', '--import', '--address', '/s'], c.io, fakeDeps(calls)), 0);
  assert.deepEqual(calls[0], { op: 'build', args: ['/x', 'true'] });
  assert.deepEqual(calls[1]!.args, ['/c/pause.oci.tar', '/c/busybox.oci.tar', '/c/demo-app.oci.tar']);
  assert.match(c.out(), /^\/c\/pause\.oci\.tar\n\/c\/busybox\.oci\.tar\n\/c\/demo-app\.oci\.tar\nImported: /);
});

test('runtime failures are one line and exit 1', async () => {
  const c = capture();
  const deps = fakeDeps([], {
    listImages: async () => {
      throw new CtrError('Unavailable', 'cannot reach containerd at /s: connection refused');
    },
    ensureBuiltinImages: async () => {
      throw new BuiltinImageError('MissingTool', 'cannot run gcc to build the built-in images: install gcc libc6-dev busybox-static');
    },
  });
  assert.equal(await imagesCommand(['ls', '--address', '/s'], c.io, deps), 1);
  assert.equal(c.err(), 'Error: cannot reach containerd at /s: connection refused\n');
  const b = capture();
  assert.equal(await imagesCommand(['build'], b.io, deps), 1);
  assert.equal(b.err(), 'Error: cannot run gcc to build the built-in images: install gcc libc6-dev busybox-static\n');
});

test('usage errors', async () => {
  const c = capture();
  const deps = fakeDeps([]);
  await assert.rejects(imagesCommand(['import'], c.io, deps), (e) => e instanceof UsageError && /at least one archive/.test(e.message));
  await assert.rejects(imagesCommand(['rm'], c.io, deps), (e) => e instanceof UsageError && /at least one image/.test(e.message));
  await assert.rejects(imagesCommand(['ls', 'x'], c.io, deps), (e) => e instanceof UsageError && /unexpected argument "x"/.test(e.message));
  await assert.rejects(imagesCommand(['ls', '--bogus'], c.io, deps), (e) => e instanceof UsageError && e.message === 'unknown flag: --bogus');
  await assert.rejects(imagesCommand(['frob'], c.io, deps), (e) => e instanceof UsageError && /unknown command "frob"/.test(e.message));
});

test('through main(): help on every subcommand, root help lists images, errors and exit codes', async () => {
  const subs = ['import', 'ls', 'rm', 'build'];
  const [root, h1, h2, h3, ...rest] = await runMain([
    ['--help'],
    ['images'],
    ['images', '--help'],
    ['help', 'images'],
    ...subs.map((s) => ['images', s, '--help']),
    ['images', 'rm'],
    ['images', 'ls', '--data-dir', '/nonexistent-flt-dir'],
  ]);
  assert.match(root!.stdout, /\n {2}images +Import, list and remove/);
  for (const r of [h1!, h2!, h3!]) {
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Available Commands:\n {2}import .*\n {2}ls .*\n {2}rm .*\n {2}build /);
  }
  subs.forEach((sub, i) => {
    const r = rest[i]!;
    assert.equal(r.code, 0, sub);
    assert.match(r.stdout, new RegExp(`Usage:\\n {2}flotilla images ${sub}`));
    assert.match(r.stdout, /--data-dir string/);
    assert.match(r.stdout, /-a, --address path/);
  });
  const [bad, noSock] = rest.slice(subs.length);
  assert.equal(bad!.code, 2);
  assert.equal(bad!.stderr, "Error: requires at least one image reference\nSee 'flotilla images rm --help' for usage.\n");
  assert.equal(noSock!.code, 1);
  assert.equal(
    noSock!.stderr,
    'Error: containerd socket /nonexistent-flt-dir/containerd/containerd.sock not found: is the flotilla agent running on this node? (or pass --address)\n',
  );
});
