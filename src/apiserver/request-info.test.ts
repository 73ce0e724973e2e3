import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo, type ResourceRequestInfo } from './request-info.js';

function r(method: string, path: string, q = ''): ResourceRequestInfo {
  const info = parseRequestInfo(method, path, new URLSearchParams(q));
  assert.ok(info.isResourceRequest, `${path} should be a resource request`);
  return info;
}

test('namespaced and cluster-scoped paths', () => {
  assert.deepEqual(
    (({ verb, group, version, namespace, resource, name, subresource }) => ({ verb, group, version, namespace, resource, name, subresource }))(
      r('GET', '/apis/apps/v1/namespaces/prod/deployments/web/scale'),
    ),
    { verb: 'get', group: 'apps', version: 'v1', namespace: 'prod', resource: 'deployments', name: 'web', subresource: 'scale' },
  );
  const ns = r('GET', '/api/v1/namespaces/prod');
  assert.equal(ns.resource, 'namespaces');
  assert.equal(ns.name, 'prod');
  assert.equal(ns.namespace, 'prod');
  const nsStatus = r('PUT', '/api/v1/namespaces/prod/status');
  assert.deepEqual([nsStatus.resource, nsStatus.name, nsStatus.subresource], ['namespaces', 'prod', 'status']);
  const fin = r('PUT', '/api/v1/namespaces/prod/finalize');
  assert.deepEqual([fin.resource, fin.name, fin.subresource], ['namespaces', 'prod', 'finalize']);
  assert.equal(r('GET', '/api/v1/namespaces').verb, 'list');
  assert.equal(r('GET', '/api/v1/pods', 'watch=true').verb, 'watch');
  assert.equal(r('GET', '/api/v1/watch/namespaces/a/pods').verb, 'watch');
  assert.equal(r('DELETE', '/api/v1/namespaces/a/pods').verb, 'deletecollection');
  assert.equal(r('DELETE', '/api/v1/namespaces/a/pods/p').verb, 'delete');
  assert.equal(r('PATCH', '/api/v1/nodes/n1').resource, 'nodes');
});

test('discovery paths are not resource requests', () => {
  for (const p of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/version', '/openapi/v3'])
    assert.equal(parseRequestInfo('GET', p, new URLSearchParams()).isResourceRequest, false, p);
});
