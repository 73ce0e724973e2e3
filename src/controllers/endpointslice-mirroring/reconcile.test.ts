/**
 * The mirroring reconcile step: what is mirrored (selector-less Services only, not skip-mirror, not
 * leader records), one slice per port list and address type, ready / not ready, labels and
 * annotations, the per-subset maximum, invalid IPs, no write when equal, and cleanup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '../../api/core/v1/index.js';
import type { EndpointSlice } from '../../api/discovery/v1/index.js';
import type { V1Endpoints } from '../endpoints/reconcile.js';
import { reconcileMirroring, type MirroringPlan } from './reconcile.js';

const svc = (selector?: Record<string, string>): V1Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'ns' }, spec: { ports: [{ port: 80 }], ...(selector ? { selector } : {}) } });

function eps(subsets: V1Endpoints['subsets'], meta: Partial<V1Endpoints['metadata']> = {}): V1Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'ns', uid: 'ep-uid', labels: { team: 'x' }, annotations: { note: 'y', 'endpoints.kubernetes.io/last-change-trigger-time': 't', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, ...meta }, subsets };
}

function apply(store: EndpointSlice[], plan: MirroringPlan): EndpointSlice[] {
  let out = store.filter((s) => !plan.delete.some((d) => d.name === s.metadata.name));
  out = out.map((s) => plan.update.find((u) => u.metadata.name === s.metadata.name) ?? s);
  plan.create.forEach((c, i) => out.push({ ...structuredClone(c), metadata: { ...structuredClone(c.metadata), name: `${c.metadata.generateName}m${i}${out.length}` } }));
  return out;
}

test('mirrors ready and not-ready addresses per port list and address type, with labels, annotations and owner', () => {
  const plan = reconcileMirroring({
    service: svc(),
    endpoints: eps([
      { addresses: [{ ip: '192.0.2.1', hostname: 'h1', nodeName: 'n1' }, { ip: '2001:db8::1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }] },
      { addresses: [{ ip: '192.0.2.9' }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    ]),
    existingSlices: [],
  });
  assert.equal(plan.create.length, 3);
  const v4http = plan.create.find((s) => s.addressType === 'IPv4' && s.ports![0]!.name === 'http')!;
  assert.deepEqual(v4http.endpoints, [
    { addresses: ['192.0.2.1'], conditions: { ready: true }, hostname: 'h1', nodeName: 'n1' },
    { addresses: ['192.0.2.2'], conditions: { ready: false } },
  ]);
  assert.deepEqual(v4http.ports, [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }]);
  assert.deepEqual(v4http.metadata.labels, { team: 'x', 'kubernetes.io/service-name': 'ext', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' });
  assert.deepEqual(v4http.metadata.annotations, { note: 'y' });
  assert.deepEqual(v4http.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'ext', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }]);
  assert.ok(plan.create.some((s) => s.addressType === 'IPv6'));
});

test('no write when the mirror is current; a change updates the slice in place', () => {
  const e = eps([{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }]);
  const store = apply([], reconcileMirroring({ service: svc(), endpoints: e, existingSlices: [] }));
  assert.deepEqual(reconcileMirroring({ service: svc(), endpoints: e, existingSlices: store }), { create: [], update: [], delete: [], skippedAddresses: 0, invalidAddresses: 0 });
  const e2 = eps([{ addresses: [{ ip: '192.0.2.1' }, { ip: '192.0.2.3' }], ports: [{ port: 80 }] }]);
  const plan = reconcileMirroring({ service: svc(), endpoints: e2, existingSlices: store });
  assert.equal(plan.update.length, 1);
  assert.equal(plan.update[0]!.metadata.name, store[0]!.metadata.name);
  // A port change: the old slice is reused (create + delete become an update).
  const e3 = eps([{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 81 }] }]);
  const p3 = reconcileMirroring({ service: svc(), endpoints: e3, existingSlices: store });
  assert.deepEqual([p3.create.length, p3.update.length, p3.delete.length], [0, 1, 0]);
  assert.equal(p3.update[0]!.ports![0]!.port, 81);
});

test('not mirrored: Service with a selector, no Service, skip-mirror, leader record; mirrored slices deleted', () => {
  const e = eps([{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }]);
  const store = apply([], reconcileMirroring({ service: svc(), endpoints: e, existingSlices: [] }));
  assert.equal(reconcileMirroring({ service: svc({ app: 'x' }), endpoints: e, existingSlices: store }).delete.length, 1);
  assert.equal(reconcileMirroring({ endpoints: e, existingSlices: store }).delete.length, 1);
  assert.equal(reconcileMirroring({ service: svc(), existingSlices: store }).delete.length, 1);
  assert.equal(reconcileMirroring({ service: svc(), endpoints: eps(e.subsets, { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }), existingSlices: store }).delete.length, 1);
  assert.equal(reconcileMirroring({ service: svc(), endpoints: eps(e.subsets, { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } }), existingSlices: [] }).create.length, 0);
});

test('at most maxEndpointsPerSubset addresses per subset; invalid IPs skipped and counted', () => {
  const addresses = Array.from({ length: 12 }, (_, i) => ({ ip: `192.0.2.${i + 1}` }));
  const plan = reconcileMirroring({ service: svc(), endpoints: eps([{ addresses: [...addresses, { ip: 'not-an-ip' }], ports: [{ port: 80 }] }]), existingSlices: [], maxEndpointsPerSubset: 10 });
  assert.equal(plan.create[0]!.endpoints!.length, 10);
  assert.equal(plan.skippedAddresses, 3);
  const bad = reconcileMirroring({ service: svc(), endpoints: eps([{ addresses: [{ ip: 'nope' }, { ip: '192.0.2.1' }], ports: [{ port: 80 }] }]), existingSlices: [] });
  assert.equal(bad.invalidAddresses, 1);
  assert.equal(bad.create[0]!.endpoints!.length, 1);
});
