import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareKubeVersions,
  customResourceDefs,
  defaultCrd,
  evalSimpleJsonPath,
  validateCrd,
  validateCrdUpdate,
  type JSONSchemaProps,
  type V1CustomResourceDefinition,
} from './index.js';
import { prune } from '../../schema/engine/index.js';

function crd(mut: (c: V1CustomResourceDefinition) => void = () => {}, schema?: JSONSchemaProps): V1CustomResourceDefinition {
  const c: V1CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'foos.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'foos', kind: 'Foo' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema ?? { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } } } }],
    },
    status: { storedVersions: ['v1'] },
  };
  defaultCrd(c);
  mut(c);
  return c;
}

const msgs = (c: V1CustomResourceDefinition) => validateCrd(c).map(String);
const schemaMsgs = (schema: JSONSchemaProps, status = false) =>
  msgs(crd((c) => (c.spec.versions![0]!.subresources = status ? { status: {} } : undefined), schema)).map((m) => m.replaceAll('spec.versions[0].schema.openAPIV3Schema', 'S'));

test('a valid CRD has no errors; defaults fill singular, listKind and conversion', () => {
  const c = crd();
  assert.deepEqual(msgs(c), []);
  assert.equal(c.spec.names!.singular, 'foo');
  assert.equal(c.spec.names!.listKind, 'FooList');
  assert.deepEqual(c.spec.conversion, { strategy: 'None' });
});

test('names, group, scope and versions errors with upstream messages', () => {
  assert.deepEqual(msgs(crd((c) => (c.metadata.name = 'bars.example.com'))), ['metadata.name: Invalid value: "bars.example.com": must be spec.names.plural+"."+spec.group']);
  assert.deepEqual(
    msgs(crd((c) => ((c.spec.group = 'example'), (c.metadata.name = 'foos.example')))),
    ['spec.group: Invalid value: "example": should be a domain with at least one dot'],
  );
  assert.deepEqual(msgs(crd((c) => (c.spec.scope = 'Global'))), ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
  assert.deepEqual(msgs(crd((c) => (c.spec.names!.kind = 'foo_bar'))), [
    'spec.names.kind: Invalid value: "foo_bar": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
  ]);
  assert.deepEqual(msgs(crd((c) => (c.spec.names!.listKind = 'Foo'))), ['spec.names.listKind: Invalid value: "Foo": kind and listKind may not be the same']);
  const two = msgs(crd((c) => c.spec.versions!.push({ ...c.spec.versions![0]! })));
  // The third is upstream's too: the stored-versions check consumes "v1" on the first version.
  assert.equal(two.length, 3);
  assert.match(two[2]!, /^status\.storedVersions: Invalid value: .*: must have the storage version v1$/);
  assert.match(two[0]!, /^spec\.versions: Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{apiextensions\.CustomResourceDefinitionVersion\{Name:"v1", Served:true, Storage:true, .*\}\}: must contain unique version names$/);
  assert.match(two[1]!, /: must have exactly one version marked as storage version$/);
  assert.deepEqual(
    msgs(crd((c) => ((c.metadata.name = 'foos.apps.k8s.io'), (c.spec.group = 'apps.k8s.io')))),
    ['metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'],
  );
  assert.deepEqual(msgs(crd((c) => (c.status = { storedVersions: ['v0'] }))), [
    'status.storedVersions: Invalid value: apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(0xc000a1c000), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}: must have the storage version v1',
    'status.storedVersions[0]: Invalid value: "v0": must appear in spec.versions',
  ]);
});

test('structural schema rules', () => {
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }), [
    'S.properties[spec].type: Required value: must not be empty for specified object fields',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { list: { type: 'array' } } }), ['S.properties[list].items: Required value: must be specified']);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { list: { type: 'array', items: {} } } }), ['S.properties[list].items.type: Required value: must not be empty for specified array items']);
  assert.deepEqual(schemaMsgs({ type: 'string' }), ['S.type: Invalid value: "string": must be object at the root']);
  assert.deepEqual(schemaMsgs({ type: 'object', additionalProperties: { type: 'string' } }), ['S.additionalProperties: Forbidden: must not be used at the root']);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } }), [
    'S.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }), [
    'S.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } } } }), []);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string' }] } } }), ['S.properties[a].anyOf[0].type: Forbidden: must be empty to be structural']);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } }), []);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false } } }), [
    'S.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, uniqueItems: true } } }), [
    'S.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { a: { $ref: '#/definitions/x' } } }), [
    'S.properties[a].$ref: Forbidden: $ref is not supported',
    'S.properties[a].type: Required value: must not be empty for specified object fields',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { e: { type: 'object', 'x-kubernetes-embedded-resource': true } } }), [
    'S.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', properties: { n: { type: 'integer', default: 'x' } } }), [
    'S.properties[n].default: Invalid value: "string": S.properties[n].default in body must be of type integer: "string"',
  ]);
  assert.deepEqual(schemaMsgs({ type: 'object', nullable: true, properties: {} }, true), [
    'S: Invalid value: {"type":"object","nullable":true,"properties":{}}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
    'S.nullable: Forbidden: nullable cannot be true at the root',
  ]);
});

