/**
 * Value constraints of a schema (CRD validation): required, enum, minimum/maximum, length, pattern,
 * item and property counts, and list-type set/map uniqueness. Messages are kube-openapi's, converted
 * to field errors the way apiextensions-apiserver does, e.g.
 * `spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1`.
 *
 * Type mismatches are not reported here (see checkTypes); values of the wrong type are skipped.
 * Built-in kinds are validated by their strategies; calling this on a built-in schema also enforces
 * the `required` lists their schemas publish.
 */
import type { Schema } from '../schema.js';
import { FieldError, OMIT_VALUE, fieldErrors } from '../../../lib/field-error.js';
import { childPath, infoOf, isPlainObject } from './info.js';

/** Every constraint violation in `value`, in value order; paths are prefixed with `rootPath`. */
export function validateValues(value: unknown, schema: Schema, rootPath = ''): FieldError[] {
  const out: FieldError[] = [];
  walk(value, schema, rootPath, out);
  return out;
}

const constraintsCache = new WeakMap<Schema, boolean>();

/** Whether the schema or anything below it constrains values (cycle-safe, conservative). */
function hasConstraints(s: Schema): boolean {
  const cached = constraintsCache.get(s);
  if (cached !== undefined) return cached;
  constraintsCache.set(s, true);
  let r =
    s.enum !== undefined ||
    s.minimum !== undefined ||
    s.maximum !== undefined ||
    s.minLength !== undefined ||
    s.maxLength !== undefined ||
    s.pattern !== undefined ||
    s.minItems !== undefined ||
    s.maxItems !== undefined ||
    s.minProperties !== undefined ||
    s.maxProperties !== undefined ||
    (s.required !== undefined && s.required.length > 0) ||
    s['x-kubernetes-list-type'] === 'set' ||
    s['x-kubernetes-list-type'] === 'map';
  if (!r && s.properties) for (const p of Object.values(s.properties)) if (hasConstraints(p)) { r = true; break; }
  if (!r && s.items) r = hasConstraints(s.items);
  if (!r && s.additionalProperties && typeof s.additionalProperties === 'object') r = hasConstraints(s.additionalProperties);
  constraintsCache.set(s, r);
  return r;
}

