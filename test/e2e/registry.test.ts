/**
 * Image pulls through a registry on loopback (test/support/registry.ts), as root with real
 * containerd: the seed's `myregistry.com` mirrored to `http://127.0.0.1:<port>` with
 * `disableDefaultEndpoint` (k3s' --disable-default-registry-endpoint), so containerd never falls
 * back to the real myregistry.com: nothing leaves loopback.
 *
 * 1. Straight CRI (startTestContainerd, only the pause image imported): pulls with and without
 *    credentials, credentials from the registries configuration, unknown tags.
 * 2. A whole `flotilla server` with its agent and `--private-registry FILE`: pods with pull
 *    policies Always / IfNotPresent / Never and imagePullSecrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuiltinImages, importImages } from '../../src/agent/images/index.js';
import type { RegistriesConfig } from '../../src/agent/runtime/index.js';
import { startTestContainerd } from '../support/containerd.js';
import { startTestRegistry, type TestRegistry } from '../support/registry.js';

const DEMO_SOURCE = 'myregistry.com/myapp:v1.2.3';
const USER = 'flt-user';
const PASSWORD = 'flt-s3cret';

/**
 * Before any pull: the hosts.toml of each mirrored registry names only loopback endpoints (so a
 * failed pull never falls back to the real registry and no lookup of its name leaves the machine).
 */
