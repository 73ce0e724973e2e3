/** rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding. */
import type { ResourceDef } from '../../types.js';
import { clusterRoleBindingResource, clusterRoleResource, roleBindingResource, roleResource } from './rbac.js';

export * from './rbac.js';
export * as schemas from './schema.js';

/** In upstream's discovery order. */
export const resources: ResourceDef[] = [clusterRoleBindingResource, clusterRoleResource, roleBindingResource, roleResource];
