import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s, type Schema } from '../index.js';
import { ObjectMeta, kindSchema } from '../../meta/v1.js';
import {
  applyDefaults,
  checkTypes,
  findDuplicateFields,
  findStrictFieldIssues,
  findUnknownFields,
  formatDecodeError,
  formatStrictDecodingError,
  goBase64Error,
  goFloat,
  prune,
  typeMismatchFieldError,
  validateValues,
} from './index.js';

// A small Deployment-shaped schema with shared sub-schemas and upstream ids.
const ContainerPort = s.object(
  { containerPort: s.int32(), protocol: s.string({ default: 'TCP' }), name: s.string() },
  { id: 'io.k8s.api.core.v1.ContainerPort', required: ['containerPort'] },
);
const Container = s.object(
  {
    name: s.string(),
    image: s.string(),
    imagePullPolicy: s.string({ enum: ['Always', 'IfNotPresent', 'Never'] }),
    args: s.array(s.string()),
    ports: s.array(ContainerPort, { listType: 'map', mapKeys: ['containerPort', 'protocol'] }),
    env: s.array(s.object({ name: s.string(), value: s.string() }, { id: 'io.k8s.api.core.v1.EnvVar' })),
  },
  { id: 'io.k8s.api.core.v1.Container', required: ['name'] },
);
const PodSpec = s.object(
  { containers: s.array(Container), initContainers: s.array(Container), nodeSelector: s.map(s.string()) },
  { id: 'io.k8s.api.core.v1.PodSpec' },
);
const PodTemplateSpec = s.object({ metadata: ObjectMeta, spec: PodSpec }, { id: 'io.k8s.api.core.v1.PodTemplateSpec' });
const DeploymentSpec = s.object(
  {
    replicas: s.int32({ minimum: 0 }),
    paused: s.bool(),
    selector: s.object({ matchLabels: s.map(s.string()) }, { id: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' }),
    template: PodTemplateSpec,
    strategy: s.object({ type: s.string({ default: 'RollingUpdate' }), rollingUpdate: s.object({ maxSurge: s.intOrString({ default: '25%' }) }) }),
    extra: s.anyValue(),
  },
  { id: 'io.k8s.api.apps.v1.DeploymentSpec' },
);
const Deployment = kindSchema('io.k8s.api.apps.v1.Deployment', { group: 'apps', version: 'v1', kind: 'Deployment' }, { spec: DeploymentSpec });

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
    },
  },
});

test('findUnknownFields reports paths as the strict decoder does', () => {
  const d = deployment() as Record<string, any>;
  assert.deepEqual(findUnknownFields(d, Deployment), []);
  d.spec.foo = 1;
  d.spec.template.spec.containers[0].bogus = true;
  d.metadata.labels.anything = 'fine';
  d.spec.extra = { whatever: { deep: 1 } };
  d.metadata.unknownMeta = 'x';
  assert.deepEqual(findUnknownFields(d, Deployment), [
    'metadata.unknownMeta',
    'spec.template.spec.containers[0].bogus',
    'spec.foo',
  ]);
});

test('embedded resources, preserve-unknown-fields and maps of objects', () => {
  const schema: Schema = s.object({
    raw: s.object({ spec: s.object({ a: s.string() }) }, { 'x-kubernetes-embedded-resource': true }),
    loose: s.looseObject({ known: s.object({ x: s.string() }) }),
    byName: s.map(s.object({ v: s.int32() })),
  });
  const v = {
    raw: { apiVersion: 'v1', kind: 'X', metadata: { name: 'n', bogus: 1 }, spec: { a: 'x', b: 1 }, other: 1 },
    loose: { free: 1, known: { x: 'a', y: 2 } },
    byName: { one: { v: 1, w: 2 } },
  };
  assert.deepEqual(findUnknownFields(v, schema), ['raw.metadata.bogus', 'raw.spec.b', 'raw.other', 'loose.known.y', 'byName.one.w']);
  prune(v, schema);
  assert.deepEqual(v, {
    raw: { apiVersion: 'v1', kind: 'X', metadata: { name: 'n' }, spec: { a: 'x' } },
    loose: { free: 1, known: { x: 'a' } },
    byName: { one: { v: 1 } },
  });
});

