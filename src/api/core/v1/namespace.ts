/** The core/v1 Namespace resource. */
import { s } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { isQualifiedName } from '../../validation/names.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './table-util.js';
import { type Errs, FieldPath, arr, invalid, msgs, nameIsDNSLabel } from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

export const NamespaceSchema = kindSchema(
  `${CORE}.Namespace`,
  { group: '', version: 'v1', kind: 'Namespace' },
  {
    spec: s.object(
      {
        finalizers: s.array(s.string(), {
          listType: 'atomic',
          description: 'An opaque list of values that must be empty to permanently remove the object from storage.',
        }),
      },
      { id: `${CORE}.NamespaceSpec`, description: 'The behavior of the Namespace.' },
    ),
    status: s.object(
      {
        phase: s.string({ enum: ['Active', 'Terminating'], description: 'The current lifecycle phase of the namespace: Active or Terminating.' }),
        conditions: s.array(
          s.object(
            { type: s.string(), status: s.string(), lastTransitionTime: Time, reason: s.string(), message: s.string() },
            { id: `${CORE}.NamespaceCondition`, required: ['type', 'status'] },
          ),
          { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] },
        ),
      },
      { id: `${CORE}.NamespaceStatus`, description: 'The current status of a Namespace.' },
    ),
  },
  {},
);

interface V1Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: unknown[] };
}
const asNs = (o: KubeObject) => o as V1Namespace;

/** Label every namespace carries with its own name (SetDefaults_Namespace). */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** SetDefaults_Namespace + SetDefaults_NamespaceStatus. */
export function defaultNamespace(ns: V1Namespace): void {
  if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [LABEL_METADATA_NAME]: ns.metadata.name };
  if (ns.status && !ns.status.phase) ns.status.phase = 'Active';
}

/** validateFinalizerName: qualified, and standard unless domain-prefixed. */
export function validateFinalizerName(name: string, path: FieldPath): Errs {
  const errs = msgs(path, name, isQualifiedName(name));
  if (errs.length === 0 && !name.includes('/') && !STANDARD_FINALIZERS.has(name))
    errs.push(invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  return errs;
}

export const namespaceResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  schema: NamespaceSchema,
  subresources: { status: true },
  generation: false,
  validateName: nameIsDNSLabel,
  strategy: {
    defaults: (o) => defaultNamespace(asNs(o)),
    prepareForCreate: (o) => {
      const ns = asNs(o);
      ns.status = { phase: 'Active' };
      const fin = arr(ns.spec?.finalizers);
      if (!fin.includes('kubernetes')) ns.spec = { ...(ns.spec ?? {}), finalizers: [...fin, 'kubernetes'] };
    },
    prepareForUpdate: (o, old, ctx) => {
      const ns = asNs(o);
      // Finalizers change only through /finalize; status only through /status.
      if (ctx.subresource === '') {
        ns.spec = { ...(ns.spec ?? {}), finalizers: asNs(old).spec?.finalizers };
        if (ns.spec.finalizers === undefined) delete ns.spec.finalizers;
        ns.status = asNs(old).status;
      } else if (ctx.subresource === 'finalize') {
        ns.status = asNs(old).status;
      }
    },
    validateUpdate: (o, _old, ctx) => {
      if (ctx.subresource !== 'status') return [];
      const ns = asNs(o);
      const phase = ns.status?.phase ?? '';
      const pp = FieldPath.root('status').child('Phase');
      if (!ns.metadata.deletionTimestamp) return phase === 'Active' ? [] : [invalid(pp, phase, "may only be 'Active' if `deletionTimestamp` is empty")];
      return phase === 'Terminating' ? [] : [invalid(pp, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
    },
    validate: (o) => {
      const errs: Errs = [];
      arr(asNs(o).spec?.finalizers).forEach((f) => errs.push(...validateFinalizerName(f, FieldPath.root('spec').child('finalizers'))));
      return errs;
    },
  },
  table: {
    columns: [NAME_COLUMN, col('Status', 'string', 'The namespace phase: Active or Terminating.'), AGE_COLUMN],
    cells: (o, now) => [o.metadata.name ?? '', asNs(o).status?.phase ?? '', age(o, now)],
  },
  fieldSelectors: {
    'status.phase': (o) => asNs(o).status?.phase ?? '',
    name: (o) => o.metadata.name ?? '',
  },
};
