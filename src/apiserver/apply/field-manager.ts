/**
 * metadata.managedFields on every write (upstream's fieldmanager): decoding and encoding FieldsV1
 * entries, manager identifiers (manager, operation, API version for updates, subresource), the
 * metadata fields nobody owns, the fields a subresource's writes reset, timestamps, the cap of
 * ten update managers ("ancient-changes"), "before-first-apply" ownership of objects written
 * before any apply, and kubectl's client-side → server-side apply upgrade through the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation.
 *
 * Pure: time comes in as `now`; objects passed in are not changed unless a function says so.
 */
import type { KubeObject, ManagedFieldsEntry, ResourceDef } from '../../api/types.js';
import { apiVersionOf } from '../../api/types.js';
import {
  FieldSet,
  apply as smdApply,
  update as smdUpdate,
  compare,
  typeErrors,
  isObject,
  jsonEqual,
  pathString,
  toFieldSet,
  type Conflict,
  type FieldType,
  type Json,
  type ManagedFields,
} from '../../lib/structured-merge/index.js';
import { ApiError, badRequest } from '../../lib/errors.js';
import { fieldTypeOf } from './schema-type.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';
const BEFORE_FIRST_APPLY = 'before-first-apply';

/** Fields nobody owns (upstream's stripMeta): exact paths, their children stay owned. */
const STRIPPED = FieldSet.of([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => ['f:metadata', `f:${f}`]),
]);

export interface WriteContext {
  def: ResourceDef;
  /** '' for the main resource, else e.g. 'status'. */
  subresource: string;
  now: Date;
}

interface ManagerInfo {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  subresource?: string;
}

/** Upstream's manager identifier: the entry without fields and time (appliers without version). */
function identifier(m: ManagerInfo): string {
  const o: Record<string, string> = { manager: m.manager, operation: m.operation };
  if (m.operation === 'Update' && m.apiVersion) o['apiVersion'] = m.apiVersion;
  if (m.subresource) o['subresource'] = m.subresource;
  return JSON.stringify(o);
}

function parseIdentifier(id: string): ManagerInfo {
  return JSON.parse(id) as ManagerInfo;
}

/** The manager of a request: `fieldManager`, else the user agent up to its first "/" (upstream). */
export function managerName(fieldManager: string | null | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const prefix = (userAgent ?? '').split('/')[0]!.replace(/[^\x20-\x7e]/g, '');
  return prefix.slice(0, 128) || 'unknown';
}

interface Decoded {
  managers: ManagedFields;
  times: Map<string, string | undefined>;
}

/** @throws Error when the entries are not valid FieldsV1 entries */
function decode(entries: readonly ManagedFieldsEntry[] | undefined): Decoded {
  const managers: ManagedFields = new Map();
  const times = new Map<string, string | undefined>();
  for (const e of entries ?? []) {
    if (e.fieldsType !== 'FieldsV1') throw new Error(`unsupported fieldsType ${JSON.stringify(e.fieldsType)}`);
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error(`unsupported operation ${JSON.stringify(e.operation)}`);
    const id = identifier({ manager: e.manager ?? '', operation: e.operation, apiVersion: e.apiVersion, subresource: e.subresource });
    const set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    const prev = managers.get(id);
    managers.set(id, { set: prev ? prev.set.union(set) : set, apiVersion: e.apiVersion ?? '', applied: e.operation === 'Apply' });
    times.set(id, e.time);
  }
  return { managers, times };
}

function encode(d: Decoded): ManagedFieldsEntry[] | undefined {
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of d.managers) {
    if (vs.set.isEmpty()) continue;
    const info = parseIdentifier(id);
    const e: ManagedFieldsEntry = { manager: info.manager, operation: info.operation, apiVersion: vs.apiVersion };
    const time = d.times.get(id);
    if (time) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = vs.set.toFieldsV1();
    if (info.subresource) e.subresource = info.subresource;
    out.push(e);
  }
  const secs = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  out.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation! < q.operation! ? -1 : 1;
    const d1 = secs(p.time) - secs(q.time);
    if (d1) return d1;
    if (p.manager !== q.manager) return p.manager! < q.manager! ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion! < q.apiVersion! ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
  });
  return out.length ? out : undefined;
}

