/**
 * The three PATCH body types of the Kubernetes API as pure functions on JSON values: JSON patch
 * (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch. Each returns a new value and
 * throws PatchError when the patch does not apply.
 */
export { type JsonValue, type JsonObject, type JsonPrimitive, isJsonObject, jsonEqual } from './json.js';
export { type PatchErrorReason, PatchError, isPatchError } from './errors.js';
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch, applyMergePatchToObject, createMergePatch } from './merge-patch.js';
export { type PatchMeta, type PatchMetaLiteral, patchMetaFromLiteral } from './patch-meta.js';
export { type StrategicMergeOptions, applyStrategicMergePatch } from './strategic-merge.js';
