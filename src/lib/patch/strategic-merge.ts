/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), applying patches the way the
 * apiserver does (k8s.io/apimachinery/pkg/util/strategicpatch, MergeParallelList and
 * IgnoreUnmatchedNulls on). Schema information comes through PatchMeta:
 *
 * - maps merge recursively; `null` deletes a key; a field with strategy `replace` is replaced;
 * - lists are replaced unless their strategy contains `merge`: then lists of maps merge element by
 *   element on `mergeKey` (new elements are added, `{<key>: v, $patch: delete}` removes, an element
 *   `{$patch: replace}` makes the patch list replace the whole list) and lists of scalars become
 *   the union;
 * - `$patch: replace | delete` inside a map replaces it with the rest of the patch / empties it;
 * - `$retainKeys: [...]` drops the original's keys that are not listed;
 * - `$setElementOrder/<list>: [...]` orders the merged list (the patch's order first, then the
 *   live order for elements the patch does not mention);
 * - `$deleteFromPrimitiveList/<list>: [...]` removes scalars from a merging scalar list.
 *
 * Errors carry upstream's texts and the status upstream's apiserver gives them: malformed
 * directives 400, lists of lists 422, everything else 500 (upstream does not classify them).
 * `$patch: merge` is rejected as upstream does.
 */
import { PatchError } from './errors.js';
import { type JsonObject, type JsonValue, goFormat, goTypeName, isJsonObject } from './json.js';
import type { PatchMeta } from './patch-meta.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList';

const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ORDER = 'invalid patch format of setElementOrder list';
const ERR_LIST_OF_LISTS = 'lists of lists are not supported';

