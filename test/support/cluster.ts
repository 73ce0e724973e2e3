/**
 * End-to-end harness: runs the REAL `node bin/flotilla.js server` as a child process on a temp data
 * dir (`$TMPDIR/flotilla-test-*`) and a free port on 127.0.0.1, waits until /readyz answers, and
 * gives tests kubectl and raw HTTPS access with the admin client certificate.
 *
 * Contract:
 * - `dist/` must be built (`npx tsc -p tsconfig.json`; `npm test` does it); otherwise startServer
 *   rejects with a message saying so.
 * - Every server a test starts is stopped and its temp dir removed by `stop()`; servers still running
 *   when the test process exits (failed test, forgotten stop) are SIGKILLed by PID and their dirs
 *   removed from an exit hook. Only processes this harness spawned are ever signalled.
 * - Nothing listens beyond 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'flotilla.js');
const DIST_MAIN = join(REPO_ROOT, 'dist', 'src', 'cmd', 'flotilla', 'main.js');
export const DEFAULT_KUBECTL = '/usr/bin/kubectl';

export interface StartServerOptions {
  /** Default 'sqlite' (a file in the temp data dir). */
  datastore?: 'sqlite' | { etcdEndpoint: string; caFile?: string; certFile?: string; keyFile?: string };
  /** More `flotilla server` flags. */
  extraArgs?: string[];
  /**
   * Run the node agent too (default false: `--disable-agent`). Needs root. The node gets a
   * per-run name, bridge, free agent port and cluster/service CIDRs (so tests in parallel and a
   * developer's own cluster do not meet), and stop() runs `killall` on it: no pod, netns, mount,
   * bridge or route outlives the test.
   */
  agent?: boolean;
  /**
   * Run the scheduler and the controller manager in the server (default false: API machinery
   * tests want no background writers, as upstream's apiserver integration tests).
   */
  controlPlane?: boolean;
  /**
   * With `agent`: the node's resolver file (cluster DNS forwards to its nameservers). Default: one
   * without nameservers, so nothing is forwarded. Only loopback nameservers belong in a test.
   */
  resolvConf?: string;
  /** How long to wait for /readyz (default 20 s). */
  readyTimeoutMs?: number;
  /** Extra environment for the server process. */
  env?: Record<string, string>;
}

export interface KubectlOptions {
  /** kubectl binary (default /usr/bin/kubectl), e.g. /usr/lib/google-cloud-sdk/bin/kubectl.1.27. */
  binary?: string;
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  /** Kill kubectl after this long (default 30 s); the result then has code null. */
  timeoutMs?: number;
}

export interface KubectlResult {
  /** Exit code; null when killed by the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface HttpsOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Present the admin client certificate (default true). false: an anonymous request. */
  clientCert?: boolean;
  timeoutMs?: number;
}

export interface HttpsResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface StopResult {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Time from SIGTERM to exit. */
  ms: number;
  /** True when SIGTERM was not enough and SIGKILL was sent. */
  killed: boolean;
}

export interface TestServer {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Path of the admin kubeconfig the server wrote. */
  readonly kubeconfig: string;
  readonly dataDir: string;
  /** With `agent`: the node's name and bridge. */
  readonly node?: { name: string; bridge: string; clusterCIDR: string; serviceCIDR: string };
  /** PID of the current server process. */
  readonly pid: number;
  /** Everything the current process wrote to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Runs kubectl with `--kubeconfig` (never `--validate=false`: that would hide server bugs). */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** A raw HTTPS request to the server, by default as the admin user. */
  request(path: string, opts?: HttpsOptions): Promise<HttpsResult>;
  /** SIGTERM, wait (SIGKILL after `timeoutMs`, default 10 s), then remove the data dir. Idempotent. */
  stop(opts?: { timeoutMs?: number }): Promise<StopResult>;
  /** Stops the process (keeping the data dir) and starts it again on the same dir and port. */
  restart(): Promise<StopResult>;
  /** SIGKILLs the process (a crash); the data dir stays and restart() brings the server back. */
  crash(): Promise<void>;
}

// ---- cleanup of whatever is left when the test process ends --------------------------------------

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let hooksInstalled = false;

