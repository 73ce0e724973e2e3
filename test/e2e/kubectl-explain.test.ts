/**
 * `kubectl explain` prints upstream's documentation: for several kinds and nested fields, the
 * DESCRIPTION and every FIELDS entry are compared with what the kubernetes-models package (our
 * source of upstream's text) says, never with text written into this test. kubectl 1.32 (the
 * default) and 1.33 read OpenAPI v3; 1.27 reads the v2 document as gnostic protobuf.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadUpstreamDocs, type UpstreamDocs, type UpstreamField, type UpstreamType } from '../../src/apiserver/openapi/index.js';
import { KUBECTL_1_27, KUBECTL_1_33, type TestServer, ok, startServer } from './lib/kube.js';

let server: TestServer;
let docs: UpstreamDocs;
before(async () => {
  const loaded = loadUpstreamDocs();
  assert.equal(loaded.error, undefined, `kubernetes-models is not installed: run npm ci (${loaded.error})`);
  docs = loaded.docs;
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const TYPE_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';

/** What explain should show for `<kind definition>.<path...>`, from the package. */
function expected(definition: string, path: string[]): { description: string; fields: Map<string, string>; required: string[] } {
  let type: UpstreamType | undefined = docs.type(definition);
  assert.ok(type, definition);
  const parts: string[] = [];
  if (!path.length && type.description) parts.push(type.description);
  for (const [i, name] of path.entries()) {
    const f: UpstreamField | undefined = type!.properties.get(name);
    assert.ok(f, `${definition}: ${path.slice(0, i + 1).join('.')} upstream`);
    const last = i === path.length - 1;
    const next: UpstreamType | undefined = f.type ? docs.type(f.type) : undefined;
    if (last) {
      if (f.description) parts.push(f.description);
      if (next?.description) parts.push(next.description);
    }
    type = next;
  }
  const fields = new Map<string, string>();
  for (const [name, f] of type?.properties ?? []) {
    const typeMeta = name === 'apiVersion' || name === 'kind' ? docs.type(TYPE_META)!.properties.get(name)!.description : undefined;
    const d = f.description ?? typeMeta ?? '<no description>'; // kubectl's words for an undocumented field
    fields.set(name, d);
  }
  const required = [...(type?.properties ?? [])].filter(([, f]) => f.required).map(([n]) => n);
  return { description: parts.join('\n'), fields, required };
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Splits explain's plaintext output into its DESCRIPTION text and its FIELDS (name → text). */
function parseExplain(out: string): { description: string; fields: Map<string, string>; enums: Map<string, string>; required: string[] } {
  const lines = out.split('\n');
  const d = lines.indexOf('DESCRIPTION:');
  const f = lines.indexOf('FIELDS:');
  assert.ok(d >= 0, out);
  const description = lines.slice(d + 1, f >= 0 ? f : undefined).join('\n');
  const fields = new Map<string, string>();
  const enums = new Map<string, string>();
  const required: string[] = [];
  let current: string | undefined;
  for (const line of f >= 0 ? lines.slice(f + 1) : []) {
    const m = /^ {2}(\S+)\t<.*>( -required-)?$/.exec(line);
    if (m) {
      current = m[1]!;
      fields.set(current, '');
      if (m[2]) required.push(current);
      continue;
    }
    const e = /^ {2}enum: (.*)$/.exec(line);
    if (e && current) {
      enums.set(current, e[1]!);
      continue;
    }
    if (current) fields.set(current, `${fields.get(current)} ${line}`);
  }
  return { description, fields, enums, required };
}

const CASES: Array<{ args: string; definition: string; path: string[] }> = [
  { args: 'deployment.spec.strategy', definition: 'io.k8s.api.apps.v1.Deployment', path: ['spec', 'strategy'] },
  { args: 'pods.spec.containers.resources', definition: 'io.k8s.api.core.v1.Pod', path: ['spec', 'containers', 'resources'] },
  { args: 'configmaps', definition: 'io.k8s.api.core.v1.ConfigMap', path: [] },
  { args: 'services.spec.ports', definition: 'io.k8s.api.core.v1.Service', path: ['spec', 'ports'] },
  { args: 'cronjobs.spec.jobTemplate.spec', definition: 'io.k8s.api.batch.v1.CronJob', path: ['spec', 'jobTemplate', 'spec'] },
  { args: 'ingresses.spec.rules', definition: 'io.k8s.api.networking.v1.Ingress', path: ['spec', 'rules'] },
  { args: 'hpa.spec.metrics', definition: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler', path: ['spec', 'metrics'] },
  { args: 'pdb.spec', definition: 'io.k8s.api.policy.v1.PodDisruptionBudget', path: ['spec'] },
  { args: 'nodes.status.conditions', definition: 'io.k8s.api.core.v1.Node', path: ['status', 'conditions'] },
  { args: 'deployment.metadata.labels', definition: 'io.k8s.api.apps.v1.Deployment', path: ['metadata', 'labels'] },
];

test('explain prints upstream descriptions for kinds and nested fields (kubectl 1.32, OpenAPI v3)', async () => {
  for (const c of CASES) {
    const out = await ok(server, ['explain', c.args]);
    const got = parseExplain(out);
    const want = expected(c.definition, c.path);
    assert.equal(norm(got.description), norm(want.description), `${c.args}: DESCRIPTION\n${out}`);
    assert.deepEqual([...got.fields.keys()].sort(), [...want.fields.keys()].sort(), `${c.args}: FIELDS\n${out}`);
    for (const [name, text] of want.fields) assert.equal(norm(got.fields.get(name)!), norm(text), `${c.args}.${name}\n${out}`);
    assert.deepEqual(got.required.sort(), want.required.sort(), `${c.args}: -required- markers\n${out}`);
  }
});

test('explain prints enum values and nested field names with --recursive', async () => {
  const strategy = parseExplain(await ok(server, ['explain', 'deployment.spec.strategy']));
  const values = docs.type('io.k8s.api.apps.v1.DeploymentStrategy')!.properties.get('type')!.enum!;
  assert.equal(strategy.enums.get('type'), values.join(', '));

  const rec = await ok(server, ['explain', 'deployment.spec.strategy', '--recursive']);
  const names = rec
    .split('\n')
    .slice(rec.split('\n').indexOf('FIELDS:') + 1)
    .map((l) => /^(\s+)(\S+)\t</.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]!.length}:${m[2]}`);
  const rolling = [...docs.type('io.k8s.api.apps.v1.RollingUpdateDeployment')!.properties.keys()].sort().map((n) => `4:${n}`);
  assert.deepEqual(names, ['2:rollingUpdate', ...rolling, '2:type'], rec);
  // The description is still printed once, above the tree.
  assert.equal(norm(parseExplain(rec).description), norm(expected('io.k8s.api.apps.v1.Deployment', ['spec', 'strategy']).description));

  const pods = await ok(server, ['explain', 'pods', '--recursive']);
  for (const f of ['containers', 'livenessProbe', 'httpGet', 'topologySpreadConstraints', 'whenUnsatisfiable']) assert.match(pods, new RegExp(`^\\s+${f}\\t<`, 'm'), f);
});

for (const [label, binary] of [
  ['1.27 (OpenAPI v2 protobuf)', KUBECTL_1_27],
  ['1.33', KUBECTL_1_33],
] as const) {
  test(`explain with kubectl ${label} prints the same documentation`, async () => {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: the machine image ships it under /usr/lib/google-cloud-sdk/bin`);
    for (const c of CASES.slice(0, 4)) {
      const out = await ok(server, ['explain', c.args], { binary });
      const got = parseExplain(out);
      const want = expected(c.definition, c.path);
      assert.equal(norm(got.description), norm(want.description), `${c.args}: DESCRIPTION\n${out}`);
      for (const [name, text] of want.fields) assert.equal(norm(got.fields.get(name) ?? '<missing>'), norm(text), `${c.args}.${name}\n${out}`);
    }
  });
}
