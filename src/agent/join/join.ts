/**
 * Joining a cluster (the agent's half of k3s' TLS bootstrap):
 *
 * ```
 * token ──parse──▶ { caHash, secret }
 * <data-dir>/agent/kubelet.kubeconfig still good? ──yes──▶ reuse (no network)
 *   │ no
 *   ▼
 * GET /cacerts  (TLS NOT verified: we do not know the CA yet; nothing secret is sent)
 *   sha256(PEM) == caHash ? ──no──▶ JoinError CAMismatch "the server's CA does not match the token"
 *   ▼ yes: from now on TLS is verified against that CA
 * POST /v1-flotilla/node-certificate  Basic node:<secret>  {nodeName, nodePassword}
 *   ▼ 200 {certificate, key, ca, clusterCIDRs, serviceCIDRs, clusterDNS, clusterDomain}
 * write kubelet.kubeconfig (0600, mTLS as system:node:<name>) and cluster.json
 * ```
 *
 * "Still good" means: the kubeconfig and cluster.json exist, point at the same server, carry a
 * certificate for `system:node:<nodeName>` that matches its key and is valid for more than a day,
 * and (with a secure token) a CA whose hash equals the token's. The node password is generated on
 * the first join and kept in `<data-dir>/agent/node-password` (0600): it is what lets this machine,
 * and only this one, join again under the same name.
 *
 * Errors are JoinError values with a `reason`; nothing is retried here (the caller decides).
 */
import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import * as https from 'node:https';
import { join } from 'node:path';
import { writeFileAtomic } from '../../apiserver/tls/index.js';
import {
  CACERTS_PATH,
  InvalidTokenError,
  NODE_CERTIFICATE_PATH,
  NODE_USER_PREFIX,
  type ClusterNetwork,
  type JoinToken,
  type NodeCertificateResponse,
  nodeNameProblems,
  parseJoinToken,
} from '../../apiserver/node-join/contract.js';
import { writeKubeconfig } from '../../cli/kubeconfig.js';
import { optionsFromKubeconfig } from '../../client/http-client.js';

/** One HTTPS exchange, as joinCluster needs it. */
export interface JoinHttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** PEM CA to verify the server with; ignored when `insecureSkipVerify`. */
  ca?: string;
  /** Only for GET /cacerts, before the CA is known. */
  insecureSkipVerify?: boolean;
}
export interface JoinHttpResponse {
  status: number;
  body: string;
}
export type JoinFetch = (r: JoinHttpRequest) => Promise<JoinHttpResponse>;

export interface JoinOptions {
  /** `--server`, e.g. `https://10.0.0.1:6443`. */
  server: string | URL;
  /** `--token`: `K10<hash>::<user>:<secret>` (or a short token: the secret alone). */
  token: string;
  nodeName: string;
  /** The agent's data dir; state goes to `<dataDir>/agent/`. */
  dataDir: string;
  /**
   * Labels the node may not set on itself (NodeRestriction), for the server to apply. When given,
   * the join always contacts the server (so changed labels reach it).
   */
  serverLabels?: Record<string, string>;
  /** The HTTPS exchange (default: node:https, 15 s timeout). */
  fetch?: JoinFetch;
  now?: () => Date;
}

export interface JoinResult {
  /** `<dataDir>/agent/kubelet.kubeconfig`: mTLS as `system:node:<nodeName>`. */
  kubeconfigPath: string;
  cluster: ClusterNetwork;
  /** false when the stored credentials were reused without contacting the server. */
  joined: boolean;
  /** e.g. a short token, whose CA could not be checked. */
  warnings: string[];
}

export type JoinErrorReason =
  | 'InvalidToken'
  | 'InvalidNodeName'
  | 'CAMismatch'
  | 'Unauthorized'
  | 'NodePasswordMismatch'
  | 'TooManyRequests'
  | 'Unreachable'
  | 'ServerError';

