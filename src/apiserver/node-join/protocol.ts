/**
 * The wire contract between `flotilla server` and a joining agent (pure: paths, shapes, checks).
 *
 * ```
 * GET  /cacerts                          no auth    → 200 text/plain: the cluster CA bundle (PEM)
 * POST /v1-flotilla/node-certificate     Basic auth `node:<join secret>` (any username; the secret
 *      {"nodeName","nodePassword"}                  decides), JSON body
 *                                                   → 200 NodeCertificateResponse
 *                                                   → 400 bad body, 401 wrong secret, 403 node password
 *                                                     mismatch, 422 invalid node name, 429 too many
 *                                                     failures (Retry-After); all as Status objects
 * ```
 */
import { DNS1123_SUBDOMAIN_MAX, isDNS1123Subdomain } from '../../lib/validation/names.js';

export const CACERTS_PATH = '/cacerts';
export const NODE_CERTIFICATE_PATH = '/v1-flotilla/node-certificate';
/** Paths under this prefix belong to the join endpoints, not to the Kubernetes API. */
export const JOIN_PATH_PREFIX = '/v1-flotilla/';

/** The Secret holding a node's password hash: `<node>.node-password.flotilla` in kube-system. */
export const NODE_PASSWORD_SECRET_SUFFIX = '.node-password.flotilla';
export const NODE_PASSWORD_NAMESPACE = 'kube-system';
export const NODE_PASSWORD_SECRET_TYPE = 'flotilla.io/node-password';

/** The identity in a node's client certificate (upstream's node authorizer convention). */
export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

export interface NodeCertificateRequest {
  nodeName: string;
  /** Generated once per node and kept by the agent; binds the node name to that machine. */
  nodePassword: string;
  /**
   * Labels the node wants but may not set on itself under NodeRestriction (node-role.kubernetes.io/*
   * and other kubernetes.io/k8s.io labels outside the kubelet's allowed set): the server applies
   * them to the Node once it is registered. Optional.
   */
  labels?: Record<string, string>;
}

/** Cluster-wide network settings an agent needs (from the server's configuration). */
export interface ClusterNetwork {
  clusterCIDRs: string[];
  serviceCIDRs: string[];
  clusterDNS: string[];
  clusterDomain: string;
  /**
   * Addresses LoadBalancer Services may get (`--service-lb-pool`), as CIDRs: agents route them onto
   * their bridge like the service subnet, so nothing addressed to them leaves the machine. Optional.
   */
  loadBalancerCIDRs?: string[];
}

export interface NodeCertificateResponse extends ClusterNetwork {
  /** PEM client certificate, CN `system:node:<nodeName>`, O `system:nodes`. */
  certificate: string;
  /** PEM private key of the certificate. */
  key: string;
  /** PEM cluster CA bundle. */
  ca: string;
}

export function nodePasswordSecretName(nodeName: string): string {
  return nodeName + NODE_PASSWORD_SECRET_SUFFIX;
}

/** Longest node name whose password Secret name is still a valid object name. */
export const NODE_NAME_MAX = DNS1123_SUBDOMAIN_MAX - NODE_PASSWORD_SECRET_SUFFIX.length;

/** Problems with a node name (upstream's DNS-1123 subdomain messages); empty when valid. */
export function nodeNameProblems(name: string): string[] {
  if (name === '') return ['Required value'];
  const errs = isDNS1123Subdomain(name);
  if (name.length > NODE_NAME_MAX && !errs.some((e) => e.startsWith('must be no more than'))) errs.unshift(`must be no more than ${NODE_NAME_MAX} characters`);
  return errs;
}

/** Parses a request body; a string is the problem (for a 400). */
export function parseNodeCertificateRequest(body: unknown): NodeCertificateRequest | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the request body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b['nodeName'] !== 'string') return 'nodeName must be a string';
  if (typeof b['nodePassword'] !== 'string' || b['nodePassword'] === '') return 'nodePassword must be a non-empty string';
  if (b['nodePassword'].length > 1024) return 'nodePassword must be at most 1024 characters';
  const labels = b['labels'];
  if (labels !== undefined) {
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return 'labels must be an object of strings';
    if (Object.values(labels).some((v) => typeof v !== 'string')) return 'labels must be an object of strings';
    return { nodeName: b['nodeName'], nodePassword: b['nodePassword'], labels: labels as Record<string, string> };
  }
  return { nodeName: b['nodeName'], nodePassword: b['nodePassword'] };
}
