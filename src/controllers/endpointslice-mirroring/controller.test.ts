/**
 * The mirroring controller against an in-process API server: a selector-less Service with a
 * hand-written Endpoints object gets a mirrored slice that follows edits, and loses it once the
 * Service gains a selector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import type { V1Service } from '../../api/core/v1/index.js';
import type { EndpointSlice } from '../../api/discovery/v1/index.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R } from '../../client/types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { until as untilBase } from '../../lib/testing/until.js';
import type { V1Endpoints } from '../endpoints/index.js';
import { newEndpointSliceMirroringController } from './index.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilBase(what, fn, timeoutMs, 25);

test('Endpoints of a selector-less Service are mirrored into an EndpointSlice', async (t) => {
  const srv = await startTestServer({ resources: builtinResources() });
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'mirroring-test');
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: () => undefined }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  const mc = newEndpointSliceMirroringController({ newQueue: (name) => createWorkQueue({ name }) });
  t.after(async () => {
    await mc.stop();
    informers.stop();
  });
  await mc.start(ctx);
  await informers.start();

  await client.create<V1Service>(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { clusterIP: '10.96.0.60', ports: [{ name: 'db', port: 5432 }] } });
  await client.create<V1Endpoints>(R.endpoints, 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'ext', labels: { src: 'manual' } },
    subsets: [{ addresses: [{ ip: '192.0.2.10' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }],
  });
  const slices = async () => (await client.list<EndpointSlice>(R.endpointslices, { namespace: 'default', labelSelector: 'kubernetes.io/service-name=ext' })).items;
  const s = await until('mirrored slice', async () => (await slices())[0]);
  assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.equal(s.metadata.labels?.['src'], 'manual');
  assert.deepEqual(
    s.endpoints?.map((e) => [e.addresses?.[0], e.conditions?.ready]),
    [
      ['192.0.2.10', true],
      ['192.0.2.11', false],
    ],
  );
  assert.deepEqual(s.ports, [{ name: 'db', port: 5432, protocol: 'TCP' }]);

  const ep = await client.get<V1Endpoints>(R.endpoints, 'default', 'ext');
  await client.update(R.endpoints, 'default', { ...ep, subsets: [{ addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.12' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }] });
  await until('mirror follows the edit', async () => {
    const cur = await slices();
    return cur.length === 1 && cur[0]!.metadata.name === s.metadata.name && cur[0]!.endpoints?.map((e) => e.addresses?.[0]).join() === '192.0.2.10,192.0.2.12';
  });

  const svc = await client.get<V1Service>(R.services, 'default', 'ext');
  await client.update(R.services, 'default', { ...svc, spec: { ...svc.spec, selector: { app: 'db' } } });
  await until('mirror removed once the Service has a selector', async () => (await slices()).length === 0);
});
