/**
 * Builds the built-in images (pause, busybox, demo app) from what Debian installs: gcc + libc6-dev
 * compile images/pause/pause.c and images/demo-app/demo-app.c statically, busybox-static gives
 * /bin/busybox. No Docker, no registry.
 *
 * Contract of ensureBuiltinImages: returns the paths of three OCI archives in the cache directory,
 * rebuilding them only when an input changed (the C sources, the busybox binary, the compiler's
 * version, RECIPE_VERSION). Safe to call from several processes at once: archives are renamed into
 * place and the stamp is written last, so a reader sees either the old or the new complete set.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_IMAGES, DEMO_APP_NAMES, type BuiltinImage } from './builtin.js';
import { buildLayer, writeOciArchive, type BuiltImage, type ImageSpec, type Layer, type LayerEntry } from './oci-archive.js';

/** Bump when a recipe below changes in a way the hashed inputs do not show. */
export const RECIPE_VERSION = 1;

export const IMAGE_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What to install when a build tool is missing (Debian package names). */
export const BUILD_PACKAGES_HINT = 'install gcc libc6-dev busybox-static (scripts/setup.sh does)';

/** A built-in image could not be built; `reason` says whether a tool is missing or a step failed. */
export class BuiltinImageError extends Error {
  override readonly name = 'BuiltinImageError';
  constructor(
    readonly reason: 'MissingTool' | 'BuildFailed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface EnsureBuiltinImagesOptions {
  /** Where the archives and the stamp live; default `<repo>/.cache/images`. */
  cacheDir?: string;
  /** Folder holding pause/pause.c and demo-app/demo-app.c; default `<repo>/images`. */
  sourceDir?: string;
  /** The static busybox binary; default /bin/busybox. */
  busybox?: string;
  /** C compiler; default gcc. */
  gcc?: string;
  /** Rebuild even when the stamp matches. */
  force?: boolean;
  /** Progress lines for slow steps (no trailing newline). */
  onProgress?: (line: string) => void;
}

/** Archive path of each built-in image. */
export type BuiltinArchives = Record<BuiltinImage, string>;

/** The repository root: the nearest ancestor of this module holding images/pause/pause.c. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'images', 'pause', 'pause.c'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new BuiltinImageError('BuildFailed', 'cannot find the images/ sources (images/pause/pause.c) above ' + fileURLToPath(import.meta.url));
}

export function defaultCacheDir(): string {
  return join(repoRoot(), '.cache', 'images');
}

/** Where each archive goes in a cache directory. */
export function builtinArchivePaths(cacheDir: string): BuiltinArchives {
  return { pause: join(cacheDir, 'pause.oci.tar'), busybox: join(cacheDir, 'busybox.oci.tar'), demo: join(cacheDir, 'demo-app.oci.tar') };
}

function run(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { maxBuffer: 16 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr) }));
      else resolvePromise({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** True when the ELF image has no PT_INTERP program header (a static executable). */
export function isStaticElf(bin: Uint8Array): boolean {
  const b = Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return false; // 64-bit little-endian ELF
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > b.length) return false;
    if (b.readUInt32LE(off) === 3) return false; // PT_INTERP
  }
  return true;
}

async function checkTools(gcc: string, busybox: string): Promise<{ gccVersion: string; busyboxBin: Buffer }> {
  let gccVersion: string;
  try {
    gccVersion = (await run(gcc, ['-dumpfullversion'])).stdout.trim();
  } catch (e) {
    throw new BuiltinImageError('MissingTool', `cannot run ${gcc} to build the built-in images: ${BUILD_PACKAGES_HINT}`, { cause: e });
  }
  const libc = (await run(gcc, ['-print-file-name=libc.a']).catch(() => ({ stdout: '' }))).stdout.trim();
  if (!libc.startsWith('/') || !existsSync(libc)) {
    throw new BuiltinImageError('MissingTool', `libc.a not found (static linking of the built-in images needs it): ${BUILD_PACKAGES_HINT}`);
  }
  let busyboxBin: Buffer;
  try {
    busyboxBin = await readFile(busybox);
  } catch (e) {
    throw new BuiltinImageError('MissingTool', `${busybox} not found: ${BUILD_PACKAGES_HINT}`, { cause: e });
  }
  if (!isStaticElf(busyboxBin)) {
    throw new BuiltinImageError('MissingTool', `${busybox} is not a static x86-64 binary (Debian's busybox package is dynamic): ${BUILD_PACKAGES_HINT}`);
  }
  return { gccVersion, busyboxBin };
}