const badRequest = (m: string) => new PatchError('BadRequest', m);
const internal = (m: string) => new PatchError('InternalError', m);
const badArgType = (expected: string, actual: unknown) => internal(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const noMergeKey = (m: unknown, key: string) => internal(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const badPatchType = (t: unknown, m: unknown) => internal(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
const MAP_TYPE = 'map[string]interface {}';
const LIST_TYPE = '[]interface {}';

type Kind = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';

function kindOf(v: JsonValue | undefined): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as Kind;
}

const has = (o: object, k: string) => Object.hasOwn(o, k);

export interface StrategicMergeOptions {
  /**
   * Keep directive keys that end up in the result (inside added or replaced values). Upstream drops
   * them when it decodes the result into typed objects; by default they are removed here too.
   */
  keepDirectives?: boolean;
}

/**
 * Applies a strategic merge patch to `original` (an object). `meta` describes the top-level object;
 * undefined means "no schema" (merge-patch semantics throughout, directives still honoured).
 * Pure: inputs are not modified; the result shares nothing with them. A `null` patch changes nothing.
 * @throws PatchError
 */
export function applyStrategicMergePatch(
  original: JsonValue,
  patch: JsonValue,
  meta: PatchMeta | undefined,
  opts: StrategicMergeOptions = {},
): JsonObject {
  const base: JsonObject = isJsonObject(original) ? structuredClone(original) : {};
  if (patch === null) return base;
  if (!isJsonObject(patch))
    throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch} into Go value of type map[string]interface {}`);
  const result = mergeMap(base, structuredClone(patch), meta);
  return opts.keepDirectives ? result : (stripDirectives(result) as JsonObject);
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, meta: PatchMeta | undefined): JsonObject {
  if (has(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') {
      delete patch[DIRECTIVE];
      return patch;
    }
    if (d === 'delete') return {};
    throw badPatchType(d, patch);
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, meta);
  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey]!;
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_PRIMITIVE)) {
      key = extractKey(rawKey, DELETE_PRIMITIVE);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete out[key];
      continue;
    }
    if (!has(out, key) || kindOf(out[key]) !== kindOf(patchV)) {
      if (!isDeleteList) {
        discardNulls(patchV);
        out[key] = patchV;
      }
      continue;
    }
    const current = out[key]!;
    if (isJsonObject(current)) {
      const fieldMeta = meta?.child(key);
      const strategy = mainStrategy(fieldMeta);
      out[key] = strategy !== 'replace' ? mergeMap(current, patchV as JsonObject, fieldMeta) : patchV;
    } else if (Array.isArray(current)) {
      const fieldMeta = meta?.child(key);
      out[key] = mergeSliceHandler(current, patchV as JsonValue[], fieldMeta, isDeleteList);
    } else out[key] = patchV;
  }
  return out;
}

/** The non-retainKeys strategy of a field (upstream's extractRetainKeysPatchStrategy). */
function mainStrategy(meta: PatchMeta | undefined): string {
  const s = meta?.strategies ?? [];
  if (s.length === 0) return '';
  if (s.length === 1) return s[0] === 'retainKeys' ? '' : s[0]!;
  if (s.length === 2) {
    if (s[0] === 'retainKeys') return s[1]!;
    if (s[1] === 'retainKeys') return s[0]!;
  }
  throw internal(`unexpected patch strategy: ${goFormat(s)}`);
}

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badRequest(prefix === DELETE_PRIMITIVE ? ERR_PRIMITIVE_LIST : ERR_SET_ORDER);
  return key.slice(slash + 1);
}

function discardNulls(v: JsonValue): void {
  if (Array.isArray(v)) for (const x of v) discardNulls(x);
  else if (isJsonObject(v))
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]!);
    }
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!has(patch, RETAIN_KEYS)) return;
  const keep = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keep)) throw badRequest(ERR_RETAIN_KEYS);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    if (!keep.includes(k)) throw badRequest(ERR_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!keep.includes(k)) delete original[k];
}

/** Handles every `$setElementOrder/<list>` of this map together with `<list>` (upstream's mergePatchIntoOriginal). */
function mergeOrderedLists(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType(LIST_TYPE, order);
    const listKey = extractKey(key, SET_ORDER);
    const foundOriginal = has(original, listKey);
    const foundPatch = has(patch, listKey);
    let originalList: JsonValue[] = [];
    let patchList: JsonValue[] = [];
    if (foundOriginal) {
      const v = original[listKey];
      if (!Array.isArray(v)) throw badArgType(LIST_TYPE, v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[listKey];
      if (!Array.isArray(v)) throw badArgType(LIST_TYPE, v);
      patchList = v;
    }
    const fieldMeta = meta?.child(listKey);
    const mergeKey = fieldMeta?.mergeKey ?? '';
    mainStrategy(fieldMeta);
    validateAgainstOrder(patchList, order, mergeKey);
    let merged: JsonValue[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = patchList;
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, fieldMeta, false);
    else continue;
    const [patchItems, serverOnly] = mergeKey ? partitionMaps(merged, order, mergeKey) : partitionScalars(merged, order);
    const kind = elementKind(originalList, patchList);
    // Upstream errors when both lists are empty; there is nothing to order then.
    original[listKey] = kind === undefined ? merged : normalizeOrder(patchItems, serverOnly, order, originalList, mergeKey, kind);
    delete patch[listKey];
  }
}

function mergeSliceHandler(original: JsonValue[], patch: JsonValue[], fieldMeta: PatchMeta | undefined, isDeleteList: boolean): JsonValue[] {
  if (mainStrategy(fieldMeta) !== 'merge') return patch;
  return mergeSlice(original, patch, fieldMeta, isDeleteList);
}

function mergeSlice(original: JsonValue[], patch: JsonValue[], fieldMeta: PatchMeta | undefined, isDeleteList: boolean): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch)!;
  const mergeKey = fieldMeta?.mergeKey ?? '';
  let merged: JsonValue[];
  if (kind !== 'object') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = [];
    for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(v);
  } else {
    if (!mergeKey) throw internal(`cannot merge lists without merge key for ${fieldMeta?.name ?? ''}`);
    [original, patch] = applyListDirectives(original, patch, mergeKey);
    merged = mergeByKey(original, patch, mergeKey, fieldMeta?.items());
  }
  const [patchItems, serverOnly] = mergeKey ? partitionMaps(merged, patch, mergeKey) : partitionScalars(merged, patch);
  return normalizeOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

/** The common kind of all elements, undefined when there are none (upstream's sliceElementType). */
function elementKind(...lists: JsonValue[][]): Kind | undefined {
  let kind: Kind | undefined;
  for (const l of lists)
    for (const v of l) {
      const k = kindOf(v);
      if (kind === undefined) {
        if (k === 'array') throw new PatchError('Invalid', ERR_LIST_OF_LISTS);
        kind = k;
      } else if (k !== kind) throw internal(`list element types are not identical: ${goFormat(lists)}`);
    }
  return kind;
}

/** `$patch` elements of a merging list (upstream's mergeSliceWithSpecialElements). */
function applyListDirectives(original: JsonValue[], patch: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const rest: JsonValue[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!has(m, DIRECTIVE)) {
      rest.push(v);
      continue;
    }
    const d = m[DIRECTIVE];
    if (d === 'delete') {
      if (!has(m, mergeKey)) throw noMergeKey(m, mergeKey);
      const value = m[mergeKey];
      original = original.filter((o, i) => {
        if (!isJsonObject(o)) throw internal(`value for key ${i} is not a map`);
        return !(has(o, mergeKey) && o[mergeKey] === value);
      });
    } else if (d === 'replace') replace = true;
    else if (d === 'merge') throw internal('merging lists cannot yet be specified in the patch');
    else throw badPatchType(d, m);
  }
  return replace ? [rest, []] : [original, rest];
}

function findByKey(list: JsonValue[], mergeKey: string, value: JsonValue | undefined): number {
  for (let i = 0; i < list.length; i++) {
    const o = list[i];
    if (!isJsonObject(o)) throw internal(`value for key ${i} is not a map`);
    if (has(o, mergeKey) && o[mergeKey] === value) return i;
  }
  return -1;
}

function mergeByKey(original: JsonValue[], patch: JsonValue[], mergeKey: string, itemMeta: PatchMeta | undefined): JsonValue[] {
  const out = [...original];
  for (const v of patch) {
    const m = v as JsonObject;
    if (!has(m, mergeKey)) throw noMergeKey(m, mergeKey);
    const i = findByKey(out, mergeKey, m[mergeKey]);
    if (i >= 0) out[i] = mergeMap(out[i] as JsonObject, m, itemMeta);
    else out.push(v);
  }
  return out;
}

function partitionScalars(list: JsonValue[], by: JsonValue[]): [JsonValue[], JsonValue[]] {
  const inBy: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of list) (by.includes(v) ? inBy : rest).push(v);
  return [inBy, rest];
}

function partitionMaps(list: JsonValue[], by: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const inBy: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw badArgType(MAP_TYPE, v);
    if (!has(v, mergeKey)) throw noMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

/** Items of a list split into kept ones and `$patch: delete` ones. */
function splitDeletes(list: JsonValue[]): [JsonValue[], JsonValue[]] {
  const keep: JsonValue[] = [];
  const del: JsonValue[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw badArgType(MAP_TYPE, v);
    (v[DIRECTIVE] === 'delete' ? del : keep).push(v);
  }
  return [keep, del];
}

function validateAgainstOrder(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? splitDeletes(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p]!;
    if (isJsonObject(item) && has(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyEqual(item, order[s]!, mergeKey)) p++;
    s++;
  }
  if (p < items.length && s >= order.length)
    throw internal(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER} list:\n${goFormat(order)}\n`);
}

