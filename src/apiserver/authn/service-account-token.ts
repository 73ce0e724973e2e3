/**
 * Service-account bearer tokens, as kube-apiserver's service-account token authenticators
 * (upstream pkg/serviceaccount/jwt.go, claims.go, legacy.go behind the bearer-token and token-cache
 * layers of k8s.io/apiserver): `Authorization: Bearer <jwt>` signed with the cluster's
 * service-account key.
 *
 * Where the token comes from: the `Authorization: Bearer` header, or on a WebSocket upgrade the
 * `base64url.bearer.authorization.k8s.io.<token>` subprotocol (removed from the request once it
 * authenticated, as upstream, so it is neither echoed nor proxied).
 *
 * Outcomes per request:
 * - no bearer token, or a token that is not a compact JWS whose `iss` is one of ours (the bound
 *   issuers, or `kubernetes/serviceaccount` for Secret-based tokens) → `undefined`: other
 *   authenticators may try;
 * - a token with our issuer that fails any check (signature, key id, audience, times, the service
 *   account / bound Pod / Secret / Node gone or replaced) → throws ApiError 401 `Unauthorized`
 *   (upstream's answer; the reason is kept as the error's cause, never sent);
 * - otherwise the user `system:serviceaccount:<ns>:<name>` (see serviceAccountUser).
 *
 * Successful results are cached per token for `cacheTtlMs` (upstream's token cache, 10 s by
 * default, never beyond the token's exp): a token keeps working up to that long after its account
 * or pod is deleted, as upstream. Failures are not cached. Concurrency: safe for concurrent calls;
 * two first uses of one token may both look the objects up.
 */
import { createHash, createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../../api/types.js';
import { ApiError } from '../../lib/errors.js';
import { keyId } from '../../controllers/serviceaccount/jwt.js';
import type { Authenticator } from './authenticator.js';
import {
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  checkAudiences,
  serviceAccountUser,
  validateBoundToken,
  validateLegacyToken,
  type JwtPayload,
  type ServiceAccountTokenGetter,
} from './service-account-claims.js';

export interface ServiceAccountTokenAuthenticatorOptions {
  /**
   * Verification keys (upstream --service-account-key-file): PEM of public or private keys (a
   * private key's public half is used) or KeyObjects; RSA or EC P-256/384/521.
   */
  keys: ReadonlyArray<string | KeyObject>;
  /** Accepted `iss` of bound tokens (--service-account-issuer); default the TokenRequest default. */
  issuers?: readonly string[];
  /** The API server's audiences (--api-audiences); default [issuers[0]], as TokenRequest. */
  apiAudiences?: readonly string[];
  /** Reads service accounts, pods, secrets and nodes (see ServiceAccountTokenGetter). */
  getter: ServiceAccountTokenGetter;
  /** Accept Secret-based tokens (iss `kubernetes/serviceaccount`); default true. */
  legacy?: boolean;
  /** Injected clock (tests); default `() => new Date()`. */
  clock?: () => Date;
  /** How long a successful result is reused; default 10 000 ms, 0 disables the cache. */
  cacheTtlMs?: number;
  /** Most cached tokens (oldest dropped first); default 4096. */
  cacheSize?: number;
}

interface VerifyKey {
  key: KeyObject;
  kid: string;
}

interface Alg {
  hash: string;
  type: 'rsa' | 'rsa-pss' | 'ec';
  curve?: string;
}

/** The JWS algorithms go-jose verifies for service-account keys. */
const ALGS: Record<string, Alg> = {
  RS256: { hash: 'sha256', type: 'rsa' },
  RS384: { hash: 'sha384', type: 'rsa' },
  RS512: { hash: 'sha512', type: 'rsa' },
  PS256: { hash: 'sha256', type: 'rsa-pss' },
  PS384: { hash: 'sha384', type: 'rsa-pss' },
  PS512: { hash: 'sha512', type: 'rsa-pss' },
  ES256: { hash: 'sha256', type: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', type: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', type: 'ec', curve: 'secp521r1' },
};

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string): unknown {
  if (!B64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** upstream bearertoken: `Bearer <token>` (scheme case-insensitive); anything else is not ours. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers['authorization'];
  if (typeof auth !== 'string') return undefined;
  const parts = auth.trim().split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  return parts[1] || undefined;
}

/** upstream's WebSocket token subprotocol (browsers cannot set Authorization on a WebSocket). */
export const WEBSOCKET_BEARER_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** A token found in a request, and how to remove it once it authenticated. */
interface FoundToken {
  token: string;
  /** Drops the credential from the request (the WebSocket subprotocol must not be echoed or proxied). */
  consume(): void;
}

/**
 * upstream websocket.ProtocolAuthenticator's extraction: on a WebSocket upgrade, one
 * `base64url.bearer.authorization.k8s.io.<base64url token>` subprotocol next to at least one real
 * one. Throws 401 for a malformed or ambiguous one; `undefined` when there is none.
 */
export function websocketBearerToken(req: IncomingMessage): FoundToken | undefined {
  if (String(req.headers['upgrade'] ?? '').toLowerCase() !== 'websocket') return undefined;
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return undefined;
  const offered = (Array.isArray(header) ? header.join(',') : header).split(',').map((p) => p.trim());
  let token: string | undefined;
  const rest: string[] = [];
  for (const p of offered) {
    if (!p.startsWith(WEBSOCKET_BEARER_PREFIX)) {
      rest.push(p);
      continue;
    }
    if (token !== undefined) throw unauthorized('multiple base64.bearer.authorization tokens specified');
    const enc = p.slice(WEBSOCKET_BEARER_PREFIX.length);
    if (!B64URL.test(enc)) throw unauthorized('invalid base64.bearer.authorization token encoding');
    try {
      token = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(enc, 'base64url'));
    } catch {
      throw unauthorized('invalid base64.bearer.authorization token');
    }
  }
  if (!token) return undefined;
  if (!rest.length) throw unauthorized('missing additional subprotocol');
  return {
    token,
    consume() {
      const value = rest.join(',');
      req.headers['sec-websocket-protocol'] = value;
      const raw = req.rawHeaders;
      let first = true;
      for (let i = 0; i + 1 < raw.length; ) {
        if (raw[i]!.toLowerCase() !== 'sec-websocket-protocol') {
          i += 2;
        } else if (first) {
          raw[i + 1] = value;
          first = false;
          i += 2;
        } else raw.splice(i, 2);
      }
    },
  };
}

