/**
 * The service proxy with real pods (root, containerd, CNI): a `flotilla server` with its node
 * agent runs busybox httpd pods (each answering its own hostname); the EndpointSlice controller
 * publishes them; the proxy programs nftables; connections go through the ClusterIP from the host
 * and from a pod, and through the NodePort on the gateway and on 127.0.0.1; a LoadBalancer
 * Service's loadBalancerSourceRanges decide who reaches its pool address.
 *
 * (busybox's `wget -T` crashes in this image, so pods bound their requests with `timeout`.)
 * When the agent runs the proxy itself (table `proxyTableName(bridge)` present), the test uses it;
 * otherwise (until the lead wires startServiceProxy into startAgent) it runs one in this process
 * against the server (per-run table `ip flt-<hex>-proxy`, removed at the end). Traffic goes only to the
 * node's own addresses and to pod/service addresses routed onto the test node's bridge.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gatewayAddress } from '../../src/agent/network/index.js';
import { clientFromKubeconfig } from '../../src/client/index.js';
import { discardLogger } from '../../src/lib/log.js';
import { proxyTableName, removeServiceProxyTable, startServiceProxy, type RunningServiceProxy } from '../../src/proxy/index.js';
import { startServer, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';
import { httpGet } from './lib/http.js';

let server: TestServer;
let proxy: RunningServiceProxy | undefined;
let gateway = '';
const table = `flt-${randomBytes(3).toString('hex')}-proxy`;
/** A per-run LoadBalancer pool (routed onto the test node's bridge by the agent). */
const LB_POOL = `10.${randomInt(64, 127)}.${randomInt(0, 255)}.0/29`;

/** kubectl as the admin (test/e2e/lib/kube.ts's ok), a minute at most. */
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, input === undefined ? { timeoutMs: 60_000 } : { input, timeoutMs: 60_000 });

/** Polls `probe` every 300 ms until it returns a value (test/e2e/lib/kube.ts's poll). */
const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 300);


async function hostMany(host: string, port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await httpGet(host, port).catch((e: NodeJS.ErrnoException) => `ERR ${e.code ?? e.message}`));
  return out;
}

const distinct = (xs: string[]) => [...new Set(xs)].sort();

async function podNames(selector: string, ready: boolean): Promise<string[]> {
  const out = await ok(['get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([, s]) => (s === 'True') === ready)
    .map(([n]) => n!)
    .sort();
}

const deployment = (name: string, version: string, replicas: number, readiness = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web, version: ${version}}}
  template:
    metadata: {labels: {app: web, version: ${version}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: flotilla.local/busybox:1.35
        command: [sh, -c, "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]${readiness}
`;

let clusterIP = '';
let nodePort = 0;
let emptyIP = '';

before(async () => {
  server = await startServer({ agent: true, controlPlane: true, extraArgs: ['--service-lb-pool', LB_POOL] });
  const node = server.node!;
  await eventually('node Ready', async () => / Ready /.test(await ok(['get', 'node', node.name, '--no-headers'])) || undefined);
  const podCIDR = await eventually('podCIDR', async () => (await ok(['get', 'node', node.name, '-o', 'jsonpath={.spec.podCIDR}'])).trim() || undefined);
  gateway = gatewayAddress(podCIDR);
  await eventually('default service account', async () => (await server.kubectl(['get', 'sa', 'default'])).code === 0 || undefined);
  await ok(['apply', '-f', '-'], [
    deployment('web-blue', 'blue', 3),
    deployment('web-blue-unready', 'blue', 1, `
        readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1}`),
    deployment('web-green', 'green', 2),
    `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web, version: blue}
  ports: [{name: http, port: 80, targetPort: http}]
`,
    `apiVersion: v1
kind: Service
metadata: {name: nothing}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
`,
    `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: flotilla.local/busybox:1.35, command: [sleep, "3600"]}
`,
  ].join('---\n'));
  await eventually('pods Running', async () => {
    const out = await ok(['get', 'pods', '--no-headers']);
    return (out.match(/ Running /g) ?? []).length === 7 || undefined;
  }, 180_000);
  clusterIP = (await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  nodePort = Number(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
  emptyIP = (await ok(['get', 'svc', 'nothing', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const agentTable = proxyTableName(node.bridge);
  const tables = execFileSync('nft', ['list', 'tables', 'ip'], { encoding: 'utf8', timeout: 10_000 });
  if (!tables.split('\n').includes(`table ip ${agentTable}`)) proxy = await startServiceProxy({
    client: clientFromKubeconfig(server.kubeconfig, 'proxy-e2e'),
    nodeName: node.name,
    nodeIPs: [gateway],
    clusterCIDRs: [node.clusterCIDR],
    serviceCIDRs: [node.serviceCIDR],
    logger: discardLogger,
    table,
    localnetInterfaces: [node.bridge],
    mode: 'ipvs',
  });
  // Three ready blue endpoints published (the unready one only as not ready).
  await eventually('3 ready blue endpoints', async () => {
    const out = await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={range .items[*].endpoints[*]}{.conditions.ready}{"\\n"}{end}']);
    return (out.match(/true/g) ?? []).length === 3 || undefined;
  }, 60_000);
});

after(async () => {
  await proxy?.stop();
  await removeServiceProxyTable({ table });
  await server?.stop();
});

test('ClusterIP from the host spreads over the three ready blue pods and never the unready one', async () => {
  const ready = await podNames('version=blue', true);
  const unready = await podNames('version=blue', false);
  assert.equal(ready.length, 3);
  assert.equal(unready.length, 1);
  // The EndpointSlice controller and the node's proxy follow readiness asynchronously: wait until
  // the Service answers from every ready pod, then check a fresh batch.
  const end = Date.now() + 30_000;
  while (Date.now() < end && JSON.stringify(distinct(await hostMany(clusterIP, 80, 20))) !== JSON.stringify(ready)) await new Promise((r) => setTimeout(r, 300));
  const seen = distinct(await hostMany(clusterIP, 80, 60));
  assert.deepEqual(seen, ready, `seen ${seen.join(', ')}`);
});

test('ClusterIP from a pod spreads too', async () => {
  const r = await server.kubectl(['exec', 'client', '--', 'sh', '-c', `for i in $(seq 40); do timeout 2 wget -qO- http://${clusterIP}/ || echo ERR; done`], { timeoutMs: 60_000 });
  const seen = distinct(r.stdout.trim().split('\n'));
  assert.deepEqual(seen, await podNames('version=blue', true), r.stdout + r.stderr);
});

