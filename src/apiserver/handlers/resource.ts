/**
 * HTTP verbs on resources: get, list, create, update, patch, delete, deletecollection, and the
 * status and scale subresources. Each handler decodes the request, calls the ResourceStore and
 * encodes the answer in the representation the client asked for (JSON, YAML, Table, metadata).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, ResourceDef, StrategyContext, UserInfo } from '../../api/types.js';
import { apiVersionOf } from '../../api/types.js';
import { ApiError, badRequest, methodNotSupported, notAcceptable, notFound, unsupportedMediaType } from '../../lib/errors.js';
import { chooseOutput, patchType, type OutputKind } from '../negotiation.js';
import { readBody, sendObject } from '../http-util.js';
import { decodeObject, parseBody, parseFieldValidation } from '../decode.js';
import { successStatus } from '../status.js';
import { toTable, partialObjectMetadata, type IncludeObject } from '../table.js';
import type { ResourceStore, DeleteOptions, PropagationPolicy } from '../registry/store.js';
import { parseResourceVersion } from '../registry/store.js';
import type { ResourceRequestInfo } from '../request-info.js';
import { buildFilter } from '../selectors.js';
import { applyPatch } from '../patch.js';
import { scaleFromObject, applyScaleToObject } from '../scale.js';
import { prune } from '../../api/schema/engine/index.js';
import { managerName, recordUpdate, serverSideApply, trackedScale, updateTracked } from '../apply/index.js';

export interface HandlerEnv {
  now: () => Date;
}

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: ResourceRequestInfo;
  query: URLSearchParams;
  def: ResourceDef;
  store: ResourceStore;
  user: UserInfo;
}

function ctxOf(r: ResourceRequest, env: HandlerEnv, subresource = r.info.subresource): StrategyContext {
  return { now: env.now(), user: r.user, subresource };
}

function isDryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  for (const d of v) if (d !== 'All') throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
  return v.length > 0;
}

function outputOf(r: ResourceRequest): OutputKind {
  const out = chooseOutput(r.req.headers['accept']);
  if (!out) throw notAcceptable(`the server was unable to respond with a content type that the client supports`);
  return out;
}

function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === null || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "None", "Metadata", "Object"`);
}

/** Sends one object in the requested representation. */
export function sendOne(r: ResourceRequest, env: HandlerEnv, code: number, obj: KubeObject, warnings: readonly string[] = []): void {
  const out = outputOf(r);
  switch (out.kind) {
    case 'table':
      return sendObject(r.res, code, toTable(r.def, [obj], { version: out.version, includeObject: includeObjectOf(r.query), now: env.now(), resourceVersion: obj.metadata.resourceVersion }), { warnings });
    case 'partial':
      return sendObject(r.res, code, partialObjectMetadata(obj, out.version), { warnings });
    case 'yaml':
      return sendObject(r.res, code, obj, { yaml: true, warnings });
    default:
      return sendObject(r.res, code, obj, { warnings });
  }
}

export async function handleGet(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  const rv = r.query.get('resourceVersion');
  if (rv) parseResourceVersion(rv);
  const obj = await r.store.get(r.info.namespace, r.info.name);
  sendOne(r, env, 200, obj);
}

