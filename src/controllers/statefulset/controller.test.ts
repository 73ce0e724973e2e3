import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from '../../api/apps/v1/index.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import { R } from '../../client/index.js';
import { createStatefulSetController } from './controller.js';
import { startHarness } from './testing/harness.js';

test('StatefulSet controller against a real API server: ordered creation, PVCs, status, rolling update, scale down', async () => {
  const h = await startHarness();
  try {
    await h.start(createStatefulSetController());
    await h.client.create(R.statefulsets, 'default', {
      apiVersion: 'apps/v1', kind: 'StatefulSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3, serviceName: 'nginx', selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    const ready = await h.waitFor('3 ready replicas', async () => {
      const s = await h.client.get<StatefulSet>(R.statefulsets, 'default', 'web');
      return s.status?.readyReplicas === 3 && s.status.observedGeneration === s.metadata.generation && s.status.currentRevision === s.status.updateRevision ? s : undefined;
    });
    assert.equal(ready.status?.replicas, 3);
    assert.equal(ready.status?.updatedReplicas, 3);
    const pods = (await h.client.list<V1Pod>(R.pods, { namespace: 'default' })).items;
    assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ['web-0', 'web-1', 'web-2']);
    // Created in order: web-0 before web-1 before web-2.
    const created = h.events.filter((e) => e.reason === 'SuccessfulCreate' && e.message.startsWith('create Pod')).map((e) => e.message);
    assert.deepEqual(created, ['create Pod web-0 in StatefulSet web successful', 'create Pod web-1 in StatefulSet web successful', 'create Pod web-2 in StatefulSet web successful']);
    const pvcs = (await h.client.list(R.persistentvolumeclaims, { namespace: 'default' })).items.map((p) => p.metadata.name).sort();
    assert.deepEqual(pvcs, ['data-web-0', 'data-web-1', 'data-web-2']);
    const revs = (await h.client.list(R.controllerrevisions, { namespace: 'default' })).items;
    assert.equal(revs.length, 1);

    // Rolling update.
    await h.client.patch(R.statefulsets, 'default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    const updated = await h.waitFor('rollout', async () => {
      const s = await h.client.get<StatefulSet>(R.statefulsets, 'default', 'web');
      return s.status?.updatedReplicas === 3 && s.status.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision && s.status.observedGeneration === s.metadata.generation ? s : undefined;
    });
    const images = (await h.client.list<V1Pod>(R.pods, { namespace: 'default' })).items.map((p) => p.spec?.containers?.[0]?.image);
    assert.deepEqual(images, ['nginx:1.26', 'nginx:1.26', 'nginx:1.26']);
    const deletes = h.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message.split(' ')[2]);
    assert.deepEqual(deletes, ['web-2', 'web-1', 'web-0']);
    assert.equal((await h.client.list(R.controllerrevisions, { namespace: 'default' })).items.length, 2);
    assert.ok(updated.status?.updateRevision);

    // Scale down: highest ordinal first; PVCs retained.
    await h.client.patch(R.statefulsets, 'default', 'web', 'merge', { spec: { replicas: 1 } });
    await h.waitFor('scaled to 1', async () => {
      const s = await h.client.get<StatefulSet>(R.statefulsets, 'default', 'web');
      return s.status?.replicas === 1 ? s : undefined;
    });
    assert.deepEqual((await h.client.list(R.pods, { namespace: 'default' })).items.map((p) => p.metadata.name), ['web-0']);
    assert.equal((await h.client.list(R.persistentvolumeclaims, { namespace: 'default' })).items.length, 3);
  } finally {
    await h.close();
  }
});

test('StatefulSet controller adopts an orphaned pod instead of creating a second web-0', async () => {
  const h = await startHarness();
  try {
    await h.client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-0', namespace: 'default', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'pg' }] } });
    await h.start(createStatefulSetController());
    await h.client.create(R.statefulsets, 'default', {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' },
      spec: { replicas: 2, serviceName: 'db', updateStrategy: { type: 'OnDelete' }, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'pg' }] } } },
    });
    await h.waitFor('2 ready', async () => (await h.client.get<StatefulSet>(R.statefulsets, 'default', 'db')).status?.readyReplicas === 2);
    const pod = await h.client.get<V1Pod>(R.pods, 'default', 'db-0');
    assert.equal(pod.metadata.ownerReferences?.[0]?.name, 'db');
    await h.waitFor('identity labels', async () => (await h.client.get<V1Pod>(R.pods, 'default', 'db-0')).metadata.labels?.['statefulset.kubernetes.io/pod-name'] === 'db-0');
    assert.ok(!h.events.some((e) => e.message.includes('create Pod db-0')));
  } finally {
    await h.close();
  }
});