function cleanupNow(): void {
  for (const child of liveChildren) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanupNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

// ---- helpers ------------------------------------------------------------------------------------

/** A port that was free on 127.0.0.1 a moment ago (the server may still lose a race: we retry). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AdminCreds {
  ca: string;
  cert: string;
  key: string;
}

function readAdminCreds(kubeconfig: string): AdminCreds {
  const kc = parseYaml(readFileSync(kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
    users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  };
  const dec = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    ca: dec(kc.clusters[0].cluster['certificate-authority-data']),
    cert: dec(kc.users[0].user['client-certificate-data']),
    key: dec(kc.users[0].user['client-key-data']),
  };
}

function hasHeader(h: Record<string, string> | undefined, name: string): boolean {
  return Object.keys(h ?? {}).some((k) => k.toLowerCase() === name);
}

function httpsCall(port: number, path: string, creds: AdminCreds, opts: HttpsOptions = {}): Promise<HttpsResult> {
  const withCert = opts.clientCert ?? true;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        // Node sends no body framing for DELETE unless told: always state the length.
        headers: opts.body !== undefined && !hasHeader(opts.headers, 'content-length') ? { ...opts.headers, 'Content-Length': String(Buffer.byteLength(opts.body)) } : opts.headers,
        ca: creds.ca,
        servername: 'localhost',
        ...(withCert ? { cert: creds.cert, key: creds.key } : {}),
        agent: false,
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTPS ${path} timed out`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

// ---- the server ---------------------------------------------------------------------------------

interface Proc {
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Extra `node` flags for every server process, from FLOTILLA_SERVER_NODE_FLAGS (space-separated),
 * for profiling a benchmark's server (`--cpu-prof --cpu-prof-dir=/tmp/prof`, `--heap-prof`), which
 * NODE_OPTIONS does not allow.
 */
const SERVER_NODE_FLAGS = (process.env.FLOTILLA_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);

function spawnServer(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, BIN, 'server', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const out: string[] = [];
  const err: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => out.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => err.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, out, err, exited };
}

/**
 * Waits until the process wrote its kubeconfig and /readyz answers 200 as admin. Rejects with the
 * server's output when it exits first or the deadline passes.
 */
async function waitReady(p: Proc, port: number, kubeconfig: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void p.exited.then((e) => (exited = e));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`flotilla server exited (code ${exited.code}, signal ${exited.signal}) before it was ready:\n${p.err.join('')}${p.out.join('')}`);
    }
    if (existsSync(kubeconfig)) {
      try {
        const res = await httpsCall(port, '/readyz', readAdminCreds(kubeconfig), { timeoutMs: 2000 });
        if (res.status === 200) return;
        last = `/readyz ${res.status}: ${res.body.slice(0, 200)}`;
      } catch (e) {
        last = (e as Error).message;
      }
    }
    await sleep(25);
  }
  throw new Error(`flotilla server not ready after ${timeoutMs} ms (${last}):\n${p.err.join('')}`);
}

