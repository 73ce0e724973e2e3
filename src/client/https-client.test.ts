/** The HTTP transport over TLS: client certificates (x509 authn), bearer tokens, kubeconfig, CA checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinResources } from '../api/builtin.js';
import { ApiRegistry } from '../api/registry.js';
import { createX509Authenticator } from '../apiserver/authn/x509.js';
import { createApiServer } from '../apiserver/server.js';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from '../apiserver/tls/index.js';
import { ApiError } from '../lib/errors.js';
import { discardLogger } from '../lib/log.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { configMap } from './client.case.js';
import { clientFromKubeconfig, createHttpClient } from './http-client.js';
import { R } from './types.js';

test('https: client certificate and token authentication, kubeconfig, and CA verification', async (t) => {
  const ca = await createCertificateAuthority({ commonName: 'test-ca' });
  const serving = await issueServingCertificate(ca, { commonName: 'kube-apiserver', sans: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } });
  const alice = await issueClientCertificate(ca, { commonName: 'alice', organizations: ['system:masters'] });
  const backend = new MemoryBackend();
  const users: string[] = [];
  const api = createApiServer({
    backend,
    registry: new ApiRegistry(builtinResources()),
    authenticators: [
      createX509Authenticator(),
      { name: 'token', authenticate: (req) => (req.headers['authorization'] === 'Bearer s3cret' ? { username: 'bob', groups: ['system:authenticated'] } : undefined) },
    ],
    logger: discardLogger,
    audit: { write: (e) => void users.push(e.user.username), close: async () => {} },
  });
  await api.start();
  const server = createServer({ key: serving.keyPem, cert: serving.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: false }, (req, res) => api.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-https-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await api.close();
    await backend.close();
  });

  const b64 = (s: string) => Buffer.from(s).toString('base64');
  writeFileSync(
    join(dir, 'kubeconfig'),
    `apiVersion: v1
kind: Config
current-context: alice
clusters:
- name: c
  cluster: { server: '${url}', certificate-authority-data: ${b64(ca.certPem)} }
users:
- name: alice
  user: { client-certificate-data: ${b64(alice.certPem)}, client-key-data: ${b64(alice.keyPem)} }
contexts:
- name: alice
  context: { cluster: c, user: alice }
`,
  );
  const viaCert = clientFromKubeconfig(join(dir, 'kubeconfig'), 'alice-ua');
  await viaCert.create(R.configmaps, 'default', configMap('tls'));
  const events: string[] = [];
  const w = viaCert.watch(R.configmaps, { namespace: 'default', resourceVersion: '0' }, (e) => events.push(e.object.metadata.name ?? ''), () => {});
  for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  w.stop();
  assert.deepEqual(events, ['tls']);

  const viaToken = createHttpClient({ server: url, ca: ca.certPem, token: 's3cret' }, 'bob-ua');
  assert.equal((await viaToken.get(R.configmaps, 'default', 'tls')).metadata.name, 'tls');
  assert.deepEqual([...new Set(users)].sort(), ['alice', 'bob']);

  const anonymous = createHttpClient({ server: url, ca: ca.certPem }, 'nobody');
  await assert.rejects(anonymous.get(R.configmaps, 'default', 'tls'), (e: unknown) => e instanceof ApiError && e.reason === 'Unauthorized');

  const wrongCa = await createCertificateAuthority({ commonName: 'other-ca' });
  const untrusting = createHttpClient({ server: url, ca: wrongCa.certPem, token: 's3cret' }, 'x');
  await assert.rejects(untrusting.get(R.configmaps, 'default', 'tls'), (e: unknown) => e instanceof Error && !(e instanceof ApiError));
});
