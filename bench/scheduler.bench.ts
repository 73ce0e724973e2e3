/**
 * Throughput of the pure scheduling cycle (src/scheduler: PodInfo compile + Framework.schedule +
 * assume into the snapshot), in pods/s, on 1,000 and 5,000 synthetic nodes (32 cpu, 128 GiB,
 * 110 pods, 3 zones), for pods of 100-replica Deployments (100m / 128Mi):
 *   plain               default profile, adaptive percentageOfNodesToScore
 *   anti-affinity       + required pod anti-affinity on kubernetes.io/hostname
 *   spread              + topology spread over zones, maxSkew 1, DoNotSchedule
 *   baseline            same pods, a profile of NodeResourcesFit alone (the floor of any cycle)
 * The end-to-end figure (through the API server) comes from the simulator benchmark.
 *
 * Run: node --import tsx bench/scheduler.bench.ts [--pods 10000] [--nodes 1000,5000] [--scenarios plain,spread]
 * Bounded: each scenario stops after --pods placements or 20 s.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Framework, Snapshot, podInfoOf, withNodeName } from '../src/scheduler/framework/index.js';
import { NodeResourcesFit, defaultFramework } from '../src/scheduler/plugins/index.js';
import { node, pod } from '../src/scheduler/testing/fixtures.js';
import type { V1Pod } from '../src/api/core/v1/pod-types.js';

const { values } = parseArgs({
  options: { pods: { type: 'string', default: '10000' }, nodes: { type: 'string', default: '1000,5000' }, scenarios: { type: 'string', default: 'baseline,plain,anti-affinity,spread' } },
});
const PODS = Number(values.pods);
const NODE_COUNTS = String(values.nodes).split(',').map(Number);
const LIMIT_MS = 20_000;
const ZONES = ['a', 'b', 'c'];

type Scenario = 'plain' | 'anti-affinity' | 'spread' | 'baseline';

function makePod(i: number, s: Scenario): V1Pod {
  const app = `dep-${Math.floor(i / 100)}`;
  const p = pod(`p-${i}`, { cpu: '100m', memory: '128Mi', labels: { app, 'pod-template-hash': 'abc' } });
  if (s === 'anti-affinity')
    p.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } }] } };
  if (s === 'spread')
    p.spec!.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } }];
  return p;
}

function run(nodes: number, s: Scenario): { podsPerSec: number; placed: number; failed: number } {
  const snap = Snapshot.from(Array.from({ length: nodes }, (_, i) => node(`node-${i}`, { cpu: '32', memory: '128Gi', pods: 110, labels: { 'topology.kubernetes.io/zone': ZONES[i % 3]! } })));
  const fw = s === 'baseline' ? new Framework([{ plugin: new NodeResourcesFit() }]) : defaultFramework();
  const pods = Array.from({ length: PODS }, (_, i) => makePod(i, s)); // objects built outside the timing
  let placed = 0;
  let failed = 0;
  const t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    const pi = podInfoOf(pods[i]!);
    const r = fw.schedule(snap, pi);
    if (r.outcome === 'Scheduled') {
      snap.addPod(withNodeName(pi, r.node));
      placed++;
    } else failed++;
    if ((i & 255) === 0 && performance.now() - t0 > LIMIT_MS) break;
  }
  const ms = performance.now() - t0;
  return { podsPerSec: ((placed + failed) * 1000) / ms, placed, failed };
}

console.log(`scheduler cycle (pure, one thread): ${PODS} pods per scenario`);
console.log('nodes  scenario        pods/s    placed  unschedulable');
for (const n of NODE_COUNTS) {
  for (const s of String(values.scenarios).split(',') as Scenario[]) {
    const r = run(n, s);
    console.log(`${String(n).padEnd(6)} ${s.padEnd(15)} ${r.podsPerSec.toFixed(0).padStart(7)}   ${String(r.placed).padStart(6)}  ${r.failed}`);
  }
}
