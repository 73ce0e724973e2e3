/** Small pure helpers on object metadata used by the generic store. */
import type { KubeObject } from '../../api/types.js';
import { jsonEqual } from '../../lib/patch/index.js';

/** RFC 3339 with seconds precision, as metav1.Time serializes: `2026-11-24T07:00:00Z`. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Upstream's generated-name alphabet (no vowels, no confusable characters). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_NAME = 63;
const SUFFIX_LEN = 5;

/** `random` returns numbers in [0, 1): injected so tests are deterministic. */
export function generateName(base: string, random: () => number): string {
  const trimmed = base.length > MAX_NAME - SUFFIX_LEN ? base.slice(0, MAX_NAME - SUFFIX_LEN) : base;
  let suffix = '';
  for (let i = 0; i < SUFFIX_LEN; i++) suffix += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return trimmed + suffix;
}

export function deepClone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Whether anything but metadata and status (what generation tracks) differs. */
export function specChanged(a: KubeObject, b: KubeObject): boolean {
  const { metadata: _am, status: _as, apiVersion: _aa, kind: _ak, ...ra } = a;
  const { metadata: _bm, status: _bs, apiVersion: _ba, kind: _bk, ...rb } = b;
  return !jsonEqual(ra, rb);
}

export function hasFinalizer(obj: KubeObject, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) ?? false;
}

export function getPath(obj: unknown, jsonPath: string): unknown {
  let cur: unknown = obj;
  for (const seg of jsonPath.replace(/^\./, '').split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

export function setPath(obj: Record<string, unknown>, jsonPath: string, value: unknown): void {
  const segs = jsonPath.replace(/^\./, '').split('.');
  let cur: Record<string, unknown> = obj;
  for (const seg of segs.slice(0, -1)) {
    if (cur[seg] === null || typeof cur[seg] !== 'object') cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]!] = value;
}
