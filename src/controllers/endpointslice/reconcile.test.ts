/**
 * The EndpointSlice reconcile step on plain objects: conditions from readiness and deletion,
 * publishNotReadyAddresses, named ports resolved per pod, the 100-endpoint cap with upstream's
 * low-churn placement, selector and IP changes, placeholders, address types, labels, hostnames,
 * skipped pods on unknown nodes, and topology hints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';
import type { EndpointSlice } from '../../api/discovery/v1/index.js';
import {
  addressTypesForService,
  reconcileEndpointSlices,
  type EndpointSliceReconcileInput,
  type EndpointSlicePlan,
} from './reconcile.js';
import { cpuRatiosByZone, type NodeInfo } from './topology.js';

function svc(over: Partial<NonNullable<V1Service['spec']>> = {}, meta: Partial<V1Service['metadata']> = {}): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { app: 'web' }, ...meta },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.20', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...over },
  };
}

function pod(name: string, ip: string, opts: { ready?: boolean; node?: string; deleting?: boolean; phase?: string; ports?: { name: string; containerPort: number }[]; ips?: string[]; hostname?: string; subdomain?: string } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: opts.node ?? 'n1',
      containers: [{ name: 'c', image: 'x', ports: (opts.ports ?? []).map((p) => ({ ...p, protocol: 'TCP' })) }],
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.subdomain ? { subdomain: opts.subdomain } : {}),
    },
    status: {
      phase: opts.phase ?? 'Running',
      podIP: ip,
      podIPs: (opts.ips ?? [ip]).map((i) => ({ ip: i })),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

const nodes = new Map<string, NodeInfo>([
  ['n1', { name: 'n1', zone: 'a', ready: true, cpuMillis: 2000 }],
  ['n2', { name: 'n2', zone: 'b', ready: true, cpuMillis: 2000 }],
]);

function run(over: Partial<EndpointSliceReconcileInput> & { service?: V1Service; pods?: V1Pod[] }): EndpointSlicePlan {
  return reconcileEndpointSlices({ service: svc(), pods: [], nodes, existingSlices: [], ...over });
}

let seq = 0;
/** Applies a plan to a store of slices, as the API server would (names from generateName). */
function apply(store: EndpointSlice[], plan: EndpointSlicePlan): EndpointSlice[] {
  let out = store.filter((s) => !plan.delete.some((d) => d.name === s.metadata.name));
  out = out.map((s) => plan.update.find((u) => u.metadata.name === s.metadata.name) ?? s);
  for (const c of plan.create) out.push({ ...structuredClone(c), metadata: { ...structuredClone(c.metadata), name: `${c.metadata.generateName}${(seq++).toString(36).padStart(5, 'x')}`, uid: `s-${seq}` } });
  return structuredClone(out);
}

/** Runs reconcile to a fixed point over a store and returns it. */
function converge(store: EndpointSlice[], input: Omit<EndpointSliceReconcileInput, 'existingSlices'>): EndpointSlice[] {
  let s = store;
  for (let i = 0; i < 5; i++) {
    const plan = reconcileEndpointSlices({ ...input, existingSlices: s });
    if (!plan.create.length && !plan.update.length && !plan.delete.length) return s;
    s = apply(s, plan);
  }
  assert.fail('did not converge');
}

const allEps = (slices: EndpointSlice[]) => slices.flatMap((s) => s.endpoints ?? []);

test('one ready pod gives one slice with upstream labels, owner, ports and conditions', () => {
  const plan = run({ pods: [pod('p1', '10.244.0.5')], triggerTime: '2026-01-01T00:00:01Z' });
  assert.equal(plan.create.length, 1);
  const s = plan.create[0]!;
  assert.equal(s.metadata.generateName, 'web-');
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.metadata.labels, { app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(s.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], '2026-01-01T00:00:01Z');
  assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
  assert.deepEqual(s.endpoints, [
    { addresses: ['10.244.0.5'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'uid-p1' }, nodeName: 'n1', zone: 'a' },
  ]);
});

