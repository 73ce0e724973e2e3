/**
 * Structured merge: FieldsV1 encoding, path printing, and properties of the set algebra, compare,
 * merge and apply over a small typed schema (fast-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FieldSet, SCALAR, UNTYPED, apply, compare, itemElement, merge, pathString, toFieldSet, update, type FieldType, type Json, type ManagedFields, type Path } from './index.js';

const struct = (fields: Record<string, FieldType>, opts: { extra?: FieldType; atomic?: boolean } = {}): FieldType => ({
  kind: 'map',
  atomic: opts.atomic ?? false,
  field: (n) => (Object.hasOwn(fields, n) ? { type: fields[n]!, declared: true } : opts.extra ? { type: opts.extra, declared: false } : undefined),
});
const mapOf = (element: FieldType): FieldType => ({ kind: 'map', atomic: false, field: () => ({ type: element, declared: false }) });

const ITEM = struct({ name: SCALAR, value: SCALAR, port: SCALAR, protocol: SCALAR });
const ROOT = struct({
  name: SCALAR,
  spec: struct({
    replicas: SCALAR,
    labels: mapOf(SCALAR),
    items: { kind: 'list', listType: 'map', keys: ['name'], element: ITEM },
    ports: { kind: 'list', listType: 'map', keys: ['port', 'protocol'], element: ITEM, keyDefault: (k) => (k === 'protocol' ? 'TCP' : undefined) },
    tags: { kind: 'list', listType: 'set', keys: [], element: SCALAR },
    blob: { kind: 'list', listType: 'atomic', keys: [], element: SCALAR },
    free: UNTYPED,
  }),
});

const arbSpec = fc.record(
  {
    replicas: fc.integer({ min: 0, max: 3 }),
    labels: fc.dictionary(fc.constantFrom('k1', 'k2', 'k3'), fc.constantFrom('1', '2')),
    items: fc.uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.constantFrom('x', 'y') }, { requiredKeys: ['name'] }), { selector: (i) => i.name, maxLength: 4 }),
    tags: fc.uniqueArray(fc.constantFrom('t1', 't2', 't3'), { maxLength: 3 }),
    blob: fc.array(fc.constantFrom('b1', 'b2'), { maxLength: 2 }),
    free: fc.dictionary(fc.constantFrom('u', 'v'), fc.constantFrom(1, 2)),
  },
  { requiredKeys: [] },
);
// Plain JSON (fast-check makes null-prototype dictionaries, which strict deepEqual tells apart).
const arbObj = fc.record({ name: fc.constant('n'), spec: arbSpec }, { requiredKeys: [] }).map((v) => JSON.parse(JSON.stringify(v)) as Json);

const arbSet = fc
  .array(fc.array(fc.constantFrom('f:a', 'f:b', 'k:{"name":"x"}', 'v:"t"', 'f:c'), { minLength: 1, maxLength: 4 }), { maxLength: 8 })
  .map((paths) => FieldSet.of(paths));

/**
 * Whether `obj` has every field `config` sets, with config's value (empty lists set nothing, as
 * upstream: they may be gone).
 */
function holds(obj: Json, config: Json): boolean {
  const c = compare(config, obj, ROOT);
  const set = toFieldSet(config, ROOT);
  return c.removed.intersection(set).isEmpty() && c.modified.intersection(set).isEmpty();
}

test('FieldsV1: "." marks a member with children; round trip; bad input refused', () => {
  const s = FieldSet.of([['f:data'], ['f:data', 'f:a'], ['f:spec', 'f:containers', 'k:{"name":"web"}'], ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']]);
  assert.deepEqual(s.toFieldsV1(), {
    'f:data': { '.': {}, 'f:a': {} },
    'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } },
  });
  assert.ok(FieldSet.fromFieldsV1(s.toFieldsV1()).equals(s));
  assert.throws(() => FieldSet.fromFieldsV1({ 'x:y': {} }));
  assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }));
  fc.assert(fc.property(arbSet, (a) => FieldSet.fromFieldsV1(a.toFieldsV1()).equals(a)));
});

