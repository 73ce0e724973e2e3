import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../../api/builtin.js';
import type { KubeObject, ResourceDef, UserInfo } from '../../../api/types.js';
import { ApiError } from '../../../lib/errors.js';
import type { AdmissionOperation, AdmissionRequest } from '../types.js';
import { createNodeRestriction, forbiddenNodeLabels, isKubeletLabel, nodeIdentity } from './node-restriction.js';

const defs = builtinResources();
const def = (group: string, plural: string): ResourceDef => {
  const d = defs.find((x) => x.group === group && x.plural === plural);
  assert.ok(d, `${plural}.${group} is a built-in resource`);
  return d;
};
const NODES = def('', 'nodes');
const PODS = def('', 'pods');
const LEASES = def('coordination.k8s.io', 'leases');
const PVCS = def('', 'persistentvolumeclaims');
const SAS = def('', 'serviceaccounts');

const nodeUser = (name: string): UserInfo => ({ username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });
const A = nodeUser('a');

function req(r: Partial<AdmissionRequest> & { def: ResourceDef; operation: AdmissionOperation }): AdmissionRequest {
  return { namespace: '', name: '', subresource: '', user: A, dryRun: false, ...r };
}

const stored: Record<string, KubeObject> = {
  'nodes//a': { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a', uid: 'uid-a' } },
  'pods/ns/mine': { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mine', namespace: 'ns', uid: 'pod-mine' }, spec: { nodeName: 'a', containers: [] } },
  'pods/ns/theirs': { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'theirs', namespace: 'ns', uid: 'pod-theirs' }, spec: { nodeName: 'b', containers: [] } },
};
const plugin = createNodeRestriction({ reader: { get: async (gvr, ns, name) => stored[`${gvr.resource}/${ns}/${name}`] } });

async function refused(r: AdmissionRequest, message: string, code = 403): Promise<void> {
  await assert.rejects(
    async () => plugin.admit(r),
    (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.message, message);
      assert.equal(e.code, code);
      return true;
    },
  );
}
const allowed = async (r: AdmissionRequest) => assert.equal(await plugin.admit(r), undefined);

const node = (name: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  ...extra,
});

test('nodeIdentity: the name after system:node: and only with the system:nodes group', () => {
  assert.deepEqual(nodeIdentity(A), { isNode: true, nodeName: 'a' });
  assert.deepEqual(nodeIdentity({ username: 'system:node:a', groups: [] }), { isNode: false });
  assert.deepEqual(nodeIdentity({ username: 'admin', groups: ['system:nodes'] }), { isNode: false });
  assert.deepEqual(nodeIdentity({ username: 'system:node:', groups: ['system:nodes'] }), { isNode: true, nodeName: '' });
});

