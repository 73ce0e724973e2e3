/**
 * The schema engine: everything the apiserver does with a kind's Schema on a write, for built-in
 * kinds and custom resources alike. Pure functions (no I/O); per-schema lookups are computed lazily
 * and cached in WeakMaps keyed by schema object, and every walk follows the value, so shared and
 * recursive schemas are safe and cheap.
 *
 * Typical write path: findStrictFieldIssues (fieldValidation Strict/Warn) → checkTypes → prune →
 * applyDefaults → validateValues (custom resources) → strategy hooks.
 */
export { findUnknownFields, findUnknownFieldsPruneOrder, prune, fieldSchema } from './unknown.js';
export {
  findDuplicateFields,
  findStrictFieldIssues,
  formatStrictIssue,
  formatStrictDecodingError,
  type StrictFieldIssue,
  type StrictFieldOptions,
  MAX_ISSUES,
} from './duplicates.js';
export {
  checkTypes,
  formatGoJsonError,
  formatDecodeError,
  typeMismatchFieldError,
  goBase64Error,
  goTypeOf,
  jsonTypeName,
  type TypeMismatch,
  type JsonTypeName,
  type CheckTypesOptions,
} from './types.js';
export { applyDefaults } from './defaults.js';
export { validateValues, canonicalJson, goFloat } from './values.js';
