/**
 * Integration: a real API server with the ResourceQuota and LimitRanger admission plugins, the HTTP
 * client, shared informers and work queues, and the ResourceQuota controller. The controller
 * computes usage, admission charges and refuses, and deletions replenish the quota.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import { ApiRegistry } from '../../api/registry.js';
import type { KubeObject } from '../../api/types.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import type { ApiServer } from '../../apiserver/index.js';
import { builtinAdmission, createStoreAccess } from '../../apiserver/admission/plugins/index.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { newResourceQuotaController, type QuotaView } from './index.js';
import { until as untilBase } from '../../lib/testing/until.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilBase(what, fn, timeoutMs, 25);

const pod = (name: string, cpu = '100m'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }] } });

test('quota usage computed by the controller, enforced by admission, replenished on delete', async (t) => {
  let api: ApiServer | undefined;
  const resources = builtinResources();
  const access = createStoreAccess({ registry: new ApiRegistry(resources), storeFor: (d) => api!.storeFor(d), listerFor: (d) => api!.listerFor(d) });
  const srv = await startTestServer({ resources, admission: builtinAdmission(access) });
  api = srv.api;
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'resourcequota-test');
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: () => undefined }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const qc = newResourceQuotaController({ newQueue: (name) => createWorkQueue({ name }) });
  t.after(async () => {
    await qc.stop();
    informers.stop();
  });
  await client.create(R.pods, 'default', pod('existing'));
  await qc.start(ctx);

  await client.create(R.resourcequotas, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '3', 'requests.cpu': '1', 'count/deployments.apps': '5' } } });
  const used = (q: QuotaView) => q.status?.used ?? {};
  await until('usage computed', async () => used(await client.get<QuotaView>(R.resourcequotas, 'default', 'q'))['pods'] === '1');
  assert.deepEqual(used(await client.get<QuotaView>(R.resourcequotas, 'default', 'q')), { 'count/deployments.apps': '0', pods: '1', 'requests.cpu': '100m' });

  await client.create(R.pods, 'default', pod('a'));
  await client.create(R.pods, 'default', pod('b'));
  const refused = await client.create(R.pods, 'default', pod('c')).catch((e: unknown) => e);
  assert.ok(isApiError(refused));
  assert.equal(refused.code, 403);
  assert.equal(refused.message, 'pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3');

  await client.delete(R.pods, 'default', 'a', { gracePeriodSeconds: 0 });
  await until('replenished', async () => used(await client.get<QuotaView>(R.resourcequotas, 'default', 'q'))['pods'] === '2');
  await client.create(R.pods, 'default', pod('c'));
  // The admission charge and the controller agree.
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(used(await client.get<QuotaView>(R.resourcequotas, 'default', 'q')), { 'count/deployments.apps': '0', pods: '3', 'requests.cpu': '300m' });

  // Spec changes are mirrored into status.hard.
  const q = await client.get<QuotaView>(R.resourcequotas, 'default', 'q');
  await client.update(R.resourcequotas, 'default', { ...q, spec: { hard: { pods: '10' } } });
  await until('hard updated', async () => (await client.get<QuotaView>(R.resourcequotas, 'default', 'q')).status?.hard?.['pods'] === '10');
  assert.deepEqual(used(await client.get<QuotaView>(R.resourcequotas, 'default', 'q')), { pods: '3' });
});
