/**
 * Puts the built-in images into a node's containerd: builds them if needed, then imports only the
 * archives whose names containerd lacks or holds at another manifest. What a node agent calls at
 * start so pods find the sandbox (pause) image without a registry.
 *
 * Contract: idempotent and cheap when nothing changed (one `ctr images ls`); errors are
 * BuiltinImageError (building) or CtrError (containerd).
 */
import { BuiltinImageError, type EnsureBuiltinImagesOptions, defaultCacheDir, ensureBuiltinImages, readBuiltinManifests } from './build.js';
import { BUILTIN_IMAGES, CRI_NAMESPACE, DEMO_APP_NAMES, type BuiltinImage } from './builtin.js';
import { importImages, listImages } from './ctr.js';

export interface ImportBuiltinImagesOptions extends EnsureBuiltinImagesOptions {
  /** containerd namespace; default k8s.io (the CRI's). */
  namespace?: string;
  /** The ctr binary; default `ctr`. */
  ctr?: string;
}

/** The names each built-in archive registers. */
export const BUILTIN_ARCHIVE_NAMES: Readonly<Record<BuiltinImage, readonly string[]>> = {
  pause: [BUILTIN_IMAGES.pause],
  busybox: [BUILTIN_IMAGES.busybox],
  demo: Object.keys(DEMO_APP_NAMES),
};

export async function importBuiltinImages(socket: string, opts: ImportBuiltinImagesOptions = {}): Promise<{ imported: string[]; present: string[] }> {
  const namespace = opts.namespace ?? CRI_NAMESPACE;
  const ctrOpts = { ...(opts.ctr ? { ctr: opts.ctr } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
  const archives = await ensureBuiltinImages(opts);
  const manifests = await readBuiltinManifests(opts.cacheDir ?? defaultCacheDir());
  if (!manifests) throw new BuiltinImageError('BuildFailed', `the built-in image cache ${opts.cacheDir ?? defaultCacheDir()} has no stamp after building`);
  const have = new Map((await listImages(socket, namespace, { ...(opts.ctr ? { ctr: opts.ctr } : {}) })).map((i) => [i.ref, i.digest]));
  const imported: string[] = [];
  const present: string[] = [];
  for (const key of Object.keys(BUILTIN_ARCHIVE_NAMES) as BuiltinImage[]) {
    const names = BUILTIN_ARCHIVE_NAMES[key];
    if (names.every((n) => manifests[n] !== undefined && have.get(n) === manifests[n])) {
      present.push(...names);
      continue;
    }
    imported.push(...(await importImages(socket, [archives[key]], namespace, ctrOpts)));
  }
  return { imported, present };
}
