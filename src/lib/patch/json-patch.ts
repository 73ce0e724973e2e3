/**
 * JSON patch (RFC 6902), as `application/json-patch+json`, applied with fast-json-patch and
 * reporting failures the way the apiserver does (evanphx/json-patch v4 texts):
 * - the body is not a JSON array of operations: 400 BadRequest;
 * - more than MAX_JSON_PATCH_OPERATIONS operations: 413;
 * - an operation that does not apply (failed `test`, missing path, bad index, unknown op): 422.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from './errors.js';
import { type JsonValue, isJsonObject } from './json.js';

const { applyOperation, JsonPatchError, getValueByPointer } = fastJsonPatch;

/** Upstream's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function parentExists(doc: JsonValue, path: string): boolean {
  if (path === '') return true;
  const parent = path.slice(0, path.lastIndexOf('/'));
  try {
    const v: unknown = parent === '' ? doc : getValueByPointer(doc, parent);
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
}

function lastIndex(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** evanphx/json-patch's message for an operation that failed against `doc` (the state before it). */
function describe(op: Record<string, unknown>, name: string, doc: JsonValue): string {
  const kind = typeof op['op'] === 'string' ? op['op'] : 'unknown';
  const path = typeof op['path'] === 'string' ? op['path'] : '';
  const from = typeof op['from'] === 'string' ? op['from'] : '';
  if (!OPS.has(kind)) return `Unexpected kind: ${kind}`;
  if (typeof op['path'] !== 'string') return `${kind} operation failed to decode path`;
  if ((kind === 'move' || kind === 'copy') && typeof op['from'] !== 'string') return `${kind} operation failed to decode from`;
  const badIndex = `error in ${kind} for path: '${path}': Unable to access invalid index: ${lastIndex(path)}: invalid index referenced`;
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return parentExists(doc, path)
        ? `testing value ${path} failed: test operation failed`
        : `test operation does not apply: is missing path: ${path}: missing value`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${kind} operation does not apply: doc is missing from path: ${from}: missing value`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return badIndex;
    case 'OPERATION_VALUE_REQUIRED':
      return `${kind} operation does not apply: missing value`;
    default:
      break;
  }
  // Unresolvable paths: evanphx distinguishes a missing container from a missing key.
  const hasParent = parentExists(doc, path);
  switch (kind) {
    case 'add':
      return `add operation does not apply: doc is missing path: "${path}": missing value`;
    case 'remove':
      return hasParent
        ? `error in remove for path: '${path}': Unable to remove nonexistent key: ${lastIndex(path)}: missing value`
        : `remove operation does not apply: doc is missing path: "${path}": missing value`;
    case 'replace':
      return hasParent
        ? `replace operation does not apply: doc is missing key: ${path}: missing value`
        : `replace operation does not apply: doc is missing path: ${path}: missing value`;
    case 'test':
      return `test operation does not apply: is missing path: ${path}: missing value`;
    default:
      return `${kind} operation does not apply: doc is missing destination path: ${path}: missing value`;
  }
}

/**
 * Applies RFC 6902 operations in order (`null` is an empty list, as in Go). Pure: `doc` and `ops` are not modified; the result shares
 * nothing with them.
 * @throws PatchError (BadRequest, RequestEntityTooLarge or Invalid, see the module comment).
 */
export function applyJsonPatch(doc: JsonValue, ops: unknown): JsonValue {
  if (ops === null) return structuredClone(doc); // Go decodes `null` as an empty patch
  if (!Array.isArray(ops))
    throw new PatchError('BadRequest', `json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS)
    throw new PatchError(
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  let current: JsonValue = structuredClone(doc);
  for (let i = 0; i < ops.length; i++) {
    const raw: unknown = ops[i];
    if (!isJsonObject(raw))
      throw new PatchError('BadRequest', `json: cannot unmarshal ${jsonKind(raw)} into Go value of type map[string]*json.RawMessage`);
    const op = structuredClone(raw) as Record<string, unknown>;
    try {
      current = applyOperation(current, op as unknown as Operation, true, true, true, i).newDocument as JsonValue;
    } catch (e) {
      if (e instanceof JsonPatchError) throw new PatchError('Invalid', describe(op, e.name, current));
      throw e;
    }
  }
  return current;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'string';
}
