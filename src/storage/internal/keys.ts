/**
 * Key ordering helpers shared by the in-process backends. The contract orders keys by the bytes of
 * their UTF-8 encoding (as SQLite's BINARY collation and etcd do); JavaScript's `<` compares UTF-16
 * code units, which differs only when a surrogate pair meets a character in U+E000–U+FFFF.
 */

/** Compares two keys in UTF-8 byte order (negative, zero, positive). */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        const xs = x <= 0xdfff;
        const ys = y <= 0xdfff;
        if (xs !== ys) return xs ? 1 : -1;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/**
 * The smallest string greater than every string that starts with `prefix` (exclusive upper bound of
 * the prefix range), or undefined when the range is unbounded (empty prefix).
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (cps.length > 0) {
    const last = cps.pop() as number;
    if (last < 0x10ffff) {
      let next = last + 1;
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
      return String.fromCodePoint(...cps, next);
    }
  }
  return undefined;
}

/** Index of the first element of sorted `keys` that is > `key` (or ≥ when `inclusive`). */
export function lowerBound(keys: readonly string[], key: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid], key);
    if (c < 0 || (!inclusive && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