function mergeKeyEqual(a: JsonValue, b: JsonValue, mergeKey: string): boolean {
  if (!mergeKey) return a === b;
  if (!isJsonObject(a)) throw badArgType(MAP_TYPE, a);
  if (!isJsonObject(b)) throw badArgType(MAP_TYPE, b);
  if (!has(a, mergeKey)) throw noMergeKey(a, mergeKey);
  if (!has(b, mergeKey)) throw noMergeKey(b, mergeKey);
  return a[mergeKey] === b[mergeKey];
}

/**
 * A lookup of positions in `list`: by merge-key value for maps (a missing key counts as null), by
 * value otherwise; the first occurrence wins and -1 means absent (upstream's index()).
 */
function positions(list: JsonValue[], mergeKey: string, kind: Kind): (item: JsonValue) => number {
  const key = (v: JsonValue): JsonValue => (kind === 'object' ? (isJsonObject(v) && has(v, mergeKey) ? v[mergeKey]! : null) : v);
  const index = new Map<JsonValue, number>();
  list.forEach((v, i) => {
    const k = key(v);
    if (!index.has(k)) index.set(k, i);
  });
  return (item) => index.get(key(item)) ?? -1;
}

/** Sorts `toSort` by position in `order` (upstream's normalizeSliceOrder, same comparator, stable). */
function sortByOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, kind: Kind): JsonValue[] {
  let items = toSort;
  let deletes: JsonValue[] = [];
  if (kind === 'object') {
    for (const l of [toSort, order])
      for (const v of l) {
        if (!isJsonObject(v)) throw badArgType(MAP_TYPE, v);
        if (!has(v, mergeKey)) throw noMergeKey(v, mergeKey);
      }
    [items, deletes] = splitDeletes(toSort);
  }
  const indexIn = positions(order, mergeKey, kind);
  const less = (a: JsonValue, b: JsonValue) => {
    const ia = indexIn(a);
    if (ia >= 0) {
      const ib = indexIn(b);
      if (ib >= 0) return ia < ib;
    }
    return true;
  };
  // The comparator is not a strict order when an element is missing from `order`; the result then
  // depends on the sorting algorithm, so use Go's own (sort.SliceStable).
  const out = goStableSort([...items], less);
  return [...out, ...deletes];
}

