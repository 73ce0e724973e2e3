/**
 * Helpers for kinds that upstream serves through a CustomResourceDefinition (Argo Rollouts, Istio,
 * sealed-secrets, external-secrets, the VPA) and that Flotilla builds in, so that they behave as
 * the CRD-served originals do:
 *
 * - `printerColumns`: a TableDef from additionalPrinterColumns, rendered as apiextensions-apiserver's
 *   table convertor does (Name first; `string` cells print scalars as text and lists/maps as JSON;
 *   `integer` cells truncate numbers; `date` cells are ages; a missing value is a null cell, which
 *   kubectl prints blank; without columns, `Age`);
 * - `crdStrategy`: value validation with the schema (enum, bounds, required... with kube-openapi's
 *   messages, as a CRD's structural schema does) and Warning headers for the seed-only fields;
 * - `servedAlso`: the same kind under another version that shares its storage (apiVersion rewrite
 *   only, as a CRD with `conversion: None`).
 *
 * Pure: no I/O.
 */
import type { KubeObject, ResourceDef, Strategy, TableColumn, TableDef, ColumnType } from '../types.js';
import type { Schema } from '../schema/schema.js';
import { checkTypes, typeMismatchFieldError, validateValues } from '../schema/engine/index.js';
import { seedFieldWarnings } from './seed-fields.js';
import { humanAge } from '../../lib/duration/index.js';

/** One entry of a CRD version's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  type: ColumnType;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

const NAME_DESCRIPTION = 'The name of the object, unique within its namespace (or cluster, for cluster-scoped kinds).';

const CREATION_TIMESTAMP_DESCRIPTION = 'Time since the object was created (metadata.creationTimestamp).';

/** The `Age` column a CRD gets when it declares none (and that most CRDs declare explicitly). */
export const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: CREATION_TIMESTAMP_DESCRIPTION };

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'filter'; field: string; value: string };

/**
 * Parses the JSONPath subset CRD printer columns use in practice: `.a.b`, `.a[0].b`,
 * `.a[?(@.type=="Ready")].b` (either quote). Throws on anything else: a programming error here.
 */
export function parseColumnPath(path: string): Step[] {
  const steps: Step[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\?\(@\.([A-Za-z_$][\w$-]*)\s*==\s*(?:"([^"]*)"|'([^']*)')\)\]/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) throw new Error(`unsupported printer column path ${JSON.stringify(path)} at ${i}`);
    if (m[1] !== undefined) steps.push({ kind: 'field', name: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else steps.push({ kind: 'filter', field: m[3]!, value: m[4] ?? m[5] ?? '' });
    i = re.lastIndex;
  }
  return steps;
}

/** The first value a parsed path finds in `obj`, or undefined (JSONPath's "no results"). */
export function evalColumnPath(obj: unknown, steps: readonly Step[]): unknown {
  let cur: unknown = obj;
  for (const st of steps) {
    if (cur === undefined || cur === null) return undefined;
    if (st.kind === 'field') {
      if (typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[st.name];
    } else if (st.kind === 'index') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[st.index];
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = cur.find((e) => e !== null && typeof e === 'object' && String((e as Record<string, unknown>)[st.field]) === st.value);
    }
  }
  return cur;
}

/** Go's encoding/json text of a value (HTML-sensitive characters escaped as Go does). */
function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One cell as apiextensions-apiserver's tableconvertor computes it; `date` cells are rendered as
 * ages relative to `now` (ConvertToHumanReadableDateType), `<invalid>` when not a timestamp.
 */
export function columnCell(type: ColumnType, value: unknown, now: Date = new Date(0)): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      if (typeof value === 'object') return goJson(value);
      return String(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      if (typeof value !== 'string') return null;
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : humanAge(value, now);
  }
}

/** A TableDef equivalent to a CRD version's additionalPrinterColumns (Age when none are given). */
export function printerColumns(columns: readonly PrinterColumn[]): TableDef {
  const cols = columns.length ? columns : [AGE];
  const paths = cols.map((c) => parseColumnPath(c.jsonPath));
  const defs: TableColumn[] = [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION },
    ...cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
  return {
    columns: defs,
    cells: (obj: KubeObject, now: Date) => [obj.metadata.name ?? '', ...cols.map((c, i) => columnCell(c.type, evalColumnPath(obj, paths[i]!), now))],
  };
}

/**
 * The strategy of a CRD-served kind: every value constraint of the schema (what a structural
 * schema's validation reports, with the same messages), plus Warning headers for fields the seed
 * uses that the upstream project does not have (`product` names that project in the message).
 */
export function crdStrategy(schema: Schema, product: string, extra: Strategy = {}): Strategy {
  return {
    ...extra,
    // metadata.generation is the store's (compared after defaulting, as apiextensions does).
    validate(obj, ctx) {
      const view: Record<string, unknown> = { ...obj, metadata: undefined };
      // Decoded without Go types (ResourceDef.custom): type mismatches are validation errors (422);
      // metadata is the apiserver's business, checked apart.
      const { metadata: _metadata, ...typed } = obj;
      const mismatches = checkTypes(typed, schema, '', { style: 'openapi' }).map(typeMismatchFieldError);
      if (mismatches.length) return mismatches;
      return [...validateValues(view, schema), ...(extra.validate?.(obj, ctx) ?? [])];
    },
    warnings(obj, old) {
      return [...seedFieldWarnings(obj, schema, product), ...(extra.warnings?.(obj, old) ?? [])];
    },
  };
}

/** A copy of `obj` whose apiVersion is `apiVersion` (the only conversion between CRD versions here). */
function withApiVersion(obj: KubeObject, apiVersion: string): KubeObject {
  return { ...obj, apiVersion };
}

/**
 * The same kind served at another version of its group, stored as `stored` (schema and table the
 * same, `x-kubernetes-group-version-kind` adjusted). Conversion rewrites apiVersion only.
 */
export function servedAlso(stored: ResourceDef, version: string): ResourceDef {
  const gv = `${stored.group}/${version}`;
  const storedGv = `${stored.group}/${stored.version}`;
  const id = stored.schema.id?.replace(`.${stored.version}.`, `.${version}.`);
  return {
    ...stored,
    version,
    schema: { ...stored.schema, id, 'x-kubernetes-group-version-kind': [{ group: stored.group, version, kind: stored.kind }] },
    conversion: {
      storageVersion: storedGv,
      toStorage: (o) => withApiVersion(o, storedGv),
      fromStorage: (o) => withApiVersion(o, gv),
    },
  };
}
