/**
 * Server start-up: process start → "Flotilla is ready", first start (creates the PKI and the
 * database) and restarts (reuse both), median of 5 each; baseline: a bare `node -e ''` start.
 * The control plane alone (`--disable-agent`): as root the embedded node agent would otherwise start
 * containerd and set up the default bridge with every run (and leave it, as k3s leaves its network).
 * Run: node --import tsx bench/startup.bench.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort } from '../test/support/cluster.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Starts the server, resolves with ms from spawn to the ready line, then stops it by PID. */
async function timeStart(dataDir: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/flotilla.js'), 'server', '--disable-agent', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--secure-port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not become ready in 30 s')), 30_000);
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Flotilla is ready')) {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const first: number[] = [];
const restart: number[] = [];
for (let i = 0; i < 5; i++) {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-'));
  try {
    first.push(await timeStart(dir));
    restart.push(await timeStart(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const bare: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '']);
  bare.push(performance.now() - t0);
}
console.log(`${'first start, SQLite (ms, median of 5)'.padEnd(44)} ${median(first).toFixed(0)}`);
console.log(`${'restart, SQLite (ms, median of 5)'.padEnd(44)} ${median(restart).toFixed(0)}`);
console.log(`${'bare node start (ms, baseline)'.padEnd(44)} ${median(bare).toFixed(0)}`);
