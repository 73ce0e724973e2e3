/**
 * The cluster's PKI on disk, created on first start and reused afterwards:
 *
 *   <dir>/ca.crt, ca.key                  cluster CA (10 years); trust anchor for clients and for
 *                                         client certificates presented to the apiserver
 *   <dir>/apiserver.crt, apiserver.key    serving certificate (1 year) for the wanted SANs
 *   <dir>/admin.crt, admin.key            client certificate CN=admin, O=system:masters
 *   <dir>/apiserver-kubelet-client.crt,.key  the apiserver's client certificate towards node agents
 *                                         (CN=kube-apiserver-kubelet-client, O=system:masters)
 *
 * Reuse rules (checked on every start; `ensureClusterPki` is idempotent):
 * - the CA is never replaced once it exists; a half-present or unreadable CA is an error, because
 *   silently minting a new one would orphan every issued certificate;
 * - a leaf is re-issued when missing, unreadable, not signed by the CA, not matching its key,
 *   within 90 days of expiry, or (serving) when the wanted SANs differ from the ones it carries,
 *   or (client) when the subject differs.
 *
 * Key files are written 0600, the directory 0700; every write is atomic (temp file + rename), so a
 * crash mid-write leaves the previous file or none. Not safe against two processes initializing the
 * same directory at the same moment (one server per data dir).
 */
import { X509Certificate as NodeCertificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CertKeyPem,
  type CertificateAuthority,
  type ClientCertRequest,
  type SubjectAltNames,
  certificateSans,
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  loadCertificateAuthority,
  normalizeSans,
  sameSans,
} from './pki.js';

const RENEW_BEFORE_MS = 90 * 24 * 60 * 60 * 1000;

/** A certificate/key pair as stored: PEM text and the file paths holding it. */
export interface StoredCertKey extends CertKeyPem {
  certFile: string;
  keyFile: string;
}

/** What happened to each file set during `ensureClusterPki` (for the startup log). */
export type PkiAction = 'created' | 'reused' | `reissued: ${string}`;

export interface ClusterPki {
  dir: string;
  ca: StoredCertKey;
  serving: StoredCertKey;
  admin: StoredCertKey;
  /** The apiserver's client certificate towards node agents (kubeadm's apiserver-kubelet-client). */
  kubeletClient: StoredCertKey;
  actions: { ca: PkiAction; serving: PkiAction; admin: PkiAction; kubeletClient: PkiAction };
  /** Issues a further client certificate from the cluster CA (agents, components); nothing is written to disk. */
  issueClientCertificate(req: ClientCertRequest): Promise<CertKeyPem>;
}

export interface ClusterPkiOptions {
  /** Directory holding the PKI (created 0700 if missing). */
  dir: string;
  /** SANs the serving certificate must carry. */
  servingSans: SubjectAltNames;
  /** Injected clock (tests). */
  now?: () => Date;
}

export const ADMIN_USER = 'admin';
export const ADMIN_GROUP = 'system:masters';
export const CA_COMMON_NAME = 'flotilla-ca';
export const APISERVER_COMMON_NAME = 'kube-apiserver';
/** Subject of the apiserver's kubelet client certificate, as kubeadm's (the agent authorizes it). */
export const KUBELET_CLIENT_COMMON_NAME = 'kube-apiserver-kubelet-client';
export const KUBELET_CLIENT_GROUP = 'system:masters';

