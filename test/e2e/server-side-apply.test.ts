/**
 * Server-side apply with the real kubectl against a real `flotilla server`: `apply --server-side`
 * creates and updates, `get --show-managed-fields` shows FieldsV1 per manager, another manager's
 * change is refused with upstream's conflict text and taken with `--force-conflicts`, fields the
 * applier stops applying are removed, imperative verbs record their own managers, and an object
 * managed by client-side `kubectl apply` moves to server-side apply without conflicts (the
 * last-applied-configuration upgrade). kubectl 1.27 and 1.33 run the same smoke.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, KUBECTL_1_27, KUBECTL_1_33, type TestServer, configMapYaml, createNamespace, deploymentYaml, fails, getJson, ok, spawnKubectl, startServer, tempDir, write } from './lib/kube.js';

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}
interface Obj {
  metadata: { managedFields?: Entry[]; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ image?: string }> } } };
}

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

async function managed(kind: string, name: string, ns: string): Promise<Entry[]> {
  const o = JSON.parse(await ok(server, ['get', kind, name, '-n', ns, '-o', 'json', '--show-managed-fields'])) as Obj;
  return o.metadata.managedFields ?? [];
}

test('apply --server-side: managedFields shown with --show-managed-fields, hidden without', async () => {
  await createNamespace(server, 'ssa-show');
  const out = await ok(server, ['apply', '--server-side', '-f', '-'], { input: configMapYaml('c', 'ssa-show', { a: '1' }, { app: 'x' }) });
  assert.equal(out.trim(), 'configmap/c serverside-applied');
  const yaml = await ok(server, ['get', 'cm', 'c', '-n', 'ssa-show', '-o', 'yaml', '--show-managed-fields']);
  assert.match(yaml, /^ {2}managedFields:\n {2}- apiVersion: v1\n {4}fieldsType: FieldsV1\n {4}fieldsV1:\n {6}f:data:\n {8}f:a: \{\}\n {6}f:metadata:\n {8}f:labels:\n {10}f:app: \{\}\n {4}manager: kubectl\n {4}operation: Apply\n {4}time: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$/m);
  const plain = await ok(server, ['get', 'cm', 'c', '-n', 'ssa-show', '-o', 'yaml']);
  assert.doesNotMatch(plain, /managedFields/);
});

test('conflicts: upstream text and exit 1, nothing written; --force-conflicts takes the field; updaters named with their version', async () => {
  await createNamespace(server, 'ssa-conf');
  await ok(server, ['apply', '--server-side', '-f', '-'], { input: deploymentYaml('web', 'ssa-conf', { replicas: 2 }) });
  const c = await fails(server, ['apply', '--server-side', '--field-manager=ci', '-f', '-'], { input: deploymentYaml('web', 'ssa-conf', { replicas: 5 }) });
  assert.match(c.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas$/m);
  assert.match(c.stderr, /Please review the fields above--they currently have other managers/);
  assert.equal((await getJson<Obj>(server, ['deploy', 'web', '-n', 'ssa-conf'])).spec?.replicas, 2, 'nothing written on conflict');
  await ok(server, ['apply', '--server-side', '--field-manager=ci', '--force-conflicts', '-f', '-'], { input: deploymentYaml('web', 'ssa-conf', { replicas: 5 }) });
  assert.equal((await getJson<Obj>(server, ['deploy', 'web', '-n', 'ssa-conf'])).spec?.replicas, 5);
  const mf = await managed('deploy', 'web', 'ssa-conf');
  const kubectl = mf.find((e) => e.manager === 'kubectl' && e.operation === 'Apply')!;
  const ci = mf.find((e) => e.manager === 'ci' && e.operation === 'Apply')!;
  assert.equal((kubectl.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], undefined, 'replicas moved to ci');
  assert.deepEqual((ci.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], {});

  // `kubectl scale` writes through the scale subresource: an Update entry with subresource "scale"
  // that takes replicas from ci, so ci's next apply of another value conflicts with it.
  await ok(server, ['scale', 'deploy', 'web', '-n', 'ssa-conf', '--replicas=7']);
  const scaled = (await managed('deploy', 'web', 'ssa-conf')).find((e) => e.subresource === 'scale');
  assert.ok(scaled, JSON.stringify(await managed('deploy', 'web', 'ssa-conf')));
  assert.deepEqual([scaled.operation, scaled.apiVersion, scaled.fieldsV1], ['Update', 'apps/v1', { 'f:spec': { 'f:replicas': {} } }]);
  const sc = await fails(server, ['apply', '--server-side', '--field-manager=ci', '-f', '-'], { input: deploymentYaml('web', 'ssa-conf', { replicas: 5 }) });
  assert.match(sc.stderr, new RegExp(`^error: Apply failed with 1 conflict: conflict with "${scaled.manager}" with subresource "scale" using apps/v1: \\.spec\\.replicas$`, 'm'));
  await ok(server, ['apply', '--server-side', '--field-manager=ci', '--force-conflicts', '-f', '-'], { input: deploymentYaml('web', 'ssa-conf', { replicas: 5 }) });

  // An imperative update owns what it changed: `kubectl label` is an Update by kubectl-label.
  await ok(server, ['label', 'deploy', 'web', '-n', 'ssa-conf', 'tier=front']);
  const labeled = (await managed('deploy', 'web', 'ssa-conf')).find((e) => e.manager === 'kubectl-label');
  assert.ok(labeled, JSON.stringify(await managed('deploy', 'web', 'ssa-conf')));
  assert.equal(labeled.operation, 'Update');
  assert.equal(labeled.apiVersion, 'apps/v1');
  assert.deepEqual(labeled.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
  const l = await fails(server, ['apply', '--server-side', '-f', '-'], {
    input: deploymentYaml('web', 'ssa-conf', { replicas: 2, labels: { tier: 'back' } }),
  });
  assert.match(l.stderr, /^error: Apply failed with \d conflicts?: /m);
  assert.match(l.stderr, /conflicts? with "kubectl-label" using apps\/v1/);
});

test('imperative writes record their managers: kubectl-create, kubectl-edit, kubectl-replace', async (t) => {
  await createNamespace(server, 'ssa-imp');
  await ok(server, ['create', 'deployment', 'web', '-n', 'ssa-imp', '--image=nginx:1.25'], {}).catch(async () => {
    // Without protobuf request bodies kubectl's generators may be refused: fall back to a manifest.
    await ok(server, ['create', '-f', '-'], { input: deploymentYaml('web', 'ssa-imp') });
  });
  let mf = await managed('deploy', 'web', 'ssa-imp');
  const created = mf.find((e) => e.manager === 'kubectl-create');
  assert.ok(created, JSON.stringify(mf));
  assert.equal(created.operation, 'Update');
  assert.equal(created.apiVersion, 'apps/v1');
  const tmpl = ((created.fieldsV1['f:spec'] as Record<string, Record<string, unknown>>)['f:template']!['f:spec'] as Record<string, Record<string, unknown>>)['f:containers']!;
  assert.ok(Object.keys(tmpl).some((k) => k.startsWith('k:{"name":')), JSON.stringify(tmpl));

  const dir = tempDir(t);
  const editor = write(dir, 'editor.sh', `#!/bin/sh\nset -e\nsed -i -e 's#image: nginx:1.25#image: nginx:1.26#' "$1"\n`, 0o755);
  const edit = spawnKubectl(t, server, ['edit', 'deployment/web', '-n', 'ssa-imp'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
  assert.equal(await edit.exited, 0, edit.stderr());
  mf = await managed('deploy', 'web', 'ssa-imp');
  const edited = mf.find((e) => e.manager === 'kubectl-edit');
  assert.ok(edited, JSON.stringify(mf));
  assert.match(JSON.stringify(edited.fieldsV1), /"f:image":\{\}/);
  assert.doesNotMatch(JSON.stringify(mf.find((e) => e.manager === 'kubectl-create')!.fieldsV1), /"f:image"/, 'the image moved to kubectl-edit');

  const current = JSON.parse(await ok(server, ['get', 'deploy', 'web', '-n', 'ssa-imp', '-o', 'json'])) as { spec: { replicas: number } };
  current.spec.replicas = 3;
  await ok(server, ['replace', '-f', '-'], { input: JSON.stringify(current) });
  mf = await managed('deploy', 'web', 'ssa-imp');
  assert.deepEqual((mf.find((e) => e.manager === 'kubectl-replace')?.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], {}, JSON.stringify(mf));

  // Then a server-side apply of the image by "ci" conflicts with kubectl-edit, named with its version.
  const name = (await getJson<{ spec: { template: { spec: { containers: Array<{ name: string }> } } } }>(server, ['deploy', 'web', '-n', 'ssa-imp'])).spec.template.spec.containers[0]!.name;
  const manifest = deploymentYaml('web', 'ssa-imp', { replicas: 3, image: 'nginx:2' }).replace('- name: main', `- name: ${name}`);
  const c = await fails(server, ['apply', '--server-side', '--field-manager=ci', '-f', '-'], { input: manifest });
  assert.match(c.stderr, new RegExp(`conflict with "kubectl-edit" using apps/v1: \\.spec\\.template\\.spec\\.containers\\[name="${name}"\\]\\.image`));
});

test('fields the applier no longer applies are removed, unless another manager owns them', async () => {
  await createNamespace(server, 'ssa-rm');
  const cm = (data: Record<string, string>, mgr = 'kubectl') => ok(server, ['apply', '--server-side', `--field-manager=${mgr}`, '-f', '-'], { input: configMapYaml('c', 'ssa-rm', data) });
  await cm({ a: '1', b: '2', c: '3' });
  await cm({ c: '3' }, 'other');
  await cm({ a: '1' });
  assert.deepEqual((await getJson<Obj>(server, ['cm', 'c', '-n', 'ssa-rm'])).data, { a: '1', c: '3' }, 'b removed, c kept (other applies it)');
});

test('client-side apply → server-side apply: no conflicts with what kubectl applied before, ownership moves to kubectl', async () => {
  await createNamespace(server, 'ssa-csa');
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'ssa-csa', { replicas: 1 }) });
  let mf = await managed('deploy', 'web', 'ssa-csa');
  assert.ok(mf.some((e) => e.manager === 'kubectl-client-side-apply' && e.operation === 'Update'), JSON.stringify(mf));
  await ok(server, ['apply', '-f', '-'], { input: deploymentYaml('web', 'ssa-csa', { replicas: 2 }) });
  const out = await ok(server, ['apply', '--server-side', '-f', '-'], { input: deploymentYaml('web', 'ssa-csa', { replicas: 3 }) });
  assert.equal(out.trim(), 'deployment.apps/web serverside-applied');
  const o = await getJson<Obj>(server, ['deploy', 'web', '-n', 'ssa-csa']);
  assert.equal(o.spec?.replicas, 3);
  assert.equal(JSON.parse(o.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!).spec.replicas, 3, 'the annotation follows the apply');
  mf = await managed('deploy', 'web', 'ssa-csa');
  const kubectl = mf.find((e) => e.manager === 'kubectl' && e.operation === 'Apply');
  assert.ok(kubectl, JSON.stringify(mf));
  assert.deepEqual((kubectl.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], {});
  // kubectl rewrote its client-side apply entry into Apply entries (csaupgrade, a JSON patch of
  // managedFields that the server keeps as the client's choice).
  assert.ok(!mf.some((e) => e.manager === 'kubectl-client-side-apply'), JSON.stringify(mf.map((e) => [e.manager, e.operation])));
  // Another manager still conflicts with kubectl.
  const c = await fails(server, ['apply', '--server-side', '--field-manager=ci', '-f', '-'], { input: deploymentYaml('web', 'ssa-csa', { replicas: 4 }) });
  assert.match(c.stderr, /conflict with "kubectl"/);
});

test('apply --server-side --dry-run=server and diff --server-side persist nothing', async () => {
  await createNamespace(server, 'ssa-dry');
  await ok(server, ['apply', '--server-side', '--dry-run=server', '-f', '-'], { input: configMapYaml('d', 'ssa-dry', { a: '1' }) });
  await fails(server, ['get', 'cm', 'd', '-n', 'ssa-dry']);
  await ok(server, ['apply', '--server-side', '-f', '-'], { input: configMapYaml('d', 'ssa-dry', { a: '1' }) });
  const d = await server.kubectl(['diff', '--server-side', '-f', '-'], { input: configMapYaml('d', 'ssa-dry', { a: '2' }) });
  assert.equal(d.code, 1, d.stderr);
  assert.match(d.stdout, /^-\s+a: "1"$/m);
  assert.match(d.stdout, /^\+\s+a: "2"$/m);
  assert.deepEqual((await getJson<Obj>(server, ['cm', 'd', '-n', 'ssa-dry'])).data, { a: '1' });
});

test('apply --server-side of the whole seed: every object serverside-applied (the tls Secret refused as upstream); again: nothing rewritten', async () => {
  const seed = join(FIXTURES, 'seed');
  await createNamespace(server, 'production');
  await createNamespace(server, 'monitoring');
  const first = await fails(server, ['apply', '--server-side', '-f', seed]);
  const lines = first.stdout.trim().split('\n');
  assert.ok(lines.length >= 25, first.stdout);
  for (const l of lines) assert.match(l, / serverside-applied$/);
  assert.match(first.stderr, /Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 36/);
  assert.doesNotMatch(first.stderr, /conflict/i);
  const before = await ok(server, ['get', 'deploy,svc,cm,rollout,virtualservice,destinationrule,networkpolicy', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}']);
  const again = await fails(server, ['apply', '--server-side', '-f', seed]);
  assert.deepEqual(again.stdout.trim().split('\n'), lines);
  const after = await ok(server, ['get', 'deploy,svc,cm,rollout,virtualservice,destinationrule,networkpolicy', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}']);
  assert.equal(after, before, 'a second identical apply writes nothing');
  const mf = await managed('rollout', 'myapp-canary', 'production');
  assert.deepEqual(mf.map((e) => [e.manager, e.operation]), [['kubectl', 'Apply']]);
});

for (const [label, binary] of [
  ['1.27', KUBECTL_1_27],
  ['1.33', KUBECTL_1_33],
] as const) {
  test(`kubectl ${label}: apply --server-side, conflict, --force-conflicts`, async () => {
    assert.ok(existsSync(binary), `${binary} is missing: the machine image ships kubectl ${label} under /usr/lib/google-cloud-sdk/bin`);
    const ns = `ssa-v${label.replace('.', '')}`;
    await createNamespace(server, ns);
    const run = (args: string[], input: string) => server.kubectl(args, { binary, input });
    const a = await run(['apply', '--server-side', '-f', '-'], configMapYaml('c', ns, { a: '1' }));
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout.trim(), 'configmap/c serverside-applied');
    const c = await run(['apply', '--server-side', '--field-manager=x', '-f', '-'], configMapYaml('c', ns, { a: '2' }));
    assert.equal(c.code, 1, c.stderr);
    assert.match(c.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.data\.a$/m);
    const f = await run(['apply', '--server-side', '--field-manager=x', '--force-conflicts', '-f', '-'], configMapYaml('c', ns, { a: '2' }));
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual((await getJson<Obj>(server, ['cm', 'c', '-n', ns])).data, { a: '2' });
  });
}
