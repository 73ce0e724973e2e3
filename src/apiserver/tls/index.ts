/**
 * The cluster PKI: CA, serving and client certificates (see cluster-pki.ts for the on-disk layout
 * and reuse rules, pki.ts for issuing).
 */
export {
  type CertKeyPem,
  type CertificateAuthority,
  type ClientCertRequest,
  type ServingCertRequest,
  type SubjectAltNames,
  CA_VALIDITY_DAYS,
  LEAF_VALIDITY_DAYS,
  createCertificateAuthority,
  loadCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  certificateSans,
  canonicalSanIp,
  normalizeSans,
  sameSans,
} from './pki.js';
export {
  type ClusterPki,
  type ClusterPkiOptions,
  type PkiAction,
  type StoredCertKey,
  ADMIN_GROUP,
  ADMIN_USER,
  APISERVER_COMMON_NAME,
  CA_COMMON_NAME,
  KUBELET_CLIENT_COMMON_NAME,
  KUBELET_CLIENT_GROUP,
  ensureClusterPki,
  writeFileAtomic,
} from './cluster-pki.js';
export { type ServingSanInput, servingSans } from './sans.js';
