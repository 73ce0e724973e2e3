import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '../../api/core/v1/index.js';
import { CriError } from '../runtime/cri-errors.js';
import type { ContainerConfig, PodSandboxConfig } from '../runtime/cri-types.js';
import { FakeRuntime } from '../runtime/testing/fake-runtime.js';
import type { HostStatsReader } from './host-reader.js';
import { createStatsProvider } from './provider.js';
import type { CpuSample, MemorySample } from './types.js';

const S = 1e9;

function setup() {
  let nowMs = 1_795_524_762_000;
  const clock = () => nowMs;
  const rt = new FakeRuntime({ clock, images: ['busybox:1.36'] });
  const cgroupReads: string[] = [];
  let nodeCpu = 0;
  const host: HostStatsReader = {
    layout: async () => ({}),
    fs: async () => ({ timeNs: nowMs * 1e6, capacityBytes: 100, availableBytes: 40, usedBytes: 60 }),
    cgroup: async (path) => {
      cgroupReads.push(path);
      return { cpu: { timeNs: nowMs * 1e6, usageCoreNanoSeconds: 42 } as CpuSample, memory: { timeNs: nowMs * 1e6, workingSetBytes: 4242 } as MemorySample };
    },
    node: async () => ({
      timeNs: nowMs * 1e6,
      startTimeNs: 1_795_000_000 * S,
      cpu: { timeNs: nowMs * 1e6, usageCoreNanoSeconds: nodeCpu },
      memory: { timeNs: nowMs * 1e6, usageBytes: 10, workingSetBytes: 8, availableBytes: 92 },
    }),
  };
  return {
    rt,
    host,
    cgroupReads,
    advance: (ms: number) => (nowMs += ms),
    setNodeCpu: (v: number) => (nodeCpu = v),
    clock,
  };
}

const sbConfig = (name: string, uid: string): PodSandboxConfig => ({
  metadata: { name, uid, namespace: 'default', attempt: 0 },
  hostname: name,
  logDirectory: `/var/log/pods/default_${name}_${uid}`,
  portMappings: [],
  labels: {},
  annotations: {},
  linux: { cgroupParent: `/flotilla/besteffort/pod${uid}` },
});
const cConfig = (name: string): ContainerConfig => ({
  metadata: { name, attempt: 0 },
  image: { image: 'busybox:1.36' },
  command: [],
  args: [],
  workingDir: '',
  envs: [],
  mounts: [],
  labels: {},
  annotations: {},
  logPath: `${name}/0.log`,
  stdin: false,
  stdinOnce: false,
  tty: false,
});

async function runPod(rt: FakeRuntime, name: string, uid: string, containers: string[]): Promise<{ sandboxId: string; ids: string[] }> {
  const sb = sbConfig(name, uid);
  const sandboxId = await rt.runPodSandbox(sb);
  const ids: string[] = [];
  for (const c of containers) {
    const id = await rt.createContainer(sandboxId, cConfig(c), sb);
    await rt.startContainer(id);
    ids.push(id);
  }
  return { sandboxId, ids };
}