test('prune drops unknown fields in place and keeps known ones', () => {
  const d = deployment() as Record<string, any>;
  d.spec.foo = 1;
  d.spec.template.spec.containers[0].bogus = true;
  const out = prune(d, Deployment);
  assert.equal(out, d);
  assert.deepEqual(d, deployment());
});

test('recursive schemas are handled without looping', () => {
  const Props: Schema = s.object({ type: s.string() }, { id: 'JSONSchemaProps' });
  (Props.properties as Record<string, Schema>).properties = s.map(Props);
  (Props.properties as Record<string, Schema>).items = Props;
  const v = { type: 'object', properties: { a: { type: 'string', items: { type: 'x', bad: 1 } } } };
  assert.deepEqual(findUnknownFields(v, Props), ['properties.a.items.bad']);
  assert.deepEqual(checkTypes({ properties: { a: { type: 5 } } }, Props), [
    {
      reason: 'type',
      path: 'properties.a.type',
      goPath: 'properties.type',
      goStruct: 'JSONSchemaProps',
      goType: 'string',
      expected: 'string',
      actual: 'integer',
      value: 5,
    },
  ]);
  applyDefaults(v, Props);
  assert.deepEqual(validateValues(v, Props), []);
});

test('findDuplicateFields and strict issues in document order', () => {
  const text = `{
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "a", "name": "b", "unknownMeta": 1, "labels": {"x": "1", "x": "2"}},
    "spec": {
      "unknown1": "val1",
      "unknownDupe": "valDupe",
      "unknownDupe": "valDupe2",
      "paused": true,
      "paused": false,
      "template": {"spec": {"containers": [{"name": "n", "unknownNested": {"a": 1, "a": 2},
          "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}
    }
  }`;
  assert.deepEqual(findDuplicateFields(text), [
    'metadata.name',
    'metadata.labels.x',
    'spec.unknownDupe',
    'spec.paused',
    'spec.template.spec.containers[0].unknownNested.a',
    'spec.template.spec.containers[0].imagePullPolicy',
  ]);
  const issues = findStrictFieldIssues(text, Deployment);
  assert.equal(
    formatStrictDecodingError(issues),
    'strict decoding error: duplicate field "metadata.name", unknown field "metadata.unknownMeta", ' +
      'duplicate field "metadata.labels.x", unknown field "spec.unknown1", unknown field "spec.unknownDupe", ' +
      'duplicate field "spec.paused", unknown field "spec.template.spec.containers[0].unknownNested", ' +
      'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  );
});

test('duplicate scanner copes with escapes, nesting and scalars', () => {
  assert.deepEqual(findDuplicateFields('{"a\\"b": 1, "a\\u0022b": [1, {"c": "}", "c": "]"}]}'), ['a"b', 'a"b[1].c']);
  assert.deepEqual(findDuplicateFields('[{"x":1},{"x":2}]'), []);
  assert.deepEqual(findDuplicateFields('"just a string"'), []);
  assert.deepEqual(findStrictFieldIssues('{"spec": {"foo": {"bar": 1, "bar": 2}}}', Deployment), [{ kind: 'unknown', path: 'spec.foo' }]);
});

test('checkTypes: Go decoding messages for built-in kinds', () => {
  const d = deployment() as Record<string, any>;
  d.spec.replicas = '3';
  const [m] = checkTypes(d, Deployment);
  assert.ok(m);
  assert.equal(
    formatDecodeError('Deployment', 'v1', m),
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
  );
  const d2 = deployment() as Record<string, any>;
  d2.spec.template.spec.containers[0].ports[0].containerPort = 'http';
  d2.metadata.labels.n = 5;
  const errs = checkTypes(d2, Deployment).map((e) => formatDecodeError('Deployment', 'v1', e));
  assert.deepEqual(errs, [
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
  ]);
  const d3 = deployment() as Record<string, any>;
  d3.spec.replicas = 3000000000;
  d3.spec.template.spec.containers = { name: 'x' };
  d3.spec.strategy = { rollingUpdate: { maxSurge: true } };
  d3.spec.paused = 'yes';
  d3.spec.template.spec.containers2 = 1; // unknown: ignored here
  assert.deepEqual(
    checkTypes(d3, Deployment).map((m) => formatDecodeError('Deployment', 'v1', m).split(': ').slice(1).join(': ')),
    [
      'json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32',
      'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
      'json: cannot unmarshal bool into Go value of type int32',
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool',
    ],
  );
  // nulls decode as zero values in Go
  assert.deepEqual(checkTypes({ spec: { replicas: null, template: null } }, Deployment), []);
});

test('checkTypes: CRD-style field errors', () => {
  const [m] = checkTypes({ spec: { replicas: 'string' } }, Deployment, '', { style: 'openapi' });
  assert.equal(String(typeMismatchFieldError(m!)), 'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
  const [n] = checkTypes({ spec: { paused: null } }, Deployment, '', { style: 'openapi' });
  assert.equal(String(typeMismatchFieldError(n!)), 'spec.paused: Invalid value: "null": spec.paused in body must be of type boolean: "null"');
  const [o] = checkTypes({ spec: { strategy: { rollingUpdate: { maxSurge: false } } } }, Deployment, '', { style: 'openapi' });
  assert.equal(
    String(typeMismatchFieldError(o!)),
    'spec.strategy.rollingUpdate.maxSurge: Invalid value: "boolean": spec.strategy.rollingUpdate.maxSurge in body must be of type integer,string: "boolean"',
  );
  // kube-openapi: no int32 range check, fractions fail the format, bad base64 fails format byte
  const crd = s.object({ n: s.int32(), b: s.bytes(), i: { type: 'integer' } });
  assert.deepEqual(checkTypes({ n: 3000000000 }, crd, '', { style: 'openapi' }), []);
  assert.deepEqual(
    checkTypes({ n: 1.5, i: 2.5, b: 'hello' }, crd, '', { style: 'openapi' }).map((x) => String(typeMismatchFieldError(x))),
    [
      'n: Invalid value: "float64": n in body must be of type int32: "float64"',
      'i: Invalid value: "number": i in body must be of type integer: "number"',
      'b: Invalid value: "hello": b in body must be of type byte: "hello"',
    ],
  );
});

test('format: byte follows Go base64.StdEncoding error positions', () => {
  const Secret = kindSchema('io.k8s.api.core.v1.Secret', { group: '', version: 'v1', kind: 'Secret' }, { data: s.map(s.bytes()) });
  const [m] = checkTypes({ data: { ok: 'aGVsbG8=', bad: 'hello' } }, Secret);
  assert.equal(formatDecodeError('Secret', 'v1', m!), 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4');
  assert.equal(goBase64Error(''), undefined);
  assert.equal(goBase64Error('aGVsbG8='), undefined);
  assert.equal(goBase64Error('aGVs\nbG8='), undefined);
  assert.equal(goBase64Error('aGVsbA=='), undefined);
  assert.equal(goBase64Error('aGVsbG8'), 4);
  assert.equal(goBase64Error('a'), 0);
  assert.equal(goBase64Error('ab$d'), 2);
  assert.equal(goBase64Error('aGVsbA='), 7);
  assert.equal(goBase64Error('aGVsbA=x'), 6);
  assert.equal(goBase64Error('aGVsbG8=aGVs'), 8);
  assert.equal(goBase64Error('=abc'), 0);
  assert.equal(goBase64Error('aGé='), 2);
});

test('applyDefaults: absent properties of present objects, inside lists and maps', () => {
  const d = deployment() as Record<string, any>;
  d.spec.strategy = { rollingUpdate: {} };
  applyDefaults(d, Deployment);
  assert.equal(d.spec.template.spec.containers[0].ports[0].protocol, 'TCP');
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } });
  const e = deployment() as Record<string, any>;
  applyDefaults(e, Deployment);
  assert.deepEqual(e.spec.strategy, undefined, 'absent objects are not created');
  const M = s.object({ m: s.map(s.object({ a: s.string({ default: 'x' }), list: s.array(s.string(), { default: ['d'] }) })) });
  const v = { m: { k: {} as Record<string, unknown> } };
  applyDefaults(v, M);
  assert.deepEqual(v, { m: { k: { a: 'x', list: ['d'] } } });
  (v.m.k.list as string[]).push('y');
  assert.deepEqual((M.properties!.m!.additionalProperties as Schema).properties!.list!.default, ['d'], 'defaults are copied');
  const n = { spec: { strategy: { type: null } } };
  applyDefaults(n, Deployment);
  assert.equal(n.spec.strategy.type, 'RollingUpdate');
});