async function terminate(p: Proc, timeoutMs: number): Promise<StopResult> {
  const t0 = Date.now();
  if (p.child.exitCode !== null || p.child.signalCode !== null) {
    const e = await p.exited;
    return { ...e, ms: 0, killed: false };
  }
  process.kill(p.child.pid!, 'SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    try {
      process.kill(p.child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, timeoutMs);
  const e = await p.exited;
  clearTimeout(timer);
  return { ...e, ms: Date.now() - t0, killed };
}

/** Starts a real Flotilla server process; see the module comment for the cleanup contract. */
export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  if (!existsSync(DIST_MAIN)) {
    throw new Error(`${DIST_MAIN} is missing: build first with \`npx tsc -p tsconfig.json\` (npm test does this)`);
  }
  installHooks();
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-test-'));
  liveDirs.add(dataDir);
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const ds = opts.datastore ?? 'sqlite';
  const dsArgs =
    ds === 'sqlite'
      ? []
      : [
          '--datastore-endpoint', ds.etcdEndpoint,
          ...(ds.caFile ? ['--datastore-cafile', ds.caFile] : []),
          ...(ds.certFile ? ['--datastore-certfile', ds.certFile] : []),
          ...(ds.keyFile ? ['--datastore-keyfile', ds.keyFile] : []),
        ];
  const readyTimeoutMs = opts.readyTimeoutMs ?? (opts.agent ? 90_000 : 20_000);
  const node = opts.agent ? agentNode() : undefined;
  const argsFor = (port: number) => [
    '--data-dir', dataDir,
    '--bind-address', '127.0.0.1',
    '--secure-port', String(port),
    '--write-kubeconfig', kubeconfig,
    ...(node
      ? ['--node-name', node.name, '--bridge', node.bridge, '--kubelet-port', '0', '--cluster-cidr', node.clusterCIDR, '--service-cidr', node.serviceCIDR, '--resolv-conf', opts.resolvConf ?? writeTestResolvConf(dataDir)]
      : ['--disable-agent']),
    ...(opts.controlPlane ? [] : ['--disable-scheduler', '--disable-controller-manager']),
    ...dsArgs,
    ...(opts.extraArgs ?? []),
  ];
  const env = opts.env ?? {};

  let port = 0;
  let proc: Proc | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      proc = spawnServer(argsFor(port), env);
      try {
        await waitReady(proc, port, kubeconfig, readyTimeoutMs);
        break;
      } catch (e) {
        // Another process took the port between freePort() and listen(): try a new one.
        if (attempt < 3 && /address already in use/.test(proc.err.join(''))) continue;
        throw e;
      }
    }
  } catch (e) {
    if (proc) await terminate(proc, 2000);
    if (node) await killAgent(dataDir, node.bridge);
    rmSync(dataDir, { recursive: true, force: true });
    liveDirs.delete(dataDir);
    throw e;
  }

  let current: Proc = proc!;
  let stopped: Promise<StopResult> | undefined;
  const creds = () => readAdminCreds(kubeconfig);

  const server: TestServer = {
    url: `https://127.0.0.1:${port}`,
    port,
    kubeconfig,
    dataDir,
    ...(node ? { node } : {}),
    get pid() {
      return current.child.pid!;
    },
    stdout: () => current.out.join(''),
    stderr: () => current.err.join(''),
    kubectl: (args, kopts = {}) => runKubectl(kubeconfig, dataDir, args, kopts),
    request: (path, ropts) => httpsCall(port, path, creds(), ropts),
    stop: (sopts = {}) =>
      (stopped ??= (async () => {
        try {
          return await terminate(current, sopts.timeoutMs ?? 10_000);
        } finally {
          if (node) await killAgent(dataDir, node.bridge);
          rmSync(dataDir, { recursive: true, force: true });
          liveDirs.delete(dataDir);
        }
      })()),
    crash: async () => {
      if (current.child.exitCode === null && current.child.signalCode === null) process.kill(current.child.pid!, 'SIGKILL');
      await current.exited;
    },
    restart: async () => {
      if (stopped) throw new Error('restart() after stop()');
      const result = await terminate(current, 10_000);
      current = spawnServer(argsFor(port), env);
      await waitReady(current, port, kubeconfig, readyTimeoutMs);
      return result;
    },
  };
  return server;
}

/** A per-run node for the embedded agent: name, bridge (≤ 15 chars) and CIDRs in 10.128.0.0/9. */
function agentNode(): { name: string; bridge: string; clusterCIDR: string; serviceCIDR: string } {
  if (process.getuid?.() !== 0) throw new Error('a cluster with a node agent needs root (containerd, runc, network namespaces): run the test as root');
  const tag = randomBytes(3).toString('hex');
  const block = 128 + randomInt(0, 63) * 2; // an even second octet: cluster /16, the next one services
  return { name: `flt-node-${tag}`, bridge: `flt${tag}`, clusterCIDR: `10.${block}.0.0/16`, serviceCIDR: `10.${block + 1}.0.0/16` };
}

/**
 * A resolver file without nameservers for test nodes: cluster DNS then answers the cluster zone and
 * forwards nothing, so no test query can leave the machine (the safety rule).
 */
export function writeTestResolvConf(dir: string): string {
  const path = join(dir, 'resolv.conf');
  writeFileSync(path, '# test node: no upstream resolvers (nothing leaves the machine)\nsearch flotilla.invalid\n');
  return path;
}

/** `flotilla killall` for the test's node (in process): pods, containerd, mounts, bridge, routes. */
async function killAgent(dataDir: string, bridge: string): Promise<void> {
  const { killall } = await import('../../src/agent/killall.js');
  const { discardLogger } = await import('../../src/lib/log.js');
  await killall({ dataDir, bridge, logger: discardLogger }).catch((e: unknown) => process.stderr.write(`killall ${dataDir}: ${e instanceof Error ? e.message : String(e)}\n`));
}

/** Runs kubectl against a kubeconfig; its discovery cache lives in the test's data dir. */
export function runKubectl(kubeconfig: string, dataDir: string, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  if (args.some((a) => a.startsWith('--validate=false') || a === '--validate=ignore')) {
    throw new Error('tests must not pass --validate=false: the server has to support validation');
  }
  const binary = opts.binary ?? DEFAULT_KUBECTL;
  if (!existsSync(binary)) throw new Error(`kubectl not found at ${binary}: install kubectl (the machine image ships /usr/bin/kubectl)`);
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--kubeconfig', kubeconfig, '--cache-dir', join(dataDir, 'kube-cache'), ...args], {
      cwd: dataDir,
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(opts.input ?? '');
  });
}
