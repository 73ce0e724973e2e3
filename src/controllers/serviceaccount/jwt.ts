/**
 * A TokenSigner over an RSA or EC private key (RS256 / ES256), as kube-controller-manager's
 * --service-account-private-key-file does. The key id (`kid`) is upstream's: base64url of the
 * SHA-256 of the public key's DER (PKIX) encoding.
 */
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { LegacyServiceAccountClaims, TokenSigner } from './reconcile.js';

const b64url = (b: Buffer): string => b.toString('base64url');

export function keyId(publicKey: KeyObject): string {
  return b64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
}

/** Signs with `privateKeyPem` (PKCS#1, PKCS#8 or SEC1 PEM). */
export function createJwtSigner(privateKeyPem: string): TokenSigner {
  const key = createPrivateKey(privateKeyPem);
  const isEc = key.asymmetricKeyType === 'ec';
  const header = { alg: isEc ? 'ES256' : 'RS256', kid: keyId(createPublicKey(key)) };
  const head = b64url(Buffer.from(JSON.stringify(header)));
  return (claims: LegacyServiceAccountClaims) => {
    const input = `${head}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
    const sig = isEc ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key);
    return `${input}.${b64url(sig)}`;
  };
}
