/**
 * Storage benchmark: `node --import tsx bench/storage.bench.ts`
 *
 * Prints, in one run, baselines measured on this machine (raw better-sqlite3 with the same durability
 * settings, raw etcd puts through the etcd3 client) next to the backends built on them. Every loop is
 * bounded in count and time; temp dirs and the etcd process are removed at the end.
 */
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../src/storage/backend.js';
import { MemoryBackend, SqliteBackend } from '../src/storage/index.js';
import { EtcdBackend } from '../src/storage/etcd/etcd-backend.js';
import { startEtcd } from '../src/storage/testing/etcd-server.js';

const VALUE = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-7d4b9c-abcde', namespace: 'default', labels: { app: 'web', tier: 'frontend' }, uid: '0f0e0d0c-0b0a-0908-0706-050403020100' },
  spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  status: { phase: 'Running', podIP: '10.42.0.17', conditions: [{ type: 'Ready', status: 'True' }] },
  pad: 'x'.repeat(400),
});
const MAX_MS = 15_000;

interface Row {
  name: string;
  ops: number;
  ms: number;
  unit: string;
  /** Main-thread event-loop utilization during the run (0..1), where measured. */
  elu?: number;
}
const rows: Row[] = [];

function record(name: string, ops: number, ms: number, unit = 'ops/s', elu?: number): void {
  rows.push({ name, ops, ms, unit, elu });
  const rate = unit === 'ms' ? `${ms.toFixed(1)} ms` : `${Math.round((ops / ms) * 1000).toLocaleString('en-US')} ${unit}`;
  process.stderr.write(`  ${name}: ${rate}\n`);
}

/** Runs `op(i)` for i < n with `concurrency` callers in parallel, stopping early after MAX_MS. */
async function timed(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<{ ops: number; ms: number; elu: number }> {
  let next = 0;
  let done = 0;
  const elu0 = performance.eventLoopUtilization();
  const start = performance.now();
  const deadline = start + MAX_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n && performance.now() < deadline) {
        await op(next++);
        done++;
      }
    }),
  );
  return { ops: done, ms: performance.now() - start, elu: performance.eventLoopUtilization(elu0).utilization };
}

function rawSqlite(dir: string): void {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, rev INTEGER NOT NULL) WITHOUT ROWID');
  const ins = db.prepare('INSERT INTO kv (key, value, rev) VALUES (?, ?, ?)');
  // one statement per transaction (autocommit): one fsync per insert
  let n = 0;
  let start = performance.now();
  const end1 = start + 3000;
  while (n < 5000 && performance.now() < end1) {
    ins.run(`/single/${n}`, VALUE, n);
    n++;
  }
  record('raw better-sqlite3 insert, 1 per txn', n, performance.now() - start);
  // batched: 500 inserts per transaction
  const batch = db.transaction((from: number) => {
    for (let i = from; i < from + 500; i++) ins.run(`/batch/${i}`, VALUE, i);
  });
  n = 0;
  start = performance.now();
  while (n < 100_000 && performance.now() < start + MAX_MS) {
    batch(n);
    n += 500;
  }
  record('raw better-sqlite3 insert, 500 per txn', n, performance.now() - start);
  db.close();
}

