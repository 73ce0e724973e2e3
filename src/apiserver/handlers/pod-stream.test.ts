/**
 * pods/log end to end: real kubectl (current and 1.27) → apiserver → kubelet server (TLS, client
 * certificate) → CRI log files on disk, with a fake runtime that only reports log paths and
 * running states.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKubectl } from '../../../test/support/cluster.js';
import { startStreamCluster, type StreamCluster } from '../../agent/streaming/testing/stream-cluster.js';
import type { ContainerStatus } from '../../agent/runtime/cri-types.js';
import { agentErrorToApiError, chooseUpgradeMode, kubeletEndpoint, resolveContainer } from './pod-stream.js';
import { issueClientCertificate } from '../tls/index.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import type { V1Node } from '../../api/core/v1/node.js';

const KUBECTL_127 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';
let c: StreamCluster;
const running = new Map<string, boolean>();
const logPath = (id: string) => join(c.dir, 'pods', `${id}.log`);

const fakeRuntime = {
  async containerStatus(id: string): Promise<ContainerStatus> {
    if (!running.has(id)) throw new Error(`container "${id}" not found`);
    return { id, state: running.get(id) ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED', logPath: logPath(id) } as ContainerStatus;
  },
  exec: () => Promise.reject(new Error('not in this test')),
  attach: () => Promise.reject(new Error('not in this test')),
  portForward: () => Promise.reject(new Error('not in this test')),
  listPodSandbox: async () => [],
};

const now = Date.now();
const ts = (msAgo: number) => new Date(now - msAgo).toISOString().replace('Z', '123456Z');

before(async () => {
  c = await startStreamCluster({
    runtime: fakeRuntime,
    follow: { pollMs: 20, stateCheckMs: 50 },
    statsSummary: async () => ({ node: { nodeName: 'flt-node', cpu: { usageNanoCores: 1 } }, pods: [] }),
  });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(c.dir, 'pods'));
  writeFileSync(logPath('old'), `${ts(7_200_000)} stdout F previous attempt\n`);
  writeFileSync(
    logPath('cur'),
    [`${ts(7_200_000)} stdout F two hours ago`, `${ts(60_000)} stderr F a minute ago`, `${ts(1000)} stdout P part`, `${ts(1000)} stdout F ial`].join('\n') + '\n',
  );
  running.set('old', false).set('cur', true);
  await c.createPod(
    { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
    {
      phase: 'Running',
      containerStatuses: [
        { name: 'app', containerID: 'containerd://cur', state: { running: {} }, lastState: { terminated: { containerID: 'containerd://old', exitCode: 1 } }, ready: true, restartCount: 1, image: 'busybox', imageID: '' },
      ],
    },
  );
  await c.createPod(
    { metadata: { name: 'waiting' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
    { phase: 'Pending', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, ready: false, restartCount: 0, image: 'busybox', imageID: '' }] },
  );
  await c.createPod({ metadata: { name: 'two' }, spec: { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] } });
});

after(async () => {
  await c?.close();
});

const kubectl = (args: string[], binary?: string, timeoutMs?: number) => runKubectl(c.kubeconfig, c.dir, args, { binary, timeoutMs });

test('kubectl logs: whole log, --previous, --tail, --timestamps, --limit-bytes, --since', async () => {
  let r = await kubectl(['logs', 'web']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'two hours ago\na minute ago\npartial\n');
  r = await kubectl(['logs', 'web', '-c', 'app', '--previous']);
  assert.equal(r.stdout, 'previous attempt\n');
  r = await kubectl(['logs', 'web', '--tail=2']);
  assert.equal(r.stdout, 'partial\n');
  r = await kubectl(['logs', 'web', '--tail=1', '--timestamps']);
  assert.equal(r.stdout, `${ts(1000)} ial\n`);
  r = await kubectl(['logs', 'web', '--limit-bytes=5']);
  assert.equal(r.stdout, 'two h');
  r = await kubectl(['logs', 'web', '--since=1h']);
  assert.equal(r.stdout, 'a minute ago\npartial\n');
  r = await kubectl(['logs', 'web', '--since-time', new Date(now - 30_000).toISOString()]);
  assert.equal(r.stdout, 'partial\n');
});

test('kubectl logs errors: waiting container, unknown container, no previous, bad options', async () => {
  let r = await kubectl(['logs', 'waiting']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Error from server \(BadRequest\): container "app" in pod "waiting" is waiting to start: ContainerCreating/);
  r = await kubectl(['logs', 'web', '-c', 'nope']);
  assert.match(r.stderr, /container nope is not valid for pod web/);
  r = await kubectl(['logs', 'waiting', '--previous']);
  assert.match(r.stderr, /previous terminated container "app" in pod "waiting" not found/);
  r = await kubectl(['logs', 'missing']);
  assert.match(r.stderr, /pods "missing" not found/);
  const direct = await c.request('GET', '/api/v1/namespaces/default/pods/two/log');
  assert.equal(direct.status, 400);
  assert.match(direct.text, /a container name must be specified for pod two, choose one of: \[a b\]/);
  const neg = await c.request('GET', '/api/v1/namespaces/default/pods/web/log?tailLines=-1');
  assert.equal(neg.status, 422);
  assert.match(neg.text, /PodLogOptions \\"web\\" is invalid: tailLines: Invalid value: -1/);
});

test('kubectl logs -f streams new lines and ends when the container exits', async () => {
  running.set('f1', true);
  writeFileSync(logPath('f1'), `${ts(0)} stdout F hello\n`);
  await c.createPod(
    { metadata: { name: 'follow' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
    { phase: 'Running', containerStatuses: [{ name: 'app', containerID: 'containerd://f1', state: { running: {} }, ready: true, restartCount: 0, image: 'busybox', imageID: '' }] },
  );
  const p = kubectl(['logs', '-f', 'follow'], undefined, 20_000);
  await new Promise((r) => setTimeout(r, 700));
  appendFileSync(logPath('f1'), `${ts(0)} stdout F world\n`);
  await new Promise((r) => setTimeout(r, 300));
  appendFileSync(logPath('f1'), `${ts(0)} stderr F bye\n`);
  running.set('f1', false);
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello\nworld\nbye\n');
});

test('kubectl 1.27 logs --tail', { skip: !existsSync(KUBECTL_127) && `${KUBECTL_127} missing` }, async () => {
  const r = await kubectl(['logs', 'web', '--tail=2'], KUBECTL_127);
  assert.equal(r.stdout, 'partial\n', r.stderr);
});

test('the kubelet server refuses clients without a certificate from the cluster CA', async () => {
  const { request } = await import('node:https');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: c.kubeletPort, path: '/containerLogs/default/web/app', ca: c.ca.certPem, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 401);
});

test('pure helpers: container defaulting, node endpoint, agent error mapping', () => {
  const pod = { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }] } } as V1Pod;
  assert.equal(resolveContainer(pod, undefined), 'a');
  assert.equal(resolveContainer(pod, 'i'), 'i');
  assert.throws(() => resolveContainer({ metadata: { name: 'p' }, spec: { containers: [] } } as unknown as V1Pod, undefined), /a container name must be specified for pod p$/);
  assert.deepEqual(kubeletEndpoint({ metadata: { name: 'n' }, status: { addresses: [{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '10.0.0.1' }] } } as V1Node), { host: '10.0.0.1', port: 10250 });
  assert.throws(() => kubeletEndpoint({ metadata: { name: 'n' }, status: {} } as V1Node), /no preferred addresses found/);
  assert.equal(agentErrorToApiError(400, 'boom', 'pods/log', 'p').message, 'boom');
  assert.equal(agentErrorToApiError(500, 'boom', 'pods/log', 'p').message, 'Internal error occurred: boom');
  assert.equal(agentErrorToApiError(404, 'x', 'pods/log', 'p').message, 'the server could not find the requested resource ( pods/log p)');
  assert.equal(agentErrorToApiError(403, 'Forbidden', 'pods/log', 'p').code, 403);
});

test('chooseUpgradeMode: SPDY proxied, v5 translated, SPDY tunnel for port-forward, runtime WebSocket protocols proxied, others refused', () => {
  const h = (upgrade: string, protocols?: string) => ({ upgrade, ...(protocols === undefined ? {} : { 'sec-websocket-protocol': protocols }) });
  assert.deepEqual(chooseUpgradeMode('exec', h('SPDY/3.1')), { kind: 'proxy', protocol: 'spdy' });
  assert.deepEqual(chooseUpgradeMode('portforward', h('SPDY/3.1')), { kind: 'proxy', protocol: 'spdy' });
  assert.deepEqual(chooseUpgradeMode('exec', h('websocket', 'v5.channel.k8s.io')), { kind: 'translate-v5' });
  assert.deepEqual(chooseUpgradeMode('attach', h('websocket', 'v4.channel.k8s.io, v5.channel.k8s.io')), { kind: 'translate-v5' });
  assert.deepEqual(chooseUpgradeMode('exec', h('websocket', 'v4.channel.k8s.io')), { kind: 'proxy', protocol: 'websocket' });
  assert.deepEqual(chooseUpgradeMode('portforward', h('websocket', 'SPDY/3.1+portforward.k8s.io')), { kind: 'tunnel', protocols: ['portforward.k8s.io'] });
  assert.deepEqual(chooseUpgradeMode('portforward', h('websocket', 'v4.channel.k8s.io')), { kind: 'proxy', protocol: 'websocket' });
  assert.equal(chooseUpgradeMode('exec', h('websocket', 'v9.channel.k8s.io')).kind, 'refuse');
  assert.equal(chooseUpgradeMode('exec', h('h2c')).kind, 'refuse');
});

test("kubectl exec into a container that is not running: the node agent's error reaches the user (v5 translated and SPDY)", async () => {
  let r = await kubectl(['exec', 'waiting', '--', 'true']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Internal error occurred: unable to upgrade connection: container not found \("app"\)/);
  if (existsSync(KUBECTL_127)) {
    r = await kubectl(['exec', 'waiting', '--', 'true'], KUBECTL_127);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unable to upgrade connection: container not found \("app"\)/);
  }
  r = await kubectl(['exec', 'web', '-c', 'nope', '--', 'true']);
  assert.match(r.stderr, /container nope is not valid for pod web/);
});

test("kubelet server GET /stats/summary: JSON for the apiserver's client, 403 for other users, subresource stats", async () => {
  const { request } = await import('node:https');
  const get = (cert: { certPem: string; keyPem: string }) =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: c.kubeletPort, path: '/stats/summary', ca: c.ca.certPem, cert: cert.certPem, key: cert.keyPem, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
  const ok = await get(c.client);
  assert.equal(ok.status, 200);
  assert.equal(ok.type, 'application/json');
  assert.deepEqual(JSON.parse(ok.body), { node: { nodeName: 'flt-node', cpu: { usageNanoCores: 1 } }, pods: [] });
  const other = await get(await issueClientCertificate(c.ca, { commonName: 'someone' }));
  assert.equal(other.status, 403);
  assert.match(other.body, /subresource\(s\)=\[stats\]/);
});

test('kubectl port-forward to a pod without a ready sandbox: the node agent refusal reaches the user (tunnel and SPDY)', async () => {
  for (const binary of [undefined, ...(existsSync(KUBECTL_127) ? [KUBECTL_127] : [])]) {
    const r = await kubectl(['port-forward', 'pod/web', '0:8080'], binary, 20_000);
    assert.equal(r.code, 1, `${binary ?? 'kubectl'}: ${r.stderr}`);
    assert.match(r.stderr, /unable to upgrade connection: pod not found \("web_default"\)/);
  }
});
