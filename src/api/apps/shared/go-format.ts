/**
 * Upstream renders a field error's bad value with Go's `%#v` for anything that is not a string,
 * number or bool (e.g. `map[string]string{"app":"web"}` or `intstr.IntOrString{Type:1, IntVal:0,
 * StrVal:"25%"}`). FieldError renders objects as JSON, so errors whose upstream text shows a Go
 * value are built with `goInvalid`, which keeps the structured bad value but prints upstream's text.
 */
import { FieldError } from '../../../lib/field-error.js';

/** A FieldValueInvalid error whose bad value prints as the given Go rendering. */
export class GoValueFieldError extends FieldError {
  constructor(
    field: string,
    badValue: unknown,
    readonly goValue: string,
    detail: string,
  ) {
    super('FieldValueInvalid', field, badValue, detail);
  }

  override body(): string {
    return `Invalid value: ${this.goValue}${this.detail ? `: ${this.detail}` : ''}`;
  }
}

export function goInvalid(field: string, badValue: unknown, goValue: string, detail: string): FieldError {
  return new GoValueFieldError(field, badValue, goValue, detail);
}

/** Go's %q for a string (close enough: JSON escaping). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** `map[string]string{"a":"1", "b":"2"}` (Go sorts map keys when printing). */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(m[k]!)}`).join(', ')}}`;
}

/** `[]T{"a", "b"}` for a list of strings with the given Go element type. */
export function goStringSlice(elemType: string, xs: readonly string[]): string {
  return `[]${elemType}{${xs.map(goQuote).join(', ')}}`;
}

/** `intstr.IntOrString{Type:0, IntVal:5, StrVal:""}` as upstream prints an IntOrString value. */
export function goIntOrString(v: number | string | undefined): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

/**
 * Upstream's validation.RegexError text. Note the Go quirk: every example is followed by `', '`, and
 * later ones are preceded by `' or '`, giving `(e.g. 'a',  or 'b', regex used ...)`.
 */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) s += ' or ';
    s += `'${e}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}
