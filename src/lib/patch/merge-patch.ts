/** JSON merge patch (RFC 7386), as `application/merge-patch+json`. */
import { PatchError } from './errors.js';
import { type JsonObject, type JsonValue, isJsonObject, jsonEqual } from './json.js';

/**
 * Applies an RFC 7386 merge patch: objects merge recursively, `null` deletes a member, anything
 * else (arrays included) replaces. Pure: inputs are not modified and the result shares no mutable
 * structure with them. Never throws. A non-object patch replaces the whole document (the caller
 * decides whether a non-object result is acceptable: the apiserver requires an object).
 */
export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const out: Record<string, JsonValue> = isJsonObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(Object.hasOwn(out, k) ? out[k]! : null, v);
  }
  // Members copied from target are shared until now: copy them so the result is independent.
  for (const k of Object.keys(out)) if (!Object.hasOwn(patch, k)) out[k] = structuredClone(out[k]!);
  return out;
}

/**
 * The merge patch that turns `from` into `to` (objects diffed recursively, removed members as
 * `null`, everything else replaced). `applyMergePatch(from, createMergePatch(from, to))` equals `to`
 * whenever `to` contains no `null` member values (merge patches cannot set a member to null).
 */
export function createMergePatch(from: JsonValue, to: JsonValue): JsonValue {
  if (!isJsonObject(from) || !isJsonObject(to)) return structuredClone(to);
  const patch: Record<string, JsonValue> = {};
  for (const k of Object.keys(from)) if (!Object.hasOwn(to, k)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    if (!Object.hasOwn(from, k)) patch[k] = structuredClone(v);
    else {
      const a = from[k]!;
      if (isJsonObject(a) && isJsonObject(v)) {
        const sub = createMergePatch(a, v) as Record<string, JsonValue>;
        if (Object.keys(sub).length > 0) patch[k] = sub;
      } else if (!jsonEqual(a, v)) patch[k] = structuredClone(v);
    }
  }
  return patch;
}


/**
 * The apiserver's use of a merge patch on an object (`application/merge-patch+json`): like
 * `applyMergePatch`, but the patch must be a JSON object.
 * @throws PatchError BadRequest: `Invalid JSON Patch` for `null` (evanphx/json-patch's error), a
 *   decode error for other non-objects.
 */
export function applyMergePatchToObject(target: JsonObject, patch: JsonValue): JsonObject {
  if (patch === null) throw new PatchError('BadRequest', 'Invalid JSON Patch');
  if (!isJsonObject(patch))
    throw new PatchError(
      'BadRequest',
      `json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch} into Go value of type map[string]interface {}`,
    );
  return applyMergePatch(target, patch) as JsonObject;
}
