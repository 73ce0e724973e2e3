/** apiVolumeSources over a fake Client: read reuse, misses not cached, TokenRequest body and errors, downward API from the pod. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { KubeObject } from '../../api/types.js';
import type { Client, GVR } from '../../client/types.js';
import { ApiError } from '../../lib/errors.js';
import { apiVolumeSources } from './pod-volumes.js';

function fakeClient(objects: Map<string, KubeObject>, post: (body: unknown) => unknown) {
  const calls: string[] = [];
  const notFound = (r: string, name: string) => new ApiError('NotFound', 404, `${r} "${name}" not found`);
  const client = {
    userAgent: 'test',
    async get(gvr: GVR, ns: string, name: string) {
      calls.push(`get ${gvr.resource} ${ns}/${name}`);
      const o = objects.get(`${gvr.resource}/${ns}/${name}`);
      if (!o) throw notFound(gvr.resource, name);
      return structuredClone(o);
    },
    async post(gvr: GVR, ns: string, name: string, sub: string, body: unknown) {
      calls.push(`post ${gvr.resource}/${sub} ${ns}/${name}`);
      return post(body);
    },
  } as unknown as Client;
  return { client, calls };
}

test('ConfigMaps and Secrets: found objects reused within the TTL, misses read again, other errors thrown', async () => {
  const objects = new Map<string, KubeObject>();
  let now = 1_000;
  const { client, calls } = fakeClient(objects, () => ({}));
  const src = apiVolumeSources(client, { cacheTtlMs: 5_000, now: () => now });
  assert.equal(await src.getConfigMap('ns', 'cfg'), undefined);
  assert.equal(await src.getConfigMap('ns', 'cfg'), undefined);
  assert.equal(calls.length, 2, 'a miss is never cached');
  objects.set('configmaps/ns/cfg', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } } as KubeObject);
  assert.deepEqual((await src.getConfigMap('ns', 'cfg'))?.data, { a: '1' });
  objects.set('configmaps/ns/cfg', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '2' } } as KubeObject);
  now += 4_999;
  assert.deepEqual((await src.getConfigMap('ns', 'cfg'))?.data, { a: '1' }, 'reused within the TTL');
  now += 1;
  assert.deepEqual((await src.getConfigMap('ns', 'cfg'))?.data, { a: '2' }, 'read again after it');
  // Concurrent reads of one object are one GET.
  now += 10_000;
  const before = calls.length;
  await Promise.all([src.getConfigMap('ns', 'cfg'), src.getConfigMap('ns', 'cfg'), src.getConfigMap('ns', 'cfg')]);
  assert.equal(calls.length, before + 1);
  objects.set('secrets/ns/s', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'eA==' } } as KubeObject);
  assert.deepEqual((await src.getSecret('ns', 's'))?.data, { p: 'eA==' });

  const failing = apiVolumeSources({ userAgent: 't', get: async () => Promise.reject(new ApiError('Forbidden', 403, 'no')) } as unknown as Client);
  await assert.rejects(failing.getConfigMap('ns', 'x'), /no/);
});

test('requestToken: TokenRequest bound to the pod; failures as kubelet words them', async () => {
  const bodies: unknown[] = [];
  const { client, calls } = fakeClient(new Map(), (body) => {
    bodies.push(body);
    return { status: { token: 'jwt', expirationTimestamp: '2026-01-01T01:00:07Z' } };
  });
  const src = apiVolumeSources(client);
  assert.deepEqual(await src.requestToken('ns', 'sa', { audiences: [], expirationSeconds: 3607, boundPod: { name: 'web', uid: 'u1' } }), { token: 'jwt', expirationTimestamp: '2026-01-01T01:00:07Z' });
  await src.requestToken('ns', 'sa', { audiences: ['vault'], expirationSeconds: 600, boundPod: { name: 'web', uid: 'u1' } });
  assert.deepEqual(calls, ['post serviceaccounts/token ns/sa', 'post serviceaccounts/token ns/sa']);
  assert.deepEqual(bodies, [
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u1' } } },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u1' } } },
  ]);
  const denied = apiVolumeSources({
    userAgent: 't',
    post: async () => Promise.reject(new ApiError('Forbidden', 403, 'serviceaccounts "sa" is forbidden: node requested token bound to a pod scheduled on a different node')),
  } as unknown as Client);
  await assert.rejects(denied.requestToken('ns', 'sa', { audiences: [], expirationSeconds: 3607, boundPod: { name: 'web', uid: 'u1' } }), {
    message: 'failed to fetch token: serviceaccounts "sa" is forbidden: node requested token bound to a pod scheduled on a different node',
  });
  const empty = apiVolumeSources({ userAgent: 't', post: async () => ({}) } as unknown as Client);
  await assert.rejects(empty.requestToken('ns', 'sa', { audiences: [], expirationSeconds: 3607, boundPod: { name: 'web', uid: 'u1' } }), /no status\.token/);
});

test('downward API values come from the pod and its status; resources from the named container or node allocatable', () => {
  const src = apiVolumeSources({ userAgent: 't' } as unknown as Client, { nodeAllocatable: { cpu: '4', memory: '8Gi' } });
  const pod = {
    metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
    spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'app', resources: { limits: { memory: '64Mi' } } }] },
    status: { podIP: '10.42.0.7', podIPs: [{ ip: '10.42.0.7' }], hostIP: '192.168.1.2' },
  } as unknown as V1Pod;
  assert.deepEqual(src.podFieldValue(pod, { fieldPath: 'status.podIP' }), { value: '10.42.0.7' });
  assert.deepEqual(src.podFieldValue(pod, { fieldPath: 'status.hostIP' }), { value: '192.168.1.2' });
  assert.deepEqual(src.podFieldValue(pod, { fieldPath: 'spec.nodeName' }), { value: 'n1' });
  assert.deepEqual(src.podResourceValue(pod, { containerName: 'app', resource: 'limits.memory' }), { value: String(64 * 1024 * 1024) });
  assert.deepEqual(src.podResourceValue(pod, { containerName: 'app', resource: 'limits.cpu' }), { value: '4' });
});
