/**
 * Pod volumes end to end against the real server: `flotilla server` (main.ts from source, control
 * plane on, no agent) in a child process on 127.0.0.1 and a temp data dir, a node identity joined
 * with the server's token, and createPodVolumes over that node's HTTPS client, as root with real
 * tmpfs mounts. Checks the server side of the default service-account volume (kube-root-ca.crt in
 * every namespace, the kube-api-access volume added to pods, TokenRequest bound to a pod) and the
 * agent side (configMap items and modes, secret on tmpfs, the projected token a valid JWT naming
 * the pod, a ConfigMap update reaching the files within the refresh period, teardown unmounting
 * everything). Everything is named flt-<run>-* and removed at the end, also on failure.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import { joinCluster } from '../join/index.js';
import { clientFromKubeconfig } from '../../client/http-client.js';
import { R, type Client } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';
import { createPodVolumes, type AgentPodVolumes } from './pod-volumes.js';
import { systemMounter } from './manager.js';

if (process.getuid?.() !== 0) throw new Error('agent/volumes pod-volumes test needs root (tmpfs mounts): run it as root');

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const run = `flt-${randomBytes(3).toString('hex')}`;
const NODE = `${run}-node`;
const NS = `${run}-ns`;
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
}
const getOrUndefined = async <T extends KubeObject>(c: Client, gvr: (typeof R)[keyof typeof R], ns: string, name: string): Promise<T | undefined> => {
  try {
    return await c.get<T>(gvr, ns, name);
  } catch (e) {
    if (isApiError(e) && e.reason === 'NotFound') return undefined;
    throw e;
  }
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let root = '';
let dataDir = '';
let server: ChildProcess | undefined;
const serverOut: string[] = [];
let admin: Client;
let node: Client;
let volumes: AgentPodVolumes | undefined;
let podsDir = '';

before(async () => {
  root = await mkdtemp(`/tmp/${run}-`);
  dataDir = join(root, 'server');
  podsDir = join(root, 'agent-pods');
  const port = await freePort();
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const script = "const { main } = await import('./src/cmd/flotilla/main.ts'); process.exitCode = await main(process.argv.slice(1));";
  server = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, 'server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--secure-port', String(port), '--write-kubeconfig', kubeconfig, '--disable-agent'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout!.setEncoding('utf8').on('data', (d: string) => serverOut.push(d));
  server.stderr!.setEncoding('utf8').on('data', (d: string) => serverOut.push(d));
  await eventually(
    'flotilla server ready',
    async () => {
      if (server!.exitCode !== null) throw new Error(`server exited ${server!.exitCode}:\n${serverOut.join('')}`);
      return serverOut.join('').includes('Flotilla is ready') ? true : undefined;
    },
    90_000,
  ).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${serverOut.join('').slice(-4000)}`);
  });
  admin = clientFromKubeconfig(kubeconfig, `${run}-admin`);
  const joined = await joinCluster({ server: `https://127.0.0.1:${port}`, token: readFileSync(join(dataDir, 'token'), 'utf8').trim(), nodeName: NODE, dataDir: join(root, 'agent') });
  node = clientFromKubeconfig(joined.kubeconfigPath, `flotilla-agent/${NODE}`);
  // The node registers itself (NodeRestriction: its own Node only), so PodGC keeps its pods.
  await node.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
  await admin.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

after(async () => {
  await volumes?.stop();
  if (podsDir) {
    for (const m of (await systemMounter.mountPoints()).filter((p) => p.startsWith(root + '/')).reverse()) await systemMounter.unmount(m).catch(() => undefined);
  }
  if (server && server.exitCode === null && server.pid !== undefined) {
    const exited = new Promise((r) => server!.once('exit', r));
    process.kill(server.pid, 'SIGTERM');
    const killer = setTimeout(() => server?.pid !== undefined && server.exitCode === null && process.kill(server.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
  if (root) await rm(root, { recursive: true, force: true });
});

const caPem = () => readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8');

test('every namespace gets kube-root-ca.crt holding the cluster CA', async () => {
  for (const ns of ['default', 'kube-system', NS]) {
    const cm = await eventually(`kube-root-ca.crt in ${ns}`, () => getOrUndefined<KubeObject & { data?: Record<string, string> }>(admin, R.configmaps, ns, 'kube-root-ca.crt'));
    assert.deepEqual(cm.data, { 'ca.crt': caPem() });
    assert.match(cm.metadata.annotations?.['kubernetes.io/description'] ?? '', /CA bundle/);
  }
  // Removed, it comes back.
  await admin.delete(R.configmaps, NS, 'kube-root-ca.crt');
  await eventually('kube-root-ca.crt recreated', () => getOrUndefined(admin, R.configmaps, NS, 'kube-root-ca.crt'));
});

let pod: V1Pod;

test('a pod gets the kube-api-access projected volume and read-only mounts; TokenRequest bound to it works for its node', async () => {
  await admin.create(R.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { 'app.properties': 'color=blue\n', other: 'x' } } as KubeObject);
  await admin.create(R.secrets, NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret' }, data: { password: Buffer.from('hunter2').toString('base64') } } as KubeObject);
  pod = await admin.create<V1Pod>(R.pods, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
    spec: {
      nodeName: NODE,
      initContainers: [{ name: 'init', image: 'flotilla.local/busybox:1.35' }],
      containers: [
        {
          name: 'app',
          image: 'flotilla.local/busybox:1.35',
          volumeMounts: [
            { name: 'config', mountPath: '/etc/app' },
            { name: 'secret', mountPath: '/etc/secret' },
            { name: 'scratch', mountPath: '/data', subPath: 'app/data' },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'app-config', defaultMode: 0o640, items: [{ key: 'app.properties', path: 'conf/app.properties' }] } },
        { name: 'secret', secret: { secretName: 'app-secret', defaultMode: 0o400 } },
        { name: 'scratch', emptyDir: {} },
      ],
    },
  } as V1Pod);
  const spec = pod.spec!;
  assert.equal(spec.serviceAccountName, 'default');
  const api = spec.volumes!.filter((v) => v.name?.startsWith('kube-api-access-'));
  assert.equal(api.length, 1, JSON.stringify(spec.volumes));
  assert.match(api[0]!.name!, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(api[0]!.projected, {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
  for (const c of [...spec.initContainers!, ...spec.containers!]) {
    assert.deepEqual(
      c.volumeMounts!.find((m) => m.mountPath === SA_DIR),
      { name: api[0]!.name, readOnly: true, mountPath: SA_DIR },
      c.name,
    );
  }

  // A pod that opts out gets nothing.
  const bare = await admin.create<V1Pod>(R.pods, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'bare' },
    spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'x' }] },
  } as V1Pod);
  assert.equal(bare.spec!.volumes, undefined);

  // TokenRequest as the node, bound to its pod (the account comes from the ServiceAccount controller).
  await eventually('default service account', () => getOrUndefined(admin, R.serviceaccounts, NS, 'default'));
  const tr = (await node.post(R.serviceaccounts, NS, 'default', 'token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: pod.metadata.uid } },
  })) as { status: { token: string; expirationTimestamp: string } };
  const claims = verifiedClaims(tr.status.token);
  assert.equal(claims['sub'], `system:serviceaccount:${NS}:default`);
  assert.deepEqual((claims['kubernetes.io'] as Record<string, unknown>)['pod'], { name: 'web', uid: pod.metadata.uid });
  assert.equal(((claims['kubernetes.io'] as Record<string, unknown>)['node'] as { name?: string } | undefined)?.name, NODE, "the pod's node is named");
  // Not bound to its own pod: NodeRestriction refuses.
  await assert.rejects(node.post(R.serviceaccounts, NS, 'default', 'token', { spec: {} }), (e: unknown) => isApiError(e) && e.code === 403);
});

/** The claims of a JWT signed with the server's service-account key (ES256), after checking the signature. */
function verifiedClaims(jwt: string): Record<string, unknown> {
  const [h, p, s] = jwt.split('.');
  assert.ok(h && p && s, 'three JWT parts');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg: string };
  assert.equal(header.alg, 'ES256');
  const key = createPublicKey(readFileSync(join(dataDir, 'tls', 'service-account.key'), 'utf8'));
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')), 'signature verifies with the service-account key');
  return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
}

