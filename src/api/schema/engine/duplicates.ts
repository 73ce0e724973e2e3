/**
 * A small scanner over raw JSON text for what JSON.parse hides: duplicate object keys (JSON.parse
 * silently keeps the last). Combined with a schema it reproduces upstream's strict decoding errors
 * in document order, as sigs.k8s.io/json reports them:
 *
 *   strict decoding error: duplicate field "metadata.name", unknown field "spec.unknown1", ...
 *
 * Upstream detail kept: a field that is both unknown and duplicated is reported once, as unknown, and
 * nothing inside an unknown field is reported.
 *
 * The input must be valid JSON (call after JSON.parse succeeded); on malformed text the scanner
 * stops and returns what it found so far.
 */
import type { Schema } from '../schema.js';
import { childPath } from './info.js';
import { fieldSchema, findUnknownFieldsPruneOrder } from './unknown.js';
import { infoOf } from './info.js';

/** Paths of duplicated object keys, in document order: `["spec.paused", "metadata.labels.app"]`. */
export function findDuplicateFields(jsonText: string): string[] {
  const out: string[] = [];
  for (const e of scan(jsonText, undefined)) if (e.kind === 'duplicate') out.push(e.path);
  return out;
}

export interface StrictFieldIssue {
  kind: 'unknown' | 'duplicate';
  path: string;
}

/** Upstream's text for one issue: `unknown field "spec.foo"` / `duplicate field "spec.paused"`. */
export function formatStrictIssue(issue: StrictFieldIssue): string {
  return `${issue.kind} field ${JSON.stringify(issue.path)}`;
}

export interface StrictFieldOptions {
  /**
   * 'builtin' (default): one pass in document order, as the typed decoder reports them; a field that
   * is both unknown and duplicated is reported once, as unknown, and nothing inside unknown fields.
   * 'crd': as custom resources report them: every duplicate key in document order (also inside
   * unknown fields), then the unknown fields in pruning order (root metadata, the rest sorted,
   * embedded resources' metadata).
   */
  style?: 'builtin' | 'crd';
  /** The parsed document, if the caller has it (saves a JSON.parse in 'crd' style). */
  value?: unknown;
}

/**
 * Unknown and duplicate fields of a JSON document against `schema`, each path once, at most
 * MAX_ISSUES (100) as upstream; order per `opts.style`. Format with `formatStrictIssue`; the 400
 * message upstream is `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error:
 * <issues joined by ", ">` (see `formatStrictDecodingError`).
 */
export function findStrictFieldIssues(jsonText: string, schema: Schema, opts: StrictFieldOptions = {}): StrictFieldIssue[] {
  if (opts.style !== 'crd') return scan(jsonText, schema);
  const out: StrictFieldIssue[] = scan(jsonText, undefined);
  let value = opts.value;
  if (value === undefined) {
    try {
      value = JSON.parse(jsonText) as unknown;
    } catch {
      return out;
    }
  }
  for (const path of findUnknownFieldsPruneOrder(value, schema)) {
    if (out.length >= MAX_ISSUES) break;
    out.push({ kind: 'unknown', path });
  }
  return out;
}

/** `strict decoding error: unknown field "spec.foo", duplicate field "spec.paused"`. */
export function formatStrictDecodingError(issues: readonly StrictFieldIssue[]): string {
  return `strict decoding error: ${issues.map(formatStrictIssue).join(', ')}`;
}

/** Upstream's cap on accumulated strict decoding errors. */
export const MAX_ISSUES = 100;

class Stop extends Error {}

function scan(text: string, schema: Schema | undefined): StrictFieldIssue[] {
  const out: StrictFieldIssue[] = [];
  const seen = new Set<string>();
  const emit = (kind: StrictFieldIssue['kind'], path: string) => {
    const k = `${kind}\u0000${path}`;
    if (seen.has(k) || out.length >= MAX_ISSUES) return;
    seen.add(k);
    out.push({ kind, path });
  };
  let i = 0;
  const n = text.length;

  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  /** Reads a string token starting at the opening quote; returns its decoded value. */
  const str = (): string => {
    const start = i;
    i++; // opening quote
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === 0x22) break;
      i++;
    }
    if (i >= n) throw new Stop();
    i++; // closing quote
    const raw = text.slice(start, i);
    if (!escaped) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      throw new Stop();
    }
  };

  /**
   * Scans one value. `sch`: the governing schema; `true` = anything (still report duplicates);
   * `undefined` with `checkUnknown` false = plain duplicate scan.
   */
  const value = (sch: Schema | true | undefined, path: string): void => {
    ws();
    if (i >= n) throw new Stop();
    const c = text[i];
    if (c === '{') {
      i++;
      const keys = new Set<string>();
      const objSchema = typeof sch === 'object' && isObjectSchema(sch) ? sch : undefined;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop();
        const key = str();
        ws();
        if (text[i] !== ':') throw new Stop();
        i++;
        const p = childPath(path, key);
        let childSch: Schema | true | undefined;
        let unknown = false;
        if (schema === undefined) childSch = undefined;
        else if (objSchema) {
          childSch = fieldSchema(objSchema, key);
          if (childSch === undefined) unknown = true;
        } else childSch = true;
        if (unknown) emit('unknown', p);
        else if (keys.has(key)) emit('duplicate', p);
        keys.add(key);
        if (unknown) skipValue();
        else value(childSch, p);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        throw new Stop();
      }
    }
    if (c === '[') {
      i++;
      const itemSch = typeof sch === 'object' && sch.items && infoOf(sch).shape === 'array' ? sch.items : schema === undefined ? undefined : true;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let idx = 0; ; idx++) {
        value(itemSch, `${path}[${idx}]`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        throw new Stop();
      }
    }
    if (c === '"') {
      str();
      return;
    }
    // number, true, false, null
    while (i < n) {
      const d = text[i]!;
      if (d === ',' || d === '}' || d === ']' || d === ' ' || d === '\n' || d === '\r' || d === '\t') break;
      i++;
    }
  };

  /** Skips a value without reporting anything inside it. */
  const skipValue = (): void => {
    ws();
    let depth = 0;
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        str();
        if (depth === 0) return;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) return;
        depth--;
        if (depth === 0) {
          i++;
          return;
        }
      } else if (depth === 0 && c === ',') return;
      i++;
    }
  };

  try {
    value(schema, '');
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return out;
}

function isObjectSchema(s: Schema): boolean {
  return infoOf(s).shape === 'object';
}
