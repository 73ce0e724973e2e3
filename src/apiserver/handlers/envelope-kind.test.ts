/**
 * The Binding and TokenRequest handlers name their expected type in envelope errors, as upstream's
 * decoder does with its `into` object: "the object provided is unrecognized (must be of type …)".
 * In-process apiserver on loopback.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { MemoryBackend } from '../../storage/memory/memory-backend.js';
import { ApiRegistry } from '../../api/registry.js';
import { builtinResources } from '../../api/builtin.js';
import { discardLogger } from '../../lib/log.js';
import { createApiServer } from '../server.js';
import { createBoundTokenSigner } from './token-signer.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const api = createApiServer({
  backend: new MemoryBackend(),
  registry: new ApiRegistry(builtinResources()),
  authenticators: [{ name: 'test', authenticate: () => ({ username: 'admin', groups: ['system:masters', 'system:authenticated'] }) }],
  logger: discardLogger,
  serviceAccountTokens: { sign: createBoundTokenSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) },
});
await api.start();
const server = createServer((req, res) => api.handle(req, res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await api.close();
});

async function post(path: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: { message?: string; reason?: string } }> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as { message?: string; reason?: string } };
}

await post('/api/v1/namespaces', JSON.stringify({ metadata: { name: 'app' } }));
await post('/api/v1/namespaces/app/serviceaccounts', JSON.stringify({ metadata: { name: 'robot' } }));
await post('/api/v1/namespaces/app/pods', JSON.stringify({ metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));

const PROTO = 'application/vnd.kubernetes.protobuf';
const notProto = (kind: string, data: string) =>
  `the object provided is unrecognized (must be of type ${kind}): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (${data})`;

test('Binding: a protobuf body without the envelope prefix names the expected type', async () => {
  const r = await post('/api/v1/namespaces/app/pods/web/binding', '{"kind":"Binding"}', PROTO);
  assert.equal(r.status, 400);
  assert.equal(r.json.reason, 'BadRequest');
  assert.equal(r.json.message, notProto('Binding', '{"kind":"Binding"}'));
});

test('TokenRequest: a protobuf body without the envelope prefix names the expected type', async () => {
  const r = await post('/api/v1/namespaces/app/serviceaccounts/robot/token', '{"kind":"TokenRequest"}', PROTO);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, notProto('TokenRequest', '{"kind":"TokenRequest"}'));
});

test('JSON bodies of another kind keep the "does not match" message', async () => {
  const b = await post('/api/v1/namespaces/app/pods/web/binding', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', target: { name: 'n1' } }));
  assert.equal(b.status, 400);
  assert.equal(b.json.message, 'the object provided is unrecognized (must be of type Binding): kind "Pod" does not match');
  const t = await post('/api/v1/namespaces/app/serviceaccounts/robot/token', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'Secret', spec: {} }));
  assert.equal(t.status, 400);
  assert.equal(t.json.message, 'the object provided is unrecognized (must be of type TokenRequest): kind "Secret" does not match');
});
