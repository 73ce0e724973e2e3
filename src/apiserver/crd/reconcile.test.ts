import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1CustomResourceDefinition } from '../../api/apiextensions/v1/index.js';
import type { ResourceDef } from '../../api/types.js';
import { computeNames, desiredStatus, shadowedBuiltin, usedNames } from './reconcile.js';

const crd = (name: string, group: string, plural: string, kind: string, accepted?: boolean): V1CustomResourceDefinition => {
  const names = { plural, singular: plural.slice(0, -1), kind, listKind: `${kind}List`, shortNames: [plural.slice(0, 2)] };
  return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name }, spec: { group, names, scope: 'Namespaced' }, ...(accepted ? { status: { acceptedNames: names } } : {}) };
};

test('names are accepted when free, kept once accepted, refused when used by another CRD or a built-in kind', () => {
  const a = crd('foos.x.io', 'x.io', 'foos', 'Foo', true);
  const b = crd('foos2.x.io', 'x.io', 'foos', 'Foo2');
  const used = usedNames('x.io', 'foos2.x.io', [a, b], []);
  const r = computeNames(b, used);
  assert.deepEqual([r.namesAccepted.status, r.namesAccepted.reason, r.namesAccepted.message], ['False', 'ShortNamesConflict', '"fo" is already in use']);
  assert.deepEqual(r.established, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
  assert.equal(r.names.plural, undefined);
  // the same names in another group are free
  assert.equal(computeNames(b, usedNames('y.io', 'foos2.x.io', [a], [])).namesAccepted.status, 'True');
  const builtin = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', plural: 'rollouts', singular: 'rollout', namespaced: true, schema: {} } as ResourceDef;
  const r2 = computeNames(crd('rollouts.argoproj.io', 'argoproj.io', 'rollouts', 'Rollout'), usedNames('argoproj.io', 'rollouts.argoproj.io', [], [builtin]));
  assert.equal(r2.namesAccepted.status, 'False');
  assert.equal(r2.namesAccepted.reason, 'ListKindConflict');
  // the same resource described again (an installer's copy of the CRD) is accepted
  const again = crd('rollouts.argoproj.io', 'argoproj.io', 'rollouts', 'Rollout');
  assert.equal(shadowedBuiltin(again, [builtin]), builtin);
  assert.equal(computeNames(again, usedNames('argoproj.io', 'rollouts.argoproj.io', [], [builtin], again)).namesAccepted.status, 'True');
});

test('desiredStatus keeps lastTransitionTime while a condition holds', () => {
  const c = crd('foos.x.io', 'x.io', 'foos', 'Foo');
  const s1 = desiredStatus(c, usedNames('x.io', 'foos.x.io', [], []), '2026-01-01T00:00:00Z');
  assert.deepEqual(s1.conditions!.map((x) => [x.type, x.status, x.reason, x.lastTransitionTime]), [
    ['NamesAccepted', 'True', 'NoConflicts', '2026-01-01T00:00:00Z'],
    ['Established', 'True', 'InitialNamesAccepted', '2026-01-01T00:00:00Z'],
  ]);
  const s2 = desiredStatus({ ...c, status: s1 }, usedNames('x.io', 'foos.x.io', [], []), '2026-01-02T00:00:00Z');
  assert.deepEqual(s2, s1);
});
