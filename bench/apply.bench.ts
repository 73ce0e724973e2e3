/**
 * Server-side apply figures, with baselines measured in the same run against the same server:
 *   - per request over HTTPS (one client, sequential: p50/p99; 16 concurrent: requests/s) on
 *     Deployments that already exist: plain PATCH (merge patch of spec.replicas, the baseline),
 *     server-side apply (the whole manifest as application/apply-patch+yaml), and client-side
 *     apply as kubectl does it (GET, then a strategic merge patch carrying the
 *     last-applied-configuration annotation: two requests);
 *   - kubectl itself: `kubectl apply -f` vs `kubectl apply --server-side -f` per invocation;
 *   - the pure cost of field tracking per Deployment write (trackUpdate, applyObject) in process.
 *
 * Run: node --import tsx bench/apply.bench.ts [--ops 400] [--kubectl-runs 10]  (needs a built dist/:
 * npx tsc -p tsconfig.json). Loops are bounded in count; the server is stopped at the end.
 */
import { parseArgs } from 'node:util';
import { JsonClient, percentile, readKubeconfig, runConcurrent } from './lib/https-client.js';
import { startServer } from '../test/support/cluster.js';
import { builtinResources } from '../src/api/builtin.js';
import { applyObject, trackUpdate } from '../src/apiserver/apply/index.js';
import type { KubeObject } from '../src/api/types.js';

const { values } = parseArgs({ options: { ops: { type: 'string', default: '400' }, 'kubectl-runs': { type: 'string', default: '10' } } });
const OPS = Number(values.ops);
const KUBECTL_RUNS = Number(values['kubectl-runs']);
const CONCURRENCY = 16;
const OBJECTS = 50;
const NS = 'bench-apply';
const LAST = 'kubectl.kubernetes.io/last-applied-configuration';

