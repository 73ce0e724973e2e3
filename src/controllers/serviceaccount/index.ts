/** ServiceAccount and token controllers (upstream pkg/controller/serviceaccount). */
export {
  ServiceAccountsController,
  TokensController,
  newServiceAccountsController,
  newServiceAccountController,
  newTokensController,
  SERVICE_ACCOUNT_COMPONENT,
  TOKENS_COMPONENT,
  type ServiceAccountsControllerOptions,
  type TokensControllerOptions,
} from './controller.js';
export {
  reconcileServiceAccounts,
  reconcileTokenSecret,
  legacyClaims,
  isTokenSecret,
  DEFAULT_SERVICE_ACCOUNTS,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  SA_NAME_ANNOTATION,
  SA_UID_ANNOTATION,
  LEGACY_ISSUER,
  type TokenSigner,
  type LegacyServiceAccountClaims,
  type TokenAction,
  type ServiceAccountAction,
} from './reconcile.js';
export { createJwtSigner, keyId } from './jwt.js';
