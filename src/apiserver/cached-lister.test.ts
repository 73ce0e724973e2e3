import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { builtinResources } from '../api/builtin.js';
import type { ResourceDef } from '../api/types.js';
import type { Backend, WatchCallbacks } from '../storage/backend.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';

const limitRange = (name: string, cpu = '100m') => ({
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name },
  spec: { limits: [{ type: 'Container', default: { cpu } }] },
});

function def(srv: TestServer, group: string, plural: string): ResourceDef {
  const d = srv.registry.get(group, 'v1', plural);
  assert.ok(d, plural);
  return d;
}

/** A backend whose watch events arrive `delayMs` late, as a remote store's (etcd's) do. */
function laggingWatch(inner: MemoryBackend, delayMs: number): Backend {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'watch')
        return (prefix: string, after: number, cb: WatchCallbacks) =>
          target.watch(prefix, after, {
            onEvents: (evs) => void setTimeout(() => cb.onEvents(evs), delayMs),
            onError: (e) => cb.onError(e),
          });
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('CachedLister: lists by namespace, follows creates, updates and deletes, hands out copies', async () => {
  const srv = await startTestServer({ resources: builtinResources() });
  try {
    await srv.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/limitranges', limitRange('a'))).status, 201);
    const lister = srv.api.listerFor(def(srv, '', 'limitranges'));
    assert.deepEqual((await lister.list('default')).map((o) => o.metadata.name), ['a']);
    assert.deepEqual(await lister.list('other'), []);

    assert.equal((await srv.request('POST', '/api/v1/namespaces/other/limitranges', limitRange('b'))).status, 201);
    assert.deepEqual((await lister.list('other')).map((o) => o.metadata.name), ['b']);
    assert.deepEqual((await lister.list('')).map((o) => o.metadata.name).sort(), ['a', 'b']);

    const p = await srv.request('PATCH', '/api/v1/namespaces/default/limitranges/a', { spec: { limits: [{ type: 'Container', default: { cpu: '250m' } }] } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(p.status, 200, p.text);
    const [a] = await lister.list('default');
    assert.equal((a!.spec as { limits: { default: { cpu: string } }[] }).limits[0]!.default.cpu, '250m');
    assert.equal(a!.metadata.resourceVersion, p.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion);
    a!.metadata.name = 'mutated';
    assert.equal((await lister.list('default'))[0]!.metadata.name, 'a', 'callers get copies');

    assert.equal((await srv.request('DELETE', '/api/v1/namespaces/default/limitranges/a')).status, 200);
    assert.deepEqual(await lister.list('default'), []);
  } finally {
    await srv.close();
  }
});

test('CachedLister: cluster-scoped resources list under the empty namespace', async () => {
  const srv = await startTestServer({ resources: builtinResources() });
  try {
    const lister = srv.api.listerFor(srv.registry.get('scheduling.k8s.io', 'v1', 'priorityclasses')!);
    const before = (await lister.list('')).length;
    const c = await srv.request('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
    assert.equal(c.status, 201, c.text);
    const names = (await lister.list('')).map((o) => o.metadata.name);
    assert.equal(names.length, before + 1);
    assert.ok(names.includes('high'));
  } finally {
    await srv.close();
  }
});

test('CachedLister: reads its own writes even when the storage watch lags', async () => {
  const srv = await startTestServer({ resources: builtinResources(), backend: laggingWatch(new MemoryBackend(), 50) });
  try {
    const lister = srv.api.listerFor(def(srv, '', 'limitranges'));
    assert.deepEqual(await lister.list('default'), []);
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/limitranges', limitRange('late'))).status, 201);
    // The event reaches the watch cache 50 ms after the create returned; the list waits for it.
    assert.deepEqual((await lister.list('default')).map((o) => o.metadata.name), ['late']);
    assert.equal((await srv.request('DELETE', '/api/v1/namespaces/default/limitranges/late')).status, 200);
    assert.deepEqual(await lister.list('default'), []);
  } finally {
    await srv.close();
  }
});
