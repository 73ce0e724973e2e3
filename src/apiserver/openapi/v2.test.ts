import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRegistry } from '../../api/registry.js';
import type { ResourceDef } from '../../api/types.js';
import { s } from '../../api/schema/index.js';
import { kindSchema } from '../../api/meta/v1.js';
import { OpenApiV3Service } from './index.js';

type J = Record<string, any>;

const deployments: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  schema: kindSchema('io.k8s.api.apps.v1.Deployment', { group: 'apps', version: 'v1', kind: 'Deployment' }, {
    spec: s.object({ replicas: s.int32(), maxSurge: s.intOrString({ description: 'surge' }), tags: s.array(s.string({ enum: ['a', 'b'] })) }, { id: 'io.k8s.api.apps.v1.DeploymentSpec' }),
  }),
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
};
const pods: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  schema: kindSchema('io.k8s.api.core.v1.Pod', { group: '', version: 'v1', kind: 'Pod' }, { spec: s.object({ nodeName: s.string() }) }),
};

/** A generic protobuf wire decoder: field number → list of raw values (Uint8Array for length-delimited). */
function decode(buf: Uint8Array): Map<number, (Uint8Array | number)[]> {
  const out = new Map<number, (Uint8Array | number)[]>();
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    let val: Uint8Array | number;
    if (wire === 0) val = varint();
    else if (wire === 2) {
      const n = varint();
      val = buf.subarray(i, i + n);
      i += n;
    } else if (wire === 1) {
      val = new DataView(buf.buffer, buf.byteOffset + i, 8).getFloat64(0, true);
      i += 8;
    } else throw new Error(`wire type ${wire}`);
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(val);
  }
  return out;
}
const str = (b: Uint8Array | number | undefined) => new TextDecoder().decode(b as Uint8Array);
const msg = (m: Map<number, (Uint8Array | number)[]>, f: number) => (m.get(f) ?? []).map((b) => decode(b as Uint8Array));

test('v2 JSON: refs resolve, references carry no type, int-or-string is a string format', () => {
  const svc = new OpenApiV3Service(new ApiRegistry([pods, deployments]), { version: 'v1.32.0' });
  const doc = JSON.parse(svc.v2().json) as J;
  assert.equal(doc.swagger, '2.0');
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as J;
    if (typeof o.$ref === 'string') {
      assert.match(o.$ref, /^#\/definitions\//);
      assert.ok(doc.definitions[o.$ref.slice('#/definitions/'.length)], o.$ref);
      assert.equal(o.type, undefined);
      assert.equal(o.properties, undefined);
    }
    assert.equal(o.allOf, undefined);
    assert.equal(o.oneOf, undefined);
    Object.values(o).forEach(walk);
  };
  walk(doc);
  assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.maxSurge, {
    $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    description: 'surge',
  });
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.deepEqual(patch.consumes, [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ]);
  assert.deepEqual(patch.parameters[0], { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
  assert.ok(patch.parameters.some((p: J) => p.name === 'fieldValidation' && p.in === 'query' && p.type === 'string'));
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].get);
  const gvks = doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'];
  assert.ok(gvks.some((g: J) => g.group === 'apps') && gvks.some((g: J) => g.group === ''));
});

test('v2 protobuf: gnostic Document with the PATCH operation kubectl 1.27/1.28 probe', () => {
  const svc = new OpenApiV3Service(new ApiRegistry([pods, deployments]), { version: 'v1.32.0' });
  const v2 = svc.v2();
  assert.equal(svc.v2(), v2, 'cached');
  const root = decode(v2.protobuf);
  assert.equal(str(root.get(1)![0]), '2.0');
  const info = msg(root, 2)[0]!;
  assert.equal(str(info.get(2)![0]), 'v1.32.0');
  const paths = msg(root, 8)[0]!;
  const items = msg(paths, 2);
  const named = items.find((np) => str(np.get(1)![0]) === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
  assert.ok(named);
  const pathItem = msg(named, 2)[0]!;
  const patch = msg(pathItem, 8)[0]!; // PathItem.patch = 8
  assert.equal(str(patch.get(5)![0]), 'patchAppsV1NamespacedDeployment');
  const ext = msg(patch, 13).map((na) => [str(na.get(1)![0]), str(msg(na, 2)[0]!.get(2)![0])]);
  assert.deepEqual(ext.find(([k]) => k === 'x-kubernetes-group-version-kind'), ['x-kubernetes-group-version-kind', '{"group":"apps","version":"v1","kind":"Deployment"}']);
  const queryNames = msg(patch, 8)
    .map((pi) => msg(pi, 1)[0]) // ParametersItem.parameter
    .map((p) => (p ? msg(p, 2)[0] : undefined)) // Parameter.non_body_parameter
    .map((nb) => (nb ? msg(nb, 3)[0] : undefined)) // NonBodyParameter.query_parameter_sub_schema
    .filter((q): q is Map<number, (Uint8Array | number)[]> => q !== undefined)
    .map((q) => str(q.get(4)![0]));
  assert.deepEqual(queryNames, ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
  const defs = msg(root, 9)[0]!;
  const names = msg(defs, 1).map((ns) => str(ns.get(1)![0]));
  assert.ok(names.includes('io.k8s.api.apps.v1.Deployment'));
  assert.deepEqual([...names].sort(), names, 'definitions sorted');
  const dep = msg(msg(defs, 1).find((ns) => str(ns.get(1)![0]) === 'io.k8s.api.apps.v1.DeploymentSpec')!, 2)[0]!;
  const props = msg(msg(dep, 25)[0]!, 1).map((ns) => str(ns.get(1)![0]));
  assert.deepEqual(props, ['replicas', 'maxSurge', 'tags']);
});
