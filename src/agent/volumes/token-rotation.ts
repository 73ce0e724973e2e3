/**
 * When a projected service-account token must be requested again (upstream's kubelet token
 * manager, pkg/kubelet/token/token_manager.go requiresRefresh): once it is older than 24 hours, or
 * within the last 20 % of its lifetime (i.e. older than 80 %), minus a jitter of up to 10 s so that
 * many pods do not refresh together. Pure: time and jitter are inputs.
 */

export const MAX_TOKEN_TTL_MS = 24 * 3600 * 1000;
export const MAX_TOKEN_JITTER_MS = 10_000;

export interface IssuedToken {
  token: string;
  /** When the API server said the token expires. */
  expirationTimestamp: Date;
  /** The lifetime that was requested (spec.expirationSeconds). */
  expirationSeconds: number;
}

/** True when `t` must be replaced at `now`; `jitterMs` in [0, MAX_TOKEN_JITTER_MS]. */
export function tokenNeedsRefresh(t: IssuedToken, now: Date, jitterMs = 0): boolean {
  const exp = t.expirationTimestamp.getTime();
  const nowMs = now.getTime();
  if (!Number.isFinite(exp) || nowMs >= exp) return true;
  const lifetimeMs = t.expirationSeconds * 1000;
  const iat = exp - lifetimeMs;
  if (nowMs > iat + MAX_TOKEN_TTL_MS - jitterMs) return true;
  return nowMs > exp - Math.floor((t.expirationSeconds * 20) / 100) * 1000 - jitterMs;
}

/** The cache key of a token request (upstream keys by name, namespace, audiences, lifetime, bound object). */
export function tokenCacheKey(req: { namespace: string; serviceAccount: string; audiences: readonly string[]; expirationSeconds: number; podUid: string }): string {
  return JSON.stringify([req.namespace, req.serviceAccount, req.audiences, req.expirationSeconds, req.podUid]);
}
