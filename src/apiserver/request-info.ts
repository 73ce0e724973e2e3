/**
 * Parses a request path into what it addresses, as upstream's RequestInfoFactory does:
 *   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
 *   /apis/{group}/{version}/{resource}   (cluster-scoped or all-namespaces)
 * `namespaces/{name}` is itself the namespace resource unless followed by another resource.
 * Pure: no I/O.
 */
import { exactMatch, parseFieldSelector } from '../lib/fields/index.js';

export type RequestVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'proxy'
  | 'connect';

export interface ResourceRequestInfo {
  isResourceRequest: true;
  verb: RequestVerb;
  apiPrefix: 'api' | 'apis';
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /**
   * list/watch without a name in the path whose fieldSelector requires `metadata.name=X`: X (the
   * name upstream's RequestInfoFactory gives the authorizers; handlers keep using `name`).
   */
  selectorName?: string;
  /** Path segments after the version. */
  parts: string[];
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
  verb: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** Returns undefined when the path is an API path shorter than group/version (discovery). */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const segs = path.split('/').filter((s) => s.length > 0).map(safeDecode);
  const lowerMethod = method.toLowerCase();
  const nonResource: NonResourceRequestInfo = { isResourceRequest: false, path, verb: lowerMethod };
  if (segs.length === 0) return nonResource;
  const prefix = segs[0];
  let rest: string[];
  let group = '';
  let version: string;
  if (prefix === 'api') {
    if (segs.length < 2) return nonResource;
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (prefix === 'apis') {
    if (segs.length < 3) return nonResource;
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return nonResource;
  }
  if (rest.length === 0) return nonResource;
  const info: ResourceRequestInfo = {
    isResourceRequest: true,
    verb: 'get',
    apiPrefix: prefix,
    group,
    version,
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: rest,
  };
  let parts = rest;
  // Legacy watch paths: /api/v1/watch/namespaces/x/pods
  let legacyWatch = false;
  if (parts[0] === 'watch') {
    legacyWatch = true;
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces' && parts.length > 1) {
    // As upstream: the namespace of /namespaces/{ns}/... is {ns}; a following segment that is not a
    // namespace subresource (status, finalize) starts a namespaced resource.
    info.namespace = parts[1]!;
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
  }
  info.parts = parts;
  info.resource = parts[0] ?? '';
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 3) info.subresource = parts.slice(2).join('/');
  switch (lowerMethod) {
    case 'get':
    case 'head':
      if (info.name) info.verb = 'get';
      else info.verb = legacyWatch || isWatch(query) ? 'watch' : 'list';
      if (info.name && (legacyWatch || isWatch(query))) info.verb = 'watch';
      break;
    case 'post':
      info.verb = 'create';
      break;
    case 'put':
      info.verb = 'update';
      break;
    case 'patch':
      info.verb = 'patch';
      break;
    case 'delete':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = 'get';
  }
  if (!info.name && (info.verb === 'list' || info.verb === 'watch')) {
    const n = selectorName(query.get('fieldSelector'));
    if (n) info.selectorName = n;
  }
  return info;
}

/** metadata.name of a field selector that requires an exact match, when it is a valid path segment. */
function selectorName(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  let n: string | undefined;
  try {
    n = exactMatch(parseFieldSelector(fieldSelector), 'metadata.name');
  } catch {
    return undefined;
  }
  // upstream: path.IsValidPathSegmentName
  if (!n || n === '.' || n === '..' || n.includes('/') || n.includes('%')) return undefined;
  return n;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function isWatch(q: URLSearchParams): boolean {
  const w = q.get('watch');
  return w === 'true' || w === '1';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
