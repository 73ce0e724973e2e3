/** Node stats: the kubelet's Summary API (/stats/summary) from the CRI runtime and the host's cgroups. */
export { createStatsProvider, DEFAULT_STATS_INTERVAL_MS, DEFAULT_STATS_MIN_INTERVAL_MS, type StatsProvider, type StatsProviderOptions } from './provider.js';
export { createHostStatsReader, type HostStatsReader, type HostStatsReaderOptions } from './host-reader.js';
export { usageNanoCores, workingSetBytes, availableBytes, CpuHistory } from './rates.js';
export { renderResourceMetrics, RESOURCE_METRICS_CONTENT_TYPE } from './resource-metrics.js';
export { buildSummary, cpuAndMemoryOnly, podSamplesFromCri, recordRound, toTime } from './summary.js';
export type * from './types.js';