async function compile(gcc: string, src: string, out: string): Promise<Buffer> {
  try {
    await run(gcc, ['-static', '-O2', '-s', '-Wall', '-o', out, src]);
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    const first = stderr.split('\n').find((l) => /error/i.test(l)) ?? stderr.split('\n')[0] ?? String(e);
    if (/cannot find -lc\b/.test(stderr)) throw new BuiltinImageError('MissingTool', `static libc missing while compiling ${src}: ${BUILD_PACKAGES_HINT}`, { cause: e });
    throw new BuiltinImageError('BuildFailed', `compiling ${src} failed: ${first.trim()}`, { cause: e });
  }
  return readFile(out);
}

/** Applet names of a busybox binary (`busybox --list`). */
async function busyboxApplets(busybox: string): Promise<string[]> {
  try {
    const { stdout } = await run(busybox, ['--list']);
    return stdout.split('\n').map((s) => s.trim()).filter((s) => /^[a-z0-9_.[-]+$/i.test(s) && s !== 'busybox').sort();
  } catch (e) {
    throw new BuiltinImageError('MissingTool', `cannot run ${busybox} --list: ${BUILD_PACKAGES_HINT}`, { cause: e });
  }
}

/** The busybox root file system: the binary, one symlink per applet, users, groups, /tmp. */
export function busyboxEntries(binary: Uint8Array, applets: readonly string[]): LayerEntry[] {
  const entries: LayerEntry[] = [{ type: 'file', path: '/bin/busybox', mode: 0o755, content: binary }];
  for (const a of applets) entries.push({ type: 'symlink', path: `/bin/${a}`, target: 'busybox' });
  // Scripts written `#!/usr/bin/env sh` find env where they expect it.
  entries.push({ type: 'symlink', path: '/usr/bin/env', target: '/bin/busybox' });
  entries.push(
    { type: 'dir', path: '/tmp', mode: 0o1777 },
    { type: 'dir', path: '/root', mode: 0o700 },
    { type: 'dir', path: '/home', mode: 0o755 },
    { type: 'dir', path: '/var/run', mode: 0o755 },
    { type: 'dir', path: '/proc', mode: 0o755 },
    { type: 'dir', path: '/sys', mode: 0o755 },
    { type: 'dir', path: '/dev', mode: 0o755 },
    {
      type: 'file',
      path: '/etc/passwd',
      content: 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    },
    { type: 'file', path: '/etc/group', content: 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' },
    { type: 'file', path: '/etc/shadow', mode: 0o600, content: 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' },
  );
  return entries;
}

/** What `builtin.stamp` holds: the inputs' hash and the manifest digest of every name built. */
interface Stamp {
  key: string;
  manifests: Record<string, string>;
}

/**
 * The manifest digest of every built-in image name in the cache (from its stamp), or undefined when
 * nothing complete is there. Lets a caller skip importing images containerd already has.
 */
export async function readBuiltinManifests(cacheDir: string = defaultCacheDir()): Promise<Record<string, string> | undefined> {
  const stamp = await readStamp(join(resolve(cacheDir), 'builtin.stamp'));
  return stamp && Object.values(builtinArchivePaths(resolve(cacheDir))).every((p) => existsSync(p)) ? stamp.manifests : undefined;
}

async function readStamp(path: string): Promise<Stamp | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<Stamp>;
    return typeof v.key === 'string' && v.manifests && typeof v.manifests === 'object' ? { key: v.key, manifests: v.manifests } : undefined;
  } catch {
    return undefined;
  }
}

async function writeArchives(cacheDir: string, parts: { pause: Buffer; demo: Buffer; busybox: Buffer; applets: string[] }): Promise<Record<string, string>> {
  const paths = builtinArchivePaths(cacheDir);
  const manifests: Record<string, string> = {};
  const note = (built: BuiltImage[]) => {
    for (const b of built) for (const n of b.names) manifests[n] = b.manifestDigest;
  };
  const base: Layer = await buildLayer(busyboxEntries(parts.busybox, parts.applets), 'busybox-static from Debian, applet symlinks, /etc/passwd');
  const pause: ImageSpec = {
    names: [BUILTIN_IMAGES.pause],
    layers: [await buildLayer([{ type: 'file', path: '/pause', mode: 0o755, content: parts.pause }], 'images/pause/pause.c, gcc -static')],
    // As upstream's pause image: an unprivileged user, nothing else.
    config: { entrypoint: ['/pause'], user: '65535:65535', env: [IMAGE_PATH_ENV] },
  };
  const busybox: ImageSpec = { names: [BUILTIN_IMAGES.busybox], layers: [base], config: { cmd: ['sh'], env: [IMAGE_PATH_ENV] } };
  const app = await buildLayer([{ type: 'file', path: '/demo-app', mode: 0o755, content: parts.demo }], 'images/demo-app/demo-app.c, gcc -static');
  const demo: ImageSpec[] = Object.entries(DEMO_APP_NAMES).map(([name, version]) => ({
    names: [name],
    layers: [base, app],
    config: {
      entrypoint: ['/demo-app'],
      env: [IMAGE_PATH_ENV, 'PORT=8080', `VERSION=${version}`],
      exposedPorts: ['8080/tcp'],
      stopSignal: 'SIGTERM',
      workingDir: '/',
    },
  }));
  note(await writeOciArchive(paths.pause, [pause]));
  note(await writeOciArchive(paths.busybox, [busybox]));
  note(await writeOciArchive(paths.demo, demo));
  return manifests;
}

/**
 * Makes sure the three built-in archives exist and match their inputs; builds them otherwise.
 * Throws BuiltinImageError with a one-line message (MissingTool names the packages to install).
 */
export async function ensureBuiltinImages(opts: EnsureBuiltinImagesOptions = {}): Promise<BuiltinArchives> {
  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir());
  const sourceDir = resolve(opts.sourceDir ?? join(repoRoot(), 'images'));
  const gcc = opts.gcc ?? 'gcc';
  const busybox = opts.busybox ?? '/bin/busybox';
  const paths = builtinArchivePaths(cacheDir);
  const pauseSrc = join(sourceDir, 'pause', 'pause.c');
  const demoSrc = join(sourceDir, 'demo-app', 'demo-app.c');

  let busyboxBin: Buffer;
  let sources: Buffer[];
  try {
    sources = await Promise.all([readFile(pauseSrc), readFile(demoSrc)]);
  } catch (e) {
    throw new BuiltinImageError('BuildFailed', `cannot read the image sources in ${sourceDir}: ${(e as Error).message}`, { cause: e });
  }
  try {
    busyboxBin = await readFile(busybox);
  } catch (e) {
    throw new BuiltinImageError('MissingTool', `${busybox} not found: ${BUILD_PACKAGES_HINT}`, { cause: e });
  }
  // The compiler is not part of the key (asking it costs a process on every call): after a gcc or
  // libc upgrade, `flotilla images build --force` (or a RECIPE_VERSION bump) rebuilds.
  const h = createHash('sha256');
  h.update(`recipe ${RECIPE_VERSION}\n`);
  h.update(JSON.stringify(DEMO_APP_NAMES));
  h.update(JSON.stringify(BUILTIN_IMAGES));
  for (const b of [...sources, busyboxBin]) h.update(createHash('sha256').update(b).digest('hex'));
  const key = h.digest('hex');
  const stamp = join(cacheDir, 'builtin.stamp');
  const current = await readStamp(stamp);
  if (!opts.force && current?.key === key && Object.values(paths).every((p) => existsSync(p))) return paths;

  const progress = opts.onProgress ?? (() => {});
  const started = Date.now();
  progress(`building the built-in images (pause, busybox, demo-app) into ${cacheDir}`);
  const tools = await checkTools(gcc, busybox);
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'build-'));
  try {
    const [pause, demo, applets] = await Promise.all([
      compile(gcc, pauseSrc, join(work, 'pause')),
      compile(gcc, demoSrc, join(work, 'demo-app')),
      busyboxApplets(busybox),
    ]);
    const manifests = await writeArchives(cacheDir, { pause, demo, busybox: tools.busyboxBin, applets });
    const tmp = `${stamp}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, `${JSON.stringify({ key, manifests } satisfies Stamp)}\n`);
    await rename(tmp, stamp);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  progress(`built the built-in images in ${((Date.now() - started) / 1000).toFixed(1)}s (gcc ${tools.gccVersion})`);
  return paths;
}
