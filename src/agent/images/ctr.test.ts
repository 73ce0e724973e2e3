import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, chmod, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrError, importImages, listImages, normalizeRef } from './ctr.js';

test('normalizeRef expands short names as the CRI stores them', () => {
  assert.equal(normalizeRef('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeRef('library/busybox:1.35'), 'docker.io/library/busybox:1.35');
  assert.equal(normalizeRef('myregistry.com/myapp:v1.2.3'), 'myregistry.com/myapp:v1.2.3');
  assert.equal(normalizeRef('localhost/app'), 'localhost/app:latest');
  assert.equal(normalizeRef('localhost:5000/app'), 'localhost:5000/app:latest');
});

test('missing socket, missing archive, missing ctr binary and ctr failures are CtrErrors with a reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-ctr-'));
  try {
    await assert.rejects(listImages(join(dir, 'none.sock')), (e) => e instanceof CtrError && e.reason === 'Unavailable' && /not found/.test(e.message));
    const sock = join(dir, 'fake.sock');
    await writeFile(sock, '');
    await assert.rejects(importImages(sock, [join(dir, 'x.tar')]), (e) => e instanceof CtrError && e.reason === 'NotFound');
    await writeFile(join(dir, 'x.tar'), '');
    await assert.rejects(
      importImages(sock, [join(dir, 'x.tar')], 'k8s.io', { ctr: join(dir, 'no-ctr') }),
      (e) => e instanceof CtrError && e.reason === 'MissingTool' && /install containerd/.test(e.message),
    );
    // A stand-in ctr that fails the way ctr does.
    const fake = join(dir, 'ctr');
    await writeFile(fake, '#!/bin/sh\necho \'ctr: failed to dial "/x": connection refused\' >&2\nexit 1\n');
    await chmod(fake, 0o755);
    await assert.rejects(listImages(sock, 'k8s.io', { ctr: fake }), (e) => e instanceof CtrError && e.reason === 'Unavailable' && /connection refused/.test(e.message));
    await writeFile(fake, '#!/bin/sh\necho \'time="x" level=fatal msg="ctr: unrecognized image format"\' >&2\nexit 1\n');
    await assert.rejects(
      importImages(sock, [join(dir, 'x.tar')], 'k8s.io', { ctr: fake }),
      (e) => e instanceof CtrError && e.reason === 'Failed' && e.message === `importing ${join(dir, 'x.tar')}: unrecognized image format`,
    );
    // The arguments ctr gets: socket, namespace, subcommand.
    await writeFile(fake, `#!/bin/sh\necho "$@" > ${join(dir, 'args')}\necho "unpacking a/b:1 (sha256:${'0'.repeat(64)})...done"\n`);
    const progress: string[] = [];
    assert.deepEqual(await importImages(sock, [join(dir, 'x.tar')], 'ns1', { ctr: fake, onProgress: (l) => progress.push(l) }), ['a/b:1']);
    assert.deepEqual(progress, [`unpacking a/b:1 (sha256:${'0'.repeat(64)})...done`]);
    assert.equal((await readFile(join(dir, 'args'), 'utf8')).trim(), `--address ${sock} --connect-timeout 5s --namespace ns1 images import ${join(dir, 'x.tar')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
