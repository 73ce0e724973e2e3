export { createCrdController, type CrdController, type CrdControllerDeps } from './controller.js';
export { computeNames, desiredStatus, usedNames, isServable } from './reconcile.js';
