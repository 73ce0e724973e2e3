import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../api/builtin.js';
import { ApiRegistry } from '../api/registry.js';
import type { UserInfo } from '../api/types.js';
import { createApiServer } from '../apiserver/server.js';
import { startTestServer } from '../apiserver/testing/test-server.js';
import { ApiError } from '../lib/errors.js';
import { discardLogger } from '../lib/log.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { clientConformance, configMap, type HarnessOptions } from './client.case.js';
import { createHttpClient } from './http-client.js';
import { createInProcessClient, inProcessAuthenticator } from './in-process.js';
import { informerConformance } from './informer.case.js';
import { eventsConformance } from './events.case.js';
import { leaderElectionConformance } from './leader-election.case.js';
import { R } from './types.js';

const ADMIN: UserInfo = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

async function setup(opts: HarnessOptions = {}) {
  const backend = new MemoryBackend();
  const api = createApiServer({
    backend,
    registry: new ApiRegistry(builtinResources()),
    authenticators: [inProcessAuthenticator],
    logger: discardLogger,
    watchWindowMs: opts.watchWindowMs,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
  });
  await api.start();
  const client = createInProcessClient((req, res) => api.handle(req, res), ADMIN, 'conformance-in-process');
  return {
    client,
    async close() {
      await api.close();
      await backend.close();
    },
  };
}

clientConformance('in-process', setup);
informerConformance('in-process', setup);
eventsConformance('in-process', setup);
leaderElectionConformance('in-process', setup);

test('in-process: the identity travels with the request; other requests are not authenticated by it', async (t) => {
  const seen: string[] = [];
  const srv = await startTestServer({ resources: builtinResources(), user: null });
  t.after(() => srv.close());
  // The test server's only authenticator knows nobody: remote requests get 401 ...
  const remote = createHttpClient({ server: srv.url }, 'remote');
  await assert.rejects(remote.get(R.namespaces, '', 'default'), (e: unknown) => e instanceof ApiError && e.reason === 'Unauthorized');
  // ... while the in-process authenticator recognizes only requests built by an in-process client.
  const auditing = createApiServer({
    backend: new MemoryBackend(),
    registry: new ApiRegistry(builtinResources()),
    authenticators: [inProcessAuthenticator],
    logger: discardLogger,
    audit: { write: (e) => void seen.push(`${e.user.username} ${e.verb} ${e.userAgent ?? ''}`), close: async () => {} },
  });
  await auditing.start();
  t.after(() => auditing.close());
  const c = createInProcessClient((req, res) => auditing.handle(req, res), { username: 'alice', groups: ['system:authenticated'] }, 'alice-agent');
  await c.create(R.configmaps, 'default', configMap('by-alice'));
  assert.deepEqual(seen, ['alice create alice-agent']);
});

test('in-process: aborting a watch releases the server-side subscription', async (t) => {
  const h = await setup();
  t.after(() => h.close());
  let events = 0;
  let closes = 0;
  const w = h.client.watch(R.configmaps, { namespace: 'default' }, () => void events++, () => void closes++);
  await h.client.create(R.configmaps, 'default', configMap('one'));
  for (let i = 0; i < 100 && events < 1; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(events, 1);
  w.stop();
  await h.client.create(R.configmaps, 'default', configMap('two'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(events, 1);
  assert.equal(closes, 0);
});