test('paths print as upstream: fields, keys (strings quoted), set values', () => {
  assert.equal(pathString(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']), '.spec.containers[name="web"].image');
  assert.equal(pathString(['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}']), '.ports[containerPort=80,protocol="TCP"]');
  assert.equal(pathString(['f:finalizers', 'v:"a"']), '.finalizers[=\"a\"]');
});

test('set algebra: union, difference and intersection agree', () => {
  fc.assert(
    fc.property(arbSet, arbSet, (a, b) => {
      assert.ok(a.union(b).intersection(a).equals(a));
      assert.ok(a.difference(b).intersection(b).isEmpty());
      assert.ok(a.difference(b).union(a.intersection(b)).equals(a));
      assert.ok(a.union(b).equals(b.union(a)));
    }),
  );
});

test('toFieldSet: declared fields are not members, map entries and list items are; keys default', () => {
  const v = { spec: { labels: { k1: '1' }, items: [{ name: 'a', value: 'x' }], tags: ['t1'], blob: ['b1'], ports: [{ port: 80 }] } } as Json;
  assert.deepEqual(toFieldSet(v, ROOT).toFieldsV1(), {
    'f:spec': {
      'f:labels': { 'f:k1': {} },
      'f:items': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
      'f:tags': { 'v:"t1"': {} },
      'f:blob': {},
      'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } },
    },
  });
});

test('compare: nothing changes from a value to itself; swapping sides swaps added and removed', () => {
  fc.assert(
    fc.property(arbObj, arbObj, (x, y) => {
      const same = compare(x, x, ROOT);
      assert.ok(same.added.isEmpty() && same.modified.isEmpty() && same.removed.isEmpty());
      const xy = compare(x, y, ROOT);
      const yx = compare(y, x, ROOT);
      assert.ok(xy.added.equals(yx.removed));
      assert.ok(xy.removed.equals(yx.added));
      assert.ok(xy.modified.equals(yx.modified));
    }),
  );
});

test('merge: idempotent, keeps every applied field and value, live-only list items survive in order', () => {
  fc.assert(
    fc.property(arbObj, arbObj, (live, config) => {
      assert.deepEqual(merge(live, live, ROOT), live);
      const m = merge(live, config, ROOT);
      assert.ok(holds(m, config), 'every applied field is in the result with its value');
      // Applying the result again changes nothing.
      assert.deepEqual(merge(m, config, ROOT), m);
    }),
  );
  const out = merge({ spec: { items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } }, { spec: { items: [{ name: 'c', value: 'x' }, { name: 'd' }] } }, ROOT);
  assert.deepEqual(out, { spec: { items: [{ name: 'a' }, { name: 'b' }, { name: 'c', value: 'x' }, { name: 'd' }] } });
});

test('apply: idempotent for one manager; applying nothing afterwards removes what it applied', () => {
  fc.assert(
    fc.property(arbObj, (config) => {
      const first = apply({}, config, ROOT, 'v1', new Map(), 'a', false);
      assert.ok(first.ok);
      const second = apply(first.object, config, ROOT, 'v1', first.managers, 'a', false);
      assert.ok(second.ok);
      assert.deepEqual(second.object, first.object);
      assert.equal(second.changed, false);
      const gone = apply(second.object, {}, ROOT, 'v1', second.managers, 'a', false);
      assert.ok(gone.ok);
      // Empty lists own nothing (as upstream), so they may stay behind; no field does.
      assert.ok(toFieldSet(gone.object, ROOT).isEmpty(), JSON.stringify(gone.object));
      assert.equal(gone.managers.size, 0);
    }),
  );
});

test('apply: a second manager changing owned values conflicts; with force it owns them and the first loses them', () => {
  fc.assert(
    fc.property(arbObj, arbObj, (c1, c2) => {
      const a = apply({}, c1, ROOT, 'v1', new Map(), 'a', false);
      assert.ok(a.ok);
      const changed = compare(a.object, merge(a.object, c2, ROOT), ROOT);
      const taken = a.managers.get('a')?.set.intersection(changed.modified.union(changed.added)) ?? FieldSet.empty();
      const b = apply(a.object, c2, ROOT, 'v1', a.managers, 'b', false);
      assert.equal(b.ok, taken.isEmpty(), JSON.stringify({ c1, c2 }));
      if (!b.ok) {
        assert.ok(b.conflicts.every((c) => c.manager === 'a' && taken.has(c.path)));
        const forced = apply(a.object, c2, ROOT, 'v1', a.managers, 'b', true);
        assert.ok(forced.ok);
        const left = forced.managers.get('a')?.set ?? FieldSet.empty();
        assert.ok(left.intersection(taken).isEmpty());
        assert.ok(holds(forced.object, c2));
      }
    }),
  );
});

test('apply: fields another manager also owns are not removed when the applier drops them', () => {
  const a = apply({}, { spec: { labels: { k1: '1', k2: '2' } } }, ROOT, 'v1', new Map(), 'a', false);
  assert.ok(a.ok);
  const b = apply(a.object, { spec: { labels: { k2: '2' } } }, ROOT, 'v1', a.managers, 'b', false);
  assert.ok(b.ok);
  const a2 = apply(b.object, { spec: {} }, ROOT, 'v1', b.managers, 'a', false);
  assert.ok(a2.ok);
  assert.deepEqual(a2.object, { spec: { labels: { k2: '2' } } });
});

test('update: the writer owns what it changed, others lose it, removal drops ownership', () => {
  let m: ManagedFields = new Map();
  m = update({}, { spec: { replicas: 1, labels: { k1: '1' } } }, ROOT, 'v1', m, 'create');
  assert.deepEqual(m.get('create')!.set.toFieldsV1(), { 'f:spec': { '.': {}, 'f:replicas': {}, 'f:labels': { '.': {}, 'f:k1': {} } } });
  m = update({ spec: { replicas: 1, labels: { k1: '1' } } }, { spec: { replicas: 2, labels: {} } }, ROOT, 'v1', m, 'edit');
  assert.deepEqual(m.get('edit')!.set.toFieldsV1(), { 'f:spec': { 'f:replicas': {} } });
  assert.deepEqual(m.get('create')!.set.toFieldsV1(), { 'f:spec': { '.': {}, 'f:labels': {} } });
});

/** Whether the field or item at `path` exists in `v` (typed by `t`). */
function exists(v: Json | undefined, path: Path, t: FieldType): boolean {
  let cur: Json | undefined = v;
  let type: FieldType = t;
  for (const e of path) {
    if (cur === undefined || cur === null || typeof cur !== 'object') return false;
    if (e.startsWith('f:')) {
      if (Array.isArray(cur)) return false;
      const k = e.slice(2);
      if (!Object.hasOwn(cur, k)) return false;
      cur = cur[k];
      type = type.kind === 'map' ? (type.field(k)?.type ?? UNTYPED) : UNTYPED;
    } else {
      if (!Array.isArray(cur) || type.kind !== 'list') return false;
      const lt = type;
      const items: Json[] = cur;
      const i = items.findIndex((item, idx) => itemElement(lt, item, idx) === e);
      if (i < 0) return false;
      cur = items[i];
      type = lt.element;
    }
  }
  return true;
}

test('any sequence of applies and updates by several managers: every owned field exists in the object', () => {
  const op = fc.record({
    kind: fc.constantFrom('apply', 'update'),
    manager: fc.constantFrom('a', 'b', 'c'),
    value: arbObj,
    force: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), (ops) => {
      let obj: Json = {};
      let managers: ManagedFields = new Map();
      for (const o of ops) {
        if (o.kind === 'update') {
          managers = update(obj, o.value, ROOT, 'v1', managers, `u-${o.manager}`);
          obj = o.value;
        } else {
          const r = apply(obj, o.value, ROOT, 'v1', managers, o.manager, o.force);
          if (!r.ok) {
            assert.ok(!o.force);
            continue;
          }
          obj = r.object;
          managers = r.managers;
          assert.ok(holds(obj, o.value), 'the applied configuration holds');
        }
        for (const [m, vs] of managers) {
          assert.ok(!vs.set.isEmpty(), `${m} has an empty set`);
          for (const p of vs.set.paths()) assert.ok(exists(obj, p, ROOT), `${m} owns ${pathString(p)}, missing from ${JSON.stringify(obj)}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});
