/**
 * The node agent's figures (issue 4), next to a baseline measured in the same run:
 *   - pod startup latency (POST of the pod → Ready=True seen on a watch; image present), p50/p99
 *     over N pods created one after the other, then N pods created at once (pods/s the node starts);
 *   - baselines: `ctr run --rm` of the same image (create, start, exit, delete) on the agent's own
 *     containerd; and for the burst, the same N sandboxes + containers straight through the CRI at
 *     once (same containerd, CNI config and bridge; the agent stopped);
 *   - the agent process's RSS and CPU, idle and with the N pods running (a standalone
 *     `flotilla agent`, so the figure is the agent's alone: containerd and shims are apart).
 * A control plane (`flotilla server --disable-agent`) and one agent with a per-run bridge, CIDRs and
 * data dir; everything is removed at the end (`killall`).
 *
 * Run (root): node --import tsx bench/agent.bench.ts [--n 100] [--agent-log FILE (agent at -v 4)]
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { percentile } from './lib/https-client.js';
import { BUILTIN_IMAGES, CRI_NAMESPACE } from '../src/agent/images/builtin.js';
import { killall } from '../src/agent/killall.js';
import { createCriClient, startContainerd } from '../src/agent/runtime/index.js';
import { busyboxSleepPod } from './lib/cri-pod.js';
import { createInformer } from '../src/client/informer.js';
import { clientFromKubeconfig } from '../src/client/http-client.js';
import { R } from '../src/client/types.js';
import type { V1Pod } from '../src/api/core/v1/index.js';
import { discardLogger } from '../src/lib/log.js';
import { REPO_ROOT, startServer, writeTestResolvConf } from '../test/support/cluster.js';

const execFileP = promisify(execFile);
const { values } = parseArgs({ options: { n: { type: 'string', default: '100' }, 'sample-s': { type: 'string', default: '20' }, 'agent-log': { type: 'string' } } });
const N = Math.max(1, Math.min(105, Number(values.n)));
const SAMPLE_S = Math.max(5, Math.min(120, Number(values['sample-s'])));
if (process.getuid?.() !== 0) {
  console.error('agent bench: needs root (containerd, runc, network namespaces)');
  process.exit(1);
}

function fmt(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms  p99 ${percentile(s, 99).toFixed(0)} ms  (min ${s[0]!.toFixed(0)}, max ${s[s.length - 1]!.toFixed(0)})`;
}

/** RSS (MiB) now and CPU (% of one core) over `seconds`, of one process. */
async function sampleProcess(pid: number, seconds: number): Promise<{ rssMiB: number; cpuPct: number }> {
  const ticks = () => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]); // utime + stime
  };
  const hz = 100;
  const a = ticks();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = ticks();
  const elapsed = (performance.now() - t0) / 1000;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return { rssMiB: rss, cpuPct: ((b - a) / hz / elapsed) * 100 };
}

/** N sandboxes (pod network through the agent's CNI config) + busybox containers, all at once, through the CRI; wall seconds. */
async function rawCriBurst(dataDir: string, n: number): Promise<number> {
  const containerd = await startContainerd({ dataDir, logger: discardLogger, cniConfDir: join(dataDir, 'cni', 'net.d') });
  const cri = createCriClient(containerd.socket);
  try {
    const one = async (i: number) => {
      const { sandbox, container } = busyboxSleepPod({ name: `raw-${i}`, uid: randomBytes(8).toString('hex'), namespace: 'bench', logRoot: join(dataDir, 'raw-logs'), network: 'POD' });
      const id = await cri.runtime.runPodSandbox(sandbox);
      const cid = await cri.runtime.createContainer(id, container, sandbox);
      await cri.runtime.startContainer(cid);
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
    return (performance.now() - t0) / 1000;
  } finally {
    cri.close();
    await containerd.stop();
  }
}

const block = 128 + randomInt(0, 63) * 2;
const server = await startServer({ controlPlane: true, extraArgs: ['--cluster-cidr', `10.${block}.0.0/16`, '--service-cidr', `10.${block + 1}.0.0/16`] });
const tag = randomBytes(3).toString('hex');
const agentDir = mkdtempSync(join(tmpdir(), 'flt-bench-agent-'));
const bridge = `flt${tag}`;
const nodeName = `flt-bench-${tag}`;
const token = readFileSync(join(server.dataDir, 'token'), 'utf8').trim();
const agent = spawn(process.execPath, [join(REPO_ROOT, 'bin/flotilla.js'), 'agent', '--server', server.url, '--token', token, '--data-dir', agentDir, '--node-name', nodeName, '--bridge', bridge, '--kubelet-port', '0', '--resolv-conf', writeTestResolvConf(agentDir), ...(values['agent-log'] ? ['-v', '4'] : [])], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let agentLog = '';
agent.stderr!.on('data', (c: Buffer) => (agentLog = (agentLog + c.toString()).slice(-20_000)));
if (values['agent-log']) agent.stderr!.pipe(createWriteStream(values['agent-log']));
const client = clientFromKubeconfig(server.kubeconfig, 'flotilla-bench');
const readyAt = new Map<string, number>();
/** First time each pod was seen bound to the node, and with its container running. */
const boundAt = new Map<string, number>();
const runningAt = new Map<string, number>();
const informer = createInformer<V1Pod>(client, R.pods, { labelSelector: 'bench=agent' });
const onPod = (p: V1Pod) => {
  const name = p.metadata.name ?? '';
  const t = performance.now();
  if (!boundAt.has(name) && p.spec?.nodeName) boundAt.set(name, t);
  if (!runningAt.has(name) && p.status?.containerStatuses?.some((c) => c.state?.running)) runningAt.set(name, t);
  if (!readyAt.has(name) && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyAt.set(name, t);
};
informer.addHandlers({ add: onPod, update: (_o, p) => onPod(p) });

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}\nagent log tail:\n${agentLog.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pod = (name: string): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'agent' } },
  spec: {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'main', image: BUILTIN_IMAGES.busybox, command: ['sleep', '3600'], resources: { requests: { cpu: '1m', memory: '4Mi' } } }],
  },
});

