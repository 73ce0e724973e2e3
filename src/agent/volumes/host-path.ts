/**
 * hostPath volumes: the type check of upstream's hostPath plugin (checkTypeInternal) with its
 * messages; DirectoryOrCreate and FileOrCreate create what is missing (0755 dir / 0644 file).
 * An empty type checks nothing.
 */
import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const;

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

/** undefined when `path` passes the check for `type`, else the error text. */
export async function checkHostPathType(path: string, type: string | undefined): Promise<string | undefined> {
  const t = type ?? '';
  const st = await statOrUndefined(path);
  if (t === '') return undefined;
  if (t === 'DirectoryOrCreate' || t === 'Directory') {
    if (!st && t === 'DirectoryOrCreate') {
      try {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    }
    return st?.isDirectory() ? undefined : `hostPath type check failed: ${path} is not a directory`;
  }
  if (t === 'FileOrCreate' || t === 'File') {
    if (!st && t === 'FileOrCreate') {
      try {
        await (await open(path, 'a', 0o644)).close();
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    }
    return st?.isFile() ? undefined : `hostPath type check failed: ${path} is not a file`;
  }
  if (t === 'Socket') return st?.isSocket() ? undefined : `hostPath type check failed: ${path} is not a socket file`;
  if (t === 'CharDevice') return st?.isCharacterDevice() ? undefined : `hostPath type check failed: ${path} is not a character device`;
  if (t === 'BlockDevice') return st?.isBlockDevice() ? undefined : `hostPath type check failed: ${path} is not a block device`;
  return `${t} is an invalid volume type`;
}
