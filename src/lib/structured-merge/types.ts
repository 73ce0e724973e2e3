/**
 * The type information structured merge needs, independent of any schema language (upstream's
 * structured-merge-diff schema.Atom): how a value splits into fields that managers can own.
 *
 * - `scalar`: a leaf; also used for any value the type does not describe.
 * - `map`: an object. `field(name)` gives a declared field's type (`declared: true`, a struct field)
 *   or the element type of a map (`declared: false`); `undefined` for names the type does not know
 *   (treated as untyped). `atomic`: owned and replaced as one leaf (x-kubernetes-map-type: atomic).
 * - `list`: `listType` `atomic` (a leaf), `set` (items are scalar values, owned one by one) or
 *   `map` (items are objects identified by `keys`, x-kubernetes-list-map-keys). `keyDefault`
 *   gives the default of a key field an item may omit (ports' protocol: "TCP").
 * - `untyped`: nothing known (x-kubernetes-preserve-unknown-fields): objects are granular maps of
 *   untyped values, arrays are atomic, as upstream's deduced type.
 *
 * Implementations may be lazy and recursive (a schema that contains itself).
 */
export type FieldType = ScalarType | MapType | ListType | UntypedType;

export interface ScalarType {
  readonly kind: 'scalar';
}

export interface MapType {
  readonly kind: 'map';
  readonly atomic: boolean;
  field(name: string): { type: FieldType; declared: boolean } | undefined;
}

export interface ListType {
  readonly kind: 'list';
  readonly listType: 'atomic' | 'set' | 'map';
  readonly keys: readonly string[];
  readonly element: FieldType;
  keyDefault?(key: string): unknown;
}

export interface UntypedType {
  readonly kind: 'untyped';
}

export const SCALAR: ScalarType = { kind: 'scalar' };
export const UNTYPED: UntypedType = { kind: 'untyped' };

/** A JSON value as parsed (objects are plain records). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The type of a map's entry `name` (untyped when unknown). */
export function fieldOf(t: FieldType, name: string): { type: FieldType; declared: boolean } {
  if (t.kind === 'map') return t.field(name) ?? { type: UNTYPED, declared: false };
  return { type: UNTYPED, declared: false };
}

/** How a value is walked under a type: as a leaf, a granular map, or a granular list. */
export function shapeOf(t: FieldType, v: unknown): 'leaf' | 'map' | 'list' {
  if (t.kind === 'map') return !t.atomic && isObject(v) ? 'map' : 'leaf';
  if (t.kind === 'list') return t.listType !== 'atomic' && Array.isArray(v) ? 'list' : 'leaf';
  if (t.kind === 'untyped') return isObject(v) ? 'map' : 'leaf';
  return 'leaf';
}
