import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import { builtinResources } from '../../api/builtin.js';
import { createWritePipeline } from './write-pipeline.js';

const ctx: StrategyContext = { now: new Date(), user: { username: 'admin', groups: ['system:masters'] }, subresource: '' };
const PREFER = 'metadata.finalizers[0]: "cleanup": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers';

function configMapDef(): ResourceDef {
  const def = builtinResources().find((d) => d.group === '' && d.kind === 'ConfigMap');
  assert.ok(def);
  return def;
}

function obj(finalizers: string[]): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', finalizers } } as KubeObject;
}

test('built-in kinds: a finalizer name without a domain is an error', () => {
  const p = createWritePipeline();
  assert.throws(() => p.admitCreate(configMapDef(), obj(['cleanup']), ctx), /finalizers/);
});

test('custom kinds: a finalizer name without a domain is upstream\'s warning, on create and update', () => {
  const p = createWritePipeline();
  const def: ResourceDef = { ...configMapDef(), custom: true };
  const created = obj(['cleanup']);
  assert.deepEqual(p.admitCreate(def, created, ctx), [PREFER]);
  assert.deepEqual(created.metadata.finalizers, ['cleanup']);
  const updated = obj(['cleanup']);
  assert.deepEqual(p.admitUpdate(def, updated, obj(['cleanup']), ctx), [PREFER]);
  assert.deepEqual(p.admitCreate(def, obj(['example.com/cleanup']), ctx), []);
});
