/**
 * The cluster's service-account signing key, `<data-dir>/tls/service-account.key` (EC P-256,
 * PKCS#8 PEM, 0600), created on first use and reused: the controller manager signs legacy token
 * Secrets with it, the API server signs TokenRequest answers with it and verifies bearer tokens
 * with its public half (kube-apiserver's --service-account-signing-key-file and
 * --service-account-key-file in one). Servers sharing a cluster must share it, like the CA. Safe
 * when two callers race to create it (the file is created exclusively; the loser reads the
 * winner's key). The `tls` directory must exist (the cluster PKI creates it).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
