/**
 * Protobuf request bodies against JSON ones (the baseline), same server, same run: creates/s at
 * concurrency 32 and create latency p50/p99 one at a time, for a ConfigMap and a Deployment as
 * client-go sends them (`application/vnd.kubernetes.protobuf` vs `application/json`); rounds
 * alternate the encodings so background load hits both alike. Also the decode step alone
 * (decodeObject in process, no server): decodes/s of the same bodies.
 *
 * Run: node --import tsx bench/protobuf.bench.ts [--creates 1000] [--latency 200] [--rounds 2]   (dist/ built)
 * Bounded in count; the server is stopped by PID at the end.
 */
import { request } from 'node:https';
import { parseArgs } from 'node:util';
import { JsonClient, percentile, readKubeconfig, runConcurrent } from './lib/https-client.js';
import { startServer } from '../test/support/cluster.js';
import { body as protobufBody } from '../src/api/protobuf/testing/encode.js';
import { builtinResources } from '../src/api/builtin.js';
import { decodeObject } from '../src/apiserver/decode.js';

const { values } = parseArgs({ options: { creates: { type: 'string', default: '1000' }, latency: { type: 'string', default: '200' }, rounds: { type: 'string', default: '2' } } });
const CREATES = Number(values.creates);
const LATENCY = Number(values.latency);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = 32;
const NS = 'pb-bench';
const PB = 'application/vnd.kubernetes.protobuf';

const Z = { generateName: '', namespace: '', selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: {} };

/** A ConfigMap / Deployment as client-go encodes it, in both encodings. */
function bodies(kind: 'ConfigMap' | 'Deployment', name: string): { json: Buffer; protobuf: Buffer } {
  if (kind === 'ConfigMap') {
    const data = { key: `value-${name}`, other: 'x'.repeat(64) };
    return {
      json: Buffer.from(JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, creationTimestamp: null, labels: { bench: 'yes' } }, data })),
      protobuf: protobufBody('v1', 'ConfigMap', { metadata: { ...Z, name, labels: { bench: 'yes' } }, data }),
    };
  }
  const labels = { app: name };
  const container = { name: 'busybox', image: 'busybox', ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: {} };
  return {
    json: Buffer.from(
      JSON.stringify({
        kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name, creationTimestamp: null, labels },
        spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { creationTimestamp: null, labels }, spec: { containers: [container] } }, strategy: {} },
        status: {},
      }),
    ),
    protobuf: protobufBody('apps/v1', 'Deployment', {
      metadata: { ...Z, name, labels },
      spec: {
        replicas: 1, selector: { matchLabels: labels }, minReadySeconds: 0, paused: false, strategy: { type: '' },
        template: { metadata: { ...Z, name: '', labels }, spec: { containers: [{ ...container, ports: [{ containerPort: 8080, protocol: 'TCP', name: '', hostPort: 0, hostIP: '' }], workingDir: '', terminationMessagePath: '', imagePullPolicy: '', stdin: false, stdinOnce: false, tty: false, terminationMessagePolicy: '' }], restartPolicy: '', dnsPolicy: '', serviceAccountName: '', serviceAccount: '', nodeName: '', hostNetwork: false, hostPID: false, hostIPC: false, hostname: '', subdomain: '', schedulerName: '', priorityClassName: '' } },
      },
      status: { observedGeneration: 0, replicas: 0, updatedReplicas: 0, availableReplicas: 0, unavailableReplicas: 0, readyReplicas: 0 },
    }),
  };
}

function post(c: JsonClient, path: string, payload: Buffer, contentType: string): Promise<number> {
  const url = new URL(readKubeconfigServer);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: 'POST', path, agent: c.agent, headers: { 'content-type': contentType, 'content-length': payload.length, accept: 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

let readKubeconfigServer = '';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  // Decode step alone, in process.
  const defs = builtinResources();
  const defOf = (kind: string) => defs.find((d) => d.kind === kind && (d.group === '' || d.group === 'apps'))!;
  console.log('decode only (decodeObject, in process, 20,000 bodies each):');
  console.log('| kind | JSON decodes/s | protobuf decodes/s | JSON bytes | protobuf bytes |');
  console.log('|---|---|---|---|---|');
  for (const kind of ['ConfigMap', 'Deployment'] as const) {
    const b = bodies(kind, 'x-1');
    const d = defOf(kind);
    const rate = (payload: Buffer, ct: string) => {
      for (let i = 0; i < 2000; i++) decodeObject(payload, ct, d, 'Strict');
      const t0 = performance.now();
      for (let i = 0; i < 20_000; i++) decodeObject(payload, ct, d, 'Strict');
      return 20_000 / ((performance.now() - t0) / 1000);
    };
    console.log(`| ${kind} | ${fmt(rate(b.json, 'application/json'))} | ${fmt(rate(b.protobuf, PB))} | ${b.json.length} | ${b.protobuf.length} |`);
  }

  const server = await startServer();
  try {
    const kc = readKubeconfig(server.kubeconfig);
    readKubeconfigServer = kc.server;
    const c = new JsonClient(kc, CONCURRENCY);
    const ns = await c.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${ns.body}`);
    await runConcurrent(500, CONCURRENCY, async () => {
      await c.call('GET', `/api/v1/namespaces/${NS}`);
    });
    console.log();
    console.log(`through the server (creates/s at concurrency ${CONCURRENCY}, ${CREATES} creates; latency of ${LATENCY} creates one at a time):`);
    console.log('| round | kind | body | creates/s | p50 ms | p99 ms |');
    console.log('|---|---|---|---|---|---|');
    let seq = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['ConfigMap', 'Deployment'] as const) {
        const path = kind === 'ConfigMap' ? `/api/v1/namespaces/${NS}/configmaps` : `/apis/apps/v1/namespaces/${NS}/deployments`;
        const order = round % 2 === 0 ? (['json', 'protobuf'] as const) : (['protobuf', 'json'] as const);
        for (const enc of order) {
          const ct = enc === 'json' ? 'application/json' : PB;
          const prefix = `r${round}-${enc}-${seq++}`;
          const pre = Array.from({ length: CREATES + LATENCY }, (_, i) => bodies(kind, `${prefix}-${i}`)[enc]);
          let failed = 0;
          const ms = await runConcurrent(CREATES, CONCURRENCY, async (i) => {
            if ((await post(c, path, pre[i]!, ct)) !== 201) failed++;
          });
          const lat: number[] = [];
          for (let i = CREATES; i < CREATES + LATENCY; i++) {
            const t0 = performance.now();
            if ((await post(c, path, pre[i]!, ct)) !== 201) failed++;
            lat.push(performance.now() - t0);
          }
          lat.sort((a, b) => a - b);
          if (failed) throw new Error(`${kind} ${enc}: ${failed} creates failed`);
          console.log(`| ${round} | ${kind} | ${enc} | ${fmt(CREATES / (ms / 1000))} | ${percentile(lat, 50).toFixed(1)} | ${percentile(lat, 99).toFixed(1)} |`);
        }
      }
    }
    c.agent.destroy();
  } finally {
    await server.stop();
  }
}

await main();
