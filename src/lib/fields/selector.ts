/**
 * Field selectors with the semantics of k8s.io/apimachinery/pkg/fields: `f=v`, `f==v`, `f!=v` terms
 * joined by `,` (AND); in values, `\` escapes `\`, `,` and `=` (upstream's EscapeValue).
 * Selectors are immutable values; parsed terms are ordered by their raw text, as upstream sorts them.
 */

export type FieldOperator = '=' | '==' | '!=';

export interface FieldTerm {
  readonly field: string;
  readonly operator: FieldOperator;
  /** The unescaped value. */
  readonly value: string;
}

export interface FieldSelector {
  /** All must hold (AND). Empty: matches everything. */
  readonly terms: readonly FieldTerm[];
}

/**
 * A field selector that does not parse. `message` is upstream's text (the apiserver answers 400
 * BadRequest with it).
 */
export class FieldSelectorError extends Error {
  override readonly name = 'FieldSelectorError';
  readonly reason = 'BadRequest' as const;
}

export const everythingFields: FieldSelector = Object.freeze({ terms: Object.freeze([]) });

/** Upstream's fields.EscapeValue. */
export function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Upstream's fields.UnescapeValue.
 * @throws FieldSelectorError on an unknown escape, a trailing `\` or an unescaped `,`/`=`.
 */
export function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=')
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=')
      // Go prints the rune with %v: its code point.
      throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on unescaped commas, keeping escapes (upstream's splitTerms). */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const OPERATORS: readonly FieldOperator[] = ['!=', '==', '='];

/** Splits at the first operator occurrence; no escaping in the field name (upstream's splitTerm). */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
  }
  return undefined;
}

/**
 * Parses a field selector string (upstream's fields.ParseSelector). "" selects everything.
 * @throws FieldSelectorError, e.g. `invalid selector: 'foo'; can't understand 'foo'`.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, operator, raw] = split;
    terms.push(Object.freeze({ field, operator, value: unescapeValue(raw) }));
  }
  return Object.freeze({ terms: Object.freeze(terms) });
}

/** A selector requiring `field=value` for every entry (upstream's fields.SelectorFromSet), sorted by field. */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>>): FieldSelector {
  const terms = Object.keys(set)
    .sort()
    .map((field) => Object.freeze({ field, operator: '=' as const, value: set[field]! }));
  return Object.freeze({ terms: Object.freeze(terms) });
}

/**
 * Whether the object's fields satisfy every term. `getField` returns a field's value; `undefined`
 * counts as "" (as upstream's fields.Set.Get does), so `spec.nodeName=` matches unscheduled pods.
 */
export function fieldsMatch(selector: FieldSelector, getField: (field: string) => string | undefined): boolean {
  for (const t of selector.terms) {
    const actual = getField(t.field) ?? '';
    if (t.operator === '!=' ? actual === t.value : actual !== t.value) return false;
  }
  return true;
}

/** Whether the selector matches everything (no terms). */
export function isEverythingFields(selector: FieldSelector): boolean {
  return selector.terms.length === 0;
}

/**
 * Canonical text (upstream's Selector.String): `field=value` / `field!=value` with escaped values,
 * joined by `,`. `==` prints as `=`, as upstream (both parse to the same hasTerm).
 */
export function fieldSelectorToString(selector: FieldSelector): string {
  return selector.terms.map((t) => `${t.field}${t.operator === '!=' ? '!=' : '='}${escapeValue(t.value)}`).join(',');
}

/** The distinct field names the selector uses, in order (to reject unsupported ones). */
export function fieldsUsed(selector: FieldSelector): string[] {
  return [...new Set(selector.terms.map((t) => t.field))];
}

/**
 * Upstream's RequiresExactMatch: the value of the first `field=` / `field==` term for `field`, if
 * any. `exactMatch(sel, 'metadata.name')` lets a watch or list read one object directly.
 */
export function exactMatch(selector: FieldSelector, field: string): string | undefined {
  for (const t of selector.terms) if (t.field === field && t.operator !== '!=') return t.value;
  return undefined;
}

/**
 * Rewrites each term's field and value (upstream's Selector.Transform, used for field label
 * conversion: e.g. renaming deprecated labels or rejecting unsupported ones by throwing).
 */
export function transformFieldSelector(
  selector: FieldSelector,
  fn: (field: string, value: string) => [string, string],
): FieldSelector {
  const terms = selector.terms.map((t) => {
    const [field, value] = fn(t.field, t.value);
    return Object.freeze({ field, operator: t.operator, value });
  });
  return Object.freeze({ terms: Object.freeze(terms) });
}

/** Upstream's conversion error for a field the resource does not index: `field label not supported: foo`. */
export function unsupportedFieldLabel(field: string): FieldSelectorError {
  return new FieldSelectorError(`field label not supported: ${field}`);
}
