/**
 * A small builder language for writing built-in schemas compactly. Each builder returns a fresh
 * plain Schema object. Options are merged last, so any Schema property can be set.
 *
 *   const port = object({ containerPort: int32(), protocol: string({ enum: ['TCP','UDP','SCTP'], default: 'TCP' }) },
 *                       { required: ['containerPort'], id: 'io.k8s.api.core.v1.ContainerPort' });
 *   array(port, { mergeKey: 'containerPort', strategy: 'merge', listType: 'map', mapKeys: ['containerPort','protocol'] })
 */
import type { Schema } from './schema.js';

export type Opts = Omit<Schema, 'type' | 'properties' | 'items' | 'additionalProperties'>;

export function object(properties: Record<string, Schema>, opts: Opts = {}): Schema {
  return { type: 'object', properties, ...opts };
}

/** An object whose named props are listed and whose extra fields are kept as-is. */
export function looseObject(properties: Record<string, Schema>, opts: Opts = {}): Schema {
  return { type: 'object', properties, 'x-kubernetes-preserve-unknown-fields': true, ...opts };
}

/** map[string]V. */
export function map(value: Schema = string(), opts: Opts = {}): Schema {
  return { type: 'object', additionalProperties: value, ...opts };
}

export function string(opts: Opts = {}): Schema {
  return { type: 'string', ...opts };
}

export function enumOf(values: readonly string[], opts: Opts = {}): Schema {
  return { type: 'string', enum: values, ...opts };
}

export function int32(opts: Opts = {}): Schema {
  return { type: 'integer', format: 'int32', ...opts };
}

export function int64(opts: Opts = {}): Schema {
  return { type: 'integer', format: 'int64', ...opts };
}

export function number(opts: Opts = {}): Schema {
  return { type: 'number', format: 'double', ...opts };
}

export function bool(opts: Opts = {}): Schema {
  return { type: 'boolean', ...opts };
}

/** RFC 3339 timestamp (metav1.Time). */
export function dateTime(opts: Opts = {}): Schema {
  return { type: 'string', format: 'date-time', ...opts };
}

/** base64-encoded bytes ([]byte). */
export function bytes(opts: Opts = {}): Schema {
  return { type: 'string', format: 'byte', ...opts };
}

/** intstr.IntOrString (ports, maxSurge...). */
export function intOrString(opts: Opts = {}): Schema {
  return { 'x-kubernetes-int-or-string': true, format: 'int-or-string', ...opts };
}

/** resource.Quantity: a string such as `250m` or `1Gi`, or a number. */
export function quantity(opts: Opts = {}): Schema {
  return { 'x-kubernetes-int-or-string': true, format: 'quantity', ...opts };
}

export interface ArrayOpts extends Opts {
  /** Strategic-merge key (x-kubernetes-patch-merge-key). */
  mergeKey?: string;
  /** Strategic-merge strategy (x-kubernetes-patch-strategy). */
  strategy?: string;
  listType?: 'atomic' | 'set' | 'map';
  mapKeys?: string[];
}

export function array(items: Schema, opts: ArrayOpts = {}): Schema {
  const { mergeKey, strategy, listType, mapKeys, ...rest } = opts;
  const s: Schema = { type: 'array', items, ...rest };
  if (mergeKey !== undefined) s['x-kubernetes-patch-merge-key'] = mergeKey;
  if (strategy !== undefined) s['x-kubernetes-patch-strategy'] = strategy;
  if (listType !== undefined) s['x-kubernetes-list-type'] = listType;
  if (mapKeys !== undefined) s['x-kubernetes-list-map-keys'] = mapKeys;
  return s;
}

/** Any JSON value kept verbatim (RawExtension, free-form JSON). */
export function anyValue(opts: Opts = {}): Schema {
  return { 'x-kubernetes-preserve-unknown-fields': true, ...opts };
}

/** Attaches a description (returns a copy). */
export function describe(s: Schema, description: string): Schema {
  return { ...s, description };
}

/** Returns a copy with extra options (e.g. a default) merged in. */
export function withOpts(s: Schema, opts: Partial<Schema>): Schema {
  return { ...s, ...opts };
}
