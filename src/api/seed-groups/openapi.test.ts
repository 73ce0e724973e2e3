// The seed's CRD-served kinds in OpenAPI v3 and v2 (what kubectl's strict validation and explain read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRegistry } from '../registry.js';
import { servedResources } from '../builtin.js';
import { OpenApiV3Service } from '../../apiserver/openapi/index.js';
import { seedGroupResources } from './index.js';

type J = Record<string, any>;

test('each seed kind has one explain-able component per served version, PATCH with fieldValidation, resolvable refs, no x-flotilla-*', () => {
  const svc = new OpenApiV3Service(new ApiRegistry(servedResources()), { version: 'v1.32.0' });
  const index = svc.index();
  for (const def of seedGroupResources()) {
    const key = `apis/${def.group}/${def.version}`;
    assert.ok(index.paths[key], key);
    const d = JSON.parse(svc.document(key)!.body) as J;
    const same = (g: J) => g.group === def.group && g.version === def.version && g.kind === def.kind;
    const components = Object.entries(d.components.schemas as J).filter(([, c]) => ((c as J)['x-kubernetes-group-version-kind'] ?? []).some(same));
    assert.equal(components.length, 1, `${key} ${def.kind}: one component with its GVK`);
    const [, component] = components[0]!;
    assert.ok((component as J).properties.spec, `${def.kind}: spec`);
    const patches = Object.values(d.paths as J).map((item) => (item as J).patch).filter((op) => op && same(op['x-kubernetes-group-version-kind']));
    assert.ok(patches.length > 0, `${def.kind}: a PATCH operation`);
    for (const op of patches) assert.ok(op.parameters.some((p: J) => p.name === 'fieldValidation'));
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
  // The seed-only fields are documented, so `kubectl explain` shows what to use instead.
  const dr = JSON.parse(svc.document('apis/networking.istio.io/v1beta1')!.body) as J;
  const drSchema = Object.values(dr.components.schemas as J).find((c) => (c as J)['x-kubernetes-group-version-kind']?.[0]?.kind === 'DestinationRule') as J;
  assert.match(drSchema.properties.spec.properties.trafficPolicy.properties.circuitBreaker.description, /^Not an Istio field/);

  const v2 = JSON.parse(svc.v2().json) as J;
  for (const def of seedGroupResources()) {
    const found = Object.values(v2.definitions as J).some((c) => ((c as J)['x-kubernetes-group-version-kind'] ?? []).some((g: J) => g.group === def.group && g.version === def.version && g.kind === def.kind));
    assert.ok(found, `v2: ${def.group}/${def.version} ${def.kind}`);
  }
  assert.ok(svc.v2().protobuf.length > 0);
});
