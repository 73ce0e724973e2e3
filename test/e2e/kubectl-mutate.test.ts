/**
 * kubectl verbs that change or inspect existing objects, against a real `flotilla server` (SQLite):
 * describe, edit (EDITOR script), patch (json, merge, strategic), label, annotate, scale (the scale
 * subresource), delete (cascade policies, --all), wait (delete, jsonpath) and diff (server dry-run).
 * There are no controllers yet, so only what the API server itself does is asserted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type TestServer,
  configMapYaml,
  createNamespace,
  deploymentYaml,
  fails,
  getJson,
  ok,
  poll,
  spawnKubectl,
  startServer,
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

test('describe deployment and namespace', async () => {
  await createNamespace(server, 'desc');
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'desc', { replicas: 2, env: { MODE: 'blue' }, ports: [8080] }) });

  const d = await ok(server, ['describe', 'deployment', 'web', '-n', 'desc']);
  for (const re of [
    /^Name:\s+web$/m,
    /^Namespace:\s+desc$/m,
    /^CreationTimestamp:\s+\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/m,
    /^Labels:\s+app=web$/m,
    // describe hides kubectl.kubernetes.io/last-applied-configuration.
    /^Annotations:\s+(<none>|deployment\.kubernetes\.io\/revision: \d+)$/m,
    /^Selector:\s+app=web$/m,
    /^Replicas:\s+2 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$/m,
    /^StrategyType:\s+RollingUpdate$/m,
    /^MinReadySeconds:\s+0$/m,
    /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m,
    /^Pod Template:$/m,
    /^\s+Labels:\s+app=web$/m,
    /^\s+Containers:$/m,
    /^\s+main:$/m,
    /^\s+Image:\s+nginx:1\.25$/m,
    /^\s+Port:\s+8080\/TCP$/m,
    /^\s+MODE:\s+blue$/m,
  ]) {
    assert.match(d, re);
  }

  const n = await ok(server, ['describe', 'namespace', 'desc']);
  assert.match(n, /^Name:\s+desc$/m);
  assert.match(n, /^Labels:\s+kubernetes\.io\/metadata\.name=desc$/m);
  assert.match(n, /^Status:\s+Active$/m);
  assert.match(n, /No resource quota\./);
  assert.match(n, /No LimitRange resource\./);
});

test('edit with EDITOR rewriting the file (sed); no-op edit is cancelled', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'edit');
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'edit', { replicas: 1 }) });

  const editor = write(dir, 'editor.sh', `#!/bin/sh\nset -e\nsed -i -e 's/replicas: 1$/replicas: 4/' -e 's#image: nginx:1.25#image: nginx:1.26#' "$1"\n`, 0o755);
  const edit = spawnKubectl(t, server, ['edit', 'deployment/web', '-n', 'edit'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
  const code = await edit.exited;
  assert.equal(code, 0, `kubectl edit: ${edit.stdout()}\n${edit.stderr()}`);
  assert.equal(edit.stdout().trim(), 'deployment.apps/web edited');
  const dep = await getJson(server, ['deploy', 'web', '-n', 'edit']);
  assert.equal(dep.spec.replicas, 4);
  assert.equal(dep.spec.template.spec.containers[0].image, 'nginx:1.26');
  assert.equal(dep.metadata.generation, 2);

  const noop = write(dir, 'noop.sh', '#!/bin/sh\nexit 0\n', 0o755);
  const edit2 = spawnKubectl(t, server, ['edit', 'deployment/web', '-n', 'edit'], { env: { EDITOR: noop, KUBE_EDITOR: noop } });
  assert.equal(await edit2.exited, 0, edit2.stderr());
  assert.match(edit2.stderr() + edit2.stdout(), /Edit cancelled, no changes made\./);
  assert.equal((await getJson(server, ['deploy', 'web', '-n', 'edit'])).metadata.resourceVersion, dep.metadata.resourceVersion);

  // Editing a ConfigMap's data (YAML block in the editor buffer).
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('conf', 'edit', { level: 'info' }) });
  const cmEditor = write(dir, 'cm.sh', `#!/bin/sh\nsed -i 's/level: info/level: debug/' "$1"\n`, 0o755);
  const edit3 = spawnKubectl(t, server, ['edit', 'cm', 'conf', '-n', 'edit'], { env: { EDITOR: cmEditor, KUBE_EDITOR: cmEditor } });
  assert.equal(await edit3.exited, 0, edit3.stderr());
  assert.equal(edit3.stdout().trim(), 'configmap/conf edited');
  assert.deepEqual((await getJson(server, ['cm', 'conf', '-n', 'edit'])).data, { level: 'debug' });
});

test('patch: --type=json, --type=merge, --type=strategic (default)', async () => {
  await createNamespace(server, 'patch');
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'patch', { replicas: 1, env: { A: '1' } }) });
  const get = () => getJson(server, ['deploy', 'web', '-n', 'patch']);

  // JSON patch (RFC 6902).
  assert.equal(
    (await ok(server, ['patch', 'deploy', 'web', '-n', 'patch', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/labels/j","value":"p"}]'])).trim(),
    'deployment.apps/web patched',
  );
  let d = await get();
  assert.equal(d.spec.replicas, 2);
  assert.equal(d.metadata.labels?.j, 'p');
  // A failing `test` operation changes nothing.
  const rv = d.metadata.resourceVersion;
  const bad = await fails(server, ['patch', 'deploy', 'web', '-n', 'patch', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":7},{"op":"replace","path":"/spec/replicas","value":9}]']);
  assert.match(bad.stderr, /^(Error from server|The request is invalid)/);
  assert.match(bad.stderr, /test/i);
  assert.equal((await get()).metadata.resourceVersion, rv);
  // Removing a path that does not exist fails too.
  const missing = await fails(server, ['patch', 'deploy', 'web', '-n', 'patch', '--type=json', '-p', '[{"op":"remove","path":"/metadata/labels/nope"}]']);
  assert.match(missing.stderr, /^(Error from server|The request is invalid)/);

  // Strategic merge patch (the default): containers merge by name, so a sidecar is added.
  assert.equal(
    (await ok(server, ['patch', 'deploy', 'web', '-n', 'patch', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}'])).trim(),
    'deployment.apps/web patched',
  );
  d = await get();
  assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string }) => c.name), ['sidecar', 'main']);
  // Strategic patch of env by merge key `name`, and $patch: delete.
  await ok(server, ['patch', 'deploy', 'web', '-n', 'patch', '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"B","value":"2"}]},{"name":"sidecar","$patch":"delete"}]}}}}']);
  d = await get();
  assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string }) => c.name), ['main']);
  assert.deepEqual(
    d.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => `${e.name}=${e.value}`).sort(),
    ['A=1', 'B=2'],
  );

  // Merge patch (RFC 7386): lists are replaced wholesale, null deletes.
  await ok(server, ['patch', 'deploy', 'web', '-n', 'patch', '--type=merge', '-p', '{"metadata":{"labels":{"j":null,"m":"1"}},"spec":{"template":{"spec":{"containers":[{"name":"only","image":"redis:7"}]}}}}']);
  d = await get();
  assert.equal(d.metadata.labels?.j, undefined);
  assert.equal(d.metadata.labels?.m, '1');
  assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}:${c.image}`), ['only:redis:7']);
  // Defaults are applied to the patched result.
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');

  // The same patch again changes nothing.
  const again = await ok(server, ['patch', 'deploy', 'web', '-n', 'patch', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1"}}}']);
  assert.equal(again.trim(), 'deployment.apps/web patched (no change)');

  // A patch that makes the object invalid is rejected with the field path.
  const invalid = await fails(server, ['patch', 'deploy', 'web', '-n', 'patch', '--type=merge', '-p', '{"spec":{"replicas":-1}}']);
  assert.equal(invalid.stderr.trim(), 'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');

  // Patching something that does not exist.
  const nf = await fails(server, ['patch', 'deploy', 'nope', '-n', 'patch', '-p', '{"spec":{"replicas":1}}']);
  assert.equal(nf.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found');
});

test('label and annotate: add, --overwrite, remove with key-', async () => {
  await createNamespace(server, 'meta');
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('cm', 'meta', { k: 'v' }) });
  const get = () => getJson(server, ['cm', 'cm', '-n', 'meta']);

  assert.equal((await ok(server, ['label', 'cm', 'cm', '-n', 'meta', 'team=a', 'tier=web'])).trim(), 'configmap/cm labeled');
  assert.deepEqual((await get()).metadata.labels, { team: 'a', tier: 'web' });
  const clash = await fails(server, ['label', 'cm', 'cm', '-n', 'meta', 'team=b']);
  assert.equal(clash.stderr.trim(), "error: 'team' already has a value (a), and --overwrite is false");
  assert.equal((await ok(server, ['label', 'cm', 'cm', '-n', 'meta', 'team=b', '--overwrite'])).trim(), 'configmap/cm labeled');
  assert.match((await ok(server, ['label', 'cm', 'cm', '-n', 'meta', 'tier-'])).trim(), /^configmap\/cm (un)?labeled$/);
  assert.deepEqual((await get()).metadata.labels, { team: 'b' });
  // kubectl passes label keys through; the server's metadata validation refuses them.
  const badLabel = await fails(server, ['label', 'cm', 'cm', '-n', 'meta', 'bad key=x']);
  assert.equal(
    badLabel.stderr.trim(),
    `The ConfigMap "cm" is invalid: metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  );

  // An invalid label value (kubectl label checks values itself, so send it as a patch) is
  // rejected by the server's metadata validation.
  const invalid = await fails(server, ['patch', 'cm', 'cm', '-n', 'meta', '--type=merge', '-p', '{"metadata":{"labels":{"team":"-bad-"}}}']);
  assert.equal(
    invalid.stderr.trim(),
    `The ConfigMap "cm" is invalid: metadata.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  );

  assert.equal((await ok(server, ['annotate', 'cm', 'cm', '-n', 'meta', 'note=one', 'owner=ops'])).trim(), 'configmap/cm annotated');
  assert.equal((await get()).metadata.annotations?.note, 'one');
  const aclash = await fails(server, ['annotate', 'cm', 'cm', '-n', 'meta', 'note=two']);
  assert.equal(aclash.stderr.trim(), "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (one)");
  await ok(server, ['annotate', 'cm', 'cm', '-n', 'meta', 'note=two', '--overwrite']);
  assert.equal((await get()).metadata.annotations?.note, 'two');
  assert.equal((await ok(server, ['annotate', 'cm', 'cm', '-n', 'meta', 'note-'])).trim(), 'configmap/cm annotated');
  const ann = (await get()).metadata.annotations ?? {};
  assert.equal(ann.note, undefined);
  assert.equal(ann.owner, 'ops');

  // Labels on many objects at once, by selector.
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('cm2', 'meta', {}, { group: 'g' }) + '---\n' + configMapYaml('cm3', 'meta', {}, { group: 'g' }) });
  const many = await ok(server, ['label', 'cm', '-n', 'meta', '-l', 'group=g', 'batch=1']);
  assert.deepEqual(many.trim().split('\n').sort(), ['configmap/cm2 labeled', 'configmap/cm3 labeled']);
});

test('scale deployment through the scale subresource', async () => {
  await createNamespace(server, 'scale');
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'scale', { replicas: 1 }) });
  assert.equal((await ok(server, ['scale', 'deployment', 'web', '-n', 'scale', '--replicas=3'])).trim(), 'deployment.apps/web scaled');
  const d = await getJson(server, ['deploy', 'web', '-n', 'scale']);
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.metadata.generation, 2);

  const scale = await getJson(server, ['deploy', 'web', '-n', 'scale', '--subresource=scale']);
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.equal(scale.metadata.name, 'web');
  assert.equal(scale.spec.replicas, 3);
  assert.equal(scale.status.selector, 'app=web');

  // --current-replicas is a precondition checked against the scale subresource.
  const pre = await fails(server, ['scale', 'deployment', 'web', '-n', 'scale', '--current-replicas=5', '--replicas=1']);
  assert.match(pre.stderr, /Expected replicas to be 5, was 3/);
  assert.equal((await getJson(server, ['deploy', 'web', '-n', 'scale'])).spec.replicas, 3);

  // Scale to zero, and several deployments at once.
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('api', 'scale', { replicas: 2 }) });
  const both = await ok(server, ['scale', 'deployment', 'web', 'api', '-n', 'scale', '--replicas=0']);
  assert.deepEqual(both.trim().split('\n').sort(), ['deployment.apps/api scaled', 'deployment.apps/web scaled']);
  assert.equal(await ok(server, ['get', 'deploy', '-n', 'scale', '-o', 'jsonpath={.items[*].spec.replicas}']), '0 0');
});

test('delete: --cascade=background|foreground|orphan, --all, finalizers', async () => {
  await createNamespace(server, 'del');
  for (const n of ['bg', 'fg', 'or', 'plain']) await ok(server, ['apply', '-f', '-'], { input: deploymentYaml(n, 'del') });

  assert.equal((await ok(server, ['delete', 'deploy', 'bg', '-n', 'del', '--cascade=background'])).trim(), 'deployment.apps "bg" deleted');
  await fails(server, ['get', 'deploy', 'bg', '-n', 'del']);

  // Foreground: the API server sets deletionTimestamp and the foregroundDeletion finalizer; the
  // garbage collector (not there yet) removes the finalizer once dependents are gone. Orphan: the
  // `orphan` finalizer. Until a collector runs, the object stays, terminating.
  for (const [name, cascade, finalizer] of [
    ['fg', 'foreground', 'foregroundDeletion'],
    ['or', 'orphan', 'orphan'],
  ] as const) {
    assert.equal((await ok(server, ['delete', 'deploy', name, '-n', 'del', `--cascade=${cascade}`, '--wait=false'])).trim(), `deployment.apps "${name}" deleted`);
    const r = await server.kubectl(['get', 'deploy', name, '-n', 'del', '-o', 'json']);
    if (r.code === 0) {
      const obj = JSON.parse(r.stdout) as { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
      assert.ok(obj.metadata.deletionTimestamp, `${name} is terminating`);
      assert.deepEqual(obj.metadata.finalizers, [finalizer]);
      // Removing the finalizer lets the deletion finish.
      await ok(server, ['patch', 'deploy', name, '-n', 'del', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    } else {
      assert.match(r.stderr, /NotFound/, r.stderr);
    }
    assert.match(await ok(server, ['wait', '--for=delete', `deploy/${name}`, '-n', 'del', '--timeout=15s']), new RegExp(`^(deployment\\.apps/${name} condition met\\n)?$`));
  }

  // delete <type> --all, and the `all` category.
  for (const n of ['c1', 'c2', 'c3']) await ok(server, ['apply', '-f', '-'], { input: configMapYaml(n, 'del', {}) });
  const cms = await ok(server, ['delete', 'configmaps', '--all', '-n', 'del']);
  for (const n of ['c1', 'c2', 'c3']) assert.match(cms, new RegExp(`^configmap "${n}" deleted$`, 'm'));
  assert.doesNotMatch(await ok(server, ['get', 'cm', '-n', 'del', '-o', 'name']), /configmap\/c\d/);

  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('other', 'del') });
  const all = await ok(server, ['delete', 'all', '--all', '-n', 'del']);
  assert.match(all, /^deployment\.apps "plain" deleted$/m);
  assert.match(all, /^deployment\.apps "other" deleted$/m);
  const left = await server.kubectl(['get', 'deploy', '-n', 'del']);
  assert.equal(left.stderr.trim(), 'No resources found in del namespace.');

  // Deleting something missing: NotFound, exit 1; --ignore-not-found: exit 0, silent.
  const nf = await fails(server, ['delete', 'deploy', 'ghost', '-n', 'del']);
  assert.equal(nf.stderr.trim(), 'Error from server (NotFound): deployments.apps "ghost" not found');
  assert.equal(await ok(server, ['delete', 'deploy', 'ghost', '-n', 'del', '--ignore-not-found']), '');

  // delete -f with the manifest.
  const manifest = configMapYaml('byfile', 'del', { a: 'b' });
  await ok(server, ['apply', '-f', '-'], { input: manifest });
  assert.equal((await ok(server, ['delete', '-f', '-'], { input: manifest })).trim(), 'configmap "byfile" deleted');
});

test('wait: --for=delete and --for=jsonpath', async (t) => {
  await createNamespace(server, 'wait');
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'wait', { replicas: 1 }) + '---\n' + configMapYaml('gone', 'wait', {}) });

  // Already true: returns at once.
  assert.equal((await ok(server, ['wait', '--for=jsonpath={.spec.replicas}=1', 'deploy/web', '-n', 'wait', '--timeout=10s'])).trim(), 'deployment.apps/web condition met');

  // Becomes true later: the wait is running (watching) when the change happens.
  // (No shell here: the argument is what a shell makes of --for=jsonpath='{.spec.replicas}'=3.)
  const w = spawnKubectl(t, server, ['wait', '--for=jsonpath={.spec.replicas}=3', 'deploy/web', '-n', 'wait', '--timeout=20s']);
  await ok(server, ['scale', 'deploy', 'web', '-n', 'wait', '--replicas=3']);
  assert.equal(await w.exited, 0, w.stderr());
  assert.equal(w.stdout().trim(), 'deployment.apps/web condition met');

  // Not true before the timeout: exit 1 with upstream's message.
  const timeout = await fails(server, ['wait', '--for=jsonpath={.spec.replicas}=9', 'deploy/web', '-n', 'wait', '--timeout=1s']);
  assert.equal(timeout.stderr.trim(), 'error: timed out waiting for the condition on deployments/web');

  const del = spawnKubectl(t, server, ['wait', '--for=delete', 'configmap/gone', '-n', 'wait', '--timeout=20s']);
  await ok(server, ['delete', 'cm', 'gone', '-n', 'wait']);
  assert.equal(await del.exited, 0, del.stderr());
  assert.match(del.stdout().trim(), /^(configmap\/gone condition met)?$/);
  await fails(server, ['get', 'cm', 'gone', '-n', 'wait']);
});

test('diff -f: exit 1 with a diff when different, 0 when the same; nothing is persisted', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'diff');
  const file = write(dir, 'web.yaml', deploymentYaml('web', 'diff', { replicas: 1, env: { MODE: 'a' } }));

  // Not there yet: the whole object is new.
  const fresh = await server.kubectl(['diff', '-f', file]);
  assert.equal(fresh.code, 1, fresh.stderr);
  assert.match(fresh.stdout, /^\+\s+name: web$/m);
  await fails(server, ['get', 'deploy', 'web', '-n', 'diff']);

  await ok(server, ['apply', '-f', file]);
  const same = await server.kubectl(['diff', '-f', file]);
  assert.equal(same.code, 0, `diff of an applied manifest must be empty: ${same.stdout}${same.stderr}`);
  assert.equal(same.stdout, '');

  const before = await getJson(server, ['deploy', 'web', '-n', 'diff']);
  write(dir, 'web.yaml', deploymentYaml('web', 'diff', { replicas: 4, env: { MODE: 'b' } }));
  const changed = await server.kubectl(['diff', '-f', file]);
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stdout, /^-\s+replicas: 1$/m);
  assert.match(changed.stdout, /^\+\s+replicas: 4$/m);
  assert.match(changed.stdout, /^-\s+value: a$/m);
  assert.match(changed.stdout, /^\+\s+value: b$/m);
  assert.match(changed.stdout, /^\+\s+generation: 2$/m, 'dry-run bumps generation like a real update');
  const afterDiff = await getJson(server, ['deploy', 'web', '-n', 'diff']);
  assert.equal(afterDiff.metadata.resourceVersion, before.metadata.resourceVersion, 'diff (dryRun=All) persisted nothing');
  assert.equal(afterDiff.spec.replicas, 1);

  // An invalid manifest: diff reports the server's validation error (exit > 1).
  const bad = write(dir, 'bad.yaml', deploymentYaml('web', 'diff', { replicas: 1 }).replace('replicas: 1', 'replicas: -3'));
  const invalid = await server.kubectl(['diff', '-f', bad]);
  assert.ok((invalid.code ?? 0) > 1, `exit ${invalid.code}: ${invalid.stderr}`);
  assert.match(invalid.stderr, /The Deployment "web" is invalid: spec\.replicas: Invalid value: -3: must be greater than or equal to 0/);
});

test('apply --server-side creates and updates (application/apply-patch+yaml)', async () => {
  await createNamespace(server, 'ssa');
  const cm = (data: Record<string, string>) => configMapYaml('ssa', 'ssa', data);
  assert.equal((await ok(server, ['apply', '--server-side', '-f', '-'], { input: cm({ a: '1', b: '2' }) })).trim(), 'configmap/ssa serverside-applied');
  assert.deepEqual((await getJson(server, ['cm', 'ssa', '-n', 'ssa'])).data, { a: '1', b: '2' });
  assert.equal((await ok(server, ['apply', '--server-side', '-f', '-'], { input: cm({ a: '10', b: '2' }) })).trim(), 'configmap/ssa serverside-applied');
  assert.deepEqual((await getJson(server, ['cm', 'ssa', '-n', 'ssa'])).data, { a: '10', b: '2' });
  await ok(server, ['apply', '--server-side', '-f', '-'], { input: deploymentYaml('ssa-web', 'ssa', { replicas: 2 }) });
  assert.equal((await getJson(server, ['deploy', 'ssa-web', '-n', 'ssa'])).spec.replicas, 2);
});

test('apply --server-side tracks managedFields: conflicts between managers, removal of owned fields', async () => {
  await createNamespace(server, 'ssa2');
  const cm = (data: Record<string, string>) => configMapYaml('owned', 'ssa2', data);
  await ok(server, ['apply', '--server-side', '-f', '-'], { input: cm({ a: '1', b: '2' }) });
  const obj = JSON.parse(await ok(server, ['get', 'cm', 'owned', '-n', 'ssa2', '-o', 'json', '--show-managed-fields'])) as {
    metadata: { managedFields?: Array<{ manager: string; operation: string; apiVersion: string; fieldsType: string; fieldsV1: Record<string, unknown> }> };
  };
  const mf = obj.metadata.managedFields ?? [];
  const mine = mf.find((m) => m.manager === 'kubectl' && m.operation === 'Apply');
  assert.ok(mine, `managedFields: ${JSON.stringify(mf)}`);
  assert.equal(mine.apiVersion, 'v1');
  assert.equal(mine.fieldsType, 'FieldsV1');
  assert.deepEqual(mine.fieldsV1['f:data'], { 'f:a': {}, 'f:b': {} });

  // Another manager changing a field kubectl owns: 409 conflict, then --force-conflicts.
  const conflict = await fails(server, ['apply', '--server-side', '--field-manager=other', '-f', '-'], { input: cm({ a: 'theirs' }) });
  assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.data\.a$/m);
  await ok(server, ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], { input: cm({ a: 'theirs' }) });
  assert.deepEqual((await getJson(server, ['cm', 'owned', '-n', 'ssa2'])).data, { a: 'theirs', b: '2' });

  // kubectl applies a manifest without b: b was kubectl's alone, so it is removed.
  await ok(server, ['apply', '--server-side', '-f', '-'], { input: cm({}) });
  assert.deepEqual((await getJson(server, ['cm', 'owned', '-n', 'ssa2'])).data, { a: 'theirs' });
});
