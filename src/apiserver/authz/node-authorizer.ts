/**
 * The Node authorizer (upstream plugin/pkg/auth/authorizer/node), approximated: a request of a node
 * identity (user `system:node:<name>` in group `system:nodes`) is allowed when upstream's NodeRules()
 * allow it; other users get no opinion. Upstream also checks a graph of pods bound to the node
 * before allowing get on secrets, configmaps, PVCs, PVs and service-account tokens; Flotilla does
 * not (yet): writes stay limited to the node's own objects by the NodeRestriction admission plugin.
 * Pure.
 */
import type { PolicyRule } from '../../api/rbac/v1/index.js';
import type { UserInfo } from '../../api/types.js';
import { nodeRules } from './bootstrap-policy.js';
import { ruleAllows } from './rules.js';
import type { Attributes, AuthorizationResult, Authorizer } from './types.js';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

/** The node name of a node identity, or undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  const name = user.username.slice(NODE_USER_PREFIX.length);
  return name || undefined;
}

export function createNodeAuthorizer(): Authorizer & { rules(): readonly PolicyRule[] } {
  const rules = nodeRules();
  return {
    name: 'Node',
    rules: () => rules,
    authorize(attrs: Attributes): AuthorizationResult {
      if (nodeNameOf(attrs.user) === undefined) return { decision: 'no-opinion', reason: '' };
      for (const r of rules) if (ruleAllows(attrs, r)) return { decision: 'allow', reason: '' };
      return { decision: 'no-opinion', reason: '' };
    },
  };
}