test('createPodVolumes against the server: configMap items and modes, secret on tmpfs, token JWT naming the pod, live update, teardown', async () => {
  assert.ok(pod, 'the previous test created the pod');
  volumes = createPodVolumes({ client: node, podsDir, refreshIntervalMs: 1000, cacheTtlMs: 500 });
  const ready = await eventually('volumes set up', async () => {
    const r = await volumes!.setup(pod);
    return 'error' in r ? undefined : r;
  });
  const uid = pod.metadata.uid!;
  const apiName = pod.spec!.volumes!.find((v) => v.name?.startsWith('kube-api-access-'))!.name!;
  const base = join(podsDir, uid, 'volumes');
  const cfg = join(base, 'kubernetes.io~configmap', 'config');
  const sec = join(base, 'kubernetes.io~secret', 'secret');
  const proj = join(base, 'kubernetes.io~projected', apiName);

  assert.equal(await readFile(join(cfg, 'conf/app.properties'), 'utf8'), 'color=blue\n');
  assert.equal((await stat(join(cfg, 'conf/app.properties'))).mode & 0o777, 0o640);
  await assert.rejects(lstat(join(cfg, 'other')), 'only the listed items');
  assert.equal(await readFile(join(sec, 'password'), 'utf8'), 'hunter2');
  assert.equal((await stat(join(sec, 'password'))).mode & 0o777, 0o400);
  const mounts = await systemMounter.mountPoints();
  assert.ok(mounts.includes(sec), 'the secret volume is a tmpfs');
  assert.ok(mounts.includes(proj), 'the projected volume is a tmpfs');

  const claims = verifiedClaims(await readFile(join(proj, 'token'), 'utf8'));
  assert.deepEqual((claims['kubernetes.io'] as Record<string, unknown>)['pod'], { name: 'web', uid });
  assert.equal((claims['kubernetes.io'] as Record<string, unknown>)['namespace'], NS);
  assert.equal(await readFile(join(proj, 'ca.crt'), 'utf8'), caPem());
  assert.equal(await readFile(join(proj, 'namespace'), 'utf8'), NS);

  // The container's CRI mounts.
  const app = pod.spec!.containers![0]!;
  const m = ready.mounts(app, { attempt: 0, podIPs: ['10.42.0.7'], env: [] });
  const by = new Map(m.map((x) => [x.containerPath, x]));
  assert.deepEqual(by.get('/etc/app'), { containerPath: '/etc/app', hostPath: cfg, readonly: true, propagation: 'PROPAGATION_PRIVATE' });
  assert.deepEqual(by.get(SA_DIR), { containerPath: SA_DIR, hostPath: proj, readonly: true, propagation: 'PROPAGATION_PRIVATE' });
  assert.equal(by.get('/data')?.hostPath, join(base, 'kubernetes.io~empty-dir', 'scratch', 'app/data'));
  assert.ok((await stat(by.get('/data')!.hostPath)).isDirectory(), 'the subPath exists');
  assert.match(await readFile(by.get('/etc/hosts')!.hostPath, 'utf8'), /10\.42\.0\.7\tweb\n/);
  assert.equal((await stat(by.get('/dev/termination-log')!.hostPath)).mode & 0o777, 0o666);
  // Without the start context: only the volume mounts.
  assert.deepEqual(ready.mounts(app).map((x) => x.containerPath), ['/etc/app', '/etc/secret', '/data', SA_DIR]);
  assert.throws(() => ready.mounts({ name: 'x', volumeMounts: [{ name: 'nope', mountPath: '/n' }] }), /cannot find volume "nope" to mount into container "x"/);

  // A ConfigMap update reaches the files within the refresh period (1 s here, reads reused 0.5 s).
  const before = await readlink(join(cfg, '..data'));
  const cm = await admin.get<KubeObject & { data?: Record<string, string> }>(R.configmaps, NS, 'app-config');
  cm.data = { 'app.properties': 'color=green\n' };
  await admin.update(R.configmaps, NS, cm);
  const t0 = Date.now();
  await eventually('the update in the volume', async () => ((await readFile(join(cfg, 'conf/app.properties'), 'utf8')) === 'color=green\n' ? true : undefined), 10_000);
  assert.ok(Date.now() - t0 < 5_000, `updated after ${Date.now() - t0} ms`);
  assert.notEqual(await readlink(join(cfg, '..data')), before);

  await volumes.teardown(uid);
  assert.deepEqual((await systemMounter.mountPoints()).filter((p) => p.startsWith(podsDir + '/')), []);
  assert.ok(!existsSync(join(podsDir, uid)));
  // The refresh loop forgets the pod: nothing comes back.
  await sleep(1500);
  assert.ok(!existsSync(join(podsDir, uid)));
});
