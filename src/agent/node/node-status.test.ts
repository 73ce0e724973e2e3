import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAgentNode, nodeConditions, nodeStatus, registrationLabelPatch, statusChanged, type AgentNodeOptions, type HostFacts, type NodeHealth } from './node-status.js';
import { osImage, goArch } from './host-facts.js';

const facts: HostFacts = {
  cpus: 2,
  memoryBytes: 24 * 1024 ** 3,
  ephemeralStorageBytes: 100 * 1024 ** 3,
  kernelVersion: '6.18.44',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  machineID: 'abc',
  systemUUID: 'abc',
  bootID: 'boot',
  architecture: 'amd64',
  containerRuntimeVersion: 'containerd://1.6.20',
  internalIP: '10.0.0.5',
  hostname: 'host1',
};
const opts: AgentNodeOptions = {
  name: 'worker-node-1',
  labels: { 'node-role.kubernetes.io/worker': 'true', 'workload-type': 'compute-optimized' },
  taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }],
  kubeletVersion: 'v1.32.0+flotilla',
  kubeletPort: 10250,
  maxPods: 110,
};
const healthy: NodeHealth = { notReadyMessage: '', memoryPressure: false, diskPressure: false, pidPressure: false };
const t0 = new Date('2026-11-24T10:00:00Z');
const t1 = new Date('2026-11-24T10:00:10Z');

test('buildAgentNode: kubelet labels + node labels, registration taints, capacity and allocatable as the kubelet computes them', () => {
  const n = buildAgentNode(facts, opts, healthy, t0);
  assert.deepEqual(n.metadata.labels, {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': 'worker-node-1',
    'kubernetes.io/os': 'linux',
    'node-role.kubernetes.io/worker': 'true',
    'workload-type': 'compute-optimized',
  });
  assert.deepEqual((n.spec as { taints: unknown }).taints, [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }]);
  const s = n.status as { capacity: Record<string, string>; allocatable: Record<string, string>; daemonEndpoints: unknown; nodeInfo: Record<string, string> };
  assert.equal(s.capacity['memory'], `${24 * 1024 * 1024}Ki`);
  assert.equal(s.allocatable['memory'], `${24 * 1024 * 1024 - 100 * 1024}Ki`, 'memory.available<100Mi hard eviction');
  assert.equal(s.capacity['ephemeral-storage'], `${100 * 1024 * 1024}Ki`);
  assert.equal(s.allocatable['ephemeral-storage'], String(Math.floor(100 * 1024 ** 3 * 0.9)), 'nodefs.available<10%');
  assert.equal(s.capacity['pods'], '110');
  assert.equal(s.capacity['cpu'], '2');
  assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.equal(s.nodeInfo['containerRuntimeVersion'], 'containerd://1.6.20');
  assert.equal(s.nodeInfo['kubeletVersion'], 'v1.32.0+flotilla');
});

test('nodeConditions: transition times kept while unchanged, moved on a change; NotReady carries the runtime message', () => {
  const a = nodeConditions(undefined, healthy, t0);
  assert.deepEqual(a.map((c) => [c.type, c.status, c.reason]), [
    ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
    ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
    ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
    ['Ready', 'True', 'KubeletReady'],
  ]);
  const b = nodeConditions(a, healthy, t1);
  assert.ok(b.every((c) => c.lastHeartbeatTime === '2026-11-24T10:00:10Z' && c.lastTransitionTime === '2026-11-24T10:00:00Z'));
  const c = nodeConditions(b, { ...healthy, notReadyMessage: 'container runtime network not ready: NetworkReady=false' }, t1);
  const ready = c.find((x) => x.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'KubeletNotReady');
  assert.equal(ready.message, 'container runtime network not ready: NetworkReady=false');
  assert.equal(ready.lastTransitionTime, '2026-11-24T10:00:10Z');
  assert.equal(c.find((x) => x.type === 'DiskPressure')!.lastTransitionTime, '2026-11-24T10:00:00Z');
});

test('statusChanged ignores heartbeat times only', () => {
  const a = nodeStatus(facts, opts, healthy, undefined, t0);
  const b = nodeStatus(facts, opts, healthy, (a['conditions'] as never), t1);
  assert.equal(statusChanged(a, b), false);
  assert.equal(statusChanged(undefined, b), true);
  assert.equal(statusChanged(a, nodeStatus({ ...facts, cpus: 4 }, opts, healthy, undefined, t0)), true);
  assert.equal(statusChanged(a, nodeStatus(facts, opts, { ...healthy, diskPressure: true }, (a['conditions'] as never), t1)), true);
});

test('registrationLabelPatch re-asserts the kubelet and --node-label labels and nothing else', () => {
  const existing = buildAgentNode(facts, opts, healthy, t0);
  assert.equal(registrationLabelPatch(existing, facts, opts), undefined);
  existing.metadata.labels = { ...existing.metadata.labels, 'kubernetes.io/hostname': 'other', 'added-by-user': 'x' };
  assert.deepEqual(registrationLabelPatch(existing, facts, { ...opts, labels: { ...opts.labels, zone: 'a' } }), { 'kubernetes.io/hostname': 'worker-node-1', zone: 'a' });
});

test('host facts helpers: os-release PRETTY_NAME, Go arch names', () => {
  assert.equal(osImage('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(osImage(undefined), 'Linux');
  assert.equal(goArch('x64'), 'amd64');
  assert.equal(goArch('arm64'), 'arm64');
});
