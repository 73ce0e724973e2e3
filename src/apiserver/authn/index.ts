/** Authentication: request → user (see authenticator.ts for the contract). */
export { type Authenticator, SYSTEM_AUTHENTICATED, SYSTEM_MASTERS } from './authenticator.js';
export { createX509Authenticator } from './x509.js';
export {
  createServiceAccountTokenAuthenticator,
  bearerToken,
  websocketBearerToken,
  WEBSOCKET_BEARER_PREFIX,
  type ServiceAccountTokenAuthenticatorOptions,
} from './service-account-token.js';
export {
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  JWT_LEEWAY_SECONDS,
  POD_NAME_EXTRA,
  POD_UID_EXTRA,
  NODE_NAME_EXTRA,
  NODE_UID_EXTRA,
  CREDENTIAL_ID_EXTRA,
  serviceAccountUser,
  validateBoundToken,
  validateLegacyToken,
  type ServiceAccountInfo,
  type ServiceAccountTokenGetter,
} from './service-account-claims.js';
export { storeTokenGetter } from './store-token-getter.js';
export { ensureServiceAccountKey, serviceAccountKeyPath } from './service-account-key.js';
export { createTokenFileAuthenticator, loadTokenFileAuthenticator, parseTokenFile, TokenFileError } from './token-file.js';
export { parseImpersonation, impersonate, stripImpersonationHeaders } from './impersonation.js';
