/**
 * POST handlers of the review kinds (nothing is stored; the answer is the request with its status,
 * 201 as upstream's create):
 * - authorization.k8s.io/v1 SelfSubjectAccessReview (the caller), SubjectAccessReview (spec.user,
 *   groups, extra, uid), LocalSubjectAccessReview (namespace of the URL), SelfSubjectRulesReview
 *   (the caller's rules in spec.namespace);
 * - authentication.k8s.io/v1 SelfSubjectReview (the caller's user info) and TokenReview
 *   (spec.token through the bearer-token authenticators).
 * Bodies are read with the shared body parser (JSON, YAML, protobuf).
 */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../../api/types.js';
import { validateAccessReviewSpec, type V1SelfSubjectRulesReview, type V1SubjectAccessReview } from '../../api/authorization/v1/index.js';
import type { V1SelfSubjectReview, V1TokenReview } from '../../api/authentication/v1/index.js';
import { ApiError, badRequest, invalid, isApiError, methodNotSupported } from '../../lib/errors.js';
import { fieldErrors } from '../../lib/field-error.js';
import { readBody, sendObject } from '../http-util.js';
import { parseBody } from '../decode.js';
import type { ResourceRequest } from '../handlers/resource.js';
import type { Attributes } from './types.js';
import type { Authorization } from './authorization.js';

export interface ReviewDeps {
  authorization: Authorization;
  /** Authenticates a bearer token as a request carrying it would be; undefined when nobody knows it. */
  authenticateToken(token: string): Promise<UserInfo | undefined>;
  /** The API server's audiences (TokenReview's default). */
  apiAudiences?: string[];
}

const REVIEW_KINDS: Record<string, string> = {
  'authorization.k8s.io/selfsubjectaccessreviews': 'SelfSubjectAccessReview',
  'authorization.k8s.io/subjectaccessreviews': 'SubjectAccessReview',
  'authorization.k8s.io/localsubjectaccessreviews': 'LocalSubjectAccessReview',
  'authorization.k8s.io/selfsubjectrulesreviews': 'SelfSubjectRulesReview',
  'authentication.k8s.io/selfsubjectreviews': 'SelfSubjectReview',
  'authentication.k8s.io/tokenreviews': 'TokenReview',
};

/** Whether a resource is one of the review kinds served here. */
export function isReviewResource(group: string, plural: string): boolean {
  return `${group}/${plural}` in REVIEW_KINDS;
}

