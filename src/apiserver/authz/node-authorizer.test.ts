import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, UserInfo } from '../../api/types.js';
import { createNodeAuthorizer } from './node-authorizer.js';
import { NodeGraph } from './node-graph.js';
import { forbiddenError } from './forbidden.js';
import type { Attributes } from './types.js';

const n1: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

function attrs(user: UserInfo, verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  return { user, verb, isResourceRequest: true, path: '', namespace: '', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', ...o };
}

function setup() {
  const g = new NodeGraph();
  g.putPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'app' },
    spec: {
      nodeName: 'n1',
      serviceAccountName: 'runner',
      containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'cfg' } }] }],
      volumes: [
        { name: 's', secret: { secretName: 'creds' } },
        { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
      ],
    },
  } as KubeObject);
  g.putPV({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'app', name: 'data' } } } as KubeObject);
  return createNodeAuthorizer(g);
}

const NO_REL = "no relationship found between node 'n1' and this object";

test('Node authorizer: secrets and configmaps only when a pod of the node references them; get, list and watch of one object', () => {
  const a = setup();
  for (const verb of ['get', 'list', 'watch']) {
    assert.deepEqual(a.authorize(attrs(n1, verb, 'secrets', { namespace: 'app', name: 'creds' })), { decision: 'allow', reason: '' }, verb);
    assert.deepEqual(a.authorize(attrs(n1, verb, 'configmaps', { namespace: 'app', name: 'cfg' })), { decision: 'allow', reason: '' }, verb);
  }
  assert.deepEqual(a.authorize(attrs(n1, 'get', 'secrets', { namespace: 'app', name: 'other' })), { decision: 'no-opinion', reason: NO_REL });
  assert.deepEqual(a.authorize(attrs(n1, 'get', 'secrets', { namespace: 'kube-system', name: 'creds' })), { decision: 'no-opinion', reason: NO_REL });
  assert.deepEqual(a.authorize(attrs(n1, 'list', 'secrets', { namespace: 'app' })), { decision: 'no-opinion', reason: 'No Object name found' });
  assert.deepEqual(a.authorize(attrs(n1, 'list', 'secrets')), { decision: 'no-opinion', reason: 'can only read namespaced object of this type' });
  assert.deepEqual(a.authorize(attrs(n1, 'update', 'secrets', { namespace: 'app', name: 'creds' })), { decision: 'no-opinion', reason: 'can only read resources of this type' });
  assert.deepEqual(a.authorize(attrs(n1, 'get', 'secrets', { namespace: 'app', name: 'creds', subresource: 'x' })), { decision: 'no-opinion', reason: 'cannot read subresource' });
  const n2: UserInfo = { username: 'system:node:n2', groups: ['system:nodes'] };
  assert.deepEqual(a.authorize(attrs(n2, 'get', 'secrets', { namespace: 'app', name: 'creds' })), { decision: 'no-opinion', reason: "no relationship found between node 'n2' and this object" });
});

test("Node authorizer: the 403 text is upstream's", () => {
  const a = setup();
  const at = attrs(n1, 'get', 'secrets', { namespace: 'app', name: 'other' });
  const err = forbiddenError(at, a.authorize(at).reason);
  assert.equal(err.code, 403);
  assert.equal(err.message, `secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "app": ${NO_REL}`);
});

test('Node authorizer: PVCs (get, status update) and PVs (get) through pods; service-account tokens of pods of the node', () => {
  const a = setup();
  assert.equal(a.authorize(attrs(n1, 'get', 'persistentvolumeclaims', { namespace: 'app', name: 'data' })).decision, 'allow');
  assert.deepEqual(a.authorize(attrs(n1, 'list', 'persistentvolumeclaims', { namespace: 'app', name: 'data' })), { decision: 'no-opinion', reason: 'can only get individual resources of this type' });
  assert.equal(a.authorize(attrs(n1, 'patch', 'persistentvolumeclaims', { namespace: 'app', name: 'data', subresource: 'status' })).decision, 'allow');
  assert.deepEqual(a.authorize(attrs(n1, 'get', 'persistentvolumeclaims', { namespace: 'app', name: 'data', subresource: 'status' })), { decision: 'no-opinion', reason: 'can only get/update/patch this type' });
  assert.equal(a.authorize(attrs(n1, 'get', 'persistentvolumes', { name: 'pv1' })).decision, 'allow');
  assert.deepEqual(a.authorize(attrs(n1, 'get', 'persistentvolumes', { name: 'pv2' })), { decision: 'no-opinion', reason: NO_REL });
  assert.equal(a.authorize(attrs(n1, 'create', 'serviceaccounts', { namespace: 'app', name: 'runner', subresource: 'token' })).decision, 'allow');
  assert.deepEqual(a.authorize(attrs(n1, 'create', 'serviceaccounts', { namespace: 'app', name: 'default', subresource: 'token' })), { decision: 'no-opinion', reason: NO_REL });
  assert.deepEqual(a.authorize(attrs(n1, 'get', 'serviceaccounts', { namespace: 'app', name: 'runner' })), { decision: 'no-opinion', reason: 'can only create tokens for individual service accounts' });
  assert.deepEqual(a.authorize(attrs(n1, 'create', 'serviceaccounts', { namespace: 'app', name: 'runner' })), { decision: 'no-opinion', reason: 'can only create token subresource of serviceaccount' });
});