test('unready pods are not ready and not serving; terminating pods keep serving but are not ready', () => {
  const plan = run({ pods: [pod('a', '10.244.0.1', { ready: false }), pod('b', '10.244.0.2', { deleting: true }), pod('c', '10.244.0.3', { deleting: true, ready: false })] });
  const c = Object.fromEntries(allEps(plan.create).map((e) => [e.targetRef!['name'], e.conditions]));
  assert.deepEqual(c, {
    a: { ready: false, serving: false, terminating: false },
    b: { ready: false, serving: true, terminating: true },
    c: { ready: false, serving: false, terminating: true },
  });
});

test('publishNotReadyAddresses makes every endpoint ready, even on an unknown node', () => {
  const plan = run({ service: svc({ publishNotReadyAddresses: true }), pods: [pod('a', '10.244.0.1', { ready: false }), pod('b', '10.244.0.2', { deleting: true, node: 'gone' })] });
  assert.deepEqual(
    allEps(plan.create).map((e) => e.conditions?.ready),
    [true, true],
  );
  assert.deepEqual(plan.skippedPods, []);
});

test('terminal pods and pods without an IP are left out; a pod on an unknown node is skipped and reported', () => {
  const noIp = pod('noip', '');
  noIp.status!.podIPs = [];
  delete noIp.status!.podIP;
  const plan = run({ pods: [pod('done', '10.244.0.1', { phase: 'Succeeded' }), pod('failed', '10.244.0.2', { phase: 'Failed' }), noIp, pod('lost', '10.244.0.3', { node: 'gone' }), pod('ok', '10.244.0.4')] });
  assert.deepEqual(allEps(plan.create).map((e) => e.targetRef!['name']), ['ok']);
  assert.deepEqual(plan.skippedPods, ['ns/lost']);
});

test('a named targetPort is resolved per pod; a pod without the name lands in a slice without that port', () => {
  const service = svc({ ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }, { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090, appProtocol: 'http' }] });
  const plan = run({
    service,
    pods: [pod('a', '10.244.0.1', { ports: [{ name: 'web', containerPort: 8080 }] }), pod('b', '10.244.0.2', { ports: [{ name: 'web', containerPort: 8081 }] }), pod('c', '10.244.0.3')],
  });
  const byPorts = new Map(plan.create.map((s) => [JSON.stringify(s.ports), (s.endpoints ?? []).map((e) => e.targetRef!['name'])]));
  assert.deepEqual(
    [...byPorts].sort(),
    [
      [JSON.stringify([{ name: 'http', protocol: 'TCP', port: 8080 }, { name: 'metrics', protocol: 'TCP', port: 9090, appProtocol: 'http' }]), ['a']],
      [JSON.stringify([{ name: 'http', protocol: 'TCP', port: 8081 }, { name: 'metrics', protocol: 'TCP', port: 9090, appProtocol: 'http' }]), ['b']],
      [JSON.stringify([{ name: 'metrics', protocol: 'TCP', port: 9090, appProtocol: 'http' }]), ['c']],
    ].sort(),
  );
});

test('a named port with another protocol does not match', () => {
  const service = svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }] });
  const p = pod('a', '10.244.0.1', { ports: [{ name: 'dns', containerPort: 5353 }] });
  const plan = run({ service, pods: [p] });
  assert.deepEqual(plan.create[0]!.ports, []);
});

test('no matching pods gives one placeholder slice, which stays put on resync', () => {
  const plan = run({ pods: [] });
  assert.equal(plan.create.length, 1);
  assert.deepEqual(plan.create[0]!.endpoints, []);
  assert.deepEqual(plan.create[0]!.ports, []);
  const store = apply([], plan);
  const again = run({ existingSlices: store });
  assert.deepEqual(again, { create: [], update: [], delete: [], skippedPods: [], events: [] });
  // The first pod turns the placeholder into a real slice (an update, not a create + delete).
  const withPod = run({ existingSlices: store, pods: [pod('a', '10.244.0.1')] });
  assert.equal(withPod.create.length, 0);
  assert.equal(withPod.delete.length, 0);
  assert.equal(withPod.update.length, 1);
  assert.equal(withPod.update[0]!.metadata.name, store[0]!.metadata.name);
  assert.equal(withPod.update[0]!.endpoints!.length, 1);
});

