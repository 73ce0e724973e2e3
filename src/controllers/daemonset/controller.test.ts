import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { R } from '../../client/index.js';
import { startHarness } from '../statefulset/testing/harness.js';
import { createDaemonSetController } from './controller.js';

function node(name: string, taints: { key: string; value?: string; effect: string }[] = []) {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { taints },
    status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

test('DaemonSet controller against a real API server: one pod per eligible node, taints, rolling update', async () => {
  const h = await startHarness();
  try {
    for (const n of [node('n1'), node('n2'), node('n3', [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }])]) await h.client.create(R.nodes, '', n);
    await h.start(createDaemonSetController());
    await h.client.create(R.daemonsets, 'default', {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } } },
    });
    const ds = await h.waitFor('2 available', async () => {
      const d = await h.client.get<DaemonSet>(R.daemonsets, 'default', 'agent');
      return d.status?.numberAvailable === 2 && d.status.observedGeneration === d.metadata.generation ? d : undefined;
    });
    assert.equal(ds.status?.desiredNumberScheduled, 2);
    assert.equal(ds.status?.currentNumberScheduled, 2);
    assert.equal(ds.status?.numberReady, 2);
    assert.equal(ds.status?.updatedNumberScheduled, 2);
    const nodesOf = async () => (await h.client.list<V1Pod>(R.pods, { namespace: 'default' })).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec?.nodeName).sort();
    assert.deepEqual(await nodesOf(), ['n1', 'n2']);
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message.startsWith('Created pod: agent-')));

    // Tolerating the taint brings a pod to n3 and rolls the others (maxUnavailable 1).
    await h.client.patch(R.daemonsets, 'default', 'agent', 'merge', { spec: { template: { spec: { tolerations: [{ key: 'workload-type', operator: 'Equal', value: 'compute-optimized', effect: 'NoSchedule' }] } } } });
    const rolled = await h.waitFor('rolled out to 3 nodes', async () => {
      const d = await h.client.get<DaemonSet>(R.daemonsets, 'default', 'agent');
      return d.status?.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 && d.status.observedGeneration === d.metadata.generation ? d : undefined;
    });
    assert.equal(rolled.status?.desiredNumberScheduled, 3);
    await h.waitFor('old pods gone', async () => JSON.stringify(await nodesOf()) === JSON.stringify(['n1', 'n2', 'n3']));
    assert.equal((await h.client.list(R.controllerrevisions, { namespace: 'default' })).items.length, 2);

    // A NoExecute taint on n1 removes its pod.
    await h.client.patch(R.nodes, '', 'n1', 'merge', { spec: { taints: [{ key: 'gpu', effect: 'NoExecute' }] } });
    await h.waitFor('pod leaves n1', async () => JSON.stringify(await nodesOf()) === JSON.stringify(['n2', 'n3']));
  } finally {
    await h.close();
  }
});
