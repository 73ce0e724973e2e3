/**
 * Whole-cluster figures (issue 3, "Figures") through the REAL server (`node bin/flotilla.js server`
 * with the scheduler and controller manager in process, SQLite on disk) and simulated nodes (the
 * `flotilla sim` Simulator, in this process, over HTTPS), on the 2-core machine:
 *   1. scheduling throughput: N unbound bare pods (apps of 100 pods each) onto 1,000 / 5,000 nodes,
 *      plain, with required per-app hostname anti-affinity, and with zone topology spread (maxSkew 1):
 *      pods/s from the first create until every pod has spec.nodeName, and the rate of bindings
 *      once every pod exists (bindings still to do after the last create / time they took); a
 *      scenario suffixed `:pre` (e.g. `plain:pre`) creates every pod before any node exists and times
 *      the bindings from the start of node registration instead;
 *   2. time for a 10,000-replica Deployment to be fully Available on 1,000 nodes;
 *   3. control-plane RSS and CPU with --load-pods pods bound on 5,000 nodes, then the p50/p99 of a
 *      probe client's GET / LIST / PATCH of small ConfigMaps while pods churn at --churn-rate changes
 *      per second (half creates of unbound pods the scheduler must place, half deletes).
 * Baselines in the same run: raw creates/s of the same unbound pods against a server started with
 * --disable-scheduler (no nodes), and the pure scheduler cycle (bench/scheduler.bench.ts) in a child.
 *
 * Run: node --import tsx bench/cluster.bench.ts [--nodes 1000,5000] [--pods 30000]
 *        [--scenarios plain,anti-affinity,spread] [--deployment 10000] [--load-pods 150000]
 *        [--churn-seconds 60] [--churn-rate 20] [--phases baseline,sched,deploy,churn]
 * Bounded: every wait has a deadline (reported as "(timed out …)"); every server is stopped by PID
 * and its temp dir removed (test/support/cluster.ts), the scheduler-bench child is awaited.
 * Only 127.0.0.1 is contacted; simulated pod IPs never are.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { startServer, type TestServer } from '../test/support/cluster.js';
import { clientFromKubeconfig } from '../src/client/http-client.js';
import { R, type Client } from '../src/client/types.js';
import type { KubeObject } from '../src/api/types.js';
import { discardLogger } from '../src/lib/log.js';
import { Simulator } from '../src/sim/simulator.js';
import { percentile, runConcurrent } from './lib/https-client.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000,5000' },
    pods: { type: 'string', default: '30000' },
    scenarios: { type: 'string', default: 'plain,anti-affinity,spread' },
    deployment: { type: 'string', default: '10000' },
    'deployment-nodes': { type: 'string', default: '1000' },
    'load-nodes': { type: 'string', default: '5000' },
    'load-pods': { type: 'string', default: '150000' },
    'churn-seconds': { type: 'string', default: '60' },
    'churn-rate': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    phases: { type: 'string', default: 'baseline,sched,deploy,churn' },
  },
});
const SIZES = values.nodes.split(',').map(Number);
const PODS = Number(values.pods);
const SCENARIOS = values.scenarios.split(',') as ScenarioArg[];
const DEPLOY = Number(values.deployment);
const DEPLOY_NODES = Number(values['deployment-nodes']);
const LOAD_NODES = Number(values['load-nodes']);
const LOAD_PODS = Number(values['load-pods']);
const CHURN_S = Number(values['churn-seconds']);
const CHURN_RATE = Number(values['churn-rate']);
const CONCURRENCY = Number(values.concurrency);
const PHASES = new Set(values.phases.split(','));
// /24 per node: 10.128.0.0/9 holds 32,768 node subnets and stays clear of the default 10.96.0.0/16.
const SERVER_ARGS = ['--cluster-cidr', '10.128.0.0/9'];
const NS = 'bench';

type Scenario = 'plain' | 'anti-affinity' | 'spread';
/** `plain:pre` etc.: every pod created before any node exists, then the nodes registered. */
type ScenarioArg = Scenario | `${Scenario}:pre`;

