import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authForImage, imageRegistryPath } from './pull-secrets.js';

const cfg = (auths: Record<string, unknown>) => JSON.stringify({ auths });
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('imageRegistryPath: short names are docker.io/library, hosts keep their ports, tags and digests go', () => {
  assert.deepEqual(imageRegistryPath('nginx'), { host: 'docker.io', path: 'library/nginx' });
  assert.deepEqual(imageRegistryPath('bitnami/redis:7'), { host: 'docker.io', path: 'bitnami/redis' });
  assert.deepEqual(imageRegistryPath('myregistry.com/myapp:v1.2.3'), { host: 'myregistry.com', path: 'myapp' });
  assert.deepEqual(imageRegistryPath('localhost:5000/a/b@sha256:abc'), { host: 'localhost:5000', path: 'a/b' });
});

test('authForImage: host match, docker.io spellings, auth field decoding, longest prefix wins', () => {
  const secrets = [
    cfg({ 'https://index.docker.io/v1/': { auth: b64('hub:pw') } }),
    cfg({ 'myregistry.com': { username: 'u', password: 'p' }, 'myregistry.com/team': { username: 'team', password: 'tp' } }),
  ];
  assert.deepEqual(authForImage('nginx:1', secrets), { username: 'hub', password: 'pw' });
  assert.deepEqual(authForImage('myregistry.com/myapp:v1.2.3', secrets), { username: 'u', password: 'p' });
  assert.deepEqual(authForImage('myregistry.com/team/x', secrets), { username: 'team', password: 'tp' });
  assert.equal(authForImage('quay.io/x/y', secrets), undefined);
  assert.equal(authForImage('nginx', ['not json']), undefined);
  // legacy .dockercfg: the auths map itself
  assert.deepEqual(authForImage('quay.io/x/y', [JSON.stringify({ 'quay.io': { username: 'q', password: 'r' } })]), { username: 'q', password: 'r' });
});
