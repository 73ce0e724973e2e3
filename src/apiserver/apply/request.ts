/**
 * The write paths of the resource handlers with field management: create and update record an
 * Update entry for their manager, apply patches merge, track ownership and report conflicts.
 * Handlers stay in charge of decoding options and encoding answers.
 */
import type { KubeObject, ResourceDef, StrategyContext } from '../../api/types.js';
import { apiVersionOf } from '../../api/types.js';
import { applyDefaults } from '../../api/schema/engine/index.js';
import { ApiError, badRequest, conflict, OBJECT_MODIFIED } from '../../lib/errors.js';
import { decodeObject, parseBody, type FieldValidation } from '../decode.js';
import type { ResourceStore, WriteResult } from '../registry/store.js';
import { parseResourceVersion } from '../registry/store.js';
import { applyObject, checkTyped, trackUpdate, type WriteContext } from './field-manager.js';

function deepClone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** What a status or finalize write of `next` stores: live, with only that part (and metadata) from `next`. */
function storedPart(subresource: 'status' | 'finalize', live: KubeObject, next: KubeObject): KubeObject {
  const out = deepClone(live);
  out.metadata = deepClone(next.metadata);
  if (subresource === 'status') {
    if (next['status'] === undefined) delete out['status'];
    else out['status'] = deepClone(next['status']);
  } else {
    const spec = ((out['spec'] ??= {}) as Record<string, unknown>);
    const wanted = ((next['spec'] ?? {}) as Record<string, unknown>)['finalizers'];
    if (wanted === undefined) delete spec['finalizers'];
    else spec['finalizers'] = deepClone(wanted);
  }
  return out;
}

/**
 * Sets `next.metadata.managedFields` for a non-apply write by `manager`. Ownership is computed on
 * a defaulted copy (upstream defaults while decoding, so defaulted fields belong to the writer);
 * `next` itself is only given its managedFields. Writes of `status` and `finalize` (namespaces)
 * are recorded with that subresource; other subresources (binding...) are not.
 */
export function recordUpdate(def: ResourceDef, subresource: string, now: Date, live: KubeObject | undefined, next: KubeObject, manager: string): void {
  // status and finalize writes change only their part (the store keeps the rest from live), so
  // ownership is computed on what will be stored, as upstream's reset fields: the writer of a
  // status does not own the spec it happened to send.
  if (subresource !== '' && subresource !== 'scale' && subresource !== 'status' && subresource !== 'finalize') return;
  let copy = live && (subresource === 'status' || subresource === 'finalize') ? storedPart(subresource, live, next) : deepClone(next);
  try {
    applyDefaults(copy, def.schema);
    def.strategy?.defaults?.(copy);
  } catch {
    // Defaulting runs again in the write pipeline, which reports its errors: track undefaulted.
    copy = live && (subresource === 'status' || subresource === 'finalize') ? storedPart(subresource, live, next) : deepClone(next);
  }
  try {
    trackUpdate({ def, subresource, now }, live, copy, manager);
  } catch {
    // As upstream's UpdateNoErrors: a write never fails over field tracking; the object is stored
    // without managedFields (tracked again from its next apply).
    delete next.metadata.managedFields;
    return;
  }
  if (copy.metadata.managedFields) next.metadata.managedFields = copy.metadata.managedFields;
  else delete next.metadata.managedFields;
}

/**
 * A write through the scale subresource: `scale` changes a copy of the live object; the change is
 * recorded as an Update with subresource "scale" (`kubectl scale` → "kubectl-scale").
 */
export function trackedScale(def: ResourceDef, now: Date, manager: string, live: KubeObject, scale: (copy: KubeObject) => KubeObject): KubeObject {
  const next = scale(deepClone(live));
  recordUpdate(def, 'scale', now, live, next, manager);
  return next;
}

