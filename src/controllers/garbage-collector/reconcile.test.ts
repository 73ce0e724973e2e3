import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, type Dependent, type OwnerState } from './reconcile.js';
import type { KubeObject } from '../../api/types.js';

const obj = (uid: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: uid, namespace: 'ns', uid, ...meta } });
const dep = (uid: string, owner: string, block = false, deleting = false): Dependent => ({
  ref: { key: `k/${uid}`, uid, namespace: 'ns', name: uid },
  ownerRef: { apiVersion: 'v1', kind: 'X', name: owner, uid: owner, blockOwnerDeletion: block },
  deleting,
});
const none = new Map<string, OwnerState>();

test('orphan: strip the owner reference from every dependent, then the finalizer', () => {
  const a = reconcile('k/o', obj('o', { deletionTimestamp: 't', finalizers: ['orphan'] }), [dep('d1', 'o'), dep('d2', 'o')], none);
  assert.deepEqual(a.map((x) => x.type), ['removeOwnerRef', 'removeOwnerRef', 'removeFinalizer']);
});

test('foreground: delete dependents; keep the finalizer while a blocking dependent remains', () => {
  const a = reconcile('k/o', obj('o', { deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }), [dep('d1', 'o', true), dep('d2', 'o', false, true)], none);
  assert.deepEqual(a, [{ type: 'delete', object: { key: 'k/d1', uid: 'd1', namespace: 'ns', name: 'd1' }, policy: 'Foreground' }]);
  const done = reconcile('k/o', obj('o', { deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }), [dep('d2', 'o', false, true)], none);
  assert.deepEqual(done.map((x) => x.type), ['removeFinalizer']);
});

test('dangling owners: all gone → delete; some gone → drop those references; unknown → nothing', () => {
  const o = obj('d', { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'a', uid: 'a' }, { apiVersion: 'v1', kind: 'X', name: 'b', uid: 'b' }] });
  assert.deepEqual(reconcile('k/d', o, [], new Map([['a', 'absent'], ['b', 'absent']])).map((x) => x.type), ['delete']);
  assert.deepEqual(reconcile('k/d', o, [], new Map([['a', 'absent'], ['b', 'exists']])), [
    { type: 'removeDanglingRefs', object: { key: 'k/d', uid: 'd', namespace: 'ns', name: 'd' }, ownerUids: ['a'] },
  ]);
  assert.deepEqual(reconcile('k/d', o, [], new Map([['a', 'unknown'], ['b', 'absent']])).map((x) => x.type), ['removeDanglingRefs']);
  assert.deepEqual(reconcile('k/d', o, [], new Map([['a', 'unknown'], ['b', 'exists']])), []);
});
