import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompactedError,
  MemoryBackend,
  openBackend,
  parseEndpoint,
  SqliteBackend,
  startAutoCompaction,
  StorageConfigError,
  StorageUnavailableError,
} from './index.js';
import { startEtcd } from './testing/etcd-server.js';
import { EtcdBackend } from './etcd/etcd-backend.js';

test('parseEndpoint: sqlite paths and etcd endpoint lists', () => {
  assert.deepEqual(parseEndpoint('sqlite://state.db'), { kind: 'sqlite', path: 'state.db' });
  assert.deepEqual(parseEndpoint('sqlite:///var/lib/flotilla/state.db'), { kind: 'sqlite', path: '/var/lib/flotilla/state.db' });
  assert.deepEqual(parseEndpoint('https://etcd1:2379,https://etcd2:2379, https://etcd3:2379'), {
    kind: 'etcd',
    endpoints: ['https://etcd1:2379', 'https://etcd2:2379', 'https://etcd3:2379'],
    secure: true,
  });
  assert.deepEqual(parseEndpoint('http://127.0.0.1:2379'), { kind: 'etcd', endpoints: ['http://127.0.0.1:2379'], secure: false });
});

test('parseEndpoint: bad endpoints give one-line StorageConfigErrors', () => {
  for (const bad of ['', 'mysql://x', 'sqlite:state.db', 'etcd1:2379', 'http://etcd1', 'http://etcd1:2379/v3', 'http://a:1,https://b:2', 'http://a:1,,http://b:2', 'ftp://x:1']) {
    assert.throws(
      () => parseEndpoint(bad),
      (e: unknown) => e instanceof StorageConfigError && !e.message.includes('\n') && e.message.length > 10,
      bad,
    );
  }
});

test('openBackend: sqlite with a relative path under dataDir creates parent dirs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-open-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const b = await openBackend({ endpoint: 'sqlite://nested/deeper/state.db', dataDir: dir });
  t.after(() => b.close());
  assert.ok(b instanceof SqliteBackend);
  await b.create('/a', '1');
  assert.ok(existsSync(join(dir, 'nested', 'deeper', 'state.db')));
  const abs = await openBackend({ endpoint: `sqlite://${join(dir, 'abs', 'x.db')}` });
  t.after(() => abs.close());
  await abs.create('/a', '1');
  assert.ok(existsSync(join(dir, 'abs', 'x.db')));
  await assert.rejects(openBackend({ endpoint: 'sqlite://' }), StorageConfigError);
});

test('openBackend: etcd endpoints, config errors and an unreachable cluster', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const b = await openBackend({ endpoint: etcd.endpoint, etcdPrefix: '/open-test' });
  t.after(() => b.close());
  assert.ok(b instanceof EtcdBackend);
  await b.create('/a', '1');
  assert.equal((await b.get('/a'))?.value, '1');
  await assert.rejects(openBackend({ endpoint: etcd.endpoint, caFile: '/nonexistent/ca.pem' }), StorageConfigError);
  await assert.rejects(openBackend({ endpoint: 'https://127.0.0.1:1', certFile: etcd.dataDir /* exists, but no keyFile */ }), StorageConfigError);
  await assert.rejects(openBackend({ endpoint: 'http://127.0.0.1:1' }), (e: unknown) => {
    assert.ok(e instanceof StorageUnavailableError);
    assert.match(e.message, /cannot reach etcd at http:\/\/127\.0\.0\.1:1/);
    return true;
  });
});

test('openBackend: etcd over TLS with client certificates', async (t) => {
  const etcd = await startEtcd({ tls: true });
  t.after(() => etcd.stop());
  const b = await openBackend({ endpoint: etcd.endpoint, ...etcd.tls });
  t.after(() => b.close());
  const kv = await b.create('/tls', 'ok');
  assert.deepEqual(await b.get('/tls'), kv);
});

test('startAutoCompaction: compacts only history older than the retention window', async (t) => {
  const b = new MemoryBackend();
  t.after(() => b.close());
  let clock = 0;
  const stop = startAutoCompaction(b, { retainSeconds: 600, retainRevisions: 5, intervalMs: 3_600_000, now: () => clock });
  t.after(stop);
  await new Promise((r) => setTimeout(r, 10)); // first tick samples revision 0 at t=0
  for (let i = 0; i < 20; i++) await b.create(`/k${i}`, 'v');
  assert.equal(await b.compactedRevision(), 0);
  await stop();

  // A fresh loop with a short interval: samples at t=0 (rev 20), then at t=601 s.
  const stop2 = startAutoCompaction(b, { retainSeconds: 600, retainRevisions: 5, intervalMs: 20, now: () => clock });
  t.after(stop2);
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 20; i < 40; i++) await b.create(`/k${i}`, 'v');
  assert.equal(await b.compactedRevision(), 0, 'nothing is old enough yet');
  clock = 601_000;
  const deadline = Date.now() + 5000;
  while ((await b.compactedRevision()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await stop2();
  // every sample taken at t=0 is ≥ 600 s old now; the last 5 revisions are always kept
  const compacted = await b.compactedRevision();
  assert.ok(compacted > 0 && compacted <= 40 - 5, `compacted to ${compacted}`);
  await assert.rejects(b.list('/', { revision: compacted - 1 }), CompactedError);
  assert.equal((await b.list('/')).items.length, 40);
});
