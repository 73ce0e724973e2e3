/**
 * Go's time.Duration text forms and kubectl's age formatting.
 *
 * A duration is a bigint count of nanoseconds (Go's int64 range; JS numbers lose precision past
 * about 104 days of nanoseconds). Nothing here reads a clock: callers pass the times.
 */

export type Duration = bigint;

export const NANOSECOND: Duration = 1n;
export const MICROSECOND: Duration = 1000n;
export const MILLISECOND: Duration = 1000_000n;
export const SECOND: Duration = 1000_000_000n;
export const MINUTE: Duration = 60n * SECOND;
export const HOUR: Duration = 60n * MINUTE;

const MAX = 2n ** 63n - 1n;
const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: MICROSECOND,
  '\u00b5s': MICROSECOND, // µ micro sign
  '\u03bcs': MICROSECOND, // μ Greek mu
  ms: MILLISECOND,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

/** A string `parseDuration` rejects; `message` is Go's (`time: invalid duration "x"` ...). */
export class DurationError extends Error {
  override readonly name = 'DurationError';
  readonly reason = 'BadRequest' as const;
}

/** Go's time.quote: ASCII printable as is (escaping `"` and `\`), other bytes as \xNN. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 || c < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/**
 * Go's time.ParseDuration: a signed sequence of decimal numbers with optional fraction and a unit
 * each (`300ms`, `-1.5h`, `2h45m`); units ns, us (µs, μs), ms, s, m, h. `0` needs no unit.
 * @throws DurationError with Go's message.
 */
export function parseDuration(text: string): Duration {
  const invalid = () => new DurationError(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // Integer part.
    let i = 0;
    let v = 0n;
    while (i < s.length && isDigit(s[i])) {
      if (v > 2n ** 63n / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > 2n ** 63n) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction part.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (j < s.length && isDigit(s[j])) {
        if (!overflow) {
          if (f > MAX / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > 2n ** 63n) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    // Unit.
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) throw new DurationError(`time: missing unit in duration ${goQuote(text)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = Object.hasOwn(UNITS, u) ? UNITS[u] : undefined;
    if (unit === undefined) throw new DurationError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(text)}`);
    if (v > 2n ** 63n / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes the fraction in float64: uint64(float64(f) * (float64(unit) / scale)).
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > 2n ** 63n) throw invalid();
    }
    total += v;
    if (total > 2n ** 63n) throw invalid();
  }
  if (neg) return -total;
  if (total > MAX) throw invalid();
  return total;
}

/** Go's fmtFrac: `.ddd` of v/10^prec without trailing zeros; returns the text and v/10^prec. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let out = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) out = `${digit}${out}`;
    v /= 10n;
  }
  return [print ? `.${out}` : '', v];
}

/** Go's Duration.String(): `1h30m0s`, `300ms`, `1.5µs`, `0s`. */
export function formatDuration(d: Duration): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < SECOND) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < MICROSECOND) {
      prec = 0;
      unit = 'ns';
    } else if (u < MILLISECOND) {
      prec = 3;
      unit = '\u00b5s';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [frac, rest] = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    u = secs;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Whole milliseconds to a Duration. */
export function fromMillis(ms: number): Duration {
  return BigInt(Math.trunc(ms)) * MILLISECOND;
}

/** A Duration as (fractional) milliseconds, for timers. */
export function toMillis(d: Duration): number {
  return Number(d) / 1e6;
}

/** Whole seconds to a Duration (e.g. `terminationGracePeriodSeconds`). */
export function fromSeconds(s: number): Duration {
  return BigInt(Math.trunc(s)) * SECOND;
}

/**
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration: ~2-3 significant figures (`5s`, `119s`,
 * `2m30s`, `10m`, `3h4m`, `12h`, `2d3h`, `45d`, `2y30d`, `9y`). Below -1s: `<invalid>`; a small
 * negative skew prints `0s`.
 */
export function humanDuration(d: Duration): string {
  const seconds = d / SECOND; // truncates toward zero like Go's int(d.Seconds())
  if (seconds < -1n) return '<invalid>';
  if (seconds < 0n) return '0s';
  if (seconds < 60n * 2n) return `${seconds}s`;
  const minutes = d / MINUTE;
  if (minutes < 10n) {
    const s = seconds % 60n;
    return s === 0n ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60n * 3n) return `${minutes}m`;
  const hours = d / HOUR;
  if (hours < 8n) {
    const m = minutes % 60n;
    return m === 0n ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48n) return `${hours}h`;
  if (hours < 24n * 8n) {
    const h = hours % 24n;
    return h === 0n ? `${hours / 24n}d` : `${hours / 24n}d${h}h`;
  }
  if (hours < 24n * 365n * 2n) return `${hours / 24n}d`;
  if (hours < 24n * 365n * 8n) {
    const dy = (hours / 24n) % 365n;
    return dy === 0n ? `${hours / 24n / 365n}y` : `${hours / 24n / 365n}y${dy}d`;
  }
  return `${hours / 24n / 365n}y`;
}

/** k8s.io/apimachinery/pkg/util/duration.ShortHumanDuration (`5s`, `10m`, `3h`, `20d`, `2y`). */
export function shortHumanDuration(d: Duration): string {
  const seconds = d / SECOND;
  if (seconds < -1n) return '<invalid>';
  if (seconds < 0n) return '0s';
  if (seconds < 60n) return `${seconds}s`;
  const minutes = d / MINUTE;
  if (minutes < 60n) return `${minutes}m`;
  const hours = d / HOUR;
  if (hours < 24n) return `${hours}h`;
  if (hours < 24n * 365n) return `${hours / 24n}d`;
  return `${hours / 24n / 365n}y`;
}

/**
 * kubectl's AGE column (translateTimestampSince): HumanDuration(now - since); `<unknown>` when the
 * timestamp is missing or unparsable.
 */
export function humanAge(since: Date | string | null | undefined, now: Date): string {
  if (since === null || since === undefined || since === '') return '<unknown>';
  const t = typeof since === 'string' ? Date.parse(since) : since.getTime();
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(fromMillis(now.getTime() - t));
}
