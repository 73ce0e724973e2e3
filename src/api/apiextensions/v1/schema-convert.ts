/**
 * A CRD version's openAPIV3Schema (JSONSchemaProps) → the engine's Schema, so custom resources go
 * through the same prune / default / type / value checks and OpenAPI publication as built-in kinds.
 * Pure. Logic junctors (allOf/anyOf/oneOf/not) and CEL rules are dropped: the engine does not
 * evaluate them (structural validation already guarantees they only restrict values).
 */
import type { Schema, SchemaType } from '../../schema/schema.js';
import { ObjectMeta } from '../../meta/v1.js';
import type { JSONSchemaProps } from './types.js';

const TYPES = new Set<string>(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/** One JSONSchemaProps node → Schema (recursively), without adding type meta. */
export function toEngineSchema(p: JSONSchemaProps): Schema {
  const s: Schema = {};
  if (p.type && TYPES.has(p.type)) s.type = p.type as SchemaType;
  if (p.format) s.format = p.format;
  if (p.description) s.description = p.description;
  if (p.properties) {
    s.properties = {};
    for (const [k, v] of Object.entries(p.properties)) s.properties[k] = toEngineSchema(v ?? {});
  }
  if (p.required?.length) s.required = [...p.required];
  if (p.additionalProperties !== undefined && p.additionalProperties !== null) {
    s.additionalProperties = typeof p.additionalProperties === 'boolean' ? p.additionalProperties : toEngineSchema(p.additionalProperties);
  }
  if (p.items && !Array.isArray(p.items)) s.items = toEngineSchema(p.items);
  if (p.enum) s.enum = p.enum as Schema['enum'];
  if (p.default !== undefined) s.default = p.default;
  if (p.nullable) s.nullable = true;
  for (const k of ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const)
    if (typeof p[k] === 'number') s[k] = p[k];
  if (p.exclusiveMinimum) s.exclusiveMinimum = true;
  if (p.exclusiveMaximum) s.exclusiveMaximum = true;
  if (p.pattern) s.pattern = p.pattern;
  if (p['x-kubernetes-int-or-string']) s['x-kubernetes-int-or-string'] = true;
  if (p['x-kubernetes-preserve-unknown-fields']) s['x-kubernetes-preserve-unknown-fields'] = true;
  if (p['x-kubernetes-embedded-resource']) s['x-kubernetes-embedded-resource'] = true;
  const lt = p['x-kubernetes-list-type'];
  if (lt === 'atomic' || lt === 'set' || lt === 'map') s['x-kubernetes-list-type'] = lt;
  if (p['x-kubernetes-list-map-keys']?.length) s['x-kubernetes-list-map-keys'] = [...p['x-kubernetes-list-map-keys']];
  const mt = p['x-kubernetes-map-type'];
  if (mt === 'atomic' || mt === 'granular') s['x-kubernetes-map-type'] = mt;
  if (s['x-kubernetes-embedded-resource'] && s.properties) {
    // Embedded objects always keep their type meta (upstream's pruning skips apiVersion/kind/metadata there).
    s.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, ...s.properties };
  }
  return s;
}

/**
 * The whole-object schema of a custom resource version: the author's root schema with apiVersion,
 * kind and metadata (full ObjectMeta; authors may only restrict name/generateName there, which the
 * engine cannot express and upstream validates separately) as upstream serves it.
 */
export function customResourceSchema(root: JSONSchemaProps | undefined, gvk: { group: string; version: string; kind: string }): Schema {
  const s = toEngineSchema(root ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = s.properties ?? {};
  const metaDescription = root?.properties?.['metadata']?.description;
  return {
    ...s,
    type: 'object',
    properties: {
      // Descriptions of apiVersion/kind/metadata: upstream's standard text, added by the OpenAPI service.
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: metaDescription ? { ...ObjectMeta, description: metaDescription } : ObjectMeta,
      ...rest,
    },
    'x-kubernetes-group-version-kind': [gvk],
  };
}