function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The fields a write of `subresource` may own (upstream's reset fields per strategy). */
function ownable(def: ResourceDef, subresource: string): (s: FieldSet) => FieldSet {
  if (subresource === 'status') return (s) => s.only('f:status');
  if (subresource === '' && def.subresources?.status) return (s) => s.without('f:status');
  return (s) => s;
}

function strip(managers: ManagedFields): ManagedFields {
  const out: ManagedFields = new Map();
  for (const [id, vs] of managers) {
    const set = vs.set.difference(STRIPPED);
    if (!set.isEmpty()) out.set(id, { ...vs, set });
  }
  return out;
}

/** What a Go object of this kind serializes to when empty: its struct-valued top-level fields. */
function emptyObject(def: ResourceDef): Json {
  const out: Record<string, Json> = {};
  for (const f of ['metadata', 'spec', 'status']) if (def.schema.properties?.[f]) out[f] = {};
  return out;
}

function asJson(obj: KubeObject): Json {
  const { metadata, ...rest } = obj;
  const { managedFields: _mf, ...meta } = metadata ?? {};
  return { ...(rest as Record<string, Json>), metadata: meta as unknown as Json };
}

/** Merges the oldest update managers into "ancient-changes" until at most ten remain. */
function capManagers(d: Decoded): void {
  const updaters = () => [...d.managers.keys()].filter((id) => !d.managers.get(id)!.applied);
  if (updaters().length <= MAX_UPDATE_MANAGERS) return;
  const t = (id: string) => Date.parse(d.times.get(id) ?? '') || 0;
  const oldest = updaters()
    .filter((id) => parseIdentifier(id).manager !== ANCIENT)
    .sort((a, b) => t(a) - t(b));
  for (const id of oldest) {
    if (updaters().length <= MAX_UPDATE_MANAGERS) break;
    const vs = d.managers.get(id)!;
    const bucket = identifier({ manager: ANCIENT, operation: 'Update', apiVersion: vs.apiVersion });
    const prev = d.managers.get(bucket);
    d.managers.set(bucket, { set: prev ? prev.set.union(vs.set) : vs.set, apiVersion: vs.apiVersion, applied: false });
    const times = [d.times.get(bucket), d.times.get(id)].filter((x): x is string => Boolean(x)).sort();
    d.times.set(bucket, times[times.length - 1]);
    d.managers.delete(id);
    d.times.delete(id);
  }
}

/**
 * Records a non-apply write (create when `live` is undefined, update, patch) by `manager` in
 * `next.metadata.managedFields` (changed in place). Entries the client sent are kept as the
 * client's choice when valid and non-empty (how kubectl rewrites ownership); `[{}]` clears them.
 * An existing object that has no managed fields stays untracked until its first apply.
 */
export function trackUpdate(ctx: WriteContext, live: KubeObject | undefined, next: KubeObject, manager: string): void {
  const requested = next.metadata.managedFields;
  if (requested && requested.length === 1 && Object.keys(requested[0] ?? {}).length === 0) {
    delete next.metadata.managedFields;
    return;
  }
  let d: Decoded | undefined;
  // Whether the entries are the stored ones (a client that sent them back unchanged, or none).
  const fromLive = !requested?.length || jsonEqual(requested, live?.metadata.managedFields);
  if (requested?.length && !fromLive) {
    try {
      d = decode(requested);
    } catch {
      d = undefined;
    }
  }
  if (!d) {
    try {
      d = decode(live?.metadata.managedFields);
    } catch {
      d = { managers: new Map(), times: new Map() };
    }
  }
  delete next.metadata.managedFields;
  if (live && d.managers.size === 0) return;
  const t = fieldTypeOf(ctx.def.schema);
  const liveJson = live ? asJson(live) : emptyObject(ctx.def);
  const comparison = compare(liveJson, asJson(next), t);
  if (live && fromLive && comparison.added.isEmpty() && comparison.modified.isEmpty() && comparison.removed.isEmpty()) {
    // Nothing changed: the stored entries stay as they are (they were encoded here before).
    if (live.metadata.managedFields?.length) next.metadata.managedFields = live.metadata.managedFields;
    return;
  }
  const version = apiVersionOf(ctx.def.group, ctx.def.version);
  const self = identifier({ manager, operation: 'Update', apiVersion: version, subresource: ctx.subresource });
  const current = '{"manager":"current-operation"}';
  const managers = strip(smdUpdate(liveJson, asJson(next), t, version, d.managers, current, ownable(ctx.def, ctx.subresource), comparison));
  const mine = managers.get(current);
  managers.delete(current);
  if (mine) {
    const prev = managers.get(self);
    managers.set(self, { set: prev ? prev.set.union(mine.set) : mine.set, apiVersion: version, applied: false });
    d.times.set(self, formatTime(ctx.now));
  }
  d.managers = managers;
  capManagers(d);
  const encoded = encode(d);
  if (encoded) next.metadata.managedFields = encoded;
}

/** The 409 for apply conflicts, worded as upstream. */
export function conflictError(conflicts: readonly Conflict[], def: ResourceDef, name: string): ApiError {
  const print = (id: string) => {
    const m = parseIdentifier(id);
    let s = JSON.stringify(m.manager);
    if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
    if (m.operation === 'Update') s += ` using ${m.apiVersion ?? ''}`;
    return s;
  };
  let message: string;
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${print(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), pathString(c.path)]);
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${print(m)}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  // Upstream's NewApplyConflict: the details carry the causes only.
  void def;
  void name;
  return new ApiError('Conflict', 409, message, {
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${print(c.manager)}`, field: pathString(c.path) })),
  });
}

/**
 * Server-side apply of `config` (already decoded and pruned) by `manager` onto `live` (undefined:
 * the object does not exist and is created). Returns the object to store, managedFields set.
 * @throws ApiError 400 for a config of another version or with managedFields, 409 on conflicts
 *   (unless `force`; kubectl's own conflicts with what its last client-side apply set are forced).
 */
export function applyObject(ctx: WriteContext, live: KubeObject | undefined, config: KubeObject, manager: string, force: boolean): KubeObject {
  const def = ctx.def;
  const version = apiVersionOf(def.group, def.version);
  if (config.apiVersion !== version)
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion ?? ''}, expected: ${version}`);
  if (config.kind !== def.kind) throw badRequest(`the kind in the apply patch (${String(config.kind ?? '')}) does not match the expected kind (${def.kind})`);
  if (config.metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
  const t = fieldTypeOf(def.schema);
  checkTyped(def, config);
  let d: Decoded;
  try {
    d = decode(live?.metadata.managedFields);
  } catch {
    d = { managers: new Map(), times: new Map() };
  }
  const liveJson = live ? asJson(live) : emptyObject(def);
  if (live && d.managers.size === 0) {
    // Written before any apply: whatever is there belongs to "before-first-apply".
    const id = identifier({ manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion: version });
    d.managers = strip(smdUpdate(emptyObject(def), liveJson, t, version, d.managers, id));
    if (d.managers.has(id)) d.times.set(id, formatTime(ctx.now));
  }
  const self = identifier({ manager, operation: 'Apply', subresource: ctx.subresource });
  const ignore = ownable(def, ctx.subresource);
  const configJson = asJson(config);
  let r = smdApply(liveJson, configJson, t, version, d.managers, self, force, ignore);
  if (!r.ok && manager === 'kubectl' && live) {
    const allowed = allowedByLastApplied(live, liveJson, t);
    if (allowed && r.conflicts.every((c) => allowed.has(c.path))) r = smdApply(liveJson, configJson, t, version, d.managers, self, true, ignore);
  }
  if (!r.ok) throw conflictError(r.conflicts, def, live?.metadata.name ?? config.metadata.name ?? '');
  const out = r.object as unknown as KubeObject;
  d.managers = strip(r.managers);
  if (r.changed || !live || !d.times.get(self)) d.times.set(self, formatTime(ctx.now));
  capManagers(d);
  out.metadata ??= {};
  const annotations = live?.metadata.annotations;
  if (manager === 'kubectl' && annotations && annotations[LAST_APPLIED] !== undefined) {
    // Keep kubectl's client-side apply record in step with what it now applies server-side.
    const { [LAST_APPLIED]: _drop, ...rest } = config.metadata.annotations ?? {};
    const record = { ...config, metadata: { ...config.metadata, annotations: Object.keys(rest).length ? rest : undefined } };
    if (!Object.keys(rest).length) delete record.metadata.annotations;
    out.metadata.annotations = { ...(out.metadata.annotations ?? {}), [LAST_APPLIED]: JSON.stringify(record) };
  }
  const encoded = encode(d);
  if (encoded) out.metadata.managedFields = encoded;
  else delete out.metadata.managedFields;
  return out;
}

/**
 * An applied configuration must fit the kind's schema exactly, whatever `fieldValidation` says
 * (upstream types it before merging): unknown fields and duplicate list keys fail the request
 * with upstream's text, named after the configuration as sent (kubectl puts the namespace in
 * it). Upstream answers a bare 500; the configuration is the client's mistake, so this is a 400
 * (as for malformed strategic patches, and as upstream's pending fix kubernetes#139255 does).
 * @throws ApiError 400
 */
export function checkTyped(def: ResourceDef, config: KubeObject): void {
  const errs = typeErrors(config as unknown as Json, fieldTypeOf(def.schema));
  if (!errs.length) return;
  const where = `${config.metadata?.namespace ?? ''}/${config.metadata?.name ?? ''}`;
  throw badRequest(`failed to create typed patch object (${where}; ${def.group}/${def.version}, Kind=${def.kind}): ${errs.length === 1 ? errs[0] : `errors:\n  ${errs.join('\n  ')}`}`);
}

/**
 * The fields kubectl's last client-side apply set that still hold the value it set (upstream's
 * lastAppliedManager): conflicts on them alone are no conflicts for "kubectl" upgrading to
 * server-side apply. Undefined without a usable annotation.
 */
function allowedByLastApplied(live: KubeObject, liveJson: Json, t: FieldType): FieldSet | undefined {
  const text = live.metadata.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(last)) return undefined;
  const set = toFieldSet(last, t);
  const diff = compare(liveJson, last, t);
  return set.difference(diff.modified.union(diff.added));
}
