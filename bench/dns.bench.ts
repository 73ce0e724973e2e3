/**
 * Cluster DNS: queries per second and latency (p50/p99) over UDP on 127.0.0.1, next to a baseline
 * measured in the same run:
 *   - baseline: a bare UDP echo server (dgram, reply = request bytes) — the cost of the socket
 *     round trip and of Node's event loop, with no DNS work at all;
 *   - a cluster name (`svc-<i>.bench.svc.cluster.local` A, random over 1,000 Services, plus a
 *     headless Service with 10 ready endpoints);
 *   - a forwarded name served from the cache (the fake upstream on 127.0.0.1 answers it once);
 *   - forwarded names that always go to the fake upstream (cache disabled, 1,000 distinct names,
 *     so no two queries in flight share an exchange) — the fake upstream shares the main thread.
 * The servers run on the main thread (as in the agent); the load comes from a worker thread with a
 * fixed window of queries in flight, for a fixed time. No query leaves loopback.
 *
 * Each case runs once per round, rounds interleaved, and the median q/s is reported (the machine
 * is shared, so load from elsewhere hits the baseline and the cases alike); p50/p99 over all rounds.
 *
 * Run: node --import tsx bench/dns.bench.ts [--seconds 1] [--rounds 3] [--window 32]
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import dnsPacket from 'dns-packet';
import type { KubeObject } from '../src/api/types.js';
import { discardLogger } from '../src/lib/log.js';
import { ClusterIndex } from '../src/proxy/dns/cluster-index.js';
import { startDnsServer } from '../src/proxy/dns/dns-server.js';
import { resolveQuestion } from '../src/proxy/dns/resolver.js';
import { startFakeUpstream } from '../src/proxy/dns/testing/dns-client.js';

interface LoadSpec {
  port: number;
  /** Query packets to cycle through (their ids are rewritten). */
  queries: Uint8Array[];
  seconds: number;
  window: number;
}
interface LoadResult {
  sent: number;
  answered: number;
  lost: number;
  seconds: number;
  latenciesUs: number[];
}

/**
 * The load generator, run in a worker thread (plain JavaScript, so the worker needs no loader):
 * keeps `window` queries in flight for `seconds`, rewriting each query's id, and posts back the
 * per-query latencies. Datagrams lost to a full socket buffer are given up after 1 s and replaced.
 */
const LOAD_JS = `
const dgram = require('node:dgram');
const { parentPort, workerData: spec } = require('node:worker_threads');
const sock = dgram.createSocket('udp4');
sock.bind(0, '127.0.0.1', () => {
  const pending = new Map();
  const lat = [];
  let sent = 0, lost = 0, nextId = 0, qi = 0, running = true;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(spec.seconds * 1e9));
  const send = () => {
    if (!running) return;
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const q = Buffer.from(spec.queries[qi++ % spec.queries.length]);
    q.writeUInt16BE(id, 0);
    pending.set(id, process.hrtime.bigint());
    sent++;
    sock.send(q, spec.port, '127.0.0.1');
  };
  const sweep = setInterval(() => {
    const cutoff = process.hrtime.bigint() - 1000000000n;
    for (const [id, t] of pending) if (t < cutoff) { pending.delete(id); lost++; send(); }
  }, 200);
  sock.on('message', (m) => {
    const id = m.readUInt16BE(0);
    const t0 = pending.get(id);
    if (t0 === undefined) return;
    pending.delete(id);
    const now = process.hrtime.bigint();
    lat.push(Number(now - t0) / 1000);
    if (now < end) return send();
    if (!running) return;
    running = false;
    clearInterval(sweep);
    setTimeout(() => { sock.close(); parentPort.postMessage({ sent, answered: lat.length, lost, seconds: Number(now - start) / 1e9, latenciesUs: lat }); }, 50);
  });
  for (let i = 0; i < spec.window; i++) send();
});
`;

