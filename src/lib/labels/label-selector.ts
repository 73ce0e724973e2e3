/**
 * metav1.LabelSelector objects (`{matchLabels, matchExpressions}`) as used in Deployments, Services'
 * owners, PodDisruptionBudgets, NetworkPolicies...: conversion to a Selector
 * (upstream's metav1.LabelSelectorAsSelector) and field validation
 * (upstream's metav1validation.ValidateLabelSelector).
 */
import { FieldError, fieldErrors } from '../field-error.js';
import { type Operator, type Requirement, type Selector, SelectorError, everything, newRequirement, nothing, selectorOf } from './selector.js';
import { labelValueErrors, qualifiedNameErrors } from './syntax.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | null;
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

const OPERATORS: Readonly<Record<string, Operator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * Upstream's LabelSelectorAsSelector: `null`/`undefined` selects nothing; an empty selector
 * selects everything; otherwise `k=v` per matchLabels entry plus one requirement per expression.
 * @throws SelectorError for an unknown operator (`"Foo" is not a valid label selector operator`)
 *   or an invalid requirement (upstream's NewRequirement message).
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return nothing;
  const labels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  if (Object.keys(labels).length + exprs.length === 0) return everything;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(labels)) reqs.push(newRequirement(k, '=', [v]));
  for (const e of exprs) {
    const op = Object.hasOwn(OPERATORS, e.operator) ? OPERATORS[e.operator] : undefined;
    if (op === undefined) throw new SelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, e.values ?? []));
  }
  return selectorOf(reqs);
}

export interface LabelSelectorValidationOptions {
  /** Upstream's AllowInvalidLabelValueInSelector (skip value syntax checks in expressions). */
  allowInvalidLabelValueInSelector?: boolean;
}

/**
 * Field errors for a LabelSelector at `path` (e.g. `spec.selector`), in upstream's order and
 * wording. `null`/`undefined` is valid.
 */
export function validateLabelSelector(
  ls: LabelSelector | null | undefined,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  if (ls === null || ls === undefined) return errs;
  const labelsPath = `${path}.matchLabels`;
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) {
    for (const m of qualifiedNameErrors(k)) errs.push(fieldErrors.invalid(labelsPath, k, m));
    for (const m of labelValueErrors(v)) errs.push(fieldErrors.invalid(labelsPath, v, m));
  }
  (ls.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          errs.push(fieldErrors.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(fieldErrors.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErrors.invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    for (const m of qualifiedNameErrors(e.key)) errs.push(fieldErrors.invalid(`${p}.key`, e.key, m));
    if (!opts.allowInvalidLabelValueInSelector)
      values.forEach((v, j) => {
        for (const m of labelValueErrors(v)) errs.push(fieldErrors.invalid(`${p}.values[${j}]`, v, m));
      });
  });
  return errs;
}
