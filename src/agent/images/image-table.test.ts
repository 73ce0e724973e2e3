import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatImageTable, parseCtrImageList, parseImportedNames, splitRef, type ImageRecord } from './image-table.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const C1 = `sha256:${'a'.repeat(64)}`;
const C2 = `sha256:${'b'.repeat(64)}`;

// As ctr 1.6 prints it (tabwriter, sizes with a space, labels comma-separated).
const LS = [
  'REF                         TYPE                                       DIGEST SIZE      PLATFORMS   LABELS                          ',
  `flotilla.local/busybox:1.35 application/vnd.oci.image.manifest.v1+json ${D1} 1.0 MiB   linux/amd64 io.cri-containerd.image=managed `,
  `${C1} application/vnd.oci.image.manifest.v1+json ${D1} 1.0 MiB   linux/amd64 io.cri-containerd.image=managed `,
  `${C2} application/vnd.oci.image.manifest.v1+json ${D2} 307.0 KiB linux/amd64,linux/arm64 a=b,c=d `,
  'garbage line',
  '',
].join('\n');

test('parseCtrImageList reads refs, digests, sizes, platforms and labels', () => {
  const lines = parseCtrImageList(LS);
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0], {
    ref: 'flotilla.local/busybox:1.35',
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: D1,
    size: '1.0MiB',
    sizeBytes: 1024 * 1024,
    platforms: ['linux/amd64'],
    labels: { 'io.cri-containerd.image': 'managed' },
  });
  assert.deepEqual(lines[2]!.platforms, ['linux/amd64', 'linux/arm64']);
  assert.deepEqual(lines[2]!.labels, { a: 'b', c: 'd' });
  assert.equal(lines[2]!.sizeBytes, 307 * 1024);
});

test('parseImportedNames', () => {
  const out = `unpacking flotilla.local/demo-app:1.0 (${D1})...done\nunpacking myregistry.com/myapp:v1.2.3 (${D2})...done\n`;
  assert.deepEqual(parseImportedNames(out), ['flotilla.local/demo-app:1.0', 'myregistry.com/myapp:v1.2.3']);
});

test('splitRef', () => {
  assert.deepEqual(splitRef('myregistry.com/myapp:v1.2.3'), ['myregistry.com/myapp', 'v1.2.3']);
  assert.deepEqual(splitRef('localhost:5000/app'), ['localhost:5000/app', '<none>']);
  assert.deepEqual(splitRef(`x/y@${D1}`), ['x/y', '<none>']);
});

test('formatImageTable: crictl columns, named rows, the CRI id refs only for unnamed images', () => {
  const recs: ImageRecord[] = parseCtrImageList(LS).map((l) => ({ ...l, id: l.digest === D1 ? C1 : C2 }));
  assert.equal(
    formatImageTable(recs),
    [
      'IMAGE                    TAG                 IMAGE ID            SIZE',
      'flotilla.local/busybox   1.35                aaaaaaaaaaaaa       1.0MiB',
      '<none>                   <none>              bbbbbbbbbbbbb       307.0KiB',
      '',
    ].join('\n'),
  );
  assert.equal(formatImageTable([]), 'IMAGE               TAG                 IMAGE ID            SIZE\n');
});
