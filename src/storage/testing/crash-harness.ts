/**
 * Parent side of the kill -9 tests: runs crash-writer.ts as a child, collects its acks, kills it
 * with SIGKILL (by PID) and checks every acknowledged write against a reopened store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { Backend } from '../backend.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const writerScript = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));

export interface CrashWriter {
  readonly child: ChildProcess;
  /** Last acknowledged value per key ('c' created, 'u' updated). */
  readonly acked: Map<string, string>;
  /** Resolves once at least `n` acks arrived (rejects if the child exits first). */
  waitForAcks(n: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL by PID and wait for the exit. Idempotent. */
  kill9(): Promise<void>;
}

export function startCrashWriter(endpoint: string, etcdPrefix?: string): CrashWriter {
  const args = ['--import', 'tsx', writerScript, endpoint, ...(etcdPrefix ? [etcdPrefix] : [])];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<string, string>();
  let count = 0;
  let buf = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const m = /^ack (\S+) ([cu])$/.exec(line);
      if (m) {
        // an update ack never regresses to create
        if (acked.get(m[1]) !== 'u') acked.set(m[1], m[2]);
        count++;
      }
    }
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    acked,
    async waitForAcks(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (count < n) {
        if (exited()) throw new Error(`crash writer exited early (${child.exitCode ?? child.signalCode}): ${stderr}`);
        if (Date.now() > deadline) throw new Error(`only ${count} acks after ${timeoutMs} ms: ${stderr}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    async kill9() {
      if (exited() || child.pid === undefined) return;
      process.kill(child.pid, 'SIGKILL');
      await exit;
    },
  };
}

/** Every acknowledged write is in the store: acked 'u' ⇒ 'u'; acked 'c' ⇒ 'c' or a later 'u'. */
export async function assertAllAcked(backend: Backend, acked: Map<string, string>): Promise<void> {
  let checked = 0;
  for (const [key, v] of acked) {
    const kv = await backend.get(key);
    assert.ok(kv, `acknowledged key ${key} is missing`);
    const got = kv.value[0];
    if (v === 'u') assert.equal(got, 'u', `acknowledged update of ${key} lost`);
    else assert.ok(got === 'c' || got === 'u', `bad value for ${key}`);
    checked++;
  }
  assert.ok(checked > 0);
}
