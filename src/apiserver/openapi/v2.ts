/**
 * OpenAPI v2 (Swagger 2.0), derived from the v3 group/version documents and merged into the single
 * document kube-apiserver serves at `/openapi/v2`. kubectl 1.27 and 1.28 fetch it as gnostic
 * protobuf (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) for
 * `create/apply/replace -f` (fieldValidation probing, client-side schema, strategic-merge metadata)
 * and fail without it; newer clients use v3.
 *
 * What the old clients parse (k8s.io/kube-openapi/pkg/util/proto): every `$ref` must point at an
 * existing definition and carry no type or properties; arrays have exactly one `items` schema;
 * objects with properties are kinds, other objects maps or free-form. The query-parameter verifier
 * looks for the PATCH operation whose `x-kubernetes-group-version-kind` vendor extension (YAML in a
 * gnostic `Any`) matches and reads its query parameters.
 */
import type { JsonObject } from './well-known.js';
import { ID } from './well-known.js';
import { PbWriter } from './protobuf-writer.js';

/** Media types clients put in Accept for the protobuf form (kubectl sends the first). */
export const OPENAPI_V2_PROTOBUF_ACCEPT = [
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
] as const;
/**
 * The Content-Type to answer protobuf with, as kube-apiserver does: the `@` form does not parse as a
 * media type in Go (`mime: unexpected content after media subtype`).
 */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** Merges v3 group/version documents into one Swagger 2.0 document (JSON form). */
export function swaggerFromV3(docs: readonly JsonObject[], info: { title: string; version: string }): JsonObject {
  return runSteps(swaggerSteps(docs, info));
}

/** swaggerFromV3 with a pause (`turn`) after each group/version document. */
export function swaggerFromV3Async(docs: readonly JsonObject[], info: { title: string; version: string }, turn: () => Promise<void>): Promise<JsonObject> {
  return runStepsAsync(swaggerSteps(docs, info), turn);
}

/** Runs a step generator to its end at once. */
function runSteps<T>(g: Generator<void, T>): T {
  let r = g.next();
  while (!r.done) r = g.next();
  return r.value;
}

/** Runs a step generator, awaiting `turn` between steps (other work runs in between). */
async function runStepsAsync<T>(g: Generator<void, T>, turn: () => Promise<void>): Promise<T> {
  let r = g.next();
  while (!r.done) {
    await turn();
    r = g.next();
  }
  return r.value;
}