export async function handleList(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  const q = r.query;
  const { filter, filtered } = buildFilter(r.def, q.get('labelSelector'), q.get('fieldSelector'));
  const limitText = q.get('limit');
  let limit: number | undefined;
  if (limitText !== null && limitText !== '') {
    limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: ${JSON.stringify(limitText)}: must be a non-negative integer`);
  }
  const rv = q.get('resourceVersion') ?? undefined;
  if (rv && rv !== '0') parseResourceVersion(rv);
  const rvMatch = q.get('resourceVersionMatch') ?? undefined;
  if (rvMatch && rvMatch !== 'Exact' && rvMatch !== 'NotOlderThan')
    throw badRequest(`resourceVersionMatch: Unsupported value: ${JSON.stringify(rvMatch)}: supported values: "Exact", "NotOlderThan"`);
  if (rvMatch && !rv) throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  const cont = q.get('continue') ?? undefined;
  if (cont && rv && rv !== '0') throw badRequest('specifying resource version is not allowed when using continue');
  const list = await r.store.list({
    namespace: r.info.namespace,
    filter,
    filtered,
    limit,
    continueToken: cont,
    resourceVersion: rv,
    resourceVersionMatch: rvMatch,
  });
  const out = outputOf(r);
  switch (out.kind) {
    case 'table':
      return sendObject(
        r.res,
        200,
        toTable(r.def, list.items, {
          version: out.version,
          includeObject: includeObjectOf(q),
          now: env.now(),
          resourceVersion: list.metadata.resourceVersion,
          continueToken: list.metadata.continue,
          remainingItemCount: list.metadata.remainingItemCount,
        }),
      );
    case 'partial':
      return sendObject(r.res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${out.version}`,
        metadata: list.metadata,
        items: list.items.map((o) => partialObjectMetadata(o, out.version)),
      });
    case 'yaml':
      return sendObject(r.res, 200, list, { yaml: true });
    default:
      return sendObject(r.res, 200, list);
  }
}

export async function handleCreate(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  if (r.info.subresource) throw methodNotSupported({ group: r.def.group, resource: `${r.def.plural}/${r.info.subresource}` }, 'create');
  if (r.info.name) throw methodNotSupported({ group: r.def.group, resource: r.def.plural }, 'create');
  const dryRun = isDryRun(r.query);
  const validation = parseFieldValidation(r.query.get('fieldValidation'));
  const body = await readBody(r.req);
  const { obj, warnings } = decodeObject(body, r.req.headers['content-type'], r.def, validation);
  const ctx = ctxOf(r, env);
  recordUpdate(r.def, '', ctx.now, undefined, obj, managerOf(r));
  const result = await r.store.create(ctx, r.info.namespace, obj, { dryRun, fieldManager: r.query.get('fieldManager') ?? undefined });
  sendOne(r, env, 201, result.object, [...warnings, ...result.warnings]);
}

export async function handleUpdate(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  const sub = r.info.subresource;
  const dryRun = isDryRun(r.query);
  const validation = parseFieldValidation(r.query.get('fieldValidation'));
  const body = await readBody(r.req);
  if (sub === 'scale') return updateScale(r, env, body, dryRun);
  const { obj, warnings } = decodeObject(body, r.req.headers['content-type'], r.def, validation);
  const result = await updateTracked(r.store, ctxOf(r, env), r.info.namespace, r.info.name, obj, dryRun, managerOf(r));
  sendOne(r, env, 200, result.object, [...warnings, ...result.warnings]);
}

export async function handlePatch(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  const sub = r.info.subresource;
  const type = patchType(r.req.headers['content-type']);
  if (!type) throw unsupportedMediaType(String(r.req.headers['content-type'] ?? ''));
  const dryRun = isDryRun(r.query);
  const validation = parseFieldValidation(r.query.get('fieldValidation'));
  validatePatchOptions(type, r.query);
  const body = await readBody(r.req);
  const patchText = body.toString('utf8');
  if (sub === 'scale') return patchScale(r, env, type, patchText, dryRun);
  const warnings: string[] = [];
  const ctx = ctxOf(r, env);
  if (type === 'apply') {
    const force = r.query.get('force') === 'true';
    const applied = await serverSideApply({ store: r.store, ctx, namespace: r.info.namespace, name: r.info.name, body, manager: managerOf(r), force, dryRun, validation });
    return sendOne(r, env, applied.code, applied.result.object, [...applied.warnings, ...applied.result.warnings]);
  }
  const result = await r.store.guaranteedUpdate(r.info.namespace, r.info.name, undefined, { dryRun }, ctx, (current) => {
    const patched = applyPatch(type, current, patchText, r.def);
    checkPatchedIdentity(r, patched);
    const { obj, warnings: w } = decodeObject(Buffer.from(JSON.stringify(patched)), 'application/json', r.def, validation);
    warnings.splice(0, warnings.length, ...w);
    recordUpdate(r.def, ctx.subresource, ctx.now, current, obj, managerOf(r));
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) {
      // A resourceVersion inside the patch is a precondition.
      throw new PatchConflict();
    }
    return obj;
  }).catch((e: unknown) => {
    if (e instanceof PatchConflict)
      throw new ApiError('Conflict', 409, `Operation cannot be fulfilled on ${r.def.group ? `${r.def.plural}.${r.def.group}` : r.def.plural} "${r.info.name}": the object has been modified; please apply your changes to the latest version and try again`, { name: r.info.name, group: r.def.group, kind: r.def.plural });
    throw e;
  });
  sendOne(r, env, 200, result.object, [...warnings, ...result.warnings]);
}

