/**
 * The Node authorizer (upstream plugin/pkg/auth/authorizer/node node_authorizer.go). A request of a
 * node identity (user `system:node:<name>` in group `system:nodes`) is decided here; other users
 * get no opinion. Access is subdivided as upstream:
 * - secrets, configmaps: get/list/watch of one named object (list/watch name it with
 *   `fieldSelector=metadata.name=X`) in a namespace, only when a pod bound to the node references
 *   it (graph, see node-graph.ts);
 * - persistentvolumeclaims: get (status: update/patch), persistentvolumes: get, only through a
 *   pod of the node;
 * - serviceaccounts: only `create` of the `token` subresource of a service account a pod of the
 *   node runs as;
 * - leases: get/create/update/patch/delete in kube-node-lease, named as the node (create: any
 *   name, NodeRestriction checks it);
 * - csinodes: get/create/update/patch/delete of the node's own CSINode, no subresources;
 * - anything else: upstream's static NodeRules().
 * Refusals give no opinion with upstream's reason text (the 403 message ends with it), e.g.
 * `no relationship found between node 'n1' and this object`.
 *
 * Without a graph (`graph` undefined) the subdivided resources fall back to the static rules: the
 * pre-graph behaviour, kept for callers that do not feed one. Pure.
 */
import type { PolicyRule } from '../../api/rbac/v1/index.js';
import type { UserInfo } from '../../api/types.js';
import { nodeRules } from './bootstrap-policy.js';
import type { GraphKind, NodeGraph } from './node-graph.js';
import { ruleAllows } from './rules.js';
import type { Attributes, AuthorizationResult, Authorizer } from './types.js';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node name of a node identity, or undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  const name = user.username.slice(NODE_USER_PREFIX.length);
  return name || undefined;
}

/** A node identity: in system:nodes with the system:node: prefix (the name may be empty). */
function isNodeIdentity(user: UserInfo): boolean {
  return user.username.startsWith(NODE_USER_PREFIX) && user.groups.includes(NODES_GROUP);
}

const ALLOW: AuthorizationResult = { decision: 'allow', reason: '' };
const deny = (reason: string): AuthorizationResult => ({ decision: 'no-opinion', reason });

export function createNodeAuthorizer(graph?: NodeGraph): Authorizer & { rules(): readonly PolicyRule[] } {
  const rules = nodeRules();
  const staticRules = (attrs: Attributes): AuthorizationResult => {
    for (const r of rules) if (ruleAllows(attrs, r)) return ALLOW;
    return deny('');
  };

  const related = (node: string, kind: GraphKind, attrs: Attributes): AuthorizationResult => {
    if (!attrs.name) return deny('No Object name found');
    if (graph!.hasPath(node, kind, attrs.namespace, attrs.name)) return ALLOW;
    return deny(`no relationship found between node '${node}' and this object`);
  };

  const readNamespaced = (node: string, kind: GraphKind, attrs: Attributes): AuthorizationResult => {
    if (!['get', 'list', 'watch'].includes(attrs.verb)) return deny('can only read resources of this type');
    if (attrs.subresource) return deny('cannot read subresource');
    if (!attrs.namespace) return deny('can only read namespaced object of this type');
    return related(node, kind, attrs);
  };

  const getOnly = (node: string, kind: GraphKind, attrs: Attributes): AuthorizationResult => {
    if (attrs.verb !== 'get') return deny('can only get individual resources of this type');
    if (attrs.subresource) return deny('cannot get subresource');
    return related(node, kind, attrs);
  };

  const statusUpdate = (node: string, kind: GraphKind, attrs: Attributes): AuthorizationResult => {
    if (attrs.verb !== 'update' && attrs.verb !== 'patch') return deny('can only get/update/patch this type');
    if (attrs.subresource !== 'status') return deny('can only update status subresource');
    return related(node, kind, attrs);
  };

  const createToken = (node: string, attrs: Attributes): AuthorizationResult => {
    if (attrs.verb !== 'create' || !attrs.name) return deny('can only create tokens for individual service accounts');
    if (attrs.subresource !== 'token') return deny('can only create token subresource of serviceaccount');
    if (graph!.hasPath(node, 'serviceaccount', attrs.namespace, attrs.name)) return ALLOW;
    return deny(`no relationship found between node '${node}' and this object`);
  };

  const lease = (node: string, attrs: Attributes): AuthorizationResult => {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return deny('can only get, create, update, patch, or delete a node lease');
    if (attrs.namespace !== NODE_LEASE_NAMESPACE) return deny(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    if (attrs.verb !== 'create' && attrs.name !== node) return deny('can only access node lease with the same name as the requesting node');
    return ALLOW;
  };

  const csiNode = (node: string, attrs: Attributes): AuthorizationResult => {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return deny('can only get, create, update, patch, or delete a CSINode');
    if (attrs.subresource) return deny('cannot authorize CSINode subresources');
    if (attrs.verb !== 'create' && attrs.name !== node) return deny('can only access CSINode with the same name as the requesting node');
    return ALLOW;
  };

  return {
    name: 'Node',
    rules: () => rules,
    authorize(attrs: Attributes): AuthorizationResult {
      if (!isNodeIdentity(attrs.user)) return deny('');
      const node = nodeNameOf(attrs.user);
      if (node === undefined) return deny(`unknown node for user ${JSON.stringify(attrs.user.username)}`);
      if (graph && attrs.isResourceRequest) {
        const g = attrs.apiGroup;
        const r = attrs.resource;
        if (g === '' && r === 'secrets') return readNamespaced(node, 'secret', attrs);
        if (g === '' && r === 'configmaps') return readNamespaced(node, 'configmap', attrs);
        if (g === '' && r === 'persistentvolumeclaims') return attrs.subresource === 'status' ? statusUpdate(node, 'pvc', attrs) : getOnly(node, 'pvc', attrs);
        if (g === '' && r === 'persistentvolumes') return getOnly(node, 'pv', attrs);
        if (g === '' && r === 'serviceaccounts') return createToken(node, attrs);
        if (g === 'coordination.k8s.io' && r === 'leases') return lease(node, attrs);
        if (g === 'storage.k8s.io' && r === 'csinodes') return csiNode(node, attrs);
      }
      return staticRules(attrs);
    },
  };
}
