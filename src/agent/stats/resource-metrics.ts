/**
 * The kubelet's /metrics/resource endpoint (what metrics-server ≥ 0.6 scrapes; it computes CPU
 * rates itself from two scrapes): the STABLE families of kubelet's resource metrics collector in
 * the Prometheus text format 0.0.4. Pure.
 *
 * Contracts, as upstream's collector:
 * - CPU counters in core-seconds, working sets in bytes, each sample stamped (milliseconds) with
 *   the time the runtime measured it: full precision, not the whole seconds of the Summary JSON,
 *   because metrics-server divides by the difference of these stamps;
 * - an object without the figure has no sample; containers carry container/pod/namespace labels,
 *   pods pod/namespace;
 * - resource_scrape_error is 1 (and nothing else is reported) when the round failed, else 0;
 * - families are sorted by name, samples by their labels (stable output).
 */
import type { StatsRound } from './types.js';

export const RESOURCE_METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels: [string, string][]; value: number; timeMs?: number }[];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of [...families].sort((a, b) => a.name.localeCompare(b.name))) {
    out.push(`# HELP ${f.name} [STABLE] ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    const lines = f.samples.map((s) => {
      const labels = s.labels.length > 0 ? `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      return { key: labels, line: `${f.name}${labels} ${formatValue(s.value)}${s.timeMs !== undefined ? ` ${Math.floor(s.timeMs)}` : ''}` };
    });
    lines.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const l of lines) out.push(l.line);
  }
  return out.join('\n') + '\n';
}

const nsToMs = (ns: number): number => ns / 1e6;

/** The /metrics/resource body for a round, or for a failed round when `round` is undefined. */
export function renderResourceMetrics(round: StatsRound | undefined): string {
  const scrapeError: Family = { name: 'resource_scrape_error', help: '1 if there was an error while getting container metrics, 0 otherwise', type: 'gauge', samples: [{ labels: [], value: round ? 0 : 1 }] };
  if (!round) return render([scrapeError]);

  const fam = (name: string, help: string, type: Family['type']): Family => ({ name, help, type, samples: [] });
  const nodeCpu = fam('node_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the node in core-seconds', 'counter');
  const nodeMem = fam('node_memory_working_set_bytes', 'Current working set of the node in bytes', 'gauge');
  const cCpu = fam('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the container in core-seconds', 'counter');
  const cMem = fam('container_memory_working_set_bytes', 'Current working set of the container in bytes', 'gauge');
  const cStart = fam('container_start_time_seconds', 'Start time of the container since unix epoch in seconds', 'gauge');
  const pCpu = fam('pod_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the pod in core-seconds', 'counter');
  const pMem = fam('pod_memory_working_set_bytes', 'Current working set of the pod in bytes', 'gauge');

  const n = round.node;
  if (n.cpu) nodeCpu.samples.push({ labels: [], value: n.cpu.usageCoreNanoSeconds / 1e9, timeMs: nsToMs(n.cpu.timeNs) });
  if (n.memory?.workingSetBytes !== undefined) nodeMem.samples.push({ labels: [], value: n.memory.workingSetBytes, timeMs: nsToMs(n.memory.timeNs) });
  for (const p of round.pods) {
    const podLabels: [string, string][] = [
      ['namespace', p.ref.namespace],
      ['pod', p.ref.name],
    ];
    for (const c of p.containers) {
      const labels: [string, string][] = [['container', c.name], ...podLabels];
      if (c.startTimeNs > 0) cStart.samples.push({ labels, value: c.startTimeNs / 1e9 });
      if (c.cpu) cCpu.samples.push({ labels, value: c.cpu.usageCoreNanoSeconds / 1e9, timeMs: nsToMs(c.cpu.timeNs) });
      if (c.memory?.workingSetBytes !== undefined) cMem.samples.push({ labels, value: c.memory.workingSetBytes, timeMs: nsToMs(c.memory.timeNs) });
    }
    if (p.cpu) pCpu.samples.push({ labels: podLabels, value: p.cpu.usageCoreNanoSeconds / 1e9, timeMs: nsToMs(p.cpu.timeNs) });
    if (p.memory?.workingSetBytes !== undefined) pMem.samples.push({ labels: podLabels, value: p.memory.workingSetBytes, timeMs: nsToMs(p.memory.timeNs) });
  }
  return render([nodeCpu, nodeMem, cCpu, cMem, cStart, pCpu, pMem, scrapeError]);
}
