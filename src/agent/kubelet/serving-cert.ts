/**
 * The agent's HTTPS serving certificate, self-signed as upstream's kubelet does when no
 * certificate is given (`<host>-ca@<unix time>` signs `<host>@<unix time>`): the apiserver does not
 * verify it unless told to (upstream's default without --kubelet-certificate-authority).
 *
 * Files: `<dir>/kubelet-serving.crt` (the leaf, then its CA) and `<dir>/kubelet-serving.key`
 * (0600). Reused while the SANs are the wanted ones and more than 30 days remain; otherwise a new
 * pair is made. Writes are atomic.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateSans, createCertificateAuthority, issueServingCertificate, normalizeSans, sameSans, writeFileAtomic, type CertKeyPem } from '../../apiserver/tls/index.js';

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export interface ServingCertFiles extends CertKeyPem {
  certFile: string;
  keyFile: string;
  /** Whether this call created the pair. */
  created: boolean;
}

/** Ensures the serving pair for `nodeName` with the node's names and addresses as SANs. */
export async function ensureKubeletServingCert(dir: string, nodeName: string, ips: string[], now: () => Date = () => new Date()): Promise<ServingCertFiles> {
  const certFile = join(dir, 'kubelet-serving.crt');
  const keyFile = join(dir, 'kubelet-serving.key');
  const sans = normalizeSans({ dnsNames: [nodeName, 'localhost'], ipAddresses: [...new Set([...ips, '127.0.0.1'])] });
  const existing = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]).catch(() => undefined);
  if (existing) {
    const [certPem, keyPem] = existing;
    try {
      const leaf = new X509Certificate(certPem);
      const fresh = new Date(leaf.validTo).getTime() - now().getTime() > RENEW_BEFORE_MS;
      if (fresh && sameSans(certificateSans(certPem), sans)) return { certFile, keyFile, certPem, keyPem, created: false };
    } catch {
      // unreadable: replaced below
    }
  }
  const stamp = Math.floor(now().getTime() / 1000);
  const ca = await createCertificateAuthority({ commonName: `${nodeName}-ca@${stamp}`, validityDays: 365, now: now() });
  const leaf = await issueServingCertificate(ca, { commonName: `${nodeName}@${stamp}`, sans, validityDays: 365, now: now() });
  const chain = `${leaf.certPem.trimEnd()}\n${ca.certPem.trimEnd()}\n`;
  await writeFileAtomic(keyFile, leaf.keyPem, 0o600);
  await writeFileAtomic(certFile, chain, 0o644);
  return { certFile, keyFile, certPem: chain, keyPem: leaf.keyPem, created: true };
}