class PatchConflict extends Error {}

/** The field manager of a write: ?fieldManager=, else the user agent's product (upstream). */
function managerOf(r: ResourceRequest): string {
  return managerName(r.query.get('fieldManager'), r.req.headers['user-agent']);
}

/** A patch may not rename an object or move it to another namespace (upstream: 400). */
function checkPatchedIdentity(r: ResourceRequest, patched: KubeObject): void {
  const meta = (patched.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  if (meta.name !== undefined && meta.name !== r.info.name)
    throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${r.info.name})`);
  if (r.def.namespaced && meta.namespace !== undefined && meta.namespace !== r.info.namespace)
    throw badRequest(`the namespace of the object (${String(meta.namespace)}) does not match the namespace on the request (${r.info.namespace})`);
}

/** PatchOptions rules: fieldManager required (and short) for apply; force only for apply. */
function validatePatchOptions(type: NonNullable<ReturnType<typeof patchType>>, q: URLSearchParams): void {
  const force = q.get('force');
  if (force !== null && force !== 'true' && force !== 'false' && force !== '')
    throw badRequest(`force: Invalid value: ${JSON.stringify(force)}: strconv.ParseBool: parsing ${JSON.stringify(force)}: invalid syntax`);
  const manager = q.get('fieldManager');
  const errs: string[] = [];
  if (type === 'apply') {
    if (!manager) errs.push('fieldManager: Required value: is required for apply patch');
  } else if (force === 'true') errs.push('force: Forbidden: may not be specified for non-apply patch');
  if (manager && Buffer.byteLength(manager) > 128) errs.push('fieldManager: Too long: must have at most 128 bytes');
  if (errs.length)
    throw new ApiError('Invalid', 422, `PatchOptions.meta.k8s.io "" is invalid: ${errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`}`, {
      group: 'meta.k8s.io',
      kind: 'PatchOptions',
      causes: errs.map((e) => ({ reason: e.includes('Required') ? 'FieldValueRequired' : e.includes('Forbidden') ? 'FieldValueForbidden' : 'FieldValueTooLong', message: e.slice(e.indexOf(': ') + 2), field: e.slice(0, e.indexOf(':')) })),
    });
}

export async function handleDelete(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  const opts = await deleteOptions(r);
  const result = await r.store.delete(ctxOf(r, env), r.info.namespace, r.info.name, opts);
  if (result.object) return sendOne(r, env, 200, result.object, result.warnings);
  const d = result.deleted!;
  sendObject(r.res, 200, successStatus({ name: d.metadata.name, group: r.def.group, kind: r.def.plural, uid: d.metadata.uid }), { warnings: result.warnings });
}

export async function handleDeleteCollection(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  const opts = await deleteOptions(r);
  const { filter, filtered } = buildFilter(r.def, r.query.get('labelSelector'), r.query.get('fieldSelector'));
  const list = await r.store.list({ namespace: r.info.namespace, filter, filtered });
  const items: KubeObject[] = [];
  for (const o of list.items) {
    try {
      const res = await r.store.delete(ctxOf(r, env), o.metadata.namespace ?? '', o.metadata.name!, opts);
      items.push(res.object ?? res.deleted!);
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'NotFound') continue;
      throw e;
    }
  }
  sendObject(r.res, 200, { ...list, items });
}

