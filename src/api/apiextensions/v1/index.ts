/**
 * apiextensions.k8s.io/v1: the CustomResourceDefinition kind. Its controller (apiserver/crd)
 * accepts names, sets Established and serves the custom resources; this folder is the pure part:
 * schema, defaults, strategy, validation, and the CRD → ResourceDef translation.
 */
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import { CustomResourceDefinitionSchema } from './schema.js';
import { validateCrd, validateCrdUpdate, validateStatus } from './validation.js';
import { storageVersionOf, type V1CustomResourceDefinition } from './types.js';

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

export const crdStrategy: Strategy = {
  defaults: defaultCrd,
  prepareForCreate(o) {
    const crd = asCrd(o);
    crd.status = {};
    recordStorageVersion(crd);
  },
  prepareForUpdate(o, _old, ctx) {
    if (ctx.subresource !== '') return;
    const crd = asCrd(o);
    recordStorageVersion(crd);
  },
  validate(o, ctx) {
    if (ctx.subresource === 'status') return validateStatus(asCrd(o));
    return validateCrd(asCrd(o));
  },
  validateUpdate(o, old, ctx) {
    if (ctx.subresource === 'status') return [];
    return validateCrdUpdate(asCrd(o), asCrd(old));
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