test('other users and other resources pass untouched', async () => {
  await allowed(req({ def: NODES, operation: 'UPDATE', name: 'b', user: { username: 'admin', groups: ['system:masters'] }, object: node('b'), oldObject: node('b') }));
  await allowed(req({ def: def('', 'events'), operation: 'CREATE', namespace: 'ns', object: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' } } }));
  await allowed(req({ def: def('', 'configmaps'), operation: 'CREATE', namespace: 'ns', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } }));
  await refused(req({ def: NODES, operation: 'UPDATE', name: 'a', user: { username: 'system:node:', groups: ['system:nodes'] } }), 'nodes "a" is forbidden: could not determine node from user "system:node:"');
});

test('nodes: only its own Node', async () => {
  await allowed(req({ def: NODES, operation: 'CREATE', name: 'a', object: node('a', {}, { 'kubernetes.io/hostname': 'a', 'node.kubernetes.io/instance-type': 'm5', 'workload-type': 'x' }) }));
  await refused(req({ def: NODES, operation: 'CREATE', name: 'b', object: node('b') }), 'nodes "b" is forbidden: node "a" is not allowed to modify node "b"');
  await refused(req({ def: NODES, operation: 'UPDATE', name: 'b', object: node('b'), oldObject: node('b') }), 'nodes "b" is forbidden: node "a" is not allowed to modify node "b"');
  await refused(req({ def: NODES, operation: 'UPDATE', subresource: 'status', name: 'b', object: node('b'), oldObject: node('b') }), 'nodes "b" is forbidden: node "a" is not allowed to modify node "b"');
  await refused(req({ def: NODES, operation: 'DELETE', name: 'b', oldObject: node('b') }), 'nodes "b" is forbidden: node "a" is not allowed to modify node "b"');
  await allowed(req({ def: NODES, operation: 'DELETE', name: 'a', oldObject: node('a') }));
  await allowed(req({ def: NODES, operation: 'UPDATE', subresource: 'status', name: 'a', object: node('a', { status: { phase: 'x' } }), oldObject: node('a') }));
});

test('nodes: forbidden labels on create and on update', async () => {
  await refused(
    req({ def: NODES, operation: 'CREATE', name: 'a', object: node('a', {}, { 'node-role.kubernetes.io/worker': '', 'node-restriction.kubernetes.io/x': 'y', 'example.com/ok': '1' }) }),
    'nodes "a" is forbidden: node "a" is not allowed to set the following labels: node-restriction.kubernetes.io/x, node-role.kubernetes.io/worker',
  );
  const old = node('a', {}, { 'kubernetes.io/hostname': 'a', 'foo.k8s.io/x': '1' });
  await refused(req({ def: NODES, operation: 'UPDATE', name: 'a', object: node('a', {}, { 'kubernetes.io/hostname': 'a' }), oldObject: old }), 'nodes "a" is forbidden: is not allowed to modify labels: foo.k8s.io/x');
  // Unchanged forbidden labels (set by an admin) are fine; kubelet labels may change.
  await allowed(req({ def: NODES, operation: 'UPDATE', name: 'a', object: node('a', {}, { 'kubernetes.io/hostname': 'b', 'foo.k8s.io/x': '1', 'kubelet.kubernetes.io/y': '2', 'team': 'x' }), oldObject: old }));
});

test('nodes: taints may be set on create but never changed by the node', async () => {
  const taints = [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }];
  await allowed(req({ def: NODES, operation: 'CREATE', name: 'a', object: node('a', { spec: { taints } }) }));
  await refused(req({ def: NODES, operation: 'UPDATE', name: 'a', object: node('a', { spec: {} }), oldObject: node('a', { spec: { taints } }) }), 'nodes "a" is forbidden: node "a" is not allowed to modify taints');
  await allowed(req({ def: NODES, operation: 'UPDATE', name: 'a', object: node('a', { spec: { taints: [] } }), oldObject: node('a', { spec: {} }) }));
  await refused(req({ def: NODES, operation: 'CREATE', name: 'a', object: node('a', { spec: { configSource: { configMap: {} } } }) }), 'nodes "a" is forbidden: node "a" is not allowed to create pods with a non-nil configSource');
  await refused(
    req({ def: NODES, operation: 'UPDATE', name: 'a', object: node('a', { spec: { configSource: { configMap: {} } } }), oldObject: node('a') }),
    'nodes "a" is forbidden: node "a" is not allowed to update configSource to a new non-nil configSource',
  );
});

const mirror = (over: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'static-a',
    namespace: 'ns',
    annotations: { 'kubernetes.io/config.mirror': 'hash' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'a', uid: 'uid-a', controller: true }],
    ...over,
  },
  spec: { nodeName: 'a', containers: [{ name: 'c', image: 'i' }], ...spec },
});
const createPod = (obj: KubeObject) => req({ def: PODS, operation: 'CREATE', namespace: 'ns', name: obj.metadata.name!, object: obj });
const P = 'pods "static-a" is forbidden: ';

test('pods: a node creates only mirror pods bound to and owned by itself', async () => {
  await allowed(createPod(mirror()));
  await refused(createPod(mirror({ annotations: {} })), `${P}pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods`);
  await refused(createPod(mirror({}, { nodeName: 'b' })), `${P}node "a" can only create pods with spec.nodeName set to itself`);
  await refused(createPod(mirror({ ownerReferences: [] })), `${P}node "a" can only create pods with an owner reference set to itself`);
  const ref = { apiVersion: 'v1', kind: 'Node', name: 'a', uid: 'uid-a', controller: true };
  await refused(createPod(mirror({ ownerReferences: [ref, ref] })), `${P}node "a" can only create pods with a single owner reference set to itself`);
  await refused(createPod(mirror({ ownerReferences: [{ ...ref, name: 'b' }] })), `${P}node "a" can only create pods with an owner reference set to itself`);
  await refused(createPod(mirror({ ownerReferences: [{ ...ref, controller: false }] })), `${P}node "a" can only create pods with a controller owner reference set to itself`);
  await refused(createPod(mirror({ ownerReferences: [{ ...ref, blockOwnerDeletion: true }] })), `${P}node "a" must not set blockOwnerDeletion on an owner reference`);
  await refused(createPod(mirror({ ownerReferences: [{ ...ref, uid: 'other' }] })), `${P}node a UID mismatch: expected other got uid-a`);
  await refused(createPod(mirror({}, { serviceAccountName: 'default' })), `${P}node "a" can not create pods that reference a service account`);
  await refused(createPod(mirror({}, { imagePullSecrets: [{ name: 's' }] })), `${P}node "a" can not create pods that reference secrets`);
  await refused(
    createPod(mirror({}, { containers: [{ name: 'c', image: 'i', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] })),
    `${P}node "a" can not create pods that reference secrets`,
  );
  await refused(createPod(mirror({}, { volumes: [{ name: 'v', secret: { secretName: 's' } }] })), `${P}node "a" can not create pods that reference secrets`);
  await refused(createPod(mirror({}, { volumes: [{ name: 'v', configMap: { name: 'c' } }] })), `${P}node "a" can not create pods that reference configmaps`);
  await refused(
    createPod(mirror({}, { initContainers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'c' } }] }] })),
    `${P}node "a" can not create pods that reference configmaps`,
  );
  await refused(
    createPod(mirror({}, { volumes: [{ name: 'v', projected: { sources: [{ clusterTrustBundle: { name: 'b', path: 'p' } }] } }] })),
    `${P}node "a" can not create pods that reference clustertrustbundles`,
  );
  await refused(createPod(mirror({}, { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] })), `${P}node "a" can not create pods that reference persistentvolumeclaims`);
});

