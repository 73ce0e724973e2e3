/**
 * Builds the OpenAPI v3 document of one group/version, shaped like kube-apiserver's
 * `/openapi/v3/apis/<group>/<version>`: paths with upstream operation ids, actions, GVK extensions and
 * parameters, and the referenced component schemas.
 *
 * What real clients read from it (kubectl 1.27–1.33):
 * - cli-runtime's query_param_verifier_v3: for a GVK, some PATCH operation whose
 *   `x-kubernetes-group-version-kind` matches must list the query parameter `fieldValidation` among
 *   its own (operation-level, inline) parameters, or kubectl falls back to client-side validation.
 *   Every PATCH operation of a kind carries it, since kubectl stops at the first one it meets.
 * - kubectl explain: finds the GVK on an operation of `/<prefix>/<resource>` or
 *   `.../namespaces/{namespace}/<resource>[/{name}]`, then the component whose
 *   `x-kubernetes-group-version-kind` array contains it, following `$ref` / single `allOf`.
 * - client-side apply of custom resources: `x-kubernetes-patch-*` when the PATCH requestBody lists
 *   `application/strategic-merge-patch+json`.
 */
import type { ResourceDef } from '../../api/types.js';
import type { Schema } from '../../api/schema/schema.js';
import { ObjectMeta } from '../../api/meta/v1.js';
import { ID, ref, type JsonObject } from './well-known.js';
import { SchemaEmitter, componentIdFor } from './schema-emitter.js';
import { NO_UPSTREAM_DOCS, type UpstreamDocs } from './upstream-docs.js';

export interface DocumentInfo {
  title: string;
  version: string;
}

