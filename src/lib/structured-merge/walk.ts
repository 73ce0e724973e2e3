/**
 * Typed walks over JSON values (upstream's typed.TypedValue operations): the set of fields a value
 * sets, the difference between two values, the merge of an applied configuration into a live
 * object, and the removal of a set of fields. Pure; inputs are never changed.
 */
import { FieldSet, SetBuilder, fieldElement, keyElement, pathString, valueElement, type PathElement, type PathLink } from './field-set.js';
import { fieldOf, isObject, shapeOf, type FieldType, type Json, type ListType } from './types.js';

/** The path element of a list item: by value for sets, by key fields for associative lists. */
export function itemElement(t: ListType, item: Json, index: number): PathElement {
  if (t.listType === 'set' || !isObject(item)) return t.listType === 'map' && !isObject(item) ? `i:${index}` : valueElement(item);
  const keys: Record<string, Json> = {};
  for (const k of t.keys) {
    let v: unknown = item[k];
    if (v === undefined || v === null) v = t.keyDefault?.(k);
    if (v !== undefined && v !== null) keys[k] = v as Json;
  }
  return keyElement(keys);
}

/**
 * What upstream reports when it types an applied configuration, in walk order: fields the type
 * does not declare (`.spec.foo: field not declared in schema`) and associative list items that
 * share a key (`.spec.containers: duplicate entries for key [name="web"]`).
 */
export function typeErrors(v: Json, t: FieldType): string[] {
  const errs: string[] = [];
  const visit = (val: Json, type: FieldType, path: PathLink): void => {
    const shape = shapeOf(type, val);
    if (shape === 'leaf') return;
    if (shape === 'map') {
      for (const k in val as Record<string, Json>) {
        const p: PathLink = { parent: path, element: fieldElement(k) };
        if (type.kind === 'map' && type.field(k) === undefined) {
          errs.push(`${pathString(linkPath(p))}: field not declared in schema`);
          continue;
        }
        visit((val as Record<string, Json>)[k]!, fieldOf(type, k).type, p);
      }
      return;
    }
    const lt = type as ListType;
    const seen = new Set<PathElement>();
    const items = val as Json[];
    for (let i = 0; i < items.length; i++) {
      const pe = itemElement(lt, items[i]!, i);
      if (lt.listType === 'map' && seen.has(pe)) errs.push(`${pathString(linkPath(path))}: duplicate entries for key ${pathString([pe])}`);
      seen.add(pe);
      visit(items[i]!, lt.element, { parent: path, element: pe });
    }
  };
  visit(v, t, undefined);
  return [...new Set(errs)];
}

function linkPath(link: PathLink): PathElement[] {
  const out: PathElement[] = [];
  for (let l = link; l; l = l.parent) out.push(l.element);
  return out.reverse();
}

/** Every field `v` sets, as upstream's ToFieldSet (map entries of undeclared keys are members). */
export function toFieldSet(v: Json, t: FieldType): FieldSet {
  const out = new SetBuilder();
  const visit = (val: Json, type: FieldType, path: PathLink): void => {
    const shape = shapeOf(type, val);
    if (shape === 'leaf') {
      if (path) out.add(path);
      return;
    }
    if (shape === 'map') {
      for (const k in val as Record<string, Json>) {
        const c = (val as Record<string, Json>)[k]!;
        const f = fieldOf(type, k);
        const p: PathLink = { parent: path, element: fieldElement(k) };
        visit(c, f.type, p);
        if (c === null || !f.declared || (isObject(c) && isEmptyObject(c))) out.add(p);
      }
      return;
    }
    const lt = type as ListType;
    const items = val as Json[];
    for (let i = 0; i < items.length; i++) {
      const p: PathLink = { parent: path, element: itemElement(lt, items[i]!, i) };
      visit(items[i]!, lt.element, p);
      out.add(p);
    }
  };
  visit(v, t, undefined);
  return out.build();
}

