import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERR_FORMAT_WRONG, ERR_NUMERIC, ERR_SUFFIX, Quantity, QuantityError, canonicalQuantity, quantityFromJSON } from './index.js';

describe('parse and canonical form', () => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['0n', '0'],
    ['0u', '0'],
    ['0m', '0'],
    ['0Ki', '0'],
    ['-0', '0'],
    ['000', '0'],
    ['1Ki', '1Ki'],
    ['8Ki', '8Ki'],
    ['7Mi', '7Mi'],
    ['6Gi', '6Gi'],
    ['5Ti', '5Ti'],
    ['4Pi', '4Pi'],
    ['3Ei', '3Ei'],
    ['1024Ki', '1Mi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Ki', '1536'],
    ['0.5Ki', '512'],
    ['1.1Gi', '1181116006400m'],
    ['0.1Ki', '102400m'],
    ['8Ei', '9223372036854775807'],
    ['-8Ei', '-9223372036854775807'],
    ['100m', '100m'],
    ['1000m', '1'],
    ['1001m', '1001m'],
    ['1000000m', '1k'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['.5', '500m'],
    ['1.', '1'],
    ['0.001', '1m'],
    ['0.0001', '100u'],
    ['1n', '1n'],
    ['0.1n', '1n'],
    ['-0.1n', '-1n'],
    ['1.0000000001', '1000000001n'],
    ['100k', '100k'],
    ['250M', '250M'],
    ['1000k', '1M'],
    ['2G', '2G'],
    ['1E', '1E'],
    ['1000E', '1e21'],
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['1e+3', '1e3'],
    ['1e-3', '1e-3'],
    ['1.5e3', '1500'],
    ['12.34e6', '12340e3'],
    ['1e0', '1'],
    ['1024', '1024'],
    ['+5', '5'],
    ['-5', '-5'],
    ['-100m', '-100m'],
    ['-1Gi', '-1Gi'],
    ['07', '7'],
    ['Ki', '0'], // upstream accepts a suffix without digits as zero
    ['.', '0'],
  ];
  for (const [input, want] of cases) it(`${input} → ${want}`, () => assert.equal(canonicalQuantity(input), want));

  it('rejects bad input with upstream messages', () => {
    for (const s of ['', 'abc', '1.1.1', '1Gb', ' 1', '1 ', '1e3.5'])
      assert.throws(() => Quantity.parse(s), { name: 'QuantityError', message: ERR_FORMAT_WRONG }, s);
    for (const s of ['1MM', '1ei', '1Kii', '1mi', '1e', '1Mi3', '1k-3', '1i2'])
      assert.throws(() => Quantity.parse(s), { message: ERR_SUFFIX }, s);
    assert.throws(() => Quantity.parse('1e100000'), { message: ERR_NUMERIC });
    assert.equal(ERR_FORMAT_WRONG, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });

  it('formats', () => {
    assert.equal(Quantity.parse('1Gi').format, 'BinarySI');
    assert.equal(Quantity.parse('0.5Ki').format, 'BinarySI');
    assert.equal(Quantity.parse('0.5Mi').format, 'BinarySI');
    assert.equal(Quantity.parse('1e3').format, 'DecimalExponent');
    assert.equal(Quantity.parse('1k').format, 'DecimalSI');
  });
});

describe('arithmetic and values', () => {
  const q = (s: string) => Quantity.parse(s);
  it('value and milliValue round away from zero', () => {
    assert.equal(q('100m').milliValue(), 100n);
    assert.equal(q('100m').value(), 1n);
    assert.equal(q('1.5').value(), 2n);
    assert.equal(q('2').value(), 2n);
    assert.equal(q('-1.5').value(), -2n);
    assert.equal(q('1n').milliValue(), 1n);
    assert.equal(q('1Gi').value(), 1073741824n);
    assert.equal(q('1Gi').milliValue(), 1073741824000n);
    assert.equal(q('1e3').value(), 1000n);
    assert.equal(q('0').milliValue(), 0n);
  });
  it('compare', () => {
    assert.equal(q('1').cmp(q('1000m')), 0);
    assert.equal(q('1Ki').cmp(q('1k')), 1);
    assert.equal(q('999m').cmp(q('1')), -1);
    assert.equal(q('-1').cmp(q('1n')), -1);
    assert.equal(q('-2').cmp(q('-1')), -1);
    assert.equal(q('1e3').cmp(q('1k')), 0);
    assert.ok(q('1.5Gi').equals(q('1536Mi')));
  });
  it('add and sub keep the left format unless it is zero', () => {
    assert.equal(q('100m').add(q('900m')).toString(), '1');
    assert.equal(q('1Gi').add(q('512Mi')).toString(), '1536Mi');
    assert.equal(q('0').add(q('1Gi')).toString(), '1Gi');
    assert.equal(q('1').sub(q('250m')).toString(), '750m');
    assert.equal(q('0').sub(q('1Mi')).toString(), '-1Mi');
    assert.equal(q('1k').add(q('1Ki')).toString(), '2024');
    assert.equal(q('4Ei').add(q('4Ei')).toString(), '8Ei');
  });
  it('constructors and JSON', () => {
    assert.equal(Quantity.fromMilli(1500).toString(), '1500m');
    assert.equal(Quantity.fromInt(2048, 'BinarySI').toString(), '2Ki');
    assert.equal(JSON.stringify({ cpu: Quantity.parse('0.5') }), '{"cpu":"500m"}');
    assert.equal(quantityFromJSON(' 2 ')?.toString(), '2');
    assert.equal(quantityFromJSON(0.25)?.toString(), '250m');
    assert.equal(quantityFromJSON(1e21)?.toString(), '1e21');
    assert.equal(quantityFromJSON(null), undefined);
    assert.throws(() => quantityFromJSON(true), QuantityError);
  });
});

describe('properties', () => {
  const suffix = fc.constantFrom('', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'e3', 'e-2', 'E5');
  const text = fc
    .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{1,6}$/), fc.option(fc.stringMatching(/^[0-9]{0,4}$/)), suffix)
    .map(([s, i, f, suf]) => `${s}${i}${f === null ? '' : `.${f}`}${suf}`);

  it('canonical form is idempotent and value-preserving', () => {
    fc.assert(
      fc.property(text, (s) => {
        const a = Quantity.parse(s);
        const c = a.toString();
        assert.equal(Quantity.parse(c).toString(), c);
        assert.equal(Quantity.parse(c).cmp(a), 0, `${s} → ${c}`);
      }),
    );
  });
  it('add/sub are exact inverses and cmp is antisymmetric', () => {
    fc.assert(
      fc.property(text, text, (x, y) => {
        const a = Quantity.parse(x);
        const b = Quantity.parse(y);
        assert.equal(a.add(b).sub(b).cmp(a), 0);
        assert.equal(a.cmp(b), -b.cmp(a) || 0);
        assert.equal(a.add(b).cmp(b.add(a)), 0);
      }),
    );
  });
  it('milliValue matches value × 1000 for integers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (n) => {
        const q = Quantity.fromInt(n);
        assert.equal(q.milliValue(), n * 1000n);
        assert.equal(Quantity.parse(q.toString()).value(), n);
      }),
    );
  });
});
