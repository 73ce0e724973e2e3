/**
 * Public entry of the storage layer: the Backend contract and its errors, the three backends,
 * `openBackend` (from the `--storage-endpoint` setting) and `startAutoCompaction`.
 *
 * Flow: apiserver → Backend (SQLite file in process | etcd cluster over gRPC | memory in tests);
 * every backend passes the conformance suite in ./conformance.ts.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { Backend } from './backend.js';
import { parseEndpoint, StorageConfigError } from './endpoint.js';
import { StorageUnavailableError } from './errors.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';

export type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchCallbacks, WatchEvent, WatchEventType } from './backend.js';
export { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, StorageUnavailableError } from './errors.js';
export { MemoryBackend } from './memory/memory-backend.js';
export { SqliteBackend, type SqliteBackendOptions } from './sqlite/sqlite-backend.js';
// EtcdBackend (and the gRPC stack under it) loads only when an etcd endpoint is opened: SQLite users
// do not pay ~200 ms of start-up for it. Import the class from './etcd/etcd-backend.js' directly.
export type { EtcdBackend, EtcdBackendOptions } from './etcd/etcd-backend.js';
export { parseEndpoint, StorageConfigError, type ParsedEndpoint } from './endpoint.js';

export interface OpenBackendOptions {
  /** `sqlite://<path>` or `http(s)://host:port[,http(s)://host:port...]` (etcd). */
  endpoint: string;
  /** etcd TLS: CA bundle, client certificate and key (PEM file paths). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Base directory for a relative sqlite path (default: the working directory). */
  dataDir?: string;
  /** Key prefix in etcd (default `/flotilla`). */
  etcdPrefix?: string;
  /** Check that etcd answers before returning (default true); fails with StorageUnavailableError. */
  verify?: boolean;
}

/**
 * Opens the store named by `endpoint`. Throws StorageConfigError (one line) for a malformed setting
 * or missing TLS files, StorageUnavailableError if the store cannot be opened or reached.
 * `sqlite://` with an empty path means `<dataDir>/state.db`.
 */
export async function openBackend(opts: OpenBackendOptions): Promise<Backend> {
  const parsed = parseEndpoint(opts.endpoint);
  if (parsed.kind === 'sqlite') {
    let path = parsed.path;
    if (path === '') {
      if (!opts.dataDir) throw new StorageConfigError(`invalid storage endpoint "${opts.endpoint}": give a path, e.g. sqlite://state.db`);
      path = 'state.db';
    }
    const full = isAbsolute(path) ? path : resolve(opts.dataDir ?? process.cwd(), path);
    return new SqliteBackend({ path: full });
  }
  for (const [flag, file] of [['caFile', opts.caFile], ['certFile', opts.certFile], ['keyFile', opts.keyFile]] as const) {
    if (file !== undefined && !existsSync(file)) throw new StorageConfigError(`etcd ${flag} ${file} does not exist`);
  }
  if ((opts.certFile === undefined) !== (opts.keyFile === undefined)) {
    throw new StorageConfigError('etcd client TLS needs both certFile and keyFile');
  }
  if (!parsed.secure && (opts.caFile || opts.certFile)) {
    throw new StorageConfigError(`etcd TLS files given but the endpoints use http: write https://… in "${opts.endpoint}"`);
  }
  const { EtcdBackend } = await import('./etcd/etcd-backend.js');
  const backend = new EtcdBackend({
    endpoints: parsed.endpoints,
    prefix: opts.etcdPrefix,
    caFile: opts.caFile,
    certFile: opts.certFile,
    keyFile: opts.keyFile,
  });
  if (opts.verify ?? true) {
    try {
      await backend.currentRevision();
    } catch (err) {
      await backend.close();
      const msg = err instanceof Error ? err.message : String(err);
      throw new StorageUnavailableError(`cannot reach etcd at ${parsed.endpoints.join(',')}: ${msg}`, { cause: err });
    }
  }
  return backend;
}

export interface AutoCompactionOptions {
  /** Always keep at least this many most recent revisions of history (default 1000). */
  retainRevisions?: number;
  /** Always keep at least this much recent history, in seconds (default 600: watches may resume minutes later). */
  retainSeconds?: number;
  /** How often to sample the revision and compact (default 60 000 ms). */
  intervalMs?: number;
  logger?: Logger;
  /** Clock in ms (tests). */
  now?: () => number;
}

/**
 * Periodically compacts history older than the retention window: the compaction revision is the
 * newest revision observed at least `retainSeconds` ago, lowered to keep `retainRevisions` revisions.
 * Only revisions this loop has observed count, so after a restart nothing is compacted before
 * `retainSeconds` have passed. Failures are logged and retried at the next tick. Returns a stop
 * function (idempotent) whose promise settles once a running compaction finished.
 */
export function startAutoCompaction(backend: Backend, opts: AutoCompactionOptions = {}): () => Promise<void> {
  const retainRevisions = opts.retainRevisions ?? 1000;
  const retainMs = (opts.retainSeconds ?? 600) * 1000;
  const intervalMs = opts.intervalMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const log = opts.logger?.child('compactor');
  const samples: Array<{ t: number; rev: number }> = [];
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = async () => {
    const t = now();
    const rev = await backend.currentRevision();
    samples.push({ t, rev });
    let i = -1;
    for (let j = 0; j < samples.length && samples[j].t <= t - retainMs; j++) i = j;
    if (i < 0) return;
    const byTime = samples[i].rev;
    samples.splice(0, i); // keep the chosen sample: it may be chosen again
    const target = Math.min(byTime, rev - retainRevisions);
    if (target <= 0 || target <= (await backend.compactedRevision())) return;
    const started = now();
    await backend.compact(target);
    log?.v(2).info('compacted storage history', { revision: target, current: rev, ms: now() - started });
  };
  const run = () => {
    if (stopped) return;
    running = running.then(tick).catch((err: unknown) => {
      if (!stopped) log?.warn('storage compaction failed', { err: err instanceof Error ? err.message : String(err) });
    });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
