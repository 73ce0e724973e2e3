// The Node authorizer's graph inside a real apiserver (in-memory backend, in-process clients): fed
// from the watch cache, current for the very next request, and the single-object list/watch form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../storage/memory/memory-backend.js';
import { ApiRegistry } from '../../api/registry.js';
import { builtinResources } from '../../api/builtin.js';
import { discardLogger } from '../../lib/log.js';
import { isApiError } from '../../lib/errors.js';
import { createApiServer } from '../server.js';
import { createInProcessClient, inProcessAuthenticator } from '../../client/in-process.js';
import type { KubeObject, UserInfo } from '../../api/types.js';

const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
const NODE: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const R = (resource: string) => ({ group: '', version: 'v1', resource });

async function outcome(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (isApiError(e)) return e.code === 403 ? `403 ${e.message}` : e.code;
    throw e;
  }
}

test('a node reads a secret or configmap only while a pod bound to it references it', async (t) => {
  const api = createApiServer({
    backend: new MemoryBackend(),
    registry: new ApiRegistry(builtinResources()),
    authenticators: [inProcessAuthenticator],
    logger: discardLogger,
    authorization: { modes: ['Node', 'RBAC'] },
  });
  await api.start();
  t.after(() => api.close());
  const admin = createInProcessClient((req, res) => api.handle(req, res), ADMIN, 'test');
  const node = createInProcessClient((req, res) => api.handle(req, res), NODE, 'test');
  await admin.create(R('namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } } as KubeObject);
  for (const name of ['creds', 'other']) await admin.create(R('secrets'), 'app', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: {} } as KubeObject);
  await admin.create(R('configmaps'), 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b' } } as KubeObject);

  const denied = (name: string, verb = 'get', kind = 'secrets') =>
    `403 ${kind} "${name}" is forbidden: User "system:node:n1" cannot ${verb} resource "${kind}" in API group "" in the namespace "app": no relationship found between node 'n1' and this object`;
  assert.equal(await outcome(node.get(R('secrets'), 'app', 'creds')), denied('creds'));

  // Created and immediately read: the deny path waits for the graph to catch up.
  await admin.create(R('pods'), 'app', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: 'cfg' } }] }], volumes: [{ name: 's', secret: { secretName: 'creds' } }] },
  } as KubeObject);
  assert.equal(await outcome(node.get(R('secrets'), 'app', 'creds')), 200);
  assert.equal(await outcome(node.get(R('configmaps'), 'app', 'cfg')), 200);
  assert.equal(await outcome(node.list(R('secrets'), { namespace: 'app', fieldSelector: 'metadata.name=creds' })), 200, 'list of the one referenced object');
  assert.equal(await outcome(node.get(R('secrets'), 'app', 'other')), denied('other'));
  assert.equal(await outcome(node.list(R('secrets'), { namespace: 'app', fieldSelector: 'metadata.name=other' })), denied('other', 'list'));
  const all = await outcome(node.list(R('secrets'), { namespace: 'app' }));
  assert.equal(all, '403 secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" in the namespace "app": No Object name found');
  // Nodes, pods and the other static rules are unchanged.
  assert.equal(await outcome(node.list(R('pods'), {})), 200);

  // A node's rules depend on the graph: its SelfSubjectRulesReview says so, as upstream.
  const ssrr = (await node.create({ group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews' }, '', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: { namespace: 'app' },
  } as KubeObject)) as KubeObject & { status?: { incomplete?: boolean; evaluationError?: string } };
  assert.equal(ssrr.status?.incomplete, true);
  assert.match(ssrr.status?.evaluationError ?? '', /node authorizer does not support user rule resolution/);

  // Once the pod is gone, so is the access (allowed requests do not wait: poll, bounded).
  await admin.delete(R('pods'), 'app', 'web', { gracePeriodSeconds: 0 });
  let last: number | string = 0;
  for (let i = 0; i < 100; i++) {
    const gone = await admin.get(R('pods'), 'app', 'web').then(() => false, () => true);
    last = await outcome(node.get(R('secrets'), 'app', 'creds'));
    if (gone && last !== 200) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(last, denied('creds'));
});
