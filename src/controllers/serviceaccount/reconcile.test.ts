import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createVerify } from 'node:crypto';
import type { KubeObject } from '../../api/types.js';
import { reconcileServiceAccounts, reconcileTokenSecret, SA_NAME_ANNOTATION, SA_UID_ANNOTATION, type SecretView, type TokenSigner } from './reconcile.js';
import { createJwtSigner } from './jwt.js';

const ns = (name: string, extra: Partial<KubeObject> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...extra });

test('a default account is created in live namespaces only, and only when missing', () => {
  assert.deepEqual(reconcileServiceAccounts(ns('a'), new Set()), [{ type: 'create', namespace: 'a', name: 'default' }]);
  assert.deepEqual(reconcileServiceAccounts(ns('a'), new Set(['default', 'x'])), []);
  assert.deepEqual(reconcileServiceAccounts(ns('a', { status: { phase: 'Terminating' } }), new Set()), []);
  assert.deepEqual(reconcileServiceAccounts({ ...ns('a'), metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }, new Set()), []);
  assert.deepEqual(reconcileServiceAccounts(undefined, new Set()), []);
  assert.deepEqual(reconcileServiceAccounts(ns('a'), new Set(['default']), ['default', 'builder']), [{ type: 'create', namespace: 'a', name: 'builder' }]);
});

const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'ns', uid: 'sa-uid' } };
const secret = (annotations: Record<string, string>, data?: Record<string, string>): SecretView => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/service-account-token',
  metadata: { name: 'robot-token', namespace: 'ns', uid: 's-uid', resourceVersion: '7', annotations },
  ...(data ? { data } : {}),
});
const fakeSign: TokenSigner = (c) => `jwt(${c.sub},${c['kubernetes.io/serviceaccount/secret.name']})`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('token secrets get token, namespace, ca.crt and the uid annotation; a second pass is a no-op', () => {
  const a = reconcileTokenSecret(secret({ [SA_NAME_ANNOTATION]: 'robot' }), sa, { caPem: 'CA', sign: fakeSign });
  assert.equal(a.type, 'update');
  if (a.type !== 'update') return;
  assert.deepEqual(a.secret.data, { 'ca.crt': b64('CA'), namespace: b64('ns'), token: b64('jwt(system:serviceaccount:ns:robot,robot-token)') });
  assert.equal(a.secret.metadata.annotations?.[SA_UID_ANNOTATION], 'sa-uid');
  assert.equal(a.secret.metadata.resourceVersion, '7');
  assert.deepEqual(reconcileTokenSecret(a.secret, sa, { caPem: 'CA', sign: fakeSign }), { type: 'none' });
  // A rotated CA is rewritten, the token kept.
  const rotated = reconcileTokenSecret(a.secret, sa, { caPem: 'CA2', sign: () => 'other' });
  assert.equal(rotated.type === 'update' && rotated.secret.data?.['token'], a.secret.data?.['token']);
  assert.equal(rotated.type === 'update' && rotated.secret.data?.['ca.crt'], b64('CA2'));
});

test('a token of a missing or replaced account is deleted; other secrets are ignored', () => {
  assert.deepEqual(reconcileTokenSecret(secret({ [SA_NAME_ANNOTATION]: 'robot' }), undefined, { sign: fakeSign }), { type: 'delete', namespace: 'ns', name: 'robot-token', uid: 's-uid' });
  assert.equal(reconcileTokenSecret(secret({ [SA_NAME_ANNOTATION]: 'robot', [SA_UID_ANNOTATION]: 'old' }), sa, { sign: fakeSign }).type, 'delete');
  assert.equal(reconcileTokenSecret({ ...secret({ [SA_NAME_ANNOTATION]: 'robot' }), type: 'Opaque' }, undefined, { sign: fakeSign }).type, 'none');
  assert.equal(reconcileTokenSecret(secret({}), undefined, { sign: fakeSign }).type, 'none');
});

test('createJwtSigner: RS256 JWT with upstream legacy claims, verifiable with the public key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sign = createJwtSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const a = reconcileTokenSecret(secret({ [SA_NAME_ANNOTATION]: 'robot' }), sa, { sign });
  assert.equal(a.type, 'update');
  const jwt = Buffer.from((a as { secret: SecretView }).secret.data!['token']!, 'base64').toString();
  const [h, p, s] = jwt.split('.');
  assert.equal(JSON.parse(Buffer.from(h!, 'base64url').toString()).alg, 'RS256');
  assert.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), {
    iss: 'kubernetes/serviceaccount',
    sub: 'system:serviceaccount:ns:robot',
    'kubernetes.io/serviceaccount/namespace': 'ns',
    'kubernetes.io/serviceaccount/secret.name': 'robot-token',
    'kubernetes.io/serviceaccount/service-account.name': 'robot',
    'kubernetes.io/serviceaccount/service-account.uid': 'sa-uid',
  });
  assert.ok(createVerify('sha256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s!, 'base64url')));
});