test('pods: status only of its own pods, never their labels; no spec updates; deletes of its own pods', async () => {
  const mine = stored['pods/ns/mine']!;
  const theirs = stored['pods/ns/theirs']!;
  const status = (p: KubeObject, labels?: Record<string, string>) => ({ ...p, metadata: { ...p.metadata, labels }, status: { phase: 'Running' } });
  await allowed(req({ def: PODS, operation: 'UPDATE', subresource: 'status', namespace: 'ns', name: 'mine', object: status(mine), oldObject: mine }));
  await refused(
    req({ def: PODS, operation: 'UPDATE', subresource: 'status', namespace: 'ns', name: 'theirs', object: status(theirs), oldObject: theirs }),
    'pods "theirs" is forbidden: node "a" can only update pod status for pods with spec.nodeName set to itself',
  );
  await refused(
    req({ def: PODS, operation: 'UPDATE', subresource: 'status', namespace: 'ns', name: 'mine', object: status(mine, { x: 'y' }), oldObject: mine }),
    'pods "mine" is forbidden: node "a" cannot update labels through pod status',
  );
  await refused(
    req({ def: PODS, operation: 'UPDATE', namespace: 'ns', name: 'mine', object: mine, oldObject: mine }),
    'pods "mine" is forbidden: unexpected operation "UPDATE", node "a" can only create and delete mirror pods',
  );
  await allowed(req({ def: PODS, operation: 'DELETE', namespace: 'ns', name: 'mine', oldObject: mine }));
  await allowed(req({ def: PODS, operation: 'DELETE', namespace: 'ns', name: 'mine' })); // read through the reader
  await refused(req({ def: PODS, operation: 'DELETE', namespace: 'ns', name: 'theirs', oldObject: theirs }), 'pods "theirs" is forbidden: node "a" can only delete pods with spec.nodeName set to itself');
  await refused(req({ def: PODS, operation: 'DELETE', namespace: 'ns', name: 'gone' }), 'pods "gone" not found', 404);
  await refused(
    req({ def: PODS, operation: 'CREATE', subresource: 'binding', namespace: 'ns', name: 'mine', object: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'mine' } } }),
    `pods "mine" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed`,
  );
});

test('pods/eviction: only of pods bound to itself', async () => {
  const eviction = (name: string) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'ns' } });
  await allowed(req({ def: PODS, operation: 'CREATE', subresource: 'eviction', namespace: 'ns', name: 'mine', object: eviction('mine') }));
  await allowed(req({ def: PODS, operation: 'CREATE', subresource: 'eviction', namespace: 'ns', name: '', object: eviction('mine') }));
  await refused(
    req({ def: PODS, operation: 'CREATE', subresource: 'eviction', namespace: 'ns', name: 'theirs', object: eviction('theirs') }),
    'pods "theirs" is forbidden: node a can only evict pods with spec.nodeName set to itself',
  );
  await refused(req({ def: PODS, operation: 'CREATE', subresource: 'eviction', namespace: 'ns', name: '', object: eviction('') }), 'pods is forbidden: could not determine pod from request data');
});

test('leases: only its own, only in kube-node-lease', async () => {
  const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name } });
  await allowed(req({ def: LEASES, operation: 'CREATE', namespace: 'kube-node-lease', name: 'a', object: lease('a') }));
  await allowed(req({ def: LEASES, operation: 'UPDATE', namespace: 'kube-node-lease', name: 'a', object: lease('a'), oldObject: lease('a') }));
  await refused(
    req({ def: LEASES, operation: 'CREATE', namespace: 'kube-node-lease', name: 'b', object: lease('b') }),
    'leases.coordination.k8s.io "b" is forbidden: can only access node lease with the same name as the requesting node',
  );
  await refused(
    req({ def: LEASES, operation: 'UPDATE', namespace: 'kube-system', name: 'a', object: lease('a'), oldObject: lease('a') }),
    'leases.coordination.k8s.io "a" is forbidden: can only access leases in the "kube-node-lease" system namespace',
  );
});

