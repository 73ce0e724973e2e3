/**
 * What every controller gets from the controller manager. A controller acts only through `client`
 * (its own identity) and reads only through shared informers.
 */
import type { Client } from '../client/types.js';
import type { InformerFactory } from '../client/informer-types.js';
import type { Logger } from '../lib/log.js';

export interface EventSink {
  /** Records an event about `obj` (aggregated as upstream's event correlator does). */
  event(obj: { apiVersion?: string; kind?: string; metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string } }, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ClusterNetworks {
  /** Pod subnet(s), e.g. ['10.244.0.0/16']. */
  clusterCIDRs: string[];
  /** Service subnet(s), e.g. ['10.96.0.0/16']. */
  serviceCIDRs: string[];
  /** Per-node pod CIDR prefix length (default 24 for IPv4). */
  nodeCIDRMaskSize: number;
}

export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  /** An event recorder for a component name (e.g. 'deployment-controller'). */
  recorder(component: string): EventSink;
  logger: Logger;
  now: () => Date;
  networks: ClusterNetworks;
}

export interface Controller {
  readonly name: string;
  /** Registers informers and handlers; starts workers once informers have synced. */
  start(ctx: ControllerContext): Promise<void>;
  stop(): Promise<void>;
}