export class JoinError extends Error {
  override readonly name = 'JoinError';
  constructor(
    readonly reason: JoinErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Files under `<dataDir>/agent/`. */
export function joinPaths(dataDir: string) {
  const dir = join(dataDir, 'agent');
  return {
    dir,
    kubeconfig: join(dir, 'kubelet.kubeconfig'),
    cluster: join(dir, 'cluster.json'),
    nodePassword: join(dir, 'node-password'),
  };
}

/** Credentials must stay valid at least this long to be reused. */
const MIN_REMAINING_MS = 24 * 60 * 60 * 1000;
const MAX_RESPONSE_BYTES = 1024 * 1024;

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Joins (or reuses an earlier join); see the module comment. */
export async function joinCluster(opts: JoinOptions): Promise<JoinResult> {
  let token: JoinToken;
  try {
    token = parseJoinToken(opts.token);
  } catch (e) {
    if (e instanceof InvalidTokenError) throw new JoinError('InvalidToken', e.message, { cause: e });
    throw e;
  }
  const problems = nodeNameProblems(opts.nodeName);
  if (problems.length) throw new JoinError('InvalidNodeName', `invalid node name "${opts.nodeName}": ${problems.join('; ')}`);
  const server = serverUrl(opts.server);
  const now = opts.now ?? (() => new Date());
  const paths = joinPaths(opts.dataDir);
  const warnings: string[] = [];
  if (!token.caHash) warnings.push('the token has no CA hash (short token): trusting the CA the server presents');

  const serverLabels = opts.serverLabels ?? {};
  const reused = Object.keys(serverLabels).length ? undefined : await storedJoin(paths, server, opts.nodeName, token.caHash, now());
  if (reused) return { kubeconfigPath: paths.kubeconfig, cluster: reused, joined: false, warnings };

  const fetch = opts.fetch ?? httpsJoinFetch;
  const base = new URL(server);
  const at = (p: string) => new URL(base.pathname.replace(/\/+$/, '') + p, base);

  // 1. The CA, unverified, checked against the token.
  const caRes = await exchange(fetch, { method: 'GET', url: at(CACERTS_PATH), headers: { Accept: 'text/plain' }, insecureSkipVerify: true }, server);
  if (caRes.status !== 200) throw new JoinError('ServerError', `GET ${CACERTS_PATH} from ${server}: HTTP ${caRes.status}`);
  const caPem = caRes.body;
  if (token.caHash && sha256Hex(caPem) !== token.caHash)
    throw new JoinError('CAMismatch', `the server's CA does not match the token (server ${server}: CA hash ${sha256Hex(caPem)}, token expects ${token.caHash})`);
  try {
    new X509Certificate(caPem);
  } catch (e) {
    throw new JoinError('ServerError', `${server} served a CA bundle that is not a PEM certificate`, { cause: e });
  }

  // 2. The node's certificate, over TLS verified with that CA.
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const nodePassword = await ensureNodePassword(paths.nodePassword);
  const res = await exchange(
    fetch,
    {
      method: 'POST',
      url: at(NODE_CERTIFICATE_PATH),
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: `Basic ${Buffer.from(`node:${token.password}`, 'utf8').toString('base64')}`,
      },
      body: JSON.stringify({ nodeName: opts.nodeName, nodePassword, ...(Object.keys(serverLabels).length ? { labels: serverLabels } : {}) }),
      ca: caPem,
    },
    server,
  );
  if (res.status !== 200) throw refusal(res, server, opts.nodeName);
  const answer = parseAnswer(res.body, server);

  // 3. Credentials and settings on disk.
  await writeKubeconfig(paths.kubeconfig, { server, caPem: answer.ca, clientCertPem: answer.certificate, clientKeyPem: answer.key }, 0o600);
  const cluster: ClusterNetwork = {
    clusterCIDRs: answer.clusterCIDRs,
    serviceCIDRs: answer.serviceCIDRs,
    clusterDNS: answer.clusterDNS,
    clusterDomain: answer.clusterDomain,
    ...(Array.isArray(answer.loadBalancerCIDRs) && answer.loadBalancerCIDRs.every((c) => typeof c === 'string') && answer.loadBalancerCIDRs.length
      ? { loadBalancerCIDRs: answer.loadBalancerCIDRs }
      : {}),
  };
  await writeFileAtomic(paths.cluster, JSON.stringify(cluster, null, 2) + '\n', 0o600);
  return { kubeconfigPath: paths.kubeconfig, cluster, joined: true, warnings };
}

function serverUrl(s: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(s));
  } catch {
    throw new JoinError('Unreachable', `invalid --server URL "${String(s)}"`);
  }
  if (u.protocol !== 'https:') throw new JoinError('Unreachable', `--server must be an https:// URL, got "${String(s)}"`);
  return u.toString().replace(/\/+$/, '');
}