/**
 * Go's sort.SliceStable algorithm (insertion-sorted blocks of 20, then in-place SymMerge), so that
 * results match upstream even for comparators that are not strict weak orders.
 */
export function goStableSort<T>(data: T[], lessThan: (a: T, b: T) => boolean): T[] {
  const n = data.length;
  const less = (i: number, j: number) => lessThan(data[i]!, data[j]!);
  const swap = (i: number, j: number) => {
    const t = data[i]!;
    data[i] = data[j]!;
    data[j] = t;
  };
  const insertion = (a: number, b: number) => {
    for (let i = a + 1; i < b; i++) for (let j = i; j > a && less(j, j - 1); j--) swap(j, j - 1);
  };
  const swapRange = (a: number, b: number, k: number) => {
    for (let i = 0; i < k; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number) => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (less(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!less(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!less(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };
  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertion(a, b);
    a = b;
    b += blockSize;
  }
  insertion(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
  return data;
}

/**
 * Patch items in patch order, server-only items in live order, interleaved by live order where
 * both are known (upstream's normalizeElementOrder + mergeSortedSlice).
 */
function normalizeOrder(
  patchItems: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: Kind,
): JsonValue[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const indexIn = positions(serverOrder, mergeKey, kind);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(left[i]!);
      const ri = indexIn(right[j]!);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function isDirectiveKey(k: string): boolean {
  return k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(`${SET_ORDER}/`) || k.startsWith(`${DELETE_PRIMITIVE}/`);
}

/** Removes directive keys left inside added or replaced values (upstream's typed decoding drops them). */
function stripDirectives(v: JsonValue): JsonValue {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = stripDirectives(v[i]!);
  } else if (isJsonObject(v)) {
    for (const k of Object.keys(v)) {
      if (isDirectiveKey(k)) delete v[k];
      else v[k] = stripDirectives(v[k]!);
    }
  }
  return v;
}
