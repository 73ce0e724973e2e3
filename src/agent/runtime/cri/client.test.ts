/**
 * The CRI client against a real containerd (root; test/support/containerd.ts starts a private one
 * per test file in /tmp/flt-<random>-*, removed at the end with everything it ran).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCriError } from '../cri-errors.js';
import type { ContainerConfig, PodSandboxConfig } from '../cri-types.js';
import { BUILTIN_IMAGES } from '../../images/builtin.js';
import { createCriClient } from './client.js';
import { TEST_PREFIX, startTestContainerd, type TestContainerd } from '../../../../test/support/containerd.js';

let t: TestContainerd;

before(async () => {
  t = await startTestContainerd();
});

after(async () => {
  await t?.stop();
});

test('Version and Status', async () => {
  const v = await t.client.runtime.version();
  assert.equal(v.runtimeName, 'containerd');
  assert.equal(v.runtimeApiVersion, 'v1');
  assert.match(v.runtimeVersion, /^v?1\.\d+\.\d+/);
  const conditions = await t.client.runtime.status();
  const ready = conditions.find((c) => c.type === 'RuntimeReady');
  assert.equal(ready?.status, true);
  const net = conditions.find((c) => c.type === 'NetworkReady');
  assert.equal(net?.status, false, 'no CNI config in the test data dir');
  assert.ok(net?.message, 'the runtime says why the network is not ready');
});

test('listPodSandbox and listContainers start empty; imageStatus of a missing image is undefined', async () => {
  assert.deepEqual(await t.client.runtime.listPodSandbox(), []);
  assert.deepEqual(await t.client.runtime.listContainers(), []);
  assert.equal(await t.client.images.imageStatus({ image: `${TEST_PREFIX}.invalid/none:1` }), undefined);
  const fs = await t.client.images.imageFsInfo();
  assert.ok(fs.length >= 1 && fs[0]!.mountpoint.startsWith(t.dataDir), JSON.stringify(fs));
});

test('pulling from an unreachable (loopback) registry rejects with the runtime message verbatim', async () => {
  await assert.rejects(t.client.images.pullImage({ image: '127.0.0.1:1/nope:1' }), (e: unknown) => {
    assert.ok(isCriError(e), String(e));
    assert.equal(e.method, 'PullImage');
    assert.notEqual(e.code, 'NOT_FOUND');
    assert.match(e.message, /^failed to pull and unpack image "127\.0\.0\.1:1\/nope:1": .*127\.0\.0\.1:1.*connection refused/);
    return true;
  });
});

test('unknown ids: status calls reject with NOT_FOUND, stop and remove resolve (idempotent)', async () => {
  const bogus = randomBytes(32).toString('hex');
  await assert.rejects(t.client.runtime.containerStatus(bogus), (e: unknown) => isCriError(e, 'NOT_FOUND') && e.method === 'ContainerStatus' && /not found/.test(e.message));
  await assert.rejects(t.client.runtime.podSandboxStatus(bogus), (e: unknown) => isCriError(e, 'NOT_FOUND'));
  await assert.rejects(t.client.runtime.startContainer(bogus), (e: unknown) => isCriError(e, 'NOT_FOUND'));
  await t.client.runtime.stopContainer(bogus, 0);
  await t.client.runtime.removeContainer(bogus);
  await t.client.runtime.stopPodSandbox(bogus);
  await t.client.runtime.removePodSandbox(bogus);
  await t.client.images.removeImage({ image: `${TEST_PREFIX}.invalid/none:1` });
});

test('nothing listening: calls reject with UNAVAILABLE', async () => {
  const c = createCriClient(join(t.dataDir, 'no-such.sock'), { timeoutMs: 3_000 });
  try {
    await assert.rejects(c.runtime.version(), (e: unknown) => isCriError(e, 'UNAVAILABLE') && e.method === 'Version');
  } finally {
    c.close();
  }
  await assert.rejects(c.runtime.version(), (e: unknown) => isCriError(e, 'UNAVAILABLE'), 'a closed client rejects too');
});

test('full cycle on the host network: sandbox, container, exec, logs, stop and remove', async () => {
  const rt = t.client.runtime;
  assert.ok(await t.client.images.imageStatus({ image: BUILTIN_IMAGES.pause }), 'pause image imported');
  const busybox = await t.client.images.imageStatus({ image: BUILTIN_IMAGES.busybox });
  assert.ok(busybox, 'busybox image imported');

  const uid = randomBytes(8).toString('hex');
  const logDirectory = join(t.dataDir, 'pods', `default_${TEST_PREFIX}-pod_${uid}`);
  mkdirSync(logDirectory, { recursive: true });
  const hostNs = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } as const;
  const sandbox: PodSandboxConfig = {
    metadata: { name: `${TEST_PREFIX}-pod`, uid, namespace: 'default', attempt: 0 },
    hostname: '',
    logDirectory,
    portMappings: [],
    labels: { 'io.kubernetes.pod.uid': uid },
    annotations: { 'flotilla.test/run': TEST_PREFIX },
    linux: { cgroupParent: '', securityContext: { namespaceOptions: hostNs } },
  };
  const podId = await rt.runPodSandbox(sandbox);
  const ps = await rt.podSandboxStatus(podId);
  assert.equal(ps.state, 'SANDBOX_READY');
  assert.equal(ps.metadata.uid, uid);
  assert.equal(ps.annotations['flotilla.test/run'], TEST_PREFIX);
  assert.equal(ps.linux?.namespaces?.options?.network, 'NODE');
  assert.ok(ps.createdAt > 1e18, 'nanoseconds');
  assert.deepEqual((await rt.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } })).map((s) => s.id), [podId]);

  const config: ContainerConfig = {
    metadata: { name: 'main', attempt: 0 },
    image: { image: BUILTIN_IMAGES.busybox },
    command: ['sh', '-c', 'echo hello-from-flotilla; echo to-stderr >&2; exec sleep 3600'],
    args: [],
    workingDir: '',
    envs: [{ key: 'FLT_RUN', value: TEST_PREFIX }],
    mounts: [],
    labels: { 'io.kubernetes.container.name': 'main' },
    annotations: {},
    logPath: 'main/0.log',
    stdin: false,
    stdinOnce: false,
    tty: false,
    linux: { securityContext: { namespaceOptions: hostNs, privileged: false, readonlyRootfs: false, supplementalGroups: [], noNewPrivs: false } },
  };
  const cid = await rt.createContainer(podId, config, sandbox);
  assert.equal((await rt.containerStatus(cid)).state, 'CONTAINER_CREATED');
  await rt.startContainer(cid);
  const st = await rt.containerStatus(cid);
  assert.equal(st.state, 'CONTAINER_RUNNING');
  assert.equal(st.metadata.name, 'main');
  assert.ok(st.startedAt > 0);
  assert.equal(st.logPath, join(logDirectory, 'main/0.log'));
  assert.match(st.imageRef, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual((await rt.listContainers({ podSandboxId: podId })).map((c) => c.id), [cid]);

  const ex = await rt.execSync(cid, ['sh', '-c', 'echo hi; echo $FLT_RUN >&2; exit 3'], 10);
  assert.equal(ex.stdout.toString(), 'hi\n');
  assert.equal(ex.stderr.toString(), `${TEST_PREFIX}\n`);
  assert.equal(ex.exitCode, 3);

  // CRI log format: "<RFC3339Nano> <stream> <P|F> <content>"
  let log = '';
  for (let i = 0; i < 50 && !/to-stderr/.test(log); i++) {
    await new Promise((r) => setTimeout(r, 100));
    log = readFileSync(join(logDirectory, 'main/0.log'), 'utf8');
  }
  assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F hello-from-flotilla$/m);
  assert.match(log, /^\S+ stderr F to-stderr$/m);

  await rt.stopContainer(cid, 1);
  const exited = await rt.containerStatus(cid);
  assert.equal(exited.state, 'CONTAINER_EXITED');
  assert.equal(exited.exitCode, 137, 'sleep as PID 1 ignores SIGTERM, so it was killed');
  await rt.stopContainer(cid, 1); // idempotent
  await rt.removeContainer(cid);
  await rt.removeContainer(cid);
  await assert.rejects(rt.containerStatus(cid), (e: unknown) => isCriError(e, 'NOT_FOUND'));

  await rt.stopPodSandbox(podId);
  assert.equal((await rt.podSandboxStatus(podId)).state, 'SANDBOX_NOTREADY');
  await rt.stopPodSandbox(podId);
  await rt.removePodSandbox(podId);
  await rt.removePodSandbox(podId);
  assert.deepEqual(await rt.listPodSandbox(), []);
});

test('a running container survives a containerd crash and is adopted by the restarted containerd', async () => {
  const rt = t.client.runtime;
  const uid = randomBytes(8).toString('hex');
  const hostNs = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } as const;
  const sandbox: PodSandboxConfig = {
    metadata: { name: `${TEST_PREFIX}-adopt`, uid, namespace: 'default', attempt: 0 },
    hostname: '',
    logDirectory: join(t.dataDir, 'pods', uid),
    portMappings: [],
    labels: {},
    annotations: {},
    linux: { cgroupParent: '', securityContext: { namespaceOptions: hostNs } },
  };
  const podId = await rt.runPodSandbox(sandbox);
  const cid = await rt.createContainer(
    podId,
    {
      metadata: { name: 'sleeper', attempt: 0 },
      image: { image: BUILTIN_IMAGES.busybox },
      command: ['sleep', '3600'],
      args: [],
      workingDir: '',
      envs: [],
      mounts: [],
      labels: {},
      annotations: {},
      logPath: 'sleeper.log',
      stdin: false,
      stdinOnce: false,
      tty: false,
      linux: { securityContext: { namespaceOptions: hostNs, privileged: false, readonlyRootfs: false, supplementalGroups: [], noNewPrivs: false } },
    },
    sandbox,
  );
  await rt.startContainer(cid);
  const before = await rt.containerStatus(cid);

  const first = t.containerd.pid()!;
  process.kill(first, 'SIGKILL');
  let next: number | undefined;
  for (let i = 0; i < 100 && (next === undefined || next === first); i++) {
    await new Promise((r) => setTimeout(r, 100));
    next = t.containerd.pid();
  }
  assert.ok(next !== undefined && next !== first, 'containerd restarted');
  let after: Awaited<ReturnType<typeof rt.containerStatus>> | undefined;
  for (let i = 0; i < 100 && !after; i++) {
    after = await rt.containerStatus(cid).catch(() => undefined);
    if (!after) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(after, 'the restarted containerd answers for the container');
  assert.equal(after.state, 'CONTAINER_RUNNING');
  assert.equal(after.startedAt, before.startedAt, 'same process, not restarted');
  assert.equal((await rt.podSandboxStatus(podId)).state, 'SANDBOX_READY');
  assert.equal((await rt.execSync(cid, ['true'], 5)).exitCode, 0);

  await rt.stopContainer(cid, 0);
  await rt.removeContainer(cid);
  await rt.stopPodSandbox(podId);
  await rt.removePodSandbox(podId);
});
