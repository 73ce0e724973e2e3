import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runBackendConformance } from '../conformance.js';
import { StorageUnavailableError } from '../errors.js';
import { startEtcd, type EtcdServer } from '../testing/etcd-server.js';
import { EtcdBackend } from './etcd-backend.js';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

let n = 0;
runBackendConformance('etcd', async () => new EtcdBackend({ endpoints: [etcd.endpoint], prefix: `/conf-${process.pid}-${++n}` }), {
  orderedWrites: false,
});

test('etcd: keys live under the prefix and a second prefix is an independent key space', async (t) => {
  const a = new EtcdBackend({ endpoints: [etcd.endpoint], prefix: '/tenant-a' });
  const b = new EtcdBackend({ endpoints: [etcd.endpoint], prefix: '/tenant-b' });
  t.after(() => Promise.all([a.close(), b.close()]));
  await a.create('/x', 'a');
  await b.create('/x', 'b');
  assert.equal((await a.get('/x'))?.value, 'a');
  assert.equal((await b.get('/x'))?.value, 'b');
  assert.deepEqual((await a.list('')).items.map((i) => i.key), ['/x']);
  assert.equal(await a.count(''), 1);
});

test('etcd: several endpoints, one of them dead, still work', async (t) => {
  const b = new EtcdBackend({ endpoints: ['http://127.0.0.1:1', etcd.endpoint], prefix: '/multi' });
  t.after(() => b.close());
  for (let i = 0; i < 5; i++) await b.create(`/k${i}`, 'v');
  assert.equal(await b.count('/'), 5);
});

test('etcd: an unreachable cluster gives StorageUnavailableError', async (t) => {
  const b = new EtcdBackend({ endpoints: ['http://127.0.0.1:1'], requestTimeoutMs: 1000 });
  t.after(() => b.close());
  await assert.rejects(b.get('/x'), StorageUnavailableError);
  await assert.rejects(b.create('/x', 'v'), StorageUnavailableError);
});

test('etcd: TLS with client certificates (https endpoint, caFile/certFile/keyFile)', async (t) => {
  const secure = await startEtcd({ tls: true });
  t.after(() => secure.stop());
  const tls = secure.tls!;
  const b = new EtcdBackend({ endpoints: [secure.endpoint], ...tls });
  t.after(() => b.close());
  const kv = await b.create('/secure', 'yes');
  assert.deepEqual(await b.get('/secure'), kv);
  // without the client certificate the server refuses
  const anon = new EtcdBackend({ endpoints: [secure.endpoint], caFile: tls.caFile, requestTimeoutMs: 3000 });
  t.after(() => anon.close());
  await assert.rejects(anon.get('/secure'), StorageUnavailableError);
});

test('etcd: a watch survives an etcd restart and resumes with no gap and no duplicate', async (t) => {
  const own = await startEtcd();
  t.after(() => own.stop());
  const b = new EtcdBackend({ endpoints: [own.endpoint], prefix: '/restart', requestTimeoutMs: 2000 });
  t.after(() => b.close());
  const start = await b.currentRevision();
  const seen: number[] = [];
  let error: Error | undefined;
  const w = b.watch('/', start, { onEvents: (evs) => seen.push(...evs.map((e) => e.kv.modRevision)), onError: (e) => (error = e) });
  t.after(() => w.close());
  const written: number[] = [];
  for (let i = 0; i < 20; i++) written.push((await b.create(`/a${i}`, 'v')).modRevision);
  await waitFor(() => seen.length >= 20, 'first events');
  await own.kill9();
  await own.restart();
  // writes right after the restart, possibly before the watch reconnected
  for (let i = 0; i < 20; i++) {
    for (;;) {
      try {
        written.push((await b.create(`/b${i}`, 'v')).modRevision);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  await waitFor(() => seen.length >= 40, 'events after restart', 30_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(error, undefined);
  assert.deepEqual(seen, written);
});

async function waitFor(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
