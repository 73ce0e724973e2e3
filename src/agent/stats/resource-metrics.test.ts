import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderResourceMetrics } from './resource-metrics.js';
import type { StatsRound } from './types.js';

const T = 1_795_524_762_123_456_789;

test('renderResourceMetrics: kubelet\'s STABLE resource families with full-precision millisecond stamps', () => {
  const round: StatsRound = {
    timeNs: T,
    node: { timeNs: T, startTimeNs: 0, cpu: { timeNs: T, usageCoreNanoSeconds: 18652519673693 }, memory: { timeNs: T, workingSetBytes: 647032832 } },
    pods: [
      {
        sandboxId: 's1',
        ref: { name: 'web-"1"', namespace: 'default', uid: 'u1' },
        startTimeNs: T - 60e9,
        cpu: { timeNs: T, usageCoreNanoSeconds: 1775282693 },
        memory: { timeNs: T, workingSetBytes: 946176 },
        containers: [
          { id: 'c2', name: 'sidecar', startTimeNs: 1_795_524_700_500_000_000 },
          { id: 'c1', name: 'app', startTimeNs: 1_795_524_700_000_000_000, cpu: { timeNs: T, usageCoreNanoSeconds: 1770003585 }, memory: { timeNs: T, workingSetBytes: 475136 } },
        ],
      },
    ],
  };
  const ms = Math.floor(T / 1e6);
  assert.equal(
    renderResourceMetrics(round),
    [
      '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
      '# TYPE container_cpu_usage_seconds_total counter',
      `container_cpu_usage_seconds_total{container="app",namespace="default",pod="web-\\"1\\""} 1.770003585 ${ms}`,
      '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
      '# TYPE container_memory_working_set_bytes gauge',
      `container_memory_working_set_bytes{container="app",namespace="default",pod="web-\\"1\\""} 475136 ${ms}`,
      '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
      '# TYPE container_start_time_seconds gauge',
      'container_start_time_seconds{container="app",namespace="default",pod="web-\\"1\\""} 1795524700',
      'container_start_time_seconds{container="sidecar",namespace="default",pod="web-\\"1\\""} 1795524700.5',
      '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
      '# TYPE node_cpu_usage_seconds_total counter',
      `node_cpu_usage_seconds_total 18652.519673693 ${ms}`,
      '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
      '# TYPE node_memory_working_set_bytes gauge',
      `node_memory_working_set_bytes 647032832 ${ms}`,
      '# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds',
      '# TYPE pod_cpu_usage_seconds_total counter',
      `pod_cpu_usage_seconds_total{namespace="default",pod="web-\\"1\\""} 1.775282693 ${ms}`,
      '# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes',
      '# TYPE pod_memory_working_set_bytes gauge',
      `pod_memory_working_set_bytes{namespace="default",pod="web-\\"1\\""} 946176 ${ms}`,
      '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
      '# TYPE resource_scrape_error gauge',
      'resource_scrape_error 0',
      '',
    ].join('\n'),
  );
});

test('renderResourceMetrics: a failed round reports only resource_scrape_error 1', () => {
  assert.equal(
    renderResourceMetrics(undefined),
    '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n',
  );
});