test('summary: node, pods and containers from the fake runtime; usageNanoCores once two rounds exist', async () => {
  const t = setup();
  const { sandboxId, ids } = await runPod(t.rt, 'web', 'u1', ['app', 'sidecar']);
  const [app, sidecar] = ids as [string, string];
  t.rt.setUsage(app, { cpuCoreNanos: 1 * S, workingSetBytes: 50 << 20, usageBytes: 60 << 20, rssBytes: 40 << 20, pageFaults: 10, majorPageFaults: 1 });
  t.rt.setUsage(sidecar, { cpuCoreNanos: 0, workingSetBytes: 1 << 20 });
  t.setNodeCpu(100 * S);
  const p = createStatsProvider({ runtime: t.rt, images: t.rt, nodeName: 'node-1', host: t.host, intervalMs: 0, now: t.clock });

  const first = await p.summary();
  assert.equal(first.node.nodeName, 'node-1');
  assert.equal(first.node.startTime, '2026-11-18T11:06:40Z');
  assert.deepEqual(first.node.memory, { time: '2026-11-24T12:52:42Z', usageBytes: 10, workingSetBytes: 8, availableBytes: 92 });
  assert.equal(first.node.runtime?.imageFs?.capacityBytes, 100, 'image fs capacity from statfs of its mountpoint');
  assert.equal(first.pods.length, 1);
  assert.deepEqual(first.pods[0]!.podRef, { name: 'web', namespace: 'default', uid: 'u1' });
  assert.deepEqual(first.pods[0]!.containers.map((c) => c.name), ['app', 'sidecar']);
  assert.equal(first.pods[0]!.containers[0]!.cpu!.usageNanoCores, undefined, 'no rate before a second round');
  assert.deepEqual(first.pods[0]!.containers[0]!.memory, { time: '2026-11-24T12:52:42Z', workingSetBytes: 50 << 20, usageBytes: 60 << 20, rssBytes: 40 << 20, pageFaults: 10, majorPageFaults: 1 });

  t.advance(10_000);
  t.rt.setUsage(app, { cpuCoreNanos: 6 * S, workingSetBytes: 50 << 20 });
  t.rt.setUsage(sidecar, { cpuCoreNanos: 1 * S, workingSetBytes: 1 << 20 });
  t.setNodeCpu(115 * S);
  const second = await p.summary();
  const pod = second.pods[0]!;
  assert.equal(pod.containers[0]!.cpu!.usageNanoCores, 5e8, 'app: 5 core-seconds in 10 s');
  assert.equal(pod.containers[1]!.cpu!.usageNanoCores, 1e8);
  assert.equal(pod.cpu!.usageNanoCores, 6e8, 'the pod (sum of its containers in the fake)');
  assert.equal(pod.cpu!.usageCoreNanoSeconds, 7 * S);
  assert.equal(second.node.cpu!.usageNanoCores, 1.5e9);
  assert.equal(pod.process_stats?.process_count, 3);
  assert.ok(sandboxId);
  const small = await p.summary({ onlyCpuAndMemory: true });
  assert.deepEqual(Object.keys(small.node).sort(), ['cpu', 'memory', 'nodeName', 'startTime']);
  assert.deepEqual(Object.keys(small.pods[0]!).sort(), ['containers', 'cpu', 'memory', 'podRef', 'startTime']);
  assert.deepEqual(Object.keys(small.pods[0]!.containers[0]!).sort(), ['cpu', 'memory', 'name', 'startTime']);
  assert.equal(small.pods[0]!.containers[0]!.cpu!.usageNanoCores, 5e8, 'the same round');
  const metrics = await p.resourceMetrics();
  assert.match(metrics, /^container_cpu_usage_seconds_total\{container="app",namespace="default",pod="web"\} 6 1795524772000$/m, 'the same round as /metrics/resource');
  assert.match(metrics, /^resource_scrape_error 0$/m);
  p.stop();
  p.stop();
});

test('summary reuses a round younger than minIntervalMs and shares a running round', async () => {
  const t = setup();
  await runPod(t.rt, 'web', 'u1', ['app']);
  const p = createStatsProvider({ runtime: t.rt, nodeName: 'n', host: t.host, intervalMs: 0, now: t.clock, minIntervalMs: 1000 });
  const count = () => t.rt.calls.filter((c) => c.method === 'listPodSandboxStats').length;
  await Promise.all([p.summary(), p.summary(), p.sample()]);
  assert.equal(count(), 1, 'concurrent callers share one round');
  t.advance(500);
  await p.summary();
  assert.equal(count(), 1, 'a round younger than 1 s is reused');
  t.advance(600);
  await p.summary();
  assert.equal(count(), 2);
});

test('exited containers and stopped sandboxes drop out; their history is forgotten', async () => {
  const t = setup();
  const a = await runPod(t.rt, 'a', 'ua', ['app', 'job']);
  const b = await runPod(t.rt, 'b', 'ub', ['app']);
  const p = createStatsProvider({ runtime: t.rt, nodeName: 'n', host: t.host, intervalMs: 0, now: t.clock });
  assert.equal((await p.summary()).pods.length, 2);
  t.rt.exit(a.ids[1]!, 0);
  await t.rt.stopPodSandbox(b.sandboxId);
  t.advance(2000);
  const s = await p.summary();
  assert.deepEqual(s.pods.map((x) => `${x.podRef.name}:${x.containers.map((c) => c.name).join(',')}`), ['a:app']);
});

