/**
 * OCI image layout archives, written without Docker: layers from file entries or a directory tree,
 * an image config, a manifest per image and an index.json naming each manifest, all in one tar that
 * `ctr images import` (and any OCI tool) reads.
 *
 * Contract:
 * - Deterministic: the same entries and config give byte-identical layers, configs, manifests and
 *   archive (fixed mtimes, uid/gid 0, entries sorted, stable JSON key order, gzip without a
 *   timestamp), so rebuilding gives the same digests and containerd sees "already present".
 * - Each layer is a gzip'd tar; its diff_id in the config is the sha256 of the uncompressed tar,
 *   its descriptor digest the sha256 of the gzip'd blob.
 * - Every name of an image gets its own index.json entry pointing at the same manifest, annotated
 *   with `io.containerd.image.name` (the full reference, which containerd registers as is) and
 *   `org.opencontainers.image.ref.name` (the tag, as containerd's own exporter writes it).
 * - Blobs shared by several images of one archive (a common base layer) are stored once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, readlink, rename, writeFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** Annotation containerd reads for the full image name on import. */
export const ANNOTATION_CONTAINERD_NAME = 'io.containerd.image.name';
/** The OCI reference-name annotation (the tag part of the name). */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

/** Timestamp of every tar entry and of the config's `created`: the epoch, so builds are reproducible. */
export const FIXED_MTIME = new Date(0);

/** One file-system entry of a layer. Paths are absolute inside the image (`/bin/sh`) or relative. */
export type LayerEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; mode?: number; content: Uint8Array | string }
  | { type: 'symlink'; path: string; target: string };

/** What a container made from the image runs with (the `config` object of the OCI image config). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** `NAME=value` strings. */
  env?: string[];
  workingDir?: string;
  /** `8080/tcp` style keys. */
  exposedPorts?: string[];
  user?: string;
  stopSignal?: string;
  labels?: Record<string, string>;
}

/** A built layer: the gzip'd blob and its identities. */
export interface Layer {
  /** sha256 of the gzip'd blob (`sha256:<hex>`). */
  digest: string;
  /** sha256 of the uncompressed tar (`sha256:<hex>`), the config's rootfs.diff_ids entry. */
  diffId: string;
  size: number;
  blob: Buffer;
  /** Shown in the config's history (`created_by`). */
  createdBy: string;
}

export interface ImageSpec {
  /** Full references, e.g. `flotilla.local/pause:3.9`; at least one. */
  names: string[];
  /** Bottom layer first. */
  layers: Layer[];
  config: ImageConfig;
  architecture?: string;
  os?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
}

export interface BuiltImage {
  names: string[];
  /** Digest of the manifest: what `ctr images ls` shows as DIGEST. */
  manifestDigest: string;
  /** Digest of the config: the image ID `crictl images` shows. */
  configDigest: string;
  /** Total size of the compressed layers, config and manifest. */
  size: number;
}

export interface OciArchive {
  archive: Buffer;
  images: BuiltImage[];
}

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Normalizes an image path to the tar form: no leading slash, no trailing slash, no `.` parts. */
function tarPath(p: string): string {
  const n = posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/+$/, '');
  if (n === '' || n.startsWith('..')) throw new Error(`invalid layer path "${p}"`);
  return n;
}

/**
 * Sorts entries so that every directory precedes its contents, adds missing parent directories
 * (mode 0755) and rejects a path given twice.
 */
export function normalizeEntries(entries: readonly LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const e of entries) {
    const path = tarPath(e.path);
    if (byPath.has(path)) throw new Error(`layer path "${path}" given twice`);
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    let parent = posix.dirname(path);
    while (parent !== '.' && !byPath.has(parent)) {
      byPath.set(parent, { type: 'dir', path: parent, mode: 0o755 });
      parent = posix.dirname(parent);
    }
  }
  // Compare by path components so `a/b` sorts right after `a` (plain string order puts `a-x` between).
  const key = (p: string) => p.split('/');
  return [...byPath.values()].sort((x, y) => {
    const a = key(x.path);
    const b = key(y.path);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    }
    return a.length - b.length;
  });
}

/** Gathers a stream's output (tar-stream's Pack is a streamx Readable with the same events). */
function collect(stream: Pick<NodeJS.EventEmitter, 'on'>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A tar of the given entries with fixed metadata (uid/gid 0, mtime FIXED_MTIME). */
export async function writeTar(entries: readonly LayerEntry[]): Promise<Buffer> {
  const p = tarPack();
  const done = collect(p);
  const common = { uid: 0, gid: 0, uname: '', gname: '', mtime: FIXED_MTIME };
  for (const e of normalizeEntries(entries)) {
    if (e.type === 'dir') p.entry({ ...common, name: e.path, type: 'directory', mode: e.mode ?? 0o755 });
    else if (e.type === 'symlink') p.entry({ ...common, name: e.path, type: 'symlink', linkname: e.target, mode: 0o777 });
    else {
      const content = typeof e.content === 'string' ? Buffer.from(e.content) : Buffer.from(e.content.buffer, e.content.byteOffset, e.content.byteLength);
      p.entry({ ...common, name: e.path, type: 'file', mode: e.mode ?? 0o644, size: content.length }, content);
    }
  }
  p.finalize();
  return done;
}

/** Builds one gzip'd layer from entries. */
export async function buildLayer(entries: readonly LayerEntry[], createdBy = 'flotilla'): Promise<Layer> {
  const tar = await writeTar(entries);
  const blob = gzipSync(tar, { level: 9 });
  return { digest: sha256(blob), diffId: sha256(tar), size: blob.length, blob, createdBy };
}

/**
 * Reads a directory tree into layer entries (files with their permission bits, symlinks,
 * directories), rooted at `/`. Other file types (sockets, devices) are refused.
 */
export async function entriesFromDirectory(root: string): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(abs);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out.push({ type: 'symlink', path, target: await readlink(abs) });
      else if (st.isDirectory()) {
        out.push({ type: 'dir', path, mode });
        await walk(abs, path);
      } else if (st.isFile()) out.push({ type: 'file', path, mode, content: await readFile(abs) });
      else throw new Error(`${abs}: only files, directories and symlinks can go into a layer`);
    }
  }
  await walk(root, '');
  return out;
}

