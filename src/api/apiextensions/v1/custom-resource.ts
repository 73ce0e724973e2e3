/**
 * A CustomResourceDefinition → the ResourceDefs that serve its custom resources (one per served
 * version), as apiextensions-apiserver's crdHandler builds its per-version storage: schema
 * (validation, pruning, defaults), status and scale subresources, Table columns from
 * additionalPrinterColumns, selectable fields, and conversion None (only apiVersion changes)
 * between served versions and the storage version. Pure.
 */
import type { KubeObject, ResourceDef, Strategy, TableColumn, TableDef } from '../../types.js';
import { apiVersionOf } from '../../types.js';
import { checkTypes, jsonTypeName, typeMismatchFieldError, validateValues } from '../../schema/engine/index.js';
import { humanAge } from '../../../lib/duration/index.js';
import { FieldError, fieldErrors } from '../../../lib/field-error.js';
import { ApiError } from '../../../lib/errors.js';
import { isDNS1035Label } from '../../../lib/validation/names.js';
import type { Schema } from '../../schema/schema.js';
import { customResourceSchema, toEngineSchema } from './schema-convert.js';
import type { CustomResourceColumnDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionVersion, JSONSchemaProps, V1CustomResourceDefinition } from './types.js';
import { storageVersionOf } from './types.js';

const NAME_DESCRIPTION = 'The name of the object, unique within its namespace (or cluster, for cluster-scoped kinds).';
const AGE_DESCRIPTION = 'Time since the object was created (metadata.creationTimestamp).';

/**
 * ResourceDefs for every served version of `crd`, in discovery priority order (v1 before v1beta1
 * before v1alpha1...). `names` are the accepted names (status.acceptedNames), which may lag spec.
 */
export function customResourceDefs(crd: V1CustomResourceDefinition, names: CustomResourceDefinitionNames = crd.status?.acceptedNames ?? crd.spec.names ?? {}): ResourceDef[] {
  const group = crd.spec.group ?? '';
  const storage = storageVersionOf(crd);
  const served = (crd.spec.versions ?? []).filter((v) => v.served && v.name);
  served.sort((a, b) => compareKubeVersions(a.name!, b.name!));
  return served.map((v) => versionDef(crd, v, group, storage, names));
}

/**
 * The ResourceDef of the storage version, whether served or not (its store reads objects as
 * stored: deletion of a CRD's objects and storage version migration use it). Undefined without a
 * storage version.
 */
export function storageResourceDef(crd: V1CustomResourceDefinition, names: CustomResourceDefinitionNames = crd.status?.acceptedNames ?? crd.spec.names ?? {}): ResourceDef | undefined {
  const storage = storageVersionOf(crd);
  const v = (crd.spec.versions ?? []).find((x) => x.name === storage);
  return v ? versionDef(crd, v, crd.spec.group ?? '', storage, names) : undefined;
}

function versionDef(crd: V1CustomResourceDefinition, v: CustomResourceDefinitionVersion, group: string, storage: string | undefined, names: CustomResourceDefinitionNames): ResourceDef {
  const version = v.name!;
  const kind = names.kind ?? crd.spec.names?.kind ?? '';
  const schema = customResourceSchema(v.schema?.openAPIV3Schema, { group, version, kind });
  const def: ResourceDef = {
    group,
    version,
    kind,
    plural: names.plural ?? crd.spec.names?.plural ?? '',
    singular: names.singular || kind.toLowerCase(),
    namespaced: crd.spec.scope !== 'Cluster',
    schema,
    generation: true,
    custom: true,
    strategy: customResourceStrategy(schema, v, group, kind, crd),
    table: printerTable(v.additionalPrinterColumns ?? []),
  };
  if (names.shortNames?.length) def.shortNames = [...names.shortNames];
  if (names.categories?.length) def.categories = [...names.categories];
  const sub = v.subresources;
  if (sub?.status || sub?.scale) {
    def.subresources = {};
    if (sub.status) def.subresources.status = true;
    if (sub.scale?.specReplicasPath && sub.scale.statusReplicasPath) {
      def.subresources.scale = { specReplicasPath: sub.scale.specReplicasPath, statusReplicasPath: sub.scale.statusReplicasPath };
      if (sub.scale.labelSelectorPath) def.subresources.scale.labelSelectorPath = sub.scale.labelSelectorPath;
    }
  }
  const selectable = (v.selectableFields ?? []).map((f) => f.jsonPath ?? '').filter((p) => p.startsWith('.'));
  if (selectable.length) {
    def.fieldSelectors = {};
    for (const p of selectable) def.fieldSelectors[p.slice(1)] = (obj) => selectorValue(evalSimpleJsonPath(obj, p));
  }
  if (storage && storage !== version) {
    const storageApiVersion = apiVersionOf(group, storage);
    const servedApiVersion = apiVersionOf(group, version);
    def.conversion = {
      storageVersion: storageApiVersion,
      toStorage: (o) => ({ ...o, apiVersion: storageApiVersion }),
      fromStorage: (o) => ({ ...o, apiVersion: servedApiVersion }),
    };
  }
  return def;
}

