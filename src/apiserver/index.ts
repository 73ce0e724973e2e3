/**
 * The Kubernetes API server as a request handler. The composition root (cli/server) owns sockets,
 * TLS and process lifecycle; this module owns everything from an authenticated HTTP request to a
 * storage write and back.
 */
export type { ApiServer, ApiServerOptions } from './server.js';
export { createApiServer } from './server.js';
export type { Authenticator } from './authn/authenticator.js';
export { versionInfo, type VersionInfo } from './version.js';
export { createX509Authenticator } from './authn/x509.js';
export { FileAuditLog, type AuditSink, type AuditEvent } from './audit.js';
