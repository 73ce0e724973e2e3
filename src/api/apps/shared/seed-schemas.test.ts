/**
 * The seed's built-in objects (Deployments, HPA, NetworkPolicies) pass the schema engine's strict
 * checks with these schemas (no unknown fields, no type mismatches) and then defaults + validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, ResourceDef, StrategyContext } from '../../types.js';
import { checkTypes, findUnknownFields } from '../../schema/engine/index.js';
import { resources as apps } from '../v1/index.js';
import { resources as autoscaling } from '../../autoscaling/v2/index.js';
import { resources as networking } from '../../networking/v1/index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };
const defs: ResourceDef[] = [...apps, ...autoscaling, ...networking];
const text = readFileSync(new URL('./testdata/seed-builtins.yaml', import.meta.url), 'utf8');
const objects = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);

test('seed built-ins: strict schema checks, defaults and validation', () => {
  assert.equal(objects.length, 7);
  for (const obj of objects) {
    const def = defs.find((d) => `${d.group}/${d.version}` === obj.apiVersion && d.kind === obj.kind);
    assert.ok(def, `${obj.apiVersion} ${obj.kind}`);
    assert.deepEqual(findUnknownFields(obj, def.schema), [], obj.metadata.name);
    assert.deepEqual(checkTypes(obj, def.schema), [], obj.metadata.name);
    def.strategy?.defaults?.(obj);
    def.strategy?.prepareForCreate?.(obj, ctx);
    assert.deepEqual(def.strategy?.validate?.(obj, ctx).map(String) ?? [], [], obj.metadata.name);
    // Defaulted objects still satisfy the schema (defaults only add known fields).
    assert.deepEqual(findUnknownFields(obj, def.schema), [], `${obj.metadata.name} after defaults`);
  }
});
