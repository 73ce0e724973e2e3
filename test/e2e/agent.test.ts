/**
 * Issue 4 end to end, as root with real containerd, runc and the CNI plugins: `flotilla server`
 * with its embedded node agent, driven with the real kubectl. The seed-like Deployment of the demo
 * app (resources, env, liveness and readiness probes) becomes Available, its pods answer on their
 * pod IPs from the host, a failing /health restarts the container, a killed container process comes
 * back, logs/exec/port-forward/cp work through the API server, bad input gets the kubelet's reasons,
 * a second `flotilla agent` joins with the token and pods on the two nodes reach each other, and
 * the server restarted under running pods adopts them (same containers, no restart).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, writeTestResolvConf, REPO_ROOT, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';

const run = promisify(execFile);
let server: TestServer;

/** kubectl as the admin, asserting success (60 s limit). */
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 250);

interface PodView {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { name: string; containerID?: string; restartCount: number; ready: boolean; state?: Record<string, { reason?: string; message?: string }> }[];
  };
}

async function pods(selector: string): Promise<PodView[]> {
  return (JSON.parse(await ok(['get', 'pods', '-l', selector, '-o', 'json'])) as { items: PodView[] }).items;
}

async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

const DEMO = (name: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: app
        image: myregistry.com/myapp:v1.2.3
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080, name: http}]
        env:
        - {name: VERSION, value: "v1.2.3"}
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        resources:
          requests: {cpu: 50m, memory: 32Mi}
          limits: {cpu: 500m, memory: 128Mi}
        livenessProbe: {httpGet: {path: /health, port: http}, periodSeconds: 2, failureThreshold: 2}
        readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1}
`;

before(async () => {
  server = await startServer({ agent: true, controlPlane: true });
  await eventually('the node is Ready', async () => /\bReady\b/.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined);
});

after(async () => {
  await server?.stop();
});

test('the node registers with the host facts and its podCIDR; the demo Deployment becomes Available and its pods answer on their IPs', async () => {
  const node = JSON.parse(await ok(['get', 'node', server.node!.name, '-o', 'json'])) as {
    spec: { podCIDR?: string };
    status: { nodeInfo: { containerRuntimeVersion: string; kernelVersion: string }; capacity: Record<string, string>; allocatable: Record<string, string>; conditions: { type: string; status: string }[] };
  };
  assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\./);
  assert.equal(node.status.capacity['pods'], '110');
  assert.ok(node.spec.podCIDR?.startsWith(server.node!.clusterCIDR.split('.').slice(0, 2).join('.')), `podCIDR ${node.spec.podCIDR} from ${server.node!.clusterCIDR}`);
  for (const t of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.ok(node.status.conditions.some((c) => c.type === t), t);

  await ok(['apply', '-f', '-'], DEMO('demo', 2));
  await ok(['rollout', 'status', 'deploy/demo', '--timeout=90s']);
  const ps = await pods('app=demo');
  assert.equal(ps.length, 2);
  for (const p of ps) {
    assert.equal(p.status.phase, 'Running');
    assert.ok(p.status.podIP, 'pod IP reported');
    const health = await httpGet(`http://${p.status.podIP}:8080/health`);
    assert.deepEqual(health, { status: 200, body: 'ok\n' });
    const hello = await httpGet(`http://${p.status.podIP}:8080/`);
    assert.match(hello.body, new RegExp(`v1\\.2\\.3 \\(${p.metadata.name}\\)`));
  }
  const [a, b] = ps;
  assert.notEqual(a!.status.podIP, b!.status.podIP);
  // Pod to pod on the same node.
  const out = await ok(['exec', a!.metadata.name, '--', 'wget', '-qO-', `http://${b!.status.podIP}:8080/health`]);
  assert.equal(out, 'ok\n');
});

