/**
 * The files a container's mounts need on the host before CreateContainer (kubelet's makeMounts
 * I/O): the pod's managed /etc/hosts (written once, 0644), the empty termination-message file
 * (0666, so any user in the container can write it) and each subPath directory, created inside its
 * volume without following a symlink out of it (SafeMakeDir) and checked to resolve inside it.
 */
import { chmodSync, lstatSync, mkdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { V1Container, V1Pod } from '../../api/core/v1/index.js';
import type { Mount } from '../runtime/cri-types.js';
import { containerMounts, etcHostsContent, type ContainerMountOptions, type SubPathRequest } from './mounts.js';
import { etcHostsPath } from './paths.js';

export interface PrepareMountsOptions extends ContainerMountOptions {
  /** The node's hosts file, copied for hostNetwork pods (default /etc/hosts). */
  nodeHostsFile?: string;
}

const within = (base: string, p: string): boolean => {
  const r = relative(base, p);
  return r === '' || (!r.startsWith('..') && !r.startsWith('/'));
};

/** Creates `req.subPath` under its volume, one element at a time, refusing to leave the volume. */
export async function safeMakeSubPath(req: SubPathRequest): Promise<string | undefined> {
  const base = await realpath(req.volumePath);
  const perm = (await stat(base)).mode & 0o7777;
  let cur = base;
  const parts = req.subPath.split('/');
  for (let i = 0; i < parts.length; i++) {
    const next = join(cur, parts[i]!);
    let st;
    try {
      st = await lstat(next);
    } catch {
      await mkdir(next, { mode: perm });
      await chmod(next, perm);
      cur = next;
      continue;
    }
    if (st.isSymbolicLink()) {
      const target = await realpath(next).catch(() => undefined);
      if (target === undefined || !within(base, target)) return `subpath "${join(req.volumePath, req.subPath)}" not within volume path "${req.volumePath}"`;
      cur = target;
    } else if (st.isDirectory()) cur = next;
    else if (i === parts.length - 1) cur = next; // a file subPath
    else return `subpath "${join(req.volumePath, req.subPath)}" not within volume path "${req.volumePath}"`;
  }
  return within(base, await realpath(cur)) ? undefined : `subpath "${join(req.volumePath, req.subPath)}" not within volume path "${req.volumePath}"`;
}

/**
 * safeMakeSubPath without awaiting (the same checks, synchronous calls): for callers that must
 * answer a container's mounts synchronously. A few syscalls per subPath element.
 */
export function safeMakeSubPathSync(req: SubPathRequest): string | undefined {
  const escape = `subpath "${join(req.volumePath, req.subPath)}" not within volume path "${req.volumePath}"`;
  const base = realpathSync(req.volumePath);
  const perm = statSync(base).mode & 0o7777;
  let cur = base;
  const parts = req.subPath.split('/');
  for (let i = 0; i < parts.length; i++) {
    const next = join(cur, parts[i]!);
    let st: Stats;
    try {
      st = lstatSync(next);
    } catch {
      mkdirSync(next, { mode: perm });
      chmodSync(next, perm);
      cur = next;
      continue;
    }
    if (st.isSymbolicLink()) {
      let target: string | undefined;
      try {
        target = realpathSync(next);
      } catch {
        target = undefined;
      }
      if (target === undefined || !within(base, target)) return escape;
      cur = target;
    } else if (st.isDirectory()) cur = next;
    else if (i === parts.length - 1) cur = next;
    else return escape;
  }
  return within(base, realpathSync(cur)) ? undefined : escape;
}

/**
 * containerMounts plus the files and directories they need. Idempotent: an existing /etc/hosts
 * is kept (kubelet writes it once per pod), an existing termination file is kept.
 */
export async function prepareContainerMounts(pod: V1Pod, container: V1Container, opts: PrepareMountsOptions): Promise<{ mounts: Mount[] } | { error: string }> {
  const plan = containerMounts(pod, container, opts);
  if ('error' in plan) return plan;
  for (const sp of plan.subPaths) {
    try {
      const err = await safeMakeSubPath(sp);
      if (err) return { error: err };
    } catch {
      // The detail could tell about the host's file system; upstream answers only this.
      return { error: `failed to create subPath directory for volumeMount "${sp.volumeName}" of container "${container.name ?? ''}"` };
    }
  }
  if (plan.etcHosts) {
    const path = etcHostsPath(opts.podsDir, pod.metadata.uid ?? '');
    const present = await lstat(path).then(
      () => true,
      () => false,
    );
    if (!present) {
      const nodeHosts = pod.spec?.hostNetwork ? await readFile(opts.nodeHostsFile ?? '/etc/hosts', 'utf8').catch(() => '') : '';
      const c = etcHostsContent(pod, opts.podIPs, opts.clusterDomain, nodeHosts);
      if ('error' in c) return c;
      await mkdir(dirname(path), { recursive: true, mode: 0o750 });
      await writeFile(path, c.content, { mode: 0o644 });
    }
  }
  if (plan.terminationMessageFile) {
    await mkdir(dirname(plan.terminationMessageFile), { recursive: true, mode: 0o750 });
    await (await open(plan.terminationMessageFile, 'a', 0o666)).close();
    await chmod(plan.terminationMessageFile, 0o666);
  }
  return { mounts: plan.mounts };
}
