/**
 * Field ownership across writes (upstream's merge.Updater): who manages which fields, how an
 * update moves ownership, and how an apply merges a configuration, removes what its manager no
 * longer applies and reports conflicts with other managers. Managers are opaque identifiers
 * here; the apiserver encodes manager, operation, API version and subresource into them.
 */
import { FieldSet, type Path } from './field-set.js';
import type { FieldType, Json } from './types.js';
import { compare, jsonEqual, merge, namedFieldsAsMembers, removeItems, toFieldSet, type Comparison } from './walk.js';

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** True for an Apply entry. */
  readonly applied: boolean;
}

export type ManagedFields = Map<string, VersionedSet>;

export interface Conflict {
  manager: string;
  path: Path;
}

export type UpdateResult = { ok: true; managers: ManagedFields; comparison: Comparison } | { ok: false; conflicts: Conflict[] };

/**
 * Ownership after `live` became `next` for every manager but `self`: fields changed or added are
 * taken from their owners (conflicts when `force` is false), removed fields are dropped from every
 * set; managers left with nothing disappear. Does not change its inputs.
 */
export function updateOthers(
  live: Json,
  next: Json,
  t: FieldType,
  managers: ManagedFields,
  self: string,
  force: boolean,
  comparison: Comparison = compare(live, next, t),
): UpdateResult {
  const changed = comparison.modified.union(comparison.added);
  const out: ManagedFields = new Map();
  const conflicts: Conflict[] = [];
  for (const [manager, vs] of managers) {
    if (manager === self) {
      out.set(manager, vs);
      continue;
    }
    const taken = vs.set.intersection(changed);
    if (!taken.isEmpty()) for (const path of taken.paths()) conflicts.push({ manager, path });
    const set = vs.set.difference(taken).difference(comparison.removed);
    if (!set.isEmpty()) out.set(manager, { ...vs, set });
  }
  if (!force && conflicts.length) {
    conflicts.sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
    return { ok: false, conflicts };
  }
  const own = out.get(self);
  if (own && own.set.isEmpty()) out.delete(self);
  return { ok: true, managers: out, comparison };
}

/**
 * A non-apply write by `self` (upstream's Updater.Update): `self` gains what changed and loses
 * what was removed; others lose what `self` changed. `ignore` filters `self`'s new set (fields a
 * subresource's strategy resets). Never conflicts. `comparison` is compare(live, next) when the
 * caller has it already.
 */
export function update(
  live: Json,
  next: Json,
  t: FieldType,
  apiVersion: string,
  managers: ManagedFields,
  self: string,
  ignore: (s: FieldSet) => FieldSet = (s) => s,
  comparison?: Comparison,
): ManagedFields {
  const r = updateOthers(live, next, t, managers, self, true, comparison);
  if (!r.ok) throw new Error('unreachable: forced update conflicted');
  const { added, modified, removed } = r.comparison;
  const prev = managers.get(self)?.set ?? FieldSet.empty();
  const set = ignore(prev.difference(removed).union(modified).union(added));
  const out = new Map(r.managers);
  if (set.isEmpty()) out.delete(self);
  else out.set(self, { set, apiVersion, applied: false });
  return out;
}

export type ApplyResult = { ok: true; object: Json; managers: ManagedFields; changed: boolean } | { ok: false; conflicts: Conflict[] };

/**
 * An apply of `config` by `self` (upstream's Updater.Apply): merges config into live, makes
 * `self` own exactly config's fields, removes fields `self` applied last time, applies no more
 * and nobody else owns, then takes changed fields from other managers — a conflict for each
 * unless `force`. `changed` is false when the result equals live.
 */
export function apply(
  live: Json,
  config: Json,
  t: FieldType,
  apiVersion: string,
  managers: ManagedFields,
  self: string,
  force: boolean,
  ignore: (s: FieldSet) => FieldSet = (s) => s,
): ApplyResult {
  let merged = merge(live, config, t);
  const lastSet = managers.get(self);
  const set = ignore(toFieldSet(config, t));
  const withSelf: ManagedFields = new Map(managers);
  withSelf.set(self, { set, apiVersion, applied: true });
  if (lastSet && !lastSet.set.isEmpty()) merged = prune(merged, withSelf, lastSet.set, t);
  const r = updateOthers(live, merged, t, withSelf, self, force);
  if (!r.ok) return r;
  const out = new Map(r.managers);
  if (set.isEmpty()) out.delete(self);
  else out.set(self, { set, apiVersion, applied: true });
  return { ok: true, object: merged, managers: out, changed: !jsonEqual(live, merged) };
}

/** Removes what `lastSet` had and nobody (the applier's new set included) owns any more. */
function prune(merged: Json, managers: ManagedFields, lastSet: FieldSet, t: FieldType): Json {
  const named = (s: FieldSet) => namedFieldsAsMembers(s, t);
  const last = named(lastSet);
  let pruned = removeItems(merged, last, t);
  let managed = FieldSet.empty();
  for (const vs of managers.values()) managed = managed.union(vs.set);
  const mergedSet = named(toFieldSet(merged, t));
  const prunedSet = named(toFieldSet(pruned, t));
  // Add back what another manager (or this apply) owns.
  pruned = removeItems(merged, mergedSet.difference(prunedSet.union(named(managed))), t);
  // Only ever remove what this manager owned before.
  const kept = named(toFieldSet(pruned, t));
  return removeItems(merged, mergedSet.difference(kept).intersection(last), t);
}
