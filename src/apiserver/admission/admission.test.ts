import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../testing/test-server.js';
import { testResources } from '../testing/fixtures.js';
import { ApiError } from '../../lib/errors.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

test('mutating plugins run before validation, validating plugins after; both on create and update', async () => {
  const seen: string[] = [];
  const labeler: AdmissionPlugin = {
    name: 'Labeler',
    admit(req) {
      if (req.def.plural !== 'notes') return;
      seen.push(`admit ${req.operation} ${req.namespace}/${req.name}`);
      if (req.object) req.object.metadata.labels = { ...req.object.metadata.labels, admitted: 'yes' };
    },
  };
  const guard: AdmissionPlugin = {
    name: 'Guard',
    validate(req: AdmissionRequest) {
      if (req.def.plural !== 'notes') return;
      seen.push(`validate ${req.operation} dryRun=${req.dryRun}`);
      if (req.object?.metadata.labels?.['admitted'] !== 'yes') throw new Error('mutation did not run first');
      if ((req.object?.['data'] as Record<string, string> | undefined)?.['forbidden'])
        throw new ApiError('Forbidden', 403, `notes "${req.name}" is forbidden: the Guard says no`);
    },
  };
  const srv = await startTestServer({ resources: testResources, admission: [labeler, guard] });
  try {
    const c = await srv.request('POST', '/api/v1/namespaces/default/notes', { apiVersion: 'v1', kind: 'Note', metadata: { name: 'a' } });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.json<{ metadata: { labels: Record<string, string> } }>().metadata.labels['admitted'], 'yes');
    const refused = await srv.request('PUT', '/api/v1/namespaces/default/notes/a', { apiVersion: 'v1', kind: 'Note', metadata: { name: 'a' }, data: { forbidden: 'x' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.json().message, 'notes "a" is forbidden: the Guard says no');
    const dry = await srv.request('POST', '/api/v1/namespaces/default/notes?dryRun=All', { apiVersion: 'v1', kind: 'Note', metadata: { name: 'b' } });
    assert.equal(dry.status, 201);
    assert.deepEqual(seen, ['admit CREATE default/a', 'validate CREATE dryRun=false', 'admit UPDATE default/a', 'validate UPDATE dryRun=false', 'admit CREATE default/b', 'validate CREATE dryRun=true']);
  } finally {
    await srv.close();
  }
});
