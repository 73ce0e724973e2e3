/**
 * Request bodies → objects, with upstream's decoding errors and field validation
 * (`fieldValidation=Strict|Warn|Ignore`, default Warn): unknown and duplicate fields are errors
 * (Strict, 400) or Warning headers (Warn); type mismatches are 400 "cannot be handled as a Kind";
 * unknown fields are then pruned, as decoding into upstream's Go structs does.
 */
import { parse as yamlParse, parseDocument } from 'yaml';
import type { KubeObject, ResourceDef } from '../api/types.js';
import { badRequest, unsupportedMediaType, ApiError } from '../lib/errors.js';
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

/** Parses a body as JSON or YAML without any schema knowledge. */
export function parseBody(body: Buffer, contentType: string | undefined): { value: unknown; text: string } {
  const fmt = bodyFormat(contentType);
  if (fmt === undefined) throw unsupportedMediaType(contentType ?? '');
  if (fmt === 'protobuf')
    throw new ApiError('UnsupportedMediaType', 415, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
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
  const mismatches = checkTypes(obj, def.schema);
  if (mismatches.length) throw badRequest(formatDecodeError(def.kind, def.version, mismatches[0]!));
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  return { obj: prune(obj, def.schema), text, warnings };
}

export { yamlParse };
