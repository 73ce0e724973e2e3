/**
 * @kubernetes/client-node against a real server, unmodified: typed API calls, and an informer
 * (makeInformer over a ListWatch) that sees adds, updates and deletes and survives the server
 * ending its watches. The server runs with --min-request-timeout=2, so every watch ends after 2-4 s
 * (upstream spreads them over 1-2× the flag) and the informer resumes from its last
 * resourceVersion many times while the test writes; no event may be missed or repeated.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { createNamespace, startServer, type TestServer } from './lib/kube.js';

const NS = 'informer-e2e';
let server: TestServer;
let kc: k8s.KubeConfig;

before(async () => {
  server = await startServer({ extraArgs: ['--min-request-timeout=2'] });
  await createNamespace(server, NS);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
});

after(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('typed CoreV1Api calls: create, read, replace, list with a label selector, delete', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'typed', labels: { t: 'yes' } }, data: { a: '1' } } });
  assert.equal(created.metadata?.name, 'typed');
  assert.ok(created.metadata?.uid);
  const read = await core.readNamespacedConfigMap({ name: 'typed', namespace: NS });
  assert.deepEqual(read.data, { a: '1' });
  read.data = { a: '2' };
  const replaced = await core.replaceNamespacedConfigMap({ name: 'typed', namespace: NS, body: read });
  assert.notEqual(replaced.metadata?.resourceVersion, created.metadata?.resourceVersion);
  const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 't=yes' });
  assert.deepEqual(list.items.map((c) => c.metadata?.name), ['typed']);
  await core.deleteNamespacedConfigMap({ name: 'typed', namespace: NS });
  await assert.rejects(core.readNamespacedConfigMap({ name: 'typed', namespace: NS }), (e: unknown) => {
    assert.equal((e as { code?: number }).code, 404);
    return true;
  });
});

test('an informer sees every add, update and delete across many server-ended watches', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const path = `/api/v1/namespaces/${NS}/configmaps`;
  const informer = k8s.makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'inf=1' }), 'inf=1');
  const seen: string[] = [];
  let connects = 0;
  let errors = 0;
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name} ${o.data?.v}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.v}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  informer.on('connect', () => connects++);
  let stopped = false;
  informer.on('error', () => {
    // client-node reports the watch it aborts in stop() as an error too: only count and restart
    // (as its docs advise) while the test runs, or the restarts would keep the process alive.
    if (stopped) return;
    errors++;
    setTimeout(() => {
      if (!stopped) void informer.start().catch(() => undefined);
    }, 500);
  });
  await informer.start();
  try {
    const want: string[] = [];
    // About 14 s of writes (2-4 s watches: several restarts), bounded: 28 rounds.
    for (let i = 0; i < 28; i++) {
      const name = `cm-${i}`;
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name, labels: { inf: '1' } }, data: { v: '0' } } });
      want.push(`add ${name} 0`);
      if (i >= 1) {
        const prev = `cm-${i - 1}`;
        await core.patchNamespacedConfigMap(
          { name: prev, namespace: NS, body: [{ op: 'replace', path: '/data/v', value: '1' }] },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        );
        want.push(`update ${prev} 1`);
      }
      if (i >= 2 && i % 2 === 0) {
        const old = `cm-${i - 2}`;
        await core.deleteNamespacedConfigMap({ name: old, namespace: NS });
        want.push(`delete ${old}`);
      }
      await sleep(500);
    }
    const deadline = Date.now() + 15_000;
    while (seen.length < want.length && Date.now() < deadline) await sleep(100);
    assert.deepEqual(seen, want, 'every event exactly once, in order');
    assert.ok(connects >= 3, `the informer reconnected ${connects} times (expected the server to end several watches)`);
    assert.equal(errors, 0);
    const names = informer.list().map((o) => o.metadata?.name).sort();
    const server = (await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'inf=1' })).items.map((o) => o.metadata?.name).sort();
    assert.deepEqual(names, server, "the informer's cache equals the server's list");
  } finally {
    stopped = true;
    await informer.stop();
  }
});