function unauthorized(reason: string): ApiError {
  return new ApiError('Unauthorized', 401, 'Unauthorized', undefined, { cause: new Error(reason) });
}

export function createServiceAccountTokenAuthenticator(opts: ServiceAccountTokenAuthenticatorOptions): Authenticator {
  const keys: VerifyKey[] = opts.keys.map((k) => {
    const key = typeof k === 'string' ? createPublicKey(k) : k.type === 'private' ? createPublicKey(k) : k;
    return { key, kid: keyId(key) };
  });
  const issuers = opts.issuers?.length ? [...opts.issuers] : [DEFAULT_SERVICE_ACCOUNT_ISSUER];
  const apiAudiences = opts.apiAudiences ? [...opts.apiAudiences] : [issuers[0]!];
  const legacy = opts.legacy ?? true;
  const clock = opts.clock ?? (() => new Date());
  const ttl = opts.cacheTtlMs ?? 10_000;
  const maxEntries = opts.cacheSize ?? 4096;
  const cache = new Map<string, { user: UserInfo; until: number }>();

  const ours = (iss: unknown): 'bound' | 'legacy' | undefined => {
    if (typeof iss !== 'string') return undefined;
    if (issuers.includes(iss)) return 'bound';
    if (legacy && iss === LEGACY_SERVICE_ACCOUNT_ISSUER) return 'legacy';
    return undefined;
  };

  const verifySignature = (headerPart: string, payloadPart: string, sigPart: string): string | undefined => {
    const header = decodeJson(headerPart);
    if (!isRecord(header)) return 'malformed token header';
    const alg = typeof header['alg'] === 'string' ? ALGS[header['alg']] : undefined;
    if (!alg) return `unsupported signature algorithm ${JSON.stringify(header['alg'])}`;
    if (header['crit'] !== undefined) return 'unsupported critical header';
    const kid = typeof header['kid'] === 'string' ? header['kid'] : '';
    const candidates = kid ? keys.filter((k) => k.kid === kid) : keys;
    if (!candidates.length) return 'invalid signature, no keys found';
    if (!B64URL.test(sigPart)) return 'malformed signature';
    const data = Buffer.from(`${headerPart}.${payloadPart}`);
    const sig = Buffer.from(sigPart, 'base64url');
    for (const { key } of candidates) {
      const type = key.asymmetricKeyType;
      try {
        if (alg.type === 'ec') {
          if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== alg.curve) continue;
          if (verify(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig)) return undefined;
        } else if (alg.type === 'rsa') {
          if (type !== 'rsa') continue;
          if (verify(alg.hash, data, key, sig)) return undefined;
        } else {
          if (type !== 'rsa' && type !== 'rsa-pss') continue;
          if (verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig)) return undefined;
        }
      } catch {
        // a malformed signature for this key: try the next
      }
    }
    return 'invalid signature';
  };

  const remember = (hash: string, user: UserInfo, now: number, payload: JwtPayload) => {
    if (ttl <= 0) return;
    const exp = typeof payload['exp'] === 'number' ? payload['exp'] * 1000 : Infinity;
    const until = Math.min(now + ttl, exp);
    if (until <= now) return;
    cache.delete(hash);
    while (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(hash, { user, until });
  };

  async function authenticateToken(token: string): Promise<UserInfo | undefined> {
    if (token.trimStart().startsWith('{')) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const payload = decodeJson(parts[1]!);
    if (!isRecord(payload)) return undefined;
    const kind = ours(payload['iss']);
    if (!kind) return undefined;

    const now = clock();
    const hash = ttl > 0 ? createHash('sha256').update(token).digest('base64url') : '';
    const hit = ttl > 0 ? cache.get(hash) : undefined;
    if (hit) {
      if (hit.until > now.getTime()) return structuredClone(hit.user);
      cache.delete(hash);
    }

    const sigError = verifySignature(parts[0]!, parts[1]!, parts[2]!);
    if (sigError) throw unauthorized(sigError);
    const auds = checkAudiences(payload, apiAudiences);
    if (!auds.ok) throw unauthorized(auds.error);
    const result = kind === 'bound' ? await validateBoundToken(payload, now, opts.getter) : await validateLegacyToken(token, payload, opts.getter);
    if (!result.ok) throw unauthorized(result.error);
    const user = serviceAccountUser(result.info);
    remember(hash, user, now.getTime(), payload);
    return structuredClone(user);
  }

  return {
    name: 'service-account-token',
    async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
      const header = bearerToken(req);
      const found: FoundToken | undefined = header ? { token: header, consume: () => {} } : websocketBearerToken(req);
      if (!found) return undefined;
      const user = await authenticateToken(found.token);
      if (user) found.consume();
      return user;
    },
  };
}
