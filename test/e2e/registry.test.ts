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
