/**
 * metav1.LabelSelector helpers shared by the workload, policy and networking kinds: validation with
 * upstream's paths and messages (unversionedvalidation.ValidateLabelSelector), matching, and the
 * canonical string form (metav1.FormatLabelSelector / LabelSelectorAsSelector(...).String()).
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import { isQualifiedName, isValidLabelValue } from '../../validation/names.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorValidationOptions {
  /** Upstream's AllowInvalidLabelValueInSelector (lenient for kinds that historically allowed it). */
  allowInvalidLabelValueInSelector?: boolean;
}

/** Upstream's ValidateLabels: every key a qualified name, every value a label value. */
export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(fieldErrors.invalid(path, k, msg));
    for (const msg of isValidLabelValue(v)) errs.push(fieldErrors.invalid(path, v, msg));
  }
  return errs;
}

/** Upstream's ValidateLabelSelector; a missing selector is valid (callers check "required"). */
export function validateLabelSelector(
  sel: LabelSelector | undefined | null,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldErrors.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldErrors.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErrors.invalid(`${p}.operator`, req.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(req.key ?? '')) errs.push(fieldErrors.invalid(`${p}.key`, req.key, msg));
    if (!opts.allowInvalidLabelValueInSelector)
      values.forEach((v, j) => {
        for (const msg of isValidLabelValue(v)) errs.push(fieldErrors.invalid(`${p}.values[${j}]`, v, msg));
      });
  });
  return errs;
}

/** Whether metav1.LabelSelectorAsSelector would accept the selector (strict form). */
export function isConvertibleSelector(sel: LabelSelector | undefined | null): boolean {
  return validateLabelSelector(sel, 'x').length === 0;
}

/** True when the selector selects everything (no requirements). A nil selector is also empty here. */
export function isEmptySelector(sel: LabelSelector | undefined | null): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** Whether `labels` satisfy every requirement of `sel` (an empty selector matches everything). */
export function selectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(l[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * The selector's canonical string (LabelSelectorAsSelector(sel).String()): requirements sorted by
 * key, `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. '' for an empty selector; undefined when the
 * selector cannot be converted (upstream errors).
 */
export function selectorString(sel: LabelSelector | undefined | null): string | undefined {
  if (!sel) return '';
  if (!isConvertibleSelector(sel)) return undefined;
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const r of sel.matchExpressions ?? []) {
    const vals = [...new Set(r.values ?? [])].sort().join(',');
    const text =
      r.operator === 'In' ? `${r.key} in (${vals})` : r.operator === 'NotIn' ? `${r.key} notin (${vals})` : r.operator === 'Exists' ? r.key : `!${r.key}`;
    reqs.push({ key: r.key, text });
  }
  // Stable sort by key, as upstream's sort.Sort(ByKey) (ties keep insertion order in practice).
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: `<none>` for empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = selectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}
