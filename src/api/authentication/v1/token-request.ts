/**
 * authentication.k8s.io/v1 TokenRequest, the body and answer of POST
 * serviceaccounts/{name}/token: defaults, validation and the claims of the bound token it issues
 * (upstream pkg/apis/authentication, pkg/registry/core/serviceaccount/storage/token.go and
 * pkg/serviceaccount/claims.go). Pure.
 */
import type { KubeObject } from '../../types.js';
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';

export const TOKEN_REQUEST_GROUP = 'authentication.k8s.io';
export const TOKEN_REQUEST_API_VERSION = 'authentication.k8s.io/v1';
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;
/** The lifetime the ServiceAccount admission asks for (1h7s): marks kubelet's own tokens. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
/** How long such tokens really live when expiration extension is on (one year), as upstream. */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 3600;

export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface V1TokenRequest extends KubeObject {
  spec?: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: BoundObjectReference | null };
  status?: { token?: string; expirationTimestamp?: string };
}

/** API defaulting: expirationSeconds 3600. */
export function defaultTokenRequest(tr: V1TokenRequest): void {
  const spec = (tr.spec ??= {});
  if (spec.expirationSeconds === undefined || spec.expirationSeconds === null) spec.expirationSeconds = DEFAULT_TOKEN_EXPIRATION_SECONDS;
}

/** upstream ValidateTokenRequest. */
export function validateTokenRequest(tr: V1TokenRequest): FieldError[] {
  const errs: FieldError[] = [];
  const exp = tr.spec?.expirationSeconds ?? 0;
  if (!Number.isInteger(exp)) errs.push(fieldErrors.invalid('spec.expirationSeconds', exp, 'must be an integer'));
  else if (exp < MIN_TOKEN_EXPIRATION_SECONDS) errs.push(fieldErrors.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
  else if (exp > MAX_TOKEN_EXPIRATION_SECONDS) errs.push(fieldErrors.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  const auds = tr.spec?.audiences;
  if (auds !== undefined && auds !== null && (!Array.isArray(auds) || auds.some((a) => typeof a !== 'string')))
    errs.push(fieldErrors.invalid('spec.audiences', auds, 'must be a list of strings'));
  return errs;
}

export interface ObjectRef {
  name: string;
  uid: string;
}

/** The claims of a bound service-account token (JSON names as upstream's go-jose structs). */
export interface BoundTokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: ObjectRef;
    pod?: ObjectRef;
    secret?: ObjectRef;
    node?: ObjectRef;
    warnafter?: number;
  };
}

/** upstream token.Claims (+ the issuer's iss): times in whole seconds since the epoch. */
export function boundTokenClaims(input: {
  issuer: string;
  serviceAccount: { namespace: string; name: string; uid: string };
  audiences: string[];
  now: Date;
  expirationSeconds: number;
  /** When set, the token says when clients should be warned (extended kubelet tokens). */
  warnAfterSeconds?: number;
  pod?: ObjectRef;
  node?: ObjectRef;
  secret?: ObjectRef;
  jti: string;
}): BoundTokenClaims {
  const now = Math.floor(input.now.getTime() / 1000);
  const sa = input.serviceAccount;
  const k8s: BoundTokenClaims['kubernetes.io'] = { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } };
  if (input.pod) {
    k8s.pod = input.pod;
    if (input.node) k8s.node = input.node;
  } else if (input.secret) k8s.secret = input.secret;
  else if (input.node) k8s.node = input.node;
  if (input.warnAfterSeconds) k8s.warnafter = now + input.warnAfterSeconds;
  return {
    iss: input.issuer,
    sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    aud: input.audiences,
    exp: now + input.expirationSeconds,
    iat: now,
    nbf: now,
    jti: input.jti,
    'kubernetes.io': k8s,
  };
}