test('validateValues: CRD messages', () => {
  const schema = s.object({
    spec: s.object(
      {
        replicas: s.int32({ minimum: 1, maximum: 10 }),
        mode: s.string({ enum: ['a', 'b'] }),
        name: s.string({ minLength: 3, maxLength: 5, pattern: '^[a-z]+$' }),
        tags: s.array(s.string(), { minItems: 1, maxItems: 2, listType: 'set' }),
        ports: s.array(ContainerPort, { listType: 'map', mapKeys: ['containerPort', 'protocol'] }),
        ratio: s.number({ minimum: 0, exclusiveMinimum: true, maximum: 1000000 }),
      },
      { required: ['mode'] },
    ),
  });
  const errs = validateValues(
    {
      spec: {
        replicas: 0,
        name: 'AB',
        tags: ['x', 'y', 'x'],
        ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }],
        ratio: 2000000,
      },
    },
    schema,
  ).map(String);
  assert.deepEqual(errs, [
    'spec.mode: Required value',
    'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
    'spec.name: Invalid value: "AB": spec.name in body should be at least 3 chars long',
    "spec.name: Invalid value: \"AB\": spec.name in body should match '^[a-z]+$'",
    'spec.tags: Too many: 3: must have at most 2 items',
    'spec.tags[2]: Duplicate value: "x"',
    'spec.ports[1]: Duplicate value: map[string]interface {}{"containerPort":80, "protocol":"TCP"}',
    'spec.ratio: Invalid value: 2000000: spec.ratio in body should be less than or equal to 1e+06',
  ]);
  assert.deepEqual(validateValues({ spec: { mode: 'c', name: 'abcdef', tags: [], ratio: 0 } }, schema).map(String), [
    'spec.mode: Unsupported value: "c": supported values: "a", "b"',
    'spec.name: Too long: may not be longer than 5',
    'spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items',
    'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0',
  ]);
  assert.deepEqual(validateValues({ replicas: 11 }, schema.properties!.spec!, 'spec').map(String).slice(0, 2), [
    'spec.mode: Required value',
    'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
  ]);
});

