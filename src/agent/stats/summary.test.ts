import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, PodSandbox, PodSandboxStats } from '../runtime/cri-types.js';
import { CpuHistory } from './rates.js';
import { buildSummary, criMemory, criNetwork, podSamplesFromCri, recordRound, toTime } from './summary.js';
import type { StatsRound } from './types.js';

const S = 1e9;
const T0 = 1_795_524_762 * S;

const sandbox = (id: string, name: string, state: PodSandbox['state'] = 'SANDBOX_READY', ns = 'default'): PodSandbox => ({
  id,
  metadata: { name, uid: `uid-${name}`, namespace: ns, attempt: 0 },
  state,
  createdAt: T0 - 60 * S,
  labels: {},
  annotations: {},
});
const container = (id: string, sb: string, name: string, state: Container['state'] = 'CONTAINER_RUNNING'): Container => ({
  id,
  podSandboxId: sb,
  metadata: { name, attempt: 0 },
  image: { image: 'busybox' },
  imageRef: 'sha256:x',
  state,
  createdAt: T0 - 30 * S,
  labels: {},
  annotations: {},
});
const cstats = (id: string, name: string, t: number, cpu: number, ws: number) => ({
  attributes: { id, metadata: { name, attempt: 0 }, labels: {}, annotations: {} },
  cpu: { timestamp: t, usageCoreNanoSeconds: { value: cpu }, usageNanoCores: { value: 12345 } },
  memory: { timestamp: t, workingSetBytes: { value: ws }, availableBytes: { value: 0 }, usageBytes: { value: ws + 10 }, rssBytes: { value: 7 }, pageFaults: { value: 3 }, majorPageFaults: { value: 0 } },
  writableLayer: { timestamp: 0, fsId: { mountpoint: '/img' }, usedBytes: { value: 4096 }, inodesUsed: { value: 2 } },
});
const pstats = (sb: PodSandbox, t: number, cpu: number, containers: ReturnType<typeof cstats>[]): PodSandboxStats => ({
  attributes: { id: sb.id, metadata: sb.metadata, labels: {}, annotations: {} },
  linux: {
    cpu: { timestamp: t, usageCoreNanoSeconds: { value: cpu } },
    memory: { timestamp: t, workingSetBytes: { value: 1000 }, availableBytes: { value: 500 } },
    network: { timestamp: t, defaultInterface: { name: 'eth0', rxBytes: { value: 10 }, txBytes: { value: 20 }, rxErrors: { value: 0 }, txErrors: { value: 0 } }, interfaces: [] },
    process: { timestamp: t, processCount: { value: 2 } },
    containers,
  },
});

test('toTime renders metav1.Time (RFC 3339, whole seconds, UTC)', () => {
  assert.equal(toTime(T0 + 999_000_000), '2026-11-24T12:52:42Z');
});

test('criMemory leaves out containerd\'s availableBytes 0 (no limit) and keeps the rest', () => {
  assert.deepEqual(criMemory(cstats('c', 'n', 5, 0, 100).memory), { timeNs: 5, workingSetBytes: 100, usageBytes: 110, rssBytes: 7, pageFaults: 3, majorPageFaults: 0 });
  assert.equal(criMemory({ timestamp: 0 }), undefined, 'a zero timestamp means no figures');
});

test('criNetwork: the default interface inline-able and every interface listed once', () => {
  const n = criNetwork({ timestamp: 9, defaultInterface: { name: 'eth0', rxBytes: { value: 1 } }, interfaces: [{ name: 'eth0', rxBytes: { value: 1 } }, { name: 'net1', txBytes: { value: 2 } }] });
  assert.deepEqual(n, { timeNs: 9, defaultInterface: { name: 'eth0', rxBytes: 1 }, interfaces: [{ name: 'eth0', rxBytes: 1 }, { name: 'net1', txBytes: 2 }] });
});

