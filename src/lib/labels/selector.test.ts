import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SelectorError,
  everything,
  isEverything,
  matches,
  newRequirement,
  nothing,
  parseSelector,
  requiresExactMatch,
  selectorFromLabelSelector,
  selectorFromSet,
  selectorToString,
  validateLabelSelector,
} from './index.js';

function parseError(s: string): string {
  try {
    parseSelector(s);
  } catch (e) {
    assert.ok(e instanceof SelectorError);
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} not to parse`);
}

describe('parseSelector', () => {
  it('accepts the upstream syntax and prints it canonically', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['   ', ''],
      ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
      ['z=c,x=a', 'x=a,z=c'],
      ['x!=a,y=b', 'x!=a,y=b'],
      ['x==a', 'x==a'],
      ['x=', 'x='],
      ['x= ', 'x='],
      ['x=,z= ', 'x=,z='],
      ['x= ,z= ', 'x=,z='],
      ['!x', '!x'],
      ['x', 'x'],
      ['  x  ,  !y ', 'x,!y'],
      ['x>1', 'x>1'],
      ['x>1,z<5', 'x>1,z<5'],
      ['x in (a)', 'x in (a)'],
      ['x in ( b , a )', 'x in (a,b)'],
      ['x in (b,a,b)', 'x in (a,b)'],
      ['x notin (a)', 'x notin (a)'],
      ['x in ()', 'x in ()'],
      ['x in (,a)', 'x in (,a)'],
      ['x in (a,)', 'x in (,a)'],
      ['x in (in)', 'x in (in)'],
      ['in in (notin)', 'in in (notin)'],
      ['example.com/app=web,tier in (db, cache)', 'example.com/app=web,tier in (cache,db)'],
      ['env\tin\n(prod)', 'env in (prod)'],
    ];
    for (const [input, want] of cases) assert.equal(selectorToString(parseSelector(input)), want, input);
  });

  it('rejects bad input with upstream messages', () => {
    assert.match(parseError('x=a||y=b'), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "a\|\|y": /);
    assert.equal(parseError('x==a==b'), "found '==', expected: ',' or 'end of string'");
    assert.equal(parseError('!x=a'), "found '=', expected: ',' or 'end of string'");
    assert.equal(parseError('x in a'), "unable to parse requirement: found 'a' expected: '('");
    assert.equal(parseError('x in (a'), "unable to parse requirement: found '', expected: ',' or ')'");
    assert.equal(parseError('x in (a b)'), "unable to parse requirement: found 'b', expected: ',' or ')'");
    assert.equal(parseError('x,'), "found '', expected: identifier after ','");
    assert.equal(parseError(',x'), "found ',', expected: !, identifier, or 'end of string'");
    assert.equal(parseError('x y'), "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(parseError('!'), "unable to parse requirement: found '', expected: identifier");
    assert.equal(
      parseError('x>a'),
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
    assert.equal(
      parseError('x>1.5'),
      `unable to parse requirement: values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
    assert.equal(
      parseError('a/b/c=d'),
      `unable to parse requirement: : Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    assert.match(parseError('x<-5'), /values\[0\]\[x\]: Invalid value: "-5": a valid label must be/);
    assert.match(parseError('-x=a'), /^unable to parse requirement: : Invalid value: "-x": name part must consist of/);
    assert.match(parseError(`x=${'a'.repeat(64)}`), /values\[0\]\[x\]: Invalid value: "a+": must be no more than 63 characters/);
  });
});

describe('matches', () => {
  const labels = { app: 'web', tier: 'frontend', replicas: '3' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['missing in (web)', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['missing', false],
    ['replicas>2', true],
    ['replicas>3', false],
    ['replicas<4', true],
    ['app>1', false],
    ['missing<1', false],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['missing=', false],
  ];
  for (const [sel, want] of cases) it(`${JSON.stringify(sel)} → ${want}`, () => assert.equal(matches(parseSelector(sel), labels), want));

  it('everything and nothing', () => {
    assert.equal(matches(everything, undefined), true);
    assert.equal(matches(nothing, {}), false);
    assert.equal(selectorToString(nothing), '');
    assert.equal(isEverything(everything), true);
    assert.equal(isEverything(nothing), false);
  });

  it('does not see inherited properties as labels', () => {
    assert.equal(matches(parseSelector('toString'), {}), false);
    assert.equal(matches(parseSelector('constructor in (x)'), {}), false);
  });
});

describe('helpers', () => {
  it('requiresExactMatch', () => {
    assert.equal(requiresExactMatch(parseSelector('a=b,c!=d'), 'a'), 'b');
    assert.equal(requiresExactMatch(parseSelector('a in (b)'), 'a'), 'b');
    assert.equal(requiresExactMatch(parseSelector('a in (b,c)'), 'a'), undefined);
    assert.equal(requiresExactMatch(parseSelector('c!=d'), 'c'), undefined);
  });
  it('selectorFromSet', () => {
    assert.equal(selectorToString(selectorFromSet({ b: '2', a: '1' })), 'a=1,b=2');
    assert.throws(() => selectorFromSet({ 'a b': '1' }), SelectorError);
  });
  it('newRequirement validates counts', () => {
    assert.throws(() => newRequirement('a', 'in', []), {
      message: `values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`,
    });
    assert.throws(() => newRequirement('a', '=', ['x', 'y']), {
      message: `values: Invalid value: []string{"x", "y"}: exact-match compatibility requires one single value`,
    });
    assert.throws(() => newRequirement('a', 'exists', ['x']), /values set must be empty for exists and does not exist/);
  });
});

describe('selectorFromLabelSelector', () => {
  it('null is nothing, empty is everything', () => {
    assert.equal(selectorFromLabelSelector(null), nothing);
    assert.equal(selectorFromLabelSelector({}), everything);
    assert.equal(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }), everything);
  });
  it('combines matchLabels and matchExpressions', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'zone', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
      ],
    });
    assert.equal(selectorToString(sel), 'app=web,env notin (dev),!legacy,tier in (a,b),zone');
    assert.equal(matches(sel, { app: 'web', tier: 'a', zone: 'z' }), true);
    assert.equal(matches(sel, { app: 'web', tier: 'a', zone: 'z', legacy: '' }), false);
  });
  it('rejects bad operators and requirements', () => {
    assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), {
      message: '"Gt" is not a valid label selector operator',
    });
    assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /values set can't be empty/);
  });
  it('validateLabelSelector reports upstream field errors', () => {
    const errs = validateLabelSelector(
      {
        matchLabels: { 'bad key': 'ok' },
        matchExpressions: [
          { key: 'a', operator: 'In', values: [] },
          { key: 'b', operator: 'Exists', values: ['x'] },
          { key: 'c', operator: 'Foo' },
          { key: 'd', operator: 'In', values: ['bad value'] },
        ],
      },
      'spec.selector',
    ).map(String);
    assert.deepEqual(errs.length, 5);
    assert.match(errs[0]!, /^spec\.selector\.matchLabels: Invalid value: "bad key": name part must consist of/);
    assert.equal(errs[1], "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
    assert.equal(errs[2], "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    assert.equal(errs[3], 'spec.selector.matchExpressions[2].operator: Invalid value: "Foo": not a valid selector operator');
    assert.match(errs[4]!, /^spec\.selector\.matchExpressions\[3\]\.values\[0\]: Invalid value: "bad value": a valid label must be/);
    assert.deepEqual(validateLabelSelector(undefined, 'x'), []);
  });
});

describe('properties', () => {
  const name = fc.stringMatching(/^[a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?$/);
  const value = fc.oneof(fc.constant(''), name);
  const requirement = fc.oneof(
    fc.tuple(name, fc.constantFrom('=', '==', '!='), value).map(([k, op, v]) => `${k}${op}${v}`),
    fc.tuple(name, fc.constantFrom(' in ', ' notin '), fc.array(name, { minLength: 1, maxLength: 4 })).map(
      ([k, op, vs]) => `${k}${op}(${vs.join(',')})`,
    ),
    name,
    name.map((k) => `!${k}`),
    fc.tuple(name, fc.constantFrom('>', '<'), fc.nat()).map(([k, op, n]) => `${k}${op}${n}`),
  );
  const selector = fc.array(requirement, { maxLength: 5 }).map((rs) => rs.join(','));

  it('toString is canonical: parse ∘ toString is a fixed point', () => {
    fc.assert(
      fc.property(selector, (s) => {
        const once = selectorToString(parseSelector(s));
        assert.equal(selectorToString(parseSelector(once)), once);
      }),
    );
  });
  it('parsing the canonical form preserves matching', () => {
    const labelSet = fc.dictionary(name, value, { maxKeys: 4, noNullPrototype: true });
    fc.assert(
      fc.property(selector, labelSet, (s, labels) => {
        const a = parseSelector(s);
        const b = parseSelector(selectorToString(a));
        assert.equal(matches(a, labels), matches(b, labels));
      }),
    );
  });
});
