/**
 * The apiserver's per-request identity and authorization steps, between authentication and
 * routing (upstream's filter chain: authentication → impersonation → authorization):
 * - no credentials: 401, or `system:anonymous` with `--anonymous-auth` (a bearer token nobody
 *   recognized is still 401, as upstream);
 * - impersonation headers: checked with the `impersonate` verb, then the request acts as the
 *   impersonated user;
 * - authorization of the request's attributes; refused → upstream's 403 (see forbidden.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../../api/types.js';
import { unauthorized } from '../../lib/errors.js';
import type { RequestInfo } from '../request-info.js';
import { impersonate, parseImpersonation, stripImpersonationHeaders } from '../authn/impersonation.js';
import type { Authorization } from './authorization.js';
import { forbiddenError } from './forbidden.js';
import type { Attributes } from './types.js';

export const ANONYMOUS_USER: UserInfo = Object.freeze({ username: 'system:anonymous', groups: Object.freeze(['system:unauthenticated']) as string[] });

export interface UserResolution {
  /** --anonymous-auth (default off). */
  anonymous: boolean;
  authz: Authorization;
}

/** The user a request acts as. Throws 401 (no identity), 403 (impersonation refused), 500 (bad impersonation headers). */
export async function resolveUser(req: IncomingMessage, authenticated: UserInfo | undefined, opts: UserResolution): Promise<UserInfo> {
  let user = authenticated;
  if (!user) {
    if (!opts.anonymous || req.headers['authorization'] !== undefined) throw unauthorized();
    user = { username: ANONYMOUS_USER.username, groups: [...ANONYMOUS_USER.groups] };
  }
  const wanted = parseImpersonation(req.headers);
  if (!wanted) return user;
  const acting = await impersonate(user, wanted, (a) => opts.authz.authorize(a));
  stripImpersonationHeaders(req.headers);
  return acting;
}

export function requestAttributes(user: UserInfo, info: RequestInfo): Attributes {
  if (!info.isResourceRequest)
    return { user, verb: info.verb, isResourceRequest: false, path: info.path, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
  return {
    user,
    verb: info.verb,
    isResourceRequest: true,
    path: '',
    namespace: info.namespace,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    // list/watch of one object by fieldSelector=metadata.name=X are authorized for X, as upstream.
    name: info.name || info.selectorName || '',
  };
}

/** Throws upstream's 403 unless the request is allowed. */
export async function authorizeRequest(authz: Authorization, user: UserInfo, info: RequestInfo): Promise<void> {
  const attrs = requestAttributes(user, info);
  const r = await authz.authorize(attrs);
  if (r.decision !== 'allow') throw forbiddenError(attrs, r.reason);
}