function isEmptyObject(o: Record<string, Json>): boolean {
  for (const _ in o) return false;
  return true;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `lhs` to `rhs` (upstream's Compare); the root itself is never reported. */
export function compare(lhs: Json, rhs: Json, t: FieldType): Comparison {
  const added = new SetBuilder();
  const modified = new SetBuilder();
  const removed = new SetBuilder();
  const visit = (l: Json | undefined, r: Json | undefined, type: FieldType, path: PathLink): void => {
    const ls = l === undefined ? undefined : shapeOf(type, l);
    const rs = r === undefined ? undefined : shapeOf(type, r);
    const shape = ls !== undefined && rs !== undefined && ls !== rs ? 'leaf' : (ls ?? rs);
    if (shape === 'leaf') {
      if (l === undefined) added.add(path);
      else if (r === undefined) removed.add(path);
      else if (!jsonEqual(l, r)) modified.add(path);
      return;
    }
    if (shape === 'map') {
      const lo = (l ?? {}) as Record<string, Json>;
      const ro = (r ?? {}) as Record<string, Json>;
      for (const k in lo) visit(lo[k], own(ro, k), fieldOf(type, k).type, { parent: path, element: fieldElement(k) });
      for (const k in ro) if (!Object.hasOwn(lo, k)) visit(undefined, ro[k], fieldOf(type, k).type, { parent: path, element: fieldElement(k) });
    } else {
      const lt = type as ListType;
      const li = indexItems(lt, (l ?? []) as Json[]);
      const ri = indexItems(lt, (r ?? []) as Json[]);
      for (const [pe, item] of li) visit(item, ri.get(pe), lt.element, { parent: path, element: pe });
      for (const [pe, item] of ri) if (!li.has(pe)) visit(undefined, item, lt.element, { parent: path, element: pe });
    }
    if (path) {
      if (l === undefined) added.add(path);
      else if (r === undefined) removed.add(path);
    }
  };
  visit(lhs, rhs, t, undefined);
  return { added: added.build(), modified: modified.build(), removed: removed.build() };
}

function own(o: Record<string, Json>, k: string): Json | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

function indexItems(t: ListType, items: readonly Json[]): Map<PathElement, Json> {
  const m = new Map<PathElement, Json>();
  items.forEach((item, i) => m.set(itemElement(t, item, i), item));
  return m;
}

/**
 * The applied configuration `config` merged into `live` (upstream's Merge): config's values win
 * for leaves and atomic values, maps and granular lists merge item by item (associative lists by
 * key, sets by value), keeping live's order and placing config's new items after the shared item
 * that precedes them in config. A null in config removes the field.
 */
export function merge(live: Json, config: Json, t: FieldType): Json {
  const m = (l: Json | undefined, r: Json | undefined, type: FieldType): Json | undefined => {
    if (r === undefined) return l;
    if (l === undefined || l === null) return r;
    const ls = shapeOf(type, l);
    const rs = shapeOf(type, r);
    if (rs === 'leaf' || ls !== rs) return r;
    if (rs === 'map') {
      const out: Record<string, Json> = { ...(l as Record<string, Json>) };
      for (const [k, rv] of Object.entries(r as Record<string, Json>)) {
        if (rv === null) {
          delete out[k];
          continue;
        }
        const v = m(own(out, k), rv, fieldOf(type, k).type);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    return mergeList(l as Json[], r as Json[], type as ListType, (a, b) => m(a, b, (type as ListType).element));
  };
  return m(live, config, t) ?? null;
}

function mergeList(l: Json[], r: Json[], t: ListType, item: (a: Json | undefined, b: Json | undefined) => Json | undefined): Json[] {
  const lPEs = l.map((v, i) => itemElement(t, v, i));
  const rPEs = r.map((v, i) => itemElement(t, v, i));
  const lMap = new Map(lPEs.map((pe, i) => [pe, l[i]!] as const));
  const rMap = new Map(rPEs.map((pe, i) => [pe, r[i]!] as const));
  const shared = rPEs.filter((pe) => lMap.has(pe));
  let sharedIdx = 0;
  const nextShared = () => shared[sharedIdx];
  const out: Json[] = [];
  const done = new Set<PathElement>();
  const push = (v: Json | undefined) => {
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < lPEs.length || ri < rPEs.length) {
    if (li < lPEs.length && ri < rPEs.length) {
      const pe = lPEs[li]!;
      if (pe === rPEs[ri]) {
        if (!done.has(pe)) push(item(lMap.get(pe), rMap.get(pe)));
        done.add(pe);
        li++;
        ri++;
        if (nextShared() === pe) sharedIdx++;
        continue;
      }
      if (rMap.has(pe) && nextShared() !== undefined && nextShared() !== pe) {
        li++;
        continue;
      }
    }
    if (li < lPEs.length) {
      const pe = lPEs[li]!;
      if (!rMap.has(pe)) {
        push(l[li]);
        li++;
        continue;
      }
      if (done.has(pe)) {
        li++;
        continue;
      }
    }
    if (ri < rPEs.length) {
      const pe = rPEs[ri]!;
      if (!done.has(pe)) push(item(lMap.get(pe), rMap.get(pe)));
      done.add(pe);
      ri++;
      if (nextShared() === pe) sharedIdx++;
    }
  }
  return out;
}

/**
 * `v` without the members of `set` (upstream's RemoveItems): a member removes the whole field or
 * item; members below it remove parts. Atomic values are never split. A map entry emptied by the
 * removal goes too; a declared field stays, emptied.
 */
export function removeItems(v: Json, set: FieldSet, t: FieldType): Json {
  const rm = (val: Json, s: FieldSet, type: FieldType): Json => {
    const shape = shapeOf(type, val);
    if (shape === 'leaf') return val;
    if (shape === 'map') {
      const out: Record<string, Json> = {};
      for (const [k, c] of Object.entries(val as Record<string, Json>)) {
        const pe = fieldElement(k);
        if (s.hasChild(pe)) continue;
        const sub = s.child(pe);
        if (sub.isEmpty()) out[k] = c;
        else {
          const f = fieldOf(type, k);
          const r = rm(c, sub, f.type);
          // A declared field stays (it may be owned as such, e.g. an applied `spec: {}`); a map
          // entry emptied by the removal goes.
          if (f.declared || !emptied(c, r)) out[k] = r;
        }
      }
      return out;
    }
    const lt = type as ListType;
    const out: Json[] = [];
    (val as Json[]).forEach((item, i) => {
      const pe = itemElement(lt, item, i);
      if (s.hasChild(pe)) return;
      const sub = s.child(pe);
      out.push(sub.isEmpty() ? item : rm(item, sub, lt.element));
    });
    return out;
  };
  return set.isEmpty() ? v : rm(v, set, t);
}

function emptied(before: Json, after: Json): boolean {
  if (Array.isArray(after)) return after.length === 0 && Array.isArray(before) && before.length > 0;
  if (isObject(after)) return Object.keys(after).length === 0 && isObject(before) && Object.keys(before).length > 0;
  return false;
}

/** `set` with every declared (struct) field that has members below it a member too. */
export function namedFieldsAsMembers(set: FieldSet, root: FieldType): FieldSet {
  return set.withNamedFieldsAsMembers(root, (t, e) => {
    if (e.startsWith('f:')) {
      const f = fieldOf(t, e.slice(2));
      return { named: f.declared, ctx: f.type };
    }
    return { named: false, ctx: t.kind === 'list' ? t.element : t };
  });
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) if (!Object.hasOwn(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  return true;
}
