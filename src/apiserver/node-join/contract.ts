/**
 * The pure half of node-join that agents import: the token format and the wire contract (no
 * server machinery, no I/O).
 */
export { TOKEN_PREFIX, SERVER_TOKEN_USER, InvalidTokenError, type JoinToken, parseJoinToken, formatJoinToken, secretProblem } from './token.js';
export {
  CACERTS_PATH,
  NODE_CERTIFICATE_PATH,
  JOIN_PATH_PREFIX,
  NODE_PASSWORD_SECRET_SUFFIX,
  NODE_PASSWORD_NAMESPACE,
  NODE_PASSWORD_SECRET_TYPE,
  NODE_USER_PREFIX,
  NODES_GROUP,
  NODE_NAME_MAX,
  type NodeCertificateRequest,
  type NodeCertificateResponse,
  type ClusterNetwork,
  nodePasswordSecretName,
  nodeNameProblems,
  parseNodeCertificateRequest,
} from './protocol.js';
