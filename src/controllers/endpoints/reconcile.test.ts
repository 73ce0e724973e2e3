/**
 * The Endpoints reconcile step: ready / notReady addresses, terminating pods, publishNotReadyAddresses,
 * named ports per pod and repacking, headless without ports, labels, the 1000-address cap with the
 * over-capacity annotation, the trigger-time annotation, and no write when nothing changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';
import { ANNOTATION_OVER_CAPACITY, reconcileEndpoints, repackSubsets, truncateSubsets, type EndpointSubset, type V1Endpoints } from './reconcile.js';
import { TriggerTimeTracker } from '../endpointslice/trigger-time.js';

function svc(over: Partial<NonNullable<V1Service['spec']>> = {}, labels: Record<string, string> = { app: 'web' }): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.20', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...over },
  };
}

function pod(name: string, ip: string, opts: { ready?: boolean; deleting?: boolean; ports?: { name: string; containerPort: number }[]; readyAt?: string; hostname?: string; subdomain?: string } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: (opts.ports ?? []).map((p) => ({ ...p, protocol: 'TCP' })) }], ...(opts.hostname ? { hostname: opts.hostname, subdomain: opts.subdomain } : {}) },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', ...(opts.readyAt ? { lastTransitionTime: opts.readyAt } : {}) }] },
  };
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'ns', name, uid: `uid-${name}` });

test('ready pods in addresses, unready in notReadyAddresses; terminating pods left out', () => {
  const a = reconcileEndpoints({ service: svc(), pods: [pod('b', '10.244.0.2', { ready: false }), pod('a', '10.244.0.1'), pod('t', '10.244.0.3', { deleting: true })], triggerTime: '2026-01-01T00:00:05.000Z' });
  assert.equal(a.type, 'create');
  if (a.type !== 'create') return;
  assert.deepEqual(a.endpoints.metadata, {
    name: 'web',
    namespace: 'ns',
    labels: { app: 'web' },
    annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-01T00:00:05.000Z' },
  });
  assert.deepEqual(a.endpoints.subsets, [
    {
      addresses: [{ ip: '10.244.0.1', nodeName: 'n1', targetRef: ref('a') }],
      notReadyAddresses: [{ ip: '10.244.0.2', nodeName: 'n1', targetRef: ref('b') }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
});

test('publishNotReadyAddresses: unready and terminating pods are ready addresses', () => {
  const a = reconcileEndpoints({ service: svc({ publishNotReadyAddresses: true }), pods: [pod('b', '10.244.0.2', { ready: false }), pod('t', '10.244.0.3', { deleting: true })] });
  assert.ok(a.type === 'create');
  assert.deepEqual(a.endpoints.subsets!.map((s) => [s.addresses?.map((x) => x.ip), s.notReadyAddresses]), [[['10.244.0.2', '10.244.0.3'], undefined]]);
});

test('named ports per pod: a pod without the name is left out of that port only', () => {
  const service = svc({ ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }, { name: 'admin', port: 9000, protocol: 'TCP', targetPort: 9000, appProtocol: 'http' }] });
  const a = reconcileEndpoints({ service, pods: [pod('a', '10.244.0.1', { ports: [{ name: 'web', containerPort: 8080 }] }), pod('b', '10.244.0.2', { ports: [{ name: 'web', containerPort: 8080 }] }), pod('c', '10.244.0.3')] });
  assert.ok(a.type === 'create');
  assert.deepEqual(
    a.endpoints.subsets!.map((s) => [s.addresses!.map((x) => x.ip), s.ports!.map((p) => `${p.name}:${p.port}${p.appProtocol ? `/${p.appProtocol}` : ''}`)]),
    [
      // Repacked as upstream: one subset per distinct address set, with the ports that set serves.
      [['10.244.0.1', '10.244.0.2', '10.244.0.3'], ['admin:9000/http']],
      [['10.244.0.1', '10.244.0.2'], ['http:8080']],
    ],
  );
});

test('headless without ports lists pods without ports, with hostnames for its subdomain; headless label', () => {
  const a = reconcileEndpoints({ service: svc({ clusterIP: 'None', ports: [] }), pods: [pod('db-0', '10.244.0.1', { hostname: 'db-0', subdomain: 'web' })] });
  assert.ok(a.type === 'create');
  assert.deepEqual(a.endpoints.subsets, [{ addresses: [{ ip: '10.244.0.1', nodeName: 'n1', targetRef: ref('db-0'), hostname: 'db-0' }] }]);
  assert.deepEqual(a.endpoints.metadata.labels, { app: 'web', 'service.kubernetes.io/headless': '' });
  // A non-headless Service without ports has no subsets.
  const b = reconcileEndpoints({ service: svc({ ports: [] }), pods: [pod('a', '10.244.0.1')] });
  assert.ok(b.type === 'create');
  assert.deepEqual(b.endpoints.subsets, []);
});

test('no write when subsets and labels match; label and subset changes update', () => {
  const pods = [pod('a', '10.244.0.1'), pod('b', '10.244.0.2', { ready: false })];
  const first = reconcileEndpoints({ service: svc(), pods });
  assert.ok(first.type === 'create');
  const stored: V1Endpoints = { ...first.endpoints, metadata: { ...first.endpoints.metadata, resourceVersion: '5' } };
  assert.deepEqual(reconcileEndpoints({ service: svc(), pods: [...pods].reverse(), current: stored }), { type: 'none' });
  const relabel = reconcileEndpoints({ service: svc({}, { app: 'web', v: '2' }), pods, current: stored });
  assert.equal(relabel.type, 'update');
  const ready = reconcileEndpoints({ service: svc(), pods: [pod('a', '10.244.0.1'), pod('b', '10.244.0.2')], current: stored, triggerTime: '2026-01-01T00:01:00.000Z' });
  assert.ok(ready.type === 'update');
  assert.equal(ready.endpoints.metadata.resourceVersion, '5');
  assert.deepEqual(ready.endpoints.subsets![0]!.addresses!.map((x) => x.ip), ['10.244.0.1', '10.244.0.2']);
  assert.equal(ready.endpoints.subsets![0]!.notReadyAddresses, undefined);
});

test('Services without selector and ExternalName Services are left alone', () => {
  assert.deepEqual(reconcileEndpoints({ service: svc({ selector: undefined }), pods: [] }), { type: 'none' });
  assert.deepEqual(reconcileEndpoints({ service: svc({ type: 'ExternalName' }), pods: [] }), { type: 'none' });
});

test('over 1000 addresses: truncated proportionally, annotation set; back under: annotation removed', () => {
  const pods = Array.from({ length: 1200 }, (_, i) => pod(`p${i}`, `10.244.${i >> 8}.${i & 255}`, { ready: i % 2 === 0 }));
  const a = reconcileEndpoints({ service: svc(), pods });
  assert.ok(a.type === 'create');
  assert.equal(a.endpoints.metadata.annotations?.[ANNOTATION_OVER_CAPACITY], 'truncated');
  const n = a.endpoints.subsets!.reduce((t, s) => t + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  assert.equal(n, 1000);
  assert.equal(a.endpoints.subsets!.reduce((t, s) => t + (s.addresses?.length ?? 0), 0), 600, 'every ready address kept');
  const stored = { ...a.endpoints, metadata: { ...a.endpoints.metadata, resourceVersion: '9' } };
  // Still over capacity: an update is needed each time (upstream capacityAnnotationSetCorrectly).
  assert.equal(reconcileEndpoints({ service: svc(), pods, current: stored }).type, 'update');
  const small = reconcileEndpoints({ service: svc(), pods: pods.slice(0, 10), current: stored });
  assert.ok(small.type === 'update');
  assert.equal(small.endpoints.metadata.annotations?.[ANNOTATION_OVER_CAPACITY], undefined);
});

test('truncation of ready addresses drops every not-ready one', () => {
  const addrs = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.0.${base}.${i}` }));
  const subsets: EndpointSubset[] = [
    { addresses: addrs(900, 1), notReadyAddresses: addrs(10, 2), ports: [{ port: 1 }] },
    { addresses: addrs(300, 3), ports: [{ port: 2 }] },
  ];
  assert.equal(truncateSubsets(subsets), true);
  assert.deepEqual(subsets.map((s) => [s.addresses?.length, s.notReadyAddresses?.length]), [
    [750, undefined],
    [250, undefined],
  ]);
});

test('repack merges subsets by port set and lets ready win for the same address and port', () => {
  const out = repackSubsets([
    { addresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'a', port: 1 }] },
    { notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'a', port: 1 }] },
    { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 1 }] },
  ]);
  assert.deepEqual(out, [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 1 }] }]);
});

test('trigger time: Service creation first, then the earliest changed Ready transition', () => {
  const t = new TriggerTimeTracker();
  const s = svc();
  const p1 = pod('a', '10.244.0.1', { readyAt: '2026-01-01T00:00:10Z' });
  assert.equal(t.compute('ns/web', s, [p1]), '2026-01-01T00:00:00.000Z');
  assert.equal(t.compute('ns/web', s, [p1]), undefined);
  const p2 = pod('b', '10.244.0.2', { readyAt: '2026-01-01T00:00:30Z' });
  const p1b = pod('a', '10.244.0.1', { readyAt: '2026-01-01T00:00:20Z' });
  assert.equal(t.compute('ns/web', s, [p1b, p2]), '2026-01-01T00:00:20.000Z');
});
