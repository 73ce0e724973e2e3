/**
 * Worker-thread entry of SqliteBackend's writer: owns the write connection, so commits and their
 * fsyncs run beside the main thread instead of stalling it. Protocol (in order, one port):
 *
 *   main → worker  { t: 'batch', id, ops }          worker → main  { t: 'batch', id, results, rows, rev } | { t: 'batch', id, error }
 *   main → worker  { t: 'compact', id, target }      worker → main  { t: 'marked', id, target } then { t: 'compacted', id } | { t: 'compacted', id, error }
 *   main → worker  { t: 'close' }                    worker → main  { t: 'closed' }
 *
 * Compaction deletes history in small steps between batches, yielding to the worker's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, SqliteWriter, type WireOp } from './sqlite-store.js';

interface Init {
  path: string;
  busyTimeoutMs: number;
  compactBatch: number;
}

type Msg = { t: 'batch'; id: number; ops: WireOp[] } | { t: 'compact'; id: number; target: number } | { t: 'close' };

const init = workerData as Init;
const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker must run as a worker thread');

const db = openDatabase(init.path, { exclusive: false, busyTimeoutMs: init.busyTimeoutMs });
const writer = new SqliteWriter(db);
const compactions: Array<{ id: number; target: number }> = [];
let compactRunning = false;
let closed = false;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function compactLoop(): void {
  if (closed) return;
  const job = compactions[0];
  if (!job) {
    compactRunning = false;
    return;
  }
  compactRunning = true;
  try {
    if (job.target > writer.compactRev) {
      writer.markCompacted(job.target);
      port!.postMessage({ t: 'marked', id: job.id, target: job.target });
    }
    const n = writer.compactStep(job.target, init.compactBatch);
    if (n < init.compactBatch) {
      compactions.shift();
      port!.postMessage({ t: 'compacted', id: job.id });
    }
  } catch (err) {
    compactions.shift();
    port!.postMessage({ t: 'compacted', id: job.id, error: message(err) });
  }
  setImmediate(compactLoop);
}

port.on('message', (m: Msg) => {
  if (closed) return;
  if (m.t === 'batch') {
    try {
      const { results, rows } = writer.applyBatch(m.ops);
      port.postMessage({ t: 'batch', id: m.id, results, rows, rev: writer.rev, transactions: writer.transactions });
    } catch (err) {
      port.postMessage({ t: 'batch', id: m.id, error: message(err) });
    }
  } else if (m.t === 'compact') {
    compactions.push({ id: m.id, target: m.target });
    if (!compactRunning) compactLoop();
  } else if (m.t === 'close') {
    closed = true;
    db.close();
    port.postMessage({ t: 'closed' });
    port.close();
  }
});
port.postMessage({ t: 'ready', rev: writer.rev, compactRev: writer.compactRev });
