import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile, chmod, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import {
  ANNOTATION_CONTAINERD_NAME,
  ANNOTATION_REF_NAME,
  FIXED_MTIME,
  MEDIA_TYPES,
  buildLayer,
  buildOciArchive,
  entriesFromDirectory,
  normalizeEntries,
  referenceTag,
  sha256,
  writeOciArchive,
  type LayerEntry,
} from './oci-archive.js';

interface TarFile {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  uid: number;
  linkname: string | null;
  content: Buffer;
}

async function readTar(buf: Buffer): Promise<TarFile[]> {
  const ex = extract();
  const out: TarFile[] = [];
  const reading = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      const h = entry.header;
      out.push({
        name: h.name,
        type: String(h.type),
        mode: h.mode ?? 0,
        mtime: h.mtime?.getTime() ?? -1,
        uid: h.uid ?? -1,
        linkname: h.linkname ?? null,
        content: Buffer.concat(chunks),
      });
    }
  })();
  ex.end(buf);
  await reading;
  return out;
}

const ENTRIES: LayerEntry[] = [
  { type: 'file', path: '/bin/tool', mode: 0o755, content: 'binary' },
  { type: 'symlink', path: '/bin/sh', target: 'tool' },
  { type: 'dir', path: '/tmp', mode: 0o1777 },
  { type: 'file', path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
];

test('normalizeEntries adds parents, sorts parents first, rejects duplicates', () => {
  const n = normalizeEntries([
    { type: 'file', path: '/a/b/c', content: '' },
    { type: 'file', path: '/a-x', content: '' },
    { type: 'dir', path: 'a/' },
  ]);
  assert.deepEqual(
    n.map((e) => e.path),
    ['a', 'a/b', 'a/b/c', 'a-x'],
  );
  assert.throws(() => normalizeEntries([{ type: 'dir', path: '/x' }, { type: 'dir', path: 'x/' }]), /given twice/);
  assert.throws(() => normalizeEntries([{ type: 'dir', path: '/' }]), /invalid layer path/);
});

test('buildLayer: gzip blob digest, diff_id of the uncompressed tar, fixed metadata, modes and symlinks', async () => {
  const layer = await buildLayer(ENTRIES);
  assert.equal(layer.digest, sha256(layer.blob));
  assert.equal(layer.size, layer.blob.length);
  const tar = gunzipSync(layer.blob);
  assert.equal(layer.diffId, sha256(tar));
  const files = await readTar(tar);
  assert.deepEqual(
    files.map((f) => f.name.replace(/\/$/, '')),
    ['bin', 'bin/sh', 'bin/tool', 'etc', 'etc/passwd', 'tmp'],
  );
  const by = new Map(files.map((f) => [f.name.replace(/\/$/, ''), f]));
  assert.equal(by.get('bin/tool')!.mode, 0o755);
  assert.equal(by.get('bin/tool')!.content.toString(), 'binary');
  assert.equal(by.get('bin/sh')!.type, 'symlink');
  assert.equal(by.get('bin/sh')!.linkname, 'tool');
  assert.equal(by.get('tmp')!.mode, 0o1777);
  assert.equal(by.get('etc/passwd')!.mode, 0o644);
  for (const f of files) {
    assert.equal(f.mtime, FIXED_MTIME.getTime());
    assert.equal(f.uid, 0);
  }
});

test('layers and archives are deterministic', async () => {
  const a = await buildLayer(ENTRIES);
  const b = await buildLayer([...ENTRIES].reverse());
  assert.equal(a.digest, b.digest);
  assert.ok(a.blob.equals(b.blob));
  const spec = { names: ['example.com/x:1'], layers: [a], config: { entrypoint: ['/bin/tool'], env: ['A=1'] } };
  const x = await buildOciArchive([spec]);
  const y = await buildOciArchive([{ ...spec, layers: [b] }]);
  assert.ok(x.archive.equals(y.archive));
  assert.equal(x.images[0]!.manifestDigest, y.images[0]!.manifestDigest);
});

test('archive: oci-layout, index.json with one entry per name, manifest, config and blobs with matching digests', async () => {
  const base = await buildLayer(ENTRIES, 'base');
  const app = await buildLayer([{ type: 'file', path: '/app', mode: 0o755, content: 'app' }], 'app');
  const { archive, images } = await buildOciArchive([
    {
      names: ['flotilla.local/demo:1.0', 'myregistry.com/myapp:v1.2.3'],
      layers: [base, app],
      config: {
        entrypoint: ['/app'],
        cmd: ['--serve'],
        env: ['PATH=/bin', 'PORT=8080'],
        workingDir: '/',
        exposedPorts: ['8080/tcp'],
        user: '0:0',
        stopSignal: 'SIGTERM',
        labels: { b: '2', a: '1' },
      },
    },
    { names: ['flotilla.local/base:1'], layers: [base], config: { cmd: ['sh'] } },
  ]);
  const files = await readTar(archive);
  const by = new Map(files.map((f) => [f.name.replace(/\/$/, ''), f]));
  assert.deepEqual(JSON.parse(by.get('oci-layout')!.content.toString()), { imageLayoutVersion: '1.0.0' });
  // Every blob is stored under its digest, once.
  const blobNames = files.filter((f) => f.name.startsWith('blobs/sha256/') && f.type === 'file');
  for (const f of blobNames) assert.equal(sha256(f.content), `sha256:${f.name.slice('blobs/sha256/'.length)}`);
  assert.equal(new Set(blobNames.map((f) => f.name)).size, blobNames.length);
  const blob = (d: string) => by.get(`blobs/sha256/${d.slice(7)}`)!.content;

  const index = JSON.parse(by.get('index.json')!.content.toString());
  assert.equal(index.schemaVersion, 2);
  assert.equal(index.mediaType, MEDIA_TYPES.index);
  assert.equal(index.manifests.length, 3);
  assert.deepEqual(
    index.manifests.map((m: { annotations: Record<string, string> }) => [m.annotations[ANNOTATION_CONTAINERD_NAME], m.annotations[ANNOTATION_REF_NAME]]),
    [
      ['flotilla.local/demo:1.0', '1.0'],
      ['myregistry.com/myapp:v1.2.3', 'v1.2.3'],
      ['flotilla.local/base:1', '1'],
    ],
  );
  assert.equal(index.manifests[0].digest, index.manifests[1].digest);
  assert.equal(index.manifests[0].digest, images[0]!.manifestDigest);
  assert.deepEqual(index.manifests[0].platform, { architecture: 'amd64', os: 'linux' });

  const manifestBytes = blob(images[0]!.manifestDigest);
  assert.equal(index.manifests[0].size, manifestBytes.length);
  const manifest = JSON.parse(manifestBytes.toString());
  assert.equal(manifest.mediaType, MEDIA_TYPES.manifest);
  assert.deepEqual(
    manifest.layers.map((l: { digest: string; size: number; mediaType: string }) => [l.digest, l.size, l.mediaType]),
    [
      [base.digest, base.size, MEDIA_TYPES.layerGzip],
      [app.digest, app.size, MEDIA_TYPES.layerGzip],
    ],
  );
  assert.equal(manifest.config.digest, images[0]!.configDigest);
  const config = JSON.parse(blob(manifest.config.digest).toString());
  assert.equal(config.architecture, 'amd64');
  assert.equal(config.os, 'linux');
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [base.diffId, app.diffId] });
  // diff_ids really are the uncompressed layer digests.
  assert.equal(sha256(gunzipSync(blob(app.digest))), config.rootfs.diff_ids[1]);
  assert.deepEqual(config.config, {
    User: '0:0',
    ExposedPorts: { '8080/tcp': {} },
    Env: ['PATH=/bin', 'PORT=8080'],
    Entrypoint: ['/app'],
    Cmd: ['--serve'],
    WorkingDir: '/',
    Labels: { a: '1', b: '2' },
    StopSignal: 'SIGTERM',
  });
  assert.equal(config.history.length, 2);
  // The shared base layer is stored once.
  assert.equal(blobNames.filter((f) => f.name.endsWith(base.digest.slice(7))).length, 1);
});

