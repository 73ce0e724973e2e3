// OpenAPI over every built-in resource: what kubectl needs holds for all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRegistry } from '../../api/registry.js';
import { builtinResources } from '../../api/builtin.js';
import { OpenApiV3Service } from './index.js';

type J = Record<string, any>;

test('every built-in kind: PATCH ops with fieldValidation, an explain-able component, resolvable refs', () => {
  const defs = builtinResources();
  const svc = new OpenApiV3Service(new ApiRegistry(defs), { version: 'v1.32.0' });
  const index = svc.index();
  for (const def of defs) {
    const key = def.group === '' ? `api/${def.version}` : `apis/${def.group}/${def.version}`;
    assert.ok(index.paths[key], key);
    const d = JSON.parse(svc.document(key)!.body) as J;
    const schemas = d.components.schemas as J;
    const gvk = { group: def.group, version: def.version, kind: def.kind };
    const same = (g: J) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind;
    const patches = Object.values(d.paths as J)
      .map((item) => (item as J).patch)
      .filter((op) => op && same(op['x-kubernetes-group-version-kind']));
    if ((def.verbs ?? ['patch']).includes('patch')) {
      assert.ok(patches.length > 0, `${def.kind}: a PATCH operation`);
      for (const op of patches) assert.ok(op.parameters.some((p: J) => p.name === 'fieldValidation'), `${def.kind}: fieldValidation on ${op.operationId}`);
    }
    const components = Object.values(schemas).filter((c: J) => (c['x-kubernetes-group-version-kind'] ?? []).some(same));
    assert.equal(components.length, 1, `${def.kind}: one component with its GVK`);
  }
  for (const key of Object.keys(index.paths)) {
    const d = JSON.parse(svc.document(key)!.body) as J;
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (typeof v !== 'object' || v === null) return;
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref') assert.ok(d.components.schemas[String(x).replace('#/components/schemas/', '')], `${key}: ${x}`);
        assert.ok(!k.startsWith('x-flotilla-'), `${key}: ${k}`);
        walk(x);
      }
    };
    walk(d);
  }
  const v2 = JSON.parse(svc.v2().json) as J;
  for (const [name, def] of Object.entries(v2.definitions as J)) {
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (typeof v !== 'object' || v === null) return;
      const o = v as J;
      if (typeof o.$ref === 'string') {
        assert.ok(v2.definitions[o.$ref.replace('#/definitions/', '')], `${name}: ${o.$ref}`);
        assert.equal(o.type, undefined, `${name}: $ref with a type`);
      }
      if (o.type === 'array') assert.ok(o.items && typeof o.items === 'object', `${name}: array without items`);
      Object.values(o).forEach(walk);
    };
    walk(def);
  }
});
