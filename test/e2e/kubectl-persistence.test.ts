/**
 * State survives a server restart (SQLite): every object is still there with the same uid and
 * resourceVersion, the list resourceVersion does not go backwards, new writes get higher
 * resourceVersions, re-applying the same manifests changes nothing, and a watch can resume from a
 * resourceVersion handed out before the restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type KObj, type TestServer, configMapYaml, createNamespace, deploymentYaml, getJson, ok, startServer } from './lib/kube.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const manifests = (ns: string) =>
  [
    configMapYaml('cfg', ns, { a: '1' }, { keep: 'yes' }),
    deploymentYaml('web', ns, { replicas: 2, env: { X: 'y' } }),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: ${ns}\ntype: Opaque\nstringData:\n  user: admin\n`,
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: ${ns}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n`,
  ].join('---\n');

test('restart keeps objects with the same uid and resourceVersion', async (t) => {
  await createNamespace(server, 'persist');
  await ok(server, ['apply', '-f', '-'], { input: manifests('persist') });
  await ok(server, ['scale', 'deploy', 'web', '-n', 'persist', '--replicas=4']);
  await ok(server, ['label', 'cm', 'cfg', '-n', 'persist', 'changed=1']);
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('short-lived', 'persist', {}) });
  await ok(server, ['delete', 'cm', 'short-lived', '-n', 'persist']);

  const kinds = ['cm', 'deploy', 'secret', 'netpol', 'ns'];
  const snapshot = async () => {
    const out = new Map<string, KObj>();
    for (const k of kinds) {
      const list = await getJson(server, [k, ...(k === 'ns' ? [] : ['-n', 'persist'])]);
      for (const i of list.items ?? []) out.set(`${i.kind}/${i.metadata.namespace ?? ''}/${i.metadata.name}`, i as KObj);
    }
    return out;
  };
  const before = await snapshot();
  const listRv = Number(JSON.parse((await server.request('/api/v1/namespaces/persist/configmaps', { headers: { Accept: 'application/json' } })).body).metadata.resourceVersion);
  assert.ok(before.has('Deployment/persist/web') && before.has('ConfigMap/persist/cfg') && before.has('Namespace//persist'));

  const pid = server.pid;
  const stopped = await server.restart();
  assert.equal(stopped.code, 0, 'clean SIGTERM exit');
  assert.notEqual(server.pid, pid);

  const after = await snapshot();
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const [key, obj] of before) {
    const again = after.get(key)!;
    assert.equal(again.metadata.uid, obj.metadata.uid, `${key} uid`);
    assert.equal(again.metadata.resourceVersion, obj.metadata.resourceVersion, `${key} resourceVersion`);
    assert.deepEqual(again, obj, `${key} byte for byte`);
  }
  assert.equal((await getJson(server, ['deploy', 'web', '-n', 'persist'])).spec.replicas, 4);
  assert.equal((await getJson(server, ['cm', 'cfg', '-n', 'persist'])).metadata.labels?.changed, '1');
  assert.equal((await server.kubectl(['get', 'cm', 'short-lived', '-n', 'persist'])).code, 1, 'deleted stays deleted');

  const listRv2 = Number(JSON.parse((await server.request('/api/v1/namespaces/persist/configmaps', { headers: { Accept: 'application/json' } })).body).metadata.resourceVersion);
  assert.ok(listRv2 >= listRv, `list resourceVersion ${listRv2} >= ${listRv}`);

  // Re-applying the same manifests: unchanged where the live object still matches; the
  // Deployment's replicas go back to the manifest's 2 (3-way merge); a Secret written with
  // stringData is always "configured" (stringData is never stored), as upstream.
  const re = await ok(server, ['apply', '-f', '-'], { input: manifests('persist') });
  assert.deepEqual(re.trim().split('\n'), [
    'configmap/cfg unchanged',
    'deployment.apps/web configured',
    'secret/creds configured',
    'networkpolicy.networking.k8s.io/deny unchanged',
  ]);
  assert.equal((await getJson(server, ['deploy', 'web', '-n', 'persist'])).spec.replicas, 2);

  // New writes continue above the old revisions.
  await ok(server, ['label', 'secret', 'creds', '-n', 'persist', 'after=restart']);
  const creds = await getJson(server, ['secret', 'creds', '-n', 'persist']);
  const maxBefore = Math.max(...[...before.values()].map((o) => Number(o.metadata.resourceVersion)));
  assert.ok(Number(creds.metadata.resourceVersion) > maxBefore, `${creds.metadata.resourceVersion} > ${maxBefore}`);

  // A watch from a pre-restart resourceVersion replays what happened since.
  const w = await server.request(`/api/v1/namespaces/persist/secrets?watch=true&resourceVersion=${listRv}&timeoutSeconds=1`, { headers: { Accept: 'application/json' } });
  assert.equal(w.status, 200, w.body);
  const events = w.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: KObj });
  assert.ok(events.some((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'creds' && e.object.metadata.labels?.after === 'restart'), w.body);

  // And a second restart straight after the first is just as clean.
  await server.restart();
  assert.equal((await getJson(server, ['secret', 'creds', '-n', 'persist'])).metadata.resourceVersion, creds.metadata.resourceVersion);
  t.diagnostic(`restarted twice; ${before.size} objects kept`);
});
