/** PodDisruptionBudget status (upstream pkg/controller/disruption). */
export { DisruptionController, newDisruptionController, DISRUPTION_COMPONENT, type DisruptionControllerOptions } from './controller.js';
export { reconcilePdb, podsForPdb, scaledValue, isPodReady, DELETION_TIMEOUT_MS, type PdbDecision, type PdbEvent, type WorkloadLists } from './reconcile.js';
