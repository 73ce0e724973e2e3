/**
 * Simulated-node figures through the REAL server (`node bin/flotilla.js server`, SQLite on disk),
 * with the sim in this process talking HTTPS like `flotilla sim` does:
 *   - registration of 1,000 and 5,000 nodes (node + lease each): nodes/s;
 *   - steady heartbeat load at kubelet intervals (lease every 10 s, status every 60 s): requests/s
 *     achieved vs. required, backlog, server CPU (of one core) and RSS;
 *   - pods bound straight to sim nodes (spec.nodeName) until all are Running: pods/s (the pods are
 *     created from this process too, so the sim's CPU figure includes the creating client);
 *   baselines in the same run: server RSS before any node, and raw lease PATCHes/s at the sim's
 *   concurrency (the server's ceiling for this request kind).
 *
 * Run: node --import tsx bench/sim.bench.ts [--nodes 1000,5000] [--steady-seconds 30] [--pods 5000]
 * Bounded: every phase has a deadline; the server is stopped by PID at the end.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, type TestServer } from '../test/support/cluster.js';
import { clientFromKubeconfig } from '../src/client/http-client.js';
import { R, type Client } from '../src/client/types.js';
import { discardLogger } from '../src/lib/log.js';
import { Simulator } from '../src/sim/simulator.js';
import { runConcurrent } from './lib/https-client.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000,5000' },
    'steady-seconds': { type: 'string', default: '30' },
    pods: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    child: { type: 'boolean', default: false },
  },
});
const SIZES = values.nodes.split(',').map(Number);
const STEADY_S = Number(values['steady-seconds']);
const PODS = Number(values.pods);
const CONCURRENCY = Number(values.concurrency);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** utime+stime of a process in seconds. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function row(k: string, v: string | number): void {
  console.log(`  ${k.padEnd(48)} ${v}`);
}

/** Raw lease PATCHes/s at the sim's concurrency, over CONCURRENCY leases (conflicts counted, not retried). */
async function leaseBaseline(client: Client, n: number): Promise<{ rate: number; conflicts: number }> {
  for (let i = 0; i < CONCURRENCY; i++) {
    await client.create(R.leases, 'kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `bench-baseline-${i}` }, spec: { holderIdentity: 'x', leaseDurationSeconds: 40 } }).catch(() => {});
  }
  let conflicts = 0;
  const ms = await runConcurrent(n, CONCURRENCY, async (i) => {
    await client
      .patch(R.leases, 'kube-node-lease', `bench-baseline-${i % CONCURRENCY}`, 'merge', { spec: { renewTime: new Date().toISOString().replace('Z', '000Z') } })
      .catch((e: unknown) => {
        if ((e as { reason?: string }).reason === 'Conflict') conflicts++;
        else throw e;
      });
  });
  return { rate: n / (ms / 1000), conflicts };
}

async function runSize(nodes: number): Promise<void> {
  const server: TestServer = await startServer({ readyTimeoutMs: 30_000, controlPlane: true });
  try {
    const client = clientFromKubeconfig(server.kubeconfig, 'bench-sim');
    console.log(`\n--- ${nodes} nodes ---`);
    row('baseline: server RSS, no nodes (MiB)', rssMiB(server.pid));
    const base = await leaseBaseline(client, 3000);
    row(`baseline: raw lease PATCH/s (concurrency ${CONCURRENCY})`, `${Math.round(base.rate)} (${base.conflicts} conflicts)`);

    const cpu0 = cpuSeconds(server.pid);
    const t0 = Date.now();
    const sim = new Simulator(
      {
        template: { namePrefix: 'bench-', cpu: '8', memory: '32Gi', pods: '110', zones: ['a', 'b', 'c'], labels: {}, taints: [], arch: 'amd64', kubeletVersion: 'v1.32.0' },
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
    const regS = (Date.now() - t0) / 1000;
    row('registration: nodes + leases (s)', regS.toFixed(1));
    row('registration: nodes/s', Math.round(nodes / regS));
    row('registration: server CPU (s)', (cpuSeconds(server.pid) - cpu0).toFixed(1));
    row('server RSS after registration (MiB)', rssMiB(server.pid));

    // Steady heartbeats.
    const s0 = sim.snapshot();
    const c0 = cpuSeconds(server.pid);
    const me0 = process.cpuUsage();
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, STEADY_S * 1000));
    const s1 = sim.snapshot();
    const secs = (Date.now() - w0) / 1000;
    const leaseRate = (s1.leaseRenewals - s0.leaseRenewals) / secs;
    const statusRate = (s1.statusUpdates - s0.statusUpdates) / secs;
    row('steady: lease renewals/s (required)', `${leaseRate.toFixed(0)} (${(nodes / 10).toFixed(0)})`);
    row('steady: node status updates/s (required)', `${statusRate.toFixed(0)} (${(nodes / 60).toFixed(0)})`);
    row('steady: sim backlog at end (tasks)', s1.pendingTasks);
    row('steady: errors', s1.errors - s0.errors);
    row('steady: server CPU (% of one core)', Math.round(((cpuSeconds(server.pid) - c0) / secs) * 100));
    const me = process.cpuUsage(me0);
    row('steady: sim process CPU (% of one core)', Math.round(((me.user + me.system) / 1e6 / secs) * 100));
    row('steady: server RSS (MiB)', rssMiB(server.pid));
    row('steady: sim process RSS (MiB)', Math.round(process.memoryUsage().rss / 1048576));

    // Pods bound directly to sim nodes.
    if (PODS > 0) {
      await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }).catch(() => {});
      const p0 = Date.now();
      const createMs = await runConcurrent(PODS, CONCURRENCY, async (i) => {
        await client.create(R.pods, 'bench', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `p-${i}`, labels: { app: 'bench' } },
          spec: { nodeName: `bench-${i % nodes}`, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
        });
      });
      row(`pods: create ${PODS} bound pods (pods/s)`, Math.round(PODS / (createMs / 1000)));
      // The sim's own view (what it last wrote and saw back): polling the server with lists of
      // 30,000 pods would load the server more than the thing being measured.
      const deadline = Date.now() + 300_000 + PODS * 5;
      let running = 0;
      while (Date.now() < deadline) {
        running = sim.snapshot().running;
        if (running >= PODS) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const podS = (Date.now() - p0) / 1000;
      row(`pods: all ${PODS} Running after (s)`, `${podS.toFixed(1)}${running < PODS ? ` (only ${running})` : ''}`);
      row('pods: end-to-end pods/s (create → Running)', Math.round(running / podS));
      row('server RSS with pods (MiB)', rssMiB(server.pid));
      row('sim process RSS with pods (MiB)', Math.round(process.memoryUsage().rss / 1048576));
      const s2 = sim.snapshot();
      row('sim: pod writes, errors', `${s2.podWrites}, ${s2.errors}`);
    }
    await sim.stop();
  } finally {
    await server.stop();
  }
}

if (SIZES.length > 1) {
  // One fresh process per size, so RSS and CPU figures of the sim are not inherited from the last.
  console.log(`sim benchmark: sizes ${SIZES.join(', ')}, steady window ${STEADY_S} s, ${PODS} pods, concurrency ${CONCURRENCY}`);
  for (const n of SIZES) {
    const args = [...process.execArgv, fileURLToPath(import.meta.url), '--nodes', String(n), '--steady-seconds', String(STEADY_S), '--pods', String(PODS), '--concurrency', String(CONCURRENCY), '--child'];
    const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { stdio: 'inherit' }).on('exit', resolve));
    if (code !== 0) process.exit(code ?? 1);
  }
  process.exit(0);
}
if (!values.child) console.log(`sim benchmark: sizes ${SIZES.join(', ')}, steady window ${STEADY_S} s, ${PODS} pods, concurrency ${CONCURRENCY}`);
for (const n of SIZES) await runSize(n);
process.exit(0);
