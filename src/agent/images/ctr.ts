/**
 * Image operations on a node's containerd through Debian's `ctr` binary (containerd's own client):
 * import archives (OCI layouts or `docker save` tars), list and remove images, in the CRI's
 * namespace by default.
 *
 * Contract: every function takes the containerd socket path; none starts containerd. Failures are
 * CtrError values with a one-line message and a reason: 'MissingTool' (no ctr binary),
 * 'Unavailable' (nothing listening on the socket), 'NotFound' (an archive or image does not exist),
 * 'Failed' (ctr reported an error). Import is idempotent: importing the same archive again re-tags
 * the same content.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CRI_NAMESPACE } from './builtin.js';
import { type ImageRecord, parseCtrImageList, parseImportedNames } from './image-table.js';

export class CtrError extends Error {
  override readonly name = 'CtrError';
  constructor(
    readonly reason: 'MissingTool' | 'Unavailable' | 'NotFound' | 'Failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CtrOptions {
  /** The ctr binary; default `ctr`. */
  ctr?: string;
  /** Progress lines from ctr (import's "unpacking ... done"), without trailing newline. */
  onProgress?: (line: string) => void;
  /** Whole-command timeout; default 10 minutes for import, 1 minute otherwise. */
  timeoutMs?: number;
}

interface CtrResult {
  stdout: string;
  stderr: string;
}

/** The last meaningful line of ctr's stderr, without its `ctr: ` prefix or logrus decoration. */
function ctrMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines[lines.length - 1] ?? 'ctr failed';
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  return (m ? m[1]!.replace(/\\"/g, '"') : last).replace(/^ctr: /, '');
}

function runCtr(socket: string, namespace: string, args: string[], opts: CtrOptions, defaultTimeout: number): Promise<CtrResult> {
  const bin = opts.ctr ?? 'ctr';
  const full = ['--address', socket, '--connect-timeout', '5s', '--namespace', namespace, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? defaultTimeout);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!opts.onProgress) return;
      pending += d;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) opts.onProgress(p.trim());
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') reject(new CtrError('MissingTool', `${bin} not found: install containerd (scripts/setup.sh does)`, { cause: e }));
      else reject(new CtrError('Failed', `cannot run ${bin}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (opts.onProgress && pending.trim()) opts.onProgress(pending.trim());
      if (code === 0) return resolve({ stdout, stderr });
      if (signal) return reject(new CtrError('Failed', `ctr ${args.slice(0, 2).join(' ')} timed out or was killed (${signal})`));
      const msg = ctrMessage(stderr);
      if (/failed to dial|connection refused|no such file or directory.*sock|context deadline exceeded/i.test(msg)) {
        return reject(new CtrError('Unavailable', `cannot reach containerd at ${socket}: ${msg}`));
      }
      reject(new CtrError('Failed', msg));
    });
  });
}

function checkSocket(socket: string): void {
  if (!existsSync(socket)) {
    throw new CtrError('Unavailable', `containerd socket ${socket} not found: is the flotilla agent running on this node? (or pass --address)`);
  }
}

/**
 * Imports each archive into `namespace` (unpacking into the default snapshotter, as the CRI needs)
 * and returns the image names registered, in order. Stops at the first archive that fails.
 */
export async function importImages(socket: string, archives: readonly string[], namespace: string = CRI_NAMESPACE, opts: CtrOptions = {}): Promise<string[]> {
  checkSocket(socket);
  const names: string[] = [];
  for (const archive of archives) {
    if (!existsSync(archive)) throw new CtrError('NotFound', `archive ${archive} not found`);
    try {
      const { stdout } = await runCtr(socket, namespace, ['images', 'import', archive], opts, 10 * 60_000);
      names.push(...parseImportedNames(stdout));
    } catch (e) {
      if (e instanceof CtrError && e.reason === 'Failed') throw new CtrError('Failed', `importing ${archive}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  return names;
}

/**
 * Lists the images of `namespace`, with the image ID (config digest) of each manifest: taken from
 * the CRI's own `sha256:<id>` references when present, else read from the manifest.
 */
export async function listImages(socket: string, namespace: string = CRI_NAMESPACE, opts: CtrOptions = {}): Promise<ImageRecord[]> {
  checkSocket(socket);
  const { stdout } = await runCtr(socket, namespace, ['images', 'ls'], opts, 60_000);
  const lines = parseCtrImageList(stdout);
  const idByManifest = new Map<string, string>();
  for (const l of lines) if (/^sha256:[0-9a-f]{64}$/.test(l.ref)) idByManifest.set(l.digest, l.ref);
  for (const l of lines) {
    if (idByManifest.has(l.digest)) continue;
    try {
      const { stdout: body } = await runCtr(socket, namespace, ['content', 'get', l.digest], opts, 60_000);
      const doc = JSON.parse(body) as { config?: { digest?: unknown } };
      idByManifest.set(l.digest, typeof doc.config?.digest === 'string' ? doc.config.digest : l.digest);
    } catch {
      idByManifest.set(l.digest, l.digest);
    }
  }
  return lines.map((l) => ({ ...l, id: idByManifest.get(l.digest) ?? l.digest }));
}

/**
 * Removes the given references, like `crictl rmi`: when the last name of an image goes, the CRI's
 * `sha256:<id>` reference to it goes too, so the content can be garbage-collected. References that
 * do not exist are returned in `notFound` (nothing else is done for them).
 */
export async function removeImages(
  socket: string,
  refs: readonly string[],
  namespace: string = CRI_NAMESPACE,
  opts: CtrOptions = {},
): Promise<{ removed: string[]; notFound: string[] }> {
  const images = await listImages(socket, namespace, opts);
  const byRef = new Map(images.map((i) => [i.ref, i]));
  const notFound = refs.filter((r) => !byRef.has(r) && !byRef.has(normalizeRef(r)));
  const targets = [...new Set(refs.map((r) => (byRef.has(r) ? r : normalizeRef(r))).filter((r) => byRef.has(r)))];
  const gone = new Set(targets);
  const extra: string[] = [];
  for (const t of targets) {
    const img = byRef.get(t)!;
    const stillNamed = images.some((i) => i.digest === img.digest && !gone.has(i.ref) && !/^sha256:[0-9a-f]{64}$/.test(i.ref));
    if (!stillNamed && byRef.has(img.id) && !gone.has(img.id)) {
      gone.add(img.id);
      extra.push(img.id);
    }
  }
  const all = [...targets, ...extra];
  if (all.length > 0) await runCtr(socket, namespace, ['images', 'rm', ...all], opts, 60_000);
  return { removed: targets, notFound };
}

/** `busybox` → `docker.io/library/busybox:latest`, as containerd's CRI stores short names. */
export function normalizeRef(ref: string): string {
  let name = ref;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0) name = `docker.io/library/${name}`;
  else if (!/[.:]/.test(first) && first !== 'localhost') name = `docker.io/${name}`;
  const lastSlash = name.lastIndexOf('/');
  if (!name.includes('@') && name.lastIndexOf(':') < lastSlash) name = `${name}:latest`;
  return name;
}
