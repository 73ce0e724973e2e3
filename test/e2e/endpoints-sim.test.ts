/**
 * Issue 5 item 1 end to end: a real `flotilla server` (controller manager in process) and a real
 * `flotilla sim` with two nodes in two zones, driven with the real kubectl. A Deployment behind a
 * Service with a named targetPort: `kubectl get endpointslices` / `endpoints` follow scale up and
 * down, a crash-looping pod shows up as not ready, topology hints appear with the topology-mode
 * annotation, and deleting the Service removes its Endpoints and (garbage collector) its slices.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startServer, REPO_ROOT, type TestServer } from '../support/cluster.js';

let server: TestServer;
const sims: ChildProcess[] = [];
const NS = `flt-ep-${Math.random().toString(36).slice(2, 8)}`;

function startSim(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/flotilla.js'), 'sim', '--kubeconfig', server.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  sims.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sim did not register its nodes in 20 s:\n${out}`)), 20_000);
    const check = setInterval(() => {
      if (/registered \d+\/\d+ nodes|nodes registered|ready/i.test(out)) {
        clearInterval(check);
        clearTimeout(t);
        resolve(child);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(t);
      reject(new Error(`sim exited with ${code}:\n${out}`));
    });
  });
}

async function stopSim(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await server.kubectl(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function eventually(what: string, cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      if (await cond()) return;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out: ${what} ${last}`);
}

/** name=ready per endpoint of the Service's slices, sorted. */
async function sliceEndpoints(): Promise<string[]> {
  const out = await ok(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={range .items[*].endpoints[*]}{.targetRef.name}={.conditions.ready}{"\\n"}{end}']);
  return out.split('\n').filter(Boolean).sort();
}

async function endpointsAddresses(): Promise<{ ready: number; notReady: number }> {
  const ready = await ok(['get', 'endpoints', 'web', '-n', NS, '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
  const notReady = await ok(['get', 'endpoints', 'web', '-n', NS, '-o', 'jsonpath={.subsets[*].notReadyAddresses[*].ip}']);
  const count = (s: string) => s.split(/\s+/).filter(Boolean).length;
  return { ready: count(ready), notReady: count(notReady) };
}

before(async () => {
  server = await startServer({ controlPlane: true });
  await startSim(['--nodes', '2', '--name-prefix', `${NS}-`, '--zones', 'za,zb', '--cpu', '4', '--memory', '16Gi']);
  await eventually('2 Ready nodes', async () => (await ok(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => / Ready /.test(l)).length >= 2);
  await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n`);
});

after(async () => {
  for (const s of sims) await stopSim(s);
  await server?.stop();
});

test('EndpointSlices and Endpoints follow a Deployment behind a Service: scale, readiness, hints, deletion', async () => {
  await ok(
    ['apply', '-n', NS, '-f', '-'],
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`,
  );
  await eventually('3 ready endpoints', async () => (await sliceEndpoints()).filter((e) => e.endsWith('=true')).length === 3);
  const table = await ok(['get', 'endpointslices', '-n', NS]);
  assert.match(table, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE/);
  assert.match(table, /^web-[a-z0-9]{5}\s+IPv4\s+8080\s+\S+/m);
  const labels = await ok(['get', 'endpointslices', '-n', NS, '-o', 'jsonpath={.items[0].metadata.labels}']);
  assert.match(labels, /"endpointslice.kubernetes.io\/managed-by":"endpointslice-controller.k8s.io"/);
  await eventually('Endpoints with 3 addresses on port 8080', async () => (await endpointsAddresses()).ready === 3 && (await ok(['get', 'endpoints', 'web', '-n', NS, '-o', 'jsonpath={.subsets[0].ports[0].port}'])) === '8080');
  assert.match(await ok(['get', 'endpoints', 'web', '-n', NS]), /^web\s+(\d+\.\d+\.\d+\.\d+:8080,?){3}\s/m);

  await ok(['scale', 'deployment/web', '-n', NS, '--replicas=6']);
  await eventually('6 ready endpoints', async () => (await sliceEndpoints()).filter((e) => e.endsWith('=true')).length === 6);
  await eventually('Endpoints with 6', async () => (await endpointsAddresses()).ready === 6);

  await ok(['scale', 'deployment/web', '-n', NS, '--replicas=2']);
  await eventually('2 endpoints after scale down', async () => (await sliceEndpoints()).length === 2, 40_000);
  await eventually('Endpoints with 2', async () => (await endpointsAddresses()).ready === 2);

  // A pod that crash-loops (the sim's fail annotation) is listed as not ready during its back-off.
  await ok(
    ['apply', '-n', NS, '-f', '-'],
    `apiVersion: v1
kind: Pod
metadata: {name: flaky, labels: {app: web}, annotations: {sim.flotilla.dev/fail: "true", sim.flotilla.dev/run-seconds: "1"}}
spec:
  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]
`,
  );
  await eventually('flaky not ready in the slice', async () => (await sliceEndpoints()).includes('flaky=false'), 30_000);
  await eventually('flaky in notReadyAddresses', async () => (await endpointsAddresses()).notReady === 1);
  await ok(['delete', 'pod', 'flaky', '-n', NS, '--wait=false']);

  // Topology hints with the annotation: two zones of equal CPU, enough endpoints.
  await ok(['scale', 'deployment/web', '-n', NS, '--replicas=4']);
  await ok(['annotate', 'service', 'web', '-n', NS, 'service.kubernetes.io/topology-mode=Auto']);
  await eventually('zone hints on every ready endpoint', async () => {
    const out = await ok(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={range .items[*].endpoints[*]}{.conditions.ready}/{.hints.forZones[0].name}{"\\n"}{end}']);
    const lines = out.split('\n').filter((l) => l.startsWith('true/'));
    return lines.length === 4 && lines.every((l) => /^true\/z[ab]$/.test(l));
  });

  await ok(['delete', 'service', 'web', '-n', NS]);
  await eventually('Endpoints gone', async () => (await server.kubectl(['get', 'endpoints', 'web', '-n', NS])).code !== 0);
  await eventually('slices garbage-collected', async () => (await ok(['get', 'endpointslices', '-n', NS, '-o', 'name'])).trim() === '');
  await ok(['delete', 'namespace', NS, '--wait=false']);
});
