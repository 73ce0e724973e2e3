/**
 * The real kubectl (default flags: strict server-side field validation through the OpenAPI, client-
 * side apply with strategic merge patches computed by kubectl) against a real `flotilla server` on
 * SQLite: `create -f`, repeated `apply -f`, and every `get` output format, selector and watch.
 *
 * Other kubectl e2e files: kubectl-mutate (describe/edit/patch/label/annotate/scale/delete/wait/
 * diff), kubectl-discovery (api-resources/api-versions/explain/create generators), kubectl-errors
 * (error messages, namespace deletion), kubectl-seed (the seed's manifests), kubectl-persistence
 * (restart), kubectl-etcd (etcd backend), kubectl-versions (kubectl 1.27 and 1.33).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import {
  type KObj,
  type TestServer,
  configMapYaml,
  createNamespace,
  deploymentYaml,
  fails,
  getJson,
  header,
  ok,
  spawnKubectl,
  startServer,
  table,
  tempDir,
  write,
} from './lib/kube.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('create -f: YAML multi-document and JSON (object and List) files', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'create-ns');
  const yamlFile = write(
    dir,
    'multi.yaml',
    [
      '# a comment before the first document',
      configMapYaml('cm-yaml', 'create-ns', { a: '1', b: 'two' }),
      '---',
      deploymentYaml('web-yaml', 'create-ns'),
      '---',
      '# an empty document is skipped by kubectl',
      '---',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: sec-yaml\n  namespace: create-ns\ntype: Opaque\ndata:\n  password: cGFzc3dvcmQ=\nstringData:\n  user: admin\n',
    ].join('\n'),
  );
  const created = await ok(server, ['create', '-f', yamlFile]);
  assert.deepEqual(created.trim().split('\n').sort(), ['configmap/cm-yaml created', 'deployment.apps/web-yaml created', 'secret/sec-yaml created']);

  const jsonFile = write(
    dir,
    'one.json',
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-json', namespace: 'create-ns', labels: { from: 'json' } }, data: { k: 'v' } }, null, 2),
  );
  assert.equal((await ok(server, ['create', '-f', jsonFile])).trim(), 'configmap/cm-json created');

  const listFile = write(
    dir,
    'list.json',
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-list-1', namespace: 'create-ns' }, data: { n: '1' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-list-2', namespace: 'create-ns' }, data: { n: '2' } },
      ],
    }),
  );
  assert.deepEqual((await ok(server, ['create', '-f', listFile])).trim().split('\n'), ['configmap/cm-list-1 created', 'configmap/cm-list-2 created']);

  // What was stored is what was sent (plus server-set metadata); stringData was folded into data.
  const cm = await getJson(server, ['configmap', 'cm-yaml', '-n', 'create-ns']);
  assert.deepEqual(cm.data, { a: '1', b: 'two' });
  assert.match(cm.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.match(cm.metadata.resourceVersion ?? '', /^\d+$/);
  assert.match(cm.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const sec = await getJson(server, ['secret', 'sec-yaml', '-n', 'create-ns']);
  assert.deepEqual(sec.data, { password: 'cGFzc3dvcmQ=', user: Buffer.from('admin').toString('base64') });
  assert.equal(sec.stringData, undefined);
  const dep = await getJson(server, ['deployment', 'web-yaml', '-n', 'create-ns']);
  // Defaults applied by the server, as upstream.
  assert.equal(dep.spec.strategy.type, 'RollingUpdate');
  assert.equal(dep.spec.revisionHistoryLimit, 10);
  assert.equal(dep.spec.progressDeadlineSeconds, 600);
  assert.equal(dep.spec.template.spec.restartPolicy, 'Always');
  assert.equal(dep.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  assert.equal(dep.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(dep.metadata.generation, 1);

  // A second create of the same file fails per object with AlreadyExists and exit 1.
  const again = await fails(server, ['create', '-f', jsonFile]);
  assert.equal(again.stderr.trim(), `Error from server (AlreadyExists): error when creating "${jsonFile}": configmaps "cm-json" already exists`);
});

test('apply -f repeated with changes: last-applied annotation, strategic merge patch, 3-way merge', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'apply-ns');
  const file = write(dir, 'web.yaml', deploymentYaml('web', 'apply-ns', { env: { MODE: 'blue', LOG: 'info' }, ports: [80, 8080] }));

  assert.equal((await ok(server, ['apply', '-f', file])).trim(), 'deployment.apps/web created');
  let dep = await getJson(server, ['deploy', 'web', '-n', 'apply-ns']);
  const lastApplied = JSON.parse(dep.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? 'null') as KObj;
  assert.ok(lastApplied, 'last-applied-configuration annotation is set on create');
  assert.equal(lastApplied.metadata.name, 'web');
  assert.deepEqual(lastApplied.spec.template.spec.containers[0].env, [
    { name: 'MODE', value: 'blue' },
    { name: 'LOG', value: 'info' },
  ]);
  const rv1 = dep.metadata.resourceVersion;

  // Same file again: kubectl computes an empty patch and says unchanged; nothing is written.
  assert.equal((await ok(server, ['apply', '-f', file])).trim(), 'deployment.apps/web unchanged');
  dep = await getJson(server, ['deploy', 'web', '-n', 'apply-ns']);
  assert.equal(dep.metadata.resourceVersion, rv1);

  // Someone else adds a label and an env var outside the manifest: apply must keep them (3-way merge).
  await ok(server, ['label', 'deploy', 'web', '-n', 'apply-ns', 'owner=ops']);
  await ok(server, ['patch', 'deploy', 'web', '-n', 'apply-ns', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"EXTRA","value":"kept"}]}]}}}}']);

  // Change an env var, remove a container port, add a label.
  write(dir, 'web.yaml', deploymentYaml('web', 'apply-ns', { env: { MODE: 'green', LOG: 'info' }, ports: [80], labels: { tier: 'front' } }));
  assert.equal((await ok(server, ['apply', '-f', file])).trim(), 'deployment.apps/web configured');
  dep = await getJson(server, ['deploy', 'web', '-n', 'apply-ns']);
  const c = dep.spec.template.spec.containers;
  assert.equal(c.length, 1);
  assert.deepEqual(
    c[0].env.map((e: { name: string; value: string }) => `${e.name}=${e.value}`).sort(),
    ['EXTRA=kept', 'LOG=info', 'MODE=green'],
  );
  assert.deepEqual(c[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(dep.metadata.labels, { app: 'web', owner: 'ops', tier: 'front' });
  assert.equal(dep.metadata.generation, 3, 'two spec changes since creation (patch, apply)');
  const la2 = JSON.parse(dep.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}') as KObj;
  assert.deepEqual(la2.metadata.labels, { app: 'web', tier: 'front' });
  assert.deepEqual(la2.spec.template.spec.containers[0].ports, [{ containerPort: 80 }]);

  // Removing a field from the manifest removes it from the object (it was in last-applied).
  write(dir, 'web.yaml', deploymentYaml('web', 'apply-ns', { env: { MODE: 'green' }, ports: [80] }));
  assert.equal((await ok(server, ['apply', '-f', file])).trim(), 'deployment.apps/web configured');
  dep = await getJson(server, ['deploy', 'web', '-n', 'apply-ns']);
  assert.deepEqual(
    dep.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name).sort(),
    ['EXTRA', 'MODE'],
  );
  assert.deepEqual(dep.metadata.labels, { app: 'web', owner: 'ops' });

  // apply from stdin, JSON.
  const cmJson = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stdin-cm', namespace: 'apply-ns' }, data: { x: '1' } });
  assert.equal((await ok(server, ['apply', '-f', '-'], { input: cmJson })).trim(), 'configmap/stdin-cm created');
  assert.equal((await ok(server, ['apply', '-f', '-'], { input: cmJson.replace('"x":"1"', '"x":"2"') })).trim(), 'configmap/stdin-cm configured');
  assert.deepEqual((await getJson(server, ['cm', 'stdin-cm', '-n', 'apply-ns'])).data, { x: '2' });
});

test('get: -o json/yaml/name/wide/jsonpath/custom-columns, -A, --show-labels, table columns', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'get-a');
  await createNamespace(server, 'get-b');
  await ok(server, [
    'apply',
    '-f',
    write(
      dir,
      'objs.yaml',
      [
        configMapYaml('alpha', 'get-a', { k1: 'v1', k2: 'v2' }, { tier: 'front', env: 'prod' }),
        configMapYaml('beta', 'get-a', { k: 'v' }, { tier: 'back', env: 'prod' }),
        configMapYaml('gamma', 'get-a', {}, { tier: 'cache', legacy: 'true' }),
        configMapYaml('delta', 'get-b', { k: 'v' }, { tier: 'front' }),
        deploymentYaml('web', 'get-a', { replicas: 2, image: 'nginx:1.25' }),
      ].join('---\n'),
    ),
  ]);

  // -o json of a list: kind List with the objects, apiVersion/kind on every item.
  const list = JSON.parse(await ok(server, ['get', 'configmaps', '-n', 'get-a', '-o', 'json'])) as KObj;
  assert.equal(list.kind, 'List');
  assert.equal(list.apiVersion, 'v1');
  const names = (list.items ?? []).map((i: KObj) => i.metadata.name);
  for (const n of ['alpha', 'beta', 'gamma']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
  for (const i of list.items ?? []) {
    assert.equal(i.kind, 'ConfigMap');
    assert.equal(i.apiVersion, 'v1');
  }

  // -o yaml of one object.
  const y = parseYaml(await ok(server, ['get', 'cm', 'alpha', '-n', 'get-a', '-o', 'yaml'])) as KObj;
  assert.equal(y.kind, 'ConfigMap');
  assert.deepEqual(y.data, { k1: 'v1', k2: 'v2' });
  assert.deepEqual(y.metadata.labels, { tier: 'front', env: 'prod' });

  // -o name.
  assert.deepEqual((await ok(server, ['get', 'cm', '-n', 'get-a', '-l', 'env=prod', '-o', 'name'])).trim().split('\n').sort(), ['configmap/alpha', 'configmap/beta']);
  assert.equal((await ok(server, ['get', 'deploy', '-n', 'get-a', '-o', 'name'])).trim(), 'deployment.apps/web');

  // Table columns as upstream.
  const cmTable = await ok(server, ['get', 'cm', 'alpha', 'gamma', '-n', 'get-a']);
  assert.deepEqual(header(cmTable), ['NAME', 'DATA', 'AGE']);
  const cmRows = table(cmTable);
  assert.deepEqual(cmRows[1]!.slice(0, 2), ['alpha', '2']);
  assert.deepEqual(cmRows[2]!.slice(0, 2), ['gamma', '0']);
  assert.match(cmRows[1]![2]!, /^\d+s$/);

  const depTable = await ok(server, ['get', 'deploy', '-n', 'get-a']);
  assert.deepEqual(header(depTable), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
  assert.deepEqual(table(depTable)[1]!.slice(0, 4), ['web', '0/2', '0', '0']);

  const wide = await ok(server, ['get', 'deploy', '-n', 'get-a', '-o', 'wide']);
  assert.deepEqual(header(wide), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  const wrow = table(wide)[1]!;
  assert.deepEqual([wrow[0], ...wrow.slice(5)], ['web', 'main', 'nginx:1.25', 'app=web']);

  const nsTable = await ok(server, ['get', 'namespace', 'get-a']);
  assert.deepEqual(header(nsTable), ['NAME', 'STATUS', 'AGE']);
  assert.deepEqual(table(nsTable)[1]!.slice(0, 2), ['get-a', 'Active']);

  // -A adds the NAMESPACE column and spans namespaces.
  const all = await ok(server, ['get', 'cm', '-A', '-l', 'tier']);
  assert.deepEqual(header(all), ['NAMESPACE', 'NAME', 'DATA', 'AGE']);
  const allRows = table(all).slice(1).map((r) => `${r[0]}/${r[1]}`).sort();
  assert.deepEqual(allRows, ['get-a/alpha', 'get-a/beta', 'get-a/gamma', 'get-b/delta']);

  // --show-labels: a LABELS column, labels sorted by key.
  const shown = await ok(server, ['get', 'cm', 'alpha', '-n', 'get-a', '--show-labels']);
  assert.deepEqual(header(shown), ['NAME', 'DATA', 'AGE', 'LABELS']);
  assert.equal(table(shown)[1]![3], 'env=prod,tier=front');

  // -o jsonpath.
  assert.equal(await ok(server, ['get', 'cm', 'alpha', '-n', 'get-a', '-o', 'jsonpath={.data.k2}']), 'v2');
  assert.equal(
    await ok(server, ['get', 'cm', '-n', 'get-a', '-l', 'env=prod', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.tier}{"\\n"}{end}']),
    'alpha=front\nbeta=back\n',
  );
  assert.equal(await ok(server, ['get', 'deploy', 'web', '-n', 'get-a', '-o', 'jsonpath={.spec.replicas}']), '2');

  // -o custom-columns.
  const cc = await ok(server, ['get', 'cm', '-n', 'get-a', '-l', 'env=prod', '-o', 'custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,NS:.metadata.namespace']);
  assert.deepEqual(table(cc), [
    ['NAME', 'TIER', 'NS'],
    ['alpha', 'front', 'get-a'],
    ['beta', 'back', 'get-a'],
  ]);
});

test('get: label selectors (equality and set-based) and field selectors', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'sel');
  await ok(server, [
    'apply',
    '-f',
    write(
      dir,
      'objs.yaml',
      [
        configMapYaml('a', 'sel', {}, { tier: 'front', env: 'prod' }),
        configMapYaml('b', 'sel', {}, { tier: 'back', env: 'prod' }),
        configMapYaml('c', 'sel', {}, { tier: 'cache', legacy: 'true' }),
        configMapYaml('d', 'sel', {}, {}),
      ].join('---\n'),
    ),
  ]);
  const names = async (...args: string[]) =>
    (await ok(server, ['get', 'cm', '-n', 'sel', '-o', 'name', ...args]))
      .trim()
      .split('\n')
      .filter((l) => l)
      .map((l) => l.replace('configmap/', ''))
      .filter((n) => n !== 'kube-root-ca.crt')
      .sort();

  assert.deepEqual(await names('-l', 'tier=front'), ['a']);
  assert.deepEqual(await names('-l', 'tier==front'), ['a']);
  assert.deepEqual(await names('-l', 'env!=prod'), ['c', 'd']);
  assert.deepEqual(await names('-l', 'env=prod,tier=back'), ['b']);
  assert.deepEqual(await names('-l', 'tier in (front,cache)'), ['a', 'c']);
  assert.deepEqual(await names('-l', 'tier notin (front,cache)'), ['b', 'd']);
  assert.deepEqual(await names('-l', 'tier,!legacy'), ['a', 'b']);
  assert.deepEqual(await names('-l', '!tier'), ['d']);
  assert.deepEqual(await names('-l', 'env in (prod),tier notin (back)'), ['a']);

  assert.deepEqual(await names('--field-selector', 'metadata.name=b'), ['b']);
  assert.deepEqual(await names('--field-selector', 'metadata.name!=b,metadata.namespace=sel', '-l', 'tier'), ['a', 'c']);
  const crossNs = (await ok(server, ['get', 'cm', '-A', '--field-selector', 'metadata.namespace=sel', '-l', 'legacy', '-o', 'name'])).trim();
  assert.equal(crossNs, 'configmap/c');

  // Paging: --chunk-size makes kubectl follow limit/continue; the result is the same.
  assert.deepEqual(await names('--chunk-size=1'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(await names('--chunk-size=3', '-l', 'tier'), ['a', 'b', 'c']);
  // --sort-by, client-side over the listed objects.
  assert.equal(
    await ok(server, ['get', 'cm', '-n', 'sel', '-l', 'tier', '--sort-by=.metadata.labels.tier', '-o', 'jsonpath={.items[*].metadata.name}']),
    'b c a',
  );

  // Empty result: kubectl says so on stderr, exit 0.
  const none = await server.kubectl(['get', 'cm', '-n', 'sel', '-l', 'tier=nothing']);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, '');
  assert.equal(none.stderr.trim(), 'No resources found in sel namespace.');

  // Malformed selectors are rejected: by kubectl itself, or by the server with a 400.
  const badLabel = await server.kubectl(['get', 'cm', '-n', 'sel', '-l', 'tier in front']);
  assert.equal(badLabel.code, 1, badLabel.stderr);
  assert.match(badLabel.stderr, /unable to parse requirement|found 'front', expected: '\('|couldn't parse the selector/);
  const badField = await server.kubectl(['get', 'cm', '-n', 'sel', '--field-selector', 'data.k=v']);
  assert.equal(badField.code, 1, badField.stderr);
  assert.equal(badField.stderr.trim(), 'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "data.k=v": field label not supported: data.k');
});

test('get -w prints each change as it happens (table and --output-watch-events)', async (t) => {
  await createNamespace(server, 'watch-ns');
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('w1', 'watch-ns', { a: '1' }) });

  const watcher = spawnKubectl(t, server, ['get', 'cm', 'w1', '-n', 'watch-ns', '-w']);
  await watcher.waitFor(/^w1\s+1\s+\S+$/m);
  assert.deepEqual(header(watcher.stdout()), ['NAME', 'DATA', 'AGE']);
  await ok(server, ['patch', 'cm', 'w1', '-n', 'watch-ns', '--type=merge', '-p', '{"data":{"b":"2"}}']);
  const out = await watcher.waitFor(/^w1\s+2\s+\S+$/m);
  assert.equal(out.match(/^NAME/gm)?.length, 1, 'the header is printed once');
  await watcher.kill();

  const events = spawnKubectl(t, server, ['get', 'cm', '-n', 'watch-ns', '-w', '--output-watch-events']);
  await events.waitFor(/^ADDED\s+w1\s/m);
  assert.deepEqual(header(events.stdout()), ['EVENT', 'NAME', 'DATA', 'AGE']);
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('w2', 'watch-ns', {}) });
  await events.waitFor(/^ADDED\s+w2\s+0\s/m);
  await ok(server, ['label', 'cm', 'w1', '-n', 'watch-ns', 'seen=yes']);
  await events.waitFor(/^MODIFIED\s+w1\s+2\s/m);
  await ok(server, ['delete', 'cm', 'w2', '-n', 'watch-ns']);
  await events.waitFor(/^DELETED\s+w2\s/m);
  await events.kill();

  // Watching with -o json streams whole objects (no table).
  const json = spawnKubectl(t, server, ['get', 'cm', 'w1', '-n', 'watch-ns', '-w', '-o', 'jsonpath={.metadata.labels.step}{"\\n"}']);
  await json.waitFor(/\n/); // the initial object (no label yet): an empty line
  await ok(server, ['label', 'cm', 'w1', '-n', 'watch-ns', 'step=one']);
  await json.waitFor(/^one$/m);
  await ok(server, ['label', 'cm', 'w1', '-n', 'watch-ns', 'step=two', '--overwrite']);
  await json.waitFor(/^two$/m);
  await json.kill();
});
