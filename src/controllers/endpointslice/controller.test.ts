/**
 * The EndpointSlice and Endpoints controllers against an in-process API server, with pods whose
 * status the test writes as a node agent would: slices and Endpoints follow pods becoming ready,
 * scale-up past the 100-endpoint cap (here a cap of 3), readiness loss, graceful deletion
 * (terminating), a selector switch, and a resync with nothing changed writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';
import type { EndpointSlice } from '../../api/discovery/v1/index.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R, type Client } from '../../client/types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { until as untilBase } from '../../lib/testing/until.js';
import { newEndpointSliceController } from './index.js';
import { newEndpointsController, type V1Endpoints } from '../endpoints/index.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilBase(what, fn, timeoutMs, 25);

async function makePod(client: Client, name: string, ip: string, labels: Record<string, string>, ready: boolean): Promise<void> {
  const p = await client.create<V1Pod>(R.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  await setReady(client, p, ip, ready);
}

async function setReady(client: Client, p: V1Pod, ip: string, ready: boolean): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const cur = await client.get<V1Pod>(R.pods, 'default', p.metadata.name!);
    const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString() }] };
    try {
      await client.update(R.pods, 'default', { ...cur, status }, { subresource: 'status' });
      return;
    } catch (e) {
      if (i === 4) throw e;
    }
  }
}

test('EndpointSlices and Endpoints follow pods, readiness, scale and selector', async (t) => {
  const srv = await startTestServer({ resources: builtinResources() });
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'endpointslice-test');
  const informers = createInformerFactory(client);
  const events: string[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: (o, type, reason) => void events.push(`${o.kind}/${o.metadata.name} ${type} ${reason}`) }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  const esc = newEndpointSliceController({ newQueue: (name) => createWorkQueue({ name }), maxEndpointsPerSlice: 3 });
  const epc = newEndpointsController({ newQueue: (name) => createWorkQueue({ name }) });
  t.after(async () => {
    await esc.stop();
    await epc.stop();
    informers.stop();
  });
  await client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } });
  await esc.start(ctx);
  await epc.start(ctx);
  await informers.start();

  await client.create<V1Service>(R.services, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { team: 'a' } },
    spec: { selector: { app: 'blue' }, clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  const slices = async () => (await client.list<EndpointSlice>(R.endpointslices, { namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' })).items;
  const endpoints = () => client.get<V1Endpoints>(R.endpoints, 'default', 'web').catch(() => undefined);

  // No pods yet: a placeholder slice and an Endpoints object without subsets.
  const placeholder = await until('placeholder slice', async () => {
    const s = await slices();
    return s.length === 1 ? s[0] : undefined;
  });
  assert.deepEqual(placeholder.endpoints ?? [], []);
  assert.equal(placeholder.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.equal(placeholder.metadata.labels?.['team'], 'a');
  assert.match(placeholder.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
  assert.ok(await until('endpoints object', endpoints));

  // Four pods, three ready: 4 endpoints over 2 slices (cap 3), the named port resolved.
  for (let i = 1; i <= 4; i++) await makePod(client, `blue-${i}`, `10.244.0.${i}`, { app: 'blue' }, i !== 4);
  const four = await until('4 endpoints', async () => {
    const s = await slices();
    const n = s.reduce((t, x) => t + (x.endpoints?.length ?? 0), 0);
    return n === 4 ? s : undefined;
  });
  assert.deepEqual(four.map((s) => s.endpoints!.length).sort(), [1, 3]);
  assert.ok(four.every((s) => s.ports?.[0]?.port === 8080));
  const eps = four.flatMap((s) => s.endpoints!);
  assert.equal(eps.find((e) => e.targetRef?.['name'] === 'blue-4')?.conditions?.ready, false);
  assert.equal(eps.find((e) => e.targetRef?.['name'] === 'blue-1')?.zone, 'z1');
  const ep = await until('Endpoints with 3 ready, 1 not ready', async () => {
    const e = await endpoints();
    const ss = e?.subsets?.[0];
    return ss?.addresses?.length === 3 && ss.notReadyAddresses?.length === 1 ? e : undefined;
  });
  assert.deepEqual(ep!.subsets![0]!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.ok(ep!.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);

  // Readiness: blue-4 becomes ready, blue-1 loses it.
  await setReady(client, await client.get<V1Pod>(R.pods, 'default', 'blue-4'), '10.244.0.4', true);
  await setReady(client, await client.get<V1Pod>(R.pods, 'default', 'blue-1'), '10.244.0.1', false);
  await until('slices show the readiness flip', async () => {
    const e = (await slices()).flatMap((s) => s.endpoints ?? []);
    const r = Object.fromEntries(e.map((x) => [x.targetRef?.['name'], x.conditions?.ready]));
    return r['blue-4'] === true && r['blue-1'] === false;
  });
  await until('Endpoints show the readiness flip', async () => (await endpoints())?.subsets?.[0]?.notReadyAddresses?.map((a) => a.ip).join() === '10.244.0.1');

  // A graceful delete (a finalizer keeps the pod): the endpoint turns terminating; Endpoints drop it.
  const p2 = await client.get<V1Pod>(R.pods, 'default', 'blue-2');
  await client.update(R.pods, 'default', { ...p2, metadata: { ...p2.metadata, finalizers: ['test/hold'] } });
  await client.delete(R.pods, 'default', 'blue-2');
  await until('terminating endpoint', async () => {
    const e = (await slices()).flatMap((s) => s.endpoints ?? []).find((x) => x.targetRef?.['name'] === 'blue-2');
    return e?.conditions?.terminating === true && e.conditions.ready === false && e.conditions.serving === true;
  });
  await until('Endpoints without the terminating pod', async () => !JSON.stringify((await endpoints())?.subsets ?? []).includes('10.244.0.2'));
  const held = await client.get<V1Pod>(R.pods, 'default', 'blue-2');
  await client.update(R.pods, 'default', { ...held, metadata: { ...held.metadata, finalizers: [] } });

  // Selector switch to green: the blue endpoints go, green ones come, the slice count stays minimal.
  for (let i = 1; i <= 2; i++) await makePod(client, `green-${i}`, `10.244.1.${i}`, { app: 'green' }, true);
  const svc = await client.get<V1Service>(R.services, 'default', 'web');
  await client.update(R.services, 'default', { ...svc, spec: { ...svc.spec, selector: { app: 'green' } } });
  const green = await until('green endpoints only', async () => {
    const s = await slices();
    const names = s.flatMap((x) => x.endpoints ?? []).map((e) => e.targetRef?.['name']).sort();
    return names.join() === 'green-1,green-2' ? s : undefined;
  });
  assert.equal(green.length, 1);
  await until('Endpoints follow the selector', async () => (await endpoints())?.subsets?.[0]?.addresses?.map((a) => a.ip).join() === '10.244.1.1,10.244.1.2');

  // Nothing changes: a resync writes nothing.
  await new Promise((r) => setTimeout(r, 300));
  const rvs = JSON.stringify([(await slices()).map((s) => s.metadata.resourceVersion), (await endpoints())?.metadata.resourceVersion]);
  await esc.sync('default/web');
  await epc.sync('default/web');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(JSON.stringify([(await slices()).map((s) => s.metadata.resourceVersion), (await endpoints())?.metadata.resourceVersion]), rvs);

  // A managed Endpoints object deleted by hand comes back.
  await client.delete(R.endpoints, 'default', 'web');
  await until('Endpoints recreated', async () => (await endpoints())?.subsets?.[0]?.addresses?.length === 2);

  // The Service goes: its Endpoints go (its slices go through the garbage collector: owner reference).
  const owner = (await slices())[0]?.metadata.ownerReferences?.[0];
  assert.equal(owner?.kind, 'Service');
  assert.equal(owner?.uid, svc.metadata.uid);
  await client.delete(R.services, 'default', 'web');
  await until('Endpoints deleted', async () => (await endpoints()) === undefined);
});

test('headless Service with publishNotReadyAddresses: unready pods published with hostnames', async (t) => {
  const srv = await startTestServer({ resources: builtinResources() });
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'endpointslice-test');
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: () => undefined }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  const esc = newEndpointSliceController({ newQueue: (name) => createWorkQueue({ name }) });
  const epc = newEndpointsController({ newQueue: (name) => createWorkQueue({ name }) });
  t.after(async () => {
    await esc.stop();
    await epc.stop();
    informers.stop();
  });
  await client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await esc.start(ctx);
  await epc.start(ctx);
  await informers.start();
  await client.create<V1Service>(R.services, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'db' },
    spec: { selector: { app: 'db' }, clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'pg', port: 5432 }] },
  });
  const p = await client.create<V1Pod>(R.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-0', labels: { app: 'db' } },
    spec: { nodeName: 'n1', hostname: 'db-0', subdomain: 'db', containers: [{ name: 'c', image: 'x' }] },
  });
  await setReady(client, p, '10.244.0.7', false);
  const slice = await until('published endpoint', async () => {
    const s = (await client.list<EndpointSlice>(R.endpointslices, { namespace: 'default', labelSelector: 'kubernetes.io/service-name=db' })).items[0];
    return s?.endpoints?.length ? s : undefined;
  });
  assert.equal(slice.metadata.labels?.['service.kubernetes.io/headless'], '');
  assert.deepEqual(slice.endpoints![0]!.conditions, { ready: true, serving: false, terminating: false });
  assert.equal(slice.endpoints![0]!.hostname, 'db-0');
  const ep = await until('Endpoints address', async () => {
    const e = await client.get<V1Endpoints>(R.endpoints, 'default', 'db').catch(() => undefined);
    return e?.subsets?.[0]?.addresses?.length ? e : undefined;
  });
  assert.equal(ep.subsets![0]!.addresses![0]!.hostname, 'db-0');
  assert.equal(ep.metadata.labels?.['service.kubernetes.io/headless'], '');
});