async function backendRuns(label: string, b: Backend, creates: number, concurrency: number): Promise<void> {
  const c = await timed(creates, concurrency, (i) => b.create(`/bench/pods/p${String(i).padStart(7, '0')}`, VALUE));
  record(`${label} create (${concurrency} concurrent)`, c.ops, c.ms, 'ops/s', c.elu);
  const made = c.ops;
  const g = await timed(Math.min(made, 50_000), concurrency, (i) => b.get(`/bench/pods/p${String(i % made).padStart(7, '0')}`));
  record(`${label} get (${concurrency} concurrent)`, g.ops, g.ms);
  // list of 10,000 keys: one call, and 500-key pages at one revision
  const listKeys = Math.min(made, 10_000);
  const prefix = '/bench/pods/';
  const startAfter = made > 10_000 ? `/bench/pods/p${String(made - 10_001).padStart(7, '0')}` : undefined;
  let t0 = performance.now();
  const all = await b.list(prefix, { startAfter });
  record(`${label} list ${all.items.length} keys (one call)`, 1, performance.now() - t0, 'ms');
  t0 = performance.now();
  let page = await b.list(prefix, { startAfter, limit: 500 });
  let got = page.items.length;
  while (page.more && got < listKeys) {
    page = await b.list(prefix, { startAfter: page.items[page.items.length - 1].key, limit: 500, revision: page.revision });
    got += page.items.length;
  }
  record(`${label} list ${got} keys (pages of 500)`, 1, performance.now() - t0, 'ms');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
  let etcd: Awaited<ReturnType<typeof startEtcd>> | undefined;
  try {
    process.stderr.write('SQLite\n');
    rawSqlite(dir);
    const inThread = new SqliteBackend({ path: join(dir, 'in-thread.db'), writerThread: false });
    const it = await timed(100_000, 128, (i) => inThread.create(`/bench/pods/p${i}`, VALUE));
    record('SqliteBackend in-thread writer create (128 conc.)', it.ops, it.ms, 'ops/s', it.elu);
    const it16 = await timed(50_000, 16, (i) => inThread.create(`/bench/c16/p${i}`, VALUE));
    record('SqliteBackend in-thread writer create (16 conc.)', it16.ops, it16.ms, 'ops/s', it16.elu);
    await inThread.close();
    const sqlite = new SqliteBackend({ path: join(dir, 'backend.db') });
    await backendRuns('SqliteBackend', sqlite, 100_000, 128);
    let revs = new Map<number, number>();
    const u = await timed(50_000, 128, async (i) => {
      const k = i % 10_000;
      const cur = revs.get(k) ?? (await sqlite.get(`/bench/pods/p${String(k).padStart(7, '0')}`))!.modRevision;
      revs.set(k, (await sqlite.update(`/bench/pods/p${String(k).padStart(7, '0')}`, VALUE, cur)).modRevision);
    });
    record('SqliteBackend update, CAS (128 concurrent)', u.ops, u.ms, 'ops/s', u.elu);
    revs = new Map();
    const c16 = await timed(50_000, 16, (i) => sqlite.create(`/bench/c16/p${i}`, VALUE));
    record('SqliteBackend create (16 concurrent)', c16.ops, c16.ms, 'ops/s', c16.elu);
    let seen = 0;
    const w = sqlite.watch('/', await sqlite.currentRevision(), { onEvents: (e) => (seen += e.length), onError: () => {} });
    const cw = await timed(50_000, 128, (i) => sqlite.create(`/bench/watched/p${i}`, VALUE));
    record('SqliteBackend create, 1 watcher (128 conc.)', cw.ops, cw.ms, 'ops/s', cw.elu);
    w.close();
    if (seen !== cw.ops) throw new Error(`watcher saw ${seen} of ${cw.ops} events`);
    await sqlite.close();

    process.stderr.write('memory\n');
    const mem = new MemoryBackend();
    await backendRuns('MemoryBackend', mem, 100_000, 128);
    await mem.close();

    process.stderr.write('etcd\n');
    etcd = await startEtcd();
    const raw = new Etcd3({ hosts: etcd.endpoint });
    const p = await timed(20_000, 128, (i) => raw.put(`/raw/k${i}`).value(VALUE).exec());
    record('raw etcd3 put (128 concurrent)', p.ops, p.ms, 'ops/s', p.elu);
    raw.close();
    const eb = new EtcdBackend({ endpoints: [etcd.endpoint], prefix: '/bench' });
    await backendRuns('EtcdBackend', eb, 20_000, 128);
    await eb.close();
  } finally {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${'benchmark'.padEnd(w)}  ${'ops'.padStart(8)}  ${'time ms'.padStart(9)}  ${'result'.padStart(16)}  main-thread busy`);
  console.log('-'.repeat(w + 57));
  for (const r of rows) {
    const result = r.unit === 'ms' ? `${r.ms.toFixed(1)} ms` : `${Math.round((r.ops / r.ms) * 1000).toLocaleString('en-US')} ${r.unit}`;
    const elu = r.elu === undefined ? '' : `${(r.elu * 100).toFixed(0)}%`.padStart(16);
    console.log(`${r.name.padEnd(w)}  ${String(r.ops).padStart(8)}  ${r.ms.toFixed(0).padStart(9)}  ${result.padStart(16)}  ${elu}`);
  }
}

await main();
