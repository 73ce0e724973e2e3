/**
 * Structural type checks: where a value's JSON type does not fit its schema (a string where an
 * integer is expected, an int32 out of range, bad base64 for `format: byte`...). Mismatches are
 * returned as data so the apiserver can word them as upstream does for the two kinds of resources:
 *
 * - built-in kinds fail decoding (400 BadRequest), worded by Go's encoding/json:
 *   `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string
 *   into Go struct field DeploymentSpec.spec.replicas of type int32` → `formatDecodeError`.
 * - custom resources fail validation (422 Invalid), worded by kube-openapi:
 *   `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`
 *   → `typeMismatchFieldError`.
 */
import type { Schema } from '../schema.js';
import { FieldError } from '../../../lib/field-error.js';
import { childPath, infoOf, isPlainObject } from './info.js';

/** The JSON type of a value as kube-openapi names it. */
export type JsonTypeName = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

export interface TypeMismatch {
  /** What went wrong: the JSON type, an integer out of range or not whole, bad base64, a bad quantity. */
  reason: 'type' | 'range' | 'base64' | 'quantity';
  /** Field path with indices: `spec.template.spec.containers[0].ports[1].containerPort`. */
  path: string;
  /** Go's decoder path (struct fields only, no indices or map keys): `spec.template.spec.containers.ports.containerPort`. */
  goPath: string;
  /** Go struct type that holds the field (`ContainerPort`), undefined at top level or inside a custom unmarshaler. */
  goStruct: string | undefined;
  /** Go type of the target: `int32`, `string`, `v1.PodSpec`, `[]v1.Container`, `map[string]string`. */
  goType: string;
  /** Schema type expected, as kube-openapi words it: `integer`, `string`, `object`, `integer,string`. */
  expected: string;
  /** JSON type found. */
  actual: JsonTypeName;
  /** The schema's `format`, if any (`int32`, `byte`, `int-or-string`...). */
  format?: string;
  value: unknown;
  /** For reason 'base64': byte offset Go's base64.StdEncoding reports. */
  base64Offset?: number;
}

export interface CheckTypesOptions {
  /**
   * Whose rules apply. 'go' (default, built-in kinds decoded into Go structs): null is always
   * accepted (the zero value) and integers must fit their int32/int64 format. 'openapi' (custom
   * resources, kube-openapi): null is a mismatch unless the schema is `nullable`, and integer
   * formats are not range-checked (only whole numbers are required).
   */
  style?: 'go' | 'openapi';
  /** @deprecated alias of `style` kept for callers written against the first version. */
  nulls?: 'go' | 'openapi';
}

/**
 * Every structural mismatch in `value`, in value order (Go reports the first one). `rootPath` is
 * prefixed to every path ('' for a whole object). Values under `x-kubernetes-preserve-unknown-fields`
 * without a type, and fields the schema does not know, are not checked.
 */
export function checkTypes(value: unknown, schema: Schema, rootPath = '', opts: CheckTypesOptions = {}): TypeMismatch[] {
  const out: TypeMismatch[] = [];
  const ctx: Ctx = { out, openapi: (opts.style ?? opts.nulls) === 'openapi' };
  check(ctx, value, schema, rootPath, rootPath, rootStructName(schema));
  return out;
}

interface Ctx {
  out: TypeMismatch[];
  openapi: boolean;
}

function rootStructName(schema: Schema): string | undefined {
  return schema.id ? shortName(schema.id) : undefined;
}

