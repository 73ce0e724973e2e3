/** The node's service proxy (nftables) — see README.md. Cluster DNS is in dns/, NetworkPolicy in netpol/. */
export {
  startServiceProxy,
  removeServiceProxyTable,
  proxyModeNotice,
  proxyTableName,
  DEFAULT_PROXY_TABLE,
  ZONE_LABEL,
  type ServiceProxyOptions,
  type RunningServiceProxy,
  type ServiceProxyStats,
} from './service-proxy.js';
export { nftApplier, conntrackDeleter, conntrackAvailable, CONNTRACK_MISSING, type NftApply, type NftResult, type ConntrackDelete, type ConntrackResult } from './nft.js';
export { staleConntrackFilters, conntrackDeleteArgs, type ConntrackFilter } from './nftables/conntrack.js';
export { clusterEndpoints, topologyMode, type TopologyMode, type NodeTopology } from './nftables/topology.js';
export { buildServiceRules, endpointsFor, usableEndpoints, slicesByService, SERVICE_NAME_LABEL, loadBalancerSourceRanges, SOURCE_RANGES_ANNOTATION, type ProxyConfig, type ServiceRules, type ServiceLike, type EndpointSliceLike } from './nftables/model.js';
export { fullSyncScript, diffScript, deleteTableScript, baseStatements, type ServiceChange } from './nftables/script.js';