test('Node authorizer: leases and CSINodes of its own name; other resources by the static node rules; non-nodes get no opinion', () => {
  const a = setup();
  const lease = (verb: string, o: Partial<Attributes>) => a.authorize(attrs(n1, verb, 'leases', { apiGroup: 'coordination.k8s.io', ...o }));
  assert.equal(lease('patch', { namespace: 'kube-node-lease', name: 'n1' }).decision, 'allow');
  assert.equal(lease('create', { namespace: 'kube-node-lease' }).decision, 'allow');
  assert.deepEqual(lease('patch', { namespace: 'kube-node-lease', name: 'n2' }), { decision: 'no-opinion', reason: 'can only access node lease with the same name as the requesting node' });
  assert.deepEqual(lease('get', { namespace: 'default', name: 'n1' }), { decision: 'no-opinion', reason: 'can only access leases in the "kube-node-lease" system namespace' });
  assert.deepEqual(lease('list', { namespace: 'kube-node-lease' }), { decision: 'no-opinion', reason: 'can only get, create, update, patch, or delete a node lease' });
  const csi = (verb: string, o: Partial<Attributes>) => a.authorize(attrs(n1, verb, 'csinodes', { apiGroup: 'storage.k8s.io', ...o }));
  assert.equal(csi('get', { name: 'n1' }).decision, 'allow');
  assert.deepEqual(csi('get', { name: 'n2' }), { decision: 'no-opinion', reason: 'can only access CSINode with the same name as the requesting node' });
  assert.equal(a.authorize(attrs(n1, 'patch', 'nodes', { name: 'n1', subresource: 'status' })).decision, 'allow');
  assert.equal(a.authorize(attrs(n1, 'list', 'pods')).decision, 'allow');
  assert.deepEqual(a.authorize(attrs(n1, 'delete', 'namespaces', { name: 'a' })), { decision: 'no-opinion', reason: '' });
  assert.deepEqual(a.authorize(attrs(alice, 'get', 'secrets', { namespace: 'app', name: 'creds' })), { decision: 'no-opinion', reason: '' });
  assert.deepEqual(a.authorize(attrs({ username: 'system:node:', groups: ['system:nodes'] }, 'get', 'nodes')), { decision: 'no-opinion', reason: 'unknown node for user "system:node:"' });
});

test('Node authorizer without a graph keeps the static rules for every resource (the previous behaviour)', () => {
  const a = createNodeAuthorizer();
  assert.equal(a.authorize(attrs(n1, 'list', 'secrets')).decision, 'allow');
  assert.equal(a.authorize(attrs(n1, 'get', 'configmaps', { namespace: 'x', name: 'y' })).decision, 'allow');
});

test('list/watch with fieldSelector metadata.name=X are authorized for X (upstream RequestInfoFactory); invalid names are not', async () => {
  const { parseRequestInfo } = await import('../request-info.js');
  const { requestAttributes } = await import('./request.js');
  const a = setup();
  const decide = (url: string) => {
    const u = new URL(url, 'https://x');
    return a.authorize(requestAttributes(n1, parseRequestInfo('GET', u.pathname, u.searchParams))).decision;
  };
  assert.equal(decide('/api/v1/namespaces/app/secrets?fieldSelector=metadata.name%3Dcreds'), 'allow');
  assert.equal(decide('/api/v1/namespaces/app/secrets?watch=true&fieldSelector=metadata.name%3D%3Dcreds'), 'allow');
  assert.equal(decide('/api/v1/namespaces/app/secrets?fieldSelector=metadata.name%3Dother'), 'no-opinion');
  assert.equal(decide('/api/v1/namespaces/app/secrets?fieldSelector=metadata.name!%3Dcreds'), 'no-opinion');
  assert.equal(decide('/api/v1/namespaces/app/secrets?fieldSelector=metadata.name%3Da%2Fb'), 'no-opinion');
  assert.equal(decide('/api/v1/namespaces/app/secrets'), 'no-opinion');
  const info = parseRequestInfo('GET', '/api/v1/namespaces/app/secrets', new URLSearchParams('fieldSelector=metadata.name=creds'));
  assert.equal(info.isResourceRequest && info.name, '', 'handlers still see a list');
});
