/**
 * Per-schema facts the engine needs on every write, computed once per schema object and cached in a
 * WeakMap (schemas are immutable once registered; a changed schema is a new object). Nothing here
 * walks a schema recursively except `hasDefaults`, which tolerates cycles.
 */
import type { Schema } from '../schema.js';
import { ObjectMeta } from '../../meta/v1.js';

/** How a value under this schema is shaped. */
export type Shape = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'intOrString' | 'any';

export interface SchemaInfo {
  readonly shape: Shape;
  /** Declared properties (object shape). */
  readonly props: ReadonlyMap<string, Schema> | undefined;
  /** Schema of values not in `props`: a schema, `true` (anything) or undefined (none allowed). */
  readonly additional: Schema | true | undefined;
  /** Unknown fields are kept (x-kubernetes-preserve-unknown-fields). */
  readonly preserve: boolean;
  readonly embedded: boolean;
  readonly required: readonly string[];
  /** Compiled `pattern` (null when absent or not compilable). */
  readonly pattern: RegExp | null;
}

const infoCache = new WeakMap<Schema, SchemaInfo>();

export function infoOf(schema: Schema): SchemaInfo {
  let info = infoCache.get(schema);
  if (!info) {
    info = computeInfo(schema);
    infoCache.set(schema, info);
  }
  return info;
}

function computeInfo(s: Schema): SchemaInfo {
  let shape: Shape;
  if (s['x-kubernetes-int-or-string']) shape = 'intOrString';
  else if (s.type) shape = s.type;
  else if (s.properties || (s.additionalProperties !== undefined && s.additionalProperties !== false)) shape = 'object';
  else if (s.items) shape = 'array';
  else shape = 'any';
  const props = s.properties ? new Map(Object.entries(s.properties)) : undefined;
  let additional: Schema | true | undefined;
  if (s.additionalProperties === true) additional = true;
  else if (s.additionalProperties && typeof s.additionalProperties === 'object') additional = s.additionalProperties;
  let pattern: RegExp | null = null;
  if (s.pattern !== undefined) {
    try {
      pattern = new RegExp(s.pattern, 'u');
    } catch {
      try {
        pattern = new RegExp(s.pattern);
      } catch {
        pattern = null;
      }
    }
  }
  return {
    shape,
    props,
    additional,
    preserve: s['x-kubernetes-preserve-unknown-fields'] === true,
    embedded: s['x-kubernetes-embedded-resource'] === true,
    required: s.required ?? [],
    pattern,
  };
}

/**
 * Fields every embedded resource (`x-kubernetes-embedded-resource`) may carry whatever its schema
 * says, with the schema they get: apiVersion and kind are strings, metadata is an ObjectMeta (so
 * unknown metadata fields are reported and pruned, as upstream prunes embedded metadata).
 */
export const EMBEDDED_FIELDS: ReadonlyMap<string, Schema> = new Map<string, Schema>([
  ['apiVersion', { type: 'string' }],
  ['kind', { type: 'string' }],
  ['metadata', ObjectMeta],
]);

const defaultsCache = new WeakMap<Schema, boolean>();

/**
 * Whether `schema` or anything below it declares a `default`: lets defaulting skip whole subtrees.
 * Cycles count as "maybe" (true) while being computed, so the answer is conservative.
 */
export function hasDefaults(schema: Schema): boolean {
  const cached = defaultsCache.get(schema);
  if (cached !== undefined) return cached;
  defaultsCache.set(schema, true);
  let result = schema.default !== undefined;
  if (!result && schema.properties) {
    for (const p of Object.values(schema.properties)) {
      if (hasDefaults(p)) {
        result = true;
        break;
      }
    }
  }
  if (!result && schema.items) result = hasDefaults(schema.items);
  if (!result && schema.additionalProperties && typeof schema.additionalProperties === 'object')
    result = hasDefaults(schema.additionalProperties);
  defaultsCache.set(schema, result);
  return result;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Appends a property name to a dotted path. */
export function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
