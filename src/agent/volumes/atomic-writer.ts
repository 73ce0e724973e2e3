/**
 * The AtomicWriter's I/O (see atomic-plan.ts for the layout and the decisions): writes a payload
 * into a volume directory so that readers switch from one complete version to the next through a
 * single rename(2) of the `..data` symlink.
 *
 * Contract: idempotent (an unchanged payload writes nothing and reports `changed: false`); a crash
 * at any point leaves either the old or the new version visible (leftover `..<timestamp>` dirs of
 * a crashed write are removed by the next write); one writer per directory at a time (the volume
 * manager serialises per pod).
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, symlink, unlink, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DATA_DIR_NAME, NEW_DATA_DIR_NAME, cleanPayload, planAtomicWrite, timestampDirPrefix } from './atomic-plan.js';
import type { FileProjection, Payload } from './payload.js';

const isNotFound = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

/** The version `..data` points at: its directory name and files, or undefined when none. */
export async function readCurrentVersion(targetDir: string): Promise<{ dirName: string; files: Map<string, FileProjection> } | undefined> {
  let dirName: string;
  try {
    dirName = await readlink(join(targetDir, DATA_DIR_NAME));
  } catch (e) {
    if (isNotFound(e) || (e as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw e;
  }
  if (dirName.includes('/')) return undefined; // not ours: rewrite
  const files = new Map<string, FileProjection>();
  const walk = async (rel: string): Promise<void> => {
    const dir = join(targetDir, dirName, rel);
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) await walk(r);
      else if (ent.isFile()) {
        const p = join(dir, ent.name);
        const st = await lstat(p);
        files.set(r, { data: new Uint8Array(await readFile(p)), mode: st.mode & 0o777 });
      }
    }
  };
  try {
    await walk('');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  return { dirName, files };
}

/**
 * Writes `payload` into `targetDir` (which must exist). Returns whether a new version was made,
 * or the error text (an invalid path: nothing is written then).
 */
export async function writeAtomic(targetDir: string, payload: Payload, now: Date): Promise<{ changed: boolean } | { error: string }> {
  const cleaned = cleanPayload(payload);
  if ('error' in cleaned) return cleaned;
  const current = await readCurrentVersion(targetDir);
  const plan = planAtomicWrite(current?.files, cleaned.payload);
  let newDirName = current?.dirName;
  if (plan.write) {
    const tsDir = await mkdtemp(join(targetDir, timestampDirPrefix(now)));
    await chmod(tsDir, 0o755);
    newDirName = basename(tsDir);
    for (const [rel, f] of cleaned.payload) {
      const p = join(tsDir, rel);
      await mkdir(dirname(p), { recursive: true, mode: 0o755 });
      await writeFile(p, f.data, { mode: f.mode });
      await chmod(p, f.mode); // the umask must not narrow the requested mode
    }
    const tmp = join(targetDir, NEW_DATA_DIR_NAME);
    await rm(tmp, { force: true });
    await symlink(newDirName, tmp);
    await rename(tmp, join(targetDir, DATA_DIR_NAME));
  }
  for (const name of plan.visible) {
    const p = join(targetDir, name);
    try {
      await lstat(p);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await symlink(`${DATA_DIR_NAME}/${name}`, p);
    }
  }
  for (const name of plan.staleVisible) {
    await unlink(join(targetDir, name)).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }
  if (plan.write) {
    // The old version and any leftover of a crashed write.
    for (const ent of await readdir(targetDir)) {
      if (ent !== newDirName && /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\./.test(ent)) await rm(join(targetDir, ent), { recursive: true, force: true });
    }
  }
  return { changed: plan.write };
}
