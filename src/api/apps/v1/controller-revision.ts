/** apps/v1 ControllerRevision: schema, validation, printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { s, type Schema } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import { AGE_COLUMN, NAME_COLUMN, ageCell, jsonEqual, validateNonnegative } from '../shared/index.js';

export const ControllerRevisionSchema: Schema = kindSchema(
  'io.k8s.api.apps.v1.ControllerRevision',
  { group: 'apps', version: 'v1', kind: 'ControllerRevision' },
  {
    data: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    revision: s.int64(),
  },
  {
    required: ['revision'],
  },
);

/** Typed view of a ControllerRevision. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision?: number;
}
export const asControllerRevision = (o: KubeObject): ControllerRevision => o as ControllerRevision;

/** ValidateControllerRevision (without the generic metadata checks). */
export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  if (cr.data === undefined || cr.data === null) errs.push(fieldErrors.required('data', 'data is mandatory'));
  errs.push(...validateNonnegative(cr.revision ?? 0, 'revision'));
  return errs;
}

/** printers' formatResourceName for the controlling owner: `statefulset.apps/web`, or `<none>`. */
export function controllerOfName(obj: KubeObject): string {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const gk = group ? `${ref.kind}.${group}` : ref.kind;
  return gk ? `${gk.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerRevision: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  schema: ControllerRevisionSchema,
  generation: false,
  strategy: {
    validate: (obj) => validateControllerRevision(asControllerRevision(obj)),
    validateUpdate(obj, old) {
      const n = asControllerRevision(obj).data;
      return jsonEqual(n, asControllerRevision(old).data) ? [] : [fieldErrors.invalid('data', n, 'field is immutable')];
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Controller', type: 'string', description: 'The object that owns this revision (its controller owner reference).' },
      { name: 'Revision', type: 'string', description: 'The revision number of the stored state.' },
      AGE_COLUMN,
    ],
    cells: (obj, now) => [obj.metadata.name ?? '', controllerOfName(obj), asControllerRevision(obj).revision ?? 0, ageCell(obj, now)],
  },
};