/** `api/v1` or `apis/<group>/<version>`: the key in the /openapi/v3 index. */
export function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The whole document for the resources of one group/version. */
export function buildGroupVersionDocument(
  group: string,
  version: string,
  defs: readonly ResourceDef[],
  info: DocumentInfo,
  docs: UpstreamDocs = NO_UPSTREAM_DOCS,
): JsonObject {
  const em = new SchemaEmitter(docs);
  const prefix = `/${gvPath(group, version)}`;
  const opPrefix = operationPrefix(group, version);
  const tag = tagFor(group, version);
  const paths: JsonObject = {};

  em.wellKnown(ID.apiResourceList);
  paths[`${prefix}/`] = {
    get: {
      tags: [tag],
      description: 'get available resources',
      operationId: `get${opPrefix}APIResources`,
      responses: okResponses(ID.apiResourceList, false),
    },
  };

  const sorted = [...defs].sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
  let usesDelete = false;
  let usesWatch = false;
  let usesPatch = false;
  for (const def of sorted) {
    const kindId = def.schema.id ?? componentIdFor(group, version, def.kind);
    const gvk = { group, version, kind: def.kind };
    const extra: JsonObject = {};
    const declared = def.schema['x-kubernetes-group-version-kind'];
    if (!declared || !declared.some((g) => g.group === group && g.version === version && g.kind === def.kind))
      extra['x-kubernetes-group-version-kind'] = [...(declared ?? []), gvk];
    em.component(kindId, withTypeMeta(def.schema), extra);
    const verbs = new Set(def.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    const listId = `${kindId}List`;
    // Only listable kinds have a List type upstream (no BindingList, TokenReviewList...).
    if (verbs.has('list')) {
      em.wellKnown(ID.listMeta);
      em.components.set(listId, em.describeComponent(listId, listComponent(def.kind, kindId, group, version)));
    }
    const ns = def.namespaced;
    const nsSeg = ns ? 'namespaces/{namespace}/' : '';
    const nsWord = ns ? 'Namespaced' : '';
    const K = def.kind;
    const common: JsonObject[] = ns ? [paramNamespace(), paramPretty()] : [paramPretty()];
    const named: JsonObject[] = [paramName(K), ...common];
    const op = (verb: string, suffix: string) => `${verb}${opPrefix}${suffix}`;
    const base = { tags: [tag], 'x-kubernetes-group-version-kind': gvk };

    // collection
    const coll: JsonObject = {};
    if (verbs.has('list'))
      coll.get = {
        ...base,
        description: `list or watch objects of kind ${K}`,
        operationId: op('list', `${nsWord}${K}`),
        parameters: listParams(),
        responses: okResponses(listId, true),
        'x-kubernetes-action': 'list',
      };
    if (verbs.has('create'))
      coll.post = {
        ...base,
        description: `create ${article(K)}`,
        operationId: op('create', `${nsWord}${K}`),
        parameters: writeParams(false),
        requestBody: bodyOf(kindId),
        responses: { ...okResponses(kindId, false), ...created(kindId), ...accepted(kindId) },
        'x-kubernetes-action': 'post',
      };
    if (verbs.has('deletecollection')) {
      usesDelete = true;
      coll.delete = {
        ...base,
        description: `delete collection of ${K}`,
        operationId: op('delete', `Collection${nsWord}${K}`),
        parameters: deleteCollectionParams(),
        requestBody: bodyOf(ID.deleteOptions),
        responses: okResponses(ID.status, false),
        'x-kubernetes-action': 'deletecollection',
      };
    }
    if (Object.keys(coll).length) paths[`${prefix}/${nsSeg}${def.plural}`] = { ...coll, parameters: common };

    // item
    const item: JsonObject = {};
    if (verbs.has('get'))
      item.get = {
        ...base,
        description: `read the specified ${K}`,
        operationId: op('read', `${nsWord}${K}`),
        responses: okResponses(kindId, false),
        'x-kubernetes-action': 'get',
      };
    if (verbs.has('update'))
      item.put = {
        ...base,
        description: `replace the specified ${K}`,
        operationId: op('replace', `${nsWord}${K}`),
        parameters: writeParams(false),
        requestBody: bodyOf(kindId),
        responses: { ...okResponses(kindId, false), ...created(kindId) },
        'x-kubernetes-action': 'put',
      };
    if (verbs.has('delete')) {
      usesDelete = true;
      item.delete = {
        ...base,
        description: `delete ${article(K)}`,
        operationId: op('delete', `${nsWord}${K}`),
        parameters: deleteParams(),
        requestBody: bodyOf(ID.deleteOptions),
        responses: { ...okResponses(ID.status, false), ...accepted(ID.status) },
        'x-kubernetes-action': 'delete',
      };
    }
    if (verbs.has('patch')) {
      usesPatch = true;
      item.patch = patchOp(base, `partially update the specified ${K}`, op('patch', `${nsWord}${K}`), kindId);
    }
    if (Object.keys(item).length) paths[`${prefix}/${nsSeg}${def.plural}/{name}`] = { ...item, parameters: named };

    // status subresource
    if (def.subresources?.status) {
      const sub: JsonObject = {};
      if (verbs.has('get'))
        sub.get = {
          ...base,
          description: `read status of the specified ${K}`,
          operationId: op('read', `${nsWord}${K}Status`),
          responses: okResponses(kindId, false),
          'x-kubernetes-action': 'get',
        };
      if (verbs.has('update'))
        sub.put = {
          ...base,
          description: `replace status of the specified ${K}`,
          operationId: op('replace', `${nsWord}${K}Status`),
          parameters: writeParams(false),
          requestBody: bodyOf(kindId),
          responses: { ...okResponses(kindId, false), ...created(kindId) },
          'x-kubernetes-action': 'put',
        };
      if (verbs.has('patch')) sub.patch = patchOp(base, `partially update status of the specified ${K}`, op('patch', `${nsWord}${K}Status`), kindId);
      if (Object.keys(sub).length) paths[`${prefix}/${nsSeg}${def.plural}/{name}/status`] = { ...sub, parameters: named };
    }

    // scale subresource (autoscaling/v1 Scale)
    if (def.subresources?.scale) {
      em.wellKnown(ID.scale);
      const scaleBase = { tags: [tag], 'x-kubernetes-group-version-kind': { group: 'autoscaling', version: 'v1', kind: 'Scale' } };
      paths[`${prefix}/${nsSeg}${def.plural}/{name}/scale`] = {
        get: {
          ...scaleBase,
          description: `read scale of the specified ${K}`,
          operationId: op('read', `${nsWord}${K}Scale`),
          responses: okResponses(ID.scale, false),
          'x-kubernetes-action': 'get',
        },
        put: {
          ...scaleBase,
          description: `replace scale of the specified ${K}`,
          operationId: op('replace', `${nsWord}${K}Scale`),
          parameters: writeParams(false),
          requestBody: bodyOf(ID.scale),
          responses: { ...okResponses(ID.scale, false), ...created(ID.scale) },
          'x-kubernetes-action': 'put',
        },
        patch: patchOp(scaleBase, `partially update scale of the specified ${K}`, op('patch', `${nsWord}${K}Scale`), ID.scale),
        parameters: named,
      };
      usesPatch = true;
    }

    // all-namespaces list and watch paths
    if (ns && verbs.has('list'))
      paths[`${prefix}/${def.plural}`] = {
        get: {
          ...base,
          description: `list or watch objects of kind ${K}`,
          operationId: op('list', `${K}ForAllNamespaces`),
          responses: okResponses(listId, true),
          'x-kubernetes-action': 'list',
        },
        parameters: [...listParams(), paramPretty()],
      };
    if (verbs.has('watch')) {
      usesWatch = true;
      const watchResp = okResponses(ID.watchEvent, true);
      paths[`${prefix}/watch/${nsSeg}${def.plural}`] = {
        get: {
          ...base,
          description: `stream changes to ${K} objects (old watch path; prefer a list call with ?watch=true)`,
          operationId: op('watch', `${nsWord}${K}List`),
          responses: watchResp,
          'x-kubernetes-action': 'watchlist',
        },
        parameters: [...listParams(), ...common],
      };
      paths[`${prefix}/watch/${nsSeg}${def.plural}/{name}`] = {
        get: {
          ...base,
          description: `stream changes to one ${K} (old watch path; prefer a list call with ?watch=true&fieldSelector=metadata.name=NAME)`,
          operationId: op('watch', `${nsWord}${K}`),
          responses: watchResp,
          'x-kubernetes-action': 'watch',
        },
        parameters: [...listParams(), paramName(K), ...common],
      };
      if (ns)
        paths[`${prefix}/watch/${def.plural}`] = {
          get: {
            ...base,
            description: `stream changes to ${K} objects (old watch path; prefer a list call with ?watch=true)`,
            operationId: op('watch', `${K}ListForAllNamespaces`),
            responses: watchResp,
            'x-kubernetes-action': 'watchlist',
          },
          parameters: [...listParams(), paramPretty()],
        };
    }
  }
  em.wellKnown(ID.status);
  if (usesDelete) em.wellKnown(ID.deleteOptions);
  if (usesWatch) em.wellKnown(ID.watchEvent);
  if (usesPatch) em.wellKnown(ID.patch);

  const schemas = em.finish();
  addGroupVersionKind(schemas[ID.deleteOptions], group, version, 'DeleteOptions');
  addGroupVersionKind(schemas[ID.watchEvent], group, version, 'WatchEvent');

  const sortedPaths: JsonObject = {};
  for (const p of Object.keys(paths).sort()) sortedPaths[p] = paths[p];
  return {
    openapi: '3.0.0',
    info: { title: info.title, version: info.version },
    paths: sortedPaths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' },
      },
    },
    security: [{ BearerToken: [] }],
  };
}

