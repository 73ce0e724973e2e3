import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s } from '../../api/schema/index.js';
import { fieldTypeOf } from './schema-type.js';
import type { FieldType } from '../../lib/structured-merge/index.js';

function list(t: FieldType | undefined) {
  assert.equal(t?.kind, 'list');
  return t as Extract<FieldType, { kind: 'list' }>;
}

test('list types: x-kubernetes-list-type first, else the strategic merge key, else atomic', () => {
  const t = fieldTypeOf(
    s.object({
      ports: s.array(s.object({ containerPort: s.int32(), protocol: s.string({ default: 'TCP' }) }), { listType: 'map', mapKeys: ['containerPort', 'protocol'] }),
      env: s.array(s.object({ name: s.string() }), { mergeKey: 'name', strategy: 'merge' }),
      finalizers: s.array(s.string(), { strategy: 'merge' }),
      args: s.array(s.string()),
      labels: s.map(s.string()),
    }),
  );
  assert.equal(t.kind, 'map');
  const field = (n: string) => (t.kind === 'map' ? t.field(n) : undefined);
  const ports = list(field('ports')?.type);
  assert.deepEqual([ports.listType, ports.keys, ports.keyDefault?.('protocol')], ['map', ['containerPort', 'protocol'], 'TCP']);
  const env = list(field('env')?.type);
  assert.deepEqual([env.listType, env.keys], ['map', ['name']]);
  assert.equal(list(field('finalizers')?.type).listType, 'set');
  assert.equal(list(field('args')?.type).listType, 'atomic');
  const labels = field('labels')!;
  assert.equal(labels.declared, true);
  assert.equal(labels.type.kind, 'map');
  assert.equal(labels.type.kind === 'map' && labels.type.field('anything')?.declared, false);
  assert.equal(field('unknown'), undefined);
});

test('preserve-unknown-fields without properties is untyped; atomic maps are leaves', () => {
  assert.equal(fieldTypeOf({ 'x-kubernetes-preserve-unknown-fields': true }).kind, 'untyped');
  const atomic = fieldTypeOf({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-map-type': 'atomic' });
  assert.equal(atomic.kind === 'map' && atomic.atomic, true);
  assert.equal(fieldTypeOf({ type: 'string' }).kind, 'scalar');
  assert.equal(fieldTypeOf({ 'x-kubernetes-int-or-string': true }).kind, 'scalar');
});
