/**
 * Issue 4's faults, as root with real containerd, runc and CNI: containerd killed under running
 * pods (the agent restarts it, nothing restarts, new pods still start), the whole server (and its
 * agent) SIGKILLed and started again (running pods adopted, none twice), and deleted pods leaving
 * nothing behind: no network namespace, no pod IP in the IPAM store, no mount, no cgroup, no task.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';
import { mountsUnder } from '../support/containerd.js';

const run = promisify(execFile);
let server: TestServer;

/** kubectl as the admin, asserting success (60 s limit). */
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 250);

interface PodView {
  metadata: { name: string; uid: string };
  status: { phase?: string; podIP?: string; containerStatuses?: { containerID?: string; restartCount: number; ready: boolean }[] };
}

async function pods(selector: string): Promise<PodView[]> {
  return (JSON.parse(await ok(['get', 'pods', '-l', selector, '-o', 'json'])) as { items: PodView[] }).items;
}

const view = (ps: PodView[]) => ps.map((p) => `${p.metadata.name} ${p.status.containerStatuses?.[0]?.containerID} ${p.status.containerStatuses?.[0]?.restartCount}`).sort();

const sock = () => join(server.dataDir, 'containerd', 'containerd.sock');

/** containerd's tasks: id → pid. */
async function tasks(): Promise<Map<string, number>> {
  const { stdout } = await run('ctr', ['-a', sock(), '-n', 'k8s.io', 'task', 'ls']);
  const out = new Map<string, number>();
  for (const line of stdout.split('\n').slice(1)) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (id && pid && status === 'RUNNING') out.set(id, Number(pid));
  }
  return out;
}

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: faults}
spec:
  replicas: 2
  selector: {matchLabels: {app: faults}}
  template:
    metadata: {labels: {app: faults}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: flotilla.local/demo-app:1.0
        ports: [{containerPort: 8080}]
        resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 64Mi}}
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
        livenessProbe: {httpGet: {path: /health, port: 8080}, periodSeconds: 2}
`;

before(async () => {
  server = await startServer({ agent: true, controlPlane: true });
  await eventually('node Ready', async () => / Ready /.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined);
  await ok(['apply', '-f', '-'], DEPLOYMENT);
  await ok(['rollout', 'status', 'deploy/faults', '--timeout=90s']);
});

after(async () => {
  await server?.stop();
});

test('containerd killed under running pods: the agent restarts it, no container restarts, new pods still start', async () => {
  const before = await pods('app=faults');
  const pidFile = join(server.dataDir, 'containerd', 'containerd.pid');
  const oldPid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(oldPid, 'SIGKILL');
  await eventually('containerd restarted', async () => {
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
    return pid > 0 && pid !== oldPid && (await tasks().then(() => true, () => false));
  });
  await ok(['run', 'after-crash', '--image=flotilla.local/busybox:1.35', '--restart=Never', '--', 'sleep', '3600']);
  await ok(['wait', '--for=condition=Ready', 'pod/after-crash', '--timeout=60s']);
  // Give the agent several relists with the new containerd.
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(view(await pods('app=faults')), view(before));
  for (const p of await pods('app=faults')) assert.equal(p.status.containerStatuses?.[0]?.ready, true);
  await ok(['delete', 'pod', 'after-crash', '--grace-period=1', '--wait=true', '--timeout=30s']);
});

test('the server and its agent SIGKILLed and started again: running pods adopted, none started twice', async () => {
  const before = await pods('app=faults');
  const tasksBefore = await tasks();
  await server.crash();
  await server.restart();
  await eventually('node Ready again', async () => / Ready /.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined);
  await new Promise((r) => setTimeout(r, 4000));
  assert.deepEqual(view(await pods('app=faults')), view(before));
  const tasksAfter = await tasks();
  assert.deepEqual([...tasksAfter.keys()].sort(), [...tasksBefore.keys()].sort(), 'the same sandboxes and containers, no duplicates');
  for (const [id, pid] of tasksBefore) assert.equal(tasksAfter.get(id), pid, `task ${id} kept its process`);
});

test('deleted pods leave nothing behind: netns, pod IPs, mounts, cgroups, tasks', async () => {
  const ps = await pods('app=faults');
  const uids = ps.map((p) => p.metadata.uid);
  const ips = ps.map((p) => p.status.podIP!);
  // The pods' network namespaces, from their pause processes.
  const netns: string[] = [];
  for (const [, pid] of await tasks()) {
    const { stdout } = await run('ip', ['netns', 'identify', String(pid)]).catch(() => ({ stdout: '' }));
    if (stdout.trim()) netns.push(stdout.trim());
  }
  assert.ok(netns.length >= 2, `found the pods' netns: ${netns.join(',')}`);
  const ipamDir = join(server.dataDir, 'cni', 'ipam');
  const allocated = () => readdirSync(ipamDir, { recursive: true, encoding: 'utf8' }).map((f) => f.split('/').pop()!);
  for (const ip of ips) assert.ok(allocated().includes(ip), `${ip} allocated in ${ipamDir}`);

  await ok(['delete', 'deploy', 'faults', '--wait=true', '--timeout=60s']);
  await eventually('pods gone', async () => (await pods('app=faults')).length === 0 || undefined);
  await eventually('tasks gone', async () => (await tasks()).size === 0 || undefined, 30_000);
  const names = (await run('ip', ['netns', 'list'])).stdout;
  for (const n of new Set(netns)) assert.ok(!names.includes(n), `netns ${n} removed`);
  for (const ip of ips) assert.ok(!allocated().includes(ip), `${ip} released`);
  assert.deepEqual(mountsUnder(join(server.dataDir, 'pods')), [], 'no volume mounts left');
  for (const uid of uids) {
    for (const h of ['memory', 'cpu', 'pids']) {
      for (const qos of ['', 'burstable', 'besteffort']) {
        const dir = join('/sys/fs/cgroup', h, 'flotilla', qos, `pod${uid}`);
        assert.equal(existsSync(dir), false, `${dir} removed`);
      }
    }
  }
});