test('logs, exec (exit codes, stdin), port-forward and cp through the API server', async () => {
  const [p] = await pods('app=demo');
  const name = p!.metadata.name;
  assert.match(await ok(['logs', name]), /listening on :8080/);
  assert.equal((await ok(['exec', name, '--', 'sh', '-c', 'echo $POD_NAME'])).trim(), name);
  const failed = await server.kubectl(['exec', name, '--', 'sh', '-c', 'exit 3']);
  assert.equal(failed.code, 3);
  assert.match(failed.stderr, /command terminated with exit code 3/);
  const piped = await server.kubectl(['exec', '-i', name, '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'shout\n' });
  assert.equal(piped.stdout, 'SHOUT\n');

  const local = join(server.dataDir, 'cp-in.txt');
  writeFileSync(local, 'copied in\n');
  await ok(['cp', local, `${name}:/tmp/cp.txt`]);
  assert.equal(await ok(['exec', name, '--', 'cat', '/tmp/cp.txt']), 'copied in\n');
  const back = join(server.dataDir, 'cp-out.txt');
  await ok(['cp', `${name}:/tmp/cp.txt`, back]);
  assert.equal(readFileSync(back, 'utf8'), 'copied in\n');

  const pf = spawn('kubectl', ['--kubeconfig', server.kubeconfig, 'port-forward', `pod/${name}`, ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let text = '';
    pf.stdout.on('data', (c: Buffer) => (text += c.toString()));
    const port = await eventually('port-forward listening', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text)?.[1], 20_000);
    const r = await httpGet(`http://127.0.0.1:${port}/health`);
    assert.deepEqual(r, { status: 200, body: 'ok\n' });
  } finally {
    pf.kill('SIGTERM');
  }
});

test("the node's summary API through the API server's node proxy: per-container CPU and memory from cgroups", async () => {
  const ps = await pods('app=demo');
  const summary = await eventually('stats with CPU rates', async () => {
    const s = JSON.parse(await ok(['get', '--raw', `/api/v1/nodes/${server.node!.name}/proxy/stats/summary`])) as {
      node: { nodeName: string; cpu: { usageNanoCores?: number }; memory: { workingSetBytes?: number } };
      pods: { podRef: { name: string; uid: string }; containers: { name: string; cpu?: { usageCoreNanoSeconds?: number; usageNanoCores?: number }; memory?: { workingSetBytes?: number } }[] }[];
    };
    const mine = s.pods.filter((p) => ps.some((x) => x.metadata.uid === p.podRef.uid));
    return mine.length === ps.length && mine.every((p) => p.containers[0]?.cpu?.usageNanoCores !== undefined) ? { ...s, mine } : undefined;
  }, 40_000);
  assert.equal(summary.node.nodeName, server.node!.name);
  assert.ok((summary.node.memory.workingSetBytes ?? 0) > 0);
  for (const p of summary.mine) {
    const c = p.containers.find((x) => x.name === 'app');
    assert.ok(c, `container app in ${p.podRef.name}`);
    assert.ok((c.cpu?.usageCoreNanoSeconds ?? 0) > 0, 'cumulative CPU');
    assert.ok((c.memory?.workingSetBytes ?? 0) > 100_000, `working set ${c.memory?.workingSetBytes}`);
  }
  const missing = await server.kubectl(['get', '--raw', `/api/v1/nodes/${server.node!.name}/proxy/no/such/path`]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /NotFound/);
});

test('a failing liveness probe restarts the container; readiness failures take the pod out of Ready', async () => {
  const [p] = await pods('app=demo');
  const name = p!.metadata.name;
  const before = p!.status.containerStatuses![0]!;
  await ok(['exec', name, '--', 'touch', '/tmp/unready']);
  await eventually('pod not ready', async () => (await pods('app=demo')).find((x) => x.metadata.name === name)?.status.containerStatuses?.[0]?.ready === false || undefined, 20_000);
  await ok(['exec', name, '--', 'touch', '/tmp/unhealthy']);
  const after = await eventually('restarted after liveness failure', async () => {
    const cs = (await pods('app=demo')).find((x) => x.metadata.name === name)?.status.containerStatuses?.[0];
    return cs && cs.restartCount > before.restartCount && cs.ready ? cs : undefined;
  });
  assert.notEqual(after.containerID, before.containerID);
  const events = await ok(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'custom-columns=REASON:.reason,MSG:.message', '--no-headers']);
  assert.match(events, /Unhealthy\s+Liveness probe failed: HTTP probe failed with statuscode: 500/);
  assert.match(events, /Killing\s+Container app failed liveness probe, will be restarted/);
});

test("a container's process killed from the host is brought back", async () => {
  const [p] = await pods('app=demo');
  const cs = p!.status.containerStatuses![0]!;
  const id = cs.containerID!.replace('containerd://', '');
  const sock = join(server.dataDir, 'containerd', 'containerd.sock');
  const { stdout } = await run('ctr', ['-a', sock, '-n', 'k8s.io', 'task', 'ls']);
  const pid = stdout.split('\n').find((l) => l.startsWith(id))?.split(/\s+/)[1];
  assert.ok(pid && /^\d+$/.test(pid), `task of ${id} in:\n${stdout}`);
  process.kill(Number(pid), 'SIGKILL');
  const now = await eventually('container restarted', async () => {
    const c = (await pods('app=demo')).find((x) => x.metadata.name === p!.metadata.name)?.status.containerStatuses?.[0];
    return c && c.restartCount > cs.restartCount && c.ready ? c : undefined;
  });
  assert.ok((now.state?.['running'] ?? undefined) !== undefined);
});

test("bad input gets the kubelet's reasons: missing image, missing command, missing ConfigMap key", async () => {
  await ok(['run', 'noimage', '--image=flotilla.local/does-not-exist:1', '--restart=Never']);
  await eventually('ErrImagePull then ImagePullBackOff', async () => {
    const w = (await pods('run=noimage'))[0]?.status.containerStatuses?.[0]?.state?.['waiting'];
    return w && /ImagePullBackOff|ErrImagePull/.test(w.reason ?? '') ? w : undefined;
  });
  const ev = await ok(['get', 'events', '--field-selector', 'involvedObject.name=noimage', '-o', 'custom-columns=REASON:.reason,MSG:.message', '--no-headers']);
  assert.match(ev, /Failed\s+Failed to pull image "flotilla.local\/does-not-exist:1"/);

  await ok(['run', 'nocmd', '--image=flotilla.local/busybox:1.35', '--restart=Never', '--command', '--', '/no/such/binary']);
  const nocmd = await eventually('the missing command is reported', async () => {
    const cs = (await pods('run=nocmd'))[0]?.status.containerStatuses?.[0];
    const st = cs?.state?.['waiting'] ?? cs?.state?.['terminated'];
    return st && /no such file|not found/i.test(st.message ?? '') ? st : undefined;
  });
  assert.match(nocmd.reason ?? '', /CreateContainerError|StartError|RunContainerError|ContainerCannotRun/);

  await ok(['create', 'configmap', 'cfg', '--from-literal=present=1']).catch(async () => ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {present: "1"}\n'));
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: nokey}
spec:
  containers:
  - name: c
    image: flotilla.local/busybox:1.35
    command: [sleep, "3600"]
    env: [{name: X, valueFrom: {configMapKeyRef: {name: cfg, key: absent}}}]
`);
  const w = await eventually('CreateContainerConfigError', async () => {
    const st = (JSON.parse(await ok(['get', 'pod', 'nokey', '-o', 'json'])) as PodView).status.containerStatuses?.[0]?.state?.['waiting'];
    return st?.reason === 'CreateContainerConfigError' ? st : undefined;
  });
  assert.equal(w.message, "couldn't find key absent in ConfigMap default/cfg");
  await ok(['delete', 'pod', 'noimage', 'nocmd', 'nokey', '--wait=false']);
});

test('a second node joins with `flotilla agent --server --token`; pods on the two nodes reach each other', async () => {
  const tag = randomBytes(3).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'flt-agent2-'));
  const bridge = `flb${tag}`;
  const name = `flt-node2-${tag}`;
  const token = readFileSync(join(server.dataDir, 'token'), 'utf8').trim();
  const agent: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'bin/flotilla.js'), 'agent', '--server', server.url, '--token', token, '--data-dir', dataDir, '--node-name', name, '--bridge', bridge, '--kubelet-port', '0', '--node-label', 'second=yes', '--node-label', 'node-role.kubernetes.io/worker=', '--node-taint', 'workload-type=compute-optimized:NoSchedule', '--resolv-conf', writeTestResolvConf(dataDir)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  agent.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  agent.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  try {
    await eventually(`node ${name} Ready`, async () => / Ready /.test(await ok(['get', 'node', name, '--no-headers'])) || undefined, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\nagent output:\n${log}`);
    });
    // The seed's worker flags: the role label is applied by the server (NodeRestriction keeps the
    // node from setting it), the taint by the node when it registers.
    await eventually('role label applied', async () => / worker /.test(await ok(['get', 'node', name, '--no-headers'])) || undefined, 20_000);
    const taints = JSON.parse(await ok(['get', 'node', name, '-o', 'jsonpath={.spec.taints}'])) as { key: string; value: string; effect: string }[];
    assert.deepEqual(taints, [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }]);
    await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: far, labels: {app: far}}
