/**
 * Unknown-field detection and pruning. Both walk the value (never the schema), so shared and
 * recursive schemas cost nothing extra and cannot loop.
 *
 * Paths follow upstream's strict decoder (sigs.k8s.io/json): dotted field names, `[i]` for list
 * items, `.key` for map entries: `spec.template.spec.containers[0].bogus`.
 */
import type { Schema } from '../schema.js';
import { EMBEDDED_FIELDS, childPath, infoOf, isPlainObject } from './info.js';

/**
 * Paths of every field in `value` that `schema` does not declare, in value order. Maps
 * (`additionalProperties`), `x-kubernetes-preserve-unknown-fields` subtrees and schema-less values
 * never have unknown fields; an `x-kubernetes-embedded-resource` object may also carry apiVersion,
 * kind and metadata (checked as ObjectMeta). Values whose type does not match the schema are not descended into (type
 * checking reports those).
 */
export function findUnknownFields(value: unknown, schema: Schema): string[] {
  const found: Found[] = [];
  walk(value, schema, '', { found, remove: false }, GROUP_OTHER);
  return found.map((f) => f.path);
}

/**
 * Unknown fields in the order upstream's custom-resource pruning reports them: root metadata first,
 * then the rest sorted, then the metadata of embedded resources (sorted).
 */
export function findUnknownFieldsPruneOrder(value: unknown, schema: Schema): string[] {
  const found: Found[] = [];
  walk(value, schema, '', { found, remove: false }, GROUP_OTHER);
  const byGroup = (g: number) => found.filter((f) => f.group === g).map((f) => f.path).sort(byteOrder);
  return [...byGroup(GROUP_ROOT_META), ...byGroup(GROUP_OTHER), ...byGroup(GROUP_EMBEDDED_META)];
}

/**
 * Removes every field `findUnknownFields` would report, in place, and returns `value` (CRD pruning;
 * built-in kinds drop unknown fields on decode the same way).
 */
export function prune<T>(value: T, schema: Schema): T {
  walk(value, schema, '', { found: undefined, remove: true }, GROUP_OTHER);
  return value;
}

const GROUP_ROOT_META = 0;
const GROUP_OTHER = 1;
const GROUP_EMBEDDED_META = 2;

interface Found {
  path: string;
  group: number;
}

interface WalkCtx {
  found: Found[] | undefined;
  remove: boolean;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function walk(value: unknown, schema: Schema, path: string, ctx: WalkCtx, group: number): void {
  const info = infoOf(schema);
  if (Array.isArray(value)) {
    if (info.shape !== 'array' || !schema.items) return;
    const items = schema.items;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'object' && v !== null) walk(v, items, `${path}[${i}]`, ctx, group);
    }
    return;
  }
  if (!isPlainObject(value) || info.shape !== 'object') return;
  const { props, additional, preserve, embedded } = info;
  if (!props && !embedded && (additional === true || (additional === undefined && preserve))) return;
  for (const key of Object.keys(value)) {
    const child = value[key];
    const prop = props?.get(key);
    const childGroup = path === '' && key === 'metadata' ? GROUP_ROOT_META : group;
    if (prop) {
      if (typeof child === 'object' && child !== null) walk(child, prop, childPath(path, key), ctx, childGroup);
      continue;
    }
    if (additional !== undefined) {
      if (additional !== true && typeof child === 'object' && child !== null)
        walk(child, additional, childPath(path, key), ctx, childGroup);
      continue;
    }
    const implicit = embedded ? EMBEDDED_FIELDS.get(key) : undefined;
    if (implicit) {
      if (typeof child === 'object' && child !== null)
        walk(child, implicit, childPath(path, key), ctx, path === '' ? childGroup : key === 'metadata' ? GROUP_EMBEDDED_META : group);
      continue;
    }
    if (preserve) continue;
    if (ctx.found) ctx.found.push({ path: childPath(path, key), group: childGroup });
    if (ctx.remove) delete value[key];
  }
}

/**
 * The schema governing the field `key` of an object under `schema`: its property, the map value
 * schema (ObjectMeta for an embedded resource's metadata), `true` for "anything goes" (preserved,
 * map of any), or undefined when the field is unknown.
 */
export function fieldSchema(schema: Schema, key: string): Schema | true | undefined {
  const info = infoOf(schema);
  if (info.shape === 'any') return true;
  if (info.shape !== 'object') return true;
  const prop = info.props?.get(key);
  if (prop) return prop;
  if (info.additional !== undefined) return info.additional;
  const implicit = info.embedded ? EMBEDDED_FIELDS.get(key) : undefined;
  if (implicit) return implicit;
  if (info.preserve) return true;
  return undefined;
}
