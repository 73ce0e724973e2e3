/** The Deployment controller (upstream pkg/controller/deployment): wiring, pure decisions, helpers. */
export { DeploymentController, newDeploymentController, type DeploymentControllerOptions } from './controller.js';
export { reconcile as reconcileDeployment, deploymentControllerRef } from './reconcile.js';
export type { DeploymentAction, DeploymentObserved, DeploymentPlan } from './reconcile.js';
export { computeHash, safeEncode, canonicalJson } from './hash.js';
export * from './util.js';
