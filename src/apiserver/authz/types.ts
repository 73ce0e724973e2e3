/**
 * Authorization contract (upstream k8s.io/apiserver/pkg/authorization/authorizer): what a request
 * wants (Attributes) and what an authorizer says about it. Authorizers are asked in order; the first
 * `allow` or `deny` wins, `no-opinion` passes to the next; when nobody allows, the request is
 * forbidden with the reasons joined by ", " (as upstream's union authorizer).
 */
import type { UserInfo } from '../../api/types.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
}

export type Decision = 'allow' | 'deny' | 'no-opinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why, for the 403 message and SubjectAccessReview status (may be empty). */
  reason: string;
  /** Errors met while evaluating (missing roles...), for SubjectAccessReview's evaluationError. */
  evaluationError?: string;
}

export interface Authorizer {
  readonly name: string;
  authorize(attrs: Attributes): AuthorizationResult;
}

/** A user's rules (SelfSubjectRulesReview), as upstream's RuleResolver. */
export interface ResourceRuleOut {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}
export interface NonResourceRuleOut {
  verbs: string[];
  nonResourceURLs: string[];
}
export interface RulesResult {
  resourceRules: ResourceRuleOut[];
  nonResourceRules: NonResourceRuleOut[];
  incomplete: boolean;
  evaluationError?: string;
}

export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): RulesResult;
}
