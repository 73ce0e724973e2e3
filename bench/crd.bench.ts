/**
 * Custom resources against a built-in kind, same server, same run: creates/s, gets/s and a
 * 2,000-object Table list of a CRD-served kind (schema with defaults, enum/bounds/pattern
 * validation, status subresource) vs ConfigMaps (baseline). Rounds alternate between the two kinds
 * so background load hits both alike. Also: CRD create → Established → first custom object
 * accepted (ms); N CRDs created at once (an operator's chart) → all Established, and the
 * discovery and OpenAPI v3 index latency with them (baseline: the same requests before).
 *
 * Run: node --import tsx bench/crd.bench.ts [--creates 2000] [--rounds 3]   (dist/ built)
 * Bounded in count; the server is stopped by PID at the end.
 */
import { request } from 'node:https';
import { parseArgs } from 'node:util';
import { JsonClient, readKubeconfig, runConcurrent } from './lib/https-client.js';
import { startServer } from '../test/support/cluster.js';

const { values } = parseArgs({ options: { creates: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' }, crds: { type: 'string', default: '100' } } });
const CREATES = Number(values.creates);
const MANY_CRDS = Number(values.crds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = 32;

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.bench.example.com' },
  spec: {
    group: 'bench.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', kind: 'CronTab' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['image'],
                properties: {
                  cronSpec: { type: 'string', pattern: '^[-*/0-9 ]+$' },
                  image: { type: 'string', maxLength: 253 },
                  replicas: { type: 'integer', minimum: 0, maximum: 100, default: 1 },
                  color: { type: 'string', enum: ['red', 'blue'] },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

const cm = (name: string, i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'yes' } }, data: { cronSpec: '*/5 * * * *', image: `img-${i}`, color: 'red' } });
const ct = (name: string, i: number) => ({
  apiVersion: 'bench.example.com/v1',
  kind: 'CronTab',
  metadata: { name, labels: { bench: 'yes' } },
  spec: { cronSpec: '*/5 * * * *', image: `img-${i}`, color: 'red', labels: { a: 'b' } },
});

const KINDS = {
  configmaps: { path: (ns: string) => `/api/v1/namespaces/${ns}/configmaps`, body: cm },
  crontabs: { path: (ns: string) => `/apis/bench.example.com/v1/namespaces/${ns}/crontabs`, body: ct },
} as const;

/** GET as a Table (what `kubectl get` asks for). */
function getTable(c: JsonClient, kubeconfig: string, path: string, accept = 'application/json;as=Table;v=v1;g=meta.k8s.io'): Promise<string> {
  const url = new URL(readKubeconfig(kubeconfig).server);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent: c.agent, headers: { accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`${path}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const server = await startServer();
  const c = new JsonClient(readKubeconfig(server.kubeconfig), CONCURRENCY);
  try {
    const t0 = performance.now();
    const r = await c.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
    if (r.status !== 201) throw new Error(`CRD: ${r.status} ${r.body}`);
    let established = 0;
    for (let i = 0; i < 2000 && !established; i++) {
      const g = JSON.parse((await c.call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.bench.example.com')).body) as { status?: { conditions?: { type: string; status: string }[] } };
      if (g.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) established = performance.now() - t0;
      else await new Promise((res) => setTimeout(res, 5));
    }
    if (!established) throw new Error('CRD never Established');
    await c.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'first' } });
    const f0 = performance.now();
    const first = await c.call('POST', KINDS.crontabs.path('first'), ct('first', 0));
    if (first.status !== 201) throw new Error(`first CronTab: ${first.status} ${first.body}`);
    console.log(`CRD create → Established: ${established.toFixed(0)} ms; first custom object create: ${(performance.now() - f0).toFixed(1)} ms`);
    // warm-up
    await runConcurrent(500, CONCURRENCY, async () => void (await c.call('GET', '/api/v1/namespaces/first')));

    // Many CRDs at once, as a big chart installs them.
    const timed = async (path: string, accept?: string) => {
      const a0 = performance.now();
      if (accept) await getTable(c, server.kubeconfig, path, accept);
      else await c.call('GET', path);
      return performance.now() - a0;
    };
    const AGG = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    await timed('/apis', AGG);
    await timed('/openapi/v3');
    const before = { apis: await timed('/apis', AGG), openapi: await timed('/openapi/v3') };
    const m0 = performance.now();
    await runConcurrent(MANY_CRDS, 8, async (i) => {
      const body = structuredClone(CRD) as typeof CRD;
      body.metadata.name = `things${i}.many.example.com`;
      body.spec.group = 'many.example.com';
      body.spec.names = { plural: `things${i}`, kind: `Thing${i}` };
      const res = await c.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body);
      if (res.status !== 201) throw new Error(`CRD ${i}: ${res.status} ${res.body}`);
    });
    const created = performance.now() - m0;
    for (let i = 0; i < 1200; i++) {
      const list = JSON.parse((await c.call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).body) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
      const n = list.items.filter((x) => x.status?.conditions?.some((k) => k.type === 'Established' && k.status === 'True')).length;
      if (n >= MANY_CRDS + 1) break;
      // Listing 100 CRDs costs the server too: poll gently.
      await new Promise((res) => setTimeout(res, 100));
    }
    const allEstablished = performance.now() - m0;
    const afterFirst = { apis: await timed('/apis', AGG), openapi: await timed('/openapi/v3') };
    const after = { apis: await timed('/apis', AGG), openapi: await timed('/openapi/v3') };
    console.log(
      `${MANY_CRDS} CRDs at once: created in ${created.toFixed(0)} ms, all Established after ${allEstablished.toFixed(0)} ms; ` +
        `aggregated /apis ${before.apis.toFixed(1)} → ${afterFirst.apis.toFixed(1)} (first) / ${after.apis.toFixed(1)} ms, ` +
        `/openapi/v3 index ${before.openapi.toFixed(1)} → ${afterFirst.openapi.toFixed(1)} (first, rebuilt) / ${after.openapi.toFixed(1)} ms`,
    );

    const rows: string[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of round % 2 ? (['crontabs', 'configmaps'] as const) : (['configmaps', 'crontabs'] as const)) {
        const ns = `b-${kind}-${round}`;
        await c.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
        const k = KINDS[kind];
        let failures = 0;
        const createMs = await runConcurrent(CREATES, CONCURRENCY, async (i) => {
          const res = await c.call('POST', k.path(ns), k.body(`o-${i}`, i));
          if (res.status !== 201) failures++;
        });
        if (failures) throw new Error(`${failures} ${kind} creates failed`);
        const GETS = CREATES * 2;
        const getMs = await runConcurrent(GETS, CONCURRENCY, async (i) => {
          const res = await c.call('GET', `${k.path(ns)}/o-${i % CREATES}`);
          if (res.status !== 200) failures++;
        });
        const l0 = performance.now();
        const list = await getTable(c, server.kubeconfig, k.path(ns));
        const listMs = performance.now() - l0;
        if ((JSON.parse(list) as { rows: unknown[] }).rows.length !== CREATES) throw new Error('table list returned the wrong count');
        rows.push([String(round), kind, (CREATES / (createMs / 1000)).toFixed(0), (GETS / (getMs / 1000)).toFixed(0), listMs.toFixed(0)]);
      }
    }
    console.log(`\n${CREATES} creates, ${CREATES * 2} gets, concurrency ${CONCURRENCY}, ${ROUNDS} rounds (SQLite)`);
    console.log(['round', 'kind', 'creates/s', 'gets/s', `Table list ${CREATES} (ms)`].join('\t'));
    for (const r2 of rows) console.log(r2.join('\t'));
  } finally {
    c.agent.destroy();
    await server.stop();
  }
}

await main();
