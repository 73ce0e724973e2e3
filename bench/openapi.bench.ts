/**
 * OpenAPI documents: how big they are, how long they take to build, and how fast a client gets one.
 *
 * In process (same run, alternating): every built-in group/version document plus the merged v2
 * (JSON and gnostic protobuf) built from scratch with upstream's descriptions (kubernetes-models)
 * and without them (baseline: only our own text); the one-time read of the packages' declaration
 * files. Over HTTPS against a real `flotilla server` (dist/ built): the first `/openapi/v3` index
 * after start (builds every document), then GETs of `/openapi/v3/api/v1?hash=` (the biggest
 * document), `/openapi/v3/apis/apps/v1?hash=` and `/openapi/v2` as protobuf (what kubectl 1.27/1.28
 * fetch), against the baseline of a small GET (`/api/v1/namespaces/default`) interleaved with them.
 *
 * Run: node --import tsx bench/openapi.bench.ts [--rounds 3] [--fetches 200]
 * Bounded in count; the server is stopped by PID at the end.
 */
import { request } from 'node:https';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ApiRegistry } from '../src/api/registry.js';
import { builtinResources } from '../src/api/builtin.js';
import { NO_UPSTREAM_DOCS, OpenApiV3Service, loadUpstreamDocs, type UpstreamDocs } from '../src/apiserver/openapi/index.js';
import { JsonClient, percentile, readKubeconfig } from './lib/https-client.js';
import { startServer } from '../test/support/cluster.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, fetches: { type: 'string', default: '200' } } });
const ROUNDS = Number(values.rounds);
const FETCHES = Number(values.fetches);

const kib = (n: number) => `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
const ms = (n: number) => n.toFixed(1);

function buildAll(docs: UpstreamDocs): { v3ms: number; v2ms: number; v3bytes: number; v3gzip: number; v2json: number; v2proto: number; gvs: number } {
  const svc = new OpenApiV3Service(new ApiRegistry(builtinResources()), { version: 'v1.32.0', docs });
  let t0 = performance.now();
  const index = svc.index();
  const v3ms = performance.now() - t0;
  let v3bytes = 0;
  let v3gzip = 0;
  const keys = Object.keys(index.paths);
  for (const key of keys) {
    const body = svc.document(key)!.body;
    v3bytes += Buffer.byteLength(body);
    v3gzip += gzipSync(body).length;
  }
  t0 = performance.now();
  const v2 = svc.v2();
  const v2ms = performance.now() - t0;
  svc.close();
  return { v3ms, v2ms, v3bytes, v3gzip, v2json: Buffer.byteLength(v2.json), v2proto: v2.protobuf.length, gvs: keys.length };
}

function get(c: JsonClient, base: URL, path: string, accept = 'application/json'): Promise<{ status: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, agent: c.agent, headers: { accept } }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  let t0 = performance.now();
  const loaded = loadUpstreamDocs();
  const loadMs = performance.now() - t0;
  if (loaded.error) throw new Error(`kubernetes-models missing (npm ci): ${loaded.error}`);
  console.log(`upstream docs: ${loaded.docs.size} definitions from ${loaded.docs.source}, read and parsed in ${ms(loadMs)} ms (once per process)`);

  console.log('\nin process: every built-in document from scratch (index = all v3 GV documents; then the merged v2)');
  console.log('round | descriptions | GVs | v3 build ms | v3 size (gzip) | v2 build ms | v2 JSON | v2 protobuf');
  for (let r = 0; r < ROUNDS; r++) {
    const order: Array<[string, UpstreamDocs]> = r % 2 ? [['upstream', loaded.docs], ['ours only (baseline)', NO_UPSTREAM_DOCS]] : [['ours only (baseline)', NO_UPSTREAM_DOCS], ['upstream', loaded.docs]];
    for (const [label, docs] of order) {
      const b = buildAll(docs);
      console.log(`${r} | ${label} | ${b.gvs} | ${ms(b.v3ms)} | ${kib(b.v3bytes)} (${kib(b.v3gzip)}) | ${ms(b.v2ms)} | ${kib(b.v2json)} | ${kib(b.v2proto)}`);
    }
  }

  // What other requests feel: small GETs back to back while the documents get built, either by the
  // first /openapi/v3 request right after start (cold) or by the background warm-up a second after
  // ready (the server's default), then the first /openapi/v3.
  for (const mode of ['cold: first /openapi/v3 at once', 'warm-up in the background (default)'] as const) {
    const srv = await startServer();
    const cl = new JsonClient(readKubeconfig(srv.kubeconfig));
    const b = new URL(srv.url);
    try {
      const lat: number[] = [];
      const end = performance.now() + 4000;
      let firstMs = NaN;
      const trigger = mode.startsWith('cold')
        ? (async () => {
            await new Promise((r) => setTimeout(r, 200));
            firstMs = (await get(cl, b, '/openapi/v3')).ms;
          })()
        : Promise.resolve();
      while (performance.now() < end) lat.push((await get(cl, b, '/api/v1/namespaces/default')).ms);
      await trigger;
      if (!mode.startsWith('cold')) firstMs = (await get(cl, b, '/openapi/v3')).ms;
      lat.sort((x, y) => x - y);
      console.log(`\nserver, ${mode}: first /openapi/v3 ${ms(firstMs)} ms; ${lat.length} small GETs over 4 s: p50 ${ms(percentile(lat, 50))} ms, max ${ms(lat[lat.length - 1]!)} ms`);
    } finally {
      cl.close();
      await srv.stop();
    }
  }

  const server = await startServer();
  const c = new JsonClient(readKubeconfig(server.kubeconfig));
  const base = new URL(server.url);
  try {
    const index = JSON.parse((await c.call('GET', '/openapi/v3')).body) as { paths: Record<string, { serverRelativeURL: string }> };
    console.log(`server serves ${Object.keys(index.paths).length} group/version documents (built-ins plus the server's own kinds)`);
    const targets: Array<[string, string, string?]> = [
      ['GET /api/v1/namespaces/default (baseline)', '/api/v1/namespaces/default'],
      ['/openapi/v3/api/v1?hash=', index.paths['api/v1']!.serverRelativeURL],
      ['/openapi/v3/apis/apps/v1?hash=', index.paths['apis/apps/v1']!.serverRelativeURL],
      ['/openapi/v2 (protobuf)', '/openapi/v2', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'],
    ];
    const times = new Map<string, number[]>(targets.map(([l]) => [l, []]));
    const sizes = new Map<string, number>();
    for (const [, path, accept] of targets) await get(c, base, path, accept); // warm (v2 is built on first use)
    for (let i = 0; i < FETCHES; i++)
      for (const [label, path, accept] of targets) {
        const r = await get(c, base, path, accept);
        if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
        times.get(label)!.push(r.ms);
        sizes.set(label, r.bytes);
      }
    console.log(`\nsequential GETs, ${FETCHES} each, interleaved (one keep-alive HTTPS connection)`);
    console.log('request | bytes | p50 ms | p99 ms | MiB/s at p50');
    for (const [label] of targets) {
      const t = times.get(label)!.sort((a, b) => a - b);
      const p50 = percentile(t, 50);
      console.log(`${label} | ${kib(sizes.get(label)!)} | ${ms(p50)} | ${ms(percentile(t, 99))} | ${(sizes.get(label)! / 1048576 / (p50 / 1000)).toFixed(0)}`);
    }
  } finally {
    c.close();
    await server.stop();
  }
}

await main();