export async function handleReview(r: ResourceRequest, deps: ReviewDeps): Promise<void> {
  const { def, info } = r;
  const kind = REVIEW_KINDS[`${def.group}/${def.plural}`]!;
  if (info.verb !== 'create' || info.subresource || info.name) throw methodNotSupported({ group: def.group, resource: def.plural }, info.verb);
  // Protobuf bodies (client-go's typed clients) name their kind; `into` is the one expected here.
  const { value } = parseBody(await readBody(r.req), r.req.headers['content-type'], { apiVersion: `${def.group}/${def.version}`, kind });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest(`the object provided is not a ${kind}`);
  const obj = value as Record<string, unknown>;
  const apiVersion = `${def.group}/${def.version}`;
  if (obj['kind'] !== undefined && obj['kind'] !== kind)
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): kind "${String(obj['kind'])}" does not match`);
  if (obj['apiVersion'] !== undefined && obj['apiVersion'] !== apiVersion && !(typeof obj['apiVersion'] === 'string' && obj['apiVersion'].startsWith(`${def.group}/`)))
    throw badRequest(`the API version in the data (${String(obj['apiVersion'])}) does not match the expected API version (${apiVersion})`);
  const meta = (obj['metadata'] && typeof obj['metadata'] === 'object' ? obj['metadata'] : {}) as Record<string, unknown>;
  const out = { ...obj, apiVersion, kind, metadata: { ...meta, creationTimestamp: null } } as Record<string, unknown>;
  delete (out.metadata as Record<string, unknown>)['managedFields'];

  switch (kind) {
    case 'SelfSubjectAccessReview':
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      const sar = out as unknown as V1SubjectAccessReview;
      const spec = sar.spec ?? {};
      const errs = validateAccessReviewSpec(spec, kind === 'SelfSubjectAccessReview');
      if (kind === 'LocalSubjectAccessReview') {
        if (!info.namespace) throw badRequest('namespace is required on this type: ');
        if (spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== info.namespace)
          throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${info.namespace}`);
        (sar.metadata as Record<string, unknown>)['namespace'] = info.namespace;
      }
      if (errs.length) throw invalid(def.group, kind, '', errs);
      const user: UserInfo =
        kind === 'SelfSubjectAccessReview'
          ? r.user
          : { username: spec.user ?? '', groups: [...(spec.groups ?? [])], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
      const attrs = attributesOf(spec, user);
      const res = await deps.authorization.authorize(attrs);
      const reason = res.decision === 'allow' ? deps.authorization.allowReason(attrs) : res.reason;
      sar.status = {
        allowed: res.decision === 'allow',
        ...(res.decision === 'deny' ? { denied: true } : {}),
        ...(reason ? { reason } : {}),
        ...(res.evaluationError ? { evaluationError: res.evaluationError } : {}),
      };
      sendObject(r.res, 201, sar);
      return;
    }
    case 'SelfSubjectRulesReview': {
      const srr = out as unknown as V1SelfSubjectRulesReview;
      const ns = srr.spec?.namespace ?? '';
      if (!ns) throw badRequest('no namespace on request');
      const rules = deps.authorization.rulesFor(r.user, ns);
      srr.status = {
        resourceRules: rules.resourceRules,
        nonResourceRules: rules.nonResourceRules,
        incomplete: rules.incomplete,
        ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
      };
      sendObject(r.res, 201, srr);
      return;
    }
    case 'SelfSubjectReview': {
      const ssr = out as unknown as V1SelfSubjectReview;
      ssr.status = { userInfo: userInfoOut(r.user) };
      sendObject(r.res, 201, ssr);
      return;
    }
    case 'TokenReview': {
      const tr = out as unknown as V1TokenReview;
      const token = tr.spec?.token ?? '';
      if (!token) throw invalid(def.group, kind, '', [fieldErrors.required('spec.token', 'token must not be empty')]);
      const audiences = tr.spec?.audiences?.length ? tr.spec.audiences : (deps.apiAudiences ?? []);
      try {
        const user = await deps.authenticateToken(token);
        tr.status = user ? { authenticated: true, user: userInfoOut(user), audiences } : { user: {}, error: '[invalid bearer token, unknown token]' };
      } catch (e) {
        if (!isApiError(e) || e.code !== 401) throw e;
        tr.status = { user: {}, error: '[invalid bearer token, token lookup failed]' };
      }
      sendObject(r.res, 201, tr);
      return;
    }
  }
  throw new ApiError('NotFound', 404, 'the server could not find the requested resource', {});
}

/** ResourceAttributesFrom / NonResourceAttributesFrom. */
export function attributesOf(spec: V1SubjectAccessReview['spec'] & object, user: UserInfo): Attributes {
  const ra = spec.resourceAttributes;
  if (ra)
    return {
      user,
      verb: ra.verb ?? '',
      isResourceRequest: true,
      path: '',
      namespace: ra.namespace ?? '',
      apiGroup: ra.group ?? '',
      apiVersion: ra.version ?? '',
      resource: ra.resource ?? '',
      subresource: ra.subresource ?? '',
      name: ra.name ?? '',
    };
  const nr = spec.nonResourceAttributes ?? {};
  return { user, verb: nr.verb ?? '', isResourceRequest: false, path: nr.path ?? '', namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

function userInfoOut(u: UserInfo) {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

/** A stand-in request carrying only a bearer token (TokenReview runs the token authenticators on it). */
export function bearerRequest(token: string): IncomingMessage {
  return { headers: { authorization: `Bearer ${token}` }, socket: {}, method: 'POST', url: '/' } as unknown as IncomingMessage;
}
