import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startEtcd } from './etcd-server.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('startEtcd: answers on loopback; stop() kills that PID and removes the temp dir (idempotent)', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  assert.match(etcd.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${etcd.endpoint}/health`);
  assert.equal(res.status, 200);
  const pid = etcd.pid;
  assert.ok(alive(pid));
  assert.ok(existsSync(etcd.dataDir));
  await etcd.stop();
  assert.ok(!alive(pid), 'etcd process is gone');
  assert.ok(!existsSync(dirname(etcd.dataDir)), 'temp dir removed');
  await etcd.stop();
});

test('startEtcd: a start that fails removes its process and temp dir', async (t) => {
  const parentDir = mkdtempSync(join(tmpdir(), 'flotilla-etcd-helper-test-'));
  t.after(() => rmSync(parentDir, { recursive: true, force: true }));
  await assert.rejects(startEtcd({ startTimeoutMs: 1, parentDir }), /did not become healthy|exited during start/);
  assert.deepEqual(readdirSync(parentDir), []);
});
