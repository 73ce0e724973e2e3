import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../apiserver/testing/test-server.js';
import { testResources } from '../../apiserver/testing/fixtures.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ resources: testResources });
});
after(async () => srv.close());

const NOTES = '/api/v1/namespaces/default/notes';

async function family(prefix: string, block = false): Promise<void> {
  const o = await srv.request('POST', NOTES, { apiVersion: 'v1', kind: 'Note', metadata: { name: `${prefix}-owner` } });
  const uid = o.json<{ metadata: { uid: string } }>().metadata.uid;
  for (const i of [1, 2]) {
    const r = await srv.request('POST', NOTES, {
      apiVersion: 'v1',
      kind: 'Note',
      metadata: { name: `${prefix}-dep${i}`, ownerReferences: [{ apiVersion: 'v1', kind: 'Note', name: `${prefix}-owner`, uid, blockOwnerDeletion: block }] },
    });
    assert.equal(r.status, 201, r.text);
  }
}

async function exists(name: string): Promise<boolean> {
  return (await srv.request('GET', `${NOTES}/${name}`)).status === 200;
}

async function eventually(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

test('background: dependents of a deleted owner are collected', async () => {
  await family('bg');
  await srv.request('DELETE', `${NOTES}/bg-owner`);
  await eventually(async () => !(await exists('bg-dep1')) && !(await exists('bg-dep2')), 'dependents deleted');
});

test('orphan: dependents survive without the owner reference; the owner goes', async () => {
  await family('or');
  await srv.request('DELETE', `${NOTES}/or-owner?propagationPolicy=Orphan`);
  await eventually(async () => !(await exists('or-owner')), 'owner deleted');
  const d = await srv.request('GET', `${NOTES}/or-dep1`);
  assert.equal(d.status, 200);
  assert.equal(d.json<{ metadata: { ownerReferences?: unknown } }>().metadata.ownerReferences, undefined);
});

test('foreground: the owner stays until blocking dependents are gone', async () => {
  await family('fg', true);
  // Hold one dependent with a finalizer so the owner must wait.
  await srv.request('PATCH', `${NOTES}/fg-dep1`, { metadata: { finalizers: ['example.com/hold'] } }, { 'content-type': 'application/merge-patch+json' });
  const del = await srv.request('DELETE', `${NOTES}/fg-owner`, { propagationPolicy: 'Foreground' });
  assert.equal(del.status, 200);
  await eventually(async () => !(await exists('fg-dep2')), 'unblocked dependent deleted');
  assert.ok(await exists('fg-owner'), 'owner waits for the held dependent');
  await srv.request('PATCH', `${NOTES}/fg-dep1`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
  await eventually(async () => !(await exists('fg-owner')), 'owner deleted after its dependents');
});
