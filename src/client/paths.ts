/**
 * URL building for the Kubernetes REST layout: `/api/v1` for the core group, `/apis/G/V` for the
 * others; `/namespaces/NS/` before the resource for namespaced requests; `/NAME[/SUB]` after it.
 */
import type { GVR } from './types.js';

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(gvr: GVR): string {
  return gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
}

/**
 * The path of a collection, an object or an object's subresource. `namespace` '' means cluster
 * scope (or all namespaces for list and watch). The core `namespaces` resource is never nested
 * under itself, so its namespace argument is ignored.
 */
export function resourcePath(gvr: GVR, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = groupVersionPath(gvr);
  const isNamespaceResource = gvr.group === '' && gvr.resource === 'namespaces';
  if (namespace && !isNamespaceResource) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${gvr.resource}`;
  if (name !== undefined && name !== '') {
    p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
  }
  return p;
}

/** Query parameters whose value is undefined are left out; booleans render as `true`/`false`. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

export function withQuery(path: string, params: QueryParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.append(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
