/**
 * The decisions of service-account token authentication once a token's signature is verified
 * (upstream pkg/serviceaccount claims.go and legacy.go, k8s.io/apiserver serviceaccount/util.go):
 * audiences, validity times, the objects a token is bound to, and the user it stands for. No I/O:
 * the objects come through an injected ServiceAccountTokenGetter.
 *
 * Contract of every validate function: resolves `{ ok: true, info }` or `{ ok: false, error }`
 * (upstream's error text, which goes to logs only; clients see 401 Unauthorized). Never throws:
 * a getter that throws counts as a failed lookup.
 */
import type { KubeObject, UserInfo } from '../../api/types.js';

/**
 * The issuer TokenRequest uses by default (handlers/token-request.ts exports the same value; kept
 * here too so that authentication does not load the request-handling modules).
 */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The `iss` of Secret-based tokens (upstream serviceaccount.LegacyIssuer). */
export const LEGACY_SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';
/** go-jose's jwt.DefaultLeeway: clock skew allowed on exp/nbf/iat and on deletion timestamps. */
export const JWT_LEEWAY_SECONDS = 60;

export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
const SYSTEM_AUTHENTICATED = 'system:authenticated';

/** The user's `extra` keys (k8s.io/apiserver/pkg/authentication/serviceaccount). */
export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';
export const POD_UID_EXTRA = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';
export const NODE_UID_EXTRA = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';

/** The label the legacy-token cleaner sets on Secrets whose token it invalidated (upstream). */
export const LEGACY_TOKEN_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';

/**
 * Reads the objects tokens refer to; `undefined` when absent. Must be cheap (an in-memory copy or
 * the API server's own storage, never a request to the API server): it runs on every first use
 * of a token.
 */
export interface ServiceAccountTokenGetter {
  getServiceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  getPod(namespace: string, name: string): Promise<KubeObject | undefined>;
  getSecret(namespace: string, name: string): Promise<KubeObject | undefined>;
  getNode(name: string): Promise<KubeObject | undefined>;
}

/** Who a valid token stands for (upstream ServiceAccountInfo). */
export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUid?: string;
  nodeName?: string;
  nodeUid?: string;
  /** `JTI=<jti>` for bound tokens with a jti. */
  credentialId?: string;
}

export type Validation = { ok: true; info: ServiceAccountInfo } | { ok: false; error: string };

/** A JWT payload as decoded JSON (claims are checked here, not trusted by type). */
export type JwtPayload = Record<string, unknown>;

const fail = (error: string): Validation => ({ ok: false, error });
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The token's `aud` as a list (a JWT may carry one string or an array). */
export function tokenAudiences(payload: JwtPayload): string[] | undefined {
  const aud = payload['aud'];
  if (aud === undefined || aud === null) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  return undefined;
}

/**
 * upstream jwtTokenAuthenticator's audience rule: a token without audiences (legacy) counts as
 * meant for the API server; otherwise at least one of its audiences must be the API server's.
 * Returns the intersection (the audiences the request is authenticated for), or an error.
 */
export function checkAudiences(payload: JwtPayload, apiAudiences: readonly string[]): { ok: true; audiences: string[] } | { ok: false; error: string } {
  const auds = tokenAudiences(payload);
  if (auds === undefined) return { ok: false, error: 'token audiences could not be parsed' };
  const tokenAuds = auds.length ? auds : [...apiAudiences];
  const both = tokenAuds.filter((a) => apiAudiences.includes(a));
  if (!both.length && apiAudiences.length)
    return { ok: false, error: `token audiences ${JSON.stringify(tokenAuds)} is invalid for the target audiences ${JSON.stringify(apiAudiences)}` };
  return { ok: true, audiences: both };
}

function numericDate(v: unknown): number | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return Math.trunc(v);
}

/**
 * go-jose Claims.Validate with DefaultLeeway: not before nbf - 60 s, not after exp + 60 s, not
 * issued more than 60 s in the future. `undefined` when the times are fine.
 */
