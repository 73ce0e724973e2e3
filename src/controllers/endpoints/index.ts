/** The Endpoints controller (upstream pkg/controller/endpoint). */
export { newEndpointsController, EndpointsController, ENDPOINTS_CONTROLLER, type EndpointsControllerOptions } from './controller.js';
export {
  reconcileEndpoints,
  desiredSubsets,
  repackSubsets,
  truncateSubsets,
  subsetsEqual,
  managesService,
  ANNOTATION_OVER_CAPACITY,
  MAX_ENDPOINTS_CAPACITY,
  type EndpointsReconcileInput,
  type EndpointsAction,
  type V1Endpoints,
  type EndpointSubset,
  type EndpointAddress,
  type EndpointPort,
} from './reconcile.js';
