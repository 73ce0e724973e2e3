/** Pod networking for the node agent: the CNI conflist and the host side (bridge, safety routes, egress guard). */
export {
  CNI_VERSION,
  CONFLIST_FILE,
  DEFAULT_BRIDGE,
  DEFAULT_NETWORK_NAME,
  MAX_INTERFACE_NAME,
  bridgeConflist,
  cidrTextsOverlap,
  gatewayAddress,
  gatewayOf,
  probeAddress,
  validateCIDR,
  validateInterfaceName,
  validateNetworkName,
  validatePodCIDR,
  type BridgeConflistOptions,
  type CniConflist,
  type CniPluginConf,
} from './cni-config.js';
export { FALLBACK_METRIC, NodeNetworkError, isBridge, setupNodeNetwork, type NodeNetwork, type NodeNetworkErrorReason, type NodeNetworkOptions } from './node-network.js';
export { runCommand, type CommandResult, type RunCommand } from './command.js';
export {
  BRIDGES_SET,
  DEFAULT_NFT_TABLE,
  egressChainName,
  egressGuardApplyScript,
  egressGuardRemoveScript,
  localnetChainName,
  validateNftTableName,
  type EgressGuardSpec,
} from './egress-guard.js';
export { PORTMAP_SHARED_CHAINS, planPortmapCleanup, type PortmapCleanupPlan } from './portmap-cleanup.js';
