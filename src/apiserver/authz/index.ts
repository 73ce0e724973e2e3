/** Authorization: RBAC, the Node authorizer, default policy, review APIs (see README.md). */
export {
  createAuthorization,
  parseAuthorizationModes,
  AUTHORIZATION_MODES,
  DEFAULT_AUTHORIZATION_MODES,
  type Authorization,
  type AuthorizationMode,
  type AuthorizationOptions,
} from './authorization.js';
export { resolveUser, authorizeRequest, requestAttributes, ANONYMOUS_USER } from './request.js';
export { handleReview, isReviewResource, bearerRequest, type ReviewDeps } from './reviews.js';
export { forbiddenError, forbiddenMessage } from './forbidden.js';
export { RbacIndex } from './rbac-index.js';
export { bootstrapClusterRoles, bootstrapClusterRoleBindings, nodeRules } from './bootstrap-policy.js';
export type { Attributes, AuthorizationResult, Authorizer, RulesResult } from './types.js';
export { createEscalationCheck } from './escalation.js';