/** The stored cluster settings when the stored credentials can be reused (see module comment). */
async function storedJoin(paths: ReturnType<typeof joinPaths>, server: string, nodeName: string, caHash: string | undefined, now: Date): Promise<ClusterNetwork | undefined> {
  try {
    const cluster = JSON.parse(await readFile(paths.cluster, 'utf8')) as ClusterNetwork;
    if (!Array.isArray(cluster.clusterCIDRs) || !Array.isArray(cluster.serviceCIDRs) || !Array.isArray(cluster.clusterDNS) || typeof cluster.clusterDomain !== 'string') return undefined;
    const kc = optionsFromKubeconfig(paths.kubeconfig);
    if (kc.server.replace(/\/+$/, '') !== server || !kc.ca || !kc.cert || !kc.key) return undefined;
    if (caHash && sha256Hex(kc.ca.toString('utf8')) !== caHash) return undefined;
    const cert = new X509Certificate(kc.cert);
    if (commonName(cert.subject) !== NODE_USER_PREFIX + nodeName) return undefined;
    if (Date.parse(cert.validTo) - now.getTime() <= MIN_REMAINING_MS) return undefined;
    if (Date.parse(cert.validFrom) > now.getTime() + 5 * 60_000) return undefined;
    if (!cert.checkPrivateKey(createPrivateKey(kc.key))) return undefined;
    if (!cert.checkIssued(new X509Certificate(kc.ca))) return undefined;
    return cluster;
  } catch {
    return undefined; // missing or unreadable: join again
  }
}

function commonName(subject: string): string | undefined {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** The node password: generated once (32 hex), kept 0600. */
async function ensureNodePassword(path: string): Promise<string> {
  try {
    const p = (await readFile(path, 'utf8')).trim();
    if (p) return p;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const p = randomBytes(16).toString('hex');
  await writeFileAtomic(path, p + '\n', 0o600);
  return p;
}

async function exchange(fetch: JoinFetch, r: JoinHttpRequest, server: string): Promise<JoinHttpResponse> {
  try {
    return await fetch(r);
  } catch (e) {
    if (e instanceof JoinError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const tls = typeof code === 'string' && /CERT|SELF_SIGNED|SIGNATURE|HOSTNAME|ERR_TLS/.test(code);
    const why = e instanceof Error ? e.message : String(e);
    throw new JoinError(
      tls ? 'CAMismatch' : 'Unreachable',
      tls ? `the server's certificate is not signed by the cluster CA from the token (${why})` : `cannot reach ${server}: ${why}`,
      { cause: e },
    );
  }
}

function statusMessage(body: string): string | undefined {
  try {
    const s = JSON.parse(body) as { kind?: string; message?: unknown };
    return s.kind === 'Status' && typeof s.message === 'string' ? s.message : undefined;
  } catch {
    return undefined;
  }
}

function refusal(res: JoinHttpResponse, server: string, nodeName: string): JoinError {
  const msg = statusMessage(res.body) ?? `HTTP ${res.status}`;
  switch (res.status) {
    case 401:
      return new JoinError('Unauthorized', `${server} refused the token (401 ${msg}): check --token`);
    case 403:
      return new JoinError(
        'NodePasswordMismatch',
        `${server} refused node "${nodeName}": ${msg} (another machine joined under this name; delete the Secret ${nodeName}.node-password.flotilla in kube-system to move the name)`,
      );
    case 422:
      return new JoinError('InvalidNodeName', msg);
    case 429:
      return new JoinError('TooManyRequests', `${server}: ${msg}`);
    default:
      return new JoinError('ServerError', `${server}: joining failed (${res.status} ${msg})`);
  }
}

function parseAnswer(body: string, server: string): NodeCertificateResponse {
  let a: Partial<NodeCertificateResponse>;
  try {
    a = JSON.parse(body) as Partial<NodeCertificateResponse>;
  } catch (e) {
    throw new JoinError('ServerError', `${server} answered the join with something that is not JSON`, { cause: e });
  }
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (
    typeof a.certificate !== 'string' ||
    typeof a.key !== 'string' ||
    typeof a.ca !== 'string' ||
    !strings(a.clusterCIDRs) ||
    !strings(a.serviceCIDRs) ||
    !strings(a.clusterDNS) ||
    typeof a.clusterDomain !== 'string'
  )
    throw new JoinError('ServerError', `${server} answered the join without certificate, key, CA or network settings`);
  return a as NodeCertificateResponse;
}

/** The default JoinFetch over node:https (no connection reuse; 15 s per exchange; 1 MiB cap). */
export const httpsJoinFetch: JoinFetch = (r) =>
  new Promise<JoinHttpResponse>((resolve, reject) => {
    const req = https.request(
      r.url,
      {
        method: r.method,
        headers: r.body !== undefined ? { ...r.headers, 'Content-Length': String(Buffer.byteLength(r.body)) } : r.headers,
        ca: r.insecureSkipVerify ? undefined : r.ca,
        rejectUnauthorized: !r.insecureSkipVerify,
        agent: false,
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 15 s')));
    req.on('error', reject);
    req.end(r.body);
  });
