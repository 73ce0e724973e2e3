/**
 * Protobuf request bodies (COMPAT.md surprise 2) with the real kubectl: 1.33's typed clients send
 * `Content-Type: application/vnd.kubernetes.protobuf` for every `kubectl create <generator>`,
 * `kubectl autoscale`, `auth can-i` and `auth whoami`. Each object is read back and compared with
 * the object the JSON path gives for the same generator (`--dry-run=client -o json` piped into
 * `kubectl create -f -`, which sends JSON): they must be equal but for uid, resourceVersion,
 * timestamps and allocated cluster IPs. kubectl 1.27 sends JSON for the same generators (checked
 * once). Bad bodies over raw HTTPS get upstream's 400 Status and write nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { body, encodeObject, envelope } from '../../src/api/protobuf/testing/encode.js';
import { createNamespace, getJson, KUBECTL_1_27, KUBECTL_1_33, ok, show, startServer, tempDir, type KObj, type TestServer } from './lib/kube.js';

const NS = 'pb-e2e';
const PROTOBUF_REQUEST = /Content-Type: application\/vnd\.kubernetes\.protobuf/;
const JSON_REQUEST = /"Request" verb="POST"[^\n]*\n(?:[^\n]*\n)*?\s*Content-Type: application\/json|Content-Type: application\/json/;
let server: TestServer;
let certDir = '';

before(async () => {
  server = await startServer();
  await createNamespace(server, NS);
});

after(async () => {
  await server?.stop();
});

/** Runs kubectl 1.33 at -v=8 and asserts the request body went out as protobuf. */
async function createProtobuf(args: string[]): Promise<void> {
  const r = await server.kubectl(withFlags(args, ['-v=8']), { binary: KUBECTL_1_33 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${show(r)}`);
  assert.match(r.stderr, PROTOBUF_REQUEST, `kubectl ${args.join(' ')} did not send protobuf`);
}

/** Inserts flags before a `--` (whatever follows it is the container's command). */
function withFlags(args: string[], flags: string[]): string[] {
  const i = args.indexOf('--');
  return i < 0 ? [...args, ...flags] : [...args.slice(0, i), ...flags, ...args.slice(i)];
}

/** The same generator through JSON: dry-run output created with `kubectl create -f -`. */
async function createJson(args: string[], rename?: (o: KObj) => void): Promise<void> {
  const dry = await ok(server, withFlags(args, ['--dry-run=client', '-o', 'json']), { binary: KUBECTL_1_33 });
  const obj = JSON.parse(dry) as KObj;
  rename?.(obj);
  const n = args.indexOf('-n');
  const ns = n < 0 ? [] : ['-n', args[n + 1]!];
  const r = await server.kubectl(['create', '-f', '-', ...ns, '-v=8'], { binary: KUBECTL_1_33, input: JSON.stringify(obj) });
  assert.equal(r.code, 0, `kubectl create -f - (${args.join(' ')}): ${show(r)}`);
  assert.doesNotMatch(r.stderr, PROTOBUF_REQUEST, 'the JSON path must send JSON');
}

/** What may differ between two creations of the same object. */
function normalize(o: KObj): KObj {
  // The uid also appears in generated selectors and labels (a Job's controller-uid).
  const uid = o.metadata.uid;
  const c = (uid ? JSON.parse(JSON.stringify(o).split(uid).join('<uid>')) : structuredClone(o)) as KObj;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete c.metadata[k];
  const spec = c['spec'] as Record<string, unknown> | undefined;
  if (c.kind === 'Service' && spec) {
    delete spec['clusterIP'];
    delete spec['clusterIPs'];
  }
  return c;
}

/**
 * Creates through protobuf, reads back, deletes, creates the same through JSON, reads back and
 * compares. Returns the protobuf-created object.
 */
async function sameAsJson(createArgs: string[], getArgs: string[]): Promise<KObj> {
  await createProtobuf(createArgs);
  const viaProtobuf = await getJson(server, getArgs);
  await ok(server, ['delete', ...getArgs]);
  await createJson(createArgs);
  const viaJson = await getJson(server, getArgs);
  assert.deepEqual(normalize(viaProtobuf), normalize(viaJson), `${createArgs.join(' ')}: protobuf and JSON paths differ`);
  return viaProtobuf;
}

test('kubectl create namespace (protobuf) equals the JSON path', async () => {
  await createProtobuf(['create', 'namespace', 'pb-ns']);
  const a = await getJson(server, ['namespace', 'pb-ns']);
  await createJson(['create', 'namespace', 'pb-ns'], (o) => {
    o.metadata.name = 'pb-ns-json';
  });
  const b = await getJson(server, ['namespace', 'pb-ns-json']);
  b.metadata.name = 'pb-ns';
  b.metadata.labels = { ...b.metadata.labels, 'kubernetes.io/metadata.name': 'pb-ns' };
  assert.deepEqual(normalize(a), normalize(b));
  assert.equal(a.status.phase, 'Active');
});

test('kubectl create configmap / secret generic / secret tls / serviceaccount (protobuf) equal the JSON path', async (t) => {
  const cm = await sameAsJson(['create', 'configmap', 'pb-cm', '-n', NS, '--from-literal=a=1', '--from-literal=b=two words'], ['configmap', 'pb-cm', '-n', NS]);
  assert.deepEqual(cm['data'], { a: '1', b: 'two words' });
  const sec = await sameAsJson(['create', 'secret', 'generic', 'pb-sec', '-n', NS, '--from-literal=password=s3cret'], ['secret', 'pb-sec', '-n', NS]);
  assert.deepEqual(sec['data'], { password: Buffer.from('s3cret').toString('base64') });
  assert.equal(sec['type'], 'Opaque');

  certDir = tempDir(t, 'flt-pb-tls-');
  const crt = join(certDir, 'tls.crt');
  const key = join(certDir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=flt-pb-e2e'], { stdio: 'ignore', timeout: 30_000 });
  const tls = await sameAsJson(['create', 'secret', 'tls', 'pb-tls', '-n', NS, `--cert=${crt}`, `--key=${key}`], ['secret', 'pb-tls', '-n', NS]);
  assert.equal(tls['type'], 'kubernetes.io/tls');
  assert.match(Buffer.from((tls['data'] as Record<string, string>)['tls.crt']!, 'base64').toString(), /BEGIN CERTIFICATE/);

  await sameAsJson(['create', 'serviceaccount', 'pb-sa', '-n', NS], ['serviceaccount', 'pb-sa', '-n', NS]);

  // A non-UTF-8 file lands in binaryData (bytes on the wire, base64 in JSON).
  const bin = join(certDir, 'blob.bin');
  writeFileSync(bin, Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x01]));
  const cmBin = await sameAsJson(['create', 'configmap', 'pb-bin', '-n', NS, `--from-file=${bin}`, '--from-literal=text=héllo'], ['configmap', 'pb-bin', '-n', NS]);
  assert.deepEqual(cmBin['binaryData'], { 'blob.bin': 'AP/+gAE=' });
  assert.deepEqual(cmBin['data'], { text: 'héllo' });
  await sameAsJson(['create', 'secret', 'docker-registry', 'pb-reg', '-n', NS, '--docker-server=registry.example', '--docker-username=u', '--docker-password=p'], ['secret', 'pb-reg', '-n', NS]);
});

test('kubectl create deployment / service clusterip / job / cronjob (protobuf) equal the JSON path', async () => {
  const d = await sameAsJson(['create', 'deployment', 'pb-dep', '-n', NS, '--image=busybox', '--replicas=2', '--port=8080'], ['deployment', 'pb-dep', '-n', NS]);
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
  const svc = await sameAsJson(['create', 'service', 'clusterip', 'pb-svc', '-n', NS, '--tcp=80:8080'], ['service', 'pb-svc', '-n', NS]);
  assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
  await sameAsJson(['create', 'job', 'pb-job', '-n', NS, '--image=busybox', '--', 'true'], ['job', 'pb-job', '-n', NS]);
  const cj = await sameAsJson(['create', 'cronjob', 'pb-cj', '-n', NS, '--image=busybox', '--schedule=*/5 * * * *'], ['cronjob', 'pb-cj', '-n', NS]);
  assert.equal(cj.spec.schedule, '*/5 * * * *');
});

test('kubectl create quota / pdb / ingress / priorityclass and kubectl autoscale (protobuf) equal the JSON path', async () => {
  await sameAsJson(['create', 'quota', 'pb-quota', '-n', NS, '--hard=pods=2,requests.cpu=500m'], ['resourcequota', 'pb-quota', '-n', NS]);
  const pdb = await sameAsJson(['create', 'pdb', 'pb-pdb', '-n', NS, '--selector=app=pb', '--min-available=1'], ['pdb', 'pb-pdb', '-n', NS]);
  assert.equal(pdb.spec.minAvailable, 1);
  const pdbPct = await sameAsJson(['create', 'pdb', 'pb-pdb-pct', '-n', NS, '--selector=app=pb', '--max-unavailable=50%'], ['pdb', 'pb-pdb-pct', '-n', NS]);
  assert.equal(pdbPct.spec.maxUnavailable, '50%');
  const ing = await sameAsJson(['create', 'ingress', 'pb-ing', '-n', NS, '--rule=foo.example/bar=svc1:8080', '--class=nginx'], ['ingress', 'pb-ing', '-n', NS]);
  assert.equal(ing.spec.rules[0].http.paths[0].backend.service.port.number, 8080);
  const pc = await sameAsJson(['create', 'priorityclass', 'pb-pc', '--value=1000', '--description=protobuf e2e'], ['priorityclass', 'pb-pc']);
  assert.equal(pc['value'], 1000);

  await createProtobuf(['create', 'deployment', 'pb-auto', '-n', NS, '--image=busybox']);
  const hpa = await sameAsJson(['autoscale', 'deployment', 'pb-auto', '-n', NS, '--min=1', '--max=3', '--cpu-percent=70'], ['hpa', 'pb-auto', '-n', NS]);
  assert.equal(hpa.spec.maxReplicas, 3);
});

test('kubectl create role / rolebinding / clusterrole / clusterrolebinding (protobuf) equal the JSON path', async () => {
  const role = await sameAsJson(['create', 'role', 'pb-role', '-n', NS, '--verb=get,list', '--resource=pods,configmaps'], ['role', 'pb-role', '-n', NS]);
  assert.deepEqual(role['rules'], [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list'] }]);
  await sameAsJson(['create', 'rolebinding', 'pb-rb', '-n', NS, '--role=pb-role', '--user=jane', `--serviceaccount=${NS}:pb-sa`], ['rolebinding', 'pb-rb', '-n', NS]);
  await sameAsJson(['create', 'clusterrole', 'pb-cr', '--aggregation-rule=pb=true'], ['clusterrole', 'pb-cr']);
  await sameAsJson(['create', 'clusterrolebinding', 'pb-crb', '--clusterrole=pb-cr', '--group=devs'], ['clusterrolebinding', 'pb-crb']);
  // (kubectl run sends its Pod as JSON: Pods over protobuf are covered by the unit tests.)
});

test('kubectl create token sends a protobuf TokenRequest and gets a token', async () => {
  await ok(server, ['create', 'serviceaccount', 'pb-token-sa', '-n', NS], { binary: KUBECTL_1_33 });
  const r = await server.kubectl(['create', 'token', 'pb-token-sa', '-n', NS, '--duration=10m', '-v=8'], { binary: KUBECTL_1_33 });
  assert.equal(r.code, 0, show(r));
  assert.match(r.stderr, PROTOBUF_REQUEST);
  assert.match(r.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
});

test('kubectl auth can-i and auth whoami send protobuf reviews and get answers', async () => {
  const can = await server.kubectl(['auth', 'can-i', 'create', 'pods', '-n', NS, '-v=8'], { binary: KUBECTL_1_33 });
  assert.match(can.stderr, PROTOBUF_REQUEST);
  assert.equal(can.stdout.trim(), 'yes', show(can));
  const who = await server.kubectl(['auth', 'whoami', '-o', 'json', '-v=8'], { binary: KUBECTL_1_33 });
  assert.equal(who.code, 0, show(who));
  assert.match(who.stderr, PROTOBUF_REQUEST);
  assert.ok((JSON.parse(who.stdout) as { status: { userInfo: { username: string } } }).status.userInfo.username);
});

test('kubectl 1.27 sends JSON for the same generators (and they work)', async () => {
  const r = await server.kubectl(['create', 'configmap', 'pb-127', '-n', NS, '--from-literal=a=1', '-v=8'], { binary: KUBECTL_1_27 });
  assert.equal(r.code, 0, show(r));
  assert.doesNotMatch(r.stderr, PROTOBUF_REQUEST);
  assert.match(r.stderr, JSON_REQUEST);
});

test('bad protobuf bodies: upstream 400 Status, JSON answer, nothing written', async () => {
  const post = (path: string, b: Buffer) =>
    server.request(path, { method: 'POST', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf, application/json' }, body: b });
  const cms = `/api/v1/namespaces/${NS}/configmaps`;
  const good = body('v1', 'ConfigMap', { metadata: { name: 'pb-raw' }, data: { a: 'b' } });

  const cases: Array<{ what: string; path: string; body: Buffer; message: string | RegExp }> = [
    { what: 'wrong magic', path: cms, body: Buffer.from('{"kind":"ConfigMap"}'), message: 'the object provided is unrecognized (must be of type ConfigMap): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"ConfigMap"})' },
    { what: 'truncated envelope', path: cms, body: good.subarray(0, good.length - 6), message: /^the object provided is unrecognized \(must be of type ConfigMap\): unexpected EOF \(6b387300[0-9a-f]+ \.\.\.\)$/ },
    {
      what: 'truncated object',
      path: cms,
      body: (() => {
        const raw = encodeObject('v1', 'ConfigMap', { metadata: { name: 'pb-raw' }, data: { a: 'b' } });
        return envelope(raw.subarray(0, raw.length - 2), { apiVersion: 'v1', kind: 'ConfigMap' });
      })(),
      message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: unexpected EOF',
    },
    {
      what: 'kind differs from the URL',
      path: `/apis/apps/v1/namespaces/${NS}/deployments`,
      body: good,
      message: 'ConfigMap in version "v1" cannot be handled as a Deployment: converting (k8s.io/api/core/v1) ConfigMap to (k8s.io/kubernetes/pkg/apis/apps) Deployment: unknown conversion',
    },
    {
      what: 'unknown contentEncoding around a compressed raw',
      path: cms,
      body: envelope(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]), { apiVersion: 'v1', kind: 'ConfigMap' }, { contentEncoding: 'gzip' }),
      message: /^ConfigMap in version "v1" cannot be handled as a ConfigMap: /,
    },
  ];
  for (const c of cases) {
    const r = await post(c.path, c.body);
    assert.equal(r.status, 400, `${c.what}: ${r.status} ${r.body}`);
    assert.match(String(r.headers['content-type']), /^application\/json/, c.what);
    const st = JSON.parse(r.body) as { kind: string; status: string; reason: string; code: number; message: string };
    assert.equal(st.kind, 'Status', c.what);
    assert.equal(st.reason, 'BadRequest', c.what);
    assert.equal(st.code, 400, c.what);
    if (typeof c.message === 'string') assert.equal(st.message, c.message, c.what);
    else assert.match(st.message, c.message, c.what);
  }
  const none = await server.kubectl(['get', 'configmap', 'pb-raw', '-n', NS]);
  assert.equal(none.code, 1, `nothing written: ${none.stdout}`);
  const noDeploy = await server.kubectl(['get', 'deployment', 'pb-raw', '-n', NS]);
  assert.equal(noDeploy.code, 1);

  // The good body itself is accepted, answered in JSON.
  const created = await post(cms, good);
  assert.equal(created.status, 201, created.body);
  assert.match(String(created.headers['content-type']), /^application\/json/);
  const cm = JSON.parse(created.body) as KObj;
  assert.deepEqual(cm['data'], { a: 'b' });

  // An update (PUT) as client-go's Update sends it: protobuf with the resourceVersion precondition.
  const put = (b: Buffer) =>
    server.request(`${cms}/pb-raw`, { method: 'PUT', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf, application/json' }, body: b });
  const updated = await put(body('v1', 'ConfigMap', { metadata: { name: 'pb-raw', namespace: NS, resourceVersion: cm.metadata.resourceVersion }, data: { a: 'c' } }));
  assert.equal(updated.status, 200, updated.body);
  assert.deepEqual((JSON.parse(updated.body) as KObj)['data'], { a: 'c' });
  const stale = await put(body('v1', 'ConfigMap', { metadata: { name: 'pb-raw', namespace: NS, resourceVersion: cm.metadata.resourceVersion }, data: { a: 'd' } }));
  assert.equal(stale.status, 409, stale.body);
  assert.equal((JSON.parse(stale.body) as { reason: string }).reason, 'Conflict');
  assert.deepEqual((await getJson(server, ['configmap', 'pb-raw', '-n', NS]))['data'], { a: 'c' });
});

test('a protobuf Scale (client-go UpdateScale) scales a Deployment, to zero too', async () => {
  await createProtobuf(['create', 'deployment', 'pb-scale', '-n', NS, '--image=busybox', '--replicas=2']);
  const put = (replicas: number) =>
    server.request(`/apis/apps/v1/namespaces/${NS}/deployments/pb-scale/scale`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf, application/json' },
      // ScaleSpec.replicas is a Go value field with omitempty: client-go writes it even when 0.
      body: body('autoscaling/v1', 'Scale', { metadata: { name: 'pb-scale', namespace: NS }, spec: { replicas }, status: { replicas: 0, selector: '' } }),
    });
  for (const n of [5, 0]) {
    const r = await put(n);
    assert.equal(r.status, 200, r.body);
    const scale = JSON.parse(r.body) as { kind: string; spec: { replicas?: number } };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas ?? 0, n);
    assert.equal((await getJson(server, ['deployment', 'pb-scale', '-n', NS])).spec.replicas, n);
  }
});