function check(ctx: Ctx, value: unknown, schema: Schema, path: string, goPath: string, goStruct: string | undefined): void {
  const info = infoOf(schema);
  if (value === null) {
    if (ctx.openapi && !schema.nullable && info.shape !== 'any')
      push(ctx, 'type', schema, path, goPath, goStruct, value);
    return;
  }
  switch (info.shape) {
    case 'any':
      return;
    case 'object': {
      if (!isPlainObject(value)) {
        push(ctx, 'type', schema, path, goPath, goStruct, value);
        return;
      }
      const struct = info.props ? (schema.id ? shortName(schema.id) : goStruct) : goStruct;
      for (const key of Object.keys(value)) {
        const prop = info.props?.get(key);
        if (prop) {
          check(ctx, value[key], prop, childPath(path, key), childPath(goPath, key), struct);
        } else if (info.additional !== undefined && info.additional !== true) {
          // Map values: Go keeps the map field's path and struct.
          check(ctx, value[key], info.additional, childPath(path, key), goPath, goStruct);
        }
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        push(ctx, 'type', schema, path, goPath, goStruct, value);
        return;
      }
      if (!schema.items) return;
      for (let i = 0; i < value.length; i++) check(ctx, value[i], schema.items, `${path}[${i}]`, goPath, goStruct);
      return;
    }
    case 'string':
      if (typeof value !== 'string') {
        push(ctx, 'type', schema, path, goPath, goStruct, value);
        return;
      }
      if (schema.format === 'byte') {
        const offset = goBase64Error(value);
        if (offset !== undefined) push(ctx, 'base64', schema, path, goPath, goStruct, value, offset);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') push(ctx, 'type', schema, path, goPath, goStruct, value);
      return;
    case 'number':
      if (typeof value !== 'number') push(ctx, 'type', schema, path, goPath, goStruct, value);
      return;
    case 'integer':
      if (typeof value !== 'number') push(ctx, 'type', schema, path, goPath, goStruct, value);
      else if (!Number.isInteger(value) || (!ctx.openapi && !inRange(value, schema.format))) push(ctx, 'range', schema, path, goPath, goStruct, value);
      return;
    case 'intOrString':
      if (schema.format === 'quantity') {
        if (typeof value !== 'string' && typeof value !== 'number') push(ctx, 'quantity', schema, path, goPath, goStruct, value);
        return;
      }
      if (typeof value === 'string') return;
      if (typeof value !== 'number') push(ctx, 'type', schema, path, goPath, goStruct, value);
      else if (!Number.isInteger(value)) push(ctx, ctx.openapi ? 'type' : 'range', schema, path, goPath, goStruct, value);
      else if (!ctx.openapi && !inRange(value, 'int32')) push(ctx, 'range', schema, path, goPath, goStruct, value);
      return;
  }
}

function push(
  ctx: Ctx,
  reason: TypeMismatch['reason'],
  schema: Schema,
  path: string,
  goPath: string,
  goStruct: string | undefined,
  value: unknown,
  base64Offset?: number,
): void {
  const m: TypeMismatch = {
    reason,
    path,
    goPath,
    goStruct,
    goType: goTypeOf(schema),
    expected: expectedTypeName(schema),
    actual: jsonTypeName(value),
    value,
  };
  if (base64Offset !== undefined) m.base64Offset = base64Offset;
  if (schema.format !== undefined) m.format = schema.format;
  ctx.out.push(m);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_LIMIT = 2 ** 63;

function inRange(v: number, format: string | undefined): boolean {
  if (format === 'int32') return v >= INT32_MIN && v <= INT32_MAX;
  return v >= -INT64_LIMIT && v < INT64_LIMIT;
}

export function jsonTypeName(v: unknown): JsonTypeName {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    default:
      return 'object';
  }
}

function expectedTypeName(s: Schema): string {
  const info = infoOf(s);
  if (info.shape === 'intOrString') return s.format === 'quantity' ? 'number,string' : 'integer,string';
  return info.shape;
}

/** `io.k8s.api.apps.v1.DeploymentSpec` → `DeploymentSpec`. */
function shortName(id: string): string {
  const i = id.lastIndexOf('.');
  return i < 0 ? id : id.slice(i + 1);
}

/** `io.k8s.api.apps.v1.DeploymentSpec` → `v1.DeploymentSpec` (Go package name + type). */
function goQualified(id: string): string {
  const parts = id.split('.');
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : id;
}

const goTypeCache = new WeakMap<Schema, string>();

/** The Go type a schema stands for, as reflect prints it (`int32`, `[]v1.Container`, `map[string]string`). */
export function goTypeOf(s: Schema, depth = 0): string {
  const cached = goTypeCache.get(s);
  if (cached !== undefined) return cached;
  const t = computeGoType(s, depth);
  goTypeCache.set(s, t);
  return t;
}

function computeGoType(s: Schema, depth: number): string {
  if (depth > 8) return 'interface {}';
  const info = infoOf(s);
  switch (info.shape) {
    case 'string':
      if (s.format === 'byte') return '[]uint8';
      if (s.format === 'date-time') return s.id ? goQualified(s.id) : 'v1.Time';
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'integer':
      return s.format === 'int32' ? 'int32' : 'int64';
    case 'intOrString':
      return s.format === 'quantity' ? 'resource.Quantity' : 'intstr.IntOrString';
    case 'array':
      return `[]${s.items ? goTypeOf(s.items, depth + 1) : 'interface {}'}`;
    case 'object':
      if (s.id) return goQualified(s.id);
      if (!info.props && info.additional !== undefined)
        return `map[string]${info.additional === true ? 'interface {}' : goTypeOf(info.additional, depth + 1)}`;
      if (!info.props) return 'map[string]interface {}';
      return 'struct';
    default:
      return 'interface {}';
  }
}

/**
 * Go's encoding/json text for one mismatch, e.g.
 * `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
 * `illegal base64 data at input byte 4`.
 */
export function formatGoJsonError(m: TypeMismatch): string {
  switch (m.reason) {
    case 'base64':
      return `illegal base64 data at input byte ${m.base64Offset ?? 0}`;
    case 'quantity':
      return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    default:
      break;
  }
  let what: string;
  if (m.reason === 'range') what = `number ${goNumberText(m.value)}`;
  else
    switch (m.actual) {
      case 'boolean':
        what = 'bool';
        break;
      case 'integer':
        what = 'number';
        break;
      default:
        what = m.actual;
    }
  // IntOrString decodes through its own UnmarshalJSON into an int32: Go reports no struct field.
  if (m.goType === 'intstr.IntOrString') return `json: cannot unmarshal ${what} into Go value of type int32`;
  if (m.goType === 'v1.Time' || m.goType.endsWith('.Time')) return `json: cannot unmarshal ${what} into Go value of type string`;
  if (m.goStruct === undefined || m.goPath === '') return `json: cannot unmarshal ${what} into Go value of type ${m.goType}`;
  return `json: cannot unmarshal ${what} into Go struct field ${m.goStruct}.${m.goPath} of type ${m.goType}`;
}

function goNumberText(v: unknown): string {
  return typeof v === 'number' ? String(v) : String(v);
}

/**
 * The whole 400 message for a built-in kind, as upstream's codec words it:
 * `Deployment in version "v1" cannot be handled as a Deployment: <Go json error>`.
 * `detail` is a TypeMismatch or an already-formatted reason (e.g. a strict decoding error).
 */
export function formatDecodeError(kind: string, version: string, detail: TypeMismatch | string): string {
  const why = typeof detail === 'string' ? detail : formatGoJsonError(detail);
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${why}`;
}

/**
 * The CRD-style field error for one mismatch (kube-openapi wording, converted as apiextensions does):
 * `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
 * Range, base64 and quantity mismatches produce the equivalent Invalid value errors.
 */
export function typeMismatchFieldError(m: TypeMismatch): FieldError {
  const typeInvalid = (value: unknown, detail: string) => new FieldError('FieldValueTypeInvalid', m.path, value, detail);
  switch (m.reason) {
    case 'type':
      return typeInvalid(m.actual, `${m.path} in body must be of type ${m.expected}: ${JSON.stringify(m.actual)}`);
    case 'range':
      // A fraction where a whole number is expected: kube-openapi checks the format first.
      if (typeof m.value === 'number' && !Number.isInteger(m.value)) {
        if (m.format === 'int32' || m.format === 'int64') return typeInvalid('float64', `${m.path} in body must be of type ${m.format}: "float64"`);
        return typeInvalid('number', `${m.path} in body must be of type integer: "number"`);
      }
      // Only the Go style range-checks whole numbers; word it like Go for completeness.
      return new FieldError('FieldValueInvalid', m.path, m.value, formatGoJsonError(m));
    case 'base64':
      return typeInvalid(m.value, `${m.path} in body must be of type byte: ${JSON.stringify(m.value)}`);
    case 'quantity':
      return typeInvalid(m.actual, `${m.path} in body must be of type ${m.expected}: ${JSON.stringify(m.actual)}`);
  }
}

// ------------------------------------------------------------------ base64 (Go semantics)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let k = 0; k < B64.length; k++) t[B64.charCodeAt(k)] = k;
  return t;
})();

