/**
 * `application/vnd.kubernetes.protobuf` request bodies → the JSON object a JSON client would have
 * sent for the same Go value. Pure (no I/O); errors are values carrying upstream's message text.
 *
 * Wire format (apimachinery's protobuf serializer): magic `6b 38 73 00`, then a runtime.Unknown
 * {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType} whose `raw` is the object's own
 * message. As upstream, contentEncoding and contentType are not interpreted: `raw` is decoded as
 * the message for typeMeta's kind (a compressed `raw` therefore fails as a malformed object).
 *
 * JSON equivalence (what Go's encoding/json would print for the decoded struct):
 * - scalars present on the wire are kept, except the zero value of an `omitempty` value field
 *   (gogo writes those unconditionally); fields marked `(keep)` (pointers, non-omitempty) keep zeros;
 * - fields marked `(null)` (nil-able Go fields without omitempty) are null when absent;
 * - nested messages present are kept (`{}` when empty), `(inline)` ones merged into the parent;
 * - Time → RFC 3339 seconds (null when zero), MicroTime → RFC 3339 with microseconds, Duration →
 *   Go duration text, Quantity → its string, IntOrString → number or string, bytes → base64,
 *   RawExtension / FieldsV1 → the embedded JSON.
 * Fields our schemas do not know are skipped as upstream's decoder skips them, and reported in
 * `dropped` so the caller can warn.
 */
import protobuf from 'protobufjs';
import { messageFor } from './registry.js';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface GroupVersionKindRef {
  apiVersion: string;
  kind: string;
}

export type ProtobufDecodeResult =
  | { ok: true; apiVersion: string; kind: string; object: Record<string, unknown>; dropped: string[] }
  /** The envelope could not be read: no kind is known (upstream: "the object provided is unrecognized"). */
  | { ok: false; stage: 'envelope'; message: string }
  /** The envelope named a kind, but the body cannot become one (upstream: "X in version V cannot be handled as ..."). */
  | { ok: false; stage: 'object'; apiVersion: string; kind: string; message: string };

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const SPECIAL = {
  time: `.${META}.Time`,
  microTime: `.${META}.MicroTime`,
  duration: `.${META}.Duration`,
  fieldsV1: `.${META}.FieldsV1`,
  quantity: '.k8s.io.apimachinery.pkg.api.resource.Quantity',
  intOrString: '.k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  rawExtension: '.k8s.io.apimachinery.pkg.runtime.RawExtension',
} as const;

class WireError extends Error {}

/** Splits `group/version` (or `version` for the core group). */
function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * Applies upstream's copyKindDefaults: a missing kind, or a missing version, comes from the
 * defaults (the resource the URL names).
 */
function withDefaults(tm: GroupVersionKindRef, defaults: GroupVersionKindRef | undefined): GroupVersionKindRef {
  if (!defaults) return tm;
  const kind = tm.kind || defaults.kind;
  const { version } = splitApiVersion(tm.apiVersion);
  return { kind, apiVersion: version ? tm.apiVersion : defaults.apiVersion };
}

function hasPrefix(body: Uint8Array): boolean {
  if (body.length < PROTOBUF_MAGIC.length) return false;
  for (let i = 0; i < PROTOBUF_MAGIC.length; i++) if (body[i] !== PROTOBUF_MAGIC[i]) return false;
  return true;
}

/** Decodes a protobuf request body; `defaults` fills a missing kind or version. */
export function decodeProtobufBody(body: Uint8Array, defaults?: GroupVersionKindRef): ProtobufDecodeResult {
  return decodeEnvelope(body, defaults, 0);
}

/**
 * Embedded objects (RawExtension) may themselves be protobuf envelopes; `depth` bounds that
 * nesting so a crafted body cannot recurse until the stack runs out.
 */
const MAX_EMBEDDED_DEPTH = 4;

/** Per-decode state: fields skipped so far, and how deep in embedded envelopes we are. */
interface Ctx {
  dropped: string[];
  depth: number;
}