spec:
  nodeSelector: {second: "yes"}
  tolerations: [{key: workload-type, operator: Equal, value: compute-optimized, effect: NoSchedule}]
  containers:
  - {name: app, image: flotilla.local/demo-app:1.0, ports: [{containerPort: 8080}], readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}}
`);
    await ok(['wait', '--for=condition=Ready', 'pod/far', '--timeout=60s']);
    const far = (await pods('app=far'))[0]!;
    assert.equal(far.spec.nodeName, name);
    const [near] = await pods('app=demo');
    assert.notEqual(near!.spec.nodeName, name);
    assert.equal(await ok(['exec', near!.metadata.name, '--', 'wget', '-qO-', `http://${far.status.podIP}:8080/health`]), 'ok\n');
    assert.equal(await ok(['exec', 'far', '--', 'wget', '-qO-', `http://${near!.status.podIP}:8080/health`]), 'ok\n');
    assert.equal((await ok(['logs', 'far'])).includes('listening on :8080'), true);
    await ok(['delete', 'pod', 'far', '--wait=true', '--timeout=30s']);
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => (agent.exitCode !== null ? r(null) : agent.once('exit', r)));
    const { killall } = await import('../../src/agent/killall.js');
    const { discardLogger } = await import('../../src/lib/log.js');
    await killall({ dataDir, bridge, logger: discardLogger });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the server restarted under running pods adopts them: same containers, no restarts', async () => {
  const before = await pods('app=demo');
  // A stream left open (kubectl exec -i with stdin never closed) must not hold the shutdown.
  const open = spawn('kubectl', ['--kubeconfig', server.kubeconfig, 'exec', '-i', before[0]!.metadata.name, '--', 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
  open.stdin!.write('still here\n');
  await eventually('the open exec echoes', async () => new Promise<boolean>((r) => open.stdout!.once('data', () => r(true))), 20_000);
  const stopped = await server.restart();
  assert.equal(stopped.killed, false, `the server stopped on SIGTERM with a stream open (${stopped.ms} ms)`);
  open.kill('SIGKILL');
  await eventually('node Ready again', async () => / Ready /.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined);
  // Give the agent a few syncs to prove it leaves them alone.
  await new Promise((r) => setTimeout(r, 4000));
  const afterPods = await pods('app=demo');
  const view = (ps: PodView[]) => ps.map((p) => [p.metadata.name, p.status.containerStatuses?.[0]?.containerID, p.status.containerStatuses?.[0]?.restartCount]).sort();
  assert.deepEqual(view(afterPods), view(before));
  for (const p of afterPods) assert.deepEqual(await httpGet(`http://${p.status.podIP}:8080/health`), { status: 200, body: 'ok\n' });
});
