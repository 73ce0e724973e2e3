/**
 * Service cluster IP and NodePort allocation, the `kubernetes` Service and ServiceLB, through real
 * kubectl against a real `flotilla server` (no node agent needed: everything here is API-side).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, type KObj, type TestServer, createNamespace, fails, getJson, ok, startServer, table } from './lib/kube.js';
import { detectNodeIP } from '../../src/agent/node/host-facts.js';

const POOL = '192.0.2.240/29';
let server: TestServer;

before(async () => {
  server = await startServer({ controlPlane: true, extraArgs: ['--service-lb-pool', POOL, '--service-node-port-range', '30000-32767'] });
  await createNamespace(server, 'production');
  await createNamespace(server, 'svc');
});
after(async () => {
  await server?.stop();
});

/**
 * `kubectl create -f -` of a Service in namespace svc, as JSON written by the test (the
 * `kubectl create service` generators are covered by test/e2e/protobuf.test.ts).
 */
function svcJson(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'svc' }, spec: { selector: { app: name }, ...spec } });
}
const mk = (name: string, spec: Record<string, unknown>, extra: string[] = []) => ok(server, ['create', '-f', '-', ...extra], { input: svcJson(name, spec) });
const mkFails = (name: string, spec: Record<string, unknown>) => fails(server, ['create', '-f', '-'], { input: svcJson(name, spec) });
const np = (port: number, nodePort?: number) => ({ type: 'NodePort', ports: [{ port, targetPort: 8080, ...(nodePort ? { nodePort } : {}) }] });
const cip = (clusterIP: string) => ({ clusterIP, ports: [{ port: 80 }] });

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the kubernetes Service (10.96.0.1:443 → the server) with its Endpoints and EndpointSlice', async () => {
  const svc = await getJson(server, ['svc', 'kubernetes', '-n', 'default']);
  assert.equal(svc.spec.clusterIP, '10.96.0.1');
  assert.deepEqual(svc.spec.clusterIPs, ['10.96.0.1']);
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: server.port }]);
  assert.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
  const row = table(await ok(server, ['get', 'svc', 'kubernetes', '-n', 'default']))[1]!;
  assert.deepEqual([row[0], row[1], row[2], row[3], row[4]], ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
  // the test server binds 127.0.0.1, so the advertised address is the host's (upstream's rule)
  const ip = detectNodeIP();
  const ep = await getJson(server, ['endpoints', 'kubernetes', '-n', 'default']);
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip }], ports: [{ name: 'https', port: server.port, protocol: 'TCP' }] }]);
  const es = await getJson<KObj & { endpoints: { addresses: string[] }[] }>(server, ['endpointslice', 'kubernetes', '-n', 'default']);
  assert.equal(es.addressType, 'IPv4');
  assert.deepEqual(es.endpoints.map((e) => e.addresses), [[ip]]);
  assert.deepEqual(es.ports, [{ name: 'https', port: server.port, protocol: 'TCP' }]);
  assert.equal(es.metadata.labels?.['kubernetes.io/service-name'], 'kubernetes');
  // this server's endpoint lease (several servers on one datastore all appear)
  const lease = await getJson(server, ['lease', `flotilla-apiserver-${ip.replace(/[.:]/g, '-')}`, '-n', 'kube-system']);
  assert.equal(lease.spec.holderIdentity, ip);
  assert.equal(lease.metadata.labels?.['flotilla.dev/apiserver-endpoint'], 'true');

  // deleted: the server puts it back (its reconcile pass runs every 10 s)
  await ok(server, ['delete', 'svc', 'kubernetes', '-n', 'default']);
  const back = await eventually('the kubernetes Service to come back', async () => {
    const r = await server.kubectl(['get', 'svc', 'kubernetes', '-n', 'default', '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as KObj) : undefined;
  }, 20_000);
  assert.equal(back.spec.clusterIP, '10.96.0.1');
});

test("the seed's Service gets an address of 10.96.0.0/16 (never .1) with single-stack defaults", async () => {
  assert.match(await ok(server, ['apply', '-f', join(FIXTURES, 'seed', 'blue-green.yaml')]), /service\/myapp-service created/);
  const svc = await getJson(server, ['svc', 'myapp-service', '-n', 'production']);
  assert.match(svc.spec.clusterIP, /^10\.96\.\d+\.\d+$/);
  assert.notEqual(svc.spec.clusterIP, '10.96.0.1');
  assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP]);
  assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
  assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
  assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
});