test('goFloat matches Go %v for float64', () => {
  assert.equal(goFloat(1), '1');
  assert.equal(goFloat(1.5), '1.5');
  assert.equal(goFloat(100000), '100000');
  assert.equal(goFloat(1000000), '1e+06');
  assert.equal(goFloat(123456789), '1.23456789e+08');
  assert.equal(goFloat(0.0001), '0.0001');
  assert.equal(goFloat(0.00001), '1e-05');
  assert.equal(goFloat(-2), '-2');
});

test('engine is fast on a big object with shared schemas', () => {
  const d = deployment() as Record<string, any>;
  d.spec.template.spec.containers = Array.from({ length: 200 }, (_, i) => ({
    name: `c${i}`,
    image: 'x',
    ports: Array.from({ length: 5 }, (_, j) => ({ containerPort: 1000 + j })),
    env: Array.from({ length: 20 }, (_, j) => ({ name: `E${j}`, value: 'v' })),
  }));
  const text = JSON.stringify(d);
  for (let r = 0; r < 3; r++) {
    assert.deepEqual(findUnknownFields(d, Deployment), []);
    assert.deepEqual(checkTypes(d, Deployment), []);
    assert.deepEqual(findStrictFieldIssues(text, Deployment), []);
    applyDefaults(d, Deployment);
    assert.deepEqual(validateValues(d, Deployment), []);
  }
});

