/**
 * Removal of a pod's cgroups once its sandbox and containers are gone (upstream's pod container
 * manager): runc creates `<root>/[burstable|besteffort/]pod<uid>` in every hierarchy as the parent of
 * the sandbox's and containers' cgroups but never removes it.
 *
 * Contract: only empty cgroups are removed (rmdir refuses anything with processes, so a cgroup in
 * use is left and reported); child directories go first, deepest first. Works on cgroup v1 (every
 * controller hierarchy under the mount root) and v2 (the unified tree). Never throws for a missing
 * directory; returns what could not be removed.
 */
import { readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CGROUP_ROOT } from '../pods/index.js';

export interface PodCgroupOptions {
  /** Root of the pod cgroups inside each hierarchy (default /flotilla). */
  cgroupRoot?: string;
  /** Where the cgroup filesystems are mounted (default /sys/fs/cgroup). */
  mountRoot?: string;
}

const QOS_DIRS = ['', 'burstable', 'besteffort'];

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Hierarchies to look in: the mount root itself (v2) and each directory under it (v1 controllers). */
async function hierarchies(mountRoot: string): Promise<string[]> {
  const out = [mountRoot];
  for (const e of await readdir(mountRoot, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) out.push(join(mountRoot, e.name));
  return out;
}

/** Removes `dir` and its sub-cgroups, deepest first; the paths that stayed (busy). */
async function removeTree(dir: string): Promise<string[]> {
  const left: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) left.push(...(await removeTree(join(dir, e.name))));
  await rmdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') left.push(dir);
  });
  return left;
}

/** Removes the cgroups of pod `podUid` in every hierarchy; resolves with the paths left (in use). */
export async function removePodCgroups(podUid: string, opts: PodCgroupOptions = {}): Promise<string[]> {
  if (!/^[A-Za-z0-9-]+$/.test(podUid)) return [];
  const root = (opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT).replace(/^\/+|\/+$/g, '');
  const left: string[] = [];
  for (const h of await hierarchies(opts.mountRoot ?? '/sys/fs/cgroup')) {
    for (const qos of QOS_DIRS) {
      const dir = join(h, root, qos, `pod${podUid}`);
      if (await isDir(dir)) left.push(...(await removeTree(dir)));
    }
  }
  return left;
}

/** Removes the QoS directories and the root itself where they are empty (killall); never throws. */
export async function removeEmptyCgroupRoot(opts: PodCgroupOptions = {}): Promise<void> {
  const root = (opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT).replace(/^\/+|\/+$/g, '');
  for (const h of await hierarchies(opts.mountRoot ?? '/sys/fs/cgroup')) {
    for (const qos of ['burstable', 'besteffort', '']) await rmdir(join(h, root, qos)).catch(() => {});
  }
}
