/**
 * Issue 3 end to end: a real `flotilla server` (scheduler and controller manager in process) and
 * real `flotilla sim` processes, driven with the real kubectl: the seed's taints and labels are
 * honoured, the seed's blue-green Deployments roll out and switch, rollout status / history / undo /
 * restart and wait --for=condition=Available work, and an unplaceable pod waits with upstream's
 * exact reason until a big enough node joins.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startServer, REPO_ROOT, type TestServer } from '../support/cluster.js';

let server: TestServer;
const sims: ChildProcess[] = [];

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
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out: ${what}`);
}

before(async () => {
  server = await startServer({ controlPlane: true });
  await startSim(['--nodes', '3', '--name-prefix', 'sim-', '--zones', 'a,b,c', '--cpu', '4', '--memory', '16Gi']);
  // The seed's compute pool: labelled and tainted as nodes.yaml writes it.
  await startSim(['--nodes', '1', '--name-prefix', 'worker-node-', '--cpu', '8', '--memory', '32Gi', '--node-label', 'workload-type=compute-optimized', '--node-label', 'node.kubernetes.io/instance-type=m5.2xlarge', '--node-taint', 'workload-type=compute-optimized:NoSchedule']);
  await eventually('4 Ready nodes', async () => (await ok(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => / Ready /.test(l)).length === 4);
});

after(async () => {
  for (const s of sims) await stopSim(s);
  await server?.stop();
});

test('taints and labels from the seed: pods without the toleration never land on the tainted node; with it they can', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: taints}\n`);
  const plain = Array.from({ length: 6 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: plain-${i}, namespace: taints}\nspec:\n  containers: [{name: c, image: x}]\n`).join('---\n');
  await ok(['apply', '-f', '-'], plain);
  const pinned = `apiVersion: v1\nkind: Pod\nmetadata: {name: compute, namespace: taints}\nspec:\n  nodeSelector: {workload-type: compute-optimized}\n  tolerations: [{key: workload-type, value: compute-optimized, effect: NoSchedule}]\n  containers: [{name: c, image: x}]\n`;
  await ok(['apply', '-f', '-'], pinned);
  const untolerated = `apiVersion: v1\nkind: Pod\nmetadata: {name: wants-compute, namespace: taints}\nspec:\n  nodeSelector: {workload-type: compute-optimized}\n  containers: [{name: c, image: x}]\n`;
  await ok(['apply', '-f', '-'], untolerated);
  await eventually('7 pods placed', async () => {
    const out = await ok(['get', 'pods', '-n', 'taints', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}']);
    return out.split('\n').filter((l) => /=\S+/.test(l)).length === 7;
  });
  const placement = Object.fromEntries(
    (await ok(['get', 'pods', '-n', 'taints', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}']))
      .trim()
      .split('\n')
      .map((l) => l.split('=')),
  );
  for (let i = 0; i < 6; i++) assert.match(placement[`plain-${i}`], /^sim-/, `plain-${i} must not land on the tainted node`);
  assert.equal(placement['compute'], 'worker-node-0');
  assert.equal(placement['wants-compute'] ?? '', '');
  await eventually('FailedScheduling with the taint reason', async () => {
    const ev = await ok(['get', 'events', '-n', 'taints', '--field-selector', 'involvedObject.name=wants-compute,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
    return ev.includes("0/4 nodes are available: 1 node(s) had untolerated taint {workload-type: compute-optimized}, 3 node(s) didn't match Pod's node affinity/selector.");
  });
});

test('blue-green from the seed: both Deployments roll out, the Service selector switches, rollout tooling works', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: production}\n`);
  await ok(['apply', '-f', join(REPO_ROOT, 'test/fixtures/seed/blue-green.yaml')]);
  for (const d of ['myapp-blue', 'myapp-green']) await ok(['rollout', 'status', `deployment/${d}`, '-n', 'production', '--timeout=60s']);
  await ok(['wait', '--for=condition=Available', 'deployment/myapp-blue', 'deployment/myapp-green', '-n', 'production', '--timeout=30s']);
  const ready = await ok(['get', 'deploy', '-n', 'production', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.availableReplicas}{"\\n"}{end}']);
  assert.match(ready, /myapp-blue=5/);
  assert.match(ready, /myapp-green=5/);
  await ok(['patch', 'service', 'myapp-service', '-n', 'production', '-p', '{"spec":{"selector":{"version":"green"}}}']);
  assert.equal(await ok(['get', 'service', 'myapp-service', '-n', 'production', '-o', 'jsonpath={.spec.selector.version}']), 'green');

  // A new image, then back: history and undo.
  await ok(['set', 'image', 'deployment/myapp-green', 'myapp=myregistry.com/myapp:v1.3.1', '-n', 'production']);
  await ok(['rollout', 'status', 'deployment/myapp-green', '-n', 'production', '--timeout=60s']);
  const history = await ok(['rollout', 'history', 'deployment/myapp-green', '-n', 'production']);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  await ok(['rollout', 'undo', 'deployment/myapp-green', '-n', 'production']);
  await ok(['rollout', 'status', 'deployment/myapp-green', '-n', 'production', '--timeout=60s']);
  assert.equal(await ok(['get', 'deploy', 'myapp-green', '-n', 'production', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'myregistry.com/myapp:v1.3.0');
  await ok(['rollout', 'restart', 'deployment/myapp-blue', '-n', 'production']);
  await ok(['rollout', 'status', 'deployment/myapp-blue', '-n', 'production', '--timeout=60s']);
});

test('a pod too big for every node waits with the exact reason, and is placed once a big enough node joins', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: huge, namespace: default}\nspec:\n  containers: [{name: c, image: x, resources: {requests: {cpu: "32"}}}]\n`);
  await eventually('PodScheduled=False with the summary', async () => {
    const msg = await ok(['get', 'pod', 'huge', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']);
    return msg.startsWith('0/4 nodes are available: 1 node(s) had untolerated taint {workload-type: compute-optimized}, 3 Insufficient cpu.');
  });
  const explain = await server.kubectl(['version', '--client']); // kubectl still answers while the pod waits
  assert.equal(explain.code, 0);
  await startSim(['--nodes', '1', '--name-prefix', 'big-', '--cpu', '64', '--memory', '256Gi']);
  await eventually('huge placed on big-0', async () => (await ok(['get', 'pod', 'huge', '-o', 'jsonpath={.spec.nodeName}'])) === 'big-0', 40_000);
});

test('required zone anti-affinity spreads replicas over the three zones', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: apps/v1
kind: Deployment
metadata: {name: spread, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: spread}}
            topologyKey: topology.kubernetes.io/zone
      containers: [{name: c, image: x}]
`);
  await ok(['rollout', 'status', 'deployment/spread', '--timeout=60s']);
  const nodes = (await ok(['get', 'pods', '-l', 'app=spread', '-o', 'jsonpath={.items[*].spec.nodeName}'])).trim().split(/\s+/);
  const zoneOf = async (n: string) => ok(['get', 'node', n, '-o', 'jsonpath={.metadata.labels.topology\\.kubernetes\\.io/zone}']);
  const zones = await Promise.all(nodes.map(zoneOf));
  assert.deepEqual([...zones].sort(), ['a', 'b', 'c']);
});

test('a node that stops heartbeating: its pods are evicted after their tolerationSeconds and recreated elsewhere', async () => {
  const doomed = await startSim(['--nodes', '1', '--name-prefix', 'doomed-', '--cpu', '4', '--memory', '16Gi', '--node-label', 'pool=doomed']);
  await ok(['apply', '-f', '-'], `apiVersion: apps/v1
kind: Deployment
metadata: {name: survivor, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: survivor}}
  template:
    metadata: {labels: {app: survivor}}
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference: {matchExpressions: [{key: pool, operator: In, values: [doomed]}]}
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 1}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 1}
      containers: [{name: c, image: x}]
`);
  await ok(['rollout', 'status', 'deployment/survivor', '--timeout=60s']);
  const before = (await ok(['get', 'pods', '-l', 'app=survivor', '-o', 'jsonpath={.items[*].spec.nodeName}'])).trim().split(/\s+/);
  assert.ok(before.includes('doomed-0'), `the preferred node is used: ${before.join(',')}`);
  await stopSim(doomed); // the machine dies: no more leases
  await eventually(
    'doomed-0 unreachable and tainted NoExecute',
    async () => (await ok(['get', 'node', 'doomed-0', '-o', 'jsonpath={.spec.taints[*].key}'])).includes('node.kubernetes.io/unreachable'),
    90_000,
  );
  await eventually(
    'replacement pods Running on live nodes',
    async () => {
      const out = await ok(['get', 'pods', '-l', 'app=survivor', '-o', 'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}']);
      const live = out.trim().split('\n').filter((l) => /^\S+ Running\s*$/.test(l) && !l.startsWith('doomed-'));
      return live.length === 2;
    },
    60_000,
  );
  const events = await ok(['get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}']);
  assert.match(events, /Marking for deletion Pod default\/survivor-/);
});
