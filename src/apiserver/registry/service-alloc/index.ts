/** Service cluster IP and NodePort allocation in the API server, and the `kubernetes` Service. */
export { ServiceAllocator, needsHealthCheck, serviceNodePorts, type AllocationTxn, type IpFamilyName, type ServiceAllocatorOptions } from './allocator.js';
export { AllocationError, type AllocationFailure } from './errors.js';
export { IpRange, MAX_SERVICE_CIDR_HOST_BITS } from './ip-range.js';
export { DEFAULT_NODE_PORT_RANGE, PortRange, formatPortRange, parsePortRange, type PortRangeSpec } from './port-range.js';
export { serviceWriteHooks } from './hooks.js';
export {
  KUBERNETES_SERVICE,
  desiredKubernetesEndpointSlice,
  desiredKubernetesEndpoints,
  desiredKubernetesService,
  reconcileKubernetesService,
  releaseEndpointLease,
  liveServerIps,
  endpointLeaseName,
  ENDPOINT_LEASE_LABEL,
  type ApiEndpoint,
  type KubernetesServiceStores,
} from './kubernetes-service.js';
