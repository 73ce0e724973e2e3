import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAuditLog, type AuditEvent, type AuditSink } from './audit.js';
import { startTestServer } from './testing/test-server.js';
import { testResources } from './testing/fixtures.js';
import { discardLogger } from '../lib/log.js';

test('every API request is audited at Metadata level; health checks are not', async () => {
  const events: AuditEvent[] = [];
  const sink: AuditSink = { write: (e) => events.push(e), close: async () => {} };
  const srv = await startTestServer({ resources: testResources, audit: sink });
  try {
    await srv.request('GET', '/readyz');
    await srv.request('POST', '/api/v1/namespaces/default/notes', { apiVersion: 'v1', kind: 'Note', metadata: { name: 'a' } }, { 'user-agent': 'kubectl/v1.32.4' });
    await srv.request('GET', '/api/v1/namespaces/default/notes/missing');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(events.length, 2);
    const [create, get] = events;
    assert.equal(create!.verb, 'create');
    assert.equal(create!.level, 'Metadata');
    assert.equal(create!.user.username, 'admin');
    assert.equal(create!.userAgent, 'kubectl/v1.32.4');
    assert.deepEqual(create!.objectRef, { resource: 'notes', namespace: 'default', name: undefined, apiGroup: undefined, apiVersion: 'v1', subresource: undefined });
    assert.equal(create!.responseStatus.code, 201);
    assert.equal(get!.responseStatus.code, 404);
    assert.match(get!.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  } finally {
    await srv.close();
  }
});

test('the audit file rotates by size and keeps maxbackup files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-audit-'));
  try {
    let tick = 0;
    const log = await FileAuditLog.open({
      path: join(dir, 'audit.log'),
      maxSizeMiB: 1,
      maxBackups: 2,
      maxAgeDays: 30,
      logger: discardLogger,
      now: () => new Date(Date.UTC(2026, 10, 24, 7, 0, tick++)),
    });
    const ev: AuditEvent = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: 'x',
      stage: 'ResponseComplete',
      requestURI: '/api/v1/pods?' + 'x'.repeat(1000),
      verb: 'list',
      user: { username: 'admin', groups: [] },
      sourceIPs: ['127.0.0.1'],
      responseStatus: { metadata: {}, code: 200 },
      requestReceivedTimestamp: '',
      stageTimestamp: '',
    };
    for (let i = 0; i < 4000; i++) {
      log.write(ev);
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await log.close();
    const files = (await readdir(dir)).sort();
    const rotated = files.filter((f) => f.startsWith('audit-'));
    assert.equal(rotated.length, 2, files.join(','));
    assert.ok(files.includes('audit.log'));
    // Every kept line, rotated or current, is one whole audit event.
    for (const f of files) {
      const text = await readFile(join(dir, f), 'utf8');
      for (const line of text.split('\n').filter(Boolean)) assert.equal(JSON.parse(line).kind, 'Event', f);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