test('subresources, printer columns and selectable fields', () => {
  const v = (mut: (x: NonNullable<V1CustomResourceDefinition['spec']['versions']>[number]) => void) => msgs(crd((c) => mut(c.spec.versions![0]!)));
  assert.deepEqual(v((x) => (x.subresources = { scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: '.spec.replicas' } })), [
    'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .',
    'spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status',
  ]);
  assert.deepEqual(v((x) => (x.additionalPrinterColumns = [{ name: 'A', type: 'text', jsonPath: '' }])), [
    'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
    'spec.versions[0].additionalPrinterColumns[0].JSONPath: Required value',
  ]);
  assert.deepEqual(v((x) => (x.selectableFields = [{ jsonPath: '.spec.a' }, { jsonPath: '.spec.b' }])), [
    'spec.versions[0].selectableFields[1].jsonPath: Invalid value: ".spec.b": is an invalid path: does not refer to a valid field',
  ]);
});

test('updates: group and plural immutable, kind and scope once Established', () => {
  const old = crd((c) => (c.status!.conditions = [{ type: 'Established', status: 'True' }]));
  const next = crd((c) => ((c.spec.scope = 'Cluster'), (c.spec.names!.kind = 'Bar'), (c.spec.names!.listKind = 'BarList')));
  assert.deepEqual(validateCrdUpdate(next, old).map(String), ['spec.scope: Invalid value: "Cluster": field is immutable', 'spec.names.kind: Invalid value: "Bar": field is immutable']);
});

