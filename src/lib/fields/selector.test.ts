import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FieldSelectorError,
  escapeValue,
  exactMatch,
  fieldSelectorFromSet,
  fieldSelectorToString,
  fieldsMatch,
  fieldsUsed,
  isEverythingFields,
  parseFieldSelector,
  transformFieldSelector,
  unescapeValue,
  unsupportedFieldLabel,
} from './index.js';

const pod: Record<string, string> = {
  'metadata.name': 'web-1',
  'metadata.namespace': 'default',
  'spec.nodeName': 'node-a',
  'status.phase': 'Running',
};
const get = (f: string) => pod[f];

describe('parseFieldSelector', () => {
  it('parses and prints canonically (terms sorted by raw text, == printed as =)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['metadata.name=x', 'metadata.name=x'],
      ['status.phase!=Running,metadata.name==x', 'metadata.name=x,status.phase!=Running'],
      ['a=b\\,c', 'a=b\\,c'],
      ['a=b\\=c\\\\', 'a=b\\=c\\\\'],
      ['a=', 'a='],
      ['a=b,', 'a=b'],
      [',,a=b', 'a=b'],
    ];
    for (const [input, want] of cases) assert.equal(fieldSelectorToString(parseFieldSelector(input)), want, input);
    assert.deepEqual(parseFieldSelector('a=b\\,c').terms, [{ field: 'a', operator: '=', value: 'b,c' }]);
  });

  it('rejects bad input with upstream messages', () => {
    assert.throws(() => parseFieldSelector('foo'), { message: "invalid selector: 'foo'; can't understand 'foo'" });
    assert.throws(() => parseFieldSelector('a=b,c'), { message: "invalid selector: 'a=b,c'; can't understand 'c'" });
    assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: 61' });
    assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
    assert.throws(() => parseFieldSelector('a=b\\'), { message: 'invalid field selector: invalid escape sequence: \\' });
    assert.throws(() => parseFieldSelector('a=b\\'), FieldSelectorError);
  });

  it('the first operator occurrence splits (no escaping in field names)', () => {
    assert.deepEqual(parseFieldSelector('a!=b').terms, [{ field: 'a', operator: '!=', value: 'b' }]);
    assert.deepEqual(parseFieldSelector('a==b').terms, [{ field: 'a', operator: '==', value: 'b' }]);
    assert.deepEqual(parseFieldSelector('!=b').terms, [{ field: '', operator: '!=', value: 'b' }]);
  });
});

describe('fieldsMatch', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name==web-1', true],
    ['metadata.name=web-2', false],
    ['spec.nodeName=node-a,status.phase!=Succeeded,status.phase!=Failed', true],
    ['status.phase!=Running', false],
    ['spec.unknown=', true],
    ['spec.unknown!=', false],
  ];
  for (const [sel, want] of cases) it(`${sel || '(empty)'} → ${want}`, () => assert.equal(fieldsMatch(parseFieldSelector(sel), get), want));
});

describe('helpers', () => {
  it('fieldsUsed, exactMatch, isEverythingFields', () => {
    const sel = parseFieldSelector('metadata.name=x,status.phase!=A,status.phase!=B');
    assert.deepEqual(fieldsUsed(sel), ['metadata.name', 'status.phase']);
    assert.equal(exactMatch(sel, 'metadata.name'), 'x');
    assert.equal(exactMatch(sel, 'status.phase'), undefined);
    assert.equal(exactMatch(parseFieldSelector('metadata.name==a\\,b'), 'metadata.name'), 'a,b');
    assert.equal(isEverythingFields(parseFieldSelector('')), true);
    assert.equal(isEverythingFields(sel), false);
  });
  it('fieldSelectorFromSet and transform', () => {
    const sel = fieldSelectorFromSet({ 'spec.nodeName': 'n', 'metadata.name': 'a=b' });
    assert.equal(fieldSelectorToString(sel), 'metadata.name=a\\=b,spec.nodeName=n');
    const renamed = transformFieldSelector(sel, (f, v) => [f === 'spec.nodeName' ? 'spec.host' : f, v]);
    assert.equal(fieldSelectorToString(renamed), 'metadata.name=a\\=b,spec.host=n');
    assert.equal(unsupportedFieldLabel('foo').message, 'field label not supported: foo');
  });
});

describe('properties', () => {
  it('unescape ∘ escape = id', () => {
    fc.assert(fc.property(fc.string(), (s) => assert.equal(unescapeValue(escapeValue(s)), s)));
  });
  it('parse ∘ toString is a fixed point and keeps values', () => {
    const field = fc.stringMatching(/^[a-z][a-zA-Z.]{0,10}$/);
    const term = fc.record({ field, op: fc.constantFrom('=', '==', '!='), value: fc.string({ maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(term, { maxLength: 4 }), (terms) => {
        const text = terms.map((t) => `${t.field}${t.op}${escapeValue(t.value)}`).join(',');
        const once = fieldSelectorToString(parseFieldSelector(text));
        assert.equal(fieldSelectorToString(parseFieldSelector(once)), once);
        const values = parseFieldSelector(text).terms.map((t) => t.value).sort();
        assert.deepEqual(values, terms.map((t) => t.value).sort());
      }),
    );
  });
});
