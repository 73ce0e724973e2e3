/**
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource): fixed-point decimal amounts such as
 * `100m`, `1.5Gi`, `1e3`, `250M`, with upstream's parsing rules, rounding (non-zero values round
 * away from zero to a multiple of 1n), formats and canonical string form.
 *
 * A Quantity is an immutable exact value `mantissa × 10^exponent` (bigint mantissa, no float drift)
 * plus the format it prints in. Exponents in the input are limited to ±MAX_EXPONENT (upstream has
 * no such limit; the cap only keeps absurd inputs like `1e999999999` from costing unbounded work).
 */

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

/** The regular expression upstream names in its parse error. */
export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${QUANTITY_REGEX}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";
export const MAX_EXPONENT = 1000;

/** A string that is not a quantity; `message` is upstream's (ErrFormatWrong, ErrNumeric or ErrSuffix). */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  readonly reason = 'BadRequest' as const;
}

const DEC_SUFFIX: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_BY_EXP = new Map(Object.entries(DEC_SUFFIX).map(([s, e]) => [e, s]));
const BIN_BY_EXP = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const MAX_INT64 = 2n ** 63n - 1n;
const NANO = -9;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function digitCount(v: bigint): number {
  return v === 0n ? 1 : abs(v).toString().length;
}

/** Divides by 10^n, rounding away from zero when inexact. */
function divRoundAway(v: bigint, n: number): { q: bigint; exact: boolean } {
  if (n <= 0) return { q: v * pow10(-n), exact: true };
  if (n > digitCount(v) + 1) return v === 0n ? { q: 0n, exact: true } : { q: v < 0n ? -1n : 1n, exact: false };
  const d = pow10(n);
  const q = v / d;
  const r = v % d;
  if (r === 0n) return { q, exact: true };
  return { q: v < 0n ? q - 1n : q + 1n, exact: false };
}

export class Quantity {
  /** Value = mantissa × 10^exponent; normalised: mantissa has no trailing zero digits (0 has exponent 0). */
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;

  private constructor(mantissa: bigint, exponent: number, format: QuantityFormat) {
    if (mantissa === 0n) exponent = 0;
    else
      while (mantissa % 10n === 0n) {
        mantissa /= 10n;
        exponent++;
      }
    this.mantissa = mantissa;
    this.exponent = exponent;
    this.format = format;
    Object.freeze(this);
  }

  /** An exact decimal value `mantissa × 10^exponent` in `format` (no rounding applied). */
  static of(mantissa: bigint, exponent: number, format: QuantityFormat): Quantity {
    return new Quantity(mantissa, exponent, format);
  }

  /**
   * Upstream's ParseQuantity. No trimming (JSON decoding trims first: see `quantityFromJSON`).
   * @throws QuantityError with upstream's message.
   */
  static parse(str: string): Quantity {
    if (str.length === 0) throw new QuantityError(ERR_FORMAT_WRONG);
    if (str === '0') return new Quantity(0n, 0, 'DecimalSI');
    const { positive, num, denom, suffix } = splitQuantity(str);
    const interp = interpretSuffix(suffix);
    if (!interp) throw new QuantityError(ERR_SUFFIX);
    let mantissa = BigInt(num + denom);
    if (!positive) mantissa = -mantissa;
    let exponent = -denom.length;
    if (interp.base === 10) exponent += interp.exponent;
    else mantissa *= 2n ** BigInt(interp.exponent);
    let format = interp.format;
    // Round non-zero values up (away from zero) to a multiple of 1n.
    if (mantissa !== 0n && exponent < NANO) {
      mantissa = divRoundAway(mantissa, NANO - exponent).q;
      exponent = NANO;
    }
    let q = new Quantity(mantissa, exponent, format);
    if (format === 'BinarySI') {
      const mag = q.abs();
      if (mag.cmp(new Quantity(MAX_INT64, 0, format)) > 0) q = new Quantity(q.sign() < 0 ? -MAX_INT64 : MAX_INT64, 0, format);
      else if (!mag.isZero() && mag.cmp(new Quantity(1n, 0, format)) < 0) format = 'DecimalSI';
      q = new Quantity(q.mantissa, q.exponent, format);
    }
    return q;
  }