/** PUT with managedFields tracking: the store's update rules, ownership taken against the live object. */
export async function updateTracked(store: ResourceStore, ctx: StrategyContext, namespace: string, name: string, input: KubeObject, dryRun: boolean, manager: string): Promise<WriteResult> {
  const meta = input.metadata ?? {};
  if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  if (store.def.namespaced && meta.namespace && namespace && meta.namespace !== namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const precondition = meta.resourceVersion ? parseResourceVersion(meta.resourceVersion, 'metadata.resourceVersion') : undefined;
  return store.guaranteedUpdate(namespace, name, precondition, { dryRun }, ctx, (current) => {
    const next = deepClone(input);
    next.metadata ??= {};
    recordUpdate(store.def, ctx.subresource, ctx.now, current, next, manager);
    return next;
  });
}

export interface ApplyRequest {
  store: ResourceStore;
  ctx: StrategyContext;
  namespace: string;
  name: string;
  body: Buffer;
  manager: string;
  force: boolean;
  dryRun: boolean;
  validation: FieldValidation;
}

/**
 * A server-side apply (PATCH application/apply-patch+yaml, JSON being YAML too): creates the object
 * when missing (201), else merges into it (200). A resourceVersion in the configuration is a
 * precondition.
 * @throws ApiError 400 (undecodable or mismatched config), 409 (field conflicts, precondition), 422
 */
export async function serverSideApply(a: ApplyRequest): Promise<{ code: 200 | 201; result: WriteResult; warnings: string[] }> {
  const def = a.store.def;
  let value: unknown;
  try {
    value = parseBody(a.body, 'application/yaml').value;
  } catch (e) {
    if (e instanceof ApiError) throw badRequest(`error decoding YAML: ${e.message.replace(/^error converting YAML to JSON: /, '')}`);
    throw e;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('error decoding YAML: the apply configuration must be an object');
  const raw = value as KubeObject;
  if (raw.apiVersion === apiVersionOf(def.group, def.version) && raw.kind === def.kind) checkTyped(def, raw);
  const { obj: config, warnings } = decodeObject(Buffer.from(JSON.stringify(value)), 'application/json', def, a.validation);
  const meta = config.metadata;
  if (meta.name !== undefined && meta.name !== a.name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${a.name})`);
  if (def.namespaced && meta.namespace !== undefined && meta.namespace !== a.namespace)
    throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${a.namespace})`);
  const wctx: WriteContext = { def, subresource: a.ctx.subresource, now: a.ctx.now };
  const precondition = meta.resourceVersion;
  for (let attempt = 0; ; attempt++) {
    const live = await a.store.tryGet(a.namespace, a.name);
    if (!live) {
      if (a.ctx.subresource) throw new ApiError('NotFound', 404, `${def.group ? `${def.plural}.${def.group}` : def.plural} "${a.name}" not found`, { name: a.name, group: def.group, kind: def.plural });
      const obj = applyObject(wctx, undefined, config, a.manager, a.force);
      obj.metadata.name = a.name;
      if (def.namespaced) obj.metadata.namespace = a.namespace;
      try {
        return { code: 201, result: await a.store.create(a.ctx, a.namespace, obj, { dryRun: a.dryRun, fieldManager: a.manager }), warnings };
      } catch (e) {
        // Created by someone else in between: apply to theirs.
        if (e instanceof ApiError && e.reason === 'AlreadyExists' && attempt < 3) continue;
        throw e;
      }
    }
    try {
      const result = await a.store.guaranteedUpdate(a.namespace, a.name, undefined, { dryRun: a.dryRun, fieldManager: a.manager }, a.ctx, (current) => {
        if (precondition !== undefined && precondition !== current.metadata.resourceVersion)
          throw conflict({ group: def.group, resource: def.plural }, a.name, OBJECT_MODIFIED);
        return applyObject(wctx, current, config, a.manager, a.force);
      });
      return { code: 200, result, warnings };
    } catch (e) {
      // Deleted in between: create it.
      if (e instanceof ApiError && e.reason === 'NotFound' && attempt < 3 && !a.ctx.subresource) continue;
      throw e;
    }
  }
}
