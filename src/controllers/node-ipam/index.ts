/** Node IPAM: pod subnets for nodes (see README.md). */
export { NodeIpamController, newNodeIpamController, type NodeIpamControllerOptions } from './controller.js';
export { CidrSet, PodCidrAllocator, reconcileNode, parseCidr, formatCidr, nodeCidrs, type IpamAction, type IpamNode } from './reconcile.js';
