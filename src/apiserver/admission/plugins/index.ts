/**
 * Built-in admission plugins. Register in upstream's order:
 * `[ServiceAccount, LimitRanger, ResourceQuota]` (mutating phases run in that order, then the
 * write pipeline, then the validating phases in the same order).
 */
import type { AdmissionPlugin } from '../types.js';
import type { AdmissionAccess } from './access.js';
import { createServiceAccountAdmission } from './service-account.js';
import { createLimitRanger } from './limit-ranger.js';
import { createResourceQuotaAdmission } from './resource-quota.js';
export type { AdmissionAccess, AdmissionObjectReader, AdmissionStatusWriter } from './access.js';
export { ServiceAccountAdmission, createServiceAccountAdmission, DEFAULT_SERVICE_ACCOUNT, type ServiceAccountAdmissionOptions } from './service-account.js';
export {
  LimitRanger,
  createLimitRanger,
  LIMIT_RANGER_ANNOTATION,
  applyLimitRangeDefaults,
  podLimitViolations,
  pvcLimitViolations,
  defaultLimitRangeItem,
  type LimitRangerOptions,
  type LimitRangeView,
  type LimitRangeItemView,
} from './limit-ranger.js';
export { ResourceQuotaAdmission, createResourceQuotaAdmission, evaluateQuotas, type ResourceQuotaAdmissionOptions, type QuotaEvaluation } from './resource-quota.js';
export { createStoreAccess, type StoreAccessOptions } from './store-access.js';
export {
  NodeRestriction,
  createNodeRestriction,
  nodeIdentity,
  isKubeletLabel,
  forbiddenNodeLabels,
  NODE_USER_PREFIX,
  NODES_GROUP,
  type NodeRestrictionOptions,
} from './node-restriction.js';


/**
 * The three plugins in upstream's order over one access. `requireServiceAccount` turns on the
 * ServiceAccount existence check (only with the ServiceAccount controller running).
 */
export function builtinAdmission(access: AdmissionAccess, opts: { now?: () => Date; requireServiceAccount?: boolean } = {}): AdmissionPlugin[] {
  return [
    createServiceAccountAdmission(opts.requireServiceAccount ? { reader: access } : {}),
    createLimitRanger({ reader: access }),
    createResourceQuotaAdmission({ access, now: opts.now }),
  ];
}
