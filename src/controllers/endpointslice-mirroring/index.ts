/** The EndpointSlice mirroring controller (upstream pkg/controller/endpointslicemirroring). */
export {
  newEndpointSliceMirroringController,
  EndpointSliceMirroringController,
  ENDPOINTSLICE_MIRRORING_CONTROLLER,
  type EndpointSliceMirroringControllerOptions,
} from './controller.js';
export { reconcileMirroring, shouldMirror, LABEL_SKIP_MIRROR, DEFAULT_MAX_ENDPOINTS_PER_SUBSET, type MirroringInput, type MirroringPlan } from './reconcile.js';
