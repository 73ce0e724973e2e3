/**
 * POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token (TokenRequest), as upstream's
 * TokenREST.Create: the account must exist; audiences default to the API server's; the request is
 * validated (expirationSeconds ≥ 600), passes admission (CREATE serviceaccounts/token: the
 * NodeRestriction checks of node-requested tokens); a boundObjectRef to a Pod (or Secret) must
 * exist, run as this account and carry the same uid; the answer is the request with
 * status.token (a JWT signed with the service-account key) and status.expirationTimestamp.
 * Nothing is stored. With expiration extension on, kubelet's 3607 s tokens for the API's own
 * audiences live a year but say `warnafter` (upstream's default); the status shows 3607 s.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/types.js';
import {
  EXPIRATION_EXTENSION_SECONDS,
  TOKEN_REQUEST_API_VERSION,
  TOKEN_REQUEST_GROUP,
  WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
  boundTokenClaims,
  defaultTokenRequest,
  validateTokenRequest,
  type ObjectRef,
  type V1TokenRequest,
} from '../../api/authentication/v1/index.js';
import { badRequest, conflict, internalError, invalid, isApiError } from '../../lib/errors.js';
import { fieldErrors } from '../../lib/field-error.js';
import { readBody, sendObject } from '../http-util.js';
import { parseBody } from '../decode.js';
import type { AdmissionChain } from '../admission/types.js';
import type { ResourceStore } from '../registry/store.js';
import type { HandlerEnv, ResourceRequest } from './resource.js';
import type { BoundTokenSigner } from './token-signer.js';

export interface ServiceAccountTokenOptions {
  /** Signs the claims; may throw (e.g. key not loaded yet) → 500. */
  sign: BoundTokenSigner;
  /** The `iss` claim (--service-account-issuer); default https://kubernetes.default.svc.cluster.local. */
  issuer?: string;
  /** The API server's audiences, the default of spec.audiences; default [issuer]. */
  apiAudiences?: string[];
  /** --service-account-extend-token-expiration (default true). */
  extendExpiration?: boolean;
  /** --service-account-max-token-expiration in seconds (0/undefined: no limit). */
  maxExpirationSeconds?: number;
}

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface TokenRequestDeps {
  options: ServiceAccountTokenOptions;
  admission: AdmissionChain;
  /** The store of a core/v1 resource ('serviceaccounts', 'pods', 'secrets', 'nodes'). */
  store(plural: string): ResourceStore | undefined;
  /** jti generator (tests); default randomUUID. */
  uid?: () => string;
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

async function getOrUndefined(store: ResourceStore | undefined, ns: string, name: string): Promise<KubeObject | undefined> {
  if (!store) return undefined;
  try {
    return await store.get(ns, name);
  } catch (e) {
    if (isApiError(e) && e.reason === 'NotFound') return undefined;
    throw e;
  }
}

export async function handleTokenRequest(r: ResourceRequest, env: HandlerEnv, deps: TokenRequestDeps): Promise<void> {
  const opts = deps.options;
  const body = await readBody(r.req);
  const { value } = parseBody(body, r.req.headers['content-type'], { apiVersion: TOKEN_REQUEST_API_VERSION, kind: 'TokenRequest' });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the object provided is not a TokenRequest');
  const tr = value as V1TokenRequest;
  if (tr.kind !== undefined && tr.kind !== 'TokenRequest')
    throw badRequest(`the object provided is unrecognized (must be of type TokenRequest): kind "${String(tr.kind)}" does not match`);
  if (tr.apiVersion !== undefined && tr.apiVersion !== TOKEN_REQUEST_API_VERSION)
    throw badRequest(`the API version in the data (${String(tr.apiVersion)}) does not match the expected API version (${TOKEN_REQUEST_API_VERSION})`);
  tr.apiVersion = TOKEN_REQUEST_API_VERSION;
  tr.kind = 'TokenRequest';
  const meta = (tr.metadata ??= {});
  const name = r.info.name;
  const namespace = r.info.namespace;
  if (meta.name && meta.name !== name)
    throw invalid(TOKEN_REQUEST_GROUP, 'TokenRequest', name, [fieldErrors.invalid('metadata.name', meta.name, 'must match the service account name if specified')]);
  if (meta.namespace && meta.namespace !== namespace)
    throw invalid(TOKEN_REQUEST_GROUP, 'TokenRequest', name, [fieldErrors.invalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);

  const sa = await deps.store('serviceaccounts')!.get(namespace, name);
  const issuer = opts.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  const apiAudiences = opts.apiAudiences ?? [issuer];
  defaultTokenRequest(tr);
  const spec = tr.spec!;
  if (!spec.audiences?.length) spec.audiences = [...apiAudiences];
  meta.name ||= name;
  meta.namespace ||= namespace;
  const now = env.now();
  meta.creationTimestamp = rfc3339(now);
  tr.status = {};
  const errs = validateTokenRequest(tr);
  if (errs.length) throw invalid(TOKEN_REQUEST_GROUP, 'TokenRequest', '', errs);

  const areq = {
    operation: 'CREATE' as const,
    def: r.def,
    namespace,
    name,
    object: structuredClone(tr) as KubeObject,
    subresource: 'token',
    user: r.user,
    dryRun: r.query.has('dryRun'),
  };
  await deps.admission.admit(areq);
  await deps.admission.validate(areq);

  let pod: ObjectRef | undefined;
  let node: ObjectRef | undefined;
  let secret: ObjectRef | undefined;
  const ref = spec.boundObjectRef;
  if (ref) {
    const [group] = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/') : [''];
    const refName = ref.name ?? '';
    let uid: string | undefined;
    if (group === '' && ref.kind === 'Pod') {
      const p = await deps.store('pods')!.get(namespace, refName);
      const podSpec = (p['spec'] ?? {}) as { serviceAccountName?: string; nodeName?: string };
      if (name !== podSpec.serviceAccountName)
        throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      uid = p.metadata.uid ?? '';
      pod = { name: refName, uid };
      if (podSpec.nodeName) {
        const n = await getOrUndefined(deps.store('nodes'), '', podSpec.nodeName);
        if (n) node = { name: podSpec.nodeName, uid: n.metadata.uid ?? '' };
      }
    } else if (group === '' && ref.kind === 'Secret') {
      const s = await deps.store('secrets')!.get(namespace, refName);
      uid = s.metadata.uid ?? '';
      secret = { name: refName, uid };
    } else {
      throw badRequest(`cannot bind token to object of type ${group ? `${group}/` : ''}${ref.apiVersion?.split('/').pop() ?? ''}, Kind=${ref.kind ?? ''}`);
    }
    if (ref.uid && ref.uid !== uid)
      throw conflict(
        { group: '', resource: ref.kind ?? '' },
        refName,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
  }

  const warnings: string[] = [];
  if (opts.maxExpirationSeconds && spec.expirationSeconds! > opts.maxExpirationSeconds) {
    warnings.push(`requested expiration of ${spec.expirationSeconds} seconds shortened to ${opts.maxExpirationSeconds} seconds`);
    spec.expirationSeconds = opts.maxExpirationSeconds;
  }
  let exp = spec.expirationSeconds!;
  let warnAfter: number | undefined;
  const kubeAudiences = spec.audiences.every((a) => apiAudiences.includes(a));
  if ((opts.extendExpiration ?? true) && pod && exp === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && kubeAudiences) {
    warnAfter = exp;
    exp = EXPIRATION_EXTENSION_SECONDS;
  }
  const claims = boundTokenClaims({
    issuer,
    serviceAccount: { namespace, name, uid: sa.metadata.uid ?? '' },
    audiences: spec.audiences,
    now,
    expirationSeconds: exp,
    warnAfterSeconds: warnAfter,
    pod,
    node,
    secret,
    jti: (deps.uid ?? randomUUID)(),
  });
  let token: string;
  try {
    token = opts.sign(claims);
  } catch (e) {
    throw internalError(e);
  }
  tr.status = { token, expirationTimestamp: rfc3339(new Date(Math.floor(now.getTime() / 1000) * 1000 + spec.expirationSeconds! * 1000)) };
  sendObject(r.res, 201, tr, { warnings });
}
