/**
 * Property tests of the pure cycle: whatever the cluster and the pods, every placement satisfies
 * every required rule and no node is over-committed. Checks are written independently of the
 * plugins (plain loops over the final state).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Snapshot, podInfoOf, withNodeName, type PodInfo } from './framework/index.js';
import { defaultFramework } from './plugins/index.js';
import { node, pod } from './testing/fixtures.js';
import type { V1Pod } from '../api/core/v1/pod-types.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

const nodeArb = fc.record({
  cpu: fc.integer({ min: 1, max: 8 }),
  memGi: fc.integer({ min: 1, max: 16 }),
  pods: fc.integer({ min: 1, max: 8 }),
  zone: fc.constantFrom('a', 'b', 'c'),
  tainted: fc.boolean(),
  cordoned: fc.boolean(),
});

const podArb = fc.record({
  milli: fc.integer({ min: 0, max: 3000 }),
  memMi: fc.integer({ min: 0, max: 4096 }),
  app: fc.constantFrom('web', 'db', 'cache'),
  tolerates: fc.boolean(),
  zoneSelector: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
  anti: fc.option(fc.constantFrom(HOST, ZONE), { nil: undefined }),
  spread: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
  hostPort: fc.option(fc.constantFrom(80, 81), { nil: undefined }),
  priority: fc.integer({ min: 0, max: 2 }),
});

type PodSpecGen = typeof podArb extends fc.Arbitrary<infer T> ? T : never;

function makePod(i: number, g: PodSpecGen): V1Pod {
  const p = pod(`p${i}`, {
    cpu: g.milli ? `${g.milli}m` : undefined,
    memory: g.memMi ? `${g.memMi}Mi` : undefined,
    labels: { app: g.app },
    hostPort: g.hostPort,
    priority: g.priority,
  });
  const spec = p.spec!;
  if (g.tolerates) spec.tolerations = [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }];
  if (g.zoneSelector) spec.nodeSelector = { [ZONE]: g.zoneSelector };
  if (g.anti) spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: g.anti, labelSelector: { matchLabels: { app: g.app } } }] } };
  if (g.spread) spec.topologySpreadConstraints = [{ maxSkew: g.spread, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: g.app } } }];
  return p;
}

function checkPlacement(snap: Snapshot, pi: PodInfo, nodeName: string): void {
  const ni = snap.get(nodeName)!;
  const spec = pi.pod.spec!;
  // Taints and cordons.
  for (const t of ni.taints) if (t.effect === 'NoSchedule') assert.ok(spec.tolerations?.some((x) => x.key === t.key), `${pi.name} on tainted ${nodeName}`);
  assert.ok(!ni.unschedulable, `${pi.name} on cordoned ${nodeName}`);
  // Node selector.
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) assert.equal(ni.labels[k], v, `${pi.name} selector`);
  // Anti-affinity both ways: no pod of the same app in the domain, unless neither side has the rule.
  for (const other of snap.nodes) {
    for (const q of other.pods) {
      if (q.key === pi.key) continue;
      for (const [a, b] of [[pi, q], [q, pi]] as const) {
        const term = a.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
        if (!term || b.labels['app'] !== a.labels['app']) continue;
        const key = term.topologyKey!;
        const aNode = a === pi ? ni : other;
        const bNode = a === pi ? other : ni;
        assert.ok(aNode.labels[key] === undefined || aNode.labels[key] !== bNode.labels[key], `${a.name} anti-affinity vs ${b.name} on ${key}`);
      }
    }
  }
  // Spread at placement time: domain count − min over eligible domains ≤ maxSkew.
  const c = spec.topologySpreadConstraints?.[0];
  if (c) {
    const counts = new Map<string, number>();
    for (const n of snap.nodes) {
      if (spec.nodeSelector && Object.entries(spec.nodeSelector).some(([k, v]) => n.labels[k] !== v)) continue;
      const z = n.labels[ZONE]!;
      counts.set(z, (counts.get(z) ?? 0) + n.pods.filter((q) => q.labels['app'] === pi.labels['app']).length);
    }
    const min = Math.min(...counts.values());
    assert.ok(counts.get(ni.labels[ZONE]!)! - min <= c.maxSkew!, `${pi.name} skew`);
  }
}

function checkNodes(snap: Snapshot): void {
  for (const ni of snap.nodes) {
    let cpu = 0;
    let mem = 0;
    const ports = new Set<number>();
    for (const p of ni.pods) {
      cpu += p.requests.milliCPU;
      mem += p.requests.memory;
      for (const hp of p.hostPorts) {
        assert.ok(!ports.has(hp.port), `port ${hp.port} twice on ${ni.name}`);
        ports.add(hp.port);
      }
    }
    assert.ok(cpu <= ni.allocatable.milliCPU, `cpu over-committed on ${ni.name}`);
    assert.ok(mem <= ni.allocatable.memory, `memory over-committed on ${ni.name}`);
    assert.ok(ni.pods.length <= ni.allocatable.allowedPodNumber, `too many pods on ${ni.name}`);
  }
}

test('every placement satisfies every required rule; no node is over-committed', () => {
  fc.assert(
    fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 8 }), fc.array(podArb, { minLength: 1, maxLength: 40 }), (ns, ps) => {
      const snap = Snapshot.from(
        ns.map((n, i) =>
          node(`n${i}`, {
            cpu: String(n.cpu),
            memory: `${n.memGi}Gi`,
            pods: n.pods,
            labels: { [ZONE]: n.zone },
            taints: n.tainted ? [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] : undefined,
            unschedulable: n.cordoned,
          }),
        ),
      );
      const fw = defaultFramework();
      ps.forEach((g, i) => {
        const pi = podInfoOf(makePod(i, g));
        const r = fw.schedule(snap, pi);
        if (r.outcome === 'Scheduled') {
          snap.addPod(withNodeName(pi, r.node));
          checkPlacement(snap, snap.pod(pi.key)!, r.node);
        } else if (r.outcome === 'Unschedulable' && r.nominatedNode) {
          // Apply the preemption as the I/O layer would, then place the pod on its nominated node.
          for (const v of r.victims ?? []) {
            assert.ok(v.priority < pi.priority, 'victims have lower priority');
            snap.removePod(v.key);
          }
          const again = fw.schedule(snap, pi);
          assert.equal(again.outcome, 'Scheduled', `preemption made room for ${pi.name}: ${again.outcome === 'Unschedulable' ? again.message : ''}`);
          if (again.outcome === 'Scheduled') {
            snap.addPod(withNodeName(pi, again.node));
            checkPlacement(snap, snap.pod(pi.key)!, again.node);
          }
        } else assert.equal(r.outcome, 'Unschedulable');
        checkNodes(snap);
      });
    }),
    { numRuns: 300 },
  );
});

test('an unschedulable verdict is right: no node passes an independent check of resources', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 100, max: 3000 }), { minLength: 1, maxLength: 20 }), (cpus, reqs) => {
      const snap = Snapshot.from(cpus.map((c, i) => node(`n${i}`, { cpu: String(c) })));
      const fw = defaultFramework();
      reqs.forEach((m, i) => {
        const pi = podInfoOf(pod(`p${i}`, { cpu: `${m}m` }));
        const r = fw.schedule(snap, pi);
        const fits = snap.nodes.some((n) => n.allocatable.milliCPU - n.requested.milliCPU >= m);
        assert.equal(r.outcome === 'Scheduled', fits);
        if (r.outcome === 'Scheduled') snap.addPod(withNodeName(pi, r.node));
      });
    }),
    { numRuns: 300 },
  );
});
