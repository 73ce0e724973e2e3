/**
 * Label and field selectors from query parameters → one object filter. Supported field labels are
 * metadata.name, metadata.namespace and the kind's own (ResourceDef.fieldSelectors); anything else
 * is a 400 with upstream's `field label not supported: X`.
 */
import type { KubeObject, ResourceDef } from '../api/types.js';
import { badRequest } from '../lib/errors.js';
import { parseSelector, matches, isEverything, SelectorError } from '../lib/labels/index.js';
import { parseFieldSelector, fieldsMatch, fieldsUsed, isEverythingFields, FieldSelectorError } from '../lib/fields/index.js';

export interface ObjectFilter {
  filter?: (obj: KubeObject) => boolean;
  filtered: boolean;
}

/** Value of a field label for an object, or undefined when the kind doesn't support it. */
export function fieldGetter(def: ResourceDef, obj: KubeObject): (field: string) => string | undefined {
  return (field) => {
    if (field === 'metadata.name') return obj.metadata.name ?? '';
    if (field === 'metadata.namespace') return def.namespaced ? (obj.metadata.namespace ?? '') : '';
    const f = def.fieldSelectors?.[field];
    return f ? (f(obj) ?? '') : undefined;
  };
}

export function supportsField(def: ResourceDef, field: string): boolean {
  return field === 'metadata.name' || field === 'metadata.namespace' || Boolean(def.fieldSelectors?.[field]);
}

export function buildFilter(def: ResourceDef, labelSelector: string | null, fieldSelector: string | null): ObjectFilter {
  const filters: ((o: KubeObject) => boolean)[] = [];
  if (labelSelector) {
    let sel;
    try {
      sel = parseSelector(labelSelector);
    } catch (e) {
      if (e instanceof SelectorError) throw badRequest(e.message);
      throw e;
    }
    if (!isEverything(sel)) filters.push((o) => matches(sel, o.metadata.labels));
  }
  if (fieldSelector) {
    let sel;
    try {
      sel = parseFieldSelector(fieldSelector);
    } catch (e) {
      if (e instanceof FieldSelectorError) throw badRequest(e.message);
      throw e;
    }
    for (const f of fieldsUsed(sel)) if (!supportsField(def, f)) throw badRequest(`field label not supported: ${f}`);
    if (!isEverythingFields(sel)) filters.push((o) => fieldsMatch(sel, fieldGetter(def, o)));
  }
  if (filters.length === 0) return { filtered: false };
  return { filtered: true, filter: (o) => filters.every((f) => f(o)) };
}
