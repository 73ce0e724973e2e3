/**
 * The core kubectl flow against `flotilla server` on a real etcd (Debian etcd-server, started on
 * loopback by this test), plus persistence across a server restart on the same etcd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcd } from '../../src/storage/testing/etcd-server.js';
import { coreFlow } from './lib/core-flow.js';
import { configMapYaml, createNamespace, getJson, ok, startServer } from './lib/kube.js';

test('core kubectl flow on etcd; objects survive a server restart', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const server = await startServer({ datastore: { etcdEndpoint: etcd.endpoint } });
  t.after(() => server.stop());

  await coreFlow(t, server, 'etcd-flow');

  await createNamespace(server, 'etcd-keep');
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('kept', 'etcd-keep', { a: '1' }) });
  const before = await getJson(server, ['cm', 'kept', '-n', 'etcd-keep']);
  await server.restart();
  const after = await getJson(server, ['cm', 'kept', '-n', 'etcd-keep']);
  assert.equal(after.metadata.uid, before.metadata.uid);
  assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  assert.deepEqual(after, before);
});
