/**
 * Structured merge: field sets, ownership and apply merging for server-side apply (a TypeScript
 * take on kubernetes-sigs/structured-merge-diff). Pure: no I/O, no clock.
 */
export { FieldSet, fieldElement, keyElement, valueElement, pathString, type Path, type PathElement } from './field-set.js';
export { SCALAR, UNTYPED, isObject, type FieldType, type Json, type ListType, type MapType } from './types.js';
export { compare, typeErrors, merge, removeItems, toFieldSet, jsonEqual, itemElement, namedFieldsAsMembers, type Comparison } from './walk.js';
export { apply, update, updateOthers, type ApplyResult, type Conflict, type ManagedFields, type UpdateResult, type VersionedSet } from './updater.js';
