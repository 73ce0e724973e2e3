/** NetworkPolicy enforcement on a node (nftables, `table inet flotilla-netpol`); see README.md. */
export {
  NETPOL_PRIORITY,
  baseNames,
  compileNetpol,
  netpolNamespace,
  netpolPod,
  groupChainName,
  isolationOf,
  policyChainName,
  withStartingPods,
  type CompileInput,
  type NetpolNamespace,
  type NetpolPod,
  type NetpolPolicy,
  type Ruleset,
  type StartingPod,
} from './compile.js';
export { diffScript, fullScript, ownedObjects, removalScript, type OwnedObjects } from './nft-script.js';
export {
  NETPOL_TABLE,
  NETWORK_POLICIES,
  NetworkPolicyError,
  removeNetworkPolicy,
  startNetworkPolicy,
  type NetworkPolicyOptions,
  type NetworkPolicyStats,
  type RunningNetworkPolicy,
} from './network-policy.js';
