/**
 * Request bodies → objects, with upstream's decoding errors and field validation
 * (`fieldValidation=Strict|Warn|Ignore`, default Warn): unknown and duplicate fields are errors
 * (Strict, 400) or Warning headers (Warn); type mismatches are 400 "cannot be handled as a Kind";
 * unknown fields are then pruned, as decoding into upstream's Go structs does.
 *
 * `application/vnd.kubernetes.protobuf` bodies (client-go's typed clients) are decoded by
 * api/protobuf into the object a JSON client would have sent, then take the same path (strict
 * field validation does not apply to protobuf, as upstream). Their decoding errors carry
 * upstream's messages: "the object provided is unrecognized (must be of type X): ..." when the
 * envelope cannot be read, "K in version "V" cannot be handled as a X: ..." when its object
 * cannot. Nothing is written in either case.
 */
import { parse as yamlParse, parseDocument } from 'yaml';
import { apiVersionOf, type KubeObject, type ResourceDef } from '../api/types.js';
import { decodeProtobufBody, type GroupVersionKindRef } from '../api/protobuf/index.js';
import { ApiError, badRequest, unsupportedMediaType } from '../lib/errors.js';
import { checkTypes, findStrictFieldIssues, formatDecodeError, formatStrictDecodingError, formatStrictIssue, prune } from '../api/schema/engine/index.js';
import { bodyFormat } from './negotiation.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '' || v === 'Warn') return 'Warn';
  if (v === 'Strict' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(v)}`);
}

export interface Decoded {
  obj: KubeObject;
  /** JSON text of the body (after YAML conversion), for strict checks. */
  text: string;
  warnings: string[];
}

export interface ParsedBody {
  value: unknown;
  text: string;
  /** Warning headers the body earned (protobuf fields this server's schemas do not know). */
  warnings?: string[];
}

/** Upstream's summarizeData: the body's start for an error message (hex unless it looks like JSON). */
function summarizeData(body: Buffer, max: number): string {
  if (body.length === 0) return '<empty>';
  const head = body.subarray(0, max);
  const text = body[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return body.length > max ? `${text} ...` : text;
}

/** Go package holding the internal (hub) type a group decodes into, for conversion errors. */
function internalPackage(group: string): string {
  if (group === '' || group === 'events.k8s.io') return 'k8s.io/kubernetes/pkg/apis/core';
  return `k8s.io/kubernetes/pkg/apis/${group.split('.')[0]}`;
}

function externalPackage(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  if (i < 0) return `k8s.io/api/core/${apiVersion}`;
  return `k8s.io/api/${apiVersion.slice(0, i).split('.')[0]}/${apiVersion.slice(i + 1)}`;
}

/**
 * Decodes a protobuf body into the JSON-shaped object. `into` is the kind the request expects
 * (it fills a missing kind/version and names the type in error messages, as upstream's `into`).
 */
export function parseProtobufBody(body: Buffer, into: GroupVersionKindRef | undefined): ParsedBody & { value: KubeObject } {
  const res = decodeProtobufBody(body, into);
  if (!res.ok) {
    if (res.stage === 'envelope') {
      const type = into ? ` (must be of type ${into.kind})` : '';
      throw badRequest(`the object provided is unrecognized${type}: ${res.message} (${summarizeData(body, 30)})`);
    }
    throw badRequest(`${res.kind} in version ${JSON.stringify(res.apiVersion.slice(res.apiVersion.indexOf('/') + 1))} cannot be handled as a ${into?.kind ?? res.kind}: ${res.message}`);
  }
  const value = { apiVersion: res.apiVersion, kind: res.kind, ...res.object } as KubeObject;
  const warnings = res.dropped.map((d) => `protobuf ${d} is not known to this server and was dropped`);
  return { value, text: JSON.stringify(value), warnings };
}

/**
 * Parses a body as JSON or YAML without any schema knowledge; a protobuf body is decoded by the
 * kind its envelope names (`into`, when the caller knows what it expects, fills a missing kind and
 * names the expected type in errors).
 */
export function parseBody(body: Buffer, contentType: string | undefined, into?: GroupVersionKindRef): ParsedBody {
  const fmt = bodyFormat(contentType);
  if (fmt === undefined) throw unsupportedMediaType(contentType ?? '');
  if (fmt === 'protobuf') return parseProtobufBody(body, into);
  const raw = body.toString('utf8');
  if (fmt === 'yaml') {
    const doc = parseDocument(raw, { uniqueKeys: false });
    // Warnings (an unsupported %YAML version, unknown tags) are errors for upstream's go-yaml too.
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw badRequest(`error converting YAML to JSON: yaml: ${problem.message.split('\n')[0]}`);
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      // e.g. an alias to an anchor that does not exist
      throw badRequest(`error converting YAML to JSON: yaml: ${(e as Error).message.split('\n')[0]}`);
    }
    return { value, text: JSON.stringify(value) ?? 'null' };
  }
  if (raw.trim() === '') throw badRequest('Object \'Kind\' is missing in \'\'');
  try {
    return { value: JSON.parse(raw) as unknown, text: raw };
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

export function decodeObject(body: Buffer, contentType: string | undefined, def: ResourceDef, validation: FieldValidation): Decoded {
  if (bodyFormat(contentType) === 'protobuf') {
    // apiextensions-apiserver has no protobuf serializer for custom resources.
    if (def.custom)
      throw new ApiError('UnsupportedMediaType', 415, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml', {
        causes: [{ reason: 'UnexpectedServerResponse', message: contentType ?? '' }],
      });
    return decodeProtobufObject(body, def);
  }
  const { value, text } = parseBody(body, contentType);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badRequest(`${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value === 'string' ? 'string' : value === null ? 'null' : 'number'} into Go value of type struct`);
  const obj = value as KubeObject;
  const warnings: string[] = [];
  if (validation !== 'Ignore') {
    const issues = findStrictFieldIssues(text, def.schema);
    if (issues.length) {
      if (validation === 'Strict') throw badRequest(formatDecodeError(def.kind, def.version, formatStrictDecodingError(issues)));
      for (const i of issues) warnings.push(formatStrictIssue(i));
    }
  }
  if (!def.custom) {
    // Custom resources have no Go type to decode into: their strategy reports mismatches (422).
    const mismatches = checkTypes(obj, def.schema);
    if (mismatches.length) throw badRequest(formatDecodeError(def.kind, def.version, mismatches[0]!));
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  return { obj: prune(obj, def.schema), text, warnings };
}

/**
 * A protobuf body for `def`'s resource. A body of another kind fails as upstream's conversion to
 * the resource's internal type does; a body of the same kind in another version decodes and is
 * then refused by the store's apiVersion check, as upstream's handler refuses it.
 */
function decodeProtobufObject(body: Buffer, def: ResourceDef): Decoded {
  const apiVersion = apiVersionOf(def.group, def.version);
  const { value, text, warnings } = parseProtobufBody(body, { apiVersion, kind: def.kind });
  if (value.kind !== def.kind) {
    const version = value.apiVersion.slice(value.apiVersion.indexOf('/') + 1);
    throw badRequest(
      `${value.kind} in version ${JSON.stringify(version)} cannot be handled as a ${def.kind}: converting (${externalPackage(value.apiVersion)}) ${value.kind} to (${internalPackage(def.group)}) ${def.kind}: unknown conversion`,
    );
  }
  const mismatches = checkTypes(value, def.schema);
  if (mismatches.length) throw badRequest(formatDecodeError(def.kind, def.version, mismatches[0]!));
  if (value.metadata === undefined || value.metadata === null) value.metadata = {};
  return { obj: prune(value, def.schema), text, warnings: warnings ?? [] };
}

export { yamlParse };
