import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { canonicalJson, isPodAvailable, orphansToAdopt, revisionHash } from './pod-state.js';

const owner: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'ns', uid: 'o' } };
const pod = (name: string, labels: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: name, labels, ...extra } });

test('orphansToAdopt: matching, uncontrolled, live pods in the namespace only', () => {
  const cands = [
    pod('a', { app: 'web' }),
    pod('b', { app: 'other' }),
    pod('c', { app: 'web' }, { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x', controller: true }] }),
    pod('d', { app: 'web' }, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    { ...pod('e', { app: 'web' }), metadata: { ...pod('e', { app: 'web' }).metadata, namespace: 'other' } },
    pod('f', { app: 'web' }, { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' }] }),
  ];
  assert.deepEqual(orphansToAdopt(owner, { matchLabels: { app: 'web' } }, cands).map((p) => p.metadata.name), ['a', 'f']);
  assert.deepEqual(orphansToAdopt(owner, {}, cands), [], 'an empty selector adopts nothing');
  assert.deepEqual(orphansToAdopt({ ...owner, metadata: { ...owner.metadata, deletionTimestamp: 'x' } }, { matchLabels: { app: 'web' } }, cands), []);
});

test('revision hashes are stable under key order and change with the collision count', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 1 }] }), '{"a":[{"c":1,"d":2}],"b":1}');
  assert.equal(revisionHash({ a: 1, b: 2 }, 0), revisionHash({ b: 2, a: 1 }, 0));
  assert.notEqual(revisionHash({ a: 1 }, 0), revisionHash({ a: 1 }, 1));
});

test('availability honours minReadySeconds from the Ready transition', () => {
  const p: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: {}, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] } };
  assert.equal(isPodAvailable(p, 10, new Date('2026-01-01T00:00:09Z')), false);
  assert.equal(isPodAvailable(p, 10, new Date('2026-01-01T00:00:10Z')), true);
  assert.equal(isPodAvailable(p, 0, new Date('2025-01-01T00:00:00Z')), true);
});