const results: [string, string][] = [];
function row(k: string, v: string | number): void {
  results.push([k, String(v)]);
  console.log(`  ${k.padEnd(64)} ${v}`);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function podSpec(s: Scenario, app: string): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
  };
  if (s === 'anti-affinity')
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } }] } };
  if (s === 'spread') spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } }];
  return spec;
}
function bareUnboundPod(i: number, s: Scenario, prefix = 'p'): KubeObject & { spec: Record<string, unknown> } {
  const app = `app-${Math.floor(i / 100)}`;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${prefix}-${i}`, labels: { app } }, spec: podSpec(s, app) };
}

async function withServer<T>(extraArgs: string[], fn: (server: TestServer, client: Client) => Promise<T>): Promise<T> {
  const server = await startServer({ readyTimeoutMs: 60_000, controlPlane: true, extraArgs: [...SERVER_ARGS, ...extraArgs] });
  try {
    const client = clientFromKubeconfig(server.kubeconfig, 'bench-cluster');
    await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }).catch(() => {});
    return await fn(server, client);
  } finally {
    await server.stop({ timeoutMs: 20_000 });
  }
}

async function startSim(client: Client, nodes: number, prefix: string): Promise<{ sim: Simulator; seconds: number }> {
  const t0 = Date.now();
  const sim = new Simulator(
    {
      template: { namePrefix: `${prefix}-`, cpu: '8', memory: '32Gi', pods: '110', zones: ['a', 'b', 'c'], labels: {}, taints: [], arch: 'amd64', kubeletVersion: 'v1.32.0' },
      nodes,
      leaseRenewMs: 10_000,
      statusUpdateMs: 60_000,
      jobDurationMs: 5000,
      exitDelayMs: 1000,
      concurrency: CONCURRENCY,
      fallbackPodCIDR: '10.244.0.0/16',
    },
    { client, logger: discardLogger, now: () => new Date() },
  );
  await sim.start();
  return { sim, seconds: (Date.now() - t0) / 1000 };
}

/** Waits until pred() or the deadline; returns whether pred() held. */
async function waitFor(pred: () => boolean | Promise<boolean>, ms: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(stepMs);
  }
  return pred();
}

// ---- baselines -----------------------------------------------------------------------------------

async function baselineRawCreates(): Promise<void> {
  console.log(`\n--- baseline: raw creates of ${PODS} unbound pods, --disable-scheduler, no nodes ---`);
  await withServer(['--disable-scheduler'], async (server, client) => {
    const c0 = cpuSeconds(server.pid);
    const ms = await runConcurrent(PODS, CONCURRENCY, async (i) => {
      await client.create(R.pods, NS, bareUnboundPod(i, 'plain'));
    });
    row(`baseline: raw pod creates/s, no scheduler (${PODS}, ${CONCURRENCY} concurrent)`, Math.round(PODS / (ms / 1000)));
    row('baseline: server CPU during creates (% of one core)', Math.round(((cpuSeconds(server.pid) - c0) / (ms / 1000)) * 100));
    row(`baseline: server RSS with ${PODS} unbound pods (MiB)`, rssMiB(server.pid));
  });
}

async function baselineSchedulerCycle(): Promise<void> {
  console.log('\n--- baseline: pure scheduler cycle (bench/scheduler.bench.ts, 10,000 pods) ---');
  const script = fileURLToPath(new URL('./scheduler.bench.ts', import.meta.url));
  const out = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, script, '--nodes', SIZES.join(','), '--scenarios', 'plain,anti-affinity,spread'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    child.stdout.on('data', (c: Buffer) => (s += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(s);
    });
  });
  for (const line of out.split('\n')) {
    const m = /^(\d+)\s+(\S+)\s+(\d+)/.exec(line);
    if (m) row(`baseline: pure scheduler cycle, ${m[1]} nodes, ${m[2]} (pods/s)`, m[3]!);
  }
}

// ---- 1. scheduling throughput --------------------------------------------------------------------

/**
 * Binding rate with every pod already waiting: the pods are created while no node exists (all
 * unschedulable), then the nodes register; timed from the start of registration to all bound.
 */
async function schedPrecreated(nodes: number, s: Scenario): Promise<void> {
  console.log(`\n--- scheduling, pods first: ${PODS} unbound pods created with no node, then ${nodes} nodes, ${s} ---`);
  await withServer([], async (server, client) => {
    const createMs = await runConcurrent(PODS, CONCURRENCY, async (i) => {
      await client.create(R.pods, NS, bareUnboundPod(i, s));
    });
    const key = `${nodes} nodes, ${s}, pods first`;
    row(`sched ${key}: creates/s (scheduler finds no node)`, Math.round(PODS / (createMs / 1000)));
    const c0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    const { sim, seconds } = await startSim(client, nodes, 'n');
    const boundAtRegistered = sim.snapshot().pods;
    const ok = await waitFor(() => sim.snapshot().pods >= PODS, 120_000 + PODS * 20, 50);
    const secs = (performance.now() - t0) / 1000;
    const bound = sim.snapshot().pods;
    row(`sched ${key}: nodes registered after (s), pods bound by then`, `${seconds.toFixed(1)}, ${boundAtRegistered}`);
    row(`sched ${key}: registration start → all bound (s)`, `${secs.toFixed(1)}${ok ? '' : ` (timed out, ${bound} bound)`}`);
    row(`sched ${key}: bindings/s (registration start → all bound)`, Math.round(bound / secs));
    row(`sched ${key}: server CPU (% of one core) / RSS (MiB)`, `${Math.round(((cpuSeconds(server.pid) - c0) / secs) * 100)} / ${rssMiB(server.pid)}`);
    await sim.stop();
  });
}

async function schedThroughput(nodes: number, arg: ScenarioArg): Promise<void> {
  if (arg.endsWith(':pre')) return schedPrecreated(nodes, arg.slice(0, -4) as Scenario);
  const s = arg as Scenario;
  console.log(`\n--- scheduling: ${PODS} unbound pods, ${nodes} nodes, ${s} ---`);
  await withServer([], async (server, client) => {
    const { sim, seconds } = await startSim(client, nodes, 'n');
    console.log(`  (registered ${nodes} nodes in ${seconds.toFixed(1)} s)`);
    // Nodes get their podCIDRs and leave the not-ready taint shortly after registration.
    await sleep(3000);
    const c0 = cpuSeconds(server.pid);
    const me0 = process.cpuUsage();
    const t0 = performance.now();
    const createMs = await runConcurrent(PODS, CONCURRENCY, async (i) => {
      await client.create(R.pods, NS, bareUnboundPod(i, s));
    });
    const tCreated = performance.now();
    const boundAtCreated = sim.snapshot().pods;
    const ok = await waitFor(() => sim.snapshot().pods >= PODS, 120_000 + PODS * 20, 50);
    const tBound = performance.now();
    const bound = sim.snapshot().pods;
    const secs = (tBound - t0) / 1000;
    const key = `${nodes} nodes, ${s}`;
    row(`sched ${key}: creates/s`, Math.round(PODS / (createMs / 1000)));
    row(`sched ${key}: first create → all bound (s)`, `${secs.toFixed(1)}${ok ? '' : ` (timed out, ${bound} bound)`}`);
    row(`sched ${key}: end-to-end pods/s`, Math.round(bound / secs));
    row(`sched ${key}: bound when last create returned`, boundAtCreated);
    const rest = (tBound - tCreated) / 1000;
    row(`sched ${key}: bindings/s once all pods exist`, rest > 0.2 ? Math.round((bound - boundAtCreated) / rest) : 'n/a (all bound by then)');
    const me = process.cpuUsage(me0);
    row(`sched ${key}: server CPU / sim+client process CPU (% of one core)`, `${Math.round(((cpuSeconds(server.pid) - c0) / secs) * 100)} / ${Math.round(((me.user + me.system) / 1e6 / secs) * 100)}`);
    row(`sched ${key}: server RSS (MiB)`, rssMiB(server.pid));
    await sim.stop();
  });
}

// ---- 2. Deployment of 10,000 replicas ------------------------------------------------------------

async function deploymentAvailable(): Promise<void> {
  console.log(`\n--- deployment: ${DEPLOY} replicas on ${DEPLOY_NODES} nodes ---`);
  await withServer([], async (server, client) => {
    const { sim } = await startSim(client, DEPLOY_NODES, 'n');
    await sleep(3000);
    const c0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    await client.create(R.deployments, NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'big' },
      spec: {
        replicas: DEPLOY,
        selector: { matchLabels: { app: 'big' } },
        template: { metadata: { labels: { app: 'big' } }, spec: podSpec('plain', 'big') },
      },
    });
    let status: Record<string, number> = {};
    let tBound = 0;
    const ok = await waitFor(
      async () => {
        if (!tBound && sim.snapshot().pods >= DEPLOY) tBound = performance.now();
        const d = (await client.get(R.deployments, NS, 'big')) as { status?: Record<string, number> };
        status = d.status ?? {};
        return (status.availableReplicas ?? 0) >= DEPLOY;
      },
      300_000,
      500,
    );
    const secs = (performance.now() - t0) / 1000;
    row(`deploy ${DEPLOY} replicas, ${DEPLOY_NODES} nodes: all bound (s)`, tBound ? ((tBound - t0) / 1000).toFixed(1) : 'n/a');
    row(`deploy ${DEPLOY} replicas, ${DEPLOY_NODES} nodes: fully Available (s)`, `${secs.toFixed(1)}${ok ? '' : ` (timed out: available ${status.availableReplicas ?? 0}, ready ${status.readyReplicas ?? 0})`}`);
    row(`deploy: server CPU (% of one core) / RSS (MiB)`, `${Math.round(((cpuSeconds(server.pid) - c0) / secs) * 100)} / ${rssMiB(server.pid)}`);
    await sim.stop();
  });
}

// ---- 3. RSS / CPU at scale, API p99 under churn --------------------------------------------------

async function churn(): Promise<void> {
  console.log(`\n--- load: ${LOAD_PODS} pods on ${LOAD_NODES} nodes, then churn ${CHURN_RATE}/s for ${CHURN_S} s ---`);
  await withServer([], async (server, client) => {
    row('load: server RSS, no nodes (MiB)', rssMiB(server.pid));
    const { sim, seconds } = await startSim(client, LOAD_NODES, 'n');
    row(`load: ${LOAD_NODES} nodes registered (s)`, seconds.toFixed(1));
    await sleep(3000);
    // Bulk load: pods pre-bound (spec.nodeName), as upstream's density tests do for their fill-up,
    // so that the fill is bounded by the API server, not the scheduler (measured above).
    const l0 = performance.now();
    const createMs = await runConcurrent(LOAD_PODS, CONCURRENCY, async (i) => {
      const p = bareUnboundPod(i, 'plain', 'l');
      p.spec.nodeName = `n-${i % LOAD_NODES}`;
      await client.create(R.pods, NS, p);
    });
    row(`load: ${LOAD_PODS} bound pods created (pods/s)`, Math.round(LOAD_PODS / (createMs / 1000)));
    const ok = await waitFor(() => sim.snapshot().running >= LOAD_PODS, 300_000, 500);
    row(`load: all Running after (s)`, `${((performance.now() - l0) / 1000).toFixed(1)}${ok ? '' : ` (timed out, ${sim.snapshot().running} running)`}`);
    await sleep(5000);
    const i0 = cpuSeconds(server.pid);
    await sleep(10_000);
    row(`load: idle server CPU with ${LOAD_PODS} pods (% of one core)`, Math.round(((cpuSeconds(server.pid) - i0) / 10) * 100));
    row(`load: server RSS with ${LOAD_PODS} pods (MiB)`, rssMiB(server.pid));
    row('load: sim+bench process RSS (MiB)', Math.round(process.memoryUsage().rss / 1048576));

    // Probe objects: 20 small ConfigMaps in their own namespace.
    await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'probe' } }).catch(() => {});
    for (let i = 0; i < 20; i++) await client.create(R.configmaps, 'probe', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { v: '0' } });

    const lat: Record<'GET' | 'LIST' | 'PATCH' | 'pod CREATE' | 'pod DELETE', number[]> = { GET: [], LIST: [], PATCH: [], 'pod CREATE': [], 'pod DELETE': [] };
    let errors = 0;
    const timed = async (k: keyof typeof lat, f: () => Promise<unknown>) => {
      const t = performance.now();
      try {
        await f();
        lat[k].push(performance.now() - t);
      } catch {
        errors++;
      }
    };
    const end = Date.now() + CHURN_S * 1000;
    const c0 = cpuSeconds(server.pid);
    const w0 = Date.now();
    let maxRss = 0;
    // Churn: every 1/rate s, alternately create a new unbound pod or delete one of the loaded pods.
    const churnLoop = (async () => {
      const inflight: Promise<void>[] = [];
      let k = 0;
      const period = 1000 / CHURN_RATE;
      const start = Date.now();
      while (Date.now() < end) {
        const n = k++;
        if (n % 2 === 0) inflight.push(timed('pod CREATE', () => client.create(R.pods, NS, bareUnboundPod(n, 'plain', 'c'))));
        else inflight.push(timed('pod DELETE', () => client.delete(R.pods, NS, `l-${(n * 7919) % LOAD_PODS}`)));
        const next = start + k * period;
        await sleep(Math.max(0, next - Date.now()));
      }
      await Promise.all(inflight);
      return k;
    })();
    // Probe: one client, sequential GET / LIST / PATCH of the small ConfigMaps, ~30 calls/s.
    const probeLoop = (async () => {
      let i = 0;
      while (Date.now() < end) {
        const name = `cm-${i % 20}`;
        await timed('GET', () => client.get(R.configmaps, 'probe', name));
        await timed('LIST', () => client.list(R.configmaps, { namespace: 'probe' }));
        await timed('PATCH', () => client.patch(R.configmaps, 'probe', name, 'merge', { data: { v: String(i) } }));
        maxRss = Math.max(maxRss, rssMiB(server.pid));
        i++;
        await sleep(100);
      }
    })();
    const [changes] = await Promise.all([churnLoop, probeLoop]);
    const secs = (Date.now() - w0) / 1000;
    row(`churn: pod changes/s achieved (target ${CHURN_RATE})`, (changes / secs).toFixed(1));
    for (const [k, v] of Object.entries(lat)) {
      const s = v.sort((a, b) => a - b);
      row(`churn: ${k} p50 / p99 / max (ms), n`, `${percentile(s, 50).toFixed(1)} / ${percentile(s, 99).toFixed(1)} / ${(s[s.length - 1] ?? NaN).toFixed(1)}, ${s.length}`);
    }
    row('churn: failed calls', errors);
    row('churn: server CPU (% of one core)', Math.round(((cpuSeconds(server.pid) - c0) / secs) * 100));
    row('churn: server RSS max (MiB)', maxRss);
    await sleep(2000);
    const created = Math.ceil(changes / 2);
    row(`churn: pods on sim nodes at end (loaded ${LOAD_PODS} + ${created} created − deletes)`, sim.snapshot().pods);
    await sim.stop();
  });
}

console.log(`cluster benchmark: nodes ${SIZES.join(', ')}, ${PODS} pods, scenarios ${SCENARIOS.join(', ')}, deployment ${DEPLOY} on ${DEPLOY_NODES} nodes, load ${LOAD_PODS} pods on ${LOAD_NODES} nodes, churn ${CHURN_RATE}/s × ${CHURN_S} s, phases ${[...PHASES].join(',')}`);
const T0 = Date.now();
if (PHASES.has('baseline')) await baselineRawCreates();
if (PHASES.has('sched')) for (const n of SIZES) for (const s of SCENARIOS) await schedThroughput(n, s);
if (PHASES.has('deploy')) await deploymentAvailable();
if (PHASES.has('churn')) await churn();
if (PHASES.has('baseline')) await baselineSchedulerCycle();
console.log(`\nsummary (${((Date.now() - T0) / 1000).toFixed(0)} s):`);
for (const [k, v] of results) console.log(`| ${k} | ${v} |`);
process.exit(0);
