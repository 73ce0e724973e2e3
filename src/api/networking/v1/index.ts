/** networking.k8s.io/v1: NetworkPolicy, Ingress, IngressClass. */
import type { ResourceDef } from '../../types.js';
import { networkPolicy } from './network-policy.js';
import { ingress, ingressClass } from './ingress.js';

export * from './network-policy.js';
export * from './ingress.js';
export * as schemas from './schema.js';

export const resources: ResourceDef[] = [networkPolicy, ingress, ingressClass];
