/**
 * Adapts Schema to lib/patch's PatchMeta, so strategic merge patch reads the same
 * `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy` that /openapi/v3 publishes.
 *
 * Lazy and cached per schema object: schemas may be recursive through shared objects (e.g.
 * JSONSchemaProps), so nothing is walked until a patch asks for it. Unknown fields, free-form
 * values (`x-kubernetes-preserve-unknown-fields`) and `additionalProperties: true` give
 * `undefined`, which strategic merge treats as a JSON merge patch for that subtree.
 */
import type { PatchMeta } from '../../lib/patch/index.js';
import type { Schema } from './schema.js';

const cache = new WeakMap<Schema, PatchMeta>();

/** The PatchMeta of a value described by `schema` (undefined stays undefined). */
export function patchMetaFromSchema(schema: Schema | undefined): PatchMeta | undefined {
  if (schema === undefined) return undefined;
  const hit = cache.get(schema);
  if (hit) return hit;
  const strategy = schema['x-kubernetes-patch-strategy'];
  const meta: PatchMeta = {
    child(field: string): PatchMeta | undefined {
      const props = schema.properties;
      if (props && Object.hasOwn(props, field)) return patchMetaFromSchema(props[field]);
      const extra = schema.additionalProperties;
      return typeof extra === 'object' ? patchMetaFromSchema(extra) : undefined;
    },
    items(): PatchMeta | undefined {
      return patchMetaFromSchema(schema.items);
    },
    mergeKey: schema['x-kubernetes-patch-merge-key'],
    strategies: strategy ? strategy.split(',').map((s) => s.trim()).filter((s) => s !== '') : [],
    name: schema.id ?? '',
  };
  cache.set(schema, meta);
  return meta;
}