test('NodePort on the gateway address and on 127.0.0.1', async () => {
  const ready = await podNames('version=blue', true);
  assert.deepEqual(distinct(await hostMany(gateway, nodePort, 40)), ready);
  assert.deepEqual(distinct(await hostMany('127.0.0.1', nodePort, 40)), ready);
});

test('a Service whose selector matches nothing refuses at once', async () => {
  const t0 = performance.now();
  await assert.rejects(httpGet(emptyIP, 80), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  assert.ok(performance.now() - t0 < 2_000);
  const r = await server.kubectl(['exec', 'client', '--', 'sh', '-c', `timeout 3 wget -qO- http://${emptyIP}/ 2>&1; echo rc=$?`], { timeoutMs: 30_000 });
  assert.match(r.stdout, /refused/i);
});

test('blue → green: switching the selector moves new connections within about a second', async () => {
  const green = await podNames('version=green', true);
  assert.equal(green.length, 2);
  await ok(['patch', 'svc', 'web', '-p', '{"spec":{"selector":{"app":"web","version":"green"}}}']);
  const t0 = performance.now();
  const moved = await eventually('only green answers', async () => {
    const seen = distinct(await hostMany(clusterIP, 80, 6));
    return seen.every((s) => green.includes(s)) ? performance.now() - t0 : undefined;
  }, 20_000);
  const seen = distinct(await hostMany(clusterIP, 80, 30));
  assert.deepEqual(seen, green);
  console.log(`# blue → green: new connections on green ${moved.toFixed(0)} ms after the patch`);
});

test('LoadBalancer with loadBalancerSourceRanges: the node and pods outside the ranges are dropped at the LB IP; once listed they get through', async () => {
  const blue = await podNames('version=blue', true);
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web, version: blue}
  loadBalancerSourceRanges: [192.0.2.0/24]
  ports: [{name: http, port: 80, targetPort: http}]
`);
  const lbIP = await eventually('an LB address from the pool', async () => (await ok(['get', 'svc', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim() || undefined);
  // The node's traffic to the LB IP leaves from the bridge address (the gateway): not listed.
  await eventually('dropped from the node', async () => (await httpGet(lbIP, 80, 1_000).then(() => false, () => true)) || undefined, 20_000);
  const fromPod = async () => (await server.kubectl(['exec', 'client', '--', 'sh', '-c', `timeout 2 wget -qO- http://${lbIP}/ || echo ERR`], { timeoutMs: 30_000 })).stdout.trim();
  assert.equal(await fromPod(), 'ERR', 'dropped from a pod');
  const podCIDR = (await ok(['get', 'node', server.node!.name, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
  await ok(['patch', 'svc', 'web-lb', '-p', JSON.stringify({ spec: { loadBalancerSourceRanges: [`${gateway}/32`, podCIDR] } })]);
  const reached = await eventually('the node gets through once listed', async () => {
    const r = await httpGet(lbIP, 80, 1_000).catch(() => '');
    return blue.includes(r) ? r : undefined;
  }, 20_000);
  assert.ok(blue.includes(reached));
  assert.ok(blue.includes(await fromPod()), 'and the pod network');
});
