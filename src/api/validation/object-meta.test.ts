import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectMeta } from '../types.js';
import {
  finalizerWarnings,
  maskTrailingDash,
  prepareObjectMetaForUpdate,
  validateFieldManager,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './object-meta.js';
import { isDNS1035Label } from './names.js';

const ns = { namespaced: true };
const cluster = { namespaced: false };
const msgs = (meta: ObjectMeta, opts: Parameters<typeof validateObjectMeta>[1] = ns) => validateObjectMeta(meta, opts).map(String);

/** Upstream's RegexError, including its double space before each ` or `. */
function upstreamRegexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

test('valid metadata has no errors', () => {
  assert.deepEqual(
    msgs({
      name: 'web.example',
      namespace: 'default',
      labels: { app: 'web', 'example.com/tier': '', 'a_b.c-d': 'X.y_z-1' },
      annotations: { 'Example.COM/Mixed_Case': 'anything goes here', x: '' },
      finalizers: ['kubernetes', 'example.com/cleanup'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1' }],
      generation: 1,
    }),
    [],
  );
});

test('name, generateName and namespace', () => {
  assert.deepEqual(msgs({ namespace: 'default' }), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(msgs({ name: 'Bad_Name', namespace: 'default' }), [
    `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
  assert.deepEqual(msgs({ name: 'web-abcde', generateName: 'web-', namespace: 'default' }), []);
  assert.equal(msgs({ name: 'x', generateName: 'Web-', namespace: 'default' })[0]?.startsWith('metadata.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain'), true);
  assert.deepEqual(msgs({ name: 'x' }), ['metadata.namespace: Required value']);
  assert.deepEqual(msgs({ name: 'x', namespace: 'Default' }).length, 1);
  assert.match(msgs({ name: 'x', namespace: 'Default' })[0]!, /^metadata\.namespace: Invalid value: "Default": a lowercase RFC 1123 label must consist of/);
  assert.deepEqual(msgs({ name: 'x', namespace: 'default' }, cluster), ['metadata.namespace: Forbidden: not allowed on this type']);
  const dns1035 = (name: string) => isDNS1035Label(name);
  assert.match(msgs({ name: '1abc', namespace: 'd' }, { namespaced: true, validateName: dns1035 })[0]!, /^metadata\.name: Invalid value: "1abc": a DNS-1035 label/);
  assert.equal(maskTrailingDash('web-'), 'wea');
  assert.equal(maskTrailingDash('-'), '-');
});

test('labels: keys are qualified names, values label values', () => {
  const got = msgs({ name: 'x', namespace: 'd', labels: { '-bad': 'ok', good: 'bad value' } });
  assert.equal(got.length, 2);
  assert.ok(got[0]!.startsWith('metadata.labels: Invalid value: "-bad": name part must consist of alphanumeric characters'));
  assert.ok(got[1]!.startsWith('metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of'));
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', labels: { ['a'.repeat(64)]: 'v' } }), ['metadata.labels: Invalid value: "' + 'a'.repeat(64) + '": name part must be no more than 63 characters']);
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', labels: { '/x': 'v' } }), ['metadata.labels: Invalid value: "/x": prefix part must be non-empty']);
});

test('labels: exact upstream RegexError text (double space before "or")', () => {
  const got = msgs({ name: 'x', namespace: 'd', labels: { '-bad': 'ok' } });
  assert.deepEqual(got, [
    'metadata.labels: Invalid value: "-bad": name part ' +
      upstreamRegexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]',
        'MyName',
        'my.name',
        '123-abc',
      ),
  ]);
});

test('annotations: case-insensitive keys and 256 KiB total', () => {
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', annotations: { 'Example.com/KEY': 'v' } }), []);
  assert.match(msgs({ name: 'x', namespace: 'd', annotations: { 'a b': 'v' } })[0]!, /^metadata\.annotations: Invalid value: "a b": name part must consist of/);
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', annotations: { k: 'v'.repeat(262143) } }), []);
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', annotations: { k: 'v'.repeat(262144) } }), [
    'metadata.annotations: Too long: must have at most 262144 bytes',
  ]);
});

test('ownerReferences', () => {
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', ownerReferences: [{ apiVersion: 'apps/', kind: '', name: '', uid: '' }] }), [
    'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
    'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
    'metadata.ownerReferences.name: Invalid value: "": must not be empty',
    'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
  ]);
  const two = msgs({
    name: 'x',
    namespace: 'd',
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
    ],
  });
  assert.equal(two.length, 1);
  assert.match(two[0]!, /^metadata\.ownerReferences: Invalid value: .*: Only one reference can have Controller set to true\. Found "true" in references for Deployment\/a and ReplicaSet\/b$/);
  const ev = msgs({ name: 'x', namespace: 'd', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: '1' }] });
  assert.match(ev[0]!, /\/v1, Kind=Event is disallowed from being an owner$/);
});

test('finalizers', () => {
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', finalizers: ['orphan', 'foregroundDeletion'] }), [
    'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
  ]);
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', finalizers: ['mine'] }), [
    'metadata.finalizers[0]: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified',
  ]);
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', finalizers: ['mine'] }, { namespaced: true, builtIn: false }), []);
  assert.deepEqual(finalizerWarnings(['mine', 'example.com/ok']), [
    'metadata.finalizers[0]: "mine": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers',
  ]);
  assert.match(msgs({ name: 'x', namespace: 'd', finalizers: ['a/b/c'] })[0]!, /^metadata\.finalizers: Invalid value: "a\/b\/c": a qualified name must consist of/);
});

test('generation and managedFields', () => {
  assert.deepEqual(msgs({ name: 'x', namespace: 'd', generation: -1 }), ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(
    msgs({ name: 'x', namespace: 'd', managedFields: [{ manager: 'a\u0007', fieldsType: 'FieldsV2' }] }),
    [
      'metadata.managedFields[0].operation: Invalid value: "": must be `Apply` or `Update`',
      'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
      'metadata.managedFields[0].manager: Invalid value: "a\\u0007": invalid character U+0007 (at position 1)',
    ],
  );
  assert.deepEqual(validateFieldManager('m'.repeat(129), 'fieldManager').map(String), ['fieldManager: Too long: must have at most 128 bytes']);
});

test('update: immutable fields and other rules', () => {
  const old: ObjectMeta = {
    name: 'a',
    namespace: 'd',
    uid: 'u1',
    resourceVersion: '5',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
  };
  assert.deepEqual(validateObjectMetaUpdate({ ...old }, old), []);
  assert.deepEqual(validateObjectMetaUpdate({ ...old, name: 'b', namespace: 'e', uid: 'u2', generation: 2 }, old).map(String), [
    'metadata.generation: Invalid value: 2: must not be decremented',
    'metadata.name: Invalid value: "b": field is immutable',
    'metadata.namespace: Invalid value: "e": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
  ]);
  assert.deepEqual(validateObjectMetaUpdate({ ...old, resourceVersion: '' }, old, { requireResourceVersion: true }).map(String), [
    'metadata.resourceVersion: Invalid value: "": must be specified for an update',
  ]);
  const deleting = { ...old, deletionTimestamp: '2026-01-02T00:00:00Z', finalizers: ['example.com/a'] };
  assert.deepEqual(validateObjectMetaUpdate({ ...deleting, finalizers: ['example.com/a', 'example.com/z', 'example.com/b'] }, deleting).map(String), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b", "example.com/z"}',
  ]);
  assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { '-x': 'y' } }, old).length, 1);
});

test('prepareObjectMetaForUpdate keeps what upstream keeps', () => {
  const old: ObjectMeta = { name: 'a', uid: 'u1', generation: 3, creationTimestamp: 't0', deletionTimestamp: 't1', deletionGracePeriodSeconds: 30 };
  const next: ObjectMeta = { name: 'a', generation: 9, creationTimestamp: 'other' };
  prepareObjectMetaForUpdate(next, old);
  assert.deepEqual(next, { name: 'a', uid: 'u1', generation: 3, creationTimestamp: 't0', deletionTimestamp: 't1', deletionGracePeriodSeconds: 30 });
  assert.deepEqual(validateObjectMetaUpdate(next, old), []);
});
