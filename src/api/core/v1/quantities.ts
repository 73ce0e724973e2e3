/**
 * Quantities are stored in their canonical spelling, as upstream's decode/encode round trip does
 * (`0.5` → `500m`, `1000m` → `1`, `1.5Gi` → `1536Mi`, bare numbers become strings). Values that do not
 * parse are left alone for validation to report.
 */
import { QuantityError, quantityFromJSON } from '../../../lib/quantity/index.js';
import type { QuantityValue, ResourceListView } from './pod-types.js';

/** The canonical form of one quantity, or the input unchanged when it does not parse. */
export function canonicalQuantityValue(v: QuantityValue): QuantityValue {
  try {
    return quantityFromJSON(v)?.toString() ?? v;
  } catch (e) {
    if (e instanceof QuantityError) return v;
    throw e;
  }
}

/** Canonicalises every value of a resource list in place (no-op for undefined). */
export function canonicalizeResourceList(list: ResourceListView | undefined): void {
  if (!list) return;
  for (const k of Object.keys(list)) list[k] = canonicalQuantityValue(list[k]!);
}