function decodeEnvelope(body: Uint8Array, defaults: GroupVersionKindRef | undefined, depth: number): ProtobufDecodeResult {
  if (body.length === 0) return { ok: false, stage: 'envelope', message: 'empty data' };
  if (!hasPrefix(body))
    return { ok: false, stage: 'envelope', message: 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]' };
  if (body.length === PROTOBUF_MAGIC.length) return { ok: false, stage: 'envelope', message: 'empty body' };
  let unk: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    unk = readUnknown(body.subarray(PROTOBUF_MAGIC.length));
  } catch (e) {
    return { ok: false, stage: 'envelope', message: wireMessage(e) };
  }
  const gvk = withDefaults({ apiVersion: unk.typeMeta?.apiVersion ?? '', kind: unk.typeMeta?.kind ?? '' }, defaults);
  const tmText = `runtime.TypeMeta{APIVersion:${JSON.stringify(unk.typeMeta?.apiVersion ?? '')}, Kind:${JSON.stringify(unk.typeMeta?.kind ?? '')}}`;
  if (!gvk.kind) return { ok: false, stage: 'envelope', message: `Object 'Kind' is missing in '${tmText}'` };
  if (!splitApiVersion(gvk.apiVersion).version) return { ok: false, stage: 'envelope', message: `Object 'apiVersion' is missing in '${tmText}'` };
  const type = messageFor(gvk.apiVersion, gvk.kind);
  if (!type) {
    return {
      ok: false,
      stage: 'object',
      ...gvk,
      message: `no kind ${JSON.stringify(gvk.kind)} is registered for version ${JSON.stringify(gvk.apiVersion)} in scheme "pkg/api/legacyscheme/scheme.go:30"`,
    };
  }
  const ctx: Ctx = { dropped: [], depth };
  try {
    const object = decodeMessage(type, unk.raw ?? new Uint8Array(0), '', ctx);
    return { ok: true, ...gvk, object, dropped: ctx.dropped };
  } catch (e) {
    return { ok: false, stage: 'object', ...gvk, message: wireMessage(e) };
  }
}

/** Upstream (gogo) wording for what went wrong on the wire. */
function wireMessage(e: unknown): string {
  if (e instanceof WireError) return e.message;
  if (e instanceof RangeError) return 'unexpected EOF';
  const msg = e instanceof Error ? e.message : String(e);
  if (/invalid varint/i.test(msg)) return 'proto: integer overflow';
  if (/index out of range/i.test(msg)) return 'unexpected EOF';
  return `proto: ${msg}`;
}

function readUnknown(buf: Uint8Array): { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array } {
  const r = protobuf.Reader.create(buf);
  const out: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array } = {};
  while (r.pos < r.len) {
    const { id, wt } = readTag(r, 'Unknown');
    if (id === 1 && wt === 2) {
      const tr = protobuf.Reader.create(r.bytes());
      const tm: { apiVersion?: string; kind?: string } = {};
      while (tr.pos < tr.len) {
        const t = readTag(tr, 'TypeMeta');
        if (t.id === 1 && t.wt === 2) tm.apiVersion = tr.string();
        else if (t.id === 2 && t.wt === 2) tm.kind = tr.string();
        else skip(tr, t.wt, t.id);
      }
      out.typeMeta = tm;
    } else if (id === 2 && wt === 2) out.raw = r.bytes();
    else if ((id === 3 || id === 4) && wt === 2) r.bytes();
    else if (id >= 1 && id <= 4) throw new WireError(`proto: wrong wireType = ${wt} for field ${['TypeMeta', 'Raw', 'ContentEncoding', 'ContentType'][id - 1]}`);
    else skip(r, wt, id);
  }
  return out;
}

function readTagError(msg: string, id: number, wt: number): never {
  if (wt === 4) throw new WireError(`proto: ${msg}: wiretype end group for non-group`);
  throw new WireError(`proto: ${msg}: illegal tag ${id} (wire type ${wt})`);
}

function readTag(r: protobuf.Reader, msg: string): { id: number; wt: number } {
  const tag = r.uint32();
  const id = tag >>> 3;
  const wt = tag & 7;
  if (wt === 4 || id <= 0) readTagError(msg, id, wt);
  return { id, wt };
}

function skip(r: protobuf.Reader, wt: number, _id: number): void {
  if (wt === 6 || wt === 7) throw new WireError(`proto: illegal wireType ${wt}`);
  r.skipType(wt);
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool', 'enum']);

function expectedWireType(type: string): number {
  if (VARINT_TYPES.has(type)) return 0;
  if (type === 'double' || type === 'fixed64' || type === 'sfixed64') return 1;
  if (type === 'float' || type === 'fixed32' || type === 'sfixed32') return 5;
  return 2;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v && typeof (v as { toNumber: unknown }).toNumber === 'function')
    return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

function readScalar(r: protobuf.Reader, type: string): string | number | boolean | Uint8Array {
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return r.bytes();
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'sint32':
      return r.sint32();
    case 'int64':
      return toNumber(r.int64());
    case 'uint64':
      return toNumber(r.uint64());
    case 'sint64':
      return toNumber(r.sint64());
    case 'fixed32':
      return r.fixed32();
    case 'sfixed32':
      return r.sfixed32();
    case 'fixed64':
      return toNumber(r.fixed64());
    case 'sfixed64':
      return toNumber(r.sfixed64());
    case 'double':
      return r.double();
    case 'float':
      return r.float();
    default:
      throw new WireError(`proto: unsupported field type ${type}`);
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);
}

