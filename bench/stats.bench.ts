/**
 * The cost of one stats round (what GET /stats/summary and /metrics/resource cost the agent), next
 * to a baseline measured in the same run:
 *   - in memory: summary() over the fake runtime with N pods × 2 containers and a fixed host (our
 *     own assembly: CRI answers → samples → rates → Summary, plus JSON.stringify), per round;
 *   - with root: summary() against a private containerd running N busybox `sleep` pods, each call
 *     a fresh round (minIntervalMs 0), p50/p99; baseline: the bare ListPodSandboxStats RPC that the
 *     round is built on (containerd reading the cgroups).
 * Per-run cgroups (/<prefix>-stats/...) and the containerd are removed at the end.
 *
 * Run: node --import tsx bench/stats.bench.ts [--n 20] [--fake-n 500]
 */
import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from './lib/https-client.js';
import { BUILTIN_IMAGES } from '../src/agent/images/builtin.js';
import type { ContainerConfig, PodSandboxConfig } from '../src/agent/runtime/index.js';
import { FakeRuntime } from '../src/agent/runtime/testing/fake-runtime.js';
import { createStatsProvider, renderResourceMetrics } from '../src/agent/stats/index.js';
import type { HostStatsReader } from '../src/agent/stats/index.js';
import { TEST_PREFIX, startTestContainerd } from '../test/support/containerd.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20' }, 'fake-n': { type: 'string', default: '500' } } });
const N = Math.max(1, Math.min(100, Number(values.n)));
const FAKE_N = Math.max(1, Math.min(5000, Number(values['fake-n'])));

function fmt(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms  (min ${s[0]!.toFixed(2)}, max ${s[s.length - 1]!.toFixed(2)})`;
}

const sbConfig = (i: number, cgroupParent: string, logDirectory: string): PodSandboxConfig => ({
  metadata: { name: `${TEST_PREFIX}-s${i}`, uid: `${TEST_PREFIX}-u${i}`, namespace: 'bench', attempt: 0 },
  hostname: '',
  logDirectory,
  portMappings: [],
  labels: {},
  annotations: {},
  linux: { cgroupParent, securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
});
const cConfig = (name: string, image: string): ContainerConfig => ({
  metadata: { name, attempt: 0 },
  image: { image },
  command: ['sleep', '3600'],
  args: [],
  workingDir: '',
  envs: [],
  mounts: [],
  labels: {},
  annotations: {},
  logPath: `${name}.log`,
  stdin: false,
  stdinOnce: false,
  tty: false,
});

// ---- in memory ----------------------------------------------------------------------------------
{
  let nowMs = Date.now();
  const rt = new FakeRuntime({ clock: () => nowMs, images: ['busybox:1.36'] });
  for (let i = 0; i < FAKE_N; i++) {
    const sb = sbConfig(i, `/x/pod${i}`, '/tmp');
    const id = await rt.runPodSandbox(sb);
    for (const name of ['app', 'sidecar']) {
      const c = await rt.createContainer(id, cConfig(name, 'busybox:1.36'), sb);
      await rt.startContainer(c);
      rt.setUsage(c, { cpuCoreNanos: i * 1e6, workingSetBytes: 1 << 20, usageBytes: 2 << 20 });
    }
  }
  const host: HostStatsReader = {
    layout: async () => ({}),
    fs: async () => ({ timeNs: nowMs * 1e6, capacityBytes: 1e12, availableBytes: 5e11 }),
    cgroup: async () => ({}),
    node: async () => ({ timeNs: nowMs * 1e6, startTimeNs: 0, cpu: { timeNs: nowMs * 1e6, usageCoreNanoSeconds: nowMs * 1e6 }, memory: { timeNs: nowMs * 1e6, workingSetBytes: 1 } }),
  };
  const p = createStatsProvider({ runtime: rt, images: rt, nodeName: 'bench', host, intervalMs: 0, minIntervalMs: 0, now: () => nowMs });
  const ms: number[] = [];
  const renderMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 30; i++) {
    nowMs += 1000;
    rt.calls.length = 0;
    const t0 = performance.now();
    const s = await p.summary();
    bytes = JSON.stringify(s).length;
    ms.push(performance.now() - t0);
    const t1 = performance.now();
    renderResourceMetrics(await p.sample());
    renderMs.push(performance.now() - t1);
  }
  console.log(`in memory, ${FAKE_N} pods × 2 containers (fake runtime):`);
  console.log(`  summary() + JSON (${(bytes / 1024).toFixed(0)} KiB)   ${fmt(ms.slice(5))}`);
  console.log(`  round + /metrics/resource text    ${fmt(renderMs.slice(5))}`);
}

// ---- containerd ---------------------------------------------------------------------------------
if (process.getuid?.() !== 0) {
  console.log('\ncontainerd: skipped (needs root)');
} else {
  const root = `/${TEST_PREFIX}-stats`;
  const t = await startTestContainerd();
  try {
    const rt = t.client.runtime;
    for (let i = 0; i < N; i++) {
      const sb = sbConfig(i, `${root}/besteffort/pod${TEST_PREFIX}-u${i}`, join(t.dataDir, 'pods', String(i)));
      const id = await rt.runPodSandbox(sb);
      const c = await rt.createContainer(id, cConfig('app', BUILTIN_IMAGES.busybox), sb);
      await rt.startContainer(c);
    }
    const p = createStatsProvider({ runtime: rt, images: t.client.images, nodeName: 'bench', rootDir: t.dataDir, intervalMs: 0, minIntervalMs: 0 });
    const summaryMs: number[] = [];
    const rpcMs: number[] = [];
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      await rt.listPodSandboxStats!();
      rpcMs.push(performance.now() - t0);
      const t1 = performance.now();
      const s = await p.summary();
      summaryMs.push(performance.now() - t1);
      if (s.pods.length !== N) throw new Error(`expected ${N} pods in the summary, got ${s.pods.length}`);
    }
    console.log(`\ncontainerd, ${N} pods × 1 container (busybox sleep):`);
    console.log(`  summary(), fresh round          ${fmt(summaryMs.slice(5))}`);
    console.log(`  baseline ListPodSandboxStats    ${fmt(rpcMs.slice(5))}`);
    p.stop();
  } finally {
    await t.stop();
    for (const h of readdirSync('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d))) {
      const top = join(h, root);
      if (!existsSync(top)) continue;
      const dirs: string[] = [];
      const walk = (d: string): void => {
        for (const name of readdirSync(d)) if (statSync(join(d, name)).isDirectory()) walk(join(d, name));
        dirs.push(d);
      };
      walk(top);
      for (const d of dirs) {
        try {
          rmdirSync(d);
        } catch {
          /* freed a moment later by the kernel; reported below */
        }
      }
      if (existsSync(top)) console.error(`stats bench: could not remove ${top}`);
    }
  }
}
