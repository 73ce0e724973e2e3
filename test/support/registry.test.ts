import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer, writeOciArchive } from '../../src/agent/images/index.js';
import { OCI_MANIFEST, REGISTRY_REALM, startTestRegistry } from './registry.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

test('test registry: distribution API over loopback (ping, manifests by tag and digest, blobs, env re-tag, errors, Basic auth, request log)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-registry-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const archive = join(dir, 'x.oci.tar');
  const layer = await buildLayer([{ type: 'file', path: '/hello', content: 'hi\n' }]);
  await writeOciArchive(archive, [{ names: ['example.local/x:1'], layers: [layer], config: { cmd: ['/hello'], env: ['A=1', 'B=2'] } }]);

  const reg = await startTestRegistry({
    auth: { username: 'u', password: 'p w' },
    images: [
      { ref: 'team/x:1', from: { archive, name: 'example.local/x:1' } },
      { ref: 'team/x:2', from: { archive, name: 'example.local/x:1' }, env: { B: 'two' } },
    ],
  });
  t.after(() => reg.stop());
  assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
  assert.equal(reg.url, `http://${reg.host}`);
  const authz = { authorization: `Basic ${Buffer.from('u:p w').toString('base64')}` };

  // Without credentials: 401 with a Basic challenge and the registry's error body.
  const denied = await get(`${reg.url}/v2/team/x/manifests/1`);
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get('www-authenticate'), `Basic realm="${REGISTRY_REALM}"`);
  assert.equal(JSON.parse(denied.body.toString()).errors[0].code, 'UNAUTHORIZED');
  assert.equal((await get(`${reg.url}/v2/`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).status, 401);

  const ping = await get(`${reg.url}/v2/`, { headers: authz });
  assert.equal(ping.status, 200);
  assert.equal(ping.headers.get('docker-distribution-api-version'), 'registry/2.0');

  // Manifest by tag (GET and HEAD) and by digest; its blobs.
  const m1 = await get(`${reg.url}/v2/team/x/manifests/1?ns=example.local`, { headers: authz });
  assert.equal(m1.status, 200);
  assert.equal(m1.headers.get('content-type'), OCI_MANIFEST);
  assert.equal(m1.headers.get('docker-content-digest'), sha(m1.body));
  assert.equal(reg.manifestDigest('team/x:1'), sha(m1.body));
  const h1 = await get(`${reg.url}/v2/team/x/manifests/1`, { method: 'HEAD', headers: authz });
  assert.equal(h1.status, 200);
  assert.equal(h1.headers.get('content-length'), String(m1.body.length));
  assert.equal(h1.body.length, 0);
  assert.equal((await get(`${reg.url}/v2/team/x/manifests/${sha(m1.body)}`, { headers: authz })).body.toString(), m1.body.toString());
  const manifest = JSON.parse(m1.body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  const cfg = await get(`${reg.url}/v2/team/x/blobs/${manifest.config.digest}`, { headers: authz });
  assert.equal(sha(cfg.body), manifest.config.digest);
  assert.deepEqual(JSON.parse(cfg.body.toString()).config.Env, ['A=1', 'B=2']);
  const l = await get(`${reg.url}/v2/team/x/blobs/${manifest.layers[0]!.digest}`, { headers: authz });
  assert.equal(sha(l.body), layer.digest);
  assert.equal(l.headers.get('docker-content-digest'), layer.digest);

  // The env re-tag: another config and manifest, the same layer.
  const m2 = JSON.parse((await get(`${reg.url}/v2/team/x/manifests/2`, { headers: authz })).body.toString()) as typeof manifest;
  assert.notEqual(m2.config.digest, manifest.config.digest);
  assert.equal(m2.layers[0]!.digest, layer.digest);
  assert.deepEqual(JSON.parse((await get(`${reg.url}/v2/team/x/blobs/${m2.config.digest}`, { headers: authz })).body.toString()).config.Env, ['A=1', 'B=two']);

  // Unknown tag, repository, blob.
  const unknown = await get(`${reg.url}/v2/team/x/manifests/nope`, { headers: authz });
  assert.equal(unknown.status, 404);
  assert.deepEqual(JSON.parse(unknown.body.toString()), { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'nope' } }] });
  assert.equal(JSON.parse((await get(`${reg.url}/v2/other/manifests/1`, { headers: authz })).body.toString()).errors[0].code, 'NAME_UNKNOWN');
  assert.equal(JSON.parse((await get(`${reg.url}/v2/team/x/blobs/sha256:${'0'.repeat(64)}`, { headers: authz })).body.toString()).errors[0].code, 'BLOB_UNKNOWN');

  // The request log.
  const forX = reg.requestsFor('team/x');
  assert.ok(forX.length >= 10);
  assert.deepEqual(forX[0], { method: 'GET', path: '/v2/team/x/manifests/1', status: 401, authorized: false });
  assert.ok(reg.requests.some((r) => r.path === '/v2/' && r.status === 200 && r.authorized));
  await assert.rejects(reg.addImage({ ref: 'team/y:1', from: { archive, name: 'missing:1' } }), /has no image named missing:1/);
});