test('podSamplesFromCri + buildSummary: ready pods with their running containers, rates from two rounds', () => {
  const a = sandbox('sa', 'a');
  const b = sandbox('sb', 'b', 'SANDBOX_READY', 'apps');
  const gone = sandbox('sg', 'gone', 'SANDBOX_NOTREADY');
  const containers = [container('c1', 'sa', 'web'), container('c2', 'sa', 'log'), container('c3', 'sb', 'db'), container('cx', 'sa', 'old', 'CONTAINER_EXITED')];
  const fsOf = (mp: string) => (mp === '/img' ? { timeNs: T0, capacityBytes: 1e9, availableBytes: 4e8, usedBytes: 6e8, inodes: 100, inodesFree: 40, inodesUsed: 60 } : undefined);
  const round = (t: number, k: number): StatsRound => ({
    timeNs: t,
    node: { timeNs: t, startTimeNs: T0 - 3600 * S, cpu: { timeNs: t, usageCoreNanoSeconds: 100 * S * k } },
    pods: podSamplesFromCri(
      {
        sandboxes: [a, b, gone],
        containers,
        sandboxStats: [
          pstats(a, t, 3 * S * k, [cstats('c1', 'web', t, 2 * S * k, 1 << 20), cstats('c2', 'log', t, S * k, 2 << 20), cstats('cx', 'old', t, 0, 0)]),
          pstats(b, t, 0, [cstats('c3', 'db', t, 0, 5)]),
          pstats(gone, t, 0, []),
        ],
        fsOf,
      },
      t,
    ),
  });
  const h = new CpuHistory();
  const r1 = round(T0, 1);
  recordRound(h, r1);
  const s1 = buildSummary('node-1', r1, h);
  assert.deepEqual(s1.pods.map((p) => `${p.podRef.namespace}/${p.podRef.name}`), ['apps/b', 'default/a'], 'ready sandboxes only, sorted');
  assert.deepEqual(s1.pods[1]!.containers.map((c) => c.name), ['log', 'web'], 'running containers only, sorted by name');
  assert.equal(s1.pods[1]!.containers[1]!.cpu!.usageNanoCores, undefined, 'no rate from one sample (the runtime\'s own is ignored)');
  assert.equal(s1.node.cpu!.usageNanoCores, undefined);

  const r2 = round(T0 + 10 * S, 2);
  recordRound(h, r2);
  const s2 = buildSummary('node-1', r2, h);
  const pa = s2.pods[1]!;
  assert.deepEqual(pa, {
    podRef: { name: 'a', namespace: 'default', uid: 'uid-a' },
    startTime: toTime(T0 - 60 * S),
    containers: [
      {
        name: 'log',
        startTime: toTime(T0 - 30 * S),
        cpu: { time: toTime(T0 + 10 * S), usageNanoCores: 1e8, usageCoreNanoSeconds: 2 * S },
        memory: { time: toTime(T0 + 10 * S), workingSetBytes: 2 << 20, usageBytes: (2 << 20) + 10, rssBytes: 7, pageFaults: 3, majorPageFaults: 0 },
        rootfs: { time: toTime(T0), capacityBytes: 1e9, availableBytes: 4e8, inodes: 100, inodesFree: 40, usedBytes: 4096, inodesUsed: 2 },
      },
      {
        name: 'web',
        startTime: toTime(T0 - 30 * S),
        cpu: { time: toTime(T0 + 10 * S), usageNanoCores: 2e8, usageCoreNanoSeconds: 4 * S },
        memory: { time: toTime(T0 + 10 * S), workingSetBytes: 1 << 20, usageBytes: (1 << 20) + 10, rssBytes: 7, pageFaults: 3, majorPageFaults: 0 },
        rootfs: { time: toTime(T0), capacityBytes: 1e9, availableBytes: 4e8, inodes: 100, inodesFree: 40, usedBytes: 4096, inodesUsed: 2 },
      },
    ],
    cpu: { time: toTime(T0 + 10 * S), usageNanoCores: 3e8, usageCoreNanoSeconds: 6 * S },
    memory: { time: toTime(T0 + 10 * S), workingSetBytes: 1000, availableBytes: 500 },
    network: { time: toTime(T0 + 10 * S), name: 'eth0', rxBytes: 10, rxErrors: 0, txBytes: 20, txErrors: 0, interfaces: [{ name: 'eth0', rxBytes: 10, rxErrors: 0, txBytes: 20, txErrors: 0 }] },
    process_stats: { process_count: 2 },
  });
  assert.equal(s2.node.cpu!.usageNanoCores, 10e9, '100 core-seconds more over 10 s');
  assert.equal(s2.node.nodeName, 'node-1');
  assert.equal(JSON.stringify(s2).includes('null'), false, 'optional figures are left out, never null');
});

test('without ListPodSandboxStats: containers by sandbox, pod figures from the pod cgroup or the sum of containers', () => {
  const a = sandbox('sa', 'a');
  const b = sandbox('sb', 'b');
  const pods = podSamplesFromCri(
    {
      sandboxes: [a, b],
      containers: [container('c1', 'sa', 'web'), container('c2', 'sa', 'log'), container('c3', 'sb', 'db')],
      containerStats: [cstats('c1', 'web', T0, 2 * S, 100), cstats('c2', 'log', T0 + 5, S, 50), cstats('c3', 'db', T0, 7, 1), cstats('zz', 'unknown', T0, 1, 1)],
      podCgroups: new Map([['sb', { cpu: { timeNs: T0, usageCoreNanoSeconds: 99 } }]]),
    },
    T0,
  );
  assert.deepEqual(pods[0]!.cpu, { timeNs: T0 + 5, usageCoreNanoSeconds: 3 * S });
  assert.deepEqual(pods[0]!.memory, { timeNs: T0 + 5, workingSetBytes: 150, usageBytes: 170, rssBytes: 14, pageFaults: 6, majorPageFaults: 0 });
  assert.deepEqual(pods[1]!.cpu, { timeNs: T0, usageCoreNanoSeconds: 99 }, 'the pod cgroup wins over the sum');
  assert.equal(pods[1]!.memory?.workingSetBytes, 1, 'figures the cgroup lacks still come from the containers');
  assert.deepEqual(pods.flatMap((p) => p.containers.map((c) => c.id)).sort(), ['c1', 'c2', 'c3'], 'stats of unknown containers are dropped');
});

test('a container without CPU or memory stats appears with zero usage at the round time', () => {
  const a = sandbox('sa', 'a');
  const round: StatsRound = {
    timeNs: T0,
    node: { timeNs: T0, startTimeNs: 0 },
    pods: podSamplesFromCri({ sandboxes: [a], containers: [container('c1', 'sa', 'web')], sandboxStats: [pstats(a, T0, 0, [{ attributes: { id: 'c1', metadata: { name: 'web', attempt: 0 }, labels: {}, annotations: {} } }] as never)] }, T0),
  };
  const s = buildSummary('n', round, new CpuHistory());
  assert.deepEqual(s.pods[0]!.containers[0], { name: 'web', startTime: toTime(T0 - 30 * S), cpu: { time: toTime(T0), usageNanoCores: 0, usageCoreNanoSeconds: 0 }, memory: { time: toTime(T0), workingSetBytes: 0 } });
});
