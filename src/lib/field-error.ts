/**
 * Field-level validation errors, modelled on k8s.io/apimachinery/pkg/util/validation/field.
 * `String(e)` gives upstream's text, e.g. `spec.replicas: Invalid value: -1: must be greater than or
 * equal to 0`; `e.body()` is the same without the field path (used as a Status cause message).
 */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Marks "no bad value to print" (upstream's omitValue). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly badValue: unknown,
    readonly detail: string,
  ) {}

  /** Upstream's ErrorBody(): the message without the leading field path. */
  body(): string {
    let s = TYPE_TEXT[this.type];
    switch (this.type) {
      case 'FieldValueRequired':
      case 'FieldValueForbidden':
      case 'FieldValueTooLong':
      case 'InternalError':
        break;
      default:
        if (this.badValue !== OMIT_VALUE) s += `: ${formatBadValue(this.badValue)}`;
    }
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }

  toString(): string {
    return this.field ? `${this.field}: ${this.body()}` : this.body();
  }
}

/** Go's %#v-ish rendering that upstream uses for bad values: strings quoted, numbers bare. */
export function formatBadValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export const fieldErrors = {
  required: (field: string, detail = '') => new FieldError('FieldValueRequired', field, '', detail),
  invalid: (field: string, value: unknown, detail: string) => new FieldError('FieldValueInvalid', field, value, detail),
  notSupported: (field: string, value: unknown, supported: readonly string[]) =>
    new FieldError(
      'FieldValueNotSupported',
      field,
      value,
      supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '',
    ),
  duplicate: (field: string, value: unknown) => new FieldError('FieldValueDuplicate', field, value, ''),
  forbidden: (field: string, detail: string) => new FieldError('FieldValueForbidden', field, '', detail),
  tooLong: (field: string, _value: unknown, max: number) =>
    new FieldError('FieldValueTooLong', field, OMIT_VALUE, `may not be more than ${max} bytes`),
  tooMany: (field: string, actual: number, max: number) =>
    new FieldError('FieldValueTooMany', field, actual, `must have at most ${max} items`),
  typeInvalid: (field: string, value: unknown, detail: string) =>
    new FieldError('FieldValueTypeInvalid', field, value, detail),
  notFound: (field: string, value: unknown) => new FieldError('FieldValueNotFound', field, value, ''),
  internal: (field: string, detail: string) => new FieldError('InternalError', field, OMIT_VALUE, detail),
};

/** Upstream's utilerrors aggregate: one error bare, several as `[a, b]`. */
export function aggregateFieldErrors(errors: readonly FieldError[]): string {
  if (errors.length === 1) return String(errors[0]);
  return `[${errors.map(String).join(', ')}]`;
}

/** Path builder: `path('spec').child('containers').index(0).key('x')` → `spec.containers[0][x]`. */
export class FieldPath {
  private constructor(private readonly text: string) {}
  static root(name: string): FieldPath {
    return new FieldPath(name);
  }
  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

export function path(root: string, ...children: string[]): FieldPath {
  let p = FieldPath.root(root);
  for (const c of children) p = p.child(c);
  return p;
}
