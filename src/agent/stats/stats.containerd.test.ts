/**
 * The stats provider against a real containerd (root): a pod burning CPU and a pod holding ~60 MiB
 * of shared memory, in per-run cgroups (`/<prefix>/besteffort/pod<uid>` in every hierarchy), which
 * the test removes at the end together with containerd and everything in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '../../api/core/v1/index.js';
import { podCgroupParent } from '../pods/index.js';
import type { ContainerConfig, PodSandboxConfig, RuntimeService } from '../runtime/cri-types.js';
import { BUILTIN_IMAGES, startTestContainerd, TEST_PREFIX, type TestContainerd } from '../../../test/support/containerd.js';
import { createHostStatsReader } from './host-reader.js';
import { createStatsProvider } from './provider.js';
import type { Summary } from './types.js';

const MiB = 1 << 20;
const CGROUP_ROOT = `/${TEST_PREFIX}-stats`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Removes the run's cgroup directories in every mounted hierarchy, deepest first. */
function removeRunCgroups(): void {
  const base = '/sys/fs/cgroup';
  const hierarchies = existsSync(join(base, 'cgroup.controllers')) ? [base] : readdirSync(base).map((d) => join(base, d));
  for (const h of hierarchies) {
    const top = join(h, CGROUP_ROOT);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
      }
      dirs.push(d);
    };
    walk(top);
    for (const d of dirs) {
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          // the kernel frees a cgroup a moment after its last task exits
          const until = Date.now() + 100;
          while (Date.now() < until) {
            /* bounded wait */
          }
        }
      }
    }
  }
}