  /** NewQuantity(value, format). */
  static fromInt(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value), 0, format);
  }

  /** NewMilliQuantity(value, format): value/1000. */
  static fromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli), -3, format);
  }

  isZero(): boolean {
    return this.mantissa === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.mantissa === 0n ? 0 : this.mantissa < 0n ? -1 : 1;
  }

  neg(): Quantity {
    return new Quantity(-this.mantissa, this.exponent, this.format);
  }

  abs(): Quantity {
    return new Quantity(abs(this.mantissa), this.exponent, this.format);
  }

  /** -1, 0 or 1 (exact). Formats are ignored. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const s1 = this.sign();
    const s2 = other.sign();
    if (s1 !== s2) return s1 < s2 ? -1 : 1;
    if (s1 === 0) return 0;
    // Same sign: compare magnitudes via order of magnitude first, then aligned mantissas.
    const m1 = digitCount(this.mantissa) + this.exponent;
    const m2 = digitCount(other.mantissa) + other.exponent;
    let c: number;
    if (m1 !== m2) c = m1 < m2 ? -1 : 1;
    else {
      const e = Math.min(this.exponent, other.exponent);
      const a = abs(this.mantissa) * pow10(this.exponent - e);
      const b = abs(other.mantissa) * pow10(other.exponent - e);
      c = a === b ? 0 : a < b ? -1 : 1;
    }
    if (c === 0) return 0;
    return (s1 < 0 ? -c : c) as -1 | 1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** Exact sum; the format is this one's unless this is zero (then other's), as upstream's Add. */
  add(other: Quantity): Quantity {
    const e = Math.min(this.exponent, other.exponent);
    const m = this.mantissa * pow10(this.exponent - e) + other.mantissa * pow10(other.exponent - e);
    return new Quantity(m, e, this.isZero() ? other.format : this.format);
  }

  /** Exact difference; format as `add`. */
  sub(other: Quantity): Quantity {
    return this.add(other.neg().withFormat(other.format));
  }

  withFormat(format: QuantityFormat): Quantity {
    return new Quantity(this.mantissa, this.exponent, format);
  }

  /** ceil(q × 10^-scale), rounded away from zero (upstream's ScaledValue), as a bigint. */
  scaledValue(scale: number): bigint {
    return divRoundAway(this.mantissa, scale - this.exponent).q;
  }

  /** Upstream's Value(): the integer value rounded away from zero. */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** Upstream's MilliValue(): ceil(q × 1000), away from zero. */
  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  /** An approximate float (upstream's AsApproximateFloat64). */
  toNumber(): number {
    return Number(this.mantissa) * 10 ** this.exponent;
  }

  /** The canonical form, exactly as upstream serialises it (`1000m` → `1`, `1.5Gi` → `1536Mi`). */
  toString(): string {
    if (this.isZero()) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      if (this.cmp(Quantity.fromInt(-1024)) > 0 && this.cmp(Quantity.fromInt(1024)) < 0) format = 'DecimalSI';
      else if (this.exponent < 0) format = 'DecimalSI'; // not an integer: keep precision
    }
    if (format === 'BinarySI') {
      let v = this.mantissa * pow10(this.exponent);
      let e = 0;
      while (e < 6 && v % 1024n === 0n) {
        v /= 1024n;
        e++;
      }
      return `${v}${BIN_BY_EXP[e]}`;
    }
    let m = this.mantissa;
    let e = this.exponent;
    while (((e % 3) + 3) % 3 !== 0) {
      m *= 10n;
      e--;
    }
    const suffix = format === 'DecimalSI' ? DEC_BY_EXP.get(e) : undefined;
    if (suffix !== undefined) return `${m}${suffix}`;
    return e === 0 ? `${m}` : `${m}e${e}`;
  }

  /** JSON form: the canonical string. */
  toJSON(): string {
    return this.toString();
  }
}

interface Split {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const SUFFIX_CHARS = 'eEinumkKMGTP';

/** Upstream's parseQuantityString: sign, integer digits, fraction digits, suffix. */
function splitQuantity(str: string): Split {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  pos = i;
  if (num === '') num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(ERR_FORMAT_WRONG);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(s: string): { base: 2 | 10; exponent: number; format: QuantityFormat } | undefined {
  if (Object.hasOwn(DEC_SUFFIX, s)) return { base: 10, exponent: DEC_SUFFIX[s]!, format: 'DecimalSI' };
  if (Object.hasOwn(BIN_SUFFIX, s)) return { base: 2, exponent: BIN_SUFFIX[s]!, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const n = Number(rest);
    if (Math.abs(n) > MAX_EXPONENT) throw new QuantityError(ERR_NUMERIC);
    return { base: 10, exponent: n, format: 'DecimalExponent' };
  }
  return undefined;
}

/** Upstream's ParseQuantity. @throws QuantityError */
export function parseQuantity(s: string): Quantity {
  return Quantity.parse(s);
}

/**
 * A quantity as it appears in JSON (`"100m"` or a bare number such as `2` or `0.5`), trimmed as
 * upstream's UnmarshalJSON does. `null`/`undefined` give undefined.
 * @throws QuantityError for anything else that does not parse.
 */
export function quantityFromJSON(v: unknown): Quantity | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new QuantityError(ERR_FORMAT_WRONG);
    return Quantity.parse(String(v).replace('e+', 'e'));
  }
  if (typeof v === 'string') return Quantity.parse(v.trim());
  throw new QuantityError(ERR_FORMAT_WRONG);
}

/** Parse-and-print: the canonical spelling of a quantity string. @throws QuantityError */
export function canonicalQuantity(s: string): string {
  return Quantity.parse(s).toString();
}

/** Upstream's resource.MustParse, for constants in code. @throws QuantityError */
export function mustParseQuantity(s: string): Quantity {
  return Quantity.parse(s);
}
