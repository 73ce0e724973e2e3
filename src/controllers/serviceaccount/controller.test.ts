/**
 * Integration: a real API server (in-process, MemoryBackend, plain HTTP), the HTTP client, shared
 * informers and work queues, with the ServiceAccount and token controllers running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { createInformerFactory } from '../../client/informer.js';
import { createWorkQueue } from '../../client/work-queue.js';
import { R } from '../../client/types.js';
import type { KubeObject } from '../../api/types.js';
import type { ControllerContext } from '../context.js';
import { discardLogger } from '../../lib/log.js';
import { newServiceAccountsController, newTokensController, SA_NAME_ANNOTATION } from './index.js';
import { until as untilBase } from '../../lib/testing/until.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilBase(what, fn, timeoutMs, 25);

test('default accounts in every namespace (recreated when deleted); token secrets filled, and deleted with their account', async (t) => {
  const srv = await startTestServer({ resources: builtinResources() });
  t.after(() => srv.close());
  const client = createHttpClient({ server: srv.url }, 'serviceaccount-test');
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => ({ event: () => undefined }),
    logger: discardLogger,
    now: () => new Date(),
    networks: { clusterCIDRs: [], serviceCIDRs: [], nodeCIDRMaskSize: 24 },
  };
  const sac = newServiceAccountsController({ newQueue: (name) => createWorkQueue({ name }) });
  const tc = newTokensController({ newQueue: (name) => createWorkQueue({ name }), caPem: 'PEM', sign: (c) => `signed:${c.sub}` });
  t.after(async () => {
    await sac.stop();
    await tc.stop();
    informers.stop();
  });
  await Promise.all([sac.start(ctx), tc.start(ctx)]);

  await until('default/default', async () => client.get(R.serviceaccounts, 'default', 'default'));
  await until('kube-system/default', async () => client.get(R.serviceaccounts, 'kube-system', 'default'));
  await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await until('team/default', async () => client.get(R.serviceaccounts, 'team', 'default'));
  const first = await client.get(R.serviceaccounts, 'team', 'default');
  await client.delete(R.serviceaccounts, 'team', 'default');
  await until('team/default recreated', async () => (await client.get(R.serviceaccounts, 'team', 'default')).metadata.uid !== first.metadata.uid);

  const robot = await client.create<KubeObject>(R.serviceaccounts, 'team', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
  await client.create(R.secrets, 'team', { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'robot-token', annotations: { [SA_NAME_ANNOTATION]: 'robot' } } });
  const filled = await until('token filled', async () => {
    const s = await client.get<{ apiVersion: string; kind: string; metadata: { annotations?: Record<string, string> }; data?: Record<string, string> }>(R.secrets, 'team', 'robot-token');
    return s.data?.['token'] ? s : undefined;
  });
  assert.equal(Buffer.from(filled.data!['token']!, 'base64').toString(), 'signed:system:serviceaccount:team:robot');
  assert.equal(Buffer.from(filled.data!['namespace']!, 'base64').toString(), 'team');
  assert.equal(Buffer.from(filled.data!['ca.crt']!, 'base64').toString(), 'PEM');
  assert.equal(filled.metadata.annotations?.['kubernetes.io/service-account.uid'], robot.metadata.uid);

  await client.delete(R.serviceaccounts, 'team', 'robot');
  await until('token deleted', async () => client.get(R.secrets, 'team', 'robot-token').then(() => false, () => true));
});