function* swaggerSteps(docs: readonly JsonObject[], info: { title: string; version: string }): Generator<void, JsonObject> {
  const paths: JsonObject = {};
  const definitions: JsonObject = {};
  for (const doc of docs) {
    yield;
    const p = (doc.paths ?? {}) as Record<string, JsonObject>;
    for (const [path, item] of Object.entries(p)) paths[path] = convertPathItem(item);
    const schemas = ((doc.components as JsonObject | undefined)?.schemas ?? {}) as Record<string, JsonObject>;
    for (const [id, schema] of Object.entries(schemas)) {
      const converted = convertSchema(schema, id);
      const prev = definitions[id] as JsonObject | undefined;
      if (!prev) definitions[id] = converted;
      else mergeGvks(prev, converted);
    }
  }
  const sortedPaths: JsonObject = {};
  for (const k of Object.keys(paths).sort()) sortedPaths[k] = paths[k];
  const sortedDefs: JsonObject = {};
  for (const k of Object.keys(definitions).sort()) sortedDefs[k] = definitions[k];
  return {
    swagger: '2.0',
    info: { title: info.title, version: info.version },
    paths: sortedPaths,
    definitions: sortedDefs,
    securityDefinitions: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

function mergeGvks(into: JsonObject, from: JsonObject): void {
  const a = into['x-kubernetes-group-version-kind'] as JsonObject[] | undefined;
  const b = from['x-kubernetes-group-version-kind'] as JsonObject[] | undefined;
  if (!a || !b) return;
  for (const g of b) if (!a.some((x) => x.group === g.group && x.version === g.version && x.kind === g.kind)) a.push(g);
}

const V3_REF = '#/components/schemas/';

function convertSchema(s: JsonObject, componentId?: string): JsonObject {
  if (componentId === ID.intOrString) return { type: 'string', format: 'int-or-string', description: s.description };
  if (componentId === ID.quantity) return { type: 'string', description: s.description };
  const out: JsonObject = {};
  const allOf = s.allOf as JsonObject[] | undefined;
  if (allOf && allOf.length === 1 && typeof allOf[0]!.$ref === 'string' && !s.properties) {
    out.$ref = v2Ref(allOf[0]!.$ref as string);
    if (s.description !== undefined) out.description = s.description;
    return out;
  }
  for (const [k, v] of Object.entries(s)) {
    switch (k) {
      case '$ref':
        out.$ref = v2Ref(v as string);
        break;
      case 'properties': {
        const props: JsonObject = {};
        for (const [name, p] of Object.entries(v as Record<string, JsonObject>)) props[name] = convertSchema(p);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = convertSchema(v as JsonObject);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof v === 'boolean' ? v : convertSchema(v as JsonObject);
        break;
      case 'nullable':
      case 'oneOf':
      case 'anyOf':
      case 'allOf':
        break;
      default:
        out[k] = v;
    }
  }
  if (out.$ref !== undefined) {
    // kube-openapi rejects references that also carry a type or properties.
    delete out.type;
    delete out.properties;
  }
  return out;
}

function v2Ref(ref: string): string {
  return ref.startsWith(V3_REF) ? `#/definitions/${ref.slice(V3_REF.length)}` : ref;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function convertPathItem(item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const m of METHODS) {
    const op = item[m] as JsonObject | undefined;
    if (op) out[m] = convertOperation(op);
  }
  if (item.parameters) out.parameters = (item.parameters as JsonObject[]).map(convertParameter);
  return out;
}

function convertOperation(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (op.description !== undefined) out.description = op.description;
  const body = op.requestBody as JsonObject | undefined;
  const bodyTypes = body ? Object.keys((body.content ?? {}) as JsonObject) : [];
  out.consumes = bodyTypes.length && !bodyTypes.includes('*/*') ? bodyTypes : ['*/*'];
  const responses = (op.responses ?? {}) as Record<string, JsonObject>;
  const okContent = (responses['200']?.content ?? {}) as JsonObject;
  out.produces = Object.keys(okContent).length ? Object.keys(okContent) : ['application/json'];
  out.schemes = ['https'];
  if (op.tags) out.tags = op.tags;
  if (op.operationId) out.operationId = op.operationId;
  const params = ((op.parameters ?? []) as JsonObject[]).map(convertParameter);
  if (body) {
    const content = (body.content ?? {}) as Record<string, JsonObject>;
    const first = Object.values(content)[0];
    params.unshift({ name: 'body', in: 'body', required: true, schema: convertSchema((first?.schema ?? {}) as JsonObject) });
  }
  if (params.length) out.parameters = params;
  const resp: JsonObject = {};
  for (const [code, r] of Object.entries(responses)) {
    const content = (r.content ?? {}) as Record<string, JsonObject>;
    const first = Object.values(content)[0];
    resp[code] = first?.schema ? { description: r.description, schema: convertSchema(first.schema as JsonObject) } : { description: r.description };
  }
  out.responses = resp;
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

function convertParameter(p: JsonObject): JsonObject {
  const schema = (p.schema ?? {}) as JsonObject;
  const out: JsonObject = { name: p.name, in: p.in };
  if (p.description !== undefined) out.description = p.description;
  if (p.required) out.required = true;
  if (schema.type !== undefined) out.type = schema.type;
  if (schema.uniqueItems) out.uniqueItems = true;
  return out;
}

// ------------------------------------------------------------------ gnostic protobuf

/** Encodes a Swagger 2.0 JSON document as gnostic's openapi.v2.Document message. */
export function encodeSwaggerProto(doc: JsonObject): Uint8Array {
  return runSteps(encodeSteps(doc));
}

/** encodeSwaggerProto with a pause (`turn`) after every 50 paths or definitions. */
export function encodeSwaggerProtoAsync(doc: JsonObject, turn: () => Promise<void>): Promise<Uint8Array> {
  return runStepsAsync(encodeSteps(doc), turn);
}

function* encodeSteps(doc: JsonObject): Generator<void, Uint8Array> {
  let n = 0;
  const w = new PbWriter();
  w.string(1, doc.swagger as string);
  const info = (doc.info ?? {}) as JsonObject;
  w.message(2, new PbWriter().string(1, info.title as string).string(2, info.version as string));
  const paths = new PbWriter();
  for (const [name, item] of Object.entries((doc.paths ?? {}) as Record<string, JsonObject>)) {
    paths.message(2, new PbWriter().string(1, name).message(2, pathItem(item)));
    if (++n % 50 === 0) yield;
  }
  w.message(8, paths);
  const defs = new PbWriter();
  for (const [name, s] of Object.entries((doc.definitions ?? {}) as Record<string, JsonObject>)) {
    defs.message(1, new PbWriter().string(1, name).message(2, schema(s)));
    if (++n % 50 === 0) yield;
  }
  w.message(9, defs);
  for (const req of (doc.security ?? []) as Record<string, string[]>[]) {
    const sr = new PbWriter();
    for (const [name, scopes] of Object.entries(req)) {
      const arr = new PbWriter();
      for (const v of scopes) arr.stringElement(1, v);
      sr.message(1, new PbWriter().string(1, name).message(2, arr));
    }
    w.message(12, sr);
  }
  const secDefs = (doc.securityDefinitions ?? {}) as Record<string, JsonObject>;
  if (Object.keys(secDefs).length) {
    const sd = new PbWriter();
    for (const [name, d] of Object.entries(secDefs)) {
      const apiKey = new PbWriter()
        .string(1, d.type as string)
        .string(2, d.name as string)
        .string(3, d.in as string)
        .string(4, d.description as string);
      sd.message(1, new PbWriter().string(1, name).message(2, new PbWriter().message(2, apiKey)));
    }
    w.message(13, sd);
  }
  return w.finish();
}

function anyYaml(v: unknown): PbWriter {
  // JSON is valid YAML; clients parse the `yaml` field of gnostic's Any.
  return new PbWriter().string(2, JSON.stringify(v));
}

function vendorExtensions(w: PbWriter, field: number, o: JsonObject): void {
  for (const [k, v] of Object.entries(o))
    if (k.startsWith('x-')) w.message(field, new PbWriter().string(1, k).message(2, anyYaml(v)));
}

function schema(s: JsonObject): PbWriter {
  const w = new PbWriter();
  w.string(1, s.$ref as string | undefined);
  w.string(2, s.format as string | undefined);
  w.string(3, s.title as string | undefined);
  w.string(4, s.description as string | undefined);
  if (s.default !== undefined) w.message(5, anyYaml(s.default));
  w.double(7, s.maximum as number | undefined);
  w.bool(8, s.exclusiveMaximum as boolean | undefined);
  w.double(9, s.minimum as number | undefined);
  w.bool(10, s.exclusiveMinimum as boolean | undefined);
  w.int64(11, s.maxLength as number | undefined);
  w.int64(12, s.minLength as number | undefined);
  w.string(13, s.pattern as string | undefined);
  w.int64(14, s.maxItems as number | undefined);
  w.int64(15, s.minItems as number | undefined);
  w.bool(16, s.uniqueItems as boolean | undefined);
  w.int64(17, s.maxProperties as number | undefined);
  w.int64(18, s.minProperties as number | undefined);
  for (const r of (s.required ?? []) as string[]) w.stringElement(19, r);
  for (const e of (s.enum ?? []) as unknown[]) w.message(20, anyYaml(e));
  if (s.additionalProperties !== undefined) {
    const ap = new PbWriter();
    if (typeof s.additionalProperties === 'boolean') ap.bool(2, s.additionalProperties);
    else ap.message(1, schema(s.additionalProperties as JsonObject));
    w.message(21, ap);
  }
  if (s.type !== undefined) {
    const t = new PbWriter();
    for (const v of Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]) t.stringElement(1, v);
    w.message(22, t);
  }
  if (s.items !== undefined) w.message(23, new PbWriter().message(1, schema(s.items as JsonObject)));
  if (s.properties !== undefined) {
    const props = new PbWriter();
    for (const [name, p] of Object.entries(s.properties as Record<string, JsonObject>))
      props.message(1, new PbWriter().string(1, name).message(2, schema(p)));
    w.message(25, props);
  }
  if (s.example !== undefined) w.message(30, anyYaml(s.example));
  vendorExtensions(w, 31, s);
  return w;
}

function pathItem(item: JsonObject): PbWriter {
  const w = new PbWriter();
  METHODS.forEach((m, i) => {
    const op = item[m] as JsonObject | undefined;
    if (op) w.message(i + 2, operation(op));
  });
  for (const p of (item.parameters ?? []) as JsonObject[]) w.message(9, parameter(p));
  return w;
}

function operation(op: JsonObject): PbWriter {
  const w = new PbWriter();
  for (const t of (op.tags ?? []) as string[]) w.stringElement(1, t);
  w.string(3, op.description as string | undefined);
  w.string(5, op.operationId as string | undefined);
  for (const t of (op.produces ?? []) as string[]) w.stringElement(6, t);
  for (const t of (op.consumes ?? []) as string[]) w.stringElement(7, t);
  for (const p of (op.parameters ?? []) as JsonObject[]) w.message(8, parameter(p));
  const responses = new PbWriter();
  for (const [code, r] of Object.entries((op.responses ?? {}) as Record<string, JsonObject>)) {
    const resp = new PbWriter().string(1, r.description as string | undefined);
    if (r.schema) resp.message(2, new PbWriter().message(1, schema(r.schema as JsonObject)));
    responses.message(1, new PbWriter().string(1, code).message(2, new PbWriter().message(1, resp)));
  }
  w.message(9, responses);
  for (const s of (op.schemes ?? []) as string[]) w.stringElement(10, s);
  vendorExtensions(w, 13, op);
  return w;
}

function parameter(p: JsonObject): PbWriter {
  let param: PbWriter;
  if (p.in === 'body') {
    const body = new PbWriter()
      .string(1, p.description as string | undefined)
      .string(2, p.name as string)
      .string(3, 'body')
      .bool(4, p.required as boolean | undefined);
    if (p.schema) body.message(5, schema(p.schema as JsonObject));
    param = new PbWriter().message(1, body);
  } else if (p.in === 'path') {
    const sub = new PbWriter()
      .bool(1, true)
      .string(2, 'path')
      .string(3, p.description as string | undefined)
      .string(4, p.name as string)
      .string(5, p.type as string | undefined)
      .bool(19, p.uniqueItems as boolean | undefined);
    param = new PbWriter().message(2, new PbWriter().message(4, sub));
  } else {
    const sub = new PbWriter()
      .bool(1, p.required as boolean | undefined)
      .string(2, 'query')
      .string(3, p.description as string | undefined)
      .string(4, p.name as string)
      .string(6, p.type as string | undefined)
      .bool(20, p.uniqueItems as boolean | undefined);
    param = new PbWriter().message(2, new PbWriter().message(3, sub));
  }
  return new PbWriter().message(1, param);
}
