/**
 * containerd as the agent's child process (as k3s runs it): generated config, own root/state/socket
 * under `<dataDir>/containerd`, output appended to containerd.log, supervised (restarted with
 * backoff when it exits on its own) and stopped with SIGTERM then SIGKILL.
 *
 * Leftovers: the child's PID is kept in containerd.pid. At start, a containerd still running from a
 * crashed earlier agent on the same data dir (identified by /proc/<pid>/cmdline naming our config
 * file) is terminated by that PID and a fresh one started. Containers live in their runc shims and
 * survive containerd restarts, so the agent adopts the running pods through the new containerd.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, readSync, fstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../../lib/log.js';
import { BUILTIN_IMAGES } from '../../images/builtin.js';
import { createCriClient } from '../cri/client.js';
import {
  containerdConfig,
  containerdPaths,
  parseContainerdVersion,
  registryHostsFiles,
  supportedContainerdVersion,
  type RegistriesConfig,
} from './config.js';

const execFileP = promisify(execFile);

export interface StartContainerdOptions {
  dataDir: string;
  logger: Logger;
  /** Default BUILTIN_IMAGES.pause. */
  sandboxImage?: string;
  cniBinDir?: string;
  cniConfDir?: string;
  registries?: RegistriesConfig;
  /** Default `containerd` from PATH. */
  containerdPath?: string;
  /** How long to wait for the CRI socket to answer (default 30 s). */
  startTimeoutMs?: number;
  /** Default: true when this process lacks CAP_SYS_RESOURCE (see ContainerdConfigOptions). */
  restrictOomScoreAdj?: boolean;
  /** SIGTERM → SIGKILL grace of stop() (default 10 s). */
  stopTimeoutMs?: number;
}

export interface RunningContainerd {
  /** `<dataDir>/containerd/containerd.sock` (the path `flotilla images` dials). */
  socket: string;
  /** PID of the current child; undefined while it is being restarted or after stop(). */
  pid(): number | undefined;
  /** Stops supervision, SIGTERM, SIGKILL after the grace, waits for the exit. Idempotent. */
  stop(): Promise<void>;
  /** containerd's version, e.g. "1.6.20". */
  version: string;
}

/** Detects the binary's version; rejects with a clear message when missing or older than 1.6. */
export async function containerdVersion(containerdPath = 'containerd'): Promise<string> {
  let out: string;
  try {
    out = (await execFileP(containerdPath, ['--version'], { timeout: 10_000 })).stdout;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot run ${containerdPath} --version (${msg}); install containerd (Debian: apt-get install containerd runc, or scripts/setup.sh)`);
  }
  const v = parseContainerdVersion(out);
  if (!v) throw new Error(`cannot read the version of ${containerdPath} from ${JSON.stringify(out.trim())}`);
  if (!supportedContainerdVersion(v)) throw new Error(`containerd ${v.version} is too old: Flotilla needs containerd 1.6 or later`);
  return v.version;
}

/** Whether this process may lower oom_score_adj (CAP_SYS_RESOURCE in its effective set). */
export function hasCapSysResource(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n : true;
  } catch {
    return true;
  }
}

function procCmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
  } catch {
    return undefined;
  }
}

/** Is `pid` a containerd started with `--config <configPath>`? */
export function isOurContainerd(pid: number, configPath: string): boolean {
  const argv = procCmdline(pid);
  if (!argv || argv.length === 0) return false;
  if (!/(^|\/)containerd$/.test(argv[0]!)) return false;
  const i = argv.indexOf('--config');
  return (i >= 0 && argv[i + 1] === configPath) || argv.includes(`--config=${configPath}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    // A zombie (our own exited child not yet reaped) has an empty cmdline.
    if (!alive(pid) || (procCmdline(pid)?.length ?? 0) === 0) return true;
    await sleep(50);
  }
  return false;
}

/** Terminates containerds left running on this data dir by a crashed earlier agent (by PID only). */
async function terminateLeftovers(pidFile: string, configPath: string, logger: Logger): Promise<void> {
  const pids = new Set<number>();
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) pids.add(pid);
  } catch {
    /* no pid file */
  }
  // Also a child whose PID never reached the pid file (agent killed right after spawn).
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid !== process.pid && isOurContainerd(pid, configPath)) pids.add(pid);
  }
  for (const pid of pids) {
    if (!alive(pid) || !isOurContainerd(pid, configPath)) continue;
    logger.warn('terminating a containerd left over from an earlier agent', { pid });
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    if (!(await waitGone(pid, 10_000))) {
      logger.warn('leftover containerd ignored SIGTERM, killing it', { pid });
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await waitGone(pid, 5_000);
    }
  }
  rmSync(pidFile, { force: true });
}

/** The last `maxLines` lines of the log written since byte `from`. */
function logTail(path: string, from: number, maxLines = 20): string {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(from, size - 64 * 1024);
      const buf = Buffer.alloc(Math.max(0, size - start));
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-maxLines).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