async function deleteOptions(r: ResourceRequest): Promise<DeleteOptions> {
  const q = r.query;
  const opts: DeleteOptions = { dryRun: isDryRun(q) };
  const body = await readBody(r.req);
  if (body.length) {
    const { value } = parseBody(body, r.req.headers['content-type'], { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' });
    if (value !== null) Object.assign(opts, decodeDeleteOptions(value));
  }
  const gp = q.get('gracePeriodSeconds');
  if (gp !== null) {
    const n = Number(gp);
    if (!Number.isInteger(n)) throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(gp)}`);
    opts.gracePeriodSeconds = n;
  }
  const pp = q.get('propagationPolicy');
  if (pp !== null) opts.propagationPolicy = propagation(pp);
  const od = q.get('orphanDependents');
  if (od !== null) opts.orphanDependents = od === 'true';
  if (opts.orphanDependents !== undefined && opts.propagationPolicy !== undefined)
    throw new ApiError('Invalid', 422, `DeleteOptions "" is invalid: propagationPolicy: Invalid value: "${opts.propagationPolicy}": orphanDependents and deletionPropagation cannot be both set`);
  return opts;
}

const DELETE_OPTIONS_TYPE = 'v1.DeleteOptions';

/** A DELETE body as upstream decodes it: a JSON object with typed fields, else 400. */
function decodeDeleteOptions(value: unknown): Partial<DeleteOptions> {
  const cannot = (what: string, field?: string) =>
    badRequest(
      field
        ? `json: cannot unmarshal ${what} into Go struct field DeleteOptions.${field} of type ${DELETE_FIELD_TYPES[field]}`
        : `json: cannot unmarshal ${what} into Go value of type ${DELETE_OPTIONS_TYPE}`,
    );
  if (typeof value !== 'object' || Array.isArray(value) || value === null) throw cannot(goJsonType(value));
  const o = value as Record<string, unknown>;
  if (o['kind'] !== undefined && o['kind'] !== 'DeleteOptions')
    throw badRequest(`the object provided is unrecognized (must be of type DeleteOptions): kind "${String(o['kind'])}"`);
  const out: Partial<DeleteOptions> = {};
  const gp = o['gracePeriodSeconds'];
  if (gp !== undefined && gp !== null) {
    if (typeof gp !== 'number' || !Number.isInteger(gp)) throw cannot(goJsonType(gp), 'gracePeriodSeconds');
    out.gracePeriodSeconds = gp;
  }
  const pp = o['propagationPolicy'];
  if (pp !== undefined && pp !== null) {
    if (typeof pp !== 'string') throw cannot(goJsonType(pp), 'propagationPolicy');
    out.propagationPolicy = propagation(pp);
  }
  const od = o['orphanDependents'];
  if (od !== undefined && od !== null) {
    if (typeof od !== 'boolean') throw cannot(goJsonType(od), 'orphanDependents');
    out.orphanDependents = od;
  }
  const pre = o['preconditions'];
  if (pre !== undefined && pre !== null) {
    if (typeof pre !== 'object' || Array.isArray(pre)) throw cannot(goJsonType(pre), 'preconditions');
    const p = pre as Record<string, unknown>;
    for (const k of ['uid', 'resourceVersion'])
      if (p[k] !== undefined && p[k] !== null && typeof p[k] !== 'string') throw cannot(goJsonType(p[k]), `preconditions.${k}`);
    out.preconditions = { uid: (p['uid'] as string | undefined) ?? undefined, resourceVersion: (p['resourceVersion'] as string | undefined) ?? undefined };
  }
  const dr = o['dryRun'];
  if (dr !== undefined && dr !== null) {
    if (!Array.isArray(dr)) throw cannot(goJsonType(dr), 'dryRun');
    for (const d of dr) if (d !== 'All') throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
    if (dr.length) out.dryRun = true;
  }
  return out;
}

const DELETE_FIELD_TYPES: Record<string, string> = {
  gracePeriodSeconds: 'int64',
  propagationPolicy: 'v1.DeletionPropagation',
  orphanDependents: 'bool',
  preconditions: 'v1.Preconditions',
  'preconditions.uid': 'types.UID',
  'preconditions.resourceVersion': 'string',
  dryRun: '[]string',
};

function goJsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function propagation(v: string): PropagationPolicy {
  if (v === 'Orphan' || v === 'Background' || v === 'Foreground') return v;
  throw new ApiError(
    'Invalid',
    422,
    `DeleteOptions "" is invalid: propagationPolicy: Unsupported value: ${JSON.stringify(v)}: supported values: "Foreground", "Background", "Orphan", "nil"`,
  );
}

// ---- scale subresource ---------------------------------------------------------------------

export async function handleGetScale(r: ResourceRequest, env: HandlerEnv): Promise<void> {
  const scaleDef = r.def.subresources?.scale;
  if (!scaleDef) throw notFound({ group: r.def.group, resource: `${r.def.plural}/scale` }, r.info.name);
  const obj = await r.store.get(r.info.namespace, r.info.name);
  sendObject(r.res, 200, scaleFromObject(r.def, obj));
  void env;
}

/** The scale subresource takes and gives autoscaling/v1 Scale objects only. */
function checkScaleKind(v: unknown, r: ResourceRequest): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('the object provided is not a Scale');
  const o = v as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const name = o.metadata?.name;
  if (name !== undefined && name !== '' && name !== r.info.name)
    throw badRequest(`the name of the object (${String(name)}) does not match the name on the URL (${r.info.name})`);
  const ns = o.metadata?.namespace;
  if (r.def.namespaced && ns !== undefined && ns !== '' && ns !== r.info.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (o.kind !== undefined && o.kind !== 'Scale')
    throw badRequest(`the object provided is unrecognized (must be of type Scale): kind "${String(o.kind)}" does not match`);
  if (o.apiVersion !== undefined && o.apiVersion !== 'autoscaling/v1')
    throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (autoscaling/v1)`);
}

async function updateScale(r: ResourceRequest, env: HandlerEnv, body: Buffer, dryRun: boolean): Promise<void> {
  const { value } = parseBody(body, r.req.headers['content-type'], { apiVersion: 'autoscaling/v1', kind: 'Scale' });
  checkScaleKind(value, r);
  const scale = value as { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
  const precondition = scale.metadata?.resourceVersion ? parseResourceVersion(scale.metadata.resourceVersion) : undefined;
  const ctx = ctxOf(r, env, '');
  const result = await r.store.guaranteedUpdate(r.info.namespace, r.info.name, precondition, { dryRun }, ctx, (cur) =>
    trackedScale(r.def, ctx.now, managerOf(r), cur, (o) => applyScaleToObject(r.def, o, scale)),
  );
  sendObject(r.res, 200, scaleFromObject(r.def, result.object), { warnings: result.warnings });
}

async function patchScale(r: ResourceRequest, env: HandlerEnv, type: NonNullable<ReturnType<typeof patchType>>, patchText: string, dryRun: boolean): Promise<void> {
  const ctx = ctxOf(r, env, '');
  const result = await r.store.guaranteedUpdate(r.info.namespace, r.info.name, undefined, { dryRun }, ctx, (cur) => {
    const scale = scaleFromObject(r.def, cur);
    const patched = applyPatch(type === 'apply' ? 'merge' : type, scale as unknown as KubeObject, patchText, undefined) as unknown as {
      spec?: { replicas?: unknown };
    };
    checkScaleKind(patched, r);
    return trackedScale(r.def, ctx.now, managerOf(r), cur, (o) => applyScaleToObject(r.def, o, patched));
  });
  sendObject(r.res, 200, scaleFromObject(r.def, result.object), { warnings: result.warnings });
}

export { apiVersionOf, prune };
