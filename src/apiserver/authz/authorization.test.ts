// The authorization runtime inside a real apiserver (in-memory backend, in-process clients):
// default policy at start, reconcile of edited defaults, read-your-writes, aggregation, reviews.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../storage/memory/memory-backend.js';
import { ApiRegistry } from '../../api/registry.js';
import { builtinResources } from '../../api/builtin.js';
import { discardLogger } from '../../lib/log.js';
import { isApiError } from '../../lib/errors.js';
import { createApiServer, type ApiServer } from '../server.js';
import { createInProcessClient, inProcessAuthenticator } from '../../client/in-process.js';
import type { KubeObject, UserInfo } from '../../api/types.js';
import type { Client } from '../../client/types.js';

const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
const ALICE: UserInfo = { username: 'alice', groups: ['system:authenticated'] };
const CM = { group: '', version: 'v1', resource: 'configmaps' };
const NS = { group: '', version: 'v1', resource: 'namespaces' };
const RB = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' };
const CR = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };
const SSAR = { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' };

async function start(backend = new MemoryBackend()): Promise<{ api: ApiServer; backend: MemoryBackend; as: (u: UserInfo) => Client }> {
  const api = createApiServer({ backend, registry: new ApiRegistry(builtinResources()), authenticators: [inProcessAuthenticator], logger: discardLogger, authorization: { modes: ['Node', 'RBAC'] } });
  await api.start();
  return { api, backend, as: (u) => createInProcessClient((req, res) => api.handle(req, res), u, 'test') };
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (isApiError(e)) return e.code;
    throw e;
  }
}

test('a RoleBinding takes effect for the very next request; deleting it takes the access away', async (t) => {
  const { api, as } = await start();
  t.after(() => api.close());
  const admin = as(ADMIN);
  const alice = as(ALICE);
  await admin.create(NS, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as KubeObject);
  assert.equal(await status(alice.list(CM, { namespace: 'team' })), 403);
  await admin.create(RB, 'team', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'alice-view' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', name: 'alice' }],
  } as KubeObject);
  assert.equal(await status(alice.list(CM, { namespace: 'team' })), 200, 'no wait for the watch cache');
  assert.equal(await status(alice.create(CM, 'team', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as KubeObject)), 403);
  const review = await alice.create(SSAR, '', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: { namespace: 'team', verb: 'watch', resource: 'configmaps' } } } as KubeObject);
  assert.equal((review as unknown as { status: { allowed: boolean } }).status.allowed, true);
  await admin.delete(RB, 'team', 'alice-view');
  assert.equal(await status(alice.list(CM, { namespace: 'team' })), 403);
});

test('defaults: created at start; an edited autoupdate role gets its permissions back at the next start, autoupdate=false is left alone', async () => {
  const backend = new MemoryBackend();
  const first = await start(backend);
  const admin = first.as(ADMIN);
  const view = await admin.get<KubeObject & { rules: unknown[] }>(CR, '', 'view');
  assert.ok(view.rules.length > 5, 'view is aggregated from system:aggregate-to-view');
  const basic = await admin.get<KubeObject & { rules: unknown[] }>(CR, '', 'system:basic-user');
  await admin.update(CR, '', { ...basic, rules: [] });
  const disc = await admin.get<KubeObject & { rules: unknown[] }>(CR, '', 'system:discovery');
  await admin.update(CR, '', { ...disc, metadata: { ...disc.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] });
  await first.api.close();
  const second = await start(backend);
  const admin2 = second.as(ADMIN);
  assert.equal((await admin2.get<KubeObject & { rules: unknown[] }>(CR, '', 'system:basic-user')).rules.length, 2);
  assert.equal((await admin2.get<KubeObject & { rules: unknown[] }>(CR, '', 'system:discovery')).rules.length, 0);
  await second.api.close();
});
