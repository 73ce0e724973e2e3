/**
 * What kubectl prints when the server says no, byte for byte as against upstream: NotFound,
 * Invalid (with field paths), Conflict on a stale `replace`, strict decoding errors under kubectl's
 * default validation, and namespace lifecycle (deletion empties the namespace, nothing new may be
 * created while it terminates, protected namespaces).
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
  header,
  ok,
  poll,
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

test('NotFound: get pod nope, deployments in apps, list in a missing namespace', async () => {
  const r = await fails(server, ['get', 'pod', 'nope']);
  assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
  assert.equal(r.stdout, '');
  const d = await fails(server, ['get', 'deploy', 'nope', '-n', 'default']);
  assert.equal(d.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found');
  const ns = await fails(server, ['get', 'ns', 'nope']);
  assert.equal(ns.stderr.trim(), 'Error from server (NotFound): namespaces "nope" not found');
  const hpa = await fails(server, ['get', 'hpa', 'nope', '-n', 'default']);
  assert.equal(hpa.stderr.trim(), 'Error from server (NotFound): horizontalpodautoscalers.autoscaling "nope" not found');
  // Listing in a namespace that does not exist is an empty list upstream.
  const list = await server.kubectl(['get', 'cm', '-n', 'does-not-exist']);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stderr.trim(), 'No resources found in does-not-exist namespace.');
  // Several names: found ones are printed, missing ones reported, exit 1.
  await createNamespace(server, 'nf');
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('here', 'nf', {}) });
  const mixed = await fails(server, ['get', 'cm', 'here', 'missing', '-n', 'nf', '-o', 'name']);
  assert.equal(mixed.stdout.trim(), 'configmap/here');
  assert.equal(mixed.stderr.trim(), 'Error from server (NotFound): configmaps "missing" not found');
  // An unknown resource type is kubectl's own error (from discovery).
  const unknown = await fails(server, ['get', 'widgets']);
  assert.equal(unknown.stderr.trim(), 'error: the server doesn\'t have a resource type "widgets"');
});

test('Invalid: The Deployment "x" is invalid: <field>: <reason>', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'inv');
  const mismatch = write(dir, 'mismatch.yaml', deploymentYaml('x', 'inv').replace(/template:\n    metadata:\n      labels:\n        app: x/, 'template:\n    metadata:\n      labels:\n        app: other'));
  const r = await fails(server, ['create', '-f', mismatch]);
  assert.equal(
    r.stderr.trim(),
    'The Deployment "x" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
  );

  // (Not 'y': YAML 1.1 reads an unquoted y as a boolean.)
  const noImage = write(dir, 'noimage.yaml', deploymentYaml('noimg', 'inv').replace(/\n\s+image: .*\n/, '\n'));
  const r2 = await fails(server, ['apply', '-f', noImage]);
  assert.equal(r2.stderr.trim(), 'The Deployment "noimg" is invalid: spec.template.spec.containers[0].image: Required value');

  // Several errors: one "* " line each.
  const both = write(dir, 'both.yaml', deploymentYaml('z', 'inv', { replicas: 1 }).replace('replicas: 1', 'replicas: -2').replace(/\n\s+image: .*\n/, '\n'));
  const r3 = await fails(server, ['create', '-f', both]);
  const lines = r3.stderr.trim().split('\n');
  assert.equal(lines[0], 'The Deployment "z" is invalid: ');
  assert.deepEqual(lines.slice(1).sort(), [
    '* spec.replicas: Invalid value: -2: must be greater than or equal to 0',
    '* spec.template.spec.containers[0].image: Required value',
  ]);

  // Object names are validated per kind (DNS subdomain for ConfigMaps).
  const badName = await fails(server, ['apply', '-f', '-'], { input: configMapYaml('Bad_Name', 'inv', {}) });
  assert.equal(
    badName.stderr.trim(),
    `The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
  for (const n of ['x', 'noimg', 'z']) await fails(server, ['get', 'deploy', n, '-n', 'inv']);
});

test('Conflict: kubectl replace with a stale resourceVersion', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'conf');
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'conf', { replicas: 1 }) });
  const stale = write(dir, 'stale.yaml', await ok(server, ['get', 'deploy', 'web', '-n', 'conf', '-o', 'yaml']));
  const fresh = write(dir, 'fresh.yaml', (await ok(server, ['get', 'deploy', 'web', '-n', 'conf', '-o', 'yaml'])).replace('replicas: 1', 'replicas: 2'));

  assert.equal((await ok(server, ['replace', '-f', fresh])).trim(), 'deployment.apps/web replaced');
  assert.equal((await getJson(server, ['deploy', 'web', '-n', 'conf'])).spec.replicas, 2);

  const r = await fails(server, ['replace', '-f', stale]);
  assert.equal(
    r.stderr.trim(),
    `Error from server (Conflict): error when replacing "${stale}": Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`,
  );
  assert.equal((await getJson(server, ['deploy', 'web', '-n', 'conf'])).spec.replicas, 2);

  // Without a resourceVersion, replace is unconditional.
  const norv = write(dir, 'norv.yaml', (await ok(server, ['get', 'deploy', 'web', '-n', 'conf', '-o', 'yaml'])).replace(/\n\s+resourceVersion: "\d+"/, '').replace('replicas: 2', 'replicas: 5'));
  assert.equal((await ok(server, ['replace', '-f', norv])).trim(), 'deployment.apps/web replaced');
  assert.equal((await getJson(server, ['deploy', 'web', '-n', 'conf'])).spec.replicas, 5);

  // replace of something missing.
  const missing = write(dir, 'missing.yaml', configMapYaml('absent', 'conf', {}));
  const nf = await fails(server, ['replace', '-f', missing]);
  assert.equal(nf.stderr.trim(), `Error from server (NotFound): error when replacing "${missing}": configmaps "absent" not found`);
});

test('unknown fields under default (Strict) validation; Warn with --validate=warn', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'strict');
  const file = write(dir, 'foo.yaml', deploymentYaml('x', 'strict').replace('spec:\n  replicas', 'spec:\n  foo: bar\n  replicas'));
  const r = await fails(server, ['create', '-f', file]);
  assert.equal(
    r.stderr.trim(),
    `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`,
  );
  const a = await fails(server, ['apply', '-f', file]);
  assert.equal(
    a.stderr.trim(),
    `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`,
  );

  // Two unknown fields, nested: all are listed.
  const two = write(dir, 'two.yaml', configMapYaml('c', 'strict', { a: 'b' }).replace('metadata:\n', 'bogus: 1\nmetadata:\n  colour: red\n'));
  const r2 = await fails(server, ['create', '-f', two]);
  assert.equal(
    r2.stderr.trim(),
    `Error from server (BadRequest): error when creating "${two}": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus", unknown field "metadata.colour"`,
  );

  // --validate=warn: created, with the server's warning printed by kubectl.
  const w = await server.kubectl(['create', '-f', file, '--validate=warn']);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.stdout.trim(), 'deployment.apps/x created');
  assert.match(w.stderr, /^Warning: unknown field "spec\.foo"$/m);
  const stored = await getJson(server, ['deploy', 'x', '-n', 'strict']);
  assert.equal(stored.spec.foo, undefined, 'unknown fields are dropped');
});

test('namespace deletion removes its contents; a terminating namespace accepts nothing new', async (t) => {
  const dir = tempDir(t);
  await createNamespace(server, 'doomed');
  await ok(server, ['apply', '-f', write(dir, 'c.yaml', [configMapYaml('c1', 'doomed', { a: '1' }), deploymentYaml('d1', 'doomed'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s1\n  namespace: doomed\nstringData:\n  k: v\n'].join('---\n'))]);

  // kubectl waits (default --wait=true) until the namespace is gone.
  assert.equal((await ok(server, ['delete', 'ns', 'doomed', '--timeout=60s'])).trim(), 'namespace "doomed" deleted');
  assert.equal(await ok(server, ['wait', '--for=delete', 'ns/doomed', '--timeout=30s']), '');
  await fails(server, ['get', 'ns', 'doomed']);
  for (const kind of ['cm', 'deploy', 'secret']) {
    const r = await server.kubectl(['get', kind, '-n', 'doomed', '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', `${kind} left in a deleted namespace`);
  }

  // A finalizer on one object keeps the namespace Terminating.
  await createNamespace(server, 'held');
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('anchor', 'held', {}).replace('metadata:\n', 'metadata:\n  finalizers:\n  - example.com/hold\n') });
  await ok(server, ['apply', '-f', '-'], { input: configMapYaml('loose', 'held', {}) });
  assert.equal((await ok(server, ['delete', 'ns', 'held', '--wait=false'])).trim(), 'namespace "held" deleted');
  await poll('namespace held to report Terminating and lose its unblocked contents', async () => {
    const nsTable = await ok(server, ['get', 'ns', 'held']);
    const loose = await server.kubectl(['get', 'cm', 'loose', '-n', 'held']);
    return table(nsTable)[1]?.[1] === 'Terminating' && loose.code === 1;
  });
  assert.deepEqual(header(await ok(server, ['get', 'ns', 'held'])), ['NAME', 'STATUS', 'AGE']);
  const ns = await getJson(server, ['ns', 'held']);
  assert.equal(ns.status.phase, 'Terminating');
  assert.ok(ns.metadata.deletionTimestamp);
  assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
  const anchor = await getJson(server, ['cm', 'anchor', '-n', 'held']);
  assert.ok(anchor.metadata.deletionTimestamp, 'anchor is being deleted, held by its finalizer');

  const refused = await fails(server, ['apply', '-f', '-'], { input: configMapYaml('late', 'held', {}) });
  assert.equal(
    refused.stderr.trim(),
    'Error from server (Forbidden): error when creating "STDIN": configmaps "late" is forbidden: unable to create new content in namespace held because it is being terminated',
  );

  // Releasing the finalizer lets the namespace finish.
  await ok(server, ['patch', 'cm', 'anchor', '-n', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
  await ok(server, ['wait', '--for=delete', 'ns/held', '--timeout=30s']);
  await fails(server, ['get', 'ns', 'held']);

  // Creating in a namespace that does not exist.
  const nons = await fails(server, ['apply', '-f', '-'], { input: configMapYaml('x', 'no-such-ns', {}) });
  assert.equal(nons.stderr.trim(), 'Error from server (NotFound): error when creating "STDIN": namespaces "no-such-ns" not found');
});

// Last in this file: were the rule broken, the namespaces would really be deleted.
test('the immortal namespaces (default, kube-system, kube-public) cannot be deleted', async () => {
  for (const protectedNs of ['default', 'kube-system', 'kube-public']) {
    const r = await server.kubectl(['delete', 'ns', protectedNs, '--wait=false']);
    assert.equal(r.code, 1, `kubectl delete ns ${protectedNs} must fail: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim(), `Error from server (Forbidden): namespaces "${protectedNs}" is forbidden: this namespace may not be deleted`);
  }
  const ns = await getJson(server, ['ns', 'default']);
  assert.equal(ns.metadata.deletionTimestamp, undefined);
  await ok(server, ['get', 'ns', 'default', 'kube-system', 'kube-public', 'kube-node-lease']);
});
