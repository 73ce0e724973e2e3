import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../lib/errors.js';
import { createRestClient, errorFromStatus } from './rest-client.js';
import type { StreamCallbacks, Transport, TransportRequest, TransportResponse } from './transport.js';
import { R } from './types.js';

function fakeTransport(answer: (r: TransportRequest) => TransportResponse = () => ({ status: 200, headers: {}, body: '{"kind":"X","apiVersion":"v1","metadata":{}}' })) {
  const requests: TransportRequest[] = [];
  let streamCb: StreamCallbacks | undefined;
  let aborted = 0;
  const transport: Transport = {
    request: async (r) => (requests.push(r), answer(r)),
    stream: (r, cb) => {
      requests.push(r);
      streamCb = cb;
      return { abort: () => void aborted++ };
    },
  };
  return { transport, requests, stream: () => streamCb!, aborted: () => aborted };
}

test('URLs: core vs group, namespaced vs cluster, subresources, query parameters, content types', async () => {
  const f = fakeTransport();
  const c = createRestClient(f.transport, 'ua');
  await c.get(R.pods, 'ns1', 'p');
  await c.get(R.nodes, '', 'n');
  await c.get(R.namespaces, 'ignored', 'kube-system');
  await c.list(R.deployments, { namespace: 'ns', labelSelector: 'a=b,c in (d)', fieldSelector: 'metadata.name=x', limit: 500, continue: 'tok', resourceVersion: '5' });
  await c.list(R.deployments);
  await c.create(R.configmaps, '', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'from-obj' } }, { dryRun: true, fieldManager: 'm', fieldValidation: 'Strict' });
  await c.update(R.deployments, 'ns', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, { subresource: 'status' });
  await c.patch(R.leases, 'kube-system', 'l', 'json', [], {});
  await c.patch(R.leases, 'kube-system', 'l', 'merge', {});
  await c.patch(R.leases, 'kube-system', 'l', 'strategic', {});
  await c.patch(R.deployments, 'ns', 'd', 'apply', {}, { force: true, subresource: 'scale' });
  await c.delete(R.pods, 'ns', 'p', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u' }, dryRun: true });
  await c.post(R.pods, 'ns', 'p', 'eviction', { kind: 'Eviction' });
  const lines = f.requests.map((r) => `${r.method} ${r.path} ${r.headers['Content-Type'] ?? ''}`.trim());
  assert.deepEqual(lines, [
    'GET /api/v1/namespaces/ns1/pods/p',
    'GET /api/v1/nodes/n',
    'GET /api/v1/namespaces/kube-system',
    'GET /apis/apps/v1/namespaces/ns/deployments?labelSelector=a%3Db%2Cc+in+%28d%29&fieldSelector=metadata.name%3Dx&limit=500&continue=tok&resourceVersion=5',
    'GET /apis/apps/v1/deployments',
    'POST /api/v1/namespaces/from-obj/configmaps?dryRun=All&fieldManager=m&fieldValidation=Strict application/json',
    'PUT /apis/apps/v1/namespaces/ns/deployments/d/status application/json',
    'PATCH /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l application/json-patch+json',
    'PATCH /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l application/merge-patch+json',
    'PATCH /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l application/strategic-merge-patch+json',
    'PATCH /apis/apps/v1/namespaces/ns/deployments/d/scale?fieldManager=ua&force=true application/apply-patch+yaml',
    'DELETE /api/v1/namespaces/ns/pods/p application/json',
    'POST /api/v1/namespaces/ns/pods/p/eviction application/json',
  ]);
  assert.equal(f.requests[0]!.headers['Accept'], 'application/json');
  assert.equal(f.requests[0]!.headers['User-Agent'], 'ua');
  assert.deepEqual(JSON.parse(f.requests[11]!.body!), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u' }, dryRun: ['All'] });
});