export function checkTimes(payload: JwtPayload, now: Date): string | undefined {
  const t = Math.floor(now.getTime() / 1000);
  const nbf = numericDate(payload['nbf']);
  const exp = numericDate(payload['exp']);
  const iat = numericDate(payload['iat']);
  if (nbf === null || exp === null || iat === null) return 'service account token claims could not be validated due to unexpected validation error';
  if (nbf !== undefined && t + JWT_LEEWAY_SECONDS < nbf) return 'service account token is not valid yet';
  if (exp !== undefined && t - JWT_LEEWAY_SECONDS > exp) return 'service account token has expired';
  if (iat !== undefined && t + JWT_LEEWAY_SECONDS < iat) return 'service account token is issued in the future';
  return undefined;
}

/** True when the object's deletionTimestamp lies before `cutoffMs`. */
function deletedBefore(o: KubeObject, cutoffMs: number): boolean {
  const ts = o.metadata.deletionTimestamp;
  if (!ts) return false;
  const at = Date.parse(ts);
  return Number.isNaN(at) || at < cutoffMs;
}

async function lookup(get: () => Promise<KubeObject | undefined>): Promise<{ obj?: KubeObject; error?: string }> {
  try {
    return { obj: await get() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

interface Ref {
  name: string;
  uid: string;
}

function ref(v: unknown): Ref | undefined {
  if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  return { name: str(r['name']), uid: str(r['uid']) };
}

/**
 * upstream claims.go validator.Validate for bound tokens (TokenRequest): times; the service account
 * exists with the claimed uid and is not deleted for longer than the leeway; a bound Secret or Pod
 * exists with the claimed uid and is not deleted for longer than the leeway (a Pod in its grace
 * period still authenticates, as upstream); a token bound to a Node alone needs that Node (with
 * uid); a Pod's node claim is passed through. jti becomes the credential id.
 */
export async function validateBoundToken(payload: JwtPayload, now: Date, getter: ServiceAccountTokenGetter): Promise<Validation> {
  const timeError = checkTimes(payload, now);
  if (timeError) return fail(timeError);
  const cutoff = now.getTime() - JWT_LEEWAY_SECONDS * 1000;
  const k8sRaw = payload['kubernetes.io'];
  const k8s = k8sRaw && typeof k8sRaw === 'object' && !Array.isArray(k8sRaw) ? (k8sRaw as Record<string, unknown>) : {};
  const namespace = str(k8s['namespace']);
  const saRef = ref(k8s['serviceaccount']) ?? { name: '', uid: '' };
  const podRef = ref(k8s['pod']);
  const secretRef = ref(k8s['secret']);
  const nodeRef = ref(k8s['node']);

  const sa = await lookup(() => getter.getServiceAccount(namespace, saRef.name));
  if (sa.error !== undefined) return fail(sa.error);
  if (!sa.obj) return fail(`serviceaccounts "${saRef.name}" not found`);
  if (deletedBefore(sa.obj, cutoff)) return fail(`service account ${namespace}/${saRef.name} has been deleted`);
  if ((sa.obj.metadata.uid ?? '') !== saRef.uid) return fail(`service account UID (${sa.obj.metadata.uid ?? ''}) does not match claim (${saRef.uid})`);

  if (secretRef) {
    const s = await lookup(() => getter.getSecret(namespace, secretRef.name));
    if (!s.obj || deletedBefore(s.obj, cutoff)) return fail('service account token has been invalidated');
    if ((s.obj.metadata.uid ?? '') !== secretRef.uid)
      return fail(`secret UID (${s.obj.metadata.uid ?? ''}) does not match service account secret ref claim (${secretRef.uid})`);
  }

  const info: ServiceAccountInfo = { namespace, name: saRef.name, uid: saRef.uid };
  if (podRef) {
    const p = await lookup(() => getter.getPod(namespace, podRef.name));
    if (!p.obj || deletedBefore(p.obj, cutoff)) return fail('service account token has been invalidated');
    if ((p.obj.metadata.uid ?? '') !== podRef.uid) return fail(`pod UID (${p.obj.metadata.uid ?? ''}) does not match service account pod ref claim (${podRef.uid})`);
    info.podName = podRef.name;
    info.podUid = podRef.uid;
  }

  if (nodeRef) {
    if (!podRef) {
      const n = await lookup(() => getter.getNode(nodeRef.name));
      if (!n.obj) return fail('service account token has been invalidated');
      if ((n.obj.metadata.uid ?? '') !== nodeRef.uid) return fail(`node UID (${n.obj.metadata.uid ?? ''}) does not match service account node ref claim (${nodeRef.uid})`);
      if (deletedBefore(n.obj, cutoff)) return fail('service account token has been invalidated');
    }
    info.nodeName = nodeRef.name;
    info.nodeUid = nodeRef.uid;
  }

  const jti = str(payload['jti']);
  if (jti) info.credentialId = `JTI=${jti}`;
  return { ok: true, info };
}

/** Equal strings, compared in time independent of where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ (i < b.length ? b.charCodeAt(i) : 0);
  return diff === 0;
}

function base64ToText(b64: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * upstream legacy.go legacyValidator.Validate (with lookup): the claims are complete and `sub`
 * names the claimed account; the Secret exists, is not being deleted, is not marked invalid by the
 * legacy-token cleaner, and holds exactly this token; the service account exists, is not being
 * deleted and has the claimed uid. Legacy tokens carry no times.
 */
export async function validateLegacyToken(token: string, payload: JwtPayload, getter: ServiceAccountTokenGetter): Promise<Validation> {
  const sub = str(payload['sub']);
  if (!sub) return fail('sub claim is missing');
  const namespace = str(payload['kubernetes.io/serviceaccount/namespace']);
  if (!namespace) return fail('namespace claim is missing');
  const secretName = str(payload['kubernetes.io/serviceaccount/secret.name']);
  if (!secretName) return fail('secretName claim is missing');
  const saName = str(payload['kubernetes.io/serviceaccount/service-account.name']);
  if (!saName) return fail('serviceAccountName claim is missing');
  const saUid = str(payload['kubernetes.io/serviceaccount/service-account.uid']);
  if (!saUid) return fail('serviceAccountUID claim is missing');
  const parsed = splitServiceAccountUsername(sub);
  if (!parsed || parsed.namespace !== namespace || parsed.name !== saName) return fail('sub claim is invalid');

  const s = await lookup(() => getter.getSecret(namespace, secretName));
  if (!s.obj) return fail('token has been invalidated');
  if (s.obj.metadata.deletionTimestamp) return fail('token has been invalidated');
  const data = (s.obj as KubeObject & { data?: Record<string, unknown> }).data;
  const stored = typeof data?.['token'] === 'string' ? base64ToText(data['token']) : undefined;
  if (stored === undefined || !constantTimeEqual(stored, token)) return fail("token does not match server's copy");

  const sa = await lookup(() => getter.getServiceAccount(namespace, saName));
  if (sa.error !== undefined) return fail(sa.error);
  if (!sa.obj) return fail(`serviceaccounts "${saName}" not found`);
  if (sa.obj.metadata.deletionTimestamp) return fail(`service account ${namespace}/${saName} is deleted and awaiting removal`);
  if ((sa.obj.metadata.uid ?? '') !== saUid) return fail(`service account UID (${sa.obj.metadata.uid ?? ''}) does not match claim (${saUid})`);
  if (s.obj.metadata.labels?.[LEGACY_TOKEN_INVALID_SINCE_LABEL]) return fail('token has been invalidated');
  return { ok: true, info: { namespace, name: saName, uid: saUid } };
}

/** upstream SplitUsername: `system:serviceaccount:<ns>:<name>` with both parts non-empty. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/**
 * upstream ServiceAccountInfo.UserInfo plus the authenticated group: the account's user name and
 * uid, its groups, and pod/node/credential extras when known (pod extras only with both name and
 * uid; node-uid only with node-name).
 */
export function serviceAccountUser(info: ServiceAccountInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (info.podName && info.podUid) {
    extra[POD_NAME_EXTRA] = [info.podName];
    extra[POD_UID_EXTRA] = [info.podUid];
  }
  if (info.credentialId) extra[CREDENTIAL_ID_EXTRA] = [info.credentialId];
  if (info.nodeName) {
    extra[NODE_NAME_EXTRA] = [info.nodeName];
    if (info.nodeUid) extra[NODE_UID_EXTRA] = [info.nodeUid];
  }
  const user: UserInfo = {
    username: `${SERVICE_ACCOUNT_USER_PREFIX}${info.namespace}:${info.name}`,
    uid: info.uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${info.namespace}`, SYSTEM_AUTHENTICATED],
  };
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
