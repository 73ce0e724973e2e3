/** Integration: a real API server, the HTTP client and the agent's NodeHeartbeat with short intervals. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/builtin.js';
import type { KubeObject } from '../../api/types.js';
import { startTestServer } from '../../apiserver/testing/test-server.js';
import { createHttpClient } from '../../client/http-client.js';
import { R } from '../../client/types.js';
import { discardLogger } from '../../lib/log.js';
import { until } from '../../lib/testing/until.js';
import { NodeHeartbeat } from './heartbeat.js';
import type { NodeCondition } from './node-objects.js';
import type { AgentNodeOptions, HostFacts, NodeHealth } from './node-status.js';

const facts: HostFacts = {
  cpus: 2, memoryBytes: 8 * 1024 ** 3, ephemeralStorageBytes: 50 * 1024 ** 3, kernelVersion: 'k', osImage: 'os', machineID: 'm',
  systemUUID: 'u', bootID: 'b', architecture: 'amd64', containerRuntimeVersion: 'containerd://1.6.20', internalIP: '127.0.0.1', hostname: 'h',
};
const node: AgentNodeOptions = {
  name: 'worker-node-1', labels: { 'workload-type': 'compute-optimized' },
  taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }],
  kubeletVersion: 'v1.32.0+flotilla', kubeletPort: 10250, maxPods: 110,
};

async function setup(t: TestContext) {
  const srv = await startTestServer({ resources: builtinResources() });
  t.after(() => srv.close());
  return { srv, client: createHttpClient({ server: srv.url }, 'agent-test') };
}

const ready = (n: KubeObject) => ((n.status as { conditions: NodeCondition[] }).conditions.find((c) => c.type === 'Ready'));

test('NodeHeartbeat registers the node with its taints, renews its lease, and posts a status change', async (t) => {
  const { client } = await setup(t);
  let health: NodeHealth = { notReadyMessage: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady', memoryPressure: false, diskPressure: false, pidPressure: false };
  const hb = new NodeHeartbeat({ client, logger: discardLogger, node, facts: () => facts, health: async () => health, leaseIntervalMs: 50, statusIntervalMs: 50 });
  t.after(() => hb.stop());
  const registered = await hb.start();
  assert.deepEqual((registered.spec as { taints: unknown }).taints, node.taints);
  assert.equal(ready(registered)!.status, 'False');
  const lease = await client.get(R.leases, 'kube-node-lease', 'worker-node-1');
  assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, 'worker-node-1');
  assert.equal(lease.metadata.ownerReferences?.[0]?.uid, registered.metadata.uid);
  const firstRenew = (lease.spec as { renewTime: string }).renewTime;
  await until('lease renewed', async () => ((await client.get(R.leases, 'kube-node-lease', 'worker-node-1')).spec as { renewTime: string }).renewTime !== firstRenew, 5000);

  health = { ...health, notReadyMessage: '' };
  const n = await until('Ready=True posted', async () => {
    const cur = await client.get(R.nodes, '', 'worker-node-1');
    return ready(cur)!.status === 'True' ? cur : undefined;
  }, 5000);
  assert.equal(ready(n)!.reason, 'KubeletReady');
});

test('NodeHeartbeat on an existing node keeps its taints and re-asserts its labels', async (t) => {
  const { client } = await setup(t);
  await client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-node-1', labels: { 'kubernetes.io/hostname': 'stale', keep: 'me' } }, spec: { taints: [{ key: 'admin', effect: 'NoExecute' }] } });
  const hb = new NodeHeartbeat({ client, logger: discardLogger, node, facts: () => facts, health: async () => ({ notReadyMessage: '', memoryPressure: false, diskPressure: false, pidPressure: false }) });
  t.after(() => hb.stop());
  const n = await hb.start();
  assert.deepEqual((n.spec as { taints: unknown }).taints, [{ key: 'admin', effect: 'NoExecute' }], 'registration taints apply only on create');
  assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], 'worker-node-1');
  assert.equal(n.metadata.labels?.['keep'], 'me');
  assert.equal(n.metadata.labels?.['workload-type'], 'compute-optimized');
  assert.equal(ready(n)!.status, 'True');
  assert.equal((n.status as { nodeInfo: { kubeletVersion: string } }).nodeInfo.kubeletVersion, 'v1.32.0+flotilla');
});