function deployment(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name, tier: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80 }, { containerPort: 443 }],
              env: [
                { name: 'MODE', value: 'a' },
                { name: 'LEVEL', value: 'info' },
              ],
              resources: { requests: { cpu: '100m', memory: '64Mi' } },
            },
          ],
        },
      },
    },
  };
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(2)} ms, p99 ${percentile(s, 99).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const server = await startServer();
  const c = new JsonClient(readKubeconfig(server.kubeconfig), CONCURRENCY);
  const out: string[] = [];
  try {
    const ns = await c.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${ns.body}`);
    const base = `/apis/apps/v1/namespaces/${NS}/deployments`;
    // Objects for each mode, created the way the mode would (SSA by apply, CSA with the annotation).
    for (let i = 0; i < OBJECTS; i++) {
      for (const mode of ['plain', 'ssa']) {
        const r = await c.call('PATCH', `${base}/${mode}-${i}?fieldManager=kubectl`, JSON.stringify(deployment(`${mode}-${i}`, 1)), 'application/apply-patch+yaml');
        if (r.status !== 201) throw new Error(`create ${mode}-${i}: ${r.status} ${r.body}`);
      }
      const d = deployment(`csa-${i}`, 1);
      const withLast = { ...d, metadata: { ...d.metadata, annotations: { [LAST]: JSON.stringify(d) } } };
      const r = await c.call('POST', `${base}?fieldManager=kubectl-client-side-apply`, withLast);
      if (r.status !== 201) throw new Error(`create csa-${i}: ${r.status} ${r.body}`);
    }
    const ops: Record<string, (i: number) => Promise<void>> = {
      'plain PATCH (merge, spec.replicas)': async (i) => {
        const r = await c.call('PATCH', `${base}/plain-${i % OBJECTS}?fieldManager=bench`, { spec: { replicas: 2 + (i % 5) } }, 'application/merge-patch+json');
        if (r.status !== 200) throw new Error(`plain: ${r.status} ${r.body}`);
      },
      'server-side apply (whole manifest)': async (i) => {
        const r = await c.call('PATCH', `${base}/ssa-${i % OBJECTS}?fieldManager=kubectl`, JSON.stringify(deployment(`ssa-${i % OBJECTS}`, 2 + (i % 5))), 'application/apply-patch+yaml');
        if (r.status !== 200) throw new Error(`ssa: ${r.status} ${r.body}`);
      },
      'client-side apply (GET + strategic PATCH)': async (i) => {
        const name = `csa-${i % OBJECTS}`;
        const g = await c.call('GET', `${base}/${name}`);
        if (g.status !== 200) throw new Error(`csa get: ${g.status}`);
        const d = deployment(name, 2 + (i % 5));
        const patch = { metadata: { annotations: { [LAST]: JSON.stringify(d) } }, spec: { replicas: d.spec.replicas } };
        const r = await c.call('PATCH', `${base}/${name}?fieldManager=kubectl-client-side-apply`, patch, 'application/strategic-merge-patch+json');
        if (r.status !== 200) throw new Error(`csa: ${r.status} ${r.body}`);
      },
    };
    // Warm-up.
    for (const fn of Object.values(ops)) for (let i = 0; i < 50; i++) await fn(i);
    // The modes take turns (one request each, then batches of 50 concurrent runs each), so that the
    // load of other processes on this machine falls on all of them alike.
    const entries = Object.entries(ops);
    const lat = entries.map(() => [] as number[]);
    const busy = entries.map(() => 0);
    for (let i = 0; i < OPS; i++)
      for (let m = 0; m < entries.length; m++) {
        const t0 = performance.now();
        await entries[m]![1](i);
        lat[m]!.push(performance.now() - t0);
      }
    const BATCH = 50;
    for (let done = 0; done < OPS; done += BATCH)
      for (let m = 0; m < entries.length; m++) busy[m]! += await runConcurrent(Math.min(BATCH, OPS - done), CONCURRENCY, (i) => entries[m]![1](done + i));
    entries.forEach(([label], m) => out.push(`${label}: sequential ${stats(lat[m]!)}; ${CONCURRENCY} concurrent ${((OPS * 1000) / busy[m]!).toFixed(0)} ops/s`));
    // kubectl end to end, one invocation at a time, the two modes taking turns.
    const yaml = (name: string, r: number) => JSON.stringify(deployment(name, r));
    const cli = [
      ['kubectl apply (client-side)', 'cli-csa', [] as string[]],
      ['kubectl apply --server-side', 'cli-ssa', ['--server-side']],
    ] as const;
    const cliLat = cli.map(() => [] as number[]);
    for (let i = 0; i < KUBECTL_RUNS + 1; i++)
      for (let m = 0; m < cli.length; m++) {
        const [label, name, extra] = cli[m]!;
        const t0 = performance.now();
        const r = await server.kubectl(['apply', ...extra, '-f', '-'], { input: yaml(name, 1 + (i % 3)) });
        if (r.code !== 0) throw new Error(`${label}: ${r.stderr}`);
        if (i > 0) cliLat[m]!.push(performance.now() - t0);
      }
    cli.forEach(([label], m) => out.push(`${label}: ${stats(cliLat[m]!)} per invocation (${KUBECTL_RUNS} runs)`));
    // Field tracking alone, in process.
    const def = builtinResources().find((d) => d.kind === 'Deployment' && d.group === 'apps')!;
    const live = JSON.parse((await c.call('GET', `${base}/ssa-0`)).body) as KubeObject;
    const N = 2000;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const next = JSON.parse(JSON.stringify(live)) as KubeObject;
      (next['spec'] as { replicas: number }).replicas = 2 + (i % 5);
      trackUpdate({ def, subresource: '', now: new Date() }, live, next, 'bench');
    }
    const tu = (performance.now() - t0) / N;
    t0 = performance.now();
    for (let i = 0; i < N; i++) applyObject({ def, subresource: '', now: new Date() }, live, deployment('ssa-0', 2 + (i % 5)) as unknown as KubeObject, 'kubectl', false);
    const ap = (performance.now() - t0) / N;
    t0 = performance.now();
    for (let i = 0; i < N; i++) JSON.parse(JSON.stringify(live));
    const clone = (performance.now() - t0) / N;
    out.push(`in process per Deployment: trackUpdate ${(tu * 1000).toFixed(0)} µs, applyObject ${(ap * 1000).toFixed(0)} µs (baseline: one JSON deep copy ${(clone * 1000).toFixed(0)} µs)`);
  } finally {
    c.close();
    await server.stop();
  }
  for (const l of out) console.log(l);
}

await main();
