/**
 * What a configMap, secret, downwardAPI or projected volume holds: a payload of files (relative
 * path → bytes and mode), built from already-fetched sources as upstream's MakePayload and
 * CollectData do, with upstream's error texts. Pure: fetching and writing happen elsewhere.
 */
import type { V1DownwardAPIVolumeFile, V1KeyToPath, V1ObjectFieldSelector, V1ResourceFieldSelector } from '../../api/core/v1/index.js';

/** 0644, the defaultMode of every projecting volume. */
export const DEFAULT_MODE = 0o644;

export interface FileProjection {
  data: Uint8Array;
  /** Permission bits (0-0777). */
  mode: number;
}

/** Relative path (no leading '/', no '..' element) → file. */
export type Payload = Map<string, FileProjection>;

/** The parts of a ConfigMap the volume reads; `binaryData` values are base64. */
export interface ConfigMapData {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** The parts of a Secret the volume reads; `data` values are base64 (as the API serves them). */
export interface SecretData {
  data?: Record<string, string>;
}

export type PayloadResult = { payload: Payload } | { error: string };

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const base64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** A configMap source (volume or projection): `cm` undefined means not found. */
export function configMapPayload(
  cm: ConfigMapData | undefined,
  source: { name?: string; items?: V1KeyToPath[]; optional?: boolean },
  defaultMode: number,
): PayloadResult {
  if (!cm) {
    if (source.optional) return { payload: new Map() };
    return { error: `configmap "${source.name ?? ''}" not found` };
  }
  const payload: Payload = new Map();
  const text = cm.data ?? {};
  const bin = cm.binaryData ?? {};
  if (!source.items?.length) {
    for (const [k, v] of Object.entries(text)) payload.set(k, { data: utf8(v), mode: defaultMode });
    for (const [k, v] of Object.entries(bin)) payload.set(k, { data: base64(v), mode: defaultMode });
    return { payload };
  }
  for (const item of source.items) {
    const key = item.key ?? '';
    const mode = item.mode ?? defaultMode;
    let data: Uint8Array;
    if (Object.hasOwn(text, key)) data = utf8(text[key]!);
    else if (Object.hasOwn(bin, key)) data = base64(bin[key]!);
    else {
      if (source.optional) continue;
      return { error: `configmap references non-existent config key: ${key}` };
    }
    payload.set(item.path ?? key, { data, mode });
  }
  return { payload };
}

/** A secret source (volume or projection): `secret` undefined means not found. */
export function secretPayload(
  secret: SecretData | undefined,
  source: { name?: string; items?: V1KeyToPath[]; optional?: boolean },
  defaultMode: number,
): PayloadResult {
  if (!secret) {
    if (source.optional) return { payload: new Map() };
    return { error: `secret "${source.name ?? ''}" not found` };
  }
  const payload: Payload = new Map();
  const data = secret.data ?? {};
  if (!source.items?.length) {
    for (const [k, v] of Object.entries(data)) payload.set(k, { data: base64(v), mode: defaultMode });
    return { payload };
  }
  for (const item of source.items) {
    const key = item.key ?? '';
    if (!Object.hasOwn(data, key)) {
      if (source.optional) continue;
      return { error: `references non-existent secret key: ${key}` };
    }
    payload.set(item.path ?? key, { data: base64(data[key]!), mode: item.mode ?? defaultMode });
  }
  return { payload };
}

/** Resolves the downward API's fields; both answer the value or upstream's error text. */
export interface DownwardResolver {
  field(ref: V1ObjectFieldSelector): { value: string } | { error: string };
  resource(ref: V1ResourceFieldSelector): { value: string } | { error: string };
}

/**
 * `metadata.labels` / `metadata.annotations` as a downward API file shows them: one `key="value"`
 * line per entry, keys sorted, values quoted as Go's %q does, no trailing newline (FormatMap).
 */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m![k]!)}`)
    .join('\n');
}

/** Go's strconv.Quote for the characters labels and annotations hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** filepath.Clean of a relative path. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/') || '.';
}

/**
 * A downwardAPI source (volume or projection). Every failing item is reported; several errors
 * are joined as upstream's aggregate does (`[a, b]`).
 */
export function downwardAPIPayload(
  items: readonly V1DownwardAPIVolumeFile[],
  defaultMode: number,
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> },
  resolve: DownwardResolver,
): PayloadResult {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items) {
    const path = cleanPath(item.path ?? '');
    const mode = item.mode ?? defaultMode;
    let r: { value: string } | { error: string } | undefined;
    if (item.fieldRef) {
      const fp = item.fieldRef.fieldPath ?? '';
      if (fp === 'metadata.labels') r = { value: formatMap(meta.labels) };
      else if (fp === 'metadata.annotations') r = { value: formatMap(meta.annotations) };
      else r = resolve.field(item.fieldRef);
    } else if (item.resourceFieldRef) r = resolve.resource(item.resourceFieldRef);
    if (r && 'error' in r) {
      errors.push(r.error);
      continue;
    }
    payload.set(path, { data: utf8(r?.value ?? ''), mode });
  }
  if (errors.length) return { error: aggregate(errors) };
  return { payload };
}

/** upstream's utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]`. */
export function aggregate(errors: readonly string[]): string {
  const uniq = [...new Set(errors)];
  return uniq.length === 1 ? uniq[0]! : `[${uniq.join(', ')}]`;
}

/** Merges `src` into `dst` (later projections win on the same path, as upstream's map writes). */
export function mergePayload(dst: Payload, src: Payload): void {
  for (const [k, v] of src) dst.set(k, v);
}

/** Byte equality of two files' contents. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