/**
 * Validates `s` as Go's base64.StdEncoding.Decode would (padding required, `\r` and `\n` ignored,
 * trailing data after padding rejected). Returns undefined when valid, otherwise the byte offset Go's
 * CorruptInputError reports (`illegal base64 data at input byte N`). Offsets count UTF-8 bytes.
 */
export function goBase64Error(s: string): number | undefined {
  const src = utf8Bytes(s);
  let si = 0;
  const n = src.length;
  while (si < n) {
    // one quantum of up to four characters
    let j = 0;
    for (; j < 4; j++) {
      if (si === n) {
        if (j === 0) return undefined;
        // too few characters: padding is mandatory for StdEncoding
        return si - j;
      }
      const ch = src[si]!;
      si++;
      if (DECODE[ch]! >= 0) continue;
      if (ch === 0x0a || ch === 0x0d) {
        j--;
        continue;
      }
      if (ch !== 0x3d) return si - 1;
      // padding
      switch (j) {
        case 0:
        case 1:
          return si - 1;
        case 2:
          while (si < n && (src[si] === 0x0a || src[si] === 0x0d)) si++;
          if (si === n) return n;
          if (src[si] !== 0x3d) return si - 1;
          si++;
          break;
        default:
          break;
      }
      while (si < n && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      if (si < n) return si;
      return undefined;
    }
  }
  return undefined;
}

function utf8Bytes(s: string): Uint8Array {
  // ASCII fast path
  let ascii = true;
  for (let k = 0; k < s.length; k++)
    if (s.charCodeAt(k) > 0x7f) {
      ascii = false;
      break;
    }
  if (ascii) {
    const b = new Uint8Array(s.length);
    for (let k = 0; k < s.length; k++) b[k] = s.charCodeAt(k);
    return b;
  }
  return new TextEncoder().encode(s);
}
