/**
 * ResourceQuota: usage evaluators (shared with the ResourceQuota admission plugin), the pure status
 * decision and the controller.
 */
export * from './usage.js';
export { reconcileQuota, trackedGroupResources, type QuotaView } from './reconcile.js';
export { ResourceQuotaController, newResourceQuotaController, RESOURCE_QUOTA_COMPONENT, type ResourceQuotaControllerOptions } from './controller.js';
