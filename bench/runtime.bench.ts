/**
 * Container start latency through the CRI, next to a baseline measured in the same run:
 *   - CRI: RunPodSandbox (host network: no CNI in the figure) + CreateContainer + StartContainer of
 *     busybox `sleep 3600`, p50/p99 over N pods, each phase and the total;
 *   - baseline: `ctr run --rm <same image> <id> true` (create, start, exit, delete) N times.
 * A private containerd (test/support/containerd.ts) in /tmp/flt-<run>-*, removed at the end.
 *
 * Run (root): node --import tsx bench/runtime.bench.ts [--n 20]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { percentile } from './lib/https-client.js';
import { BUILTIN_IMAGES, CRI_NAMESPACE } from '../src/agent/images/builtin.js';
import { busyboxSleepPod } from './lib/cri-pod.js';
import { TEST_PREFIX, startTestContainerd } from '../test/support/containerd.js';

const execFileP = promisify(execFile);
const { values } = parseArgs({ options: { n: { type: 'string', default: '20' } } });
const N = Math.max(1, Math.min(200, Number(values.n)));

function fmt(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms  p99 ${percentile(s, 99).toFixed(1)} ms  (min ${s[0]!.toFixed(1)}, max ${s[s.length - 1]!.toFixed(1)})`;
}

const t = await startTestContainerd();
try {
  const rt = t.client.runtime;
  const sandboxMs: number[] = [];
  const containerMs: number[] = [];
  const totalMs: number[] = [];
  const ctrMs: number[] = [];

  // One warm-up of each path (first use of the snapshots, runc binary in page cache).
  const warm = async (i: number) => {
    const { sandbox, container } = busyboxSleepPod({ name: `${TEST_PREFIX}-bench-${i}`, uid: randomBytes(8).toString('hex'), namespace: 'default', logRoot: join(t.dataDir, 'pods'), network: 'NODE' });
    const t0 = performance.now();
    const podId = await rt.runPodSandbox(sandbox);
    const t1 = performance.now();
    const cid = await rt.createContainer(podId, container, sandbox);
    await rt.startContainer(cid);
    const t2 = performance.now();
    await rt.stopContainer(cid, 0);
    await rt.removeContainer(cid);
    await rt.stopPodSandbox(podId);
    await rt.removePodSandbox(podId);
    return { sandbox: t1 - t0, container: t2 - t1, total: t2 - t0 };
  };
  const ctrRun = async (i: number) => {
    const t0 = performance.now();
    await execFileP('ctr', ['--address', t.socket, '--namespace', CRI_NAMESPACE, 'run', '--rm', BUILTIN_IMAGES.busybox, `${TEST_PREFIX}-ctr-${i < 0 ? "warm" : i}`, 'true'], {
      timeout: 60_000,
    });
    return performance.now() - t0;
  };

  await warm(-1);
  await ctrRun(-1);
  for (let i = 0; i < N; i++) {
    const r = await warm(i);
    sandboxMs.push(r.sandbox);
    containerMs.push(r.container);
    totalMs.push(r.total);
    ctrMs.push(await ctrRun(i));
  }
  console.log(`runtime: containerd ${t.containerd.version}, N=${N}, image ${BUILTIN_IMAGES.busybox}, host network`);
  console.log(`  CRI RunPodSandbox                      ${fmt(sandboxMs)}`);
  console.log(`  CRI CreateContainer + StartContainer   ${fmt(containerMs)}`);
  console.log(`  CRI sandbox + container (total)        ${fmt(totalMs)}`);
  console.log(`  baseline: ctr run --rm (same image)    ${fmt(ctrMs)}`);
} finally {
  await t.stop();
}