function goName(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A scalar as JSON: bytes become base64 (Go's []byte encoding). */
function scalarJson(v: string | number | boolean | Uint8Array): unknown {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
}

/** What decoding needs to know about a field, computed once per message type. */
interface FieldPlan {
  name: string;
  kind: 'map' | 'message' | 'scalar';
  /** Scalar type (or a map's value type). */
  type: string;
  keyType: string;
  /** Message type of a message field or a map's message values. */
  message: protobuf.Type | undefined;
  repeated: boolean;
  keep: boolean;
  inline: boolean;
  /** Wire type a scalar (or a map's key) arrives with. */
  want: number;
}

interface TypePlan {
  name: string;
  fullName: string;
  /** Which apimachinery special type this is, if any (Time, Quantity...). */
  special: string | undefined;
  fields: Map<number, FieldPlan>;
  /** Fields printed as null when absent. */
  nullFields: string[];
}

const plans = new WeakMap<protobuf.Type, TypePlan>();
const SPECIAL_NAMES = new Set<string>(Object.values(SPECIAL));

/** The decoding plan of a message type (protobufjs' reflection getters are too slow per field). */
function planOf(type: protobuf.Type): TypePlan {
  let plan = plans.get(type);
  if (plan) return plan;
  const fullName = type.fullName;
  const fields = new Map<number, FieldPlan>();
  const nullFields: string[] = [];
  for (const f of type.fieldsArray) {
    const isMap = f instanceof protobuf.MapField;
    const message = f.resolvedType instanceof protobuf.Type ? f.resolvedType : undefined;
    fields.set(f.id, {
      name: f.name,
      kind: isMap ? 'map' : message ? 'message' : 'scalar',
      type: f.type,
      keyType: isMap ? (f as protobuf.MapField).keyType : '',
      message,
      repeated: f.repeated,
      keep: f.options?.['(keep)'] === true,
      inline: f.options?.['(inline)'] === true,
      want: expectedWireType(isMap ? (f as protobuf.MapField).keyType : f.type),
    });
    if (f.options?.['(null)'] === true) nullFields.push(f.name);
  }
  plan = { name: type.name, fullName, special: SPECIAL_NAMES.has(fullName) ? fullName : undefined, fields, nullFields };
  plans.set(type, plan);
  return plan;
}

/**
 * Decodes one message into its JSON object. `path` names where it sits (for `dropped`).
 * Repeated fields accumulate; a repeated non-packed scalar and a packed run both work.
 */
function decodeMessage(type: protobuf.Type, buf: Uint8Array, path: string, ctx: Ctx): Record<string, unknown> {
  const plan = planOf(type);
  const r = protobuf.Reader.create(buf);
  const out: Record<string, unknown> = {};
  let inline: Record<string, unknown>[] | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wt = tag & 7;
    if (wt === 4 || id <= 0) readTagError(plan.name, id, wt);
    const field = plan.fields.get(id);
    if (!field) {
      skip(r, wt, id);
      ctx.dropped.push(`${plan.fullName.slice(1)} field ${id}${path ? ` at ${path}` : ''}`);
      continue;
    }
    const name = field.name;
    if (field.kind === 'map') {
      if (wt !== 2) throw new WireError(`proto: wrong wireType = ${wt} for field ${goName(name)}`);
      const [k, v] = decodeMapEntry(field, r.bytes(), path ? `${path}.${name}` : name, ctx);
      const m = (out[name] as Record<string, unknown> | undefined) ?? {};
      m[k] = v;
      out[name] = m;
      continue;
    }
    if (field.kind === 'message') {
      if (wt !== 2) throw new WireError(`proto: wrong wireType = ${wt} for field ${goName(name)}`);
      const value = messageValue(field.message!, r.bytes(), path ? `${path}.${name}` : name, ctx);
      if (field.repeated) {
        const list = (out[name] as unknown[] | undefined) ?? [];
        list.push(value);
        out[name] = list;
      } else if (field.inline) (inline ??= []).push(value as Record<string, unknown>);
      else out[name] = value;
      continue;
    }
    if (field.repeated && wt === 2 && field.want !== 2) {
      const end = r.uint32() + r.pos;
      const list = (out[name] as unknown[] | undefined) ?? [];
      while (r.pos < end) list.push(scalarJson(readScalar(r, field.type)));
      out[name] = list;
      continue;
    }
    if (wt !== field.want) throw new WireError(`proto: wrong wireType = ${wt} for field ${goName(name)}`);
    const v = readScalar(r, field.type);
    if (field.repeated) {
      const list = (out[name] as unknown[] | undefined) ?? [];
      list.push(scalarJson(v));
      out[name] = list;
    } else if (field.keep || !isZero(v)) out[name] = scalarJson(v);
    else delete out[name];
  }
  // Nil-able Go fields without omitempty: absent means nil, which Go's JSON prints as null.
  for (const n of plan.nullFields) if (!(n in out)) out[n] = null;
  // Inline structs come first in Go's output order; the parent's own fields win on a clash.
  return inline ? Object.assign({}, ...inline, out) : out;
}

function decodeMapEntry(field: FieldPlan, buf: Uint8Array, path: string, ctx: Ctx): [string, unknown] {
  const r = protobuf.Reader.create(buf);
  let key = '';
  let value: unknown;
  let valueSeen = false;
  const vt = field.message;
  while (r.pos < r.len) {
    const { id, wt } = readTag(r, 'MapEntry');
    if (id === 1) {
      if (wt !== field.want) throw new WireError(`proto: wrong wireType = ${wt} for field key`);
      key = String(readScalar(r, field.keyType));
    } else if (id === 2) {
      valueSeen = true;
      if (vt) {
        if (wt !== 2) throw new WireError(`proto: wrong wireType = ${wt} for field value`);
        value = messageValue(vt, r.bytes(), `${path}[${key}]`, ctx);
      } else {
        if (wt !== expectedWireType(field.type)) throw new WireError(`proto: wrong wireType = ${wt} for field value`);
        value = scalarJson(readScalar(r, field.type));
      }
    } else skip(r, wt, id);
  }
  if (!valueSeen) value = vt ? messageValue(vt, new Uint8Array(0), path, ctx) : field.type === 'string' || field.type === 'bytes' ? '' : 0;
  return [key, value];
}

/** A nested message as JSON, with the special apimachinery types converted. */
function messageValue(type: protobuf.Type, buf: Uint8Array, path: string, ctx: Ctx): unknown {
  const special = planOf(type).special;
  if (special === undefined) return decodeMessage(type, buf, path, ctx);
  switch (special) {
    case SPECIAL.time:
    case SPECIAL.microTime: {
      if (buf.length === 0) return null;
      const t = decodeMessage(type, buf, path, ctx) as { seconds?: number; nanos?: number };
      return special === SPECIAL.time ? formatTime(t.seconds ?? 0) : formatMicroTime(t.seconds ?? 0, t.nanos ?? 0);
    }
    case SPECIAL.duration:
      return formatDuration((decodeMessage(type, buf, path, ctx) as { duration?: number }).duration ?? 0);
    case SPECIAL.quantity: {
      const q = (decodeMessage(type, buf, path, ctx) as { string?: string }).string;
      return q === undefined || q === '' ? '0' : q;
    }
    case SPECIAL.intOrString: {
      const v = decodeMessage(type, buf, path, ctx) as { type?: number; intVal?: number; strVal?: string };
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    case SPECIAL.rawExtension:
      return rawJson((decodeMessage(type, buf, path, ctx) as { raw?: string }).raw, path, ctx);
    case SPECIAL.fieldsV1:
      return rawJson((decodeMessage(type, buf, path, ctx) as { Raw?: string }).Raw, path, ctx) ?? {};
    default:
      return decodeMessage(type, buf, path, ctx);
  }
}

/** Embedded raw bytes (already base64 from scalarJson): JSON as is, a nested protobuf object decoded. */
function rawJson(b64: string | undefined, path: string, ctx: Ctx): unknown {
  if (b64 === undefined || b64 === '') return null;
  const bytes = Buffer.from(b64, 'base64');
  if (hasPrefix(bytes)) {
    if (ctx.depth >= MAX_EMBEDDED_DEPTH) throw new WireError(`embedded objects nested deeper than ${MAX_EMBEDDED_DEPTH} at ${path}`);
    const inner = decodeEnvelope(bytes, undefined, ctx.depth + 1);
    if (inner.ok) {
      ctx.dropped.push(...inner.dropped.map((d) => `${d} (in ${path})`));
      return { apiVersion: inner.apiVersion, kind: inner.kind, ...inner.object };
    }
    throw new WireError(inner.message);
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new WireError(`invalid character in embedded JSON at ${path}`);
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** metav1.Time as JSON: RFC 3339 in UTC, whole seconds (upstream drops nanoseconds). */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime as JSON: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(seconds: number, nanos: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${pad(Math.floor(nanos / 1000), 6)}Z`;
}

/** Go's time.Duration.String for a nanosecond count ("1h2m3.5s", "150ms", "0s"). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trimFraction(u / div)}${unit}`;
  } else {
    const h = Math.floor(u / 3.6e12);
    u -= h * 3.6e12;
    const m = Math.floor(u / 6e10);
    u -= m * 6e10;
    const s = `${trimFraction(u / 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(x: number): string {
  return x.toFixed(9).replace(/\.?0+$/, '');
}