test('custom resource defs: version order, conversion, table cells, field selectors', () => {
  const c = crd((x) => {
    const v1 = x.spec.versions![0]!;
    v1.additionalPrinterColumns = [
      { name: 'A', type: 'string', jsonPath: '.spec.a' },
      { name: 'N', type: 'integer', jsonPath: '.spec.n', priority: 1 },
      { name: 'M', type: 'string', jsonPath: '.spec.m' },
      { name: 'First', type: 'string', jsonPath: '.spec.list[0].x' },
    ];
    v1.selectableFields = [{ jsonPath: '.spec.a' }];
    x.spec.versions = [{ ...v1, name: 'v1alpha1', storage: false }, { ...v1, name: 'v2beta1', storage: false }, v1];
  });
  const defs = customResourceDefs(c);
  assert.deepEqual(defs.map((d) => d.version), ['v1', 'v2beta1', 'v1alpha1']);
  assert.equal(defs[0]!.conversion, undefined);
  assert.equal(defs[1]!.conversion!.storageVersion, 'example.com/v1');
  assert.equal(defs[1]!.conversion!.toStorage({ apiVersion: 'example.com/v2beta1', kind: 'Foo', metadata: {} }).apiVersion, 'example.com/v1');
  const t = defs[0]!.table!;
  assert.deepEqual(t.columns.map((x) => [x.name, x.type, x.priority ?? 0]), [['Name', 'string', 0], ['A', 'string', 0], ['N', 'integer', 1], ['M', 'string', 0], ['First', 'string', 0]]);
  const obj = { apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'x' }, spec: { a: 'hi', n: 2.5, m: { b: [1, 'z'], a: true }, list: [{ x: 'first' }] } };
  assert.deepEqual(t.cells(obj, new Date()), ['x', 'hi', null, 'map[a:true b:[1 z]]', 'first']);
  assert.equal(defs[0]!.fieldSelectors!['spec.a']!(obj), 'hi');
  const plain = customResourceDefs(crd())[0]!.table!;
  assert.deepEqual(plain.columns.map((x) => [x.name, x.type]), [['Name', 'string'], ['Age', 'date']]);
  assert.deepEqual(plain.cells({ ...obj, metadata: { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' } }, new Date('2026-01-01T00:05:00Z')), ['x', '5m']);
});

test('kube-aware version order and simple JSON paths', () => {
  assert.deepEqual(['v1alpha1', 'v2', 'v1beta2', 'foo', 'v1', 'v1beta10', 'v10'].sort(compareKubeVersions), ['v10', 'v2', 'v1', 'v1beta10', 'v1beta2', 'v1alpha1', 'foo']);
  assert.equal(evalSimpleJsonPath({ a: { b: [0, { c: 3 }] } }, '.a.b[1].c'), 3);
  assert.equal(evalSimpleJsonPath({ a: 1 }, '.a.b'), undefined);
  assert.equal(evalSimpleJsonPath({ a: 1 }, 'a'), undefined);
});

test('embedded resources keep their type meta and need apiVersion and kind', () => {
  const c = crd(() => {}, {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          typed: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } },
        },
      },
    },
  });
  assert.deepEqual(validateCrd(c).map(String), []);
  const def = customResourceDefs(c)[0]!;
  const bad = { apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'x' }, spec: { template: { kind: 'Pod', spec: {} }, typed: { apiVersion: 'v1', kind: 'bad_kind', metadata: { name: 'n' }, spec: { a: 'x' } } } };
  const pruned = prune(structuredClone(bad), def.schema) as typeof bad;
  assert.deepEqual(pruned.spec.typed.metadata, { name: 'n' });
  assert.deepEqual(pruned.spec.template, { kind: 'Pod', spec: {} });
  assert.deepEqual(def.strategy!.validate!(bad, { now: new Date(), user: { username: 'u', groups: [] }, subresource: '' }).map(String), [
    'spec.template.apiVersion: Required value: must not be empty',
    'spec.typed.kind: Invalid value: "bad_kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
  ]);
});

test('allOf, anyOf, oneOf and not restrict values', () => {
  const c = crd(() => {}, {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'string' }, n: { type: 'integer', not: { enum: [13] } } },
        oneOf: [{ required: ['a'] }, { required: ['b'] }],
      },
    },
  });
  assert.deepEqual(validateCrd(c).map(String), []);
  const def = customResourceDefs(c)[0]!;
  const v = (spec: unknown) =>
    def.strategy!.validate!({ apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'x' }, spec }, { now: new Date(), user: { username: 'u', groups: [] }, subresource: '' }).map(String);
  assert.deepEqual(v({ a: 'x' }), []);
  assert.deepEqual(v({ a: 'x', b: 'y' }), ['spec: Invalid value: "object": spec in body must validate one and only one schema (oneOf)']);
  assert.deepEqual(v({ b: 'y', n: 13 }), ['spec.n: Invalid value: "integer": spec.n in body must not validate the schema (not)']);
});

test('a CRD schema may restrict metadata.name', () => {
  const c = crd(() => {}, { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5 } } } } });
  assert.deepEqual(validateCrd(c).map(String), []);
  const def = customResourceDefs(c)[0]!;
  const errs = def.strategy!.validate!({ apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'toolong' } }, { now: new Date(), user: { username: 'u', groups: [] }, subresource: '' }).map(String);
  assert.deepEqual(errs, ['metadata.name: Too long: may not be longer than 5']);
});