test('errors: Status bodies become ApiError with reason, code, details; odd bodies map by code', async () => {
  const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods "p" not found', reason: 'NotFound', code: 404, details: { name: 'p', kind: 'pods' } };
  const c = createRestClient(fakeTransport(() => ({ status: 404, headers: {}, body: JSON.stringify(status) })).transport, 'ua');
  await assert.rejects(c.get(R.pods, 'ns', 'p'), (e: unknown) => e instanceof ApiError && e.reason === 'NotFound' && e.code === 404 && e.message === status.message && e.details?.name === 'p');
  const plain = createRestClient(fakeTransport(() => ({ status: 503, headers: {}, body: 'upstream down' })).transport, 'ua');
  await assert.rejects(plain.get(R.pods, 'ns', 'p'), (e: unknown) => e instanceof ApiError && e.reason === 'ServiceUnavailable' && e.message === 'upstream down');
  assert.equal(errorFromStatus(500, { code: 410, reason: 'Expired', message: 'too old' }).code, 410);
  assert.equal(errorFromStatus(418, {}).reason, 'BadRequest');
});

test('watch: lines split across chunks, several per chunk, multi-byte text; ERROR closes with the ApiError', () => {
  const f = fakeTransport();
  const c = createRestClient(f.transport, 'ua');
  const events: string[] = [];
  const closes: (Error | undefined)[] = [];
  c.watch(R.pods, { namespace: 'ns', resourceVersion: '10', allowWatchBookmarks: true, timeoutSeconds: 30 }, (e) => events.push(`${e.type} ${e.object.metadata?.name ?? ''}`), (err) => closes.push(err));
  assert.equal(f.requests[0]!.path, '/api/v1/namespaces/ns/pods?watch=true&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=30');
  const s = f.stream();
  s.onResponse(200, {});
  const l1 = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'é1' } } }) + '\n';
  const l2 = JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'b' } } }) + '\n';
  s.onData(l1.slice(0, 7));
  s.onData(l1.slice(7) + l2 + '{"type":"DEL');
  s.onData('ETED","object":{"metadata":{"name":"b"}}}\n\n');
  assert.deepEqual(events, ['ADDED é1', 'MODIFIED b', 'DELETED b']);
  s.onData(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } }) + '\n');
  assert.equal(events.at(-1), 'ERROR ');
  assert.equal(closes.length, 1);
  assert.ok(closes[0] instanceof ApiError && closes[0].code === 410 && closes[0].reason === 'Expired', 'closed with 410');
  assert.equal(f.aborted(), 1);
  s.onEnd();
  assert.equal(closes.length, 1, 'onClose once');
});

test('watch: non-2xx answers close with the ApiError; a clean end closes without error; stop() is silent', () => {
  const f = fakeTransport();
  const c = createRestClient(f.transport, 'ua');
  const closes: (Error | undefined)[] = [];
  c.watch(R.pods, {}, () => {}, (err) => closes.push(err));
  const s = f.stream();
  s.onResponse(403, {});
  s.onData('{"kind":"Status","code":403,"reason":"Forbidden","message":"no"}');
  s.onEnd();
  assert.ok(closes[0] instanceof ApiError && closes[0].reason === 'Forbidden', 'forbidden');

  const clean: (Error | undefined)[] = [];
  c.watch(R.pods, {}, () => {}, (err) => clean.push(err));
  f.stream().onResponse(200, {});
  f.stream().onEnd();
  assert.deepEqual(clean, [undefined]);

  const silent: (Error | undefined)[] = [];
  const events: string[] = [];
  const h = c.watch(R.pods, {}, (e) => {
    events.push(e.type);
    h.stop();
  }, (err) => silent.push(err));
  const s3 = f.stream();
  s3.onResponse(200, {});
  s3.onData('{"type":"ADDED","object":{"metadata":{}}}\n{"type":"ADDED","object":{"metadata":{}}}\n');
  s3.onEnd(new Error('reset'));
  assert.deepEqual(events, ['ADDED'], 'no events after stop() from inside a handler');
  assert.deepEqual(silent, []);

  const bad: (Error | undefined)[] = [];
  c.watch(R.pods, {}, () => {}, (err) => bad.push(err));
  f.stream().onResponse(200, {});
  f.stream().onData('not json\n');
  assert.ok(bad[0] instanceof Error && !(bad[0] instanceof ApiError), 'decode failure is a plain Error');
});
