export { SERVICE_LB_CONTROLLER, ServiceLbController, newServiceLbController, type ServiceLbControllerOptions } from './controller.js';
export { claimedAddresses, decideIngress, nodeIngressIps, parseLbPool, poolAddresses, type LbDecision, type LbIngress, type LbPool } from './reconcile.js';
