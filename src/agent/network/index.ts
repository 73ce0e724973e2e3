/** Pod networking for the node agent: the CNI conflist and the host side (bridge, safety routes). */
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