function assertNoFallback(dataDir: string, hosts: string[]): void {
  for (const h of hosts) {
    const text = readFileSync(join(dataDir, 'containerd', 'certs.d', h, 'hosts.toml'), 'utf8');
    const urls = [...text.matchAll(/"(https?:\/\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(urls.length > 0 && urls.every((u) => /^http:\/\/127\.0\.0\.1:\d+$/.test(u)), `${h}/hosts.toml:\n${text}`);
    assert.match(text, /^\[host/m, 'containerd 1.6 needs a host table');
  }
}

async function registryWithDemo(auth?: { username: string; password: string }): Promise<TestRegistry> {
  const archives = await ensureBuiltinImages();
  // v9.9.9 exists only here: the demo app with VERSION=v9.9.9 (its own config and manifest digest).
  return startTestRegistry({
    ...(auth ? { auth } : {}),
    images: [{ ref: 'myapp:v9.9.9', from: { archive: archives.demo, name: DEMO_SOURCE }, env: { VERSION: 'v9.9.9' } }],
  });
}

test('CRI pulls through a loopback mirror: 401 without credentials, auth from the request or from configs, not found for an unknown tag, every blob fetched from the mirror', { timeout: 180_000 }, async (t) => {
  const locked = await registryWithDemo({ username: USER, password: PASSWORD });
  t.after(() => locked.stop());
  // A second registry whose credentials come from the registries configuration (configs.<host>.auth).
  const configured = await registryWithDemo({ username: 'cfg', password: 'cfg-pw' });
  t.after(() => configured.stop());
  const registries: RegistriesConfig = {
    mirrors: { 'myregistry.com': { endpoint: [locked.url] }, 'private.example.com': { endpoint: [configured.url] } },
    configs: { [configured.host]: { auth: { username: 'cfg', password: 'cfg-pw' } } },
    disableDefaultEndpoint: true,
  };
  const ctd = await startTestContainerd({ images: false, containerdOptions: { registries } });
  t.after(() => ctd.stop());
  assertNoFallback(ctd.dataDir, ['myregistry.com', 'private.example.com']);
  const archives = await ensureBuiltinImages();
  await importImages(ctd.socket, [archives.pause]);
  const images = ctd.client.images;
  const image = 'myregistry.com/myapp:v9.9.9';

  // No credentials: the registry's 401, and nothing but the mirror was asked.
  await assert.rejects(images.pullImage({ image }), (e: Error) => /401 Unauthorized/.test(e.message) && /127\.0\.0\.1:\d+/.test(e.message));
  assert.ok(locked.requestsFor('myapp').every((r) => r.status === 401));

  // Credentials scoped to the image's registry name (serverAddress "myregistry.com") are not sent
  // to the mirror: containerd compares serverAddress with the host it contacts. (The kubelet sends
  // no serverAddress for imagePullSecrets, and neither does pull-secrets.ts.)
  await assert.rejects(images.pullImage({ image }, { username: USER, password: PASSWORD, serverAddress: 'myregistry.com' }), /401 Unauthorized/);

  // Credentials without serverAddress, as the kubelet passes imagePullSecrets: pulled.
  const before = locked.requests.length;
  const ref = await images.pullImage({ image }, { username: USER, password: PASSWORD });
  assert.match(ref, /^sha256:[0-9a-f]{64}$/);
  const status = await images.imageStatus({ image });
  assert.ok(status, 'the image is present after the pull');
  assert.ok(status.repoTags.includes(image), status.repoTags.join());
  assert.ok(status.repoDigests.includes(`myregistry.com/myapp@${locked.manifestDigest('myapp:v9.9.9')}`), status.repoDigests.join());
  const fetched = locked.requests.slice(before).filter((r) => r.status === 200 && r.method === 'GET' && r.path.includes('/blobs/'));
  assert.ok(fetched.length >= 3, `config and layers fetched from the mirror: ${JSON.stringify(fetched)}`);

  // The same credentials in the auth field (base64 user:password).
  await images.removeImage({ image });
  await images.pullImage({ image }, { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') });

  // An unknown tag: containerd's "not found" (the mirror answered MANIFEST_UNKNOWN).
  await assert.rejects(images.pullImage({ image: 'myregistry.com/myapp:v0.0.0-nope' }, { username: USER, password: PASSWORD }), (e: Error) => /not found/.test(e.message));
  assert.ok(locked.requestsFor('myapp').some((r) => r.path === '/v2/myapp/manifests/v0.0.0-nope' && r.status === 404));

  // Credentials from the registries configuration (no auth in the request).
  await images.pullImage({ image: 'private.example.com/myapp:v9.9.9' });
  assert.ok(configured.requestsFor('myapp').some((r) => r.authorized && r.status === 200));
});

// ---- a whole server with its agent ----------------------------------------------------------------

interface PodView {
  metadata: { name: string };
  status: {
    phase?: string;
    containerStatuses?: { name: string; ready: boolean; imageID?: string; state?: { waiting?: { reason?: string; message?: string }; running?: unknown } }[];
  };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out: ${what}${last ? ` (last: ${last instanceof Error ? last.message : String(last)})` : ''}`);
}

const podYaml = (name: string, image: string, policy: 'Always' | 'IfNotPresent' | 'Never', secret?: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {test: registry}}
spec:
  terminationGracePeriodSeconds: 1
  ${secret ? `imagePullSecrets: [{name: ${secret}}]` : ''}
  containers:
  - name: app
    image: ${image}
    imagePullPolicy: ${policy}
`;

test('flotilla server --private-registry: Always pulls a tag only the mirror has (with imagePullSecrets), 401 without them, not found for an unknown tag, IfNotPresent leaves the registry alone, Never gives ErrImageNeverPull', { timeout: 420_000 }, async (t) => {
  const { startServer } = await import('../support/cluster.js');
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const reg = await registryWithDemo({ username: USER, password: PASSWORD });
  t.after(() => reg.stop());
  const dir = mkdtempSync(join(tmpdir(), 'flt-registries-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'registries.yaml');
  // The operator's file: the seed's registry name served by the loopback registry; no credentials
  // here (they come from each pod's imagePullSecrets).
  writeFileSync(file, `mirrors:\n  myregistry.com:\n    endpoint:\n      - "${reg.url}"\n`);
  const server = await startServer({ agent: true, controlPlane: true, extraArgs: ['--private-registry', file, '--disable-default-registry-endpoint'] });
  t.after(() => server.stop({ timeoutMs: 30_000 }));
  // The agent starts containerd (and writes its hosts.toml) after the API server is ready.
  const { existsSync } = await import('node:fs');
  await eventually('the agent wrote hosts.toml for myregistry.com', async () => existsSync(join(server.dataDir, 'containerd', 'certs.d', 'myregistry.com', 'hosts.toml')));
  assertNoFallback(server.dataDir, ['myregistry.com']);

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await server.kubectl(args, input === undefined ? { timeoutMs: 60_000 } : { input, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const pod = async (name: string): Promise<PodView> => JSON.parse(await kubectl(['get', 'pod', name, '-o', 'json'])) as PodView;
  const waiting = (p: PodView) => p.status.containerStatuses?.[0]?.state?.waiting;
  const running = (name: string) =>
    eventually(`${name} running`, async () => {
      const p = await pod(name);
      return p.status.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running ? p : undefined;
    });
  const events = async (name: string): Promise<string> => kubectl(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
  await eventually('the default service account', async () => (await server.kubectl(['get', 'serviceaccount', 'default'])).code === 0);

  const dockerConfig = JSON.stringify({ auths: { 'myregistry.com': { username: USER, password: PASSWORD, auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } });
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') } };
  await kubectl(['apply', '-f', '-'], JSON.stringify(secret));
  const image = 'myregistry.com/myapp:v9.9.9';

  // Always + imagePullSecrets: pulled through the mirror, runs, and is the registry's image
  // (its config says VERSION=v9.9.9).
  await kubectl(['apply', '-f', '-'], podYaml('always-secret', image, 'Always', 'regcred'));
  const a = await running('always-secret');
  assert.ok(a.status.containerStatuses?.[0]?.imageID?.includes(reg.manifestDigest('myapp:v9.9.9').slice('sha256:'.length)), JSON.stringify(a.status.containerStatuses));
  t.diagnostic(`always-secret imageID ${a.status.containerStatuses?.[0]?.imageID}`);
  assert.equal((await kubectl(['exec', 'always-secret', '--', 'sh', '-c', 'echo $VERSION'])).trim(), 'v9.9.9');
  assert.ok(reg.requestsFor('myapp').some((r) => r.method === 'GET' && r.path.includes('/manifests/') && r.status === 200 && r.authorized));
  assert.match(await events('always-secret'), /Pulled: Successfully pulled image "myregistry\.com\/myapp:v9\.9\.9"/);

  // IfNotPresent with the image present: runs without a single request to the registry.
  const before = reg.requests.length;
  await kubectl(['apply', '-f', '-'], podYaml('ifnotpresent', image, 'IfNotPresent'));
  await running('ifnotpresent');
  assert.equal(reg.requests.length, before, `requests while starting an IfNotPresent pod: ${JSON.stringify(reg.requests.slice(before))}`);
  assert.match(await events('ifnotpresent'), /Pulled: Container image "myregistry\.com\/myapp:v9\.9\.9" already present on machine/);

  // Never with a missing image: ErrImageNeverPull, and the registry is not asked either.
  await kubectl(['apply', '-f', '-'], podYaml('never-missing', 'myregistry.com/myapp:v7.7.7', 'Never'));
  const n = await eventually('ErrImageNeverPull', async () => {
    const p = await pod('never-missing');
    return waiting(p)?.reason === 'ErrImageNeverPull' ? p : undefined;
  });
  assert.equal(waiting(n)?.message, 'Container image "myregistry.com/myapp:v7.7.7" is not present with pull policy of Never');
  assert.ok(!reg.requests.some((r) => r.path.includes('v7.7.7')));

  // Always without imagePullSecrets: ErrImagePull, then ImagePullBackOff, both carrying the
  // registry's 401 in the pod status (and in the Failed event).
  const pullFailure = async (name: string, image: string, secret: string | undefined, answer: RegExp) => {
    await kubectl(['apply', '-f', '-'], podYaml(name, image, 'Always', secret));
    const seen = new Map<string, string>();
    await eventually(`${name}: ImagePullBackOff`, async () => {
      const w = waiting(await pod(name));
      if (w?.reason) seen.set(w.reason, w.message ?? '');
      return seen.has('ImagePullBackOff');
    });
    t.diagnostic(`${name}: ${JSON.stringify(Object.fromEntries(seen))}`);
    assert.ok([...seen.keys()].every((r) => r === 'ErrImagePull' || r === 'ImagePullBackOff' || r === 'ContainerCreating'), [...seen.keys()].join());
    if (seen.has('ErrImagePull')) assert.match(seen.get('ErrImagePull')!, answer);
    const backOff = seen.get('ImagePullBackOff')!;
    assert.ok(backOff.startsWith(`Back-off pulling image "${image}": ErrImagePull: `), backOff);
    assert.match(backOff, answer);
    const ev = await events(name);
    assert.ok(ev.split('\n').some((l) => l.startsWith(`Failed: Failed to pull image "${image}": `) && answer.test(l)), ev);
  };
  await pullFailure('always-nosecret', image, undefined, /failed with status code \[manifests v9\.9\.9\]: 401 Unauthorized/);
  assert.ok(reg.requestsFor('myapp').some((r) => r.status === 401 && !r.authorized));

  // An unknown tag (with credentials): containerd's "not found" (the registry said MANIFEST_UNKNOWN).
  await pullFailure('unknown-tag', 'myregistry.com/myapp:v0.0.0-nope', 'regcred', /myregistry\.com\/myapp:v0\.0\.0-nope: not found/);
  assert.ok(reg.requestsFor('myapp').some((r) => r.path === '/v2/myapp/manifests/v0.0.0-nope' && r.status === 404 && r.authorized));

  await kubectl(['delete', 'pods', '-l', 'test=registry', '--wait=true', '--timeout=60s']);
});
