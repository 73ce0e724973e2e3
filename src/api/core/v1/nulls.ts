/**
 * Go's JSON decoder turns `null` list items and map values into zero values (`{}`, `""`, `0`,
 * `false`); the hooks here rely on that, so it is replicated before defaulting. Null *fields* stay as
 * they are (they mean "absent", which every view already handles).
 */
import type { Schema } from '../../schema/index.js';

function zeroOf(s: Schema | undefined): unknown {
  if (!s) return null;
  if (s['x-kubernetes-int-or-string']) return null;
  switch (s.type) {
    case 'object':
      return {};
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}

/** Replaces null list items and map values by their type's zero value, recursively, in place. */
export function zeroNullItems(value: unknown, schema: Schema | undefined): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const item = schema.items;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null) {
        const z = zeroOf(item);
        if (z !== null) value[i] = z;
      }
      zeroNullItems(value[i], item);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  const props = schema.properties;
  const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [k, v] of Object.entries(obj)) {
    const sub = props?.[k] ?? extra;
    if (v === null) {
      if (!props?.[k] && extra) {
        const z = zeroOf(extra);
        if (z !== null) obj[k] = z;
      }
      continue;
    }
    zeroNullItems(v, sub);
  }
}