/** Ensures the CA, serving and admin certificates exist and are current; see the module comment for the rules. */
export async function ensureClusterPki(opts: ClusterPkiOptions): Promise<ClusterPki> {
  const now = opts.now ?? (() => new Date());
  const dir = opts.dir;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = (name: string) => ({ certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) });

  // CA. A reused CA is checked with node:crypto only; the signing key is imported lazily, when a
  // leaf actually has to be issued.
  const caPaths = paths('ca');
  const caFiles = await readPair(caPaths.certFile, caPaths.keyFile);
  let caPem: CertKeyPem;
  let loadedCa: Promise<CertificateAuthority> | undefined;
  let caAction: PkiAction;
  if (caFiles.certPem === undefined && caFiles.keyPem === undefined) {
    const created = await createCertificateAuthority({ commonName: CA_COMMON_NAME, now: now() });
    await writePair(caPaths, created);
    caPem = created;
    loadedCa = Promise.resolve(created);
    caAction = 'created';
  } else if (caFiles.certPem === undefined || caFiles.keyPem === undefined) {
    const missing = caFiles.certPem === undefined ? caPaths.certFile : caPaths.keyFile;
    throw new Error(`cluster CA is incomplete: ${missing} is missing (restore it, or remove ${dir} to start a new cluster PKI)`);
  } else {
    caPem = { certPem: caFiles.certPem, keyPem: caFiles.keyPem };
    const problem = caProblem(caPem);
    if (problem) throw new Error(`cannot use cluster CA ${caPaths.certFile}: ${problem}`);
    caAction = 'reused';
  }
  const signer = (): Promise<CertificateAuthority> => (loadedCa ??= loadCertificateAuthority(caPem));
  const caCert = new NodeCertificate(caPem.certPem);

  // Leaves
  const wantedSans = normalizeSans(opts.servingSans);
  const serving = await ensureLeaf(paths('apiserver'), caCert, now(), (pem) =>
    sameSans(certificateSans(pem), wantedSans) ? undefined : 'SANs changed',
    async () => issueServingCertificate(await signer(), { commonName: APISERVER_COMMON_NAME, sans: wantedSans, now: now() }),
  );
  const adminSubject = `CN=${ADMIN_USER}\nO=${ADMIN_GROUP}`;
  const admin = await ensureLeaf(paths('admin'), caCert, now(), (pem) =>
    new NodeCertificate(pem).subject === adminSubject ? undefined : 'subject changed',
    async () => issueClientCertificate(await signer(), { commonName: ADMIN_USER, organizations: [ADMIN_GROUP], now: now() }),
  );
  const kubeletClientSubject = `CN=${KUBELET_CLIENT_COMMON_NAME}\nO=${KUBELET_CLIENT_GROUP}`;
  const kubeletClient = await ensureLeaf(paths('apiserver-kubelet-client'), caCert, now(), (pem) =>
    new NodeCertificate(pem).subject === kubeletClientSubject ? undefined : 'subject changed',
    async () => issueClientCertificate(await signer(), { commonName: KUBELET_CLIENT_COMMON_NAME, organizations: [KUBELET_CLIENT_GROUP], now: now() }),
  );

  return {
    dir,
    ca: { ...caPaths, certPem: caPem.certPem, keyPem: caPem.keyPem },
    serving: serving.stored,
    admin: admin.stored,
    kubeletClient: kubeletClient.stored,
    actions: { ca: caAction, serving: serving.action, admin: admin.action, kubeletClient: kubeletClient.action },
    issueClientCertificate: async (req) => issueClientCertificate(await signer(), { ...req, now: req.now ?? now() }),
  };
}

async function ensureLeaf(
  p: { certFile: string; keyFile: string },
  caCert: NodeCertificate,
  now: Date,
  specificCheck: (certPem: string) => string | undefined,
  issueNew: () => Promise<CertKeyPem>,
): Promise<{ stored: StoredCertKey; action: PkiAction }> {
  const files = await readPair(p.certFile, p.keyFile);
  let reason: string | undefined;
  if (files.certPem === undefined || files.keyPem === undefined) reason = undefined;
  else reason = leafProblem(files as CertKeyPem, caCert, now) ?? specificCheck(files.certPem);
  if (files.certPem !== undefined && files.keyPem !== undefined && reason === undefined) {
    return { stored: { ...p, certPem: files.certPem, keyPem: files.keyPem }, action: 'reused' };
  }
  const fresh = await issueNew();
  await writePair(p, fresh);
  const existed = files.certPem !== undefined || files.keyPem !== undefined;
  return { stored: { ...p, ...fresh }, action: existed ? `reissued: ${reason ?? 'incomplete'}` : 'created' };
}

/** Why an existing CA cannot be used, or undefined when it can. */
function caProblem(pem: CertKeyPem): string | undefined {
  try {
    const cert = new NodeCertificate(pem.certPem);
    if (!cert.ca) return 'the certificate is not a CA (basicConstraints CA:false)';
    if (!cert.checkPrivateKey(createPrivateKey(pem.keyPem))) return 'ca.key does not belong to ca.crt';
  } catch (e) {
    return `unreadable: ${(e as Error).message}`;
  }
  return undefined;
}

/** Why an existing leaf cannot be reused, or undefined when it can. */
function leafProblem(pem: CertKeyPem, caCert: NodeCertificate, now: Date): string | undefined {
  let cert: NodeCertificate;
  try {
    cert = new NodeCertificate(pem.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(pem.keyPem))) return 'key does not match';
  } catch {
    return 'unreadable';
  }
  if (!cert.verify(caCert.publicKey) || cert.issuer !== caCert.subject) return 'not signed by the cluster CA';
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return 'expiring';
  return undefined;
}

async function readPair(certFile: string, keyFile: string): Promise<{ certPem?: string; keyPem?: string }> {
  return { certPem: await readIfExists(certFile), keyPem: await readIfExists(keyFile) };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function writePair(p: { certFile: string; keyFile: string }, pem: CertKeyPem): Promise<void> {
  await writeFileAtomic(p.keyFile, pem.keyPem, 0o600);
  await writeFileAtomic(p.certFile, pem.certPem, 0o644);
}

/** Writes via a temp file and rename; the final file has exactly `mode` (umask does not apply). */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}