/** The tag part of a reference (`myregistry.com/myapp:v1.2.3` → `v1.2.3`, no tag → `latest`). */
export function referenceTag(name: string): string {
  const at = name.indexOf('@');
  if (at >= 0) return name.slice(at + 1);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : 'latest';
}

function configJson(spec: ImageSpec): Buffer {
  const c = spec.config;
  const config: Record<string, unknown> = {};
  if (c.user !== undefined) config['User'] = c.user;
  if (c.exposedPorts?.length) config['ExposedPorts'] = Object.fromEntries([...c.exposedPorts].sort().map((p) => [p, {}]));
  if (c.env?.length) config['Env'] = [...c.env];
  if (c.entrypoint) config['Entrypoint'] = [...c.entrypoint];
  if (c.cmd) config['Cmd'] = [...c.cmd];
  if (c.workingDir !== undefined) config['WorkingDir'] = c.workingDir;
  if (c.labels && Object.keys(c.labels).length) config['Labels'] = Object.fromEntries(Object.entries(c.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (c.stopSignal !== undefined) config['StopSignal'] = c.stopSignal;
  const created = FIXED_MTIME.toISOString().replace('.000Z', 'Z');
  return Buffer.from(
    JSON.stringify({
      created,
      architecture: spec.architecture ?? 'amd64',
      os: spec.os ?? 'linux',
      config,
      rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
      history: spec.layers.map((l) => ({ created, created_by: l.createdBy })),
    }),
  );
}

/** Builds the whole OCI layout tar in memory. Throws on an image without names or layers. */
export async function buildOciArchive(images: readonly ImageSpec[]): Promise<OciArchive> {
  const blobs = new Map<string, Buffer>();
  const manifests: Descriptor[] = [];
  const built: BuiltImage[] = [];
  for (const spec of images) {
    if (spec.names.length === 0) throw new Error('an image needs at least one name');
    if (spec.layers.length === 0) throw new Error(`image ${spec.names[0]} has no layers`);
    const config = configJson(spec);
    const configDigest = sha256(config);
    blobs.set(configDigest, config);
    for (const l of spec.layers) blobs.set(l.digest, l.blob);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: { mediaType: MEDIA_TYPES.config, digest: configDigest, size: config.length },
        layers: spec.layers.map((l) => ({ mediaType: MEDIA_TYPES.layerGzip, digest: l.digest, size: l.size })),
      }),
    );
    const manifestDigest = sha256(manifest);
    blobs.set(manifestDigest, manifest);
    const platform = { architecture: spec.architecture ?? 'amd64', os: spec.os ?? 'linux' };
    for (const name of spec.names) {
      manifests.push({
        mediaType: MEDIA_TYPES.manifest,
        digest: manifestDigest,
        size: manifest.length,
        platform,
        annotations: { [ANNOTATION_CONTAINERD_NAME]: name, [ANNOTATION_REF_NAME]: referenceTag(name) },
      });
    }
    const size = config.length + manifest.length + spec.layers.reduce((s, l) => s + l.size, 0);
    built.push({ names: [...spec.names], manifestDigest, configDigest, size });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests }));

  const p = tarPack();
  const done = collect(p);
  const common = { uid: 0, gid: 0, uname: '', gname: '', mtime: FIXED_MTIME };
  const file = (name: string, content: Buffer) => p.entry({ ...common, name, type: 'file', mode: 0o644, size: content.length }, content);
  file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  file('index.json', index);
  p.entry({ ...common, name: 'blobs', type: 'directory', mode: 0o755 });
  p.entry({ ...common, name: 'blobs/sha256', type: 'directory', mode: 0o755 });
  for (const digest of [...blobs.keys()].sort()) file(`blobs/sha256/${digest.slice('sha256:'.length)}`, blobs.get(digest)!);
  p.finalize();
  return { archive: await done, images: built };
}

/** Builds the archive and writes it to `path` atomically (a temp file renamed into place). */
export async function writeOciArchive(path: string, images: readonly ImageSpec[]): Promise<BuiltImage[]> {
  const { archive, images: built } = await buildOciArchive(images);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, archive);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return built;
}
