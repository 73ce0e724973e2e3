/** POST serviceaccounts/{name}/token against an in-process apiserver on loopback. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { MemoryBackend } from '../../storage/memory/memory-backend.js';
import { ApiRegistry } from '../../api/registry.js';
import { builtinResources } from '../../api/builtin.js';
import { discardLogger } from '../../lib/log.js';
import { createApiServer } from '../server.js';
import { createBoundTokenSigner } from './token-signer.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKey = createPublicKey(privateKey);

const api = createApiServer({
  backend: new MemoryBackend(),
  registry: new ApiRegistry(builtinResources()),
  authenticators: [{ name: 'test', authenticate: () => ({ username: 'admin', groups: ['system:masters', 'system:authenticated'] }) }],
  logger: discardLogger,
  clock: () => NOW,
  serviceAccountTokens: { sign: createBoundTokenSigner(keyPem) },
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

async function req(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any>; headers: Headers }> {
  const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any>, headers: res.headers };
}

const tokenPath = (ns: string, sa: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`;
const tr = (spec: Record<string, unknown> = {}) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

function decode(jwt: string): { header: Record<string, any>; claims: Record<string, any> } {
  const [h, c, s] = jwt.split('.');
  assert.ok(verify('sha256', Buffer.from(`${h}.${c}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url')), 'signature verifies with the public key');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(c!, 'base64url').toString()) };
}

await req('POST', '/api/v1/namespaces', { metadata: { name: 'app' } });
const sa = await req('POST', '/api/v1/namespaces/app/serviceaccounts', { metadata: { name: 'prom' } });
await req('POST', '/api/v1/namespaces/app/serviceaccounts', { metadata: { name: 'other' } });
const node = await req('POST', '/api/v1/nodes', { metadata: { name: 'n1' } });
const pod = await req('POST', '/api/v1/namespaces/app/pods', {
  metadata: { name: 'web' },
  spec: { serviceAccountName: 'prom', nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
});
const secret = await req('POST', '/api/v1/namespaces/app/secrets', { metadata: { name: 's' } });

test('a token with defaults: 3600 s, the API audiences, upstream claims, verifiable', async () => {
  assert.equal(pod.status, 201, JSON.stringify(pod.json));
  const r = await req('POST', tokenPath('app', 'prom'), tr());
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json['kind'], 'TokenRequest');
  assert.equal(r.json['metadata'].name, 'prom');
  assert.equal(r.json['metadata'].namespace, 'app');
  assert.equal(r.json['spec'].expirationSeconds, 3600);
  assert.deepEqual(r.json['spec'].audiences, ['https://kubernetes.default.svc.cluster.local']);
  assert.equal(r.json['status'].expirationTimestamp, '2026-03-01T11:00:00Z');
  const { header, claims } = decode(r.json['status'].token);
  assert.equal(header['alg'], 'ES256');
  assert.ok(header['kid']);
  const t = NOW.getTime() / 1000;
  assert.equal(claims['iss'], 'https://kubernetes.default.svc.cluster.local');
  assert.equal(claims['sub'], 'system:serviceaccount:app:prom');
  assert.deepEqual(claims['aud'], ['https://kubernetes.default.svc.cluster.local']);
  assert.deepEqual([claims['iat'], claims['nbf'], claims['exp']], [t, t, t + 3600]);
  assert.ok(typeof claims['jti'] === 'string' && claims['jti'].length > 0);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'app', serviceaccount: { name: 'prom', uid: sa.json['metadata'].uid } });
});

test('bound to a pod: pod and node in the claims; kubelet 3607 s tokens extended to a year with warnafter', async () => {
  const ref = { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: pod.json['metadata'].uid };
  const r = await req('POST', tokenPath('app', 'prom'), tr({ audiences: ['prometheus'], expirationSeconds: 7200, boundObjectRef: ref }));
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const { claims } = decode(r.json['status'].token);
  assert.deepEqual(claims['aud'], ['prometheus']);
  assert.equal(claims['exp'] - claims['iat'], 7200);
  assert.deepEqual(claims['kubernetes.io'], {
    namespace: 'app',
    serviceaccount: { name: 'prom', uid: sa.json['metadata'].uid },
    pod: { name: 'web', uid: pod.json['metadata'].uid },
    node: { name: 'n1', uid: node.json['metadata'].uid },
  });
  const k = await req('POST', tokenPath('app', 'prom'), tr({ expirationSeconds: 3607, boundObjectRef: ref }));
  assert.equal(k.status, 201);
  const kc = decode(k.json['status'].token).claims;
  assert.equal(kc['exp'] - kc['iat'], 365 * 24 * 3600);
  assert.equal(kc['kubernetes.io'].warnafter, kc['iat'] + 3607);
  assert.equal(k.json['status'].expirationTimestamp, '2026-03-01T11:00:07Z');
});

test('bound to a secret', async () => {
  const r = await req('POST', tokenPath('app', 'prom'), tr({ boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 's' } }));
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.deepEqual(decode(r.json['status'].token).claims['kubernetes.io'].secret, { name: 's', uid: secret.json['metadata'].uid });
});

test('errors as upstream', async () => {
  const cases: [string, unknown, number, string][] = [
    [tokenPath('app', 'prom'), tr({ expirationSeconds: 599 }), 422, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'],
    [tokenPath('app', 'nobody'), tr(), 404, 'serviceaccounts "nobody" not found'],
    [
      tokenPath('app', 'prom'),
      tr({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'not-the-uid' } }),
      409,
      'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (not-the-uid) does not match the UID in record. The object might have been deleted and then recreated',
    ],
    [tokenPath('app', 'other'), tr({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web' } }), 400, 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.'],
    [tokenPath('app', 'prom'), tr({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'gone' } }), 404, 'pods "gone" not found'],
    [tokenPath('app', 'prom'), tr({ boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' } }), 400, 'cannot bind token to object of type apps/v1, Kind=Deployment'],
    [tokenPath('app', 'prom'), { ...tr(), metadata: { name: 'x' } }, 422, 'TokenRequest.authentication.k8s.io "prom" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified'],
  ];
  for (const [path, body, status, message] of cases) {
    const r = await req('POST', path, body);
    assert.equal(r.status, status, `${message}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json['message'], message);
  }
  const get = await fetch(url + tokenPath('app', 'prom'));
  assert.equal(get.status, 405);
});
