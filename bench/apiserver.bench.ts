/**
 * API server figures on SQLite and on etcd, with baselines measured in the same run:
 *   creates/s, gets/s, list of 10,000 objects, watch delivery latency with 100 watchers,
 *   p50/p99 of mutating requests at a steady 100 requests/s, server RSS with N stored objects;
 *   baseline: a bare Node HTTPS server answering the same client (requests/s).
 * Raw better-sqlite3 inserts/s and raw etcd puts/s come from bench/storage.bench.ts.
 *
 * Run: node --import tsx bench/apiserver.bench.ts [--backend sqlite|etcd|both] [--objects 100000]
 * Every loop is bounded in count and time; servers and etcd are stopped by PID at the end.
 */
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { JsonClient, percentile, readKubeconfig, runConcurrent } from './lib/https-client.js';
import { startServer, type TestServer as ServerHandle } from '../test/support/cluster.js';
import { startEtcd } from '../src/storage/testing/etcd-server.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    objects: { type: 'string', default: '100000' },
    creates: { type: 'string', default: '5000' },
  },
});
const RSS_OBJECTS = Number(values.objects);
const CREATES = Number(values.creates);
const CONCURRENCY = 32;

interface Figures {
  [k: string]: string;
}

function cm(name: string, i: number) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'yes', shard: String(i % 10) } }, data: { key: `value-${i}`, other: 'x'.repeat(64) } };
}