function pod(name: string): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${TEST_PREFIX}-${name}`, namespace: 'default', uid: `${TEST_PREFIX}-${name}-uid` }, spec: { containers: [{ name }] } } as V1Pod;
}

async function runPod(t: TestContainerd, p: V1Pod, command: string[]): Promise<string> {
  const rt = t.client.runtime;
  const uid = p.metadata.uid!;
  const sandbox: PodSandboxConfig = {
    metadata: { name: p.metadata.name!, uid, namespace: 'default', attempt: 0 },
    hostname: '',
    logDirectory: join(t.dataDir, 'logs', `default_${p.metadata.name}_${uid}`),
    portMappings: [],
    labels: {},
    annotations: {},
    linux: { cgroupParent: podCgroupParent(p, CGROUP_ROOT), securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const sandboxId = await rt.runPodSandbox(sandbox);
  const config: ContainerConfig = {
    metadata: { name: p.spec?.containers?.[0]?.name ?? 'c', attempt: 0 },
    image: { image: BUILTIN_IMAGES.busybox },
    command,
    args: [],
    workingDir: '',
    envs: [],
    mounts: [],
    labels: {},
    annotations: {},
    logPath: `${p.spec?.containers?.[0]?.name ?? 'c'}/0.log`,
    stdin: false,
    stdinOnce: false,
    tty: false,
  };
  const id = await rt.createContainer(sandboxId, config, sandbox);
  await rt.startContainer(id);
  return id;
}

function find(s: Summary, name: string) {
  const p = s.pods.find((x) => x.podRef.name === `${TEST_PREFIX}-${name}`);
  return { pod: p, container: p?.containers.find((c) => c.name === name) };
}

test('stats from containerd: a CPU burner above half a core, a pod holding 60 MiB in its working set', { timeout: 180_000 }, async () => {
  const t = await startTestContainerd();
  const burnPod = pod('burn');
  const memPod = pod('mem');
  const providers: { stop(): void }[] = [];
  try {
    await runPod(t, burnPod, ['sh', '-c', 'while :; do :; done']);
    // /dev/shm is the sandbox's 64 MiB tmpfs; its pages are charged to the writer's cgroup.
    await runPod(t, memPod, ['sh', '-c', 'echo writing 60 MiB to /dev/shm; dd if=/dev/zero of=/dev/shm/x bs=1M count=60 2>/dev/null; exec sleep 3600']);

    const provider = createStatsProvider({ runtime: t.client.runtime, images: t.client.images, nodeName: `${TEST_PREFIX}-node`, rootDir: t.dataDir, logRoot: join(t.dataDir, 'logs'), intervalMs: 0 });
    providers.push(provider);
    const first = await provider.summary();
    assert.equal(first.node.nodeName, `${TEST_PREFIX}-node`);
    assert.ok(find(first, 'burn').container, `the burner is listed: ${JSON.stringify(first.pods.map((p) => p.podRef))}`);

    let s = first;
    for (let i = 0; i < 20; i++) {
      await sleep(1500);
      s = await provider.summary();
      const ws = find(s, 'mem').container?.memory?.workingSetBytes ?? 0;
      if (ws >= 50 * MiB && find(s, 'burn').container?.cpu?.usageNanoCores !== undefined) break;
    }

    if (process.env['FLT_STATS_PRINT']) console.log(JSON.stringify(s, null, 1));
    const burn = find(s, 'burn');
    const mem = find(s, 'mem');
    assert.deepEqual(burn.pod?.podRef, { name: `${TEST_PREFIX}-burn`, namespace: 'default', uid: `${TEST_PREFIX}-burn-uid` });
    const cores = (burn.container?.cpu?.usageNanoCores ?? 0) / 1e9;
    assert.ok(cores > 0.5, `burner uses ${cores.toFixed(2)} cores`);
    assert.ok((burn.pod?.cpu?.usageNanoCores ?? 0) >= 0.5e9, 'the pod cgroup includes its container');
    assert.ok((burn.container?.cpu?.usageCoreNanoSeconds ?? 0) > 0.5e9);
    assert.ok((s.node.cpu?.usageNanoCores ?? 0) > 0.5e9, 'the node includes the burner');

    const ws = mem.container?.memory?.workingSetBytes ?? 0;
    assert.ok(ws >= 50 * MiB, `working set ${(ws / MiB).toFixed(1)} MiB`);
    assert.ok((mem.container?.memory?.usageBytes ?? 0) >= ws, 'usage ≥ working set');
    assert.ok((mem.pod?.memory?.workingSetBytes ?? 0) >= ws, 'the pod cgroup includes its container');
    assert.ok((mem.container?.cpu?.usageNanoCores ?? 1e9) < 0.2e9, 'the sleeper is idle');
    assert.ok(mem.container?.rootfs?.capacityBytes, 'rootfs capacity from the image filesystem');
    assert.ok((mem.container?.logs?.usedBytes ?? 0) > 0 && mem.container?.logs?.capacityBytes, `logs of the container: ${JSON.stringify(mem.container?.logs)}`);

    assert.ok(s.node.memory?.workingSetBytes && s.node.memory.availableBytes, 'node memory with available bytes');
    // containerd refreshes its image-fs usage on its own period (usedBytes may still be 0 here).
    assert.ok(s.node.fs?.capacityBytes && s.node.runtime?.imageFs?.capacityBytes, 'node fs and image fs');
    assert.match(s.node.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(JSON.stringify(s).includes('null'), false);
    const rm = await provider.resourceMetrics();
    assert.match(rm, new RegExp(`^container_cpu_usage_seconds_total\\{container="burn",namespace="default",pod="${TEST_PREFIX}-burn"\\} [0-9.e+]+ \\d{13}$`, 'm'));
    assert.match(rm, /^resource_scrape_error 0$/m);

    // The same pods read without ListPodSandboxStats: pod figures straight from the pod cgroups.
    const { listPodSandboxStats: _omit, ...rest } = t.client.runtime;
    const noSandboxStats: Omit<RuntimeService, 'listPodSandboxStats'> = rest;
    const byUid = new Map([burnPod, memPod].map((p) => [p.metadata.uid!, p]));
    const direct = createStatsProvider({ runtime: noSandboxStats, nodeName: 'n', intervalMs: 0, cgroupRoot: CGROUP_ROOT, podLookup: (uid) => byUid.get(uid), host: createHostStatsReader() });
    providers.push(direct);
    await direct.summary();
    await sleep(1500);
    const d = await direct.summary();
    assert.ok((find(d, 'burn').pod?.cpu?.usageNanoCores ?? 0) > 0.5e9, 'burner pod read from its cgroup');
    assert.ok((find(d, 'mem').pod?.memory?.workingSetBytes ?? 0) >= 50 * MiB, 'memory pod read from its cgroup');
  } finally {
    for (const p of providers) p.stop();
    await t.stop();
    removeRunCgroups();
  }
  const left = readdirSync('/sys/fs/cgroup').filter((h) => existsSync(join('/sys/fs/cgroup', h, CGROUP_ROOT)));
  assert.deepEqual(left, [], 'no cgroup of the run is left');
});
