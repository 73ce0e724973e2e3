import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAllAcked, startCrashWriter } from '../testing/crash-harness.js';
import { startEtcd } from '../testing/etcd-server.js';
import { EtcdBackend } from './etcd-backend.js';

test('etcd: every acknowledged write survives kill -9 of etcd and of the writer', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const writer = startCrashWriter(etcd.endpoint, '/crash-test');
  t.after(() => writer.kill9());
  await writer.waitForAcks(1500);
  const etcdPid = etcd.pid;
  await etcd.kill9(); // etcd dies mid-flight: in-flight writes fail, acked ones must be on disk
  await new Promise((r) => setTimeout(r, 200));
  await writer.kill9();
  assert.equal(writer.child.signalCode, 'SIGKILL');
  await etcd.restart();
  assert.notEqual(etcd.pid, etcdPid);
  const b = new EtcdBackend({ endpoints: [etcd.endpoint], prefix: '/crash-test' });
  t.after(() => b.close());
  await assertAllAcked(b, writer.acked);
  const kv = await b.create('/after-crash', 'x');
  assert.ok(kv.modRevision > 0);
  t.diagnostic(`acked keys ${writer.acked.size}`);
});
