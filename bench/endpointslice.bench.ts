/**
 * EndpointSlice and Endpoints reconcile time (the pure decision step, no I/O) for one Service with
 * 1,000 and 10,000 ready pods, next to a baseline measured in the same run: one JSON.stringify of
 * the pods (a single linear pass over the same data).
 *   - initial: no slices yet (all slices created);
 *   - resync: slices current, nothing to write;
 *   - one flip: one pod loses readiness (one slice updated);
 *   - Endpoints: the legacy object from scratch (repacked, truncated at 1,000).
 *
 * Run: node --import tsx bench/endpointslice.bench.ts [--rounds 20]
 */
import { parseArgs } from 'node:util';
import type { V1Pod, V1Service } from '../src/api/core/v1/index.js';
import type { EndpointSlice } from '../src/api/discovery/v1/index.js';
import { reconcileEndpointSlices, type EndpointSlicePlan } from '../src/controllers/endpointslice/reconcile.js';
import type { NodeInfo } from '../src/controllers/endpointslice/topology.js';
import { reconcileEndpoints } from '../src/controllers/endpoints/reconcile.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(values.rounds);

const service: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'bench', uid: 'svc', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] },
};
const nodes = new Map<string, NodeInfo>(Array.from({ length: 10 }, (_, i) => [`n${i}`, { name: `n${i}`, zone: `z${i % 3}`, ready: true, cpuMillis: 4000 }]));

function pods(n: number, notReady = -1): V1Pod[] {
  return Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${i}`, namespace: 'bench', uid: `u${i}`, labels: { app: 'web' } },
    spec: { nodeName: `n${i % 10}`, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: `10.${244 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, podIPs: [{ ip: `10.${244 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` }], conditions: [{ type: 'Ready', status: i === notReady ? 'False' : 'True' }] },
  }));
}

function materialize(plan: EndpointSlicePlan): EndpointSlice[] {
  return plan.create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}`, resourceVersion: '1' } }));
}

function time(fn: () => unknown): { medianMs: number; p90Ms: number } {
  fn();
  const t: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((a, b) => a - b);
  return { medianMs: t[Math.floor(t.length / 2)]!, p90Ms: t[Math.floor(t.length * 0.9)]! };
}

const fmt = (r: { medianMs: number; p90Ms: number }) => `${r.medianMs.toFixed(2)} ms (p90 ${r.p90Ms.toFixed(2)})`;

for (const n of [1000, 10000]) {
  const ps = pods(n);
  const flipped = pods(n, Math.floor(n / 2));
  const baseline = time(() => JSON.stringify(ps));
  const initial = time(() => reconcileEndpointSlices({ service, pods: ps, nodes, existingSlices: [] }));
  const existing = materialize(reconcileEndpointSlices({ service, pods: ps, nodes, existingSlices: [] }));
  const resync = time(() => {
    const p = reconcileEndpointSlices({ service, pods: ps, nodes, existingSlices: existing });
    if (p.create.length + p.update.length + p.delete.length) throw new Error('resync wrote');
  });
  const flip = time(() => {
    const p = reconcileEndpointSlices({ service, pods: flipped, nodes, existingSlices: existing });
    if (p.update.length !== 1) throw new Error(`flip updated ${p.update.length}`);
  });
  const hinted = { ...service, metadata: { ...service.metadata, annotations: { 'service.kubernetes.io/topology-mode': 'Auto' } } };
  const hints = time(() => reconcileEndpointSlices({ service: hinted, pods: ps, nodes, existingSlices: existing }));
  const endpoints = time(() => reconcileEndpoints({ service, pods: ps }));
  console.log(`${n} endpoints (${existing.length} slices of ≤100):`);
  console.log(`  baseline JSON.stringify(pods)   ${fmt(baseline)}`);
  console.log(`  slices, initial                 ${fmt(initial)}`);
  console.log(`  slices, resync (no writes)      ${fmt(resync)}`);
  console.log(`  slices, one readiness flip      ${fmt(flip)}`);
  console.log(`  slices, zone hints (Auto)       ${fmt(hints)}`);
  console.log(`  Endpoints, from scratch         ${fmt(endpoints)}`);
}