test('resync with nothing changed writes nothing', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${i}`, `10.244.${i >> 8}.${i & 255}`, { ready: i % 3 !== 0 }));
  const store = converge([], { service: svc(), pods, nodes });
  assert.deepEqual(run({ existingSlices: store, pods }), { create: [], update: [], delete: [], skippedPods: [], events: [] });
});

test('250 endpoints fill three slices of at most 100', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, `10.244.${i >> 8}.${(i & 255) + 1}`));
  const plan = run({ pods });
  assert.deepEqual(plan.create.map((s) => s.endpoints!.length), [100, 100, 50]);
  const plan2 = run({ pods, maxEndpointsPerSlice: 1000 });
  assert.deepEqual(plan2.create.map((s) => s.endpoints!.length), [250]);
});

test('readiness changes touch only the slice holding the pod', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, `10.244.${i >> 8}.${(i & 255) + 1}`));
  const store = apply([], run({ pods }));
  const changed = pods.map((p) => (p.metadata.name === 'p150' ? pod('p150', p.status!.podIP!, { ready: false }) : p));
  const plan = run({ pods: changed, existingSlices: store });
  assert.equal(plan.create.length + plan.delete.length, 0);
  assert.equal(plan.update.length, 1);
  const holder = store.find((s) => s.endpoints!.some((e) => e.targetRef!['name'] === 'p150'))!;
  assert.equal(plan.update[0]!.metadata.name, holder.metadata.name);
  assert.equal(plan.update[0]!.endpoints!.find((e) => e.targetRef!['name'] === 'p150')!.conditions!.ready, false);
  // Order within the slice is kept.
  assert.deepEqual(plan.update[0]!.endpoints!.map((e) => e.targetRef!['name']), holder.endpoints!.map((e) => e.targetRef!['name']));
});

test('scale up fills the partial slice that fits best; scale down removes from slices without moving others', () => {
  const mk = (n: number) => Array.from({ length: n }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, `10.244.${i >> 8}.${(i & 255) + 1}`));
  let store = converge([], { service: svc(), pods: mk(150), nodes });
  assert.deepEqual(store.map((s) => s.endpoints!.length).sort((a, b) => a - b), [50, 100]);
  // +30: they go into the slice of 50 (an update), no new slice.
  const up = run({ pods: mk(180), existingSlices: store });
  assert.equal(up.create.length, 0);
  assert.equal(up.update.length, 1);
  assert.equal(up.update[0]!.endpoints!.length, 80);
  store = apply(store, up);
  // Scale down to 60: endpoints removed where they are; an emptied slice is deleted.
  const down = converge(store, { service: svc(), pods: mk(60), nodes });
  assert.equal(allEps(down).length, 60);
  const before = new Map(store.flatMap((s) => s.endpoints!.map((e) => [e.targetRef!['name'], s.metadata.name])));
  for (const s of down) for (const e of s.endpoints!) assert.equal(before.get(e.targetRef!['name']), s.metadata.name, 'no endpoint moved');
  // 120 new pods: a slice that changes anyway is filled first, then a new one.
  const more = run({ pods: mk(180).filter((p, i) => i < 60 || i >= 60), existingSlices: down });
  const result = apply(down, more);
  assert.equal(allEps(result).length, 180);
  assert.ok(result.every((s) => s.endpoints!.length <= 100));
});

test('a pod IP change replaces the endpoint (new address, old removed)', () => {
  const store = apply([], run({ pods: [pod('a', '10.244.0.1'), pod('b', '10.244.0.2')] }));
  const plan = run({ pods: [pod('a', '10.244.0.9'), pod('b', '10.244.0.2')], existingSlices: store });
  assert.equal(plan.update.length, 1);
  assert.deepEqual(plan.update[0]!.endpoints!.map((e) => e.addresses![0]).sort(), ['10.244.0.2', '10.244.0.9']);
});

test('a selector change (the caller passes the new matches) swaps the endpoints in place', () => {
  const store = apply([], run({ pods: [pod('blue-1', '10.244.0.1'), pod('blue-2', '10.244.0.2')] }));
  const plan = run({ service: svc({ selector: { app: 'green' } }), pods: [pod('green-1', '10.244.0.3')], existingSlices: store });
  assert.equal(plan.create.length + plan.delete.length, 0);
  assert.deepEqual(plan.update[0]!.endpoints!.map((e) => e.targetRef!['name']), ['green-1']);
});

test('Services without a selector and ExternalName Services get nothing', () => {
  assert.deepEqual(run({ service: svc({ selector: undefined }), pods: [pod('a', '10.244.0.1')] }).create, []);
  assert.deepEqual(run({ service: svc({ type: 'ExternalName', externalName: 'x.example.com' }), pods: [pod('a', '10.244.0.1')] }).create, []);
});

test('address types: ipFamilies, cluster IP family, both for headless without families', () => {
  assert.deepEqual(addressTypesForService(svc({ ipFamilies: ['IPv6', 'IPv4'] })), ['IPv6', 'IPv4']);
  assert.deepEqual(addressTypesForService(svc({ ipFamilies: undefined, clusterIP: 'fd00::10' })), ['IPv6']);
  assert.deepEqual(addressTypesForService(svc({ ipFamilies: undefined, clusterIP: 'None' })), ['IPv4', 'IPv6']);
});

test('dual-stack: one slice per family with the matching addresses; a dropped family is deleted', () => {
  const service = svc({ ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' });
  const p = pod('a', '10.244.0.1', { ips: ['10.244.0.1', 'fd00:10:244::1'] });
  const plan = run({ service, pods: [p] });
  assert.deepEqual(plan.create.map((s) => [s.addressType, s.endpoints![0]!.addresses]), [
    ['IPv4', ['10.244.0.1']],
    ['IPv6', ['fd00:10:244::1']],
  ]);
  const store = apply([], plan);
  const single = run({ service: svc(), pods: [p], existingSlices: store });
  assert.deepEqual(single.delete.map((d) => d.name), [store.find((s) => s.addressType === 'IPv6')!.metadata.name]);
  // A single-stack IPv4 service with an IPv6-only pod has a placeholder only.
  const v6only = run({ pods: [pod('b', 'fd00::2')] });
  assert.deepEqual(v6only.create.map((s) => s.endpoints!.length), [0]);
});

test('slices of an older Service with the same name (other uid) are deleted', () => {
  const store = apply([], run({ pods: [pod('a', '10.244.0.1')] }));
  const plan = run({ service: svc({}, { uid: 'new-uid' }), pods: [pod('a', '10.244.0.1')], existingSlices: store });
  assert.equal(plan.create.length, 1);
  assert.deepEqual(plan.delete.map((d) => d.name), [store[0]!.metadata.name]);
  assert.equal(plan.create[0]!.metadata.ownerReferences![0]!.uid, 'new-uid');
});

test('labels follow the Service; reserved keys cannot be overridden; headless label', () => {
  const store = apply([], run({ pods: [pod('a', '10.244.0.1')] }));
  const relabel = run({ service: svc({}, { labels: { app: 'web', tier: 'front', 'kubernetes.io/service-name': 'evil' } }), pods: [pod('a', '10.244.0.1')], existingSlices: store });
  assert.equal(relabel.update.length, 1);
  assert.deepEqual(relabel.update[0]!.metadata.labels, { app: 'web', tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  const headless = run({ service: svc({ clusterIP: 'None' }), pods: [pod('a', '10.244.0.1')] });
  assert.equal(headless.create[0]!.metadata.labels!['service.kubernetes.io/headless'], '');
});

test('headless Service: hostname when the pod subdomain names the Service; no ports allowed', () => {
  const service = svc({ clusterIP: 'None', ports: [] });
  const plan = run({ service, pods: [pod('db-0', '10.244.0.1', { hostname: 'db-0', subdomain: 'web' }), pod('other', '10.244.0.2', { hostname: 'x', subdomain: 'elsewhere' })] });
  assert.deepEqual(plan.create[0]!.ports, []);
  assert.deepEqual(plan.create[0]!.endpoints!.map((e) => e.hostname ?? null), ['db-0', null]);
});

test('a Service being deleted gets no new slices', () => {
  const plan = run({ service: svc({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), pods: [pod('a', '10.244.0.1')] });
  assert.deepEqual(plan.create, []);
});

test('topology hints: zone hints with the annotation, proportional to CPU; removed when the annotation goes', () => {
  const service = svc({}, { annotations: { 'service.kubernetes.io/topology-mode': 'Auto' } });
  const pods = [pod('a1', '10.244.0.1'), pod('a2', '10.244.0.2'), pod('a3', '10.244.0.3'), pod('b1', '10.244.1.1', { node: 'n2' })];
  const plan = run({ service, pods });
  const hints = Object.fromEntries(allEps(plan.create).map((e) => [e.targetRef!['name'], e.hints?.forZones?.map((z) => z.name)]));
  // Two zones with equal CPU: 2 endpoints each; one endpoint of zone a is given to zone b.
  assert.deepEqual(Object.values(hints).flat().sort(), ['a', 'a', 'b', 'b']);
  assert.deepEqual(hints['b1'], ['b']);
  assert.deepEqual(plan.events.map((e) => e.reason), ['TopologyAwareHintsEnabled']);
  const store = apply([], plan);
  assert.deepEqual(run({ service, pods, existingSlices: store }).update, [], 'stable hints, no churn');
  const off = run({ pods, existingSlices: store });
  assert.equal(off.update.length, 1);
  assert.ok(allEps(off.update).every((e) => !e.hints));
  assert.deepEqual(off.events.map((e) => [e.type, e.reason]), [['Warning', 'TopologyAwareHintsDisabled']]);
});

test('topology hints are withheld with fewer endpoints than zones or a single zone; unready endpoints get none', () => {
  const service = svc({}, { annotations: { 'service.kubernetes.io/topology-aware-hints': 'auto' } });
  assert.ok(allEps(run({ service, pods: [pod('a1', '10.244.0.1')] }).create).every((e) => !e.hints));
  const oneZone = new Map<string, NodeInfo>([['n1', { name: 'n1', zone: 'a', ready: true, cpuMillis: 1000 }]]);
  assert.ok(allEps(run({ service, nodes: oneZone, pods: [pod('a1', '10.244.0.1'), pod('a2', '10.244.0.2')] }).create).every((e) => !e.hints));
  const plan = run({ service, pods: [pod('a1', '10.244.0.1'), pod('b1', '10.244.1.1', { node: 'n2' }), pod('b2', '10.244.1.2', { node: 'n2', ready: false })] });
  const h = Object.fromEntries(allEps(plan.create).map((e) => [e.targetRef!['name'], e.hints?.forZones?.[0]?.name]));
  assert.deepEqual(h, { a1: 'a', b1: 'b', b2: undefined });
  assert.equal(cpuRatiosByZone([{ name: 'x', ready: true, cpuMillis: 100 }, { name: 'y', zone: 'b', ready: true, cpuMillis: 100 }]), undefined);
});

test('trafficDistribution PreferClose hints each endpoint for its own zone; PreferSameNode also its node', () => {
  const plan = run({ service: svc({ trafficDistribution: 'PreferClose' }), pods: [pod('a1', '10.244.0.1'), pod('b1', '10.244.1.1', { node: 'n2' })] });
  assert.deepEqual(allEps(plan.create).map((e) => e.hints), [{ forZones: [{ name: 'a' }] }, { forZones: [{ name: 'b' }] }]);
  const sameNode = run({ service: svc({ trafficDistribution: 'PreferSameNode' }), pods: [pod('a1', '10.244.0.1')] });
  assert.deepEqual(allEps(sameNode.create)[0]!.hints, { forZones: [{ name: 'a' }], forNodes: [{ name: 'n1' }] });
});