// The custom resource of upstream's field validation integration test (test/integration/apiserver/field_validation_test.go).
const crdSpecProps = {
  cronSpec: s.string({ pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' }),
  knownField1: s.string(),
  ports: s.array(
    s.object(
      { containerPort: s.int32(), hostIP: s.string(), hostPort: s.int32(), name: s.string(), protocol: s.string() },
      { required: ['containerPort', 'protocol'] },
    ),
    { listType: 'map', mapKeys: ['containerPort', 'protocol'] },
  ),
};
const crdRoot = (spec: Schema): Schema => s.object({ apiVersion: s.string(), kind: s.string(), metadata: ObjectMeta, spec });
const crdBody = `{
  "apiVersion": "stable.example.com/v1", "kind": "CronTab",
  "metadata": {"name": "a", "name": "b", "unknownMeta": "x"},
  "spec": {
    "unknown1": "val1",
    "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2",
    "knownField1": "val1",
    "knownField1": "val2",
    "ports": [{"name": "portName", "containerPort": 8080, "protocol": "TCP", "hostPort": 8081, "hostPort": 8082, "unknownNested": "val"}],
    "embeddedObj": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "unknownEmbeddedMeta": "x"}}
  }
}`;

test('strict issues, custom resource style (upstream integration test expectations)', () => {
  const withSchema = crdRoot(s.object(crdSpecProps));
  const mergePatch = `{"spec": {"unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2", "knownField1": "val1", "knownField1": "val2",
    "ports": [{"name": "portName", "containerPort": 8080, "protocol": "TCP", "hostPort": 8081, "hostPort": 8082, "unknownNested": "val"}]}}`;
  assert.equal(
    formatStrictDecodingError(findStrictFieldIssues(mergePatch, withSchema, { style: 'crd' })),
    'strict decoding error: duplicate field "spec.unknownDupe", duplicate field "spec.knownField1", duplicate field "spec.ports[0].hostPort", ' +
      'unknown field "spec.ports[0].unknownNested", unknown field "spec.unknown1", unknown field "spec.unknownDupe"',
  );
  const schemaless = crdRoot(
    s.object(
      { ...crdSpecProps, embeddedObj: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
      { 'x-kubernetes-preserve-unknown-fields': true },
    ),
  );
  assert.equal(
    formatStrictDecodingError(findStrictFieldIssues(crdBody, schemaless, { style: 'crd' })),
    'strict decoding error: duplicate field "metadata.name", duplicate field "spec.unknownDupe", duplicate field "spec.knownField1", ' +
      'duplicate field "spec.ports[0].hostPort", unknown field "metadata.unknownMeta", unknown field "spec.ports[0].unknownNested", ' +
      'unknown field "spec.embeddedObj.metadata.unknownEmbeddedMeta"',
  );
  const pruned = prune(JSON.parse(crdBody), schemaless) as Record<string, any>;
  assert.deepEqual(pruned.spec.embeddedObj, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  assert.equal(pruned.spec.unknown1, 'val1');
});
