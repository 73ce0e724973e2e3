import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { builtinResources } from '../../api/builtin.js';

// metadata.generation is compared after defaulting, as upstream's PrepareForUpdate (which runs
// after decoding and defaulting): dropping a defaulted value is no spec change. Status writes keep
// their writer's managedFields entry (subresource "status").

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

test('status writes keep the field manager entry of their writer (subresource status); a spec apply by another manager does not conflict', async () => {
  const name = 'mf';
  const c = await srv.request('POST', DEPLOYS, { ...deployment(), metadata: { name } });
  assert.equal(c.status, 201, c.text);
  const st = await srv.request(
    'PATCH',
    `${DEPLOYS}/${name}/status?fieldManager=x`,
    { status: { replicas: 1, observedGeneration: 1 } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(st.status, 200, st.text);
  type MF = { manager: string; operation: string; subresource?: string }[];
  const entries = st.json<{ metadata: { managedFields: MF } }>().metadata.managedFields;
  const x = entries.find((e) => e.manager === 'x');
  assert.ok(x, JSON.stringify(entries));
  assert.equal(x.operation, 'Update');
  assert.equal(x.subresource, 'status');
  const got = await srv.request('GET', `${DEPLOYS}/${name}`);
  assert.ok(got.json<{ metadata: { managedFields: MF } }>().metadata.managedFields.some((e) => e.manager === 'x' && e.subresource === 'status'));
  const applied = await srv.request(
    'PATCH',
    `${DEPLOYS}/${name}?fieldManager=y`,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { team: 'a' } }, spec: { minReadySeconds: 5 } },
    { 'content-type': 'application/apply-patch+yaml' },
  );
  assert.equal(applied.status, 200, applied.text);
  const after = applied.json<{ metadata: { managedFields: MF } }>().metadata.managedFields;
  assert.ok(after.some((e) => e.manager === 'x' && e.subresource === 'status'));
  assert.ok(after.some((e) => e.manager === 'y' && e.operation === 'Apply'));
});
