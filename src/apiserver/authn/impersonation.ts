/**
 * Impersonation (upstream k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): after
 * authentication, `Impersonate-User`, `Impersonate-Group` (repeated), `Impersonate-Uid` and
 * `Impersonate-Extra-<key>` headers make the request act as another user, when the authenticated
 * user may `impersonate` each of them:
 *   users/<name> (group ""), serviceaccounts/<name> in the account's namespace (group ""),
 *   groups/<name> (group ""), uids/<uid> and userextras/<key> with name <value>
 *   (group authentication.k8s.io).
 * A refused check answers 403 with the usual forbidden message for that check; groups, uid or
 * extras without a user are an error (500, as upstream). Without the headers the user is returned
 * unchanged.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { UserInfo } from '../../api/types.js';
import { ApiError } from '../../lib/errors.js';
import type { Attributes, AuthorizationResult } from '../authz/types.js';
import { forbiddenError } from '../authz/forbidden.js';
import { SYSTEM_AUTHENTICATED } from './authenticator.js';

export const IMPERSONATE_USER = 'impersonate-user';
export const IMPERSONATE_GROUP = 'impersonate-group';
export const IMPERSONATE_UID = 'impersonate-uid';
export const IMPERSONATE_EXTRA_PREFIX = 'impersonate-extra-';
const SA_PREFIX = 'system:serviceaccount:';
const ANONYMOUS = 'system:anonymous';

export interface ImpersonationRequest {
  user: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

/** The requested identity, or undefined when no impersonation header is present. Throws ApiError 500 on groups/extra/uid without a user. */
export function parseImpersonation(headers: IncomingHttpHeaders): ImpersonationRequest | undefined {
  const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const user = all(headers[IMPERSONATE_USER])[0];
  // Node joins repeated headers other than a few with ", "; client-go sends one value per header.
  const groups = all(headers[IMPERSONATE_GROUP]).flatMap((g) => g.split(/,\s*/)).filter((g) => g !== '');
  const uid = all(headers[IMPERSONATE_UID])[0];
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith(IMPERSONATE_EXTRA_PREFIX)) continue;
    let key = k.slice(IMPERSONATE_EXTRA_PREFIX.length);
    try {
      key = decodeURIComponent(key);
    } catch {
      // keep the raw key, as upstream does for undecodable ones
    }
    extra[key] = all(v).flatMap((x) => x.split(/,\s*/));
  }
  const hasOther = groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0;
  if (user === undefined) {
    if (!hasOther) return undefined;
    const what = [...groups.map((g) => `groups:${g}`), ...(uid !== undefined ? [`uids:${uid}`] : []), ...Object.keys(extra).map((k) => `userextras/${k}`)];
    throw new ApiError('InternalError', 500, `Internal error occurred: requested [${what.join(' ')}] without impersonating a user`, {});
  }
  return { user, groups, ...(uid !== undefined ? { uid } : {}), extra };
}

/**
 * Checks every part of the request with `authorize` and returns the impersonated user. Throws the
 * 403 ApiError of the first refused check.
 */
export async function impersonate(
  actor: UserInfo,
  req: ImpersonationRequest,
  authorize: (attrs: Attributes) => Promise<AuthorizationResult>,
): Promise<UserInfo> {
  const base = { user: actor, verb: 'impersonate', isResourceRequest: true, path: '', apiVersion: '', subresource: '' };
  const check = async (attrs: Attributes): Promise<void> => {
    const r = await authorize(attrs);
    if (r.decision !== 'allow') throw forbiddenError(attrs, r.reason);
  };
  let username = req.user;
  let groups = [...req.groups];
  if (username.startsWith(SA_PREFIX)) {
    const rest = username.slice(SA_PREFIX.length);
    const i = rest.indexOf(':');
    const ns = i > 0 ? rest.slice(0, i) : '';
    const name = i > 0 ? rest.slice(i + 1) : '';
    if (ns && name && !name.includes(':')) {
      await check({ ...base, namespace: ns, apiGroup: '', resource: 'serviceaccounts', name });
      if (groups.length === 0) groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
    } else {
      await check({ ...base, namespace: '', apiGroup: '', resource: 'users', name: username });
    }
  } else {
    await check({ ...base, namespace: '', apiGroup: '', resource: 'users', name: username });
  }
  for (const g of req.groups) await check({ ...base, namespace: '', apiGroup: '', resource: 'groups', name: g });
  if (req.uid !== undefined) await check({ ...base, namespace: '', apiGroup: 'authentication.k8s.io', resource: 'uids', name: req.uid });
  for (const [k, vs] of Object.entries(req.extra))
    for (const v of vs) await check({ ...base, namespace: '', apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  if (username === ANONYMOUS) {
    if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  } else if (!groups.includes(SYSTEM_AUTHENTICATED)) groups.push(SYSTEM_AUTHENTICATED);
  username = req.user;
  return { username, groups, ...(req.uid !== undefined ? { uid: req.uid } : {}), ...(Object.keys(req.extra).length ? { extra: req.extra } : {}) };
}

/** Removes the impersonation headers (they must not reach handlers or proxied backends). */
export function stripImpersonationHeaders(headers: IncomingHttpHeaders): void {
  for (const k of Object.keys(headers)) if (k === IMPERSONATE_USER || k === IMPERSONATE_GROUP || k === IMPERSONATE_UID || k.startsWith(IMPERSONATE_EXTRA_PREFIX)) delete headers[k];
}
