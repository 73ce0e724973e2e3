/**
 * Small pure helpers the built-in API groups share: upstream's generic field checks and messages,
 * int-or-percent handling, quantity sign, IP/CIDR parsing and the AGE column rendering.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject } from '../../types.js';
import { goIntOrString, goInvalid, regexError } from './go-format.js';
import { quantityFromJSON } from '../../../lib/quantity/index.js';
import { fromMillis, humanAge, humanDuration } from '../../../lib/duration/index.js';

export { jsonEqual } from '../../../lib/patch/index.js';

export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';

/** apivalidation.ValidateNonnegativeField. `undefined` is accepted (optional fields). */
export function validateNonnegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [fieldErrors.invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** A JSON object (not array, not null), or undefined. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Reads `obj[key]` as an object, creating an empty one when missing. */
export function ensureRecord(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const cur = asRecord(obj[key]);
  if (cur) return cur;
  const fresh: Record<string, unknown> = {};
  obj[key] = fresh;
  return fresh;
}

/** Deep copy of a JSON value. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export type IntOrString = number | string;

const PERCENT_RE = /^[0-9]+%$/;

/** validation.IsValidPercent. */
export function isValidPercent(s: string): string[] {
  return PERCENT_RE.test(s)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%')];
}

/** The numeric value of an int-or-percent (`25%` → 25, isPercent true). NaN if unparsable. */
export function intOrPercentValue(v: IntOrString | undefined): { value: number; isPercent: boolean } {
  if (typeof v === 'number') return { value: v, isPercent: false };
  if (typeof v === 'string') {
    if (v.endsWith('%')) return { value: Number.parseInt(v.slice(0, -1), 10), isPercent: true };
    return { value: Number.parseInt(v, 10), isPercent: false };
  }
  return { value: 0, isPercent: false };
}

/** apps ValidatePositiveIntOrPercent (despite the name: non-negative int, or a valid percent). */
export function validatePositiveIntOrPercent(v: IntOrString | undefined, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((msg) => goInvalid(path, v, goIntOrString(v), msg));
  if (typeof v === 'number') return validateNonnegative(v, path);
  return [];
}

/** apps IsNotMoreThan100Percent. */
export function validateNotMoreThan100Percent(v: IntOrString | undefined, path: string): FieldError[] {
  const { value, isPercent } = intOrPercentValue(v);
  return isPercent && value > 100 ? [goInvalid(path, v, goIntOrString(v), 'must not be greater than 100%')] : [];
}

/** Sign of a resource.Quantity as JSON (1, 0, -1), or undefined when it does not parse. */
export function quantitySign(q: unknown): number | undefined {
  try {
    return quantityFromJSON(q)?.sign();
  } catch {
    return undefined;
  }
}

/** Quantity.String() of a JSON quantity (canonical form), or the raw text when it does not parse. */
export function quantityString(q: unknown): string {
  try {
    const v = quantityFromJSON(q);
    return v === undefined ? '<nil>' : v.toString();
  } catch {
    return String(q);
  }
}

/** Go's ParseCIDRSloppy-ish: returns the address bytes and prefix length, or undefined. */
export function parseCIDR(s: string): { bytes: number[]; prefix: number; v6: boolean } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ipPart = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(prefixText)) return undefined;
  const bytes = parseIP(ipPart);
  if (!bytes) return undefined;
  const prefix = Number(prefixText);
  const v6 = bytes.length === 16;
  if (prefix > bytes.length * 8) return undefined;
  return { bytes, prefix, v6 };
}

/** Parses an IPv4 (4 bytes) or IPv6 (16 bytes) address; IPv4 allows leading zeros as Go's sloppy parser. */
export function parseIP(s: string): number[] | undefined {
  if (s.includes(':')) return parseIPv6(s);
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseIPv6(s: string): number[] | undefined {
  let tail4: number[] = [];
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIP(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail4 = v4;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tail4.length) bytes.splice(12, 4, ...tail4);
  return bytes;
}

/** Whether `inner` (a CIDR) lies inside `outer` and is strictly smaller (NetworkPolicy except). */
export function cidrStrictSubset(outer: string, inner: string): boolean {
  const o = parseCIDR(outer);
  const i = parseCIDR(inner);
  if (!o || !i || o.v6 !== i.v6) return false;
  if (o.prefix >= i.prefix) return false;
  for (let bit = 0; bit < o.prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((o.bytes[byte]! & mask) !== (i.bytes[byte]! & mask)) return false;
  }
  return true;
}

/** validation.IsValidCIDR's message. */
export const INVALID_CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** printers' translateTimestampSince: `<unknown>` for a missing timestamp. */
export function timestampSince(ts: string | undefined, now: Date): string {
  return humanAge(ts, now);
}

/** HumanDuration of a span in milliseconds. */
export function humanDurationMs(ms: number): string {
  return humanDuration(fromMillis(ms));
}

/** The AGE cell of every table. */
export function ageCell(obj: KubeObject, now: Date): string {
  return timestampSince(obj.metadata.creationTimestamp, now);
}

/** Standard NAME and AGE column definitions (upstream's descriptions from ObjectMeta docs). */
export const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
} as const;

export const AGE_COLUMN = {
  name: 'Age',
  type: 'string',
} as const;
