/**
 * One server per data dir: `<data-dir>/server.pid` holds the PID of the server using it. Taking the
 * lock fails when that PID is a live process; a file left by a crashed server (dead PID, garbage)
 * is taken over, so start-up tolerates leftovers. Not a guarantee against PID reuse; it catches the
 * common mistake of starting a second server on the same state.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface PidLock {
  readonly path: string;
  /** Removes the file if it still names this process. Idempotent. */
  release(): void;
}

export function acquirePidLock(path: string, pid = process.pid): PidLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx', mode: 0o644 });
      return {
        path,
        release: () => {
          if (readPid(path) === pid) rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readPid(path);
    if (holder !== undefined && holder !== pid && isAlive(holder)) {
      throw new Error(`another flotilla server (pid ${holder}) is using this data dir (${path}); stop it first`);
    }
    rmSync(path, { force: true }); // stale: the holder is gone
  }
  throw new Error(`cannot take ${path}: another process keeps recreating it`);
}

function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
