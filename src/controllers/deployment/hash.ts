/**
 * The pod-template-hash (upstream controller.ComputeHash): FNV-32a over a deterministic
 * serialization of the pod template (canonical JSON, keys sorted) followed, when the Deployment has
 * a collisionCount, by that count as 8 little-endian bytes; the decimal digest rendered with the
 * safe-encode alphabet. Null and empty members count as absent (dropZeroValues). Equal templates hash equally across runs and processes; the value is not
 * byte-identical to upstream's (which hashes Go's %#v rendering), only its shape is.
 */
import type { V1PodTemplateSpec } from '../../api/core/v1/index.js';

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The template as Go would see it after decoding: null members, empty objects and empty arrays are
 * zero values, the same as absent (kubectl sends `creationTimestamp: null` in templates).
 */
export function dropZeroValues(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.length ? v.map((x) => dropZeroValues(x) ?? null) : undefined;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = dropZeroValues(x);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

/** JSON with object keys sorted at every level; undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each byte mapped into a vowel-free alphabet (no bad words). */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** The `pod-template-hash` of a template for a given collisionCount. */
export function computeHash(template: V1PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(dropZeroValues(template) ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncode(String(h));
}