test('NodePorts: requested honoured, duplicates refused with upstream text, others allocated in 30000-32767', async () => {
  await mk('np', np(80, 30080));
  const got = await getJson(server, ['svc', 'np', '-n', 'svc']);
  assert.equal(got.spec.ports[0].nodePort, 30080);
  assert.match(got.spec.clusterIP, /^10\.96\./);
  const row = table(await ok(server, ['get', 'svc', 'np', '-n', 'svc']))[1]!;
  assert.equal(row[4], '80:30080/TCP');
  const dup = await mkFails('np2', np(80, 30080));
  assert.match(dup.stderr, /Service "np2" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
  await mk('np3', np(81));
  const p = (await getJson(server, ['svc', 'np3', '-n', 'svc'])).spec.ports[0].nodePort as number;
  assert.ok(p >= 30000 && p <= 32767, `nodePort ${p}`);
  const out = await mkFails('np4', np(80, 8080));
  assert.match(out.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 8080: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
  // NodePort → ClusterIP gives the port back
  await ok(server, ['patch', 'svc', 'np', '-n', 'svc', '--type=json', '-p', '[{"op":"replace","path":"/spec/type","value":"ClusterIP"},{"op":"remove","path":"/spec/ports/0/nodePort"},{"op":"remove","path":"/spec/externalTrafficPolicy"}]']);
  assert.equal((await getJson(server, ['svc', 'np', '-n', 'svc'])).spec.ports[0].nodePort, undefined);
  await mk('np2', np(80, 30080));
});

test('requested cluster IPs: out of range and taken are 422 with upstream text; dry runs take nothing; delete releases', async () => {
  const bad = await mkFails('bad', cip('10.0.0.5'));
  assert.ok(
    bad.stderr.includes('Service "bad" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/16'),
    bad.stderr,
  );
  const dry = JSON.parse(await mk('fixed', cip('10.96.7.7'), ['--dry-run=server', '-o', 'json'])) as KObj;
  assert.equal(dry.spec.clusterIP, '10.96.7.7');
  await mk('fixed', cip('10.96.7.7'));
  const taken = await mkFails('fixed2', cip('10.96.7.7'));
  assert.ok(taken.stderr.includes('spec.clusterIPs: Invalid value: []string{"10.96.7.7"}: failed to allocate IP 10.96.7.7: provided IP is already allocated'), taken.stderr);
  const moved = await fails(server, ['patch', 'svc', 'fixed', '-n', 'svc', '-p', '{"spec":{"clusterIP":"10.96.7.8","clusterIPs":["10.96.7.8"]}}']);
  assert.match(moved.stderr, /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.7\.8"\}: may not change once set/);
  await ok(server, ['delete', 'svc', 'fixed', '-n', 'svc']);
  await mk('fixed2', cip('10.96.7.7'));

  await mk('headless', { clusterIP: 'None' });
  assert.deepEqual((await getJson(server, ['svc', 'headless', '-n', 'svc'])).spec.clusterIPs, ['None']);
  await mk('ext', { type: 'ExternalName', externalName: 'db.example.com' });
  const ext = await getJson(server, ['svc', 'ext', '-n', 'svc']);
  assert.equal(ext.spec.clusterIP, undefined);
  assert.equal(table(await ok(server, ['get', 'svc', 'ext', '-n', 'svc']))[1]![2], '<none>');
});

test('LoadBalancer: NodePorts, a health-check port for Local, and an ingress address from --service-lb-pool', async () => {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'lb', namespace: 'svc' },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: { app: 'lb' }, ports: [{ port: 80, targetPort: 8080 }] },
  };
  await ok(server, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  const lb = await eventually('the load-balancer ingress', async () => {
    const s = await getJson(server, ['svc', 'lb', '-n', 'svc']);
    return s.status?.loadBalancer?.ingress?.length ? s : undefined;
  });
  assert.deepEqual(lb.status.loadBalancer.ingress, [{ ip: '192.0.2.241', ipMode: 'VIP' }]);
  assert.ok(lb.spec.ports[0].nodePort >= 30000);
  assert.ok(lb.spec.healthCheckNodePort >= 30000);
  const row = table(await ok(server, ['get', 'svc', 'lb', '-n', 'svc']))[1]!;
  assert.equal(row[3], '192.0.2.241');
  assert.equal(row[4], `80:${lb.spec.ports[0].nodePort}/TCP`);
  await ok(server, ['apply', '-f', '-'], { input: JSON.stringify({ ...manifest, metadata: { name: 'lb2', namespace: 'svc' } }) });
  const lb2 = await eventually('the second ingress', async () => {
    const s = await getJson(server, ['svc', 'lb2', '-n', 'svc']);
    return s.status?.loadBalancer?.ingress?.length ? s : undefined;
  });
  assert.deepEqual(lb2.status.loadBalancer.ingress, [{ ip: '192.0.2.242', ipMode: 'VIP' }]);
});

test('a restarted server keeps every allocation (rebuilt from storage)', async () => {
  const before = await getJson(server, ['svc', 'np3', '-n', 'svc']);
  await server.restart();
  const taken = await mkFails('again', cip(before.spec.clusterIP));
  assert.match(taken.stderr, /provided IP is already allocated/);
  const port = await mkFails('again', np(80, before.spec.ports[0].nodePort));
  assert.match(port.stderr, /provided port is already allocated/);
  assert.equal((await getJson(server, ['svc', 'kubernetes', '-n', 'default'])).spec.clusterIP, '10.96.0.1');
});
