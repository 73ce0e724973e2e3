/** The ReplicaSet controller (upstream pkg/controller/replicaset): wiring, pure decisions, helpers. */
export { ReplicaSetController, newReplicaSetController, type ReplicaSetControllerOptions, type WorkQueueFactory } from './controller.js';
export { reconcile as reconcileReplicaSet, calculateStatus as replicaSetStatus, podFromTemplate, replicaSetControllerRef, BURST_REPLICAS } from './reconcile.js';
export type { ReplicaSetAction, ReplicaSetObserved, ReplicaSetPlan, ManageError, StatusResult } from './reconcile.js';
export { Expectations } from './expectations.js';
export { CONTROLLER_UID_INDEX, ORPHANS_INDEX, addOwnershipIndexes, controllerOf, isPodActive, isPodReady, isPodAvailable, podsToDelete, deleteBefore, slowStartBatches } from './pods.js';