try {
  await informer.start();
  await until(
    'the agent node Ready',
    async () => {
      const n = await client.get(R.nodes, '', nodeName).catch(() => undefined);
      return !!(n as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    },
    120_000,
  );
  const pid = agent.pid!;
  const idle = await sampleProcess(pid, SAMPLE_S);

  // Baseline: ctr run of the same image on the agent's containerd.
  const sock = join(agentDir, 'containerd', 'containerd.sock');
  const ctrMs: number[] = [];
  for (let i = -1; i < Math.min(N, 30); i++) {
    const t0 = performance.now();
    await execFileP('ctr', ['--address', sock, '--namespace', CRI_NAMESPACE, 'run', '--rm', BUILTIN_IMAGES.busybox, `flt-bench-ctr-${tag}-${i < 0 ? "warm" : i}`, 'true'], { timeout: 60_000 });
    if (i >= 0) ctrMs.push(performance.now() - t0);
  }

  // One after the other.
  const seqMs: number[] = [];
  await client.create(R.pods, 'default', pod('warm'));
  await until('warm-up pod Ready', () => readyAt.has('warm'), 60_000);
  for (let i = 0; i < N; i++) {
    const name = `seq-${i}`;
    const t0 = performance.now();
    await client.create(R.pods, 'default', pod(name));
    await until(`${name} Ready`, () => readyAt.has(name), 60_000);
    seqMs.push(readyAt.get(name)! - t0);
  }
  // Clear the node for the burst.
  await client.delete(R.pods, 'default', 'warm', { gracePeriodSeconds: 0 });
  for (let i = 0; i < N; i++) await client.delete(R.pods, 'default', `seq-${i}`, { gracePeriodSeconds: 0 });
  await until('sequential pods gone', () => informer.list().length === 0, 120_000);

  // All at once.
  const created = new Map<string, number>();
  const tb = performance.now();
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const name = `burst-${i}`;
      created.set(name, performance.now());
      await client.create(R.pods, 'default', pod(name));
    }),
  );
  await until('burst pods Ready', () => [...created.keys()].every((n) => readyAt.has(n)), 300_000);
  const burstMs = [...created].map(([n, t]) => readyAt.get(n)! - t);
  const phase = (from: Map<string, number>, to: Map<string, number>) => [...created.keys()].filter((n) => from.has(n) && to.has(n)).map((n) => to.get(n)! - from.get(n)!);
  const createdMap = new Map(created);
  const burstPhases = { bind: phase(createdMap, boundAt), run: phase(boundAt, runningAt), ready: phase(runningAt, readyAt) };
  const burstWall = (Math.max(...[...created.keys()].map((n) => readyAt.get(n)!)) - tb) / 1000;
  const loaded = await sampleProcess(pid, SAMPLE_S);

  // Baseline for the burst: the same N pods (sandbox with the pod network + container) straight
  // through the CRI, all at once, on the same containerd, CNI config and bridge, without the agent.
  for (const name of created.keys()) await client.delete(R.pods, 'default', name, { gracePeriodSeconds: 0 });
  await until('burst pods gone', () => informer.list().length === 0, 120_000);
  agent.kill('SIGTERM');
  await new Promise((r) => (agent.exitCode !== null ? r(null) : agent.once('exit', r)));
  const rawWall = await rawCriBurst(agentDir, N);

  console.log(`agent: containerd via CRI, image ${BUILTIN_IMAGES.busybox} (present), N=${N}, pod network through CNI (bridge ${bridge})`);
  console.log(`  pod startup, one at a time (create → Ready)   ${fmt(seqMs)}`);
  console.log(`  pod startup, ${N} at once (create → Ready)      ${fmt(burstMs)}`);
  console.log(`    of which create → bound                   ${fmt(burstPhases.bind)}`);
  console.log(`    of which bound → container running         ${fmt(burstPhases.run)}`);
  console.log(`    of which running → Ready                   ${fmt(burstPhases.ready)}`);
  console.log(`  pods started per second (${N} at once)          ${(N / burstWall).toFixed(1)} pods/s (${burstWall.toFixed(1)} s)`);
  console.log(`  baseline: ctr run --rm (same image)           ${fmt(ctrMs)}`);
  console.log(`  baseline: ${N} sandboxes + containers straight through the CRI, at once   ${(N / rawWall).toFixed(1)} pods/s (${rawWall.toFixed(1)} s)`);
  console.log(`  agent process idle (${SAMPLE_S} s)                  RSS ${idle.rssMiB.toFixed(0)} MiB, CPU ${idle.cpuPct.toFixed(1)}% of a core`);
  console.log(`  agent process with ${N} pods (${SAMPLE_S} s)          RSS ${loaded.rssMiB.toFixed(0)} MiB, CPU ${loaded.cpuPct.toFixed(1)}% of a core`);
} finally {
  informer.stop();
  agent.kill('SIGTERM');
  await new Promise((r) => (agent.exitCode !== null ? r(null) : agent.once('exit', r)));
  await killall({ dataDir: agentDir, bridge, logger: discardLogger }).catch((e: unknown) => console.error(`killall: ${String(e)}`));
  rmSync(agentDir, { recursive: true, force: true });
  await server.stop();
}
