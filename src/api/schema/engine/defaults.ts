/**
 * Schema defaulting with CRD semantics (apiextensions structural defaulting): for every object that
 * is present, each absent property whose schema has a `default` gets a deep copy of it; then
 * defaulting recurses into the properties, list items and map values that are present (including
 * the ones just defaulted). A `null` in a non-nullable property that has a default is replaced by the
 * default, as upstream does. Subtrees whose schemas declare no default at all are skipped.
 */
import type { Schema } from '../schema.js';
import { hasDefaults, infoOf, isPlainObject } from './info.js';

/** Applies defaults in place. Idempotent. The root value itself is never replaced. */
export function applyDefaults(value: unknown, schema: Schema): void {
  if (!hasDefaults(schema)) return;
  walk(value, schema);
}

function walk(value: unknown, schema: Schema): void {
  const info = infoOf(schema);
  if (Array.isArray(value)) {
    if (info.shape !== 'array' || !schema.items || !hasDefaults(schema.items)) return;
    for (const item of value) if (typeof item === 'object' && item !== null) walk(item, schema.items);
    return;
  }
  if (!isPlainObject(value) || info.shape !== 'object') return;
  if (info.props) {
    for (const [key, prop] of info.props) {
      if (prop.default !== undefined) {
        const cur = value[key];
        if (cur === undefined || (cur === null && !prop.nullable)) value[key] = cloneJson(prop.default);
      }
      const child = value[key];
      if (typeof child === 'object' && child !== null && hasDefaults(prop)) walk(child, prop);
    }
  }
  const add = info.additional;
  if (add !== undefined && add !== true && hasDefaults(add)) {
    for (const key of Object.keys(value)) {
      if (info.props?.has(key)) continue;
      const child = value[key];
      if (child === null && add.default !== undefined && !add.nullable) value[key] = cloneJson(add.default);
      const c = value[key];
      if (typeof c === 'object' && c !== null) walk(c, add);
    }
  }
}

function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  return structuredClone(v);
}