function customResourceStrategy(schema: ResourceDef['schema'], v: CustomResourceDefinitionVersion, group: string, kind: string, crd: V1CustomResourceDefinition): Strategy {
  const root = v.schema?.openAPIV3Schema;
  // Walks that find nothing in most schemas are skipped unless the schema uses them.
  const junctors = Boolean(root && anyNode(root, (x) => Boolean(x.allOf?.length || x.anyOf?.length || x.oneOf?.length || x.not)));
  const embedded = Boolean(root && anyNode(root, (x) => Boolean(x['x-kubernetes-embedded-resource'])));
  // The only metadata a CRD schema may restrict: name and generateName (e.g. a maxLength).
  const metaProps = root?.properties?.['metadata']?.properties ?? {};
  const metaSchemas = (['name', 'generateName'] as const).filter((k) => metaProps[k]).map((k) => [k, toEngineSchema(metaProps[k]!)] as const);
  const metaNameErrors = (obj: KubeObject): FieldError[] =>
    metaSchemas.flatMap(([k, s]) => (obj.metadata?.[k] === undefined ? [] : validateValues(obj.metadata[k], s, `metadata.${k}`)));
  const strategy: Strategy = {
    validate(obj) {
      // Custom resources are decoded without a Go struct: type mismatches are validation errors (422).
      const errs = checkTypes(obj, schema, '', { style: 'openapi' }).map(typeMismatchFieldError);
      if (errs.length) return errs;
      return [
        ...validateValues(obj, schema),
        ...metaNameErrors(obj),
        ...(junctors ? validateJunctors(obj, root!, '') : []),
        ...(embedded ? validateEmbedded(obj, schema) : []),
      ];
    },
  };
  if (crd.status?.conditions?.some((c) => c.type === 'Terminating' && c.status === 'True')) {
    // As upstream's crdHandler: objects of a CRD being deleted can be read and deleted, not created.
    strategy.prepareForCreate = () => {
      throw new ApiError('MethodNotAllowed', 405, 'create not allowed while custom resource definition is terminating', {
        group,
        kind: crd.status?.acceptedNames?.plural ?? crd.spec.names?.plural ?? '',
      });
    };
  }
  if (v.deprecated) {
    const text = v.deprecationWarning ?? defaultDeprecationWarning(crd, v.name!, group, kind);
    strategy.warnings = () => [text];
  }
  return strategy;
}

/** Whether any node of a schema (properties, items, additionalProperties) matches. */
function anyNode(p: JSONSchemaProps, test: (x: JSONSchemaProps) => boolean): boolean {
  if (test(p)) return true;
  if (Object.values(p.properties ?? {}).some((x) => x && anyNode(x, test))) return true;
  if (p.items && !Array.isArray(p.items) && anyNode(p.items, test)) return true;
  return Boolean(p.additionalProperties && typeof p.additionalProperties === 'object' && anyNode(p.additionalProperties, test));
}

const junctorCache = new WeakMap<JSONSchemaProps, Map<string, Schema>>();