/**
 * Custom resource schemas usually describe only spec/status; upstream publishes them with
 * apiVersion, kind and metadata (ObjectMeta) added, which kubectl explain shows.
 */
function withTypeMeta(schema: Schema): Schema {
  const props = schema.properties ?? {};
  const meta = props.metadata;
  const metaUseful = meta !== undefined && (meta.id !== undefined || Object.keys(meta.properties ?? {}).length > 0);
  if (metaUseful && props.apiVersion && props.kind) return schema;
  return {
    ...schema,
    type: 'object',
    properties: {
      apiVersion: props.apiVersion ?? { type: 'string', description: 'The group/version this object is written in, e.g. v1.' },
      kind: props.kind ?? { type: 'string', description: 'The type name of this object, in CamelCase.' },
      metadata: metaUseful ? meta : meta?.description ? { ...ObjectMeta, description: meta.description } : ObjectMeta,
      ...Object.fromEntries(Object.entries(props).filter(([k]) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata')),
    },
  };
}

function addGroupVersionKind(schema: JsonObject | undefined, group: string, version: string, kind: string): void {
  if (!schema) return;
  const list = (schema['x-kubernetes-group-version-kind'] as JsonObject[] | undefined) ?? [];
  if (!list.some((g) => g.group === group && g.version === version && g.kind === kind)) list.push({ group, kind, version });
  schema['x-kubernetes-group-version-kind'] = list;
}

function listComponent(kind: string, kindId: string, group: string, version: string): JsonObject {
  return {
    description: `${kind}List is a list of ${kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: 'The group/version this object is written in, e.g. v1.' },
      items: {
        type: 'array',
        description: `List of ${kind} objects.`,
        items: { allOf: [ref(kindId)], default: {} },
      },
      kind: { type: 'string', description: 'The type name of this object, in CamelCase.' },
      metadata: { allOf: [ref(ID.listMeta)], default: {}, description: 'Resource version and paging data of this response.' },
    },
    'x-kubernetes-group-version-kind': [{ group, kind: `${kind}List`, version }],
  };
}

// ------------------------------------------------------------------ operation pieces

/** Upstream's operation-id infix: `CoreV1`, `AppsV1`, `RbacAuthorizationV1`, `CertManagerIoV1`. */
export function operationPrefix(group: string, version: string): string {
  const g = group === '' ? 'core' : group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group;
  return validOperationId(g, true) + validOperationId(version, true);
}

function tagFor(group: string, version: string): string {
  const g = group === '' ? 'core' : group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group;
  return `${validOperationId(g, false)}_${validOperationId(version, false)}`;
}

/** Upstream's ToValidOperationID: drops non-letters (digits allowed after the first rune), capitalising the next letter. */
function validOperationId(s: string, capitalizeFirst: boolean): string {
  let out = '';
  let cap = capitalizeFirst;
  let i = 0;
  for (const ch of s) {
    const isLetter = /\p{L}/u.test(ch);
    if (isLetter || ch === '_' || (i !== 0 && /\p{Nd}/u.test(ch))) {
      out += cap ? ch.toUpperCase() : ch;
      cap = false;
    } else cap = true;
    i += ch.length;
  }
  return out;
}

function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

const JSON_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const STREAM_TYPES = ['application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

function contentOf(id: string, streaming: boolean): JsonObject {
  const content: JsonObject = {};
  for (const t of [...JSON_TYPES, ...(streaming ? STREAM_TYPES : [])]) content[t] = { schema: ref(id) };
  return content;
}

function okResponses(id: string, streaming: boolean): JsonObject {
  return { '200': { description: 'OK', content: contentOf(id, streaming) }, '401': { description: 'Unauthorized' } };
}

function created(id: string): JsonObject {
  return { '201': { description: 'Created', content: contentOf(id, false) } };
}

function accepted(id: string): JsonObject {
  return { '202': { description: 'Accepted', content: contentOf(id, false) } };
}

function bodyOf(id: string): JsonObject {
  const content: JsonObject = {};
  for (const t of ['*/*']) content[t] = { schema: ref(id) };
  return { content, required: true };
}

const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

function patchOp(base: JsonObject, description: string, operationId: string, responseId: string): JsonObject {
  const content: JsonObject = {};
  for (const t of PATCH_TYPES) content[t] = { schema: ref(ID.patch) };
  return {
    ...base,
    description,
    operationId,
    parameters: writeParams(true),
    requestBody: { content, required: true },
    responses: { ...okResponses(responseId, false), ...created(responseId) },
    'x-kubernetes-action': 'patch',
  };
}

function q(name: string, description: string, schema: JsonObject): JsonObject {
  return { name, in: 'query', description, schema };
}

const S = { type: 'string', uniqueItems: true };
const I = { type: 'integer', uniqueItems: true };
const B = { type: 'boolean', uniqueItems: true };

function paramPretty(): JsonObject {
  return q('pretty', "When 'true', the response is indented for people to read.", S);
}

function paramNamespace(): JsonObject {
  return { name: 'namespace', in: 'path', description: 'the namespace the object lives in', required: true, schema: S };
}

function paramName(kind: string): JsonObject {
  return { name: 'name', in: 'path', description: `name of the ${kind}`, required: true, schema: S };
}

/** dryRun, fieldManager, fieldValidation (+ force for patch): the parameters kubectl probes for. */
function writeParams(patch: boolean): JsonObject[] {
  const ps = [
    q('dryRun', 'Set to All to validate and run the call without storing its result.', S),
    q(
      'fieldManager',
      patch
        ? 'Name of the client making the change, recorded in managedFields; required for server-side apply.'
        : 'Name of the client making the change, recorded in managedFields.',
      S,
    ),
    q(
      'fieldValidation',
      'What to do about unknown or duplicated fields in the body: Ignore them, Warn about them (the default) or reject the call (Strict).',
      S,
    ),
  ];
  if (patch)
    ps.push(q('force', 'For server-side apply only: take over fields other managers own instead of failing with a conflict.', B));
  return ps;
}

function listParams(): JsonObject[] {
  return [
    q('allowWatchBookmarks', 'Ask the server to send BOOKMARK events that carry only a newer resourceVersion; it may ignore the request.', B),
    q('continue', 'Token from a previous page\'s metadata.continue, to fetch the next page of a list.', S),
    q('fieldSelector', 'Only objects whose fields match this selector, e.g. metadata.name=foo; unset matches all.', S),
    q('labelSelector', 'Only objects whose labels match this selector, e.g. app=web,tier!=db; unset matches all.', S),
    q('limit', 'Return at most this many items, with a continue token when more remain.', I),
    q('resourceVersion', 'Which version of the data may answer the call: unset means the latest, 0 means any, otherwise at least (or exactly) this one.', S),
    q('resourceVersionMatch', 'For lists: Exact or NotOlderThan, saying how resourceVersion is to be read.', S),
    q('sendInitialEvents', 'With watch=true, start the stream with the current objects as ADDED events and a bookmark marking their end.', B),
    q('timeoutSeconds', 'End the call after this many seconds.', I),
    q('watch', 'Stream changes to the matching objects instead of returning a list.', B),
  ];
}

function deleteParams(): JsonObject[] {
  return [
    q('dryRun', 'Set to All to validate and run the call without storing its result.', S),
    q('gracePeriodSeconds', 'Seconds the object gets to shut down before it is removed; 0 removes it at once, unset uses the kind\'s default.', I),
    q('ignoreStoreReadErrorWithClusterBreakingPotential', 'When true, an object the server cannot read back from storage is removed anyway, skipping finalizers and other checks; can leave the cluster inconsistent, so it is for repairs only.', B),
    q('orphanDependents', 'Old form of propagationPolicy: true means Orphan, false means Background.', B),
    q('propagationPolicy', 'What happens to objects owned by this one: Orphan keeps them, Background deletes them afterwards, Foreground deletes them first.', S),
  ];
}

function deleteCollectionParams(): JsonObject[] {
  const list = listParams().filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks');
  return [...deleteParams(), ...list].sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
}