test('referenceTag', () => {
  assert.equal(referenceTag('myregistry.com/myapp:v1.2.3'), 'v1.2.3');
  assert.equal(referenceTag('localhost:5000/app'), 'latest');
  assert.equal(referenceTag('busybox'), 'latest');
  assert.equal(referenceTag('x/y@sha256:abc'), 'sha256:abc');
});

test('buildOciArchive refuses images without names or layers', async () => {
  const l = await buildLayer(ENTRIES);
  await assert.rejects(buildOciArchive([{ names: [], layers: [l], config: {} }]), /at least one name/);
  await assert.rejects(buildOciArchive([{ names: ['a:1'], layers: [], config: {} }]), /no layers/);
});

test('entriesFromDirectory reads files, modes, symlinks; writeOciArchive writes the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-oci-'));
  try {
    const root = join(dir, 'root');
    await mkdir(join(root, 'bin'), { recursive: true });
    await writeFile(join(root, 'bin', 'x'), 'x');
    await chmod(join(root, 'bin', 'x'), 0o750);
    await symlink('x', join(root, 'bin', 'y'));
    const entries = await entriesFromDirectory(root);
    assert.deepEqual(
      entries.map((e) => [e.type, e.path, e.type === 'symlink' ? e.target : e.mode]),
      [
        ['dir', 'bin', 0o755],
        ['file', 'bin/x', 0o750],
        ['symlink', 'bin/y', 'x'],
      ],
    );
    const out = join(dir, 'out', 'img.tar');
    const built = await writeOciArchive(out, [{ names: ['t:1'], layers: [await buildLayer(entries)], config: {} }]);
    const again = await buildOciArchive([{ names: ['t:1'], layers: [await buildLayer(entries)], config: {} }]);
    assert.ok((await readFile(out)).equals(again.archive));
    assert.equal(built[0]!.manifestDigest, again.images[0]!.manifestDigest);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
