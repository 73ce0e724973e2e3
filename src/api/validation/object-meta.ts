/**
 * Generic ObjectMeta validation, mirroring k8s.io/apimachinery/pkg/api/validation/objectmeta.go (and
 * the finalizer rule that k8s.io/kubernetes/pkg/apis/core/validation adds for built-in kinds). The
 * apiserver runs these for every kind before the kind's strategy; messages are upstream's.
 *
 * Values are assumed to have the right JSON types already (the schema engine's checkTypes ran first).
 */
import type { ObjectMeta, OwnerReference } from '../types.js';
import { FieldError, OMIT_VALUE, fieldErrors } from '../../lib/field-error.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';

/** Upstream's FieldImmutableErrorMsg. */
export const FIELD_IMMUTABLE = 'field is immutable';
/** Upstream's TotalAnnotationSizeLimitB (256 KiB of keys plus values). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** Finalizers that may be written without a domain prefix. */
export const STANDARD_FINALIZERS: ReadonlySet<string> = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export interface ObjectMetaOptions {
  /** Whether the kind is namespaced: namespace required (DNS-1123 label), else forbidden. */
  namespaced: boolean;
  /** The kind's name syntax check (ResourceDef.validateName); default DNS-1123 subdomain. */
  validateName?: (name: string, prefix: boolean) => string[];
  /**
   * Built-in kinds (default true) reject single-word finalizers other than the standard ones, as
   * core validation does; custom resources only get warnings (see `finalizerWarnings`).
   */
  builtIn?: boolean;
}

/**
 * Create-time metadata errors, in upstream's order: generateName, name, namespace, generation,
 * labels, annotations, ownerReferences, finalizers, managedFields. Empty when valid. Call after the
 * name has been generated from generateName.
 */
