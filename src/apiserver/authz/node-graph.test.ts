import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { NodeGraph, podReferences } from './node-graph.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';

const pod = (name: string, nodeName: string | undefined, spec: Record<string, unknown> = {}, ns = 'app'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'i' }], ...spec } }) as KubeObject;

const fullSpec = {
  serviceAccountName: 'runner',
  imagePullSecrets: [{ name: 'pull' }],
  initContainers: [{ name: 'i', image: 'i', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k' } } }] }],
  containers: [
    {
      name: 'c',
      image: 'i',
      env: [{ name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } }],
      envFrom: [{ secretRef: { name: 'envfrom-secret' } }, { configMapRef: { name: 'envfrom-cm' } }],
    },
  ],
  volumes: [
    { name: 'sv', secret: { secretName: 'vol-secret' } },
    { name: 'cv', configMap: { name: 'vol-cm' } },
    { name: 'pv', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }, { serviceAccountToken: { path: 't' } }] } },
    { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
    { name: 'csi', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-secret' } } },
    { name: 'rbd', rbd: { monitors: ['m'], image: 'x', secretRef: { name: 'rbd-secret' } } },
    { name: 'az', azureFile: { secretName: 'az-secret', shareName: 's' } },
  ],
};

test('podReferences: every secret, configmap, claim and the service account a pod names (upstream VisitPodSecretNames/ConfigmapNames)', () => {
  const r = podReferences(pod('web', 'n1', fullSpec) as V1Pod);
  assert.deepEqual(new Set(r.secrets), new Set(['pull', 'init-secret', 'envfrom-secret', 'vol-secret', 'proj-secret', 'csi-secret', 'rbd-secret', 'az-secret']));
  assert.deepEqual(new Set(r.configmaps), new Set(['env-cm', 'envfrom-cm', 'vol-cm', 'proj-cm']));
  assert.deepEqual(new Set(r.pvcs), new Set(['data', 'web-scratch']));
  assert.deepEqual(r.serviceaccounts, ['runner']);
});

test('NodeGraph: a pod bound to a node links it to what the pod references, in the pod namespace only', () => {
  const g = new NodeGraph();
  g.putPod(pod('web', 'n1', fullSpec));
  assert.equal(g.hasPath('n1', 'secret', 'app', 'vol-secret'), true);
  assert.equal(g.hasPath('n1', 'configmap', 'app', 'proj-cm'), true);
  assert.equal(g.hasPath('n1', 'pvc', 'app', 'web-scratch'), true);
  assert.equal(g.hasPath('n1', 'serviceaccount', 'app', 'runner'), true);
  assert.equal(g.hasPath('n2', 'secret', 'app', 'vol-secret'), false, 'other node');
  assert.equal(g.hasPath('n1', 'secret', 'other', 'vol-secret'), false, 'other namespace');
  assert.equal(g.hasPath('n1', 'secret', 'app', 'vol-cm'), false, 'kinds are distinct');
  assert.equal(g.hasPath('n1', 'secret', 'app', 'unreferenced'), false);
});

test('NodeGraph: unscheduled pods add nothing; binding, rebinding, updates and deletes move the edges', () => {
  const g = new NodeGraph();
  g.putPod(pod('web', undefined, fullSpec));
  assert.equal(g.hasPath('n1', 'secret', 'app', 'vol-secret'), false);
  assert.deepEqual(g.size(), { pods: 0, objects: 0, pvs: 0 });
  g.putPod(pod('web', 'n1', fullSpec));
  g.putPod(pod('other', 'n1', { volumes: [{ name: 'sv', secret: { secretName: 'vol-secret' } }] }));
  assert.equal(g.hasPath('n1', 'secret', 'app', 'vol-secret'), true);
  // update drops a reference
  g.putPod(pod('web', 'n1', { volumes: [] }));
  assert.equal(g.hasPath('n1', 'configmap', 'app', 'vol-cm'), false);
  assert.equal(g.hasPath('n1', 'secret', 'app', 'vol-secret'), true, 'still referenced by the other pod');
  g.deletePod('app', 'other');
  assert.equal(g.hasPath('n1', 'secret', 'app', 'vol-secret'), false);
  g.deletePod('app', 'web');
  g.deletePod('app', 'never-there');
  assert.deepEqual(g.size(), { pods: 0, objects: 0, pvs: 0 });
});

test('NodeGraph: a PV is reachable through the claim of its claimRef, and so are its secrets', () => {
  const g = new NodeGraph();
  const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'app', name: 'data' }, csi: { driver: 'd', volumeHandle: 'h', nodePublishSecretRef: { name: 'pv-secret', namespace: 'storage' } } } } as KubeObject;
  g.putPV(pv);
  assert.equal(g.hasPath('n1', 'pv', '', 'pv1'), false, 'no pod uses the claim yet');
  g.putPod(pod('db', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }));
  assert.equal(g.hasPath('n1', 'pv', '', 'pv1'), true);
  assert.equal(g.hasPath('n2', 'pv', '', 'pv1'), false);
  assert.equal(g.hasPath('n1', 'secret', 'storage', 'pv-secret'), true);
  g.deletePV('pv1');
  assert.equal(g.hasPath('n1', 'pv', '', 'pv1'), false);
  assert.equal(g.hasPath('n1', 'secret', 'storage', 'pv-secret'), false);
});