function walk(value: unknown, schema: Schema, path: string, out: FieldError[]): void {
  if (value === undefined || value === null) return;
  if (!hasConstraints(schema)) return;
  const info = infoOf(schema);
  if (schema.enum !== undefined && !enumHas(schema.enum, value))
    out.push(fieldErrors.notSupported(path, value, schema.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  switch (info.shape) {
    case 'object':
      if (!isPlainObject(value)) return;
      objectRules(value, schema, path, out);
      if (info.props)
        for (const [key, prop] of info.props) {
          const v = value[key];
          if (v !== undefined && v !== null) walk(v, prop, childPath(path, key), out);
        }
      if (info.additional !== undefined && info.additional !== true) {
        const add = info.additional;
        for (const key of Object.keys(value)) {
          if (info.props?.has(key)) continue;
          walk(value[key], add, childPath(path, key), out);
        }
      }
      return;
    case 'array':
      if (!Array.isArray(value)) return;
      arrayRules(value, schema, path, out);
      if (schema.items) for (let i = 0; i < value.length; i++) walk(value[i], schema.items, `${path}[${i}]`, out);
      return;
    case 'string':
      if (typeof value === 'string') stringRules(value, schema, path, out);
      return;
    case 'integer':
    case 'number':
      if (typeof value === 'number') numberRules(value, schema, path, out);
      return;
    case 'intOrString':
      if (typeof value === 'string') stringRules(value, schema, path, out);
      else if (typeof value === 'number') numberRules(value, schema, path, out);
      return;
    default:
      return;
  }
}

function objectRules(value: Record<string, unknown>, schema: Schema, path: string, out: FieldError[]): void {
  const info = infoOf(schema);
  for (const r of info.required) if (value[r] === undefined) out.push(fieldErrors.required(childPath(path, r)));
  if (schema.minProperties !== undefined || schema.maxProperties !== undefined) {
    const size = Object.keys(value).length;
    if (schema.maxProperties !== undefined && size > schema.maxProperties)
      out.push(fieldErrors.tooMany(path, size, schema.maxProperties));
    if (schema.minProperties !== undefined && size < schema.minProperties)
      out.push(fieldErrors.invalid(path, size, `${path} in body should have at least ${schema.minProperties} properties`));
  }
}

function arrayRules(value: unknown[], schema: Schema, path: string, out: FieldError[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(fieldErrors.tooMany(path, value.length, schema.maxItems));
  if (schema.minItems !== undefined && value.length < schema.minItems)
    out.push(fieldErrors.invalid(path, value.length, `${path} in body should have at least ${schema.minItems} items`));
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen = new Set<string>();
    for (let i = 0; i < value.length; i++) {
      const k = canonicalJson(value[i]);
      if (seen.has(k)) out.push(fieldErrors.duplicate(`${path}[${i}]`, value[i]));
      else seen.add(k);
    }
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const itemSchema = schema.items;
    const seen = new Set<string>();
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (!isPlainObject(item)) continue;
      const keyVals: Record<string, unknown> = {};
      for (const k of keys) {
        let v = item[k];
        // A missing key with a schema default counts as that default, as upstream.
        if (v === undefined && itemSchema?.properties?.[k]?.default !== undefined) v = itemSchema.properties[k]!.default;
        if (v !== undefined) keyVals[k] = v;
      }
      const ck = canonicalJson(keyVals);
      if (seen.has(ck)) out.push(new GoMapDuplicateError(`${path}[${i}]`, keyVals));
      else seen.add(ck);
    }
  }
}

function stringRules(value: string, schema: Schema, path: string, out: FieldError[]): void {
  if (schema.maxLength !== undefined || schema.minLength !== undefined) {
    const len = runeCount(value);
    if (schema.maxLength !== undefined && len > schema.maxLength)
      out.push(new FieldError('FieldValueTooLong', path, OMIT_VALUE, `may not be longer than ${schema.maxLength}`));
    if (schema.minLength !== undefined && len < schema.minLength)
      out.push(fieldErrors.invalid(path, value, `${path} in body should be at least ${schema.minLength} chars long`));
  }
  if (schema.pattern !== undefined) {
    const re = infoOf(schema).pattern;
    if (re && !re.test(value)) out.push(fieldErrors.invalid(path, value, `${path} in body should match '${schema.pattern}'`));
  }
}

function numberRules(value: number, schema: Schema, path: string, out: FieldError[]): void {
  if (schema.maximum !== undefined) {
    const bad = schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum;
    if (bad)
      out.push(
        fieldErrors.invalid(path, value, `${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${goFloat(schema.maximum)}`),
      );
  }
  if (schema.minimum !== undefined) {
    const bad = schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum;
    if (bad)
      out.push(
        fieldErrors.invalid(path, value, `${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${goFloat(schema.minimum)}`),
      );
  }
}

function enumHas(values: readonly unknown[], v: unknown): boolean {
  if (typeof v !== 'object') return values.includes(v as string);
  const c = canonicalJson(v);
  return values.some((e) => canonicalJson(e) === c);
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}

/** JSON with sorted keys, for deep equality. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Go's `%v` for a float64 (strconv 'g', shortest): exponent form from 1e+06 up and below 1e-04. */
export function goFloat(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
  if (v === 0) return '0';
  const [mant, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

/** Duplicate list-map entry, rendered as upstream prints its key map: `map[string]interface {}{"name":"a"}`. */
class GoMapDuplicateError extends FieldError {
  constructor(field: string, keys: Record<string, unknown>) {
    super('FieldValueDuplicate', field, keys, '');
  }
  override body(): string {
    const m = this.badValue as Record<string, unknown>;
    const parts = Object.keys(m)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goScalar(m[k])}`);
    return `Duplicate value: map[string]interface {}{${parts.join(', ')}}`;
  }
}

function goScalar(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  return String(v);
}
