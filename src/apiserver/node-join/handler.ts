/**
 * The join endpoints (see protocol.ts), served by the API server's HTTPS listener in front of the
 * Kubernetes API: `handle(req, res)` answers the join paths and returns true, or returns false and
 * touches nothing so the caller passes the request on.
 *
 * POST /v1-flotilla/node-certificate, in order: rate limit (429) → HTTP Basic secret, compared in
 * constant time (401) → body (400) → node name (422) → node password (403 `node password
 * mismatch`) → a fresh client certificate `CN=system:node:<name>, O=system:nodes` from the cluster
 * CA, with the cluster's network settings. Failed secrets and passwords count against the client
 * address. Every call issues a new certificate and key; nothing about it is stored server-side.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, invalid, isApiError, unauthorized } from '../../lib/errors.js';
import { fieldErrors } from '../../lib/field-error.js';
import type { Logger } from '../../lib/log.js';
import { isQualifiedName, isValidLabelValue } from '../../api/validation/names.js';
import { readBody, sendError, sendObject, sendText } from '../http-util.js';
import type { CertKeyPem } from '../tls/index.js';
import { FailureLimiter } from './failure-limiter.js';
import { checkNodePassword, type NodePasswordStore } from './node-password.js';
import {
  CACERTS_PATH,
  NODE_CERTIFICATE_PATH,
  NODES_GROUP,
  NODE_USER_PREFIX,
  type ClusterNetwork,
  type NodeCertificateResponse,
  nodeNameProblems,
  parseNodeCertificateRequest,
} from './protocol.js';

export interface NodeJoinOptions {
  /** The CA bundle served at /cacerts and returned to agents (PEM, as the token hash covers it). */
  caPem: string;
  /** The join secret (the token's password part). */
  secret: string;
  /** Issues a client certificate from the cluster CA. */
  issueClientCertificate(req: { commonName: string; organizations: string[] }): Promise<CertKeyPem>;
  passwords: NodePasswordStore;
  /**
   * Applies labels to the Node on the node's behalf once it exists (NodeRestriction keeps it from
   * setting them itself); runs in the background, retrying until the Node appears. Absent: joins
   * asking for such labels are refused.
   */
  labelNode?: (nodeName: string, labels: Record<string, string>) => void;
  network: ClusterNetwork;
  logger: Logger;
  limiter?: FailureLimiter;
  /** Milliseconds (tests). */
  now?: () => number;
}

/** Answers the join paths; false for any other request (left untouched). */
export type NodeJoinHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const MAX_JOIN_BODY = 16 * 1024;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time check of HTTP Basic credentials against the secret (any username). */
export function basicSecretMatches(authorization: string | undefined, secret: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return timingSafeEqual(digest(decoded.slice(colon + 1)), digest(secret));
}

export function createNodeJoinHandler(opts: NodeJoinOptions): NodeJoinHandler {
  const log = opts.logger.child('node-join');
  const limiter = opts.limiter ?? new FailureLimiter();
  const now = opts.now ?? Date.now;

  const issue = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const client = req.socket.remoteAddress ?? 'unknown';
    const wait = limiter.retryAfterSeconds(client, now());
    if (wait > 0) {
      req.resume();
      throw new ApiError('TooManyRequests', 429, `too many failed join attempts, retry in ${wait} seconds`, { retryAfterSeconds: wait });
    }
    if (!basicSecretMatches(req.headers.authorization, opts.secret)) {
      req.resume();
      limiter.fail(client, now());
      log.warn('join refused: wrong or missing token secret', { client });
      throw unauthorized();
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, MAX_JOIN_BODY)).toString('utf8'));
    } catch (e) {
      if (isApiError(e)) throw e;
      throw badRequest('the request body is not valid JSON');
    }
    const parsed = parseNodeCertificateRequest(body);
    if (typeof parsed === 'string') throw badRequest(parsed);
    const problems = nodeNameProblems(parsed.nodeName);
    if (problems.length)
      throw invalid('', 'Node', parsed.nodeName, problems.map((p) => (p === 'Required value' ? fieldErrors.required('nodeName') : fieldErrors.invalid('nodeName', parsed.nodeName, p))));
    const labels = parsed.labels ?? {};
    const labelErrors = Object.entries(labels).flatMap(([k, v]) => [...isQualifiedName(k), ...isValidLabelValue(v)].map((m) => fieldErrors.invalid(`labels[${k}]`, v, m)));
    if (labelErrors.length) throw invalid('', 'Node', parsed.nodeName, labelErrors);
    if (Object.keys(labels).length && !opts.labelNode) throw badRequest('this server does not apply node labels on join');
    const outcome = await checkNodePassword(opts.passwords, parsed.nodeName, parsed.nodePassword);
    if (outcome === 'mismatch') {
      limiter.fail(client, now());
      log.warn('join refused: node password mismatch', { node: parsed.nodeName, client });
      throw new ApiError('Forbidden', 403, 'node password mismatch', { name: parsed.nodeName, kind: 'nodes' });
    }
    const cert = await opts.issueClientCertificate({ commonName: NODE_USER_PREFIX + parsed.nodeName, organizations: [NODES_GROUP] });
    const answer: NodeCertificateResponse = { certificate: cert.certPem, key: cert.keyPem, ca: opts.caPem, ...opts.network };
    if (Object.keys(labels).length) opts.labelNode!(parsed.nodeName, labels);
    log.info('node joined', { node: parsed.nodeName, client, firstJoin: outcome === 'created', ...(Object.keys(labels).length ? { serverAppliedLabels: Object.keys(labels).join(',') } : {}) });
    sendObject(res, 200, answer);
  };

  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === CACERTS_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') sendError(res, new ApiError('MethodNotAllowed', 405, `${req.method} is not supported on ${CACERTS_PATH}`));
      else sendText(res, 200, opts.caPem);
      return true;
    }
    if (path === NODE_CERTIFICATE_PATH) {
      if (req.method !== 'POST') {
        sendError(res, new ApiError('MethodNotAllowed', 405, `${req.method} is not supported on ${NODE_CERTIFICATE_PATH}`));
        return true;
      }
      issue(req, res).catch((e: unknown) => {
        if (!isApiError(e)) log.error('join failed', { err: e instanceof Error ? e.message : String(e) });
        sendError(res, isApiError(e) ? e : new ApiError('InternalError', 500, `join failed: ${e instanceof Error ? e.message : String(e)}`));
      });
      return true;
    }
    return false;
  };
}
