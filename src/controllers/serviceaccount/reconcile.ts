/**
 * Decisions of the ServiceAccount controller and the token controller (upstream
 * pkg/controller/serviceaccount). Pure: the token signer is an injected function of the claims.
 */
import type { KubeObject } from '../../api/types.js';

export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = ['default'];
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

// ---------------------------------------------------------------- service accounts

export interface NamespaceView extends KubeObject {
  status?: { phase?: string };
}

export type ServiceAccountAction = { type: 'create'; namespace: string; name: string };

/**
 * The service accounts to create in a namespace: each managed name that does not exist yet, unless
 * the namespace is gone or terminating (creates would be refused). Idempotent: existing accounts
 * are never touched.
 */
export function reconcileServiceAccounts(
  namespace: NamespaceView | undefined,
  existing: ReadonlySet<string>,
  managed: readonly string[] = DEFAULT_SERVICE_ACCOUNTS,
): ServiceAccountAction[] {
  if (!namespace || namespace.metadata.deletionTimestamp || namespace.status?.phase === 'Terminating') return [];
  const ns = namespace.metadata.name ?? '';
  return managed.filter((n) => !existing.has(n)).map((name) => ({ type: 'create', namespace: ns, name }));
}

// ---------------------------------------------------------------- token secrets

/**
 * upstream's legacy service-account token claims (serviceaccount.LegacyClaims plus the legacy
 * issuer). The signer turns them into a compact JWS.
 */
export interface LegacyServiceAccountClaims {
  iss: string;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

/**
 * Signs token claims into a JWT (compact serialisation). Must be deterministic for given claims and
 * key, and must not do I/O. Service-account authentication (a later issue) verifies what it signs.
 */
export type TokenSigner = (claims: LegacyServiceAccountClaims) => string;

export interface SecretView extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export type TokenAction =
  | { type: 'none' }
  /** The account it names is gone (or was replaced: uid mismatch): delete with this uid precondition. */
  | { type: 'delete'; namespace: string; name: string; uid: string }
  /** Write this secret (resourceVersion kept as precondition). */
  | { type: 'update'; secret: SecretView };

const b64 = (s: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** Whether a secret is one the token controller fills. */
export function isTokenSecret(secret: SecretView): boolean {
  return secret.type === SERVICE_ACCOUNT_TOKEN_TYPE && Boolean(secret.metadata.annotations?.[SA_NAME_ANNOTATION]);
}

export function legacyClaims(sa: KubeObject, secretName: string): LegacyServiceAccountClaims {
  const ns = sa.metadata.namespace ?? '';
  const name = sa.metadata.name ?? '';
  return {
    iss: LEGACY_ISSUER,
    sub: `system:serviceaccount:${ns}:${name}`,
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': name,
    'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid ?? '',
  };
}

/**
 * upstream TokensController.syncSecret: a token secret whose account is missing (or has another
 * uid than the secret's uid annotation) is deleted; otherwise missing `token`, `namespace` and a
 * stale `ca.crt` (when a CA is configured) are filled, and the name/uid annotations set.
 * Running it on its own output yields 'none'.
 */
export function reconcileTokenSecret(secret: SecretView, sa: KubeObject | undefined, opts: { caPem?: string; sign: TokenSigner }): TokenAction {
  if (!isTokenSecret(secret) || secret.metadata.deletionTimestamp) return { type: 'none' };
  const wantUid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
  if (!sa || sa.metadata.deletionTimestamp || (wantUid && sa.metadata.uid !== wantUid))
    return { type: 'delete', namespace: secret.metadata.namespace ?? '', name: secret.metadata.name ?? '', uid: secret.metadata.uid ?? '' };
  const data = secret.data ?? {};
  const ns = secret.metadata.namespace ?? '';
  const ca = opts.caPem ? b64(opts.caPem) : undefined;
  const needsCA = ca !== undefined && data['ca.crt'] !== ca;
  const needsNamespace = !data['namespace'];
  const needsToken = !data['token'];
  if (!needsCA && !needsNamespace && !needsToken) return { type: 'none' };
  const next: SecretView = { ...secret, metadata: { ...secret.metadata }, data: { ...data } };
  if (needsCA) next.data!['ca.crt'] = ca;
  if (needsNamespace) next.data!['namespace'] = b64(ns);
  if (needsToken) next.data!['token'] = b64(opts.sign(legacyClaims(sa, secret.metadata.name ?? '')));
  next.metadata.annotations = { ...secret.metadata.annotations, [SA_NAME_ANNOTATION]: sa.metadata.name ?? '', [SA_UID_ANNOTATION]: sa.metadata.uid ?? '' };
  return { type: 'update', secret: next };
}
