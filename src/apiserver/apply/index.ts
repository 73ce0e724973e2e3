/** Server-side apply and managedFields tracking for the apiserver's write handlers. */
export { applyObject, checkTyped, conflictError, managerName, trackUpdate, LAST_APPLIED, type WriteContext } from './field-manager.js';
export { fieldTypeOf } from './schema-type.js';
export { recordUpdate, serverSideApply, trackedScale, updateTracked, type ApplyRequest } from './request.js';