{
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' }, window: { type: 'string', default: '32' } } });
  const SECONDS = Math.max(0.2, Math.min(30, Number(values.seconds)));
  const ROUNDS = Math.max(1, Math.min(20, Number(values.rounds)));
  const WINDOW = Math.max(1, Math.min(512, Number(values.window)));

  const runLoad = (port: number, queries: Buffer[], seconds = SECONDS): Promise<LoadResult> =>
    new Promise((resolve, reject) => {
      const w = new Worker(LOAD_JS, { eval: true, workerData: { port, queries, seconds, window: WINDOW } satisfies LoadSpec });
      w.once('message', (r: LoadResult) => {
        void w.terminate();
        resolve(r);
      });
      w.once('error', reject);
    });

  const q = (name: string, type = 'A') => dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] });

  console.log(`UDP on 127.0.0.1, ${WINDOW} queries in flight, ${ROUNDS} interleaved rounds of ${SECONDS} s per case (the machine is shared: each case is measured in every round, next to the baseline), load from a worker thread`);

  // Baseline: bare UDP echo.
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', () => r()));

  // The cluster: 1,000 ClusterIP Services and one headless Service with 10 endpoints.
  const index = new ClusterIndex();
  for (let i = 0; i < 1000; i++) {
    index.setService({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name: `svc-${i}` }, spec: { clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubeObject);
  }
  index.setService({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name: 'headless' }, spec: { clusterIP: 'None' } } as KubeObject);
  index.setSlice({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'bench', name: 'headless-1', labels: { 'kubernetes.io/service-name': 'headless' } },
    endpoints: Array.from({ length: 10 }, (_, i) => ({ addresses: [`10.244.0.${i + 10}`], conditions: { ready: true } })),
  } as unknown as KubeObject);
  const upstreamRecords: Parameters<typeof startFakeUpstream>[0] = { 'www.example.test': [{ name: 'www.example.test', type: 'A', ttl: 300, class: 'IN', data: '192.0.2.10' }] };
  for (let i = 0; i < 1000; i++) upstreamRecords[`n${i}.example.test`] = [{ name: `n${i}.example.test`, type: 'A', ttl: 300, class: 'IN', data: `192.0.2.${i & 255}` }];
  const upstream = await startFakeUpstream(upstreamRecords);
  const cfg = { zone: 'cluster.local', ttl: 5 };
  const start = (cacheSize?: number) =>
    startDnsServer({
      listen: [{ address: '127.0.0.1', port: 0 }],
      resolve: (qq) => resolveQuestion(qq, index, cfg, index.revision),
      generation: () => index.revision,
      upstreams: [{ address: '127.0.0.1', port: upstream.port }],
      ...(cacheSize !== undefined ? { cacheSize } : {}),
      logger: discardLogger,
    });
  const dns = await start();
  const nocache = await start(0);
  const port = dns.addresses[0]!.port;
  const clusterNames = Array.from({ length: 1000 }, (_, i) => q(`svc-${(i * 7919) % 1000}.bench.svc.cluster.local`));
  const distinct = Array.from({ length: 1000 }, (_, i) => q(`n${i}.example.test`));
  const cases: { label: string; port: number; queries: Buffer[] }[] = [
    { label: 'baseline: bare UDP echo', port: echo.address().port, queries: clusterNames },
    { label: 'cluster name (1,000 Services)', port, queries: clusterNames },
    { label: 'headless name (10 endpoints)', port, queries: [q('headless.bench.svc.cluster.local')] },
    { label: 'cluster NXDOMAIN (search path)', port, queries: [q('svc-1.bench.svc.cluster.local.cluster.local')] },
    { label: 'forwarded name, cached', port, queries: [q('www.example.test')] },
    { label: 'forwarded, no cache (1,000 names)', port: nocache.addresses[0]!.port, queries: distinct },
  ];
  for (const c of cases) await runLoad(c.port, c.queries, 0.3); // warm-up (and the cache's one upstream question)
  const seenBefore = upstream.seen.length;
  const results = cases.map(() => ({ qps: [] as number[], lat: [] as number[], lost: 0 }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, c] of cases.entries()) {
      const res = await runLoad(c.port, c.queries);
      results[i]!.qps.push(res.answered / res.seconds);
      results[i]!.lat.push(...res.latenciesUs);
      results[i]!.lost += res.lost;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const baseQps = median(results[0]!.qps);
  for (const [i, c] of cases.entries()) {
    const r = results[i]!;
    const s = r.lat.sort((a, b) => a - b);
    const pct = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
    const qps = median(r.qps);
    const rel = i === 0 ? '' : `  ${(qps / baseQps).toFixed(2)}× baseline`;
    console.log(`${c.label.padEnd(34)} ${qps.toFixed(0).padStart(7)} q/s  p50 ${(pct(50) / 1000).toFixed(3)} ms  p99 ${(pct(99) / 1000).toFixed(3)} ms${r.lost ? `  lost ${r.lost}` : ''}${rel}`);
  }
  const cachedAsks = upstream.seen.slice(seenBefore).filter((x) => x.startsWith('www.example.test')).length;
  console.log(`(the upstream was asked for the cached name ${cachedAsks} times during the measured rounds: once per 30 s cache lifetime at most)`);
  echo.close();
  await dns.stop();
  await nocache.stop();
  await upstream.close();
}
