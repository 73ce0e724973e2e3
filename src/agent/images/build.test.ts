import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinImageError, busyboxEntries, builtinArchivePaths, ensureBuiltinImages, isStaticElf, readBuiltinManifests, repoRoot } from './build.js';
import { BUILTIN_IMAGES, DEMO_APP_NAMES } from './builtin.js';

test('isStaticElf tells the static busybox from a dynamic binary', async () => {
  assert.equal(isStaticElf(await readFile('/bin/busybox')), true, '/bin/busybox should be the static one (busybox-static)');
  assert.equal(isStaticElf(await readFile(process.execPath)), false);
  assert.equal(isStaticElf(Buffer.from('#!/bin/sh\n')), false);
});

test('busyboxEntries: the binary, applet symlinks, users and a sticky /tmp', () => {
  const e = busyboxEntries(Buffer.from('bb'), ['sh', 'tar']);
  const by = new Map(e.map((x) => [x.path, x]));
  assert.deepEqual(by.get('/bin/sh'), { type: 'symlink', path: '/bin/sh', target: 'busybox' });
  assert.deepEqual(by.get('/bin/tar'), { type: 'symlink', path: '/bin/tar', target: 'busybox' });
  assert.equal((by.get('/bin/busybox') as { mode: number }).mode, 0o755);
  assert.equal((by.get('/tmp') as { mode: number }).mode, 0o1777);
  assert.match(String((by.get('/etc/passwd') as { content: string }).content), /^root:x:0:0:root:\/root:\/bin\/sh$/m);
  assert.match(String((by.get('/etc/group') as { content: string }).content), /^root:x:0:$/m);
});

test('missing tools are one-line MissingTool errors naming the packages', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-build-'));
  try {
    const hint = /install gcc libc6-dev busybox-static/;
    await assert.rejects(
      ensureBuiltinImages({ cacheDir: dir, gcc: join(dir, 'no-gcc') }),
      (e) => e instanceof BuiltinImageError && e.reason === 'MissingTool' && hint.test(e.message) && !e.message.includes('\n'),
    );
    await assert.rejects(
      ensureBuiltinImages({ cacheDir: dir, busybox: join(dir, 'no-busybox') }),
      (e) => e instanceof BuiltinImageError && e.reason === 'MissingTool' && hint.test(e.message),
    );
    await assert.rejects(
      ensureBuiltinImages({ cacheDir: dir, busybox: process.execPath }),
      (e) => e instanceof BuiltinImageError && e.reason === 'MissingTool' && /not a static/.test(e.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ensureBuiltinImages builds once, again only when an input changes; digests are reproducible', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-build-'));
  try {
    const sourceDir = join(dir, 'src');
    await cp(join(repoRoot(), 'images'), sourceDir, { recursive: true });
    const cacheDir = join(dir, 'cache');
    const progress: string[] = [];
    const onProgress = (l: string) => progress.push(l);
    const paths = await ensureBuiltinImages({ cacheDir, sourceDir, onProgress });
    assert.deepEqual(paths, builtinArchivePaths(cacheDir));
    assert.equal(progress.length, 2);
    const first = await readBuiltinManifests(cacheDir);
    assert.deepEqual(Object.keys(first!).sort(), [BUILTIN_IMAGES.pause, BUILTIN_IMAGES.busybox, ...Object.keys(DEMO_APP_NAMES)].sort());
    const demoBytes = await readFile(paths.demo);

    progress.length = 0;
    await ensureBuiltinImages({ cacheDir, sourceDir, onProgress });
    assert.deepEqual(progress, [], 'nothing changed, nothing rebuilt');

    await ensureBuiltinImages({ cacheDir, sourceDir, onProgress, force: true });
    assert.equal(progress.length, 2);
    assert.deepEqual(await readBuiltinManifests(cacheDir), first, 'a forced rebuild gives the same digests');
    assert.ok((await readFile(paths.demo)).equals(demoBytes));

    progress.length = 0;
    await appendFile(join(sourceDir, 'demo-app', 'demo-app.c'), '\nint demo_app_changed_for_test(void) { return 1; }\n');
    await ensureBuiltinImages({ cacheDir, sourceDir, onProgress });
    assert.equal(progress.length, 2, 'a changed source rebuilds');
    const after = await readBuiltinManifests(cacheDir);
    assert.equal(after![BUILTIN_IMAGES.pause], first![BUILTIN_IMAGES.pause]);
    assert.notEqual(after![BUILTIN_IMAGES.demo], first![BUILTIN_IMAGES.demo]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('concurrent ensureBuiltinImages calls on one cache all succeed with the same archives', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-build-'));
  try {
    const results = await Promise.all([1, 2, 3].map(() => ensureBuiltinImages({ cacheDir: dir })));
    for (const r of results) assert.deepEqual(r, builtinArchivePaths(dir));
    assert.ok(await readBuiltinManifests(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
