/**
 * The schema language for every kind Flotilla serves: a structural OpenAPI v3 schema, the same
 * language CustomResourceDefinitions use (JSONSchemaProps), so built-in kinds and custom resources
 * share one engine for defaulting, pruning, unknown-field detection, type checks, strategic-merge
 * metadata and OpenAPI publication.
 *
 * `id` is ours, not OpenAPI's: a named schema (e.g. `io.k8s.api.core.v1.Container`) is published once
 * under components/schemas and referenced with $ref.
 */
export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface Schema {
  id?: string;
  type?: SchemaType;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  /** A map's value schema (`true`: any value). */
  additionalProperties?: Schema | boolean;
  items?: Schema;
  enum?: readonly (string | number | boolean | null)[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-patch-merge-key'?: string;
  /** `merge`, `replace`, `retainKeys` or `merge,retainKeys`. */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  /** Upstream-compatible alias the seed uses: ignored by validation, named in warnings. */
  'x-flotilla-upstream-field'?: string;
}
