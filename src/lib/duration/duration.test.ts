import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  HOUR,
  MILLISECOND,
  MINUTE,
  SECOND,
  DurationError,
  formatDuration,
  fromMillis,
  humanAge,
  humanDuration,
  parseDuration,
  shortHumanDuration,
} from './index.js';

describe('parseDuration (Go time.ParseDuration)', () => {
  const ok: [string, bigint][] = [
    ['0', 0n],
    ['5s', 5n * SECOND],
    ['30s', 30n * SECOND],
    ['1478s', 1478n * SECOND],
    ['-5s', -5n * SECOND],
    ['+5s', 5n * SECOND],
    ['-0', 0n],
    ['+0', 0n],
    ['5.0s', 5n * SECOND],
    ['5.6s', 5n * SECOND + 600n * MILLISECOND],
    ['5.s', 5n * SECOND],
    ['.5s', 500n * MILLISECOND],
    ['1.0s', SECOND],
    ['1.00s', SECOND],
    ['1.004s', SECOND + 4n * MILLISECOND],
    ['1.0040s', SECOND + 4n * MILLISECOND],
    ['100.00100s', 100n * SECOND + MILLISECOND],
    ['10ns', 10n],
    ['11us', 11_000n],
    ['12µs', 12_000n],
    ['12μs', 12_000n],
    ['13ms', 13n * MILLISECOND],
    ['14s', 14n * SECOND],
    ['15m', 15n * MINUTE],
    ['16h', 16n * HOUR],
    ['3h30m', 3n * HOUR + 30n * MINUTE],
    ['10.5s4m', 4n * MINUTE + 10n * SECOND + 500n * MILLISECOND],
    ['-2m3.4s', -(2n * MINUTE + 3n * SECOND + 400n * MILLISECOND)],
    ['1h2m3s4ms5us6ns', HOUR + 2n * MINUTE + 3n * SECOND + 4n * MILLISECOND + 5000n + 6n],
    ['39h9m14.425s', 39n * HOUR + 9n * MINUTE + 14n * SECOND + 425n * MILLISECOND],
    ['52763797000ns', 52763797000n],
    ['0.3333333333333333333h', 20n * MINUTE],
    ['9007199254740993ns', 9007199254740993n],
    ['9223372036854775807ns', 9223372036854775807n],
    ['-9223372036854775808ns', -9223372036854775808n],
    ['0.100000000000000000000h', 6n * MINUTE],
    ['0.830103483285477580700h', 49n * MINUTE + 48n * SECOND + 372539827n],
  ];
  for (const [s, want] of ok) it(s, () => assert.equal(parseDuration(s), want));

  it('rejects with Go messages', () => {
    const bad: [string, string][] = [
      ['', 'time: invalid duration ""'],
      ['3', 'time: missing unit in duration "3"'],
      ['-', 'time: invalid duration "-"'],
      ['s', 'time: invalid duration "s"'],
      ['.', 'time: invalid duration "."'],
      ['-.', 'time: invalid duration "-."'],
      ['.s', 'time: invalid duration ".s"'],
      ['+.s', 'time: invalid duration "+.s"'],
      ['1d', 'time: unknown unit "d" in duration "1d"'],
      ['3000000h', 'time: invalid duration "3000000h"'],
      ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
      ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
      ['\x85\x85', 'time: invalid duration "\\xc2\\x85\\xc2\\x85"'],
      ['1\u00e9s', 'time: unknown unit "\\xc3\\xa9s" in duration "1\\xc3\\xa9s"'],
    ];
    for (const [s, msg] of bad) assert.throws(() => parseDuration(s), (e: unknown) => e instanceof DurationError && e.message === msg, s);
  });
});

describe('formatDuration (Go Duration.String)', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1µs'],
    [2200n * 1000n, '2.2ms'],
    [3300n * MILLISECOND, '3.3s'],
    [4n * MINUTE + 5n * SECOND, '4m5s'],
    [4n * MINUTE + 5001n * MILLISECOND, '4m5.001s'],
    [5n * HOUR + 6n * MINUTE + 7001n * MILLISECOND, '5h6m7.001s'],
    [8n * MINUTE + 1n, '8m0.000000001s'],
    [HOUR + 30n * MINUTE, '1h30m0s'],
    [300n * MILLISECOND, '300ms'],
    [60n * SECOND, '1m0s'],
    [2n ** 63n - 1n, '2562047h47m16.854775807s'],
    [-(2n ** 63n), '-2562047h47m16.854775808s'],
    [-1100n, '-1.1µs'],
  ];
  for (const [d, want] of cases) it(want, () => assert.equal(formatDuration(d), want));

  it('parse ∘ format = id', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (d) => assert.equal(parseDuration(formatDuration(d)), d)),
    );
  });
});

describe('humanDuration (kubectl AGE)', () => {
  const s = (n: number) => BigInt(n) * SECOND;
  const cases: [bigint, string][] = [
    [-2n * SECOND, '<invalid>'],
    [-1500n * MILLISECOND, '0s'],
    [-SECOND, '0s'],
    [0n, '0s'],
    [s(1), '1s'],
    [s(70), '70s'],
    [s(119), '119s'],
    [s(120), '2m'],
    [s(121), '2m1s'],
    [s(599), '9m59s'],
    [s(600), '10m'],
    [s(3600), '60m'],
    [s(10799), '179m'],
    [s(10800), '3h'],
    [s(10800 + 4 * 60), '3h4m'],
    [s(8 * 3600 - 1), '7h59m'],
    [s(8 * 3600), '8h'],
    [s(47 * 3600 + 59 * 60), '47h'],
    [s(48 * 3600), '2d'],
    [s(51 * 3600), '2d3h'],
    [s(8 * 24 * 3600 - 1), '7d23h'],
    [s(8 * 24 * 3600), '8d'],
    [s(729 * 24 * 3600), '729d'],
    [s(730 * 24 * 3600), '2y'],
    [s((3 * 365 + 45) * 24 * 3600), '3y45d'],
    [s(8 * 365 * 24 * 3600 - 1), '7y364d'],
    [s(8 * 365 * 24 * 3600), '8y'],
    [s(100 * 365 * 24 * 3600), '100y'],
  ];
  for (const [d, want] of cases) it(`${d / SECOND}s → ${want}`, () => assert.equal(humanDuration(d), want));

  it('shortHumanDuration', () => {
    assert.equal(shortHumanDuration(s(59)), '59s');
    assert.equal(shortHumanDuration(s(60)), '1m');
    assert.equal(shortHumanDuration(s(3600)), '1h');
    assert.equal(shortHumanDuration(s(86400)), '1d');
    assert.equal(shortHumanDuration(s(366 * 86400)), '1y');
    assert.equal(shortHumanDuration(-5n * SECOND), '<invalid>');
  });

  it('humanAge takes both times', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    assert.equal(humanAge('2026-01-01T11:59:55Z', now), '5s');
    assert.equal(humanAge(new Date('2026-01-01T08:56:00Z'), now), '3h4m');
    assert.equal(humanAge(undefined, now), '<unknown>');
    assert.equal(humanAge('garbage', now), '<unknown>');
    assert.equal(humanAge('2026-01-01T12:00:05Z', now), '<invalid>');
    assert.equal(fromMillis(1500), 1500n * MILLISECOND);
  });
});
