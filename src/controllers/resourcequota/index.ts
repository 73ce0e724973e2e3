/**
 * ResourceQuota: usage evaluators (shared with the ResourceQuota admission plugin), the pure status
 * decision and the controller.
 */
export * from './usage.js';
export { reconcileQuota, trackedGroupResources, type QuotaView } from './reconcile.js';
