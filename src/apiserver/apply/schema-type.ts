/**
 * Our schemas (structural OpenAPI v3, src/api/schema) seen as structured-merge types, with the
 * same rules upstream uses to turn OpenAPI into structured-merge-diff schemas:
 * x-kubernetes-list-type / list-map-keys first, else a strategic `merge` list with a merge key is
 * associative on that key and one without is a set of scalars, else atomic; objects with
 * properties are structs, `additionalProperties` makes a map, x-kubernetes-map-type: atomic
 * makes either one leaf; x-kubernetes-preserve-unknown-fields without properties is untyped.
 * Lazy and cached per schema object (schemas can contain themselves).
 */
import type { Schema } from '../../api/schema/schema.js';
import { SCALAR, UNTYPED, type FieldType } from '../../lib/structured-merge/index.js';

const cache = new WeakMap<Schema, FieldType>();

export function fieldTypeOf(schema: Schema | undefined): FieldType {
  if (schema === undefined) return UNTYPED;
  const hit = cache.get(schema);
  if (hit) return hit;
  const t = convert(schema);
  cache.set(schema, t);
  return t;
}

function convert(s: Schema): FieldType {
  if (s['x-kubernetes-int-or-string']) return SCALAR;
  if (s.type === 'array') {
    const strategies = (s['x-kubernetes-patch-strategy'] ?? '').split(',').map((x) => x.trim());
    const mergeKey = s['x-kubernetes-patch-merge-key'];
    let listType = s['x-kubernetes-list-type'];
    let keys: readonly string[] = s['x-kubernetes-list-map-keys'] ?? [];
    if (listType === undefined) {
      if (strategies.includes('merge') && mergeKey) {
        listType = 'map';
        keys = [mergeKey];
      } else if (strategies.includes('merge') && isScalarSchema(s.items)) listType = 'set';
      else listType = 'atomic';
    } else if (listType === 'map' && keys.length === 0 && mergeKey) keys = [mergeKey];
    const items = s.items;
    let element: FieldType | undefined;
    return {
      kind: 'list',
      listType,
      keys,
      get element() {
        return (element ??= fieldTypeOf(items));
      },
      keyDefault: (k: string) => items?.properties?.[k]?.default,
    };
  }
  const props = s.properties;
  const extra = s.additionalProperties;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (s.type === 'object' || props || extra !== undefined) {
    if (!props && extra === undefined) return preserve || s.type === 'object' ? UNTYPED : SCALAR;
    // Field lookups are resolved once per name (walks ask for the same fields on every write).
    const resolved = new Map<string, { type: FieldType; declared: boolean } | undefined>();
    let element: { type: FieldType; declared: boolean } | undefined | null = null;
    return {
      kind: 'map',
      atomic: s['x-kubernetes-map-type'] === 'atomic',
      field(name: string) {
        if (props && Object.hasOwn(props, name)) {
          let r = resolved.get(name);
          if (!r) resolved.set(name, (r = { type: fieldTypeOf(props[name]), declared: true }));
          return r;
        }
        if (element === null) {
          if (typeof extra === 'object') element = { type: fieldTypeOf(extra), declared: false };
          else if (extra === true || preserve) element = { type: UNTYPED, declared: false };
          else element = undefined;
        }
        return element;
      },
    };
  }
  if (s.type === undefined && preserve) return UNTYPED;
  if (s.type === undefined) return UNTYPED;
  return SCALAR;
}

function isScalarSchema(s: Schema | undefined): boolean {
  return s !== undefined && (s.type === 'string' || s.type === 'integer' || s.type === 'number' || s.type === 'boolean' || s['x-kubernetes-int-or-string'] === true);
}
