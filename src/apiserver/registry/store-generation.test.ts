import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { builtinResources } from '../../api/builtin.js';

// metadata.generation is compared after defaulting, as upstream's PrepareForUpdate (which runs
// after decoding and defaulting): dropping a defaulted value is no spec change.

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ resources: builtinResources() });
});
after(async () => {
  await srv.close();
});

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const gen = (r: { json<T>(): T }) => r.json<{ metadata: { generation: number } }>().metadata.generation;

function deployment(spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'gen' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'gen' } },
      template: { metadata: { labels: { app: 'gen' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
}

test('a write that only drops defaulted values does not bump generation; a real spec change does', async () => {
  const c = await srv.request('POST', DEPLOYS, deployment({ revisionHistoryLimit: 10 }));
  assert.equal(c.status, 201, c.text);
  assert.equal(gen(c), 1);
  // revisionHistoryLimit absent: defaulted back to 10, nothing changed.
  const put = await srv.request('PUT', `${DEPLOYS}/gen`, deployment());
  assert.equal(put.status, 200, put.text);
  assert.equal(gen(put), 1);
  const patch = await srv.request('PATCH', `${DEPLOYS}/gen`, { spec: { revisionHistoryLimit: null, progressDeadlineSeconds: null } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patch.status, 200, patch.text);
  assert.equal(gen(patch), 1);
  assert.equal(patch.json<{ spec: { revisionHistoryLimit: number } }>().spec.revisionHistoryLimit, 10);
  const real = await srv.request('PATCH', `${DEPLOYS}/gen`, { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(real.status, 200, real.text);
  assert.equal(gen(real), 2);
  const again = await srv.request('PATCH', `${DEPLOYS}/gen`, { spec: { revisionHistoryLimit: 5 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(gen(again), 3);
});
