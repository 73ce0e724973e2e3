import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertAllAcked, startCrashWriter } from '../testing/crash-harness.js';
import { SqliteBackend } from './sqlite-backend.js';

test('sqlite: every write acknowledged before kill -9 of the writer is there after reopening', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-sqlite-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db', 'state.db');
  const writer = startCrashWriter(`sqlite://${path}`);
  t.after(() => writer.kill9());
  await writer.waitForAcks(5000);
  await writer.kill9();
  assert.equal(writer.child.signalCode, 'SIGKILL');
  const b = new SqliteBackend({ path });
  t.after(() => b.close());
  await assertAllAcked(b, writer.acked);
  // the store is consistent and writable: revision continues after the highest stored one
  const rev = await b.currentRevision();
  const kv = await b.create('/after-crash', 'x');
  assert.equal(kv.modRevision, rev + 1);
  t.diagnostic(`acked keys ${writer.acked.size}, revision after reopen ${rev}`);
});