/**
 * Whether `value` satisfies one branch of a logic junctor (types, value constraints, nested
 * junctors). Branches usually carry no type (structural rules forbid it); they constrain the
 * value as whatever type it has.
 */
function satisfies(value: unknown, p: JSONSchemaProps): boolean {
  const jt = jsonTypeName(value);
  let byType = junctorCache.get(p);
  if (!byType) junctorCache.set(p, (byType = new Map()));
  let s = byType.get(jt);
  if (!s) {
    s = toEngineSchema(p);
    if (!s.type && jt !== 'null') s = { ...s, type: jt };
    byType.set(jt, s);
  }
  if (checkTypes(value, s, '', { style: 'openapi' }).length) return false;
  if (validateValues(value, s).length) return false;
  return validateJunctors(value, p, '').length === 0;
}

/**
 * allOf / anyOf / oneOf / not of a structural schema (value validations only), with kube-openapi's
 * wording: `spec: Invalid value: "object": spec in body must validate one and only one schema (oneOf)`.
 */
export function validateJunctors(value: unknown, p: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value === undefined) return errs;
  const at = path || '<nil>';
  const bad = (what: string) => errs.push(new FieldError('FieldValueInvalid', path, jsonTypeName(value), `${at} in body ${what}`));
  if (p.allOf?.length && !p.allOf.every((x) => satisfies(value, x))) bad('must validate all the schemas (allOf)');
  if (p.anyOf?.length && !p.anyOf.some((x) => satisfies(value, x))) bad('must validate at least one schema (anyOf)');
  if (p.oneOf?.length && p.oneOf.filter((x) => satisfies(value, x)).length !== 1) bad('must validate one and only one schema (oneOf)');
  if (p.not && satisfies(value, p.not)) bad('must not validate the schema (not)');
  if (value === null || typeof value !== 'object') return errs;
  if (Array.isArray(value)) {
    const items = p.items && !Array.isArray(p.items) ? p.items : undefined;
    if (items) value.forEach((x, i) => errs.push(...validateJunctors(x, items, `${path}[${i}]`)));
    return errs;
  }
  for (const [k, x] of Object.entries(value as Record<string, unknown>)) {
    const sub = p.properties?.[k];
    if (sub) errs.push(...validateJunctors(x, sub, path ? `${path}.${k}` : k));
    else if (p.additionalProperties && typeof p.additionalProperties === 'object') errs.push(...validateJunctors(x, p.additionalProperties, `${path}[${k}]`));
  }
  return errs;
}

/**
 * Objects marked x-kubernetes-embedded-resource (below the root) need apiVersion and kind, as
 * apiextensions-apiserver's objectmeta validation requires.
 */
export function validateEmbedded(value: unknown, schema: Schema, path = '', isRoot = true): FieldError[] {
  const errs: FieldError[] = [];
  if (value === null || typeof value !== 'object') return errs;
  const child = (k: string) => (path ? `${path}.${k}` : k);
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => errs.push(...validateEmbedded(v, schema.items!, `${path}[${i}]`, false)));
    return errs;
  }
  const o = value as Record<string, unknown>;
  if (schema['x-kubernetes-embedded-resource'] && !isRoot) {
    if (!('apiVersion' in o)) errs.push(fieldErrors.required(child('apiVersion'), 'must not be empty'));
    if (!('kind' in o)) errs.push(fieldErrors.required(child('kind'), 'must not be empty'));
    const av = o['apiVersion'];
    if (av !== undefined) {
      if (typeof av !== 'string') errs.push(fieldErrors.invalid(child('apiVersion'), av, 'must be a string'));
      else if (!av) errs.push(fieldErrors.invalid(child('apiVersion'), av, 'must not be empty'));
      else if (av.split('/').length > 2) errs.push(fieldErrors.invalid(child('apiVersion'), av, `unexpected GroupVersion string: ${av}`));
    }
    const k = o['kind'];
    if (k !== undefined) {
      if (typeof k !== 'string') errs.push(fieldErrors.invalid(child('kind'), k, 'must be a string'));
      else if (!k) errs.push(fieldErrors.invalid(child('kind'), k, 'must not be empty'));
      else {
        const e = isDNS1035Label(k.toLowerCase());
        if (e.length) errs.push(fieldErrors.invalid(child('kind'), k, `may have mixed case, but should otherwise match: ${e.join(',')}`));
      }
    }
  }
  for (const [key, v] of Object.entries(o)) {
    const p = schema.properties?.[key];
    if (p) errs.push(...validateEmbedded(v, p, child(key), false));
    else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
      errs.push(...validateEmbedded(v, schema.additionalProperties, `${path}[${key}]`, false));
  }
  return errs;
}

