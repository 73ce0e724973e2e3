/**
 * Signs bound service-account token claims with the cluster's service-account key (RS256 or
 * ES256, `kid` as upstream: base64url SHA-256 of the public key's DER), the same key and header as
 * the token controller's legacy tokens, so one verifier accepts both.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { keyId } from '../../controllers/serviceaccount/jwt.js';
import type { BoundTokenClaims } from '../../api/authentication/v1/index.js';

export type BoundTokenSigner = (claims: BoundTokenClaims) => string;

/** A signer over `privateKeyPem` (PKCS#1, PKCS#8 or SEC1 PEM). */
export function createBoundTokenSigner(privateKeyPem: string): BoundTokenSigner {
  const key = createPrivateKey(privateKeyPem);
  const isEc = key.asymmetricKeyType === 'ec';
  const head = Buffer.from(JSON.stringify({ alg: isEc ? 'ES256' : 'RS256', kid: keyId(createPublicKey(key)) })).toString('base64url');
  return (claims) => {
    const input = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = isEc ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key);
    return `${input}.${sig.toString('base64url')}`;
  };
}
