/**
 * Joining nodes to a cluster with a k3s-style token: the token format, the wire contract, the
 * server's endpoints (/cacerts, /v1-flotilla/node-certificate) and node-password checks. The agent's
 * side is agent/join/.
 */
export * from './contract.js';
export { FailureLimiter, type FailureLimiterOptions } from './failure-limiter.js';
export { hashNodePassword, verifyNodePassword, checkNodePassword, secretNodePasswordStore, type NodePasswordStore } from './node-password.js';
export { createNodeJoinHandler, basicSecretMatches, type NodeJoinOptions, type NodeJoinHandler } from './handler.js';
export { ensureServerToken, caBundleHash, type ServerToken } from './server-token.js';
export { setupNodeJoin, SUPERVISOR_USER, type NodeJoinSetup } from './setup.js';