test('a runtime without ListPodSandboxStats: container stats, the pod cgroup via podLookup, else the sum', async () => {
  const t = setup();
  const a = await runPod(t.rt, 'a', 'ua', ['app']);
  await runPod(t.rt, 'b', 'ub', ['app']);
  t.rt.setUsage(a.ids[0]!, { cpuCoreNanos: 3 * S, workingSetBytes: 7 });
  t.rt.failNext('listPodSandboxStats', new CriError('UNIMPLEMENTED', 'unknown method ListPodSandboxStats', 'ListPodSandboxStats'));
  const podA = { metadata: { name: 'a', namespace: 'default', uid: 'ua' }, spec: { containers: [{ name: 'app' }] } } as unknown as V1Pod;
  const p = createStatsProvider({ runtime: t.rt, nodeName: 'n', host: t.host, intervalMs: 0, now: t.clock, podLookup: (uid) => (uid === 'ua' ? podA : undefined) });
  const s = await p.summary();
  assert.deepEqual(t.cgroupReads, ['/flotilla/besteffort/podua'], 'the pod cgroup by QoS class under the cgroup root');
  assert.equal(s.pods[0]!.cpu!.usageCoreNanoSeconds, 42);
  assert.equal(s.pods[0]!.memory!.workingSetBytes, 4242);
  assert.equal(s.pods[1]!.cpu!.usageCoreNanoSeconds, 0, 'b: the sum of its containers');
  assert.equal(s.pods[0]!.containers[0]!.cpu!.usageCoreNanoSeconds, 3 * S);
  t.advance(2000);
  await p.summary();
  assert.equal(t.rt.calls.filter((c) => c.method === 'listPodSandboxStats').length, 1, 'UNIMPLEMENTED is remembered');
});

test('summary rejects when the runtime is down; the periodic round only logs', async () => {
  const t = setup();
  t.rt.setDown(true);
  const warnings: string[] = [];
  const logger = {
    error: () => {},
    warn: (m: string) => warnings.push(m),
    info: () => {},
    v: () => ({ info: () => {} }),
    child: () => logger,
  };
  const p = createStatsProvider({ runtime: t.rt, nodeName: 'n', host: t.host, intervalMs: 60_000, now: t.clock, logger });
  await assert.rejects(p.summary(), (e: Error) => /failed to get pod stats/.test(e.message) && e.cause instanceof CriError && (e.cause as CriError).code === 'UNAVAILABLE');
  for (let i = 0; i < 50 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(warnings, ['stats round failed']);
  assert.match(await p.resourceMetrics(), /^resource_scrape_error 1$/m, '/metrics/resource never fails, it reports the error');
  t.rt.setDown(false);
  assert.equal((await p.summary()).pods.length, 0);
  p.stop();
});

test('logs: the du of each container\'s log directory under logRoot, with the node filesystem\'s capacity', async () => {
  const t = setup();
  await runPod(t.rt, 'web', 'u1', ['app']);
  const asked: string[] = [];
  const host: HostStatsReader = {
    ...t.host,
    node: async () => ({ ...(await t.host.node()), fs: { timeNs: 1, capacityBytes: 1000, availableBytes: 400, inodes: 50, inodesFree: 20, usedBytes: 600, inodesUsed: 30 } }),
    du: async (path) => {
      asked.push(path);
      return { usedBytes: 8192, inodesUsed: 3 };
    },
  };
  const p = createStatsProvider({ runtime: t.rt, nodeName: 'n', host, intervalMs: 0, now: t.clock, logRoot: '/var/log/pods/' });
  const s = await p.summary();
  assert.deepEqual(asked, ['/var/log/pods/default_web_u1/app']);
  assert.deepEqual(s.pods[0]!.containers[0]!.logs, { time: '2026-11-24T12:52:42Z', capacityBytes: 1000, availableBytes: 400, inodes: 50, inodesFree: 20, usedBytes: 8192, inodesUsed: 3 });
  const without = await createStatsProvider({ runtime: t.rt, nodeName: 'n', host, intervalMs: 0, now: t.clock }).summary();
  assert.equal(without.pods[0]!.containers[0]!.logs, undefined, 'no logRoot, no logs');
});
