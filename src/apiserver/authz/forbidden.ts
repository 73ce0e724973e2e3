/**
 * Upstream's 403 for a refused request (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters
 * forbiddenMessage + apierrors.NewForbidden):
 *   pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"
 *   nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope
 *   forbidden: User "u" cannot get path "/metrics"
 * followed by `: <reason>` when the authorizers gave one. Pure.
 */
import { ApiError, forbidden } from '../../lib/errors.js';
import type { Attributes } from './types.js';

export function forbiddenMessage(attrs: Attributes): string {
  const user = attrs.user.username;
  if (!attrs.isResourceRequest) return `User ${JSON.stringify(user)} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  if (attrs.namespace)
    return `User ${JSON.stringify(user)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} in the namespace ${JSON.stringify(attrs.namespace)}`;
  return `User ${JSON.stringify(user)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} at the cluster scope`;
}

export function forbiddenError(attrs: Attributes, reason: string): ApiError {
  const msg = reason ? `${forbiddenMessage(attrs)}: ${reason}` : forbiddenMessage(attrs);
  if (!attrs.isResourceRequest) return new ApiError('Forbidden', 403, `forbidden: ${msg}`, {});
  return forbidden({ group: attrs.apiGroup, resource: attrs.resource }, attrs.name, msg);
}
