/**
 * The cluster's service-account signing key, `<data-dir>/tls/service-account.key` (EC P-256,
 * PKCS#8 PEM, 0600), created on first use and reused: the controller manager signs legacy token
 * Secrets with it and the API server signs TokenRequest answers with it, so one verifier accepts
 * both. Servers sharing a cluster must share it, like the CA. Safe when two callers race to create
 * it (the file is created exclusively; the loser reads the winner's key).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBoundTokenSigner, type BoundTokenSigner } from '../../apiserver/handlers/token-signer.js';
import type { ServiceAccountTokenOptions } from '../../apiserver/handlers/token-request.js';

export function serviceAccountKeyPath(dataDir: string): string {
  return join(dataDir, 'tls', 'service-account.key');
}

/** The key's PEM, creating the key first when it does not exist. */
export function ensureServiceAccountKey(dataDir: string): string {
  const path = serviceAccountKeyPath(dataDir);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  try {
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return readFileSync(path, 'utf8');
}

/**
 * TokenRequest signing for an API server created before the data dir's key is known (the
 * composition root builds the API server first, the control plane then calls load()). Until
 * load(), signing throws (the request fails with 500); load() is idempotent.
 */
export interface DeferredTokenSigning {
  /** For ApiServerOptions.serviceAccountTokens (default issuer and audiences). */
  readonly options: ServiceAccountTokenOptions;
  load(dataDir: string): void;
}

export function deferredTokenSigning(): DeferredTokenSigning {
  let signer: BoundTokenSigner | undefined;
  return {
    options: {
      sign: (claims) => {
        if (!signer) throw new Error('the service-account signing key is not loaded yet');
        return signer(claims);
      },
    },
    load(dataDir) {
      signer ??= createBoundTokenSigner(ensureServiceAccountKey(dataDir));
    },
  };
}
