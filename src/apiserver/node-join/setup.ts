/**
 * What `flotilla server` calls once its PKI and apiserver exist: the token file and the join
 * handler, whose node-password Secrets go through the apiserver's own request path (an in-process
 * client with the server's supervisor identity; same admission, validation and storage as any
 * client).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInProcessClient } from '../../client/in-process.js';
import type { Logger } from '../../lib/log.js';
import type { ClusterPki } from '../tls/index.js';
import { createNodeJoinHandler, type NodeJoinHandler } from './handler.js';
import { secretNodePasswordStore } from './node-password.js';
import type { ClusterNetwork } from './protocol.js';
import { ensureServerToken } from './server-token.js';
import { R, type Client } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';

/** How long the server keeps trying to label a joined node that has not registered yet. */
const LABEL_NODE_TIMEOUT_MS = 10 * 60_000;

/**
 * Merges `labels` into the Node once it exists (polling every second, at most
 * LABEL_NODE_TIMEOUT_MS). Idempotent: a label already equal is not written again.
 */
export async function applyNodeLabels(client: Client, nodeName: string, labels: Record<string, string>, logger: Logger, pollMs = 1000): Promise<boolean> {
  const log = logger.child('node-join');
  const end = Date.now() + LABEL_NODE_TIMEOUT_MS;
  while (Date.now() < end) {
    try {
      const node = await client.get(R.nodes, '', nodeName);
      const have = node.metadata.labels ?? {};
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) return true;
      await client.patch(R.nodes, '', nodeName, 'merge', { metadata: { labels } });
      log.info('applied node labels on the node\'s behalf', { node: nodeName, labels: Object.keys(labels).join(',') });
      return true;
    } catch (e) {
      if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict'))) log.warn('could not label node yet', { node: nodeName, err: e instanceof Error ? e.message : String(e) });
    }
    await new Promise((r) => setTimeout(r, pollMs).unref());
  }
  log.warn('gave up labelling a node that never registered', { node: nodeName });
  return false;
}

/** The identity of the server's own join machinery when it writes node-password Secrets. */
export const SUPERVISOR_USER = { username: 'system:flotilla-supervisor', groups: ['system:masters', 'system:authenticated'] };

export interface NodeJoinSetup {
  /** `<data-dir>/token`. */
  tokenPath: string;
  token: string;
  tokenAction: 'created' | 'reused' | 'updated';
  /** Put in front of the API's request listener: true when it answered. */
  handle: NodeJoinHandler;
}

export async function setupNodeJoin(opts: {
  dataDir: string;
  /** `--token`: the secret part; random on first start otherwise. */
  tokenSecret?: string;
  pki: Pick<ClusterPki, 'ca' | 'issueClientCertificate'>;
  network: ClusterNetwork;
  /** The apiserver's request listener (its authenticators must include the in-process one). */
  apiHandle: (req: IncomingMessage, res: ServerResponse) => void;
  logger: Logger;
}): Promise<NodeJoinSetup> {
  const tok = await ensureServerToken({ dataDir: opts.dataDir, caPem: opts.pki.ca.certPem, secret: opts.tokenSecret });
  const client = createInProcessClient(opts.apiHandle, SUPERVISOR_USER, 'flotilla-node-join');
  const handle = createNodeJoinHandler({
    caPem: opts.pki.ca.certPem,
    secret: tok.secret,
    issueClientCertificate: (r) => opts.pki.issueClientCertificate(r),
    passwords: secretNodePasswordStore(client),
    labelNode: (nodeName, labels) => void applyNodeLabels(client, nodeName, labels, opts.logger),
    network: opts.network,
    logger: opts.logger,
  });
  return { tokenPath: tok.path, token: tok.token, tokenAction: tok.action, handle };
}
