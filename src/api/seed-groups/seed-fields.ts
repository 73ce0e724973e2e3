/**
 * Seed-only fields: the seed's manifests use a few fields that the upstream projects do not define
 * (an Istio DestinationRule `circuitBreaker`, outlier-detection settings under
 * `connectionPool.http`, inline metric settings under a Rollout's `canary.analysis`...). Flotilla's
 * schemas declare them, marked with `x-flotilla-upstream-field`, so they pass strict field
 * validation and are stored for later controllers; each write that sets one gets a Warning naming
 * the upstream field to use instead.
 *
 * The marker's value is either a path relative to the object that holds the field (`../` climbs one
 * object; `outlierDetection` next to `circuitBreaker` gives `spec.trafficPolicy.outlierDetection`),
 * or, when it contains a space, a free-text hint used as is.
 */
import type { Schema } from '../schema/schema.js';

/** Every Warning for the seed-only fields set in `obj`, in document order. */
export function seedFieldWarnings(obj: unknown, schema: Schema, product: string): string[] {
  const out: string[] = [];
  walk(obj, schema, [], product, out);
  return out;
}

/** A path segment list rendered as upstream's field paths: `spec.subsets[0].trafficPolicy`. */
function render(segs: readonly string[]): string {
  let s = '';
  for (const seg of segs) s += seg.startsWith('[') ? seg : s === '' ? seg : `.${seg}`;
  return s;
}

/** Resolves a marker against the segments of the object that holds the field. */
export function resolveUpstreamField(marker: string, holder: readonly string[]): string {
  if (marker.includes(' ')) return marker;
  const segs = [...holder];
  let rest = marker;
  while (rest.startsWith('../')) {
    rest = rest.slice(3);
    // climb one object: drop a field name together with any indexes after it
    while (segs.length && segs[segs.length - 1]!.startsWith('[')) segs.pop();
    segs.pop();
  }
  const base = render(segs);
  return base === '' ? rest : `${base}.${rest}`;
}

function walk(value: unknown, schema: Schema, path: string[], product: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (!schema.items) return;
    value.forEach((v, i) => walk(v, schema.items!, [...path, `[${i}]`], product, out));
    return;
  }
  const rec = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(rec)) {
    if (v === undefined) continue;
    const child = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (!child) continue;
    const marker = schema.properties?.[k]?.['x-flotilla-upstream-field'];
    if (marker !== undefined) {
      const field = render([...path, k]);
      const hint = resolveUpstreamField(marker, path);
      out.push(`${field} is not ${article(product)} ${product} field; use ${hint}`);
    }
    walk(v, child, [...path, k], product, out);
  }
}

function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? 'an' : 'a';
}
