// /openapi/v2 as gnostic protobuf, decoded with protobufjs from our own subset of gnostic's
// openapi.v2 messages (testdata/gnostic-v2-subset.proto, upstream's field numbers) and turned back
// into Swagger JSON: it must equal the JSON form, for every built-in kind with upstream's
// descriptions, so kubectl 1.27/1.28 (which read only the protobuf) see the whole document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { ApiRegistry } from '../../api/registry.js';
import { builtinResources } from '../../api/builtin.js';
import { OpenApiV3Service, loadUpstreamDocs } from './index.js';

type J = Record<string, any>;

const PROTO = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'gnostic-v2-subset.proto');

const yaml = (a: J | undefined): unknown => (a ? JSON.parse(a.yaml) : undefined);

function set(out: J, key: string, v: unknown): void {
  if (v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && !v.length)) return;
  out[key] = v;
}

function extensions(out: J, list: J[] | undefined): void {
  for (const e of list ?? []) out[e.name] = yaml(e.value);
}

function schemaJson(s: J): J {
  const out: J = {};
  set(out, '$ref', s._ref);
  set(out, 'format', s.format);
  set(out, 'title', s.title);
  set(out, 'description', s.description);
  if (s.default) out.default = yaml(s.default);
  for (const [k, j] of [
    ['maximum', 'maximum'],
    ['minimum', 'minimum'],
    ['maxLength', 'maxLength'],
    ['minLength', 'minLength'],
    ['maxItems', 'maxItems'],
    ['minItems', 'minItems'],
    ['maxProperties', 'maxProperties'],
    ['minProperties', 'minProperties'],
  ] as const)
    if (s[k] !== undefined && s[k] !== null) out[j] = Number(s[k]);
  set(out, 'exclusiveMaximum', s.exclusiveMaximum);
  set(out, 'exclusiveMinimum', s.exclusiveMinimum);
  set(out, 'pattern', s.pattern);
  set(out, 'uniqueItems', s.uniqueItems);
  set(out, 'required', s.required);
  if (s.enum?.length) out.enum = s.enum.map(yaml);
  const ap = s.additionalProperties;
  if (ap) out.additionalProperties = ap.schema ? schemaJson(ap.schema) : ap.boolean === true;
  if (s.type?.value?.length) out.type = s.type.value.length === 1 ? s.type.value[0] : s.type.value;
  if (s.items?.schema?.length) out.items = schemaJson(s.items.schema[0]);
  if (s.properties) {
    out.properties = {};
    for (const p of s.properties.additionalProperties ?? []) out.properties[p.name] = schemaJson(p.value);
  }
  if (s.example) out.example = yaml(s.example);
  extensions(out, s.vendorExtension);
  return out;
}

function parameterJson(item: J): J {
  const p = item.parameter;
  if (p.bodyParameter) {
    const b = p.bodyParameter;
    const out: J = { name: b.name, in: 'body' };
    set(out, 'description', b.description);
    set(out, 'required', b.required);
    if (b.schema) out.schema = schemaJson(b.schema);
    return out;
  }
  const nb = p.nonBodyParameter;
  const q = nb.queryParameterSubSchema ?? nb.pathParameterSubSchema;
  const out: J = { name: q.name, in: q.in };
  set(out, 'description', q.description);
  set(out, 'required', q.required);
  set(out, 'type', q.type);
  set(out, 'uniqueItems', q.uniqueItems);
  return out;
}

function operationJson(o: J): J {
  const out: J = {};
  set(out, 'tags', o.tags);
  set(out, 'description', o.description);
  set(out, 'operationId', o.operationId);
  set(out, 'produces', o.produces);
  set(out, 'consumes', o.consumes);
  if (o.parameters?.length) out.parameters = o.parameters.map(parameterJson);
  out.responses = {};
  for (const r of o.responses?.responseCode ?? []) {
    const resp = r.value.response;
    const j: J = { description: resp.description };
    if (resp.schema?.schema) j.schema = schemaJson(resp.schema.schema);
    out.responses[r.name] = j;
  }
  set(out, 'schemes', o.schemes);
  extensions(out, o.vendorExtension);
  return out;
}

function documentJson(d: J): J {
  const out: J = { swagger: d.swagger, info: { title: d.info.title, version: d.info.version }, paths: {}, definitions: {} };
  for (const p of d.paths?.path ?? []) {
    const item: J = {};
    for (const m of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) if (p.value[m]) item[m] = operationJson(p.value[m]);
    if (p.value.parameters?.length) item.parameters = p.value.parameters.map(parameterJson);
    out.paths[p.name] = item;
  }
  for (const s of d.definitions?.additionalProperties ?? []) out.definitions[s.name] = schemaJson(s.value);
  if (d.security?.length)
    out.security = d.security.map((r: J) => Object.fromEntries((r.additionalProperties ?? []).map((n: J) => [n.name, n.value?.value ?? []])));
  if (d.securityDefinitions)
    out.securityDefinitions = Object.fromEntries(
      (d.securityDefinitions.additionalProperties ?? []).map((n: J) => {
        const k = n.value.apiKeySecurity;
        const v: J = { type: k.type, name: k.name, in: k.in };
        set(v, 'description', k.description);
        return [n.name, v];
      }),
    );
  return out;
}

/** The JSON form as a proto3 reader sees it: false, empty strings and empty lists are absent. */
function proto3View(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(proto3View);
  if (typeof v !== 'object' || v === null) return v;
  const out: J = {};
  for (const [k, x] of Object.entries(v as J)) {
    if (k === 'default' || k === 'example' || k === 'enum' || k === 'security' || k.startsWith('x-')) {
      out[k] = x; // carried as YAML text or as a present message: any value survives
      continue;
    }
    if (x === false || x === '' || (Array.isArray(x) && !x.length)) continue;
    out[k] = proto3View(x);
  }
  return out;
}

test('v2 protobuf decodes (gnostic field numbers) to exactly the v2 JSON, every built-in kind, with upstream descriptions', async () => {
  const root = await protobuf.load(PROTO);
  const Document = root.lookupType('openapi.v2.Document');
  const svc = new OpenApiV3Service(new ApiRegistry(builtinResources()), { version: 'v1.32.0', docs: loadUpstreamDocs().docs });
  const v2 = svc.v2();
  const decoded = Document.toObject(Document.decode(v2.protobuf), { longs: Number, defaults: false, arrays: true }) as J;
  const back = documentJson(decoded);
  const json = JSON.parse(v2.json) as J;
  assert.ok(Object.keys(json.definitions).length > 300, 'a full document');
  for (const name of Object.keys(json.definitions)) assert.deepEqual(back.definitions[name], proto3View(json.definitions[name]), `definition ${name}`);
  for (const path of Object.keys(json.paths)) assert.deepEqual(back.paths[path], proto3View(json.paths[path]), `path ${path}`);
  assert.deepEqual(back, proto3View(json));
  // Descriptions with newlines and quotes survive (DeploymentStrategy.type's enum text).
  const type = back.definitions['io.k8s.api.apps.v1.DeploymentStrategy'].properties.type;
  assert.equal(type.description, loadUpstreamDocs().docs.type('io.k8s.api.apps.v1.DeploymentStrategy')!.properties.get('type')!.description);
  assert.deepEqual(type.enum, ['Recreate', 'RollingUpdate']);
});