/** Upstream's default: `<group>/<version> <Kind> is deprecated; use <group>/<newer> <Kind>`. */
function defaultDeprecationWarning(crd: V1CustomResourceDefinition, version: string, group: string, kind: string): string {
  let msg = `${group}/${version} ${kind} is deprecated`;
  const candidates = (crd.spec.versions ?? [])
    .filter((x) => x.served && !x.deprecated && x.name && x.name !== version && versionStability(x.name) >= versionStability(version))
    .map((x) => x.name!)
    .sort(compareKubeVersions);
  if (candidates.length) msg += `; use ${group}/${candidates[0]} ${kind}`;
  return msg;
}

// ------------------------------------------------------------------ Table

function printerTable(cols: readonly CustomResourceColumnDefinition[]): TableDef {
  const columns: TableColumn[] = [{ name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION }];
  const used: CustomResourceColumnDefinition[] = cols.length
    ? [...cols]
    : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DESCRIPTION }];
  for (const c of used) {
    const col: TableColumn = { name: c.name ?? '', type: (c.type ?? 'string') as TableColumn['type'], format: c.format ?? '', description: c.description ?? '' };
    if (c.priority) col.priority = c.priority;
    columns.push(col);
  }
  return {
    columns,
    cells(obj, now) {
      const out: unknown[] = [obj.metadata.name ?? ''];
      for (const c of used) {
        const value = evalSimpleJsonPath(obj, c.jsonPath ?? '');
        out.push(value === undefined ? null : cellValue(c.type ?? 'string', value, now));
      }
      return out;
    },
  };
}

/** cellForJSONValue / PrintResults: how one column value is rendered for its type. */
function cellValue(type: string, value: unknown, now: Date): unknown {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (Number.isNaN(Date.parse(value))) return '<invalid>';
      return humanAge(value, now);
    }
    default:
      return goPrint(value);
  }
}

/** How Go's text/template-style JSONPath printer shows a value: strings bare, maps as map[k:v], lists as [a b]. */
function goPrint(v: unknown): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goPrint(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

/**
 * Evaluates a simple JSON path (`.spec.replicas`, `.status.conditions[0].type`, `.metadata.labels.app`)
 * against an object; undefined when any step is missing.
 */
export function evalSimpleJsonPath(obj: unknown, path: string): unknown {
  if (!path.startsWith('.')) return undefined;
  if (path === '.') return obj;
  let cur: unknown = obj;
  for (const raw of path.slice(1).split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(raw);
    if (!m) return undefined;
    if (m[1]) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[m[1]];
    }
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[Number(idx[1])];
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function selectorValue(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

// ------------------------------------------------------------------ version priority

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

function versionStability(v: string): number {
  const m = KUBE_VERSION.exec(v);
  if (!m) return 0;
  return m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
}

/**
 * Kubernetes version priority (CompareKubeAwareVersionStrings): GA before beta before alpha,
 * higher numbers first; non-kube names last, alphabetically. Negative when `a` comes first.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma && !mb) return a < b ? -1 : a > b ? 1 : 0;
  if (!ma) return 1;
  if (!mb) return -1;
  const sa = versionStability(a);
  const sb = versionStability(b);
  if (sa !== sb) return sb - sa;
  const major = Number(mb[1]) - Number(ma[1]);
  if (major !== 0) return major;
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

export type { KubeObject };
