/**
 * Small validators shared by the core/v1 kinds, each returning FieldErrors with upstream's paths and
 * messages (pkg/apis/core/validation and apimachinery's validation helpers).
 */
import { FieldError, FieldPath, fieldErrors } from '../../../lib/field-error.js';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from '../../validation/names.js';
import type { V1LabelSelector } from './pod-types.js';

export type Errs = FieldError[];
export { FieldPath };

export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const IS_NOT_POSITIVE = 'must be greater than zero';
export const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

export function p(root: string): FieldPath {
  return FieldPath.root(root);
}

/** Runs a message-returning check and wraps every message as Invalid at `path`. */
export function msgs(path: FieldPath, value: unknown, messages: string[]): Errs {
  return messages.map((m) => fieldErrors.invalid(String(path), value, m));
}

export const required = (path: FieldPath, detail = '') => fieldErrors.required(String(path), detail);
export const invalid = (path: FieldPath, value: unknown, detail: string) => fieldErrors.invalid(String(path), value, detail);
export const notSupported = (path: FieldPath, value: unknown, supported: readonly string[]) =>
  fieldErrors.notSupported(String(path), value, supported);
export const forbidden = (path: FieldPath, detail: string) => fieldErrors.forbidden(String(path), detail);
export const duplicate = (path: FieldPath, value: unknown) => fieldErrors.duplicate(String(path), value);
export const notFound = (path: FieldPath, value: unknown) => fieldErrors.notFound(String(path), value);
export const tooLong = (path: FieldPath, value: unknown, max: number) => fieldErrors.tooLong(String(path), value, max);

export function validateNonnegative(value: number | undefined, path: FieldPath): Errs {
  return value != null && value < 0 ? [invalid(path, value, IS_NEGATIVE)] : [];
}

/** Name-validation functions as upstream's ValidateNameFunc: (name, prefix) → messages. */
export function nameIsDNSSubdomain(name: string, prefix: boolean): string[] {
  return isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
}
export function nameIsDNSLabel(name: string, prefix: boolean): string[] {
  return isDNS1123Label(prefix ? maskTrailingDash(name) : name);
}
export function nameIsDNS1035Label(name: string, prefix: boolean): string[] {
  return isDNS1035Label(prefix ? maskTrailingDash(name) : name);
}
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export function validateDNS1123Label(value: string, path: FieldPath): Errs {
  return msgs(path, value, isDNS1123Label(value));
}
export function validateDNS1123Subdomain(value: string, path: FieldPath): Errs {
  return msgs(path, value, isDNS1123Subdomain(value));
}
export function validateQualifiedName(value: string, path: FieldPath): Errs {
  return msgs(path, value, isQualifiedName(value));
}
/** unversionedvalidation.ValidateLabelName. */
export const validateLabelName = validateQualifiedName;

/** unversionedvalidation.ValidateLabels: keys and values, both reported at `path`. */
export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    errs.push(...msgs(path, v, isValidLabelValue(String(v))));
  }
  return errs;
}

export function validateConfigMapKey(key: string, path: FieldPath): Errs {
  return msgs(path, key, isConfigMapKey(key));
}

/** unversionedvalidation.ValidateLabelSelector (matchLabels + matchExpressions). */
export function validateLabelSelector(sel: V1LabelSelector | undefined, path: FieldPath): Errs {
  if (!sel) return [];
  const errs: Errs = [];
  (sel.matchExpressions ?? []).forEach((r, i) => {
    const rp = path.child('matchExpressions').index(i);
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(rp.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(rp.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(rp.child('operator'), r.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(r.key ?? '', rp.child('key')));
    values.forEach((v, j) => errs.push(...msgs(rp.child('values').index(j), v, isValidLabelValue(v))));
  });
  errs.push(...validateLabels(sel.matchLabels, path.child('matchLabels')));
  return errs;
}

/** A path that must be relative and contain no `..` element (validateLocalDescendingPath). */
export function validateLocalDescendingPath(target: string, path: FieldPath): Errs {
  const errs: Errs = [];
  if (target.startsWith('/')) errs.push(invalid(path, target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(target, path));
  return errs;
}

export function validatePathNoBacksteps(target: string, path: FieldPath): Errs {
  return target.split('/').includes('..') ? [invalid(path, target, "must not contain '..'")] : [];
}

/** validateLocalNonReservedPath: also may not start with `..`. */
export function validateLocalNonReservedPath(target: string, path: FieldPath): Errs {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4_RE.test(s);
}

export function isIPv6(s: string): boolean {
  if (!s.includes(':') || /[^0-9a-fA-F:.]/.test(s)) return false;
  let head = s;
  let v4Tail = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    head = s.slice(0, lastColon + 1) + '0';
    v4Tail = 1;
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return false;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const parts = dbl.flatMap(groups);
  if (!parts.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = parts.length + v4Tail;
  return dbl.length === 2 ? count <= 8 : count === 8;
}

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** validation.IsValidIP. */
export function validateIP(value: string, path: FieldPath): Errs {
  return isIP(value) ? [] : [invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** Go's sets.List order: sorted strings. */
export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** Reads an optional array field that passed schema type checks. */
export function arr<T>(v: T[] | undefined | null): T[] {
  return Array.isArray(v) ? v : [];
}
