/**
 * Service allocation through a real in-process API server (plain HTTP on loopback, memory
 * backend): create, update, delete, dry runs, type changes, refusals after allocation, restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBackend } from '../../../storage/memory/memory-backend.js';
import { ApiRegistry } from '../../../api/registry.js';
import { builtinResources } from '../../../api/builtin.js';
import { discardLogger } from '../../../lib/log.js';
import { ApiError } from '../../../lib/errors.js';
import { createApiServer, type ApiServer } from '../../server.js';
import type { Backend } from '../../../storage/backend.js';

interface Res {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function start(backend: Backend = new MemoryBackend(), extra: { reject?: boolean; clock?: () => Date } = {}) {
  const api: ApiServer = createApiServer({
    backend,
    registry: new ApiRegistry(builtinResources()),
    authenticators: [{ name: 'test', authenticate: () => ({ username: 'admin', groups: ['system:masters', 'system:authenticated'] }) }],
    logger: discardLogger,
    ...(extra.clock ? { clock: extra.clock } : {}),
    services: { serviceCidrs: ['10.96.0.0/16'], nodePortRange: { base: 30000, size: 2768 } },
    admission: extra.reject
      ? [
          {
            name: 'RejectLabelled',
            validate: (req) => {
              if (req.object?.metadata.labels?.['reject'] === 'yes') throw new ApiError('Forbidden', 403, 'rejected by test admission');
            },
          },
        ]
      : [],
  });
  await api.start();
  const server: Server = createServer((req, res) => api.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const req = async (method: string, path: string, body?: unknown): Promise<Res> => {
    const res = await fetch(url + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };
  const close = async (closeBackend = true) => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await api.close();
    if (closeBackend) await backend.close();
  };
  return { api, req, close, backend };
}

const SVCS = '/api/v1/namespaces/default/services';
const service = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: name }, ...spec },
});

test('the kubernetes Service gets 10.96.0.1, port 443 https → the secure port, and Endpoints/EndpointSlice once the endpoint is published', async () => {
  const s = await start();
  try {
    const k = await s.req('GET', `${SVCS}/kubernetes`);
    assert.equal(k.status, 200);
    assert.equal(k.body.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(k.body.spec.clusterIPs, ['10.96.0.1']);
    assert.deepEqual(k.body.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    assert.deepEqual(k.body.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
    assert.equal(k.body.spec.selector, undefined);
    await s.api.publishEndpoint({ ip: '192.0.2.10', port: 16443 });
    const k2 = await s.req('GET', `${SVCS}/kubernetes`);
    assert.equal(k2.body.spec.ports[0].targetPort, 16443);
    assert.equal(k2.body.spec.clusterIP, '10.96.0.1');
    const ep = await s.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    assert.equal(ep.status, 200);
    assert.deepEqual(ep.body.subsets, [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: 16443, protocol: 'TCP' }] }]);
    assert.equal(ep.body.metadata.labels['endpointslice.kubernetes.io/skip-mirror'], 'true');
    const es = await s.req('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
    assert.equal(es.status, 200);
    assert.equal(es.body.addressType, 'IPv4');
    assert.deepEqual(es.body.endpoints[0].addresses, ['192.0.2.10']);
    assert.equal(es.body.endpoints[0].conditions.ready, true);
    assert.deepEqual(es.body.ports, [{ name: 'https', port: 16443, protocol: 'TCP' }]);
    assert.equal(es.body.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
    // nobody else may take 10.96.0.1
    const clash = await s.req('POST', SVCS, service('other', { clusterIP: '10.96.0.1' }));
    assert.equal(clash.status, 422);
    assert.equal(clash.body.message, 'Service "other" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated');
  } finally {
    await s.close();
  }
});

test('create allocates, requests are honoured or refused with upstream messages; update keeps the IP; delete releases it', async () => {
  const s = await start();
  try {
    const a = await s.req('POST', SVCS, service('a', {}));
    assert.equal(a.status, 201);
    const ip = a.body.spec.clusterIP as string;
    assert.match(ip, /^10\.96\.\d+\.\d+$/);
    assert.deepEqual(a.body.spec.clusterIPs, [ip]);
    assert.deepEqual(a.body.spec.ipFamilies, ['IPv4']);
    assert.equal(a.body.spec.ipFamilyPolicy, 'SingleStack');

    const out = await s.req('POST', SVCS, service('b', { clusterIP: '10.0.0.5' }));
    assert.equal(out.status, 422);
    assert.equal(out.body.reason, 'Invalid');
    assert.equal(out.body.message, 'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/16');
    assert.equal(out.body.details.causes[0].field, 'spec.clusterIPs');
    const dup = await s.req('POST', SVCS, service('b', { clusterIP: ip }));
    assert.equal(dup.status, 422);
    assert.equal(dup.body.message, `Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: provided IP is already allocated`);
    const dns = await s.req('POST', SVCS, service('dns', { clusterIP: '10.96.0.10' }));
    assert.equal(dns.status, 201);
    assert.equal(dns.body.spec.clusterIP, '10.96.0.10');

    // PUT without clusterIP keeps it; a different one is refused
    const put = structuredClone(a.body);
    delete put.spec.clusterIP;
    delete put.spec.clusterIPs;
    put.spec.selector = { app: 'a2' };
    const u = await s.req('PUT', `${SVCS}/a`, put);
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.equal(u.body.spec.clusterIP, ip);
    const moved = structuredClone(u.body);
    moved.spec.clusterIP = '10.96.9.9';
    moved.spec.clusterIPs = ['10.96.9.9'];
    const m = await s.req('PUT', `${SVCS}/a`, moved);
    assert.equal(m.status, 422);
    assert.match(m.body.message, /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.9\.9"\}: may not change once set/);

    // delete gives the address back
    assert.equal((await s.req('DELETE', `${SVCS}/a`)).status, 200);
    const again = await s.req('POST', SVCS, service('c', { clusterIP: ip }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
  } finally {
    await s.close();
  }
});

test('dryRun=All allocates nothing; a create refused by validating admission gives its address back', async () => {
  const s = await start(undefined, { reject: true });
  try {
    const dry = await s.req('POST', `${SVCS}?dryRun=All`, service('d', { type: 'NodePort', clusterIP: '10.96.5.5', ports: [{ port: 80, nodePort: 30555 }] }));
    assert.equal(dry.status, 201, JSON.stringify(dry.body));
    assert.equal(dry.body.spec.clusterIP, '10.96.5.5');
    const dry2 = await s.req('POST', `${SVCS}?dryRun=All`, service('d2', {}));
    assert.match(dry2.body.spec.clusterIP, /^10\.96\./, 'a dry run shows the address it would get');
    const real = await s.req('POST', SVCS, service('d', { type: 'NodePort', clusterIP: '10.96.5.5', ports: [{ port: 80, nodePort: 30555 }] }));
    assert.equal(real.status, 201, JSON.stringify(real.body));

    const refused = await s.req('POST', SVCS, service('r', { type: 'NodePort', clusterIP: '10.96.6.6', ports: [{ port: 80, nodePort: 30666 }] }, { reject: 'yes' }));
    assert.equal(refused.status, 403);
    const ok = await s.req('POST', SVCS, service('r2', { type: 'NodePort', clusterIP: '10.96.6.6', ports: [{ port: 80, nodePort: 30666 }] }));
    assert.equal(ok.status, 201, 'the refused write released 10.96.6.6 and 30666');

    // a dry-run delete keeps everything
    assert.equal((await s.req('DELETE', `${SVCS}/r2?dryRun=All`)).status, 200);
    assert.equal((await s.req('POST', SVCS, service('r3', { clusterIP: '10.96.6.6' }))).status, 422);
  } finally {
    await s.close();
  }
});

test('type changes: NodePort → ClusterIP releases the node port, → ExternalName the address; LoadBalancer Local gets a health-check port', async () => {
  const s = await start();
  try {
    const np = await s.req('POST', SVCS, service('np', { type: 'NodePort' }));
    assert.equal(np.status, 201);
    const port = np.body.spec.ports[0].nodePort as number;
    assert.ok(port >= 30000 && port <= 32767);
    const clash = await s.req('POST', SVCS, service('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
    assert.equal(clash.status, 422);
    assert.equal(clash.body.message, `Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`);

    const toCip = structuredClone(np.body);
    toCip.spec.type = 'ClusterIP';
    const u = await s.req('PUT', `${SVCS}/np`, toCip);
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.equal(u.body.spec.ports[0].nodePort, undefined);
    assert.equal((await s.req('POST', SVCS, service('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }))).status, 201);

    const ip = u.body.spec.clusterIP;
    const toExt = { ...u.body, spec: { type: 'ExternalName', externalName: 'db.example.com' } };
    const e = await s.req('PUT', `${SVCS}/np`, toExt);
    assert.equal(e.status, 200, JSON.stringify(e.body));
    assert.equal(e.body.spec.clusterIP, undefined);
    assert.equal((await s.req('POST', SVCS, service('reuse', { clusterIP: ip }))).status, 201);

    const back = await s.req('PUT', `${SVCS}/np`, { ...e.body, spec: { type: 'ClusterIP', ports: [{ port: 80 }], selector: { app: 'np' } } });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.match(back.body.spec.clusterIP, /^10\.96\./);

    const lb = await s.req('POST', SVCS, service('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    assert.equal(lb.status, 201);
    assert.ok(lb.body.spec.ports[0].nodePort >= 30000);
    assert.ok(lb.body.spec.healthCheckNodePort >= 30000);
    assert.equal(lb.body.spec.allocateLoadBalancerNodePorts, true);
    const cluster = structuredClone(lb.body);
    cluster.spec.externalTrafficPolicy = 'Cluster';
    delete cluster.spec.healthCheckNodePort;
    const c = await s.req('PUT', `${SVCS}/lb`, cluster);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.spec.healthCheckNodePort, undefined);
    const hc = lb.body.spec.healthCheckNodePort as number;
    assert.equal((await s.req('POST', SVCS, service('hc', { type: 'NodePort', ports: [{ port: 80, nodePort: hc }] }))).status, 201, 'the health-check port was released');

    const headless = await s.req('POST', SVCS, service('hl', { clusterIP: 'None' }));
    assert.equal(headless.status, 201);
    assert.deepEqual(headless.body.spec.clusterIPs, ['None']);
  } finally {
    await s.close();
  }
});

test('a restarted server rebuilds its allocators from the stored Services', async () => {
  const backend = new MemoryBackend();
  const s1 = await start(backend);
  const a = await s1.req('POST', SVCS, service('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 31234 }] }));
  assert.equal(a.status, 201);
  await s1.close(false);
  const s2 = await start(backend);
  try {
    const dup = await s2.req('POST', SVCS, service('b', { clusterIP: a.body.spec.clusterIP }));
    assert.equal(dup.status, 422);
    const np = await s2.req('POST', SVCS, service('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 31234 }] }));
    assert.equal(np.status, 422);
    assert.match(np.body.message, /provided port is already allocated/);
    const k = await s2.req('GET', `${SVCS}/kubernetes`);
    assert.equal(k.body.spec.clusterIP, '10.96.0.1');
  } finally {
    await s2.close();
  }
});

test('two servers on one datastore: the kubernetes Endpoints list both while their leases are fresh; a stopped one drops out', async () => {
  const backend = new MemoryBackend();
  const s1 = await start(backend);
  const s2 = await start(backend);
  try {
    await s1.api.publishEndpoint({ ip: '192.0.2.10', port: 6443 });
    await s2.api.publishEndpoint({ ip: '192.0.2.11', port: 6443 });
    await s1.api.publishEndpoint({ ip: '192.0.2.10', port: 6443 }); // another pass of server 1
    const ep = await s1.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    assert.deepEqual(ep.body.subsets[0].addresses, [{ ip: '192.0.2.10' }, { ip: '192.0.2.11' }]);
    const es = await s1.req('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
    assert.deepEqual(es.body.endpoints.map((e: { addresses: string[] }) => e.addresses[0]), ['192.0.2.10', '192.0.2.11']);
    const lease = await s1.req('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/flotilla-apiserver-192-0-2-11');
    assert.equal(lease.status, 200);
    assert.equal(lease.body.spec.holderIdentity, '192.0.2.11');
    await s2.close(false);
    await s1.api.publishEndpoint({ ip: '192.0.2.10', port: 6443 });
    const after = await s1.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    assert.deepEqual(after.body.subsets[0].addresses, [{ ip: '192.0.2.10' }]);
  } finally {
    await s1.close();
  }
});

test('a server whose endpoint lease expired is left out', async () => {
  const backend = new MemoryBackend();
  const s1 = await start(backend);
  const old = await start(backend, { clock: () => new Date(Date.now() - 120_000) });
  try {
    await old.api.publishEndpoint({ ip: '192.0.2.99', port: 6443 }); // renewed two minutes ago
    await s1.api.publishEndpoint({ ip: '192.0.2.10', port: 6443 });
    const ep = await s1.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    assert.deepEqual(ep.body.subsets[0].addresses, [{ ip: '192.0.2.10' }]);
  } finally {
    await old.close(false);
    await s1.close();
  }
});

test('IP family defaults as upstream: SingleStack, but headless without selector is RequireDualStack with both families; kept on update', async () => {
  const s = await start();
  try {
    const hs = await s.req('POST', SVCS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hs' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
    assert.equal(hs.status, 201, JSON.stringify(hs.body));
    assert.equal(hs.body.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(hs.body.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.deepEqual(hs.body.spec.clusterIPs, ['None']);
    const withSel = await s.req('POST', SVCS, service('hsel', { clusterIP: 'None' }));
    assert.equal(withSel.body.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(withSel.body.spec.ipFamilies, ['IPv4']);
    const put = structuredClone(withSel.body);
    delete put.spec.ipFamilyPolicy;
    delete put.spec.ipFamilies;
    put.spec.selector = {};
    const u = await s.req('PUT', `${SVCS}/hsel`, put);
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.equal(u.body.spec.ipFamilyPolicy, 'SingleStack', 'an update without the policy keeps the old one');
    assert.deepEqual(u.body.spec.ipFamilies, ['IPv4']);
  } finally {
    await s.close();
  }
});

test('Services stored before allocation existed get their address and NodePorts at start', async () => {
  const backend = new MemoryBackend();
  // A server without allocation writes them as older versions did.
  const plain = createApiServer({
    backend,
    registry: new ApiRegistry(builtinResources()),
    authenticators: [],
    logger: discardLogger,
  });
  await plain.start();
  const def = new ApiRegistry(builtinResources()).get('', 'v1', 'services')!;
  const ctx = { now: new Date(), user: { username: 'admin', groups: ['system:masters'] }, subresource: '' };
  await plain.storeFor(def).create(ctx, 'default', service('old', { type: 'NodePort' }) as never, { dryRun: false });
  await plain.close();
  const s = await start(backend);
  try {
    const got = await s.req('GET', `${SVCS}/old`);
    assert.match(got.body.spec.clusterIP, /^10\.96\./);
    assert.ok(got.body.spec.ports[0].nodePort >= 30000);
  } finally {
    await s.close();
  }
});
