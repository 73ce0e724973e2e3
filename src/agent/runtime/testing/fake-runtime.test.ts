import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CriError, isCriError } from '../cri-errors.js';
import type { ContainerConfig, PodSandboxConfig } from '../cri-types.js';
import { FakeRuntime, normalizeImageRef } from './fake-runtime.js';

let now = 1_700_000_000_000;
const clock = () => now;

const sbConfig = (attempt = 0, hostNet = false): PodSandboxConfig => ({
  metadata: { name: 'web', uid: 'u1', namespace: 'default', attempt },
  hostname: 'web',
  logDirectory: '/var/log/pods/default_web_u1',
  portMappings: [],
  labels: { 'io.kubernetes.pod.uid': 'u1' },
  annotations: {},
  linux: { cgroupParent: '/flotilla/besteffort/podu1', securityContext: { namespaceOptions: { network: hostNet ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
});

const cConfig = (name = 'app', attempt = 0, image = 'busybox:1.36'): ContainerConfig => ({
  metadata: { name, attempt },
  image: { image },
  command: [],
  args: [],
  workingDir: '',
  envs: [],
  mounts: [],
  labels: { 'io.kubernetes.container.name': name, 'io.kubernetes.pod.uid': 'u1' },
  annotations: {},
  logPath: `${name}/${attempt}.log`,
  stdin: false,
  stdinOnce: false,
  tty: false,
});

async function rejectsWith(p: Promise<unknown>, code: string): Promise<CriError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isCriError(e), String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('fake runtime: sandbox and container lifecycle with states, timestamps and ids', async () => {
  const rt = new FakeRuntime({ clock, images: ['busybox:1.36'] });
  const sb = await rt.runPodSandbox(sbConfig());
  assert.match(sb, /^[0-9a-f]{64}$/);
  const st = await rt.podSandboxStatus(sb);
  assert.equal(st.state, 'SANDBOX_READY');
  assert.equal(st.network?.ip, '10.88.0.2');
  assert.equal(st.createdAt, now * 1e6);
  assert.equal(st.linux?.namespaces?.options?.network, 'POD');

  const id = await rt.createContainer(sb, cConfig(), sbConfig());
  assert.equal((await rt.containerStatus(id)).state, 'CONTAINER_CREATED');
  now += 1000;
  await rt.startContainer(id);
  let cs = await rt.containerStatus(id);
  assert.deepEqual([cs.state, cs.startedAt, cs.image.image], ['CONTAINER_RUNNING', now * 1e6, 'docker.io/library/busybox:1.36']);
  assert.match(cs.imageRef, /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
  assert.equal(cs.logPath, '/var/log/pods/default_web_u1/app/0.log');
  await rejectsWith(rt.startContainer(id), 'UNKNOWN');

  now += 1000;
  rt.exit(id, 3);
  cs = await rt.containerStatus(id);
  assert.deepEqual([cs.state, cs.exitCode, cs.reason, cs.finishedAt], ['CONTAINER_EXITED', 3, 'Error', now * 1e6]);

  // same name and attempt in one sandbox is refused; the next attempt is fine
  await rejectsWith(rt.createContainer(sb, cConfig(), sbConfig()), 'UNKNOWN');
  const id2 = await rt.createContainer(sb, cConfig('app', 1), sbConfig());
  await rt.startContainer(id2);
  assert.deepEqual(
    (await rt.listContainers({ podSandboxId: sb })).map((c) => [c.metadata.attempt, c.state]),
    [
      [0, 'CONTAINER_EXITED'],
      [1, 'CONTAINER_RUNNING'],
    ],
  );
  assert.equal((await rt.listContainers({ state: { state: 'CONTAINER_RUNNING' } })).length, 1);
  assert.equal((await rt.listContainers({ labelSelector: { 'io.kubernetes.container.name': 'other' } })).length, 0);

  // stopping the sandbox stops its containers; idempotent stop/remove; NOT_FOUND afterwards
  await rt.stopPodSandbox(sb);
  assert.equal((await rt.podSandboxStatus(sb)).state, 'SANDBOX_NOTREADY');
  assert.equal((await rt.podSandboxStatus(sb)).network?.ip, '');
  assert.deepEqual([(await rt.containerStatus(id2)).exitCode, (await rt.containerStatus(id2)).reason], [137, 'Error']);
  await rejectsWith(rt.createContainer(sb, cConfig('app', 2), sbConfig()), 'UNKNOWN');
  await rt.stopPodSandbox(sb);
  await rt.removePodSandbox(sb);
  await rt.removePodSandbox(sb);
  await rt.stopContainer(id2, 10);
  await rt.removeContainer(id2);
  await rejectsWith(rt.podSandboxStatus(sb), 'NOT_FOUND');
  await rejectsWith(rt.containerStatus(id2), 'NOT_FOUND');
  await rejectsWith(rt.startContainer('nope'), 'NOT_FOUND');
  assert.deepEqual(await rt.listContainers(), []);
});

test('fake runtime: sandbox name reservation, host network, listing filters', async () => {
  const rt = new FakeRuntime({ clock });
  const a = await rt.runPodSandbox(sbConfig(0));
  await rejectsWith(rt.runPodSandbox(sbConfig(0)), 'UNKNOWN');
  const b = await rt.runPodSandbox(sbConfig(1, true));
  assert.equal((await rt.podSandboxStatus(b)).network?.ip, '');
  assert.equal((await rt.listPodSandbox({ state: { state: 'SANDBOX_READY' } })).length, 2);
  assert.deepEqual((await rt.listPodSandbox({ id: a.slice(0, 12) })).map((s) => s.id), [a]);
  assert.equal((await rt.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': 'u1' } })).length, 2);
});

test('fake runtime: images, pulls and pull failures', async () => {
  const rt = new FakeRuntime({ clock });
  assert.equal(await rt.imageStatus({ image: 'nginx' }), undefined);
  const sb = await rt.runPodSandbox(sbConfig());
  await rejectsWith(rt.createContainer(sb, cConfig('app', 0, 'nginx'), sbConfig()), 'NOT_FOUND');
  const ref = await rt.pullImage({ image: 'nginx' });
  assert.match(ref, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await rt.imageStatus({ image: 'docker.io/library/nginx:latest' }))?.id, ref);
  assert.equal((await rt.imageStatus({ image: ref }))?.id, ref);
  assert.equal((await rt.pullImage({ image: 'nginx:latest' })), ref, 'pulling again is the same image');
  const id = await rt.createContainer(sb, cConfig('app', 0, ref), sbConfig());
  assert.equal((await rt.containerStatus(id)).image.image, 'docker.io/library/nginx:latest');
  rt.failPull('ghcr.io/x/y:1', 'failed to pull and unpack image "ghcr.io/x/y:1": failed to resolve reference "ghcr.io/x/y:1": not found');
  const e = await rejectsWith(rt.pullImage({ image: 'ghcr.io/x/y:1' }), 'UNKNOWN');
  assert.equal(e.method, 'PullImage');
  assert.match(e.message, /failed to resolve reference/);
  await rt.removeImage({ image: 'nginx' });
  await rt.removeImage({ image: 'nginx' });
  assert.deepEqual(await rt.listImages(), []);
  assert.equal(normalizeImageRef('localhost:5000/a'), 'localhost:5000/a:latest');
  assert.equal(normalizeImageRef('quay.io/a/b@sha256:1'), 'quay.io/a/b@sha256:1');
  assert.equal(normalizeImageRef('user/app:2'), 'docker.io/user/app:2');
});

test('fake runtime: injected failures, down runtime, exec, call log', async () => {
  const rt = new FakeRuntime({ clock, images: ['busybox:1.36'] });
  rt.failNext('runPodSandbox', new CriError('UNKNOWN', 'failed to setup network for sandbox', 'RunPodSandbox'));
  await rejectsWith(rt.runPodSandbox(sbConfig()), 'UNKNOWN');
  const sb = await rt.runPodSandbox(sbConfig());
  const id = await rt.createContainer(sb, cConfig(), sbConfig());
  await rejectsWith(rt.execSync(id, ['true'], 1), 'UNKNOWN');
  await rt.startContainer(id);
  rt.onExec = (_id, cmd) => ({ exitCode: cmd[0] === 'false' ? 1 : 0, stdout: 'hi' });
  const r = await rt.execSync(id, ['false'], 1);
  assert.deepEqual([r.exitCode, r.stdout.toString()], [1, 'hi']);
  rt.setDown(true);
  await rejectsWith(rt.version(), 'UNAVAILABLE');
  rt.setDown(false);
  assert.equal((await rt.version()).runtimeApiVersion, 'v1');
  assert.deepEqual(rt.calls.slice(0, 3).map((c) => c.method), ['runPodSandbox', 'runPodSandbox', 'createContainer']);
  rt.setUnknown(id);
  assert.equal((await rt.containerStatus(id)).state, 'CONTAINER_UNKNOWN');
});