async function ensureNamespace(c: JsonClient, ns: string): Promise<void> {
  const r = await c.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  if (r.status !== 201 && r.status !== 409) throw new Error(`namespace ${ns}: ${r.status} ${r.body}`);
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function measure(label: string, server: ServerHandle): Promise<Figures> {
  const f: Figures = {};
  const c = new JsonClient(readKubeconfig(server.kubeconfig), CONCURRENCY);
  try {
    await ensureNamespace(c, 'bench');
    // Warm-up (TLS sessions, JIT) so the first figure is not a cold start.
    let failures = 0;
    await runConcurrent(1000, CONCURRENCY, async () => {
      await c.call('GET', '/api/v1/namespaces/bench');
    });
    // creates/s
    const createMs = await runConcurrent(CREATES, CONCURRENCY, async (i) => {
      const r = await c.call('POST', '/api/v1/namespaces/bench/configmaps', cm(`c-${i}`, i));
      if (r.status !== 201) failures++;
    });
    if (failures) throw new Error(`${failures} creates failed`);
    f['creates/s'] = (CREATES / (createMs / 1000)).toFixed(0);
    // gets/s
    const GETS = 10_000;
    const getMs = await runConcurrent(GETS, CONCURRENCY, async (i) => {
      const r = await c.call('GET', `/api/v1/namespaces/bench/configmaps/c-${i % CREATES}`);
      if (r.status !== 200) failures++;
    });
    f['gets/s'] = (GETS / (getMs / 1000)).toFixed(0);
    // list of 10,000 objects
    await ensureNamespace(c, 'list10k');
    await runConcurrent(10_000, CONCURRENCY, async (i) => {
      await c.call('POST', '/api/v1/namespaces/list10k/configmaps', cm(`l-${i}`, i));
    });
    const l0 = performance.now();
    const list = await c.call('GET', '/api/v1/namespaces/list10k/configmaps');
    f['list 10k (ms)'] = (performance.now() - l0).toFixed(0);
    if ((JSON.parse(list.body) as { items: unknown[] }).items.length !== 10_000) throw new Error('list returned the wrong count');
    const p0 = performance.now();
    let cont = '';
    let pages = 0;
    do {
      const page = await c.call('GET', `/api/v1/namespaces/list10k/configmaps?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      cont = (JSON.parse(page.body) as { metadata: { continue?: string } }).metadata.continue ?? '';
      pages++;
    } while (cont && pages < 100);
    f['list 10k paged by 500 (ms)'] = (performance.now() - p0).toFixed(0);

    // watch delivery latency, 100 watchers
    await ensureNamespace(c, 'watch');
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    const closers: (() => void)[] = [];
    let ready = 0;
    for (let w = 0; w < 100; w++) {
      closers.push(
        c.watch('/api/v1/namespaces/watch/configmaps?watch=true&resourceVersion=' + (await currentRv(c)), (line) => {
          const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
          if (ev.type === 'ADDED' && ev.object.metadata.name === 'ready') ready++;
          const t = sentAt.get(ev.object.metadata.name);
          if (t !== undefined && ev.type === 'ADDED') lat.push(performance.now() - t);
        }),
      );
    }
    await c.call('POST', '/api/v1/namespaces/watch/configmaps', cm('ready', 0));
    for (let i = 0; i < 100 && ready < 100; i++) await sleep(50);
    const EVENTS = 100;
    for (let i = 0; i < EVENTS; i++) {
      const name = `w-${i}`;
      sentAt.set(name, performance.now());
      await c.call('POST', '/api/v1/namespaces/watch/configmaps', cm(name, i));
      await sleep(20);
    }
    for (let i = 0; i < 100 && lat.length < EVENTS * 100; i++) await sleep(50);
    for (const close of closers) close();
    lat.sort((a, b) => a - b);
    f['watch p50 (ms, 100 watchers)'] = percentile(lat, 50).toFixed(1);
    f['watch p99 (ms, 100 watchers)'] = percentile(lat, 99).toFixed(1);
    f['watch events delivered'] = `${lat.length}/${EVENTS * 100}`;

    // p50/p99 of mutating requests at 100 requests/s (open loop, 10 s)
    const mut: number[] = [];
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < 1000; i++) {
      const due = start + i * 10;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const t0 = performance.now();
      inflight.push(
        c.call('PATCH', `/api/v1/namespaces/bench/configmaps/c-${i % CREATES}`, { data: { key: `patched-${i}` } }, 'application/merge-patch+json').then((r) => {
          if (r.status !== 200) failures++;
          mut.push(performance.now() - t0);
        }),
      );
    }
    await Promise.all(inflight);
    mut.sort((a, b) => a - b);
    f['mutating p50 @100/s (ms)'] = percentile(mut, 50).toFixed(1);
    f['mutating p99 @100/s (ms)'] = percentile(mut, 99).toFixed(1);

    // RSS with N stored objects
    await ensureNamespace(c, 'rss');
    const existing = CREATES + 10_000 + EVENTS + 1;
    const more = Math.max(0, RSS_OBJECTS - existing);
    const rssStart = performance.now();
    await runConcurrent(more, CONCURRENCY, async (i) => {
      const r = await c.call('POST', '/api/v1/namespaces/rss/configmaps', cm(`r-${i}`, i));
      if (r.status !== 201) failures++;
    });
    const rssMs = performance.now() - rssStart;
    if (more) f[`creates/s (bulk load of ${more})`] = (more / (rssMs / 1000)).toFixed(0);
    f[`server RSS with ${RSS_OBJECTS} objects (MiB)`] = (rssOf(server.pid) / 1048576).toFixed(0);
    f['failed requests'] = String(failures);
    void label;
  } finally {
    c.close();
  }
  return f;
}

async function currentRv(c: JsonClient): Promise<string> {
  const r = await c.call('GET', '/api/v1/namespaces/watch/configmaps?limit=1');
  return (JSON.parse(r.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Baseline: a bare Node HTTPS server with the same certificates, same client, same concurrency. */
async function bareHttpsBaseline(kubeconfigPath: string): Promise<Figures> {
  const kc = readKubeconfig(kubeconfigPath);
  const dataDir = kubeconfigPath.replace(/\/kubeconfig\.yaml$/, '');
  const tlsDir = `${dataDir}/tls`;
  const key = readFileSync(`${tlsDir}/apiserver.key`);
  const cert = readFileSync(`${tlsDir}/apiserver.crt`);
  const body = JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x' }, data: { key: 'value' } });
  const srv = createServer({ key, cert, ca: kc.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  const c = new JsonClient({ ...kc, server: `https://127.0.0.1:${port}` }, CONCURRENCY);
  try {
    const N = 10_000;
    // Warm up first (TLS sessions on every socket, JIT), as the measured servers are by then.
    await runConcurrent(2000, CONCURRENCY, async () => {
      await c.call('GET', '/x');
    });
    const ms = await runConcurrent(N, CONCURRENCY, async () => {
      await c.call('GET', '/x');
    });
    return { 'bare HTTPS requests/s (baseline)': (N / (ms / 1000)).toFixed(0) };
  } finally {
    c.close();
    srv.close();
  }
}

async function main(): Promise<void> {
  const results: { backend: string; figures: Figures }[] = [];
  const which = values.backend;
  if (which === 'sqlite' || which === 'both') {
    const server = await startServer({ datastore: 'sqlite' });
    try {
      results.push({ backend: 'baseline', figures: await bareHttpsBaseline(server.kubeconfig) });
      results.push({ backend: 'sqlite', figures: await measure('sqlite', server) });
    } finally {
      await server.stop();
    }
  }
  if (which === 'etcd' || which === 'both') {
    const etcd = await startEtcd();
    try {
      const server = await startServer({ datastore: { etcdEndpoint: etcd.endpoint } });
      try {
        results.push({ backend: 'etcd', figures: await measure('etcd', server) });
      } finally {
        await server.stop();
      }
    } finally {
      await etcd.stop();
    }
  }
  for (const r of results) {
    console.log(`\n## ${r.backend}`);
    for (const [k, v] of Object.entries(r.figures)) console.log(`${k.padEnd(44)} ${v}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
