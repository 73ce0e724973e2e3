/**
 * Storage key layout: `/registry/<group or "core">/<plural>/[<namespace>/]<name>`.
 * Versions that share storage (ResourceDef.conversion) use the stored resource's key space.
 */
import type { ResourceDef } from '../../api/types.js';

export const REGISTRY_ROOT = '/registry/';

export function resourcePrefix(def: Pick<ResourceDef, 'group' | 'plural'>): string {
  return `${REGISTRY_ROOT}${def.group || 'core'}/${def.plural}/`;
}

/** Prefix of one namespace's objects ('' namespace: every namespace). */
export function listPrefix(def: Pick<ResourceDef, 'group' | 'plural' | 'namespaced'>, namespace: string): string {
  const p = resourcePrefix(def);
  return def.namespaced && namespace ? `${p}${namespace}/` : p;
}

export function objectKey(def: Pick<ResourceDef, 'group' | 'plural' | 'namespaced'>, namespace: string, name: string): string {
  const p = resourcePrefix(def);
  return def.namespaced ? `${p}${namespace}/${name}` : `${p}${name}`;
}
