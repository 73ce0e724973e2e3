/**
 * apiextensions.k8s.io/v1: the CustomResourceDefinition kind. Its controller (apiserver/crd)
 * accepts names, sets Established and serves the custom resources; this folder is the pure part:
 * schema, defaults, strategy, validation, and the CRD → ResourceDef translation.
 */
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import { CustomResourceDefinitionSchema } from './schema.js';
import { validateCrd, validateCrdUpdate, validateStatus } from './validation.js';
import { CUSTOM_RESOURCE_CLEANUP_FINALIZER, storageVersionOf, type V1CustomResourceDefinition } from './types.js';

export * from './types.js';
export { validateCrd, validateCrdUpdate, validateStatus, validateSimpleJsonPath } from './validation.js';
export { customResourceDefs, storageResourceDef, evalSimpleJsonPath, compareKubeVersions } from './custom-resource.js';
export { customResourceSchema, toEngineSchema } from './schema-convert.js';
export { CustomResourceDefinitionSchema } from './schema.js';

const asCrd = (o: KubeObject) => o as V1CustomResourceDefinition;

/** SetDefaults_CustomResourceDefinitionSpec (v1). */
export function defaultCrd(o: KubeObject): void {
  const crd = asCrd(o);
  if (!crd.spec || typeof crd.spec !== 'object') return;
  const names = crd.spec.names;
  if (names && typeof names === 'object') {
    if (!names.singular && names.kind) names.singular = names.kind.toLowerCase();
    if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  }
  if (!crd.spec.conversion) crd.spec.conversion = { strategy: 'None' };
}

/** Adds the storage version to status.storedVersions (upstream's strategy does this on every write). */
function recordStorageVersion(crd: V1CustomResourceDefinition): void {
  const storage = storageVersionOf(crd);
  if (!storage) return;
  const status = (crd.status ??= {});
  const stored = (status.storedVersions ??= []);
  if (!stored.includes(storage)) stored.push(storage);
}

/** Set by prepareForUpdate on the object being written: the cleanup finalizer was on it. */
const HAD_CLEANUP: unique symbol = Symbol('hadCleanupFinalizer');
type Marked = V1CustomResourceDefinition & { [HAD_CLEANUP]?: boolean };

function stripCleanup(crd: V1CustomResourceDefinition): boolean {
  const f = crd.metadata.finalizers;
  if (!f?.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) return false;
  crd.metadata.finalizers = f.filter((x) => x !== CUSTOM_RESOURCE_CLEANUP_FINALIZER);
  if (!crd.metadata.finalizers.length) delete crd.metadata.finalizers;
  return true;
}

function addCleanup(crd: V1CustomResourceDefinition): void {
  const f = (crd.metadata.finalizers ??= []);
  if (!f.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) f.push(CUSTOM_RESOURCE_CLEANUP_FINALIZER);
}

/**
 * The customresourcecleanup finalizer: every live CRD carries it, so a DELETE only marks the CRD
 * (deletionTimestamp) and the controller deletes its custom objects before removing the finalizer
 * (upstream adds it on the first DELETE, which the generic store has no hook for).
 *
 * The generic ObjectMeta validation applies the core rule that finalizer names contain a '/'
 * (apiextensions uses apimachinery's rules, which do not), so the finalizer is taken off before
 * validation (prepareFor*) and put back after it (in `warnings`, the last hook of a write). It is
 * kept while the write had it; a write of a deleting CRD without it (the controller, at the end)
 * removes it.
 */
export const crdStrategy: Strategy = {
  defaults: defaultCrd,
  prepareForCreate(o) {
    const crd = asCrd(o);
    crd.status = {};
    recordStorageVersion(crd);
    stripCleanup(crd);
  },
  prepareForUpdate(o, _old, ctx) {
    const crd = asCrd(o) as Marked;
    if (ctx.subresource === '') recordStorageVersion(crd);
    crd[HAD_CLEANUP] = stripCleanup(crd);
  },
  validate(o, ctx) {
    if (ctx.subresource === 'status') return validateStatus(asCrd(o));
    return validateCrd(asCrd(o));
  },
  validateUpdate(o, old, ctx) {
    if (ctx.subresource === 'status') return [];
    return validateCrdUpdate(asCrd(o), asCrd(old));
  },
  warnings(o, old) {
    const crd = asCrd(o) as Marked;
    const had = crd[HAD_CLEANUP] === true;
    delete crd[HAD_CLEANUP];
    if (!old) {
      if (!crd.metadata.deletionTimestamp) addCleanup(crd);
    } else if (had || !crd.metadata.deletionTimestamp) addCleanup(crd);
    return [];
  },
};

export const customResourceDefinitionResource: ResourceDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  schema: CustomResourceDefinitionSchema,
  subresources: { status: true },
  strategy: crdStrategy,
};

export const resources: ResourceDef[] = [customResourceDefinitionResource];