export function validateObjectMeta(meta: ObjectMeta, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const nameFn = opts.validateName ?? defaultNameCheck;
  if (meta.generateName) {
    for (const msg of nameFn(meta.generateName, true)) errs.push(fieldErrors.invalid(`${path}.generateName`, meta.generateName, msg));
  }
  if (!meta.name) errs.push(fieldErrors.required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of nameFn(meta.name, false)) errs.push(fieldErrors.invalid(`${path}.name`, meta.name, msg));

  if (opts.namespaced) {
    if (!meta.namespace) errs.push(fieldErrors.required(`${path}.namespace`));
    else for (const msg of isDNS1123Label(meta.namespace)) errs.push(fieldErrors.invalid(`${path}.namespace`, meta.namespace, msg));
  } else if (meta.namespace) {
    errs.push(fieldErrors.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0)
    errs.push(fieldErrors.invalid(`${path}.generation`, meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  errs.push(...validateManagedFields(meta.managedFields, `${path}.managedFields`));
  if (opts.builtIn !== false) errs.push(...kubeFinalizerNames(meta.finalizers, `${path}.finalizers`));
  return errs;
}

export interface ObjectMetaUpdateOptions {
  /** See ObjectMetaOptions.builtIn. */
  builtIn?: boolean;
  /**
   * Reject an empty resourceVersion (`must be specified for an update`). Upstream runs this rule,
   * but its REST layer first copies the stored resourceVersion into unconditional updates; enable it
   * only if the caller does the same. Default false.
   */
  requireResourceVersion?: boolean;
}

/**
 * Update-time metadata errors: immutable name, namespace, uid, creationTimestamp, deletionTimestamp
 * and deletionGracePeriodSeconds (`metadata.name: Invalid value: "x": field is immutable`),
 * generation not decremented, no new finalizers while deleting, then the syntax rules of labels,
 * annotations, ownerReferences and managedFields. Run `prepareObjectMetaForUpdate` first to carry
 * over the fields upstream silently keeps.
 */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta,
  oldMeta: ObjectMeta,
  opts: ObjectMetaUpdateOptions = {},
  path = 'metadata',
): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    const old = new Set(oldMeta.finalizers ?? []);
    const extra = [...new Set((newMeta.finalizers ?? []).filter((f) => !old.has(f)))].sort();
    if (extra.length)
      errs.push(
        fieldErrors.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`,
        ),
      );
  }
  if (opts.requireResourceVersion && !newMeta.resourceVersion)
    errs.push(fieldErrors.invalid(`${path}.resourceVersion`, newMeta.resourceVersion ?? '', 'must be specified for an update'));
  if ((newMeta.generation ?? 0) < (oldMeta.generation ?? 0))
    errs.push(fieldErrors.invalid(`${path}.generation`, newMeta.generation ?? 0, 'must not be decremented'));
  immutable(errs, `${path}.name`, newMeta.name ?? '', oldMeta.name ?? '');
  immutable(errs, `${path}.namespace`, newMeta.namespace ?? '', oldMeta.namespace ?? '');
  immutable(errs, `${path}.uid`, newMeta.uid ?? '', oldMeta.uid ?? '');
  immutable(errs, `${path}.creationTimestamp`, newMeta.creationTimestamp ?? null, oldMeta.creationTimestamp ?? null);
  immutable(errs, `${path}.deletionTimestamp`, newMeta.deletionTimestamp ?? null, oldMeta.deletionTimestamp ?? null);
  immutable(errs, `${path}.deletionGracePeriodSeconds`, newMeta.deletionGracePeriodSeconds ?? null, oldMeta.deletionGracePeriodSeconds ?? null);
  errs.push(...validateLabels(newMeta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(newMeta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateManagedFields(newMeta.managedFields, `${path}.managedFields`));
  if (opts.builtIn !== false) errs.push(...kubeFinalizerNames(newMeta.finalizers, `${path}.finalizers`));
  return errs;
}

/**
 * What upstream's rest.BeforeUpdate does to metadata before validating an update: generation is the
 * server's (copied from old), an empty uid takes the old one, creationTimestamp is kept, and a set
 * deletionTimestamp / deletionGracePeriodSeconds cannot be changed or removed. Mutates `newMeta`.
 */
export function prepareObjectMetaForUpdate(newMeta: ObjectMeta, oldMeta: ObjectMeta): void {
  if (oldMeta.generation !== undefined) newMeta.generation = oldMeta.generation;
  else delete newMeta.generation;
  if (!newMeta.uid && oldMeta.uid) newMeta.uid = oldMeta.uid;
  if (oldMeta.creationTimestamp) newMeta.creationTimestamp = oldMeta.creationTimestamp;
  if (oldMeta.deletionTimestamp) newMeta.deletionTimestamp = oldMeta.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds !== undefined) newMeta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
}

/** Label keys must be qualified names, values label values: errors at the labels path itself. */
export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(fieldErrors.invalid(path, k, msg));
    for (const msg of isValidLabelValue(v)) errs.push(fieldErrors.invalid(path, v, msg));
  }
  return errs;
}

/** Annotation keys are case-insensitive qualified names; keys plus values ≤ 256 KiB in total. */
export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid(path, k, msg));
    size += utf8Length(k) + utf8Length(typeof v === 'string' ? v : String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    errs.push(new FieldError('FieldValueTooLong', path, OMIT_VALUE, `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`));
  return errs;
}

/**
 * Each reference needs apiVersion (with a version), kind, name and uid (errors name the field under
 * `ownerReferences`, without an index, as upstream); Events cannot own; at most one controller.
 */
export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!refs) return errs;
  let firstController = '';
  for (const ref of refs) {
    const { group, version } = parseApiVersion(ref.apiVersion ?? '');
    if (!version) errs.push(fieldErrors.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(fieldErrors.invalid(`${path}.kind`, ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(fieldErrors.invalid(`${path}.name`, ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(fieldErrors.invalid(`${path}.uid`, ref.uid ?? '', 'must not be empty'));
    if (group === '' && version === 'v1' && ref.kind === 'Event')
      errs.push(fieldErrors.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController)
        errs.push(
          fieldErrors.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      else firstController = cur;
    }
  }
  return errs;
}

/** Finalizers are qualified names; `orphan` and `foregroundDeletion` exclude each other. */
export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!finalizers) return errs;
  for (const f of finalizers) for (const msg of isQualifiedName(f)) errs.push(fieldErrors.invalid(path, f, msg));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion'))
    errs.push(new GoValueError(path, finalizers, goStringSlice(finalizers), 'finalizer orphan and foregroundDeletion cannot be both set'));
  return errs;
}

/**
 * The warnings upstream returns for a custom resource's finalizers instead of errors, e.g.
 * `metadata.finalizers[0]: "x": prefer a domain-qualified finalizer name to avoid accidental
 * conflicts with other finalizer writers`.
 */
export function finalizerWarnings(finalizers: string[] | undefined, path = 'metadata.finalizers'): string[] {
  const out: string[] = [];
  (finalizers ?? []).forEach((f, i) => {
    const p = `${path}[${i}]`;
    for (const msg of isQualifiedName(f)) out.push(`${p}: ${JSON.stringify(f)}: ${msg}`);
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f))
      out.push(`${p}: ${JSON.stringify(f)}: prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers`);
  });
  return out;
}

/** managedFields entries: operation Apply|Update, fieldsType FieldsV1, printable manager ≤ 128, subresource ≤ 256. */
export function validateManagedFields(entries: ObjectMeta['managedFields'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (e.operation !== 'Apply' && e.operation !== 'Update')
      errs.push(fieldErrors.invalid(`${p}.operation`, e.operation ?? '', 'must be `Apply` or `Update`'));
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') errs.push(fieldErrors.invalid(`${p}.fieldsType`, e.fieldsType, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(e.manager ?? '', `${p}.manager`));
    if (e.subresource && e.subresource.length > 256)
      errs.push(new FieldError('FieldValueTooLong', `${p}.subresource`, OMIT_VALUE, 'must have at most 256 bytes'));
  });
  return errs;
}

/** The fieldManager query parameter / managedFields manager: at most 128 bytes, printable characters only. */
export function validateFieldManager(manager: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (utf8Length(manager) > 128) errs.push(new FieldError('FieldValueTooLong', path, OMIT_VALUE, 'must have at most 128 bytes'));
  let pos = 0;
  for (const ch of manager) {
    const cp = ch.codePointAt(0)!;
    if (!isPrintable(ch)) {
      errs.push(
        fieldErrors.invalid(path, manager, `invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${pos})`),
      );
    }
    pos += utf8Length(ch);
  }
  return errs;
}

// ------------------------------------------------------------------ helpers

function defaultNameCheck(name: string, prefix: boolean): string[] {
  return isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
}

/** Upstream's maskTrailingDash: a generateName may end in '-'. */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

function immutable(errs: FieldError[], path: string, newVal: string | number | null, oldVal: string | number | null): void {
  if (newVal !== oldVal) errs.push(fieldErrors.invalid(path, newVal === null ? 'null' : newVal, FIELD_IMMUTABLE));
}

function parseApiVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return { group: '', version: '' };
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isPrintable(ch: string): boolean {
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

function goStringSlice(xs: readonly string[]): string {
  return `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}`;
}

/** An Invalid value error whose bad value prints as Go's %#v rendering (`[]string{"a", "b"}`). */
class GoValueError extends FieldError {
  constructor(
    field: string,
    badValue: unknown,
    private readonly goValue: string,
    detail: string,
  ) {
    super('FieldValueInvalid', field, badValue, detail);
  }
  override body(): string {
    return `Invalid value: ${this.goValue}: ${this.detail}`;
  }
}

function kubeFinalizerNames(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (finalizers ?? []).forEach((f, i) => {
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f))
      errs.push(fieldErrors.invalid(`${path}[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errs;
}
