/**
 * Test helper: a real etcd (Debian `etcd-server`, /usr/bin/etcd) on loopback, owned by the caller.
 *
 *   const etcd = await startEtcd();          // or startEtcd({ tls: true })
 *   t.after(() => etcd.stop());
 *   const backend = await openBackend({ endpoint: etcd.endpoint, ...etcd.tls });
 *
 * Each server gets its own temp data dir and free random client/peer ports on 127.0.0.1. `stop()`
 * kills exactly the process this helper started (by PID, SIGTERM then SIGKILL after a grace period)
 * and removes the temp dir; it is idempotent. If start fails, everything started so far is removed
 * before the error is thrown. If etcd is not installed, the error says how to install it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BINARY = '/usr/bin/etcd';

export interface EtcdTlsFiles {
  /** CA that signed the server and client certificates (PEM file path). */
  caFile: string;
  /** Client certificate (PEM file path), accepted by the server. */
  certFile: string;
  /** Client private key (PEM file path). */
  keyFile: string;
}

export interface StartEtcdOptions {
  /** Serve clients over HTTPS with client-certificate auth; certificates are generated per server. */
  tls?: boolean;
  /** How long to wait for etcd to answer (default 20 s). */
  startTimeoutMs?: number;
  /** Where to create the temp dir (default os.tmpdir()), e.g. a test run's own prefix dir. */
  parentDir?: string;
}

export interface EtcdServer {
  /** Client URL, `http://127.0.0.1:<port>` (or https with tls). */
  readonly endpoint: string;
  /** The etcd data dir (inside the temp dir). */
  readonly dataDir: string;
  /** PID of the running etcd process (changes after restart()). */
  readonly pid: number;
  /** Client TLS files when started with `tls: true`. */
  readonly tls: EtcdTlsFiles | undefined;
  /** Kills the process with SIGKILL (a crash); the data dir stays, restart() brings it back. */
  kill9(): Promise<void>;
  /** Starts etcd again on the same data dir and ports and waits until it answers. */
  restart(): Promise<void>;
  /** Kills etcd (SIGTERM, then SIGKILL after 5 s) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exited(p: ChildProcess): boolean {
  return p.exitCode !== null || p.signalCode !== null;
}

async function killByPid(p: ChildProcess, graceMs: number): Promise<void> {
  if (exited(p) || p.pid === undefined) return;
  const done = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    if (!exited(p) && p.pid !== undefined) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, graceMs);
  await done;
  clearTimeout(timer);
}

/** Resolves once GET /health answers with health true, or rejects after the deadline. */
async function waitHealthy(endpoint: string, tls: EtcdTlsFiles | undefined, certs: TlsPem | undefined, proc: ChildProcess, deadline: number, log: () => string): Promise<void> {
  const url = new URL('/health', endpoint);
  for (;;) {
    if (exited(proc)) throw new Error(`etcd exited during start (code ${proc.exitCode}, signal ${proc.signalCode}): ${log()}`);
    // The deadline is checked before each probe, so a start that overran never counts as healthy.
    if (Date.now() > deadline) throw new Error(`etcd did not become healthy at ${endpoint}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
        url,
        { method: 'GET', timeout: 1000, ...(tls && certs ? { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } : {}) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(res.statusCode === 200 && body.includes('true')));
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    // Checked again after the probe: on a loaded machine the process can stall between the check
    // above and the connection, long enough for etcd to come up in time for a late probe.
    if (Date.now() > deadline) throw new Error(`etcd did not become healthy at ${endpoint} in time: ${log()}`);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface TlsPem {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Starts a single-member etcd on loopback. See the module comment for the lifecycle. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdServer> {
  if (!existsSync(ETCD_BINARY)) {
    throw new Error(`etcd not found at ${ETCD_BINARY}: install Debian package etcd-server (scripts/setup.sh --test does it)`);
  }
  const root = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'flotilla-etcd-'));
  const dataDir = join(root, 'data');
  let proc: ChildProcess | undefined;
  let stopped = false;
  let logTail = '';
  const log = () => logTail.slice(-2000).trim();
  try {
    let tls: EtcdTlsFiles | undefined;
    let pem: TlsPem | undefined;
    if (opts.tls) {
      const { generateTestPki } = await import('./test-pki.js');
      pem = await generateTestPki();
      tls = { caFile: join(root, 'ca.pem'), certFile: join(root, 'client.pem'), keyFile: join(root, 'client-key.pem') };
      writeFileSync(tls.caFile, pem.ca);
      writeFileSync(tls.certFile, pem.clientCert);
      writeFileSync(tls.keyFile, pem.clientKey, { mode: 0o600 });
      writeFileSync(join(root, 'server.pem'), pem.serverCert);
      writeFileSync(join(root, 'server-key.pem'), pem.serverKey, { mode: 0o600 });
    }
    const scheme = opts.tls ? 'https' : 'http';
    let endpoint = '';
    let args: string[] = [];
    const choosePorts = async () => {
      const clientPort = await freePort();
      let peerPort = await freePort();
      while (peerPort === clientPort) peerPort = await freePort();
      endpoint = `${scheme}://127.0.0.1:${clientPort}`;
      const peer = `http://127.0.0.1:${peerPort}`;
      args = [
        '--name', 'flotilla-test',
        '--data-dir', dataDir,
        '--listen-client-urls', endpoint,
        '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `flotilla-test=${peer}`,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `flotilla-${process.pid}-${clientPort}`,
        '--logger', 'zap',
        '--log-level', 'warn',
      ];
      if (opts.tls) {
        args.push(
          '--cert-file', join(root, 'server.pem'),
          '--key-file', join(root, 'server-key.pem'),
          '--trusted-ca-file', join(root, 'ca.pem'),
          '--client-cert-auth',
        );
      }
    };
    const launch = async () => {
      logTail = '';
      const p = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      const onData = (c: Buffer) => {
        logTail = (logTail + c.toString('utf8')).slice(-8000);
      };
      p.stdout?.on('data', onData);
      p.stderr?.on('data', onData);
      p.on('error', (e) => onData(Buffer.from(String(e))));
      proc = p;
      await waitHealthy(endpoint, tls, pem, p, Date.now() + (opts.startTimeoutMs ?? 20_000), log);
      // Another process could have taken the port between freePort() and etcd's bind, and answered
      // the health check itself: make sure OUR etcd is still running.
      await new Promise((r) => setTimeout(r, 150));
      if (exited(p)) throw new Error(`etcd exited right after start (code ${p.exitCode}, signal ${p.signalCode}): ${log()}`);
    };
    // Ports are picked free but not reserved: on a bind conflict, start again on fresh ports.
    for (let attempt = 1; ; attempt++) {
      await choosePorts();
      try {
        await launch();
        break;
      } catch (err) {
        if (proc) await killByPid(proc, 2000);
        if (attempt >= 3 || !/address already in use/.test(logTail)) throw err;
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    const server: EtcdServer = {
      endpoint,
      dataDir,
      tls,
      get pid() {
        return proc?.pid ?? -1;
      },
      async kill9() {
        const p = proc;
        if (!p || exited(p) || p.pid === undefined) return;
        const done = new Promise<void>((resolve) => p.once('exit', () => resolve()));
        process.kill(p.pid, 'SIGKILL');
        await done;
      },
      async restart() {
        if (stopped) throw new Error('etcd test server already stopped');
        if (proc && !exited(proc)) await killByPid(proc, 5000);
        await launch();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (proc) await killByPid(proc, 5000);
        rmSync(root, { recursive: true, force: true });
      },
    };
    return server;
  } catch (err) {
    if (proc) await killByPid(proc, 2000);
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}
