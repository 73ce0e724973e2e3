/**
 * Certificate primitives for the cluster PKI: a self-signed CA, serving certificates with SANs and
 * client certificates whose subject carries the Kubernetes identity (CN = user name, O = groups, as
 * the x509 authenticator reads it). Keys are ECDSA P-256, kept as PKCS#8 PEM ("PRIVATE KEY"), which
 * both Node's TLS stack and Go clients (kubectl, client-go) load.
 *
 * Everything here is in memory; ./cluster-pki.ts decides what lives on disk. @peculiar/x509 (about
 * 200 ms to load) is imported only when a certificate is actually created or a CA loaded for
 * signing, so a restart that reuses every certificate never pays for it.
 */
import type * as X509 from '@peculiar/x509';
import { X509Certificate as NodeCertificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const subtle = webcrypto.subtle;
import { isIP } from 'node:net';

let x509Module: Promise<typeof X509> | undefined;
/** Loads @peculiar/x509 once (it needs reflect-metadata loaded first). */
function loadX509(): Promise<typeof X509> {
  return (x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509')));
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start 5 minutes in the past so small clock skew between machines does not reject them (kubeadm does the same). */
const BACKDATE_MS = 5 * 60 * 1000;

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;

/** A certificate and its private key, both PEM. */
export interface CertKeyPem {
  certPem: string;
  keyPem: string;
}

/** A loaded CA that can sign. `certPem` is what clients put in their trust store. */
export interface CertificateAuthority extends CertKeyPem {
  readonly signingKey: CryptoKey;
  readonly cert: X509.X509Certificate;
}

export interface SubjectAltNames {
  dnsNames: string[];
  /** Canonical text form (see canonicalSanIp). */
  ipAddresses: string[];
}

export interface ClientCertRequest {
  /** Becomes the user name (CN). */
  commonName: string;
  /** Become the groups (one O attribute each, in order). */
  organizations?: string[];
  validityDays?: number;
  now?: Date;
}

export interface ServingCertRequest {
  commonName: string;
  sans: SubjectAltNames;
  validityDays?: number;
  now?: Date;
}

/** A positive, 128-bit random serial (Go ≥ 1.23 rejects negative serial numbers). */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode([{ type: 'PRIVATE KEY', rawData: der }]);
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** Creates a new self-signed CA (basicConstraints CA:true, keyCertSign). */
export async function createCertificateAuthority(opts: { commonName: string; validityDays?: number; now?: Date }): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [opts.commonName] }],
    keys,
    signingAlgorithm: ALG,
    ...validity(opts.now ?? new Date(), opts.validityDays ?? CA_VALIDITY_DAYS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, signingKey: keys.privateKey, certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/**
 * Loads a CA from PEM. Throws when the key is not ECDSA P-256 PKCS#8, the certificate is not a CA,
 * or the key does not belong to the certificate.
 */
export async function loadCertificateAuthority(pem: CertKeyPem): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const cert = new x509.X509Certificate(pem.certPem);
  const nodeCert = new NodeCertificate(pem.certPem);
  if (!nodeCert.ca) throw new Error('certificate is not a CA (basicConstraints CA:false)');
  if (!nodeCert.checkPrivateKey(createPrivateKey(pem.keyPem))) throw new Error('CA key does not match the CA certificate');
  const der = x509.PemConverter.decodeFirst(pem.keyPem);
  const signingKey = await subtle.importKey('pkcs8', der, ALG, true, ['sign']);
  return { cert, signingKey, certPem: pem.certPem, keyPem: pem.keyPem };
}

async function issue(
  ca: CertificateAuthority,
  subject: X509.JsonName,
  usages: string[],
  extra: X509.Extension[],
  validityDays: number,
  now: Date,
): Promise<CertKeyPem> {
  const x509 = await loadX509();
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: ALG,
    ...validity(now, validityDays),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
      ...extra,
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/**
 * Issues a client certificate (extendedKeyUsage clientAuth) for the identity CN=`commonName`,
 * one O attribute per organization (each its own RDN, so Go and Node both see them as repeated O).
 */
export async function issueClientCertificate(ca: CertificateAuthority, req: ClientCertRequest): Promise<CertKeyPem> {
  if (!req.commonName) throw new Error('client certificate needs a common name');
  const subject: X509.JsonName = [{ CN: [req.commonName] }, ...(req.organizations ?? []).map((o) => ({ O: [o] }))];
  return issue(ca, subject, [CLIENT_AUTH], [], req.validityDays ?? LEAF_VALIDITY_DAYS, req.now ?? new Date());
}

/** Issues a serving certificate (extendedKeyUsage serverAuth) valid for exactly the given SANs. */
export async function issueServingCertificate(ca: CertificateAuthority, req: ServingCertRequest): Promise<CertKeyPem> {
  const x509 = await loadX509();
  const names: X509.JsonGeneralName[] = [
    ...req.sans.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...req.sans.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  return issue(
    ca,
    [{ CN: [req.commonName] }],
    [SERVER_AUTH],
    [new x509.SubjectAlternativeNameExtension(names)],
    req.validityDays ?? LEAF_VALIDITY_DAYS,
    req.now ?? new Date(),
  );
}

/** Canonical text of an IP for SAN comparison (`0:0:0:0:0:0:0:1` → `::1`); undefined if not an IP. */
export function canonicalSanIp(text: string): string | undefined {
  const family = isIP(text);
  if (family === 4) return new URL(`http://${text}/`).hostname;
  if (family === 6) return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return undefined;
}

/** Sorted, de-duplicated SANs with canonical IPs and lower-case DNS names. */
export function normalizeSans(sans: SubjectAltNames): SubjectAltNames {
  const dns = new Set(sans.dnsNames.map((d) => d.toLowerCase()));
  const ips = new Set(sans.ipAddresses.map((ip) => canonicalSanIp(ip) ?? ip));
  return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

/** The SANs a PEM certificate carries, normalized. */
export function certificateSans(certPem: string): SubjectAltNames {
  const text = new NodeCertificate(certPem).subjectAltName ?? '';
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  // Node renders SANs as `DNS:a, IP Address:1.2.3.4, ...`; DNS names cannot contain ", ".
  for (const entry of text.split(', ')) {
    if (entry.startsWith('DNS:')) dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ipAddresses.push(entry.slice('IP Address:'.length));
  }
  return normalizeSans({ dnsNames, ipAddresses });
}

export function sameSans(a: SubjectAltNames, b: SubjectAltNames): boolean {
  const x = normalizeSans(a);
  const y = normalizeSans(b);
  return JSON.stringify(x) === JSON.stringify(y);
}