test('persistentvolumeclaims: status capacity and conditions only', async () => {
  const pvc = (status: Record<string, unknown>, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns', labels, resourceVersion: '1' }, spec: {}, status });
  await allowed(req({ def: PVCS, operation: 'UPDATE', subresource: 'status', namespace: 'ns', name: 'c', object: pvc({ capacity: { storage: '2Gi' } }), oldObject: pvc({}) }));
  await refused(
    req({ def: PVCS, operation: 'UPDATE', subresource: 'status', namespace: 'ns', name: 'c', object: pvc({}, { x: 'y' }), oldObject: pvc({}) }),
    'persistentvolumeclaims "c" is forbidden: node "a" is not allowed to update fields other than status.capacity and status.conditions',
  );
  await refused(req({ def: PVCS, operation: 'UPDATE', namespace: 'ns', name: 'c', object: pvc({}), oldObject: pvc({}) }), 'persistentvolumeclaims "c" is forbidden: may only update PVC status');
});

test('serviceaccounts/token: only bound to a pod on this node', async () => {
  const tr = (ref?: Record<string, string>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'default' }, spec: { boundObjectRef: ref } });
  const create = (ref?: Record<string, string>) => req({ def: SAS, operation: 'CREATE', subresource: 'token', namespace: 'ns', name: 'default', object: tr(ref) });
  await allowed(create({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'pod-mine' }));
  await refused(create(), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
  await refused(create({ apiVersion: 'v1', kind: 'Pod', name: 'mine' }), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
  await refused(
    create({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'old' }),
    'serviceaccounts "default" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
  );
  await refused(create({ apiVersion: 'v1', kind: 'Pod', name: 'theirs', uid: 'pod-theirs' }), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
  // Plain service account writes are authorization's business.
  await allowed(req({ def: SAS, operation: 'CREATE', namespace: 'ns', name: 'x', object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x' } } }));
});

test('kubelet labels: the allowed set and namespaces', () => {
  for (const k of ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'node.kubernetes.io/instance-type', 'kubelet.kubernetes.io/x', 'a.node.kubernetes.io/y'])
    assert.ok(isKubeletLabel(k), k);
  assert.deepEqual(forbiddenNodeLabels(['node-role.kubernetes.io/worker', 'kubernetes.io/role', 'x.k8s.io/y', 'a.node-restriction.kubernetes.io/z', 'workload-type', 'example.com/a']), [
    'a.node-restriction.kubernetes.io/z',
    'kubernetes.io/role',
    'node-role.kubernetes.io/worker',
    'x.k8s.io/y',
  ]);
});

test('through the API server: deletes are admitted too, so a node may delete only its own pods and Node', async () => {
  const { startTestServer } = await import('../../testing/test-server.js');
  const { MemoryBackend } = await import('../../../storage/memory/memory-backend.js');
  const backend = new MemoryBackend();
  // Two API servers over one store: the administrator's, and node a's (every request as system:node:a).
  const admin = await startTestServer({ resources: builtinResources(), backend });
  const asNode = await startTestServer({ resources: builtinResources(), backend, user: A, admission: [createNodeRestriction()] });
  try {
    for (const n of ['a', 'b']) assert.equal((await admin.request('POST', '/api/v1/nodes', node(n))).status, 201);
    const pod = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'i' }] } });
    assert.equal((await admin.request('POST', '/api/v1/namespaces/default/pods', pod('mine', 'a'))).status, 201);
    assert.equal((await admin.request('POST', '/api/v1/namespaces/default/pods', pod('theirs', 'b'))).status, 201);

    const theirs = await asNode.request('DELETE', '/api/v1/namespaces/default/pods/theirs');
    assert.equal(theirs.status, 403, theirs.text);
    assert.match(theirs.json<{ message: string }>().message, /node "a" can only delete pods with spec.nodeName set to itself/);
    const otherNode = await asNode.request('DELETE', '/api/v1/nodes/b');
    assert.equal(otherNode.status, 403, otherNode.text);
    assert.equal((await asNode.request('DELETE', '/api/v1/namespaces/default/pods/mine')).status, 200);
    assert.equal((await admin.request('GET', '/api/v1/namespaces/default/pods/theirs')).status, 200, 'the refused delete changed nothing');
  } finally {
    await asNode.close();
    await admin.close();
  }
});
