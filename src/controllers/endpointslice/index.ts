/** The EndpointSlice controller (upstream pkg/controller/endpointslice). */
export { newEndpointSliceController, EndpointSliceController, ENDPOINTSLICE_CONTROLLER, type EndpointSliceControllerOptions } from './controller.js';
export {
  reconcileEndpointSlices,
  managesService,
  addressTypesForService,
  desiredSliceLabels,
  endpointPorts,
  podToEndpoint,
  DEFAULT_MAX_ENDPOINTS_PER_SLICE,
  MAX_MAX_ENDPOINTS_PER_SLICE,
  type EndpointSliceReconcileInput,
  type EndpointSlicePlan,
  type AddressType,
} from './reconcile.js';
export { TriggerTimeTracker } from './trigger-time.js';
export * from './util.js';
export { nodeInfo, cpuRatiosByZone, topologyHintsEnabled, type NodeInfo, type HintEvent } from './topology.js';
