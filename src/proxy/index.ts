/** The node's service proxy (nftables) — see README.md. Cluster DNS is in dns/, NetworkPolicy in netpol/. */
export {
  startServiceProxy,
  removeServiceProxyTable,
  proxyModeNotice,
  proxyTableName,
  DEFAULT_PROXY_TABLE,
  type ServiceProxyOptions,
  type RunningServiceProxy,
  type ServiceProxyStats,
} from './service-proxy.js';
export { nftApplier, type NftApply, type NftResult } from './nft.js';
export { buildServiceRules, endpointsFor, usableEndpoints, slicesByService, SERVICE_NAME_LABEL, type ProxyConfig, type ServiceRules, type ServiceLike, type EndpointSliceLike } from './nftables/model.js';
export { fullSyncScript, diffScript, deleteTableScript, baseStatements, type ServiceChange } from './nftables/script.js';
