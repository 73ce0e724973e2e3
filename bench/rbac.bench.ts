/**
 * RBAC authorization cost per request with 1,000 RoleBindings (plus 100 ClusterRoleBindings and
 * the default policy), against the same request on a server with --authorization-mode=AlwaysAllow
 * measured in the same run:
 *   1. the decision alone (µs per authorize call, in process);
 *   2. a whole GET of a ConfigMap through the apiserver's request path (in-process transport:
 *      authentication, authorization, storage; no TLS), sequential and 32 at a time.
 * Both servers run in this process on the in-memory backend, so the difference is the authorizer.
 *
 * Run: node --import tsx bench/rbac.bench.ts [--bindings 1000] [--requests 20000] [--rounds 3]
 * Bounded in count; nothing leaves the process.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { MemoryBackend } from '../src/storage/memory/memory-backend.js';
import { ApiRegistry } from '../src/api/registry.js';
import { builtinResources } from '../src/api/builtin.js';
import { discardLogger } from '../src/lib/log.js';
import { createApiServer, type ApiServer } from '../src/apiserver/server.js';
import { createInProcessClient, inProcessAuthenticator } from '../src/client/in-process.js';
import { createAuthorization, type AuthorizationMode } from '../src/apiserver/authz/index.js';
import { WatchCache } from '../src/apiserver/watch-cache.js';
import type { Client } from '../src/client/types.js';
import type { KubeObject, UserInfo } from '../src/api/types.js';

const { values } = parseArgs({ options: { bindings: { type: 'string', default: '1000' }, requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } });
const BINDINGS = Number(values.bindings);
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const NAMESPACES = 50;
const ADMIN: UserInfo = { username: 'bench-admin', groups: ['system:masters', 'system:authenticated'] };
const USER: UserInfo = { username: 'user-7', groups: ['team-7', 'system:authenticated'] };
const CM = { group: '', version: 'v1', resource: 'configmaps' };
const NS = { group: '', version: 'v1', resource: 'namespaces' };
const RB = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' };
const CRB = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' };

async function server(modes: AuthorizationMode[]): Promise<{ api: ApiServer; admin: Client; user: Client; backend: MemoryBackend }> {
  const backend = new MemoryBackend();
  const api = createApiServer({ backend, registry: new ApiRegistry(builtinResources()), authenticators: [inProcessAuthenticator], logger: discardLogger, authorization: { modes } });
  await api.start();
  const handle = (req: Parameters<ApiServer['handle']>[0], res: Parameters<ApiServer['handle']>[1]) => api.handle(req, res);
  return { api, backend, admin: createInProcessClient(handle, ADMIN, 'bench'), user: createInProcessClient(handle, USER, 'bench') };
}

async function populate(admin: Client): Promise<void> {
  for (let n = 0; n < NAMESPACES; n++) await admin.create(NS, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } } as KubeObject);
  for (let i = 0; i < BINDINGS; i++)
    await admin.create(RB, `ns-${i % NAMESPACES}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `rb-${i}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: i % 3 === 0 ? 'view' : 'edit' },
      subjects: [{ kind: 'User', name: `user-${i}`, apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'Group', name: `team-${i % 100}`, apiGroup: 'rbac.authorization.k8s.io' }],
    } as KubeObject);
  for (let i = 0; i < 100; i++)
    await admin.create(CRB, '', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `crb-${i}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'Group', name: `other-${i}`, apiGroup: 'rbac.authorization.k8s.io' }],
    } as KubeObject);
  await admin.create(CM, 'ns-7', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { a: 'b' } } as KubeObject);
}

async function timeGets(c: Client, n: number, concurrency: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await c.get(CM, 'ns-7', 'target');
      }
    }),
  );
  return performance.now() - t0;
}

async function main(): Promise<void> {
  console.log(`# RBAC bench: ${BINDINGS} RoleBindings in ${NAMESPACES} namespaces + 100 ClusterRoleBindings + default policy; ${REQUESTS} requests per figure, ${ROUNDS} rounds`);
  const rbac = await server(['Node', 'RBAC']);
  const allow = await server(['AlwaysAllow']);
  await populate(rbac.admin);
  await populate(allow.admin);
  // The user is allowed through rb-7 (edit in ns-7) and through team-7's bindings.
  await rbac.user.get(CM, 'ns-7', 'target');

  // 1. Decision alone: an authorizer over the same data as the RBAC server.
  const cache = new WatchCache(rbac.backend, { logger: discardLogger });
  await cache.start();
  const authz = createAuthorization({ modes: ['Node', 'RBAC'] }, { registry: new ApiRegistry(builtinResources()), storeFor: (d) => rbac.api.storeFor(d), cache, backend: rbac.backend, logger: discardLogger, now: () => new Date() });
  await authz.start();
  const always = createAuthorization({ modes: ['AlwaysAllow'] }, { registry: new ApiRegistry(builtinResources()), storeFor: (d) => rbac.api.storeFor(d), cache, backend: rbac.backend, logger: discardLogger, now: () => new Date() });
  const attrs = { user: USER, verb: 'get', isResourceRequest: true, path: '', namespace: 'ns-7', apiGroup: '', apiVersion: 'v1', resource: 'configmaps', subresource: '', name: 'target' };
  const denied = { ...attrs, namespace: 'ns-8' };
  const decisions = (a: ReturnType<typeof createAuthorization>, at: typeof attrs, n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) a.authorizeNow(at);
    return ((performance.now() - t0) * 1000) / n;
  };
  if (authz.authorizeNow(attrs).decision !== 'allow' || authz.authorizeNow(denied).decision === 'allow') throw new Error('unexpected decisions');
  const N = REQUESTS * 10;
  decisions(authz, attrs, N);
  decisions(always, attrs, N);
  for (let r = 0; r < ROUNDS; r++) {
    console.log(
      `round ${r} decision: RBAC allow ${decisions(authz, attrs, N).toFixed(2)} µs, RBAC refuse ${decisions(authz, denied, N).toFixed(2)} µs, AlwaysAllow ${decisions(always, attrs, N).toFixed(3)} µs`,
    );
  }

  // 2. Whole requests, alternating which server goes first.
  await timeGets(rbac.user, 2000, 32);
  await timeGets(allow.user, 2000, 32);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [['RBAC', rbac.user], ['AlwaysAllow', allow.user]] as const : [['AlwaysAllow', allow.user], ['RBAC', rbac.user]] as const;
    const out: string[] = [];
    for (const [name, c] of order) {
      const seq = await timeGets(c, REQUESTS / 4, 1);
      const par = await timeGets(c, REQUESTS, 32);
      out.push(`${name} sequential ${((seq * 1000) / (REQUESTS / 4)).toFixed(1)} µs/req, 32 at a time ${Math.round(REQUESTS / (par / 1000))} req/s`);
    }
    console.log(`round ${r} GET configmap: ${out.join('; ')}`);
  }
  authz.stop();
  cache.close();
  await rbac.api.close();
  await allow.api.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
