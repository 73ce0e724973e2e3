/**
 * Helpers shared by the kubectl end-to-end tests: one real `flotilla server` per test file (from
 * test/support/cluster.ts), kubectl runs with assertions that print kubectl's stderr when they fail,
 * long-running kubectl processes (`get -w`, `edit` with an EDITOR script) killed by PID, manifests
 * in a temp dir removed at the end, and bounded polling (never a bare sleep).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { DEFAULT_KUBECTL, REPO_ROOT, type KubectlOptions, type KubectlResult, type TestServer } from '../../support/cluster.js';

export { startServer, REPO_ROOT, DEFAULT_KUBECTL, type TestServer, type KubectlResult } from '../../support/cluster.js';

export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const KUBECTL_1_27 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';
export const KUBECTL_1_33 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

/** Describes a kubectl result for assertion messages. */
export function show(r: KubectlResult): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** Runs kubectl and asserts exit code 0; returns stdout. */
export async function ok(server: TestServer, args: string[], opts?: KubectlOptions): Promise<string> {
  const r = await server.kubectl(args, opts);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${show(r)}`);
  return r.stdout;
}

/** Runs kubectl and asserts it failed with the given exit code (default 1); returns the result. */
export async function fails(server: TestServer, args: string[], opts?: KubectlOptions & { code?: number }): Promise<KubectlResult> {
  const r = await server.kubectl(args, opts);
  assert.equal(r.code, opts?.code ?? 1, `kubectl ${args.join(' ')} should have failed with exit ${opts?.code ?? 1}: ${show(r)}`);
  return r;
}

/** `kubectl get -o json` of one object, parsed. */
export async function getJson<T = KObj>(server: TestServer, args: string[]): Promise<T> {
  return JSON.parse(await ok(server, ['get', ...args, '-o', 'json'])) as T;
}

export interface KObj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    [k: string]: unknown;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  status?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  items?: any[];
  [k: string]: unknown;
}

/** A temp dir for manifests and scripts, removed after the test (also on failure). */
export function tempDir(t: { after(fn: () => unknown): void }, prefix = 'flotilla-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` to `dir/name` and returns the absolute path. */
export function write(dir: string, name: string, content: string, mode?: number): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  if (mode !== undefined) chmodSync(p, mode);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `fn` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with the last value or error in the message.
 */
export async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await sleep(intervalMs);
  }
}

/** A kubectl process that keeps running (watch, edit): output so far, wait for text, kill by PID. */
export interface KubectlProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once `re` matches it (and the match count reaches `count`, default 1). */
  waitFor(re: RegExp, timeoutMs?: number, count?: number): Promise<string>;
  /** Resolves with the exit code (null when killed). */
  exited: Promise<number | null>;
  /** SIGKILLs this process by PID (idempotent) and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Starts kubectl with the server's kubeconfig and extra environment (the harness's kubectl() has no
 * env option). The process is killed in `t.after` if still running.
 */
export function spawnKubectl(
  t: { after(fn: () => unknown): void },
  server: TestServer,
  args: string[],
  opts: { env?: Record<string, string>; binary?: string; input?: string } = {},
): KubectlProcess {
  const binary = opts.binary ?? DEFAULT_KUBECTL;
  if (!existsSync(binary)) throw new Error(`kubectl not found at ${binary}`);
  const child: ChildProcess = spawn(binary, ['--kubeconfig', server.kubeconfig, '--cache-dir', join(server.dataDir, 'kube-cache'), ...args], {
    cwd: server.dataDir,
    env: { ...process.env, KUBECONFIG: server.kubeconfig, HOME: server.dataDir, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    for (const w of waiters) w();
    resolve(code);
  }));
  let done = false;
  void exited.then(() => (done = true));
  child.stdin!.end(opts.input ?? '');
  const kill = async () => {
    if (!done && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await exited;
  };
  t.after(kill);
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill,
    waitFor(re, timeoutMs = 15_000, count = 1) {
      const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
      const matched = () => (out.match(g)?.length ?? 0) >= count;
      if (matched()) return Promise.resolve(out);
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          if (matched()) {
            cleanup();
            resolve(out);
          } else if (done) {
            cleanup();
            reject(new Error(`kubectl ${args.join(' ')} exited before printing ${re}:\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`kubectl ${args.join(' ')} did not print ${re} (x${count}) within ${timeoutMs} ms:\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
  };
}

/** Splits a kubectl table into rows of whitespace-separated cells (header first). */
export function table(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}|\t/).map((c) => c.trim()));
}

/** The header cells of a kubectl table. */
export function header(text: string): string[] {
  const first = text.split('\n')[0] ?? '';
  return first.trim().split(/\s+/);
}

/** Creates namespace `name` with `kubectl apply -f -` (a JSON body: `kubectl create namespace` sends protobuf). */
export async function createNamespace(server: TestServer, name: string): Promise<void> {
  const out = await ok(server, ['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n` });
  assert.match(out, new RegExp(`^namespace/${name} (created|unchanged|configured)$`, 'm'));
}

/** A Deployment manifest (YAML) with one nginx-like container; `extra` is appended under spec. */
export function deploymentYaml(name: string, ns: string, opts: { replicas?: number; labels?: Record<string, string>; image?: string; env?: Record<string, string>; ports?: number[] } = {}): string {
  const labels = { app: name, ...opts.labels };
  const labelLines = Object.entries(labels)
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  const env = Object.entries(opts.env ?? {})
    .map(([k, v]) => `        - name: ${k}\n          value: ${JSON.stringify(v)}`)
    .join('\n');
  const ports = (opts.ports ?? [])
    .map((p) => `        - containerPort: ${p}`)
    .join('\n');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
${labelLines}
spec:
  replicas: ${opts.replicas ?? 1}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: main
        image: ${opts.image ?? 'nginx:1.25'}
${ports ? `        ports:\n${ports}\n` : ''}${env ? `        env:\n${env}\n` : ''}`;
}

/** A ConfigMap manifest (YAML). */
export function configMapYaml(name: string, ns: string, data: Record<string, string>, labels: Record<string, string> = {}): string {
  const d = Object.entries(data)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  const l = Object.entries(labels)
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${ns}
${l ? `  labels:\n${l}\n` : ''}${d ? `data:\n${d}` : 'data: {}'}
`;
}
