/**
 * Discovery and schema as kubectl sees them (api-resources, api-versions, explain), and the
 * `kubectl create <type>` generators, which send protobuf request bodies (COMPAT.md surprise 2).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestServer, createNamespace, fails, getJson, header, ok, startServer, table } from './lib/kube.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('api-resources lists the built-in kinds with short names, group/version, scope and kind', async () => {
  const out = await ok(server, ['api-resources']);
  assert.deepEqual(header(out), ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
  const rows = new Map(
    out
      .split('\n')
      .slice(1)
      .filter((l) => l.trim())
      .map((l) => {
        const cells = l.trim().split(/\s+/);
        return [cells[0]!, cells.join(' ')] as const;
      }),
  );
  const expected = [
    'pods po v1 true Pod',
    'configmaps cm v1 true ConfigMap',
    'secrets v1 true Secret',
    'services svc v1 true Service',
    'namespaces ns v1 false Namespace',
    'deployments deploy apps/v1 true Deployment',
    'horizontalpodautoscalers hpa autoscaling/v2 true HorizontalPodAutoscaler',
    'networkpolicies netpol networking.k8s.io/v1 true NetworkPolicy',
  ];
  for (const e of expected) assert.equal(rows.get(e.split(' ')[0]!), e, `api-resources row for ${e.split(' ')[0]}:\n${out}`);

  // -o wide: verbs and categories ("all" is what `kubectl get all` uses).
  const wide = await ok(server, ['api-resources', '-o', 'wide', '--api-group=apps']);
  assert.deepEqual(header(wide), ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
  const dep = table(wide).find((r) => r[0] === 'deployments');
  assert.ok(dep, wide);
  assert.match(wide, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);

  // Cluster-scoped only.
  const cluster = await ok(server, ['api-resources', '--namespaced=false', '-o', 'name']);
  assert.match(cluster, /^namespaces$/m);
  assert.doesNotMatch(cluster, /^pods$/m);

  // `kubectl get all` works through the category.
  await createNamespace(server, 'cat');
  await ok(server, ['apply', '-f', '-'], {
    input: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: cat\nspec:\n  selector:\n    matchLabels: {app: d}\n  template:\n    metadata:\n      labels: {app: d}\n    spec:\n      containers:\n      - name: c\n        image: busybox\n',
  });
  assert.match(await ok(server, ['get', 'all', '-n', 'cat', '-o', 'name']), /^deployment\.apps\/d$/m);
});

test('api-versions lists every served group/version', async () => {
  const out = (await ok(server, ['api-versions'])).trim().split('\n');
  for (const gv of ['v1', 'apps/v1', 'autoscaling/v1', 'autoscaling/v2', 'networking.k8s.io/v1', 'policy/v1', 'coordination.k8s.io/v1']) {
    assert.ok(out.includes(gv), `${gv} in:\n${out.join('\n')}`);
  }
  assert.deepEqual(out, [...out].sort(), 'sorted');
});

test('explain reads the OpenAPI v3 schema', async () => {
  const pods = await ok(server, ['explain', 'pods']);
  assert.match(pods, /^KIND:\s+Pod$/m);
  assert.match(pods, /^VERSION:\s+v1$/m);
  assert.match(pods, /^DESCRIPTION:$/m);
  assert.match(pods, /^FIELDS:$/m);
  for (const f of [/^\s+apiVersion\s+<string>$/m, /^\s+kind\s+<string>$/m, /^\s+metadata\s+<ObjectMeta>$/m, /^\s+spec\s+<PodSpec>$/m, /^\s+status\s+<PodStatus>$/m]) {
    assert.match(pods, f);
  }

  const replicas = await ok(server, ['explain', 'deployment.spec.replicas']);
  assert.match(replicas, /^GROUP:\s+apps$/m);
  assert.match(replicas, /^KIND:\s+Deployment$/m);
  assert.match(replicas, /^FIELD:\s+replicas <integer>$/m);

  const containers = await ok(server, ['explain', 'pods.spec.containers']);
  assert.match(containers, /^FIELD:\s+containers <\[\]Container>$/m);
  assert.match(containers, /^\s+name\s+<string> -required-$/m);
  assert.match(containers, /^\s+image\s+<string>$/m);

  const nope = await fails(server, ['explain', 'pods.spec.nope']);
  assert.match(nope.stderr, /field "nope" does not exist/);
});

// ---- `kubectl create <type>`: protobuf request bodies (COMPAT.md surprise 2, issue 6) -----------
//
// kubectl 1.32+'s typed clients send `Content-Type: application/vnd.kubernetes.protobuf`; the
// generators must work as upstream (test/e2e/protobuf.test.ts covers every generator in detail).

const GENERATORS: Array<{ args: string[]; check: string[]; kind: string }> = [
  { args: ['create', 'namespace', 'gen-ns'], check: ['namespace', 'gen-ns'], kind: 'namespace/gen-ns created' },
  { args: ['create', 'configmap', 'gen-cm', '-n', 'gen', '--from-literal=a=1', '--from-literal=b=2'], check: ['cm', 'gen-cm', '-n', 'gen'], kind: 'configmap/gen-cm created' },
  { args: ['create', 'secret', 'generic', 'gen-sec', '-n', 'gen', '--from-literal=password=s3cret'], check: ['secret', 'gen-sec', '-n', 'gen'], kind: 'secret/gen-sec created' },
];

test('kubectl create namespace|configmap|secret generic (protobuf bodies, as upstream)', async () => {
  await createNamespace(server, 'gen');
  for (const g of GENERATORS) {
    assert.equal((await ok(server, g.args)).trim(), g.kind);
  }
  assert.deepEqual((await getJson(server, ['cm', 'gen-cm', '-n', 'gen'])).data, { a: '1', b: '2' });
  assert.deepEqual((await getJson(server, ['secret', 'gen-sec', '-n', 'gen'])).data, { password: Buffer.from('s3cret').toString('base64') });
  assert.equal((await getJson(server, ['ns', 'gen-ns'])).status.phase, 'Active');
});

test('an unsupported body media type is a clean 415 Status', async () => {
  await createNamespace(server, 'gen2');
  // Over raw HTTPS: 415 with a JSON Status, as upstream answers unsupported types.
  const raw = await server.request('/api/v1/namespaces/gen2/configmaps', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-unknown', Accept: 'application/json' },
    body: '{}',
  });
  assert.equal(raw.status, 415, raw.body);
  assert.match(String(raw.headers['content-type']), /^application\/json/);
  const st = JSON.parse(raw.body) as { kind: string; reason: string; code: number; message: string };
  assert.equal(st.kind, 'Status');
  assert.equal(st.reason, 'UnsupportedMediaType');
  assert.equal(st.code, 415);
});
