/** Cluster DNS: the node-local DNS server for the cluster zone (see README.md). */
export { startClusterDns, upstreamsFromResolvConf, type ClusterDnsOptions, type RunningClusterDns } from './cluster-dns.js';
export { startDnsServer, encodeResponse, type DnsServerOptions, type RunningDnsServer, type DnsServerStats, type HostPort } from './dns-server.js';
export { ClusterIndex, serviceEntry, sliceEndpoints, type ClusterView, type ServiceEntry, type EndpointEntry } from './cluster-index.js';
export { resolveQuestion, soaRecord, normalizeName, DNS_SCHEMA_VERSION, type Question, type Resolution, type ResourceRecord, type ZoneConfig } from './resolver.js';
export { AnswerCache } from './answer-cache.js';
export { startNodeDns, removeNodeDnsRedirect, type NodeDnsOptions, type RunningNodeDns } from './node-dns.js';
export { DNS_NFT_TABLE, DNS_NAT_PRIORITY, dnsRedirectApplyScript, dnsRedirectRemoveScript, dnsPreroutingChain, dnsOutputChain, type DnsRedirectSpec } from './dns-redirect.js';
