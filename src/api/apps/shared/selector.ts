/**
 * metav1.LabelSelector helpers for the non-core groups, as thin wrappers over src/lib/labels:
 * validation (upstream's ValidateLabelSelector paths and messages), matching and the canonical
 * string form (metav1.FormatLabelSelector / LabelSelectorAsSelector(...).String()).
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import * as labels from '../../../lib/labels/index.js';

export type LabelSelector = labels.LabelSelector;
export type LabelSelectorRequirement = labels.LabelSelectorRequirement;
export type LabelSelectorValidationOptions = labels.LabelSelectorValidationOptions;

/** Upstream's ValidateLabelSelector; a missing selector is valid (callers check "required"). */
export function validateLabelSelector(
  sel: LabelSelector | undefined | null,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  return labels.validateLabelSelector(sel, path, opts);
}

/** The converted selector, or undefined when LabelSelectorAsSelector would fail. */
function convert(sel: LabelSelector | undefined | null): labels.Selector | undefined {
  try {
    return labels.selectorFromLabelSelector(sel);
  } catch {
    return undefined;
  }
}

/** Whether metav1.LabelSelectorAsSelector accepts the selector. */
export function isConvertibleSelector(sel: LabelSelector | undefined | null): boolean {
  return convert(sel) !== undefined;
}

/** True when the selector has no requirements (selects everything); a nil selector counts as empty. */
export function isEmptySelector(sel: LabelSelector | undefined | null): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** Whether `l` satisfies the selector (nil matches nothing, empty matches everything, as upstream). */
export function selectorMatches(sel: LabelSelector | undefined | null, l: Record<string, string> | undefined): boolean {
  const s = convert(sel);
  return s !== undefined && labels.matches(s, l ?? {});
}

/**
 * LabelSelectorAsSelector(sel).String(): '' for an empty or nil selector, undefined when the
 * selector cannot be converted.
 */
export function selectorString(sel: LabelSelector | undefined | null): string | undefined {
  if (!sel) return '';
  const s = convert(sel);
  return s === undefined ? undefined : labels.selectorToString(s);
}

/** metav1.FormatLabelSelector: `<none>` for empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = selectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** Upstream's ValidateLabels (metav1validation): keys qualified names, values label values. */
export function validateLabels(m: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(m ?? {})) {
    for (const msg of labels.qualifiedNameErrors(k)) errs.push(fieldErrors.invalid(path, k, msg));
    for (const msg of labels.labelValueErrors(v)) errs.push(fieldErrors.invalid(path, v, msg));
  }
  return errs;
}
