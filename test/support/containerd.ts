/**
 * A private containerd for integration tests: its own temp data dir (`/tmp/flt-<random>-*`, short
 * enough for unix socket paths), started through the agent's startContainerd, with the built-in
 * images (pause, busybox, demo app) imported unless `images: false`.
 *
 * Contract:
 * - needs root and Debian's containerd/runc; rejects with a message naming what to install otherwise
 *   (tests fail, never silently pass);
 * - everything in this containerd belongs to the test, so stop() stops and removes every sandbox and
 *   container in it, stops containerd by its PID, kills leftover runc shims of this instance (found
 *   by our socket path in their command line, by PID), unmounts whatever is still mounted under the
 *   data dir (lazily when busy) and removes the dir. stop() is idempotent;
 * - instances never stopped (a test that crashed) are torn down synchronously from an exit hook.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { discardLogger, type Logger } from '../../src/lib/log.js';
import { BUILTIN_IMAGES } from '../../src/agent/images/builtin.js';
import { ensureBuiltinImages } from '../../src/agent/images/build.js';
import { importImages } from '../../src/agent/images/ctr.js';
import { createCriClient, startContainerd, type CriClient, type RunningContainerd, type StartContainerdOptions } from '../../src/agent/runtime/index.js';

export interface TestContainerd {
  dataDir: string;
  socket: string;
  client: CriClient;
  containerd: RunningContainerd;
  /** Image names imported (empty with `images: false`). */
  images: string[];
  stop(): Promise<void>;
}

export interface StartTestContainerdOptions {
  /** Import the built-in images (default true; building them needs gcc, libc6-dev, busybox-static). */
  images?: boolean;
  /** Default: discard (containerd's own output is in `<dataDir>/containerd/containerd.log`). */
  logger?: Logger;
  /** Passed on to startContainerd (registries, CNI dirs, ...). */
  containerdOptions?: Partial<Omit<StartContainerdOptions, 'dataDir' | 'logger'>>;
}

export { BUILTIN_IMAGES };

/** Run prefix of this test process: every data dir it creates starts with it. */
export const TEST_PREFIX = `flt-${randomBytes(3).toString('hex')}`;

const live = new Set<{ dataDir: string; pid: () => number | undefined }>();

function requireRootAndContainerd(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('this test needs root (it runs containerd and runc for real): run it as root');
  }
  for (const bin of ['containerd', 'runc', 'ctr']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${bin} not found: install Debian's containerd and runc (apt-get install containerd runc, or scripts/setup.sh)`);
    }
  }
}

/** Mount points under `dir`, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.replace(/\/+$/, '') + '/';
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const decoded = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded.startsWith(prefix)) out.push(decoded);
  }
  return [...new Set(out)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

function unmountAll(dir: string): void {
  for (let round = 0; round < 3; round++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) return;
    for (const mp of mps) {
      try {
        execFileSync('umount', ['-R', mp], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        try {
          execFileSync('umount', ['-R', '-l', mp], { stdio: 'ignore', timeout: 10_000 });
        } catch {
          /* already gone with its parent */
        }
      }
    }
  }
}

/** PIDs of runc shims serving the containerd on `socket` (their cmdline carries `-address <socket>`). */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!/containerd-shim/.test(argv[0] ?? '')) continue;
    const i = argv.indexOf('-address');
    if (i >= 0 && argv[i + 1] === socket) pids.push(Number(name));
  }
  return pids;
}

function killPid(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

function teardownSync(dataDir: string, pid: number | undefined): void {
  killPid(pid);
  for (const p of shimPids(join(dataDir, 'containerd', 'containerd.sock'))) killPid(p);
  unmountAll(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const inst of live) {
      try {
        teardownSync(inst.dataDir, inst.pid());
      } catch {
        /* best effort at exit */
      }
    }
  });
}

/** Stops and removes every container and sandbox of the instance (bounded by the CRI deadlines). */
async function removeEverything(client: CriClient): Promise<void> {
  const containers = await client.runtime.listContainers();
  await Promise.all(
    containers.map(async (c) => {
      await client.runtime.stopContainer(c.id, 0).catch(() => {});
      await client.runtime.removeContainer(c.id).catch(() => {});
    }),
  );
  const sandboxes = await client.runtime.listPodSandbox();
  await Promise.all(
    sandboxes.map(async (s) => {
      await client.runtime.stopPodSandbox(s.id).catch(() => {});
      await client.runtime.removePodSandbox(s.id).catch(() => {});
    }),
  );
}

export async function startTestContainerd(opts: StartTestContainerdOptions = {}): Promise<TestContainerd> {
  requireRootAndContainerd();
  installExitHook();
  const dataDir = mkdtempSync(join('/tmp', `${TEST_PREFIX}-`));
  let containerd: RunningContainerd | undefined;
  const entry = { dataDir, pid: () => containerd?.pid() };
  live.add(entry);
  try {
    containerd = await startContainerd({ ...opts.containerdOptions, dataDir, logger: opts.logger ?? discardLogger });
  } catch (e) {
    live.delete(entry);
    teardownSync(dataDir, undefined);
    throw e;
  }
  const client = createCriClient(containerd.socket);
  const started = containerd;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      try {
        await removeEverything(client).catch(() => {});
      } finally {
        client.close();
        await started.stop();
        live.delete(entry);
        teardownSync(dataDir, undefined);
      }
    })());

  let images: string[] = [];
  if (opts.images !== false) {
    try {
      const archives = await ensureBuiltinImages();
      images = await importImages(containerd.socket, Object.values(archives));
    } catch (e) {
      await stop();
      throw new Error(`cannot import the built-in images: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return { dataDir, socket: containerd.socket, client, containerd, images, stop };
}
