import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type JsonValue, applyMergePatch, createMergePatch } from './index.js';

describe('applyMergePatch (RFC 7386)', () => {
  // The RFC's appendix A examples.
  const cases: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases)
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => assert.deepEqual(applyMergePatch(target, patch), want));

  it('kubectl scale body', () => {
    assert.deepEqual(applyMergePatch({ spec: { replicas: 1, selector: {} } }, { spec: { replicas: 3 } }), { spec: { replicas: 3, selector: {} } });
  });

  it('is pure', () => {
    const t = { a: { b: [1] }, c: 1 };
    const p = { a: { d: { e: 1 } } };
    const out = applyMergePatch(t, p) as { a: { b: number[]; d: { e: number } }; c: number };
    out.a.b.push(2);
    out.a.d.e = 9;
    assert.deepEqual(t, { a: { b: [1] }, c: 1 });
    assert.deepEqual(p, { a: { d: { e: 1 } } });
  });
});

describe('merge patch laws (properties)', () => {
  const key = fc.constantFrom('a', 'b', 'c');
  const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 2 }), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
  const noNulls: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.dictionary(key, tie('v'), { maxKeys: 3, noNullPrototype: true })),
  })).v;
  const patch: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.constant(null), fc.dictionary(key, tie('v'), { maxKeys: 3, noNullPrototype: true })),
  })).v;

  it('applying the created patch reaches the target (targets without nulls)', () => {
    fc.assert(fc.property(noNulls, noNulls, (a, b) => assert.deepEqual(applyMergePatch(a, createMergePatch(a, b)), b)));
  });
  it('idempotent: applying a patch twice equals applying it once', () => {
    fc.assert(
      fc.property(noNulls, patch, (t, p) => {
        const once = applyMergePatch(t, p);
        assert.deepEqual(applyMergePatch(once, p), once);
      }),
    );
  });
  it('the empty object is the identity patch for objects; a diff of equal values is empty', () => {
    fc.assert(
      fc.property(fc.dictionary(key, noNulls, { noNullPrototype: true }), (t) => {
        assert.deepEqual(applyMergePatch(t, {}), t);
        assert.deepEqual(createMergePatch(t, t), {});
      }),
    );
  });
});

describe('applyMergePatchToObject (apiserver flavour)', () => {
  it('requires an object patch', async () => {
    const { applyMergePatchToObject, PatchError } = await import('./index.js');
    assert.deepEqual(applyMergePatchToObject({ a: 1 }, { b: 2 }), { a: 1, b: 2 });
    assert.throws(() => applyMergePatchToObject({ a: 1 }, null), (e: unknown) => e instanceof PatchError && e.code === 400 && e.message === 'Invalid JSON Patch');
    assert.throws(() => applyMergePatchToObject({ a: 1 }, [1]), {
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    });
  });
});