function writeConfigFiles(opts: StartContainerdOptions, sandboxImage: string): void {
  const p = containerdPaths(opts.dataDir);
  for (const d of [p.dir, p.root, p.state, p.certsDir]) mkdirSync(d, { recursive: true, mode: 0o711 });
  writeFileSync(p.config, containerdConfig({ dataDir: opts.dataDir, sandboxImage, cniBinDir: opts.cniBinDir, cniConfDir: opts.cniConfDir, registries: opts.registries, restrictOomScoreAdj: opts.restrictOomScoreAdj ?? !hasCapSysResource() }), { mode: 0o600 });
  // certs.d is wholly ours: rewrite it so removed mirrors disappear.
  const files = registryHostsFiles(opts.registries);
  for (const name of readdirSync(p.certsDir)) {
    if (!files.has(name)) rmSync(`${p.certsDir}/${name}`, { recursive: true, force: true });
  }
  for (const [dir, text] of files) {
    mkdirSync(`${p.certsDir}/${dir}`, { recursive: true });
    writeFileSync(`${p.certsDir}/${dir}/hosts.toml`, text, { mode: 0o600 });
  }
}

/** Polls CRI Version until it answers, the child exits, or the deadline passes. */
async function waitReady(socket: string, child: ChildProcess, timeoutMs: number): Promise<string | undefined> {
  const until = Date.now() + timeoutMs;
  const client = createCriClient(socket, { timeoutMs: 2_000 });
  let last = 'no answer';
  try {
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null) return `containerd exited (${child.exitCode ?? child.signalCode}) before its CRI socket answered`;
      if (existsSync(socket)) {
        try {
          await client.runtime.version();
          return undefined;
        } catch (e) {
          last = e instanceof Error ? e.message : String(e);
        }
      }
      await sleep(100);
    }
    return `containerd's CRI socket ${socket} did not answer within ${Math.round(timeoutMs / 1000)} s (${last})`;
  } finally {
    client.close();
  }
}

/**
 * Writes the config, starts containerd and resolves once its CRI socket answers Version. Rejects
 * (with the last lines of containerd.log) when it does not come up; nothing is left running then.
 */
export async function startContainerd(options: StartContainerdOptions): Promise<RunningContainerd> {
  const opts = { ...options, dataDir: resolve(options.dataDir) };
  const logger = opts.logger;
  const bin = opts.containerdPath ?? 'containerd';
  const version = await containerdVersion(bin);
  const p = containerdPaths(opts.dataDir);
  const sandboxImage = opts.sandboxImage ?? BUILTIN_IMAGES.pause;
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  if (Buffer.byteLength(p.ttrpcSocket) > 107) throw new Error(`data dir ${opts.dataDir} is too long for a unix socket path (${p.ttrpcSocket})`);

  writeConfigFiles(opts, sandboxImage);
  await terminateLeftovers(p.pidFile, p.config, logger);
  for (const s of [p.socket, p.ttrpcSocket]) rmSync(s, { force: true });

  let child: ChildProcess | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let exited: Promise<void> = Promise.resolve();

  const spawnChild = (): ChildProcess => {
    const logFd = openSync(p.log, 'a', 0o600);
    let c: ChildProcess;
    try {
      // Own process group: a terminal's Ctrl-C reaches the agent, which then stops containerd itself.
      c = spawn(bin, ['--config', p.config], { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    const startedAt = Date.now();
    if (c.pid !== undefined) writeFileSync(p.pidFile, `${c.pid}\n`);
    exited = new Promise<void>((resolve) => {
      c.once('exit', (code, signal) => {
        resolve();
        if (child === c) child = undefined;
        if (stopping) return;
        if (Date.now() - startedAt > 60_000) failures = 0;
        const delay = Math.min(30_000, 500 * 2 ** failures);
        failures++;
        logger.warn('containerd exited unexpectedly; restarting', { pid: c.pid, code, signal, restartInMs: delay, log: p.log });
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (stopping) return;
          for (const s of [p.socket, p.ttrpcSocket]) rmSync(s, { force: true });
          child = spawnChild();
          logger.info('containerd restarted', { pid: child.pid });
        }, delay);
      });
    });
    c.once('error', (err) => logger.error('containerd process error', { err: err.message }));
    return c;
  };

  const logStart = existsSync(p.log) ? statSync(p.log).size : 0;
  child = spawnChild();
  logger.info('starting containerd', { pid: child.pid, version, config: p.config, socket: p.socket });

  const stop = async (): Promise<void> => {
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = undefined;
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      c.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(stopTimeoutMs).then(() => false)]);
      if (!done) {
        logger.warn('containerd ignored SIGTERM, killing it', { pid: c.pid });
        c.kill('SIGKILL');
        await exited;
      }
    }
    child = undefined;
    rmSync(p.pidFile, { force: true });
  };

  const problem = await waitReady(p.socket, child, startTimeoutMs);
  if (problem) {
    await stop();
    const tail = logTail(p.log, logStart);
    throw new Error(`${problem}${tail ? `\nlast lines of ${p.log}:\n${tail}` : ''}`);
  }
  logger.info('containerd ready', { pid: child.pid, socket: p.socket });

  return {
    socket: p.socket,
    version,
    pid: () => child?.pid,
    stop,
  };
}
