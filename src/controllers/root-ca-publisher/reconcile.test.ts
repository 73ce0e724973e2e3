import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP_NAME, reconcileRootCA, type ConfigMapView, type NamespaceView } from './reconcile.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ns = (name: string, extra: Partial<NamespaceView> = {}): NamespaceView => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' }, ...extra });
const cm = (data: Record<string, string> | undefined, annotations?: Record<string, string>, extra: Partial<ConfigMapView> = {}): ConfigMapView => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: ROOT_CA_CONFIGMAP_NAME, namespace: 'team', resourceVersion: '7', ...(annotations ? { annotations } : {}) },
  ...(data ? { data } : {}),
  ...extra,
});

test('a live namespace without the ConfigMap gets it, with ca.crt and the description', () => {
  assert.deepEqual(reconcileRootCA(ns('team'), undefined, CA), {
    type: 'create',
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'team', annotations: { 'kubernetes.io/description': DESCRIPTION } },
      data: { 'ca.crt': CA },
    },
  });
});

test('absent, deleting or terminating namespaces are left alone', () => {
  assert.deepEqual(reconcileRootCA(undefined, undefined, CA), { type: 'none' });
  assert.deepEqual(reconcileRootCA(ns('team', { metadata: { name: 'team', deletionTimestamp: '2026-01-01T00:00:00Z' } }), undefined, CA), { type: 'none' });
  assert.deepEqual(reconcileRootCA(ns('team', { status: { phase: 'Terminating' } }), undefined, CA), { type: 'none' });
});

test('a current ConfigMap needs nothing; any non-empty description counts (as upstream)', () => {
  assert.deepEqual(reconcileRootCA(ns('team'), cm({ 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: DESCRIPTION }), CA), { type: 'none' });
  assert.deepEqual(reconcileRootCA(ns('team'), cm({ 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: 'ours' }), CA), { type: 'none' });
});

test('changed CA, extra keys or a missing description are rewritten, keeping the rest of the object', () => {
  const old = cm({ 'ca.crt': 'OLD', extra: 'x' }, { keep: 'me' }, { binaryData: { b: 'AA==' } });
  old.metadata.labels = { l: 'v' };
  const r = reconcileRootCA(ns('team'), old, CA);
  assert.equal(r.type, 'update');
  assert.ok(r.type === 'update');
  assert.deepEqual(r.configMap.data, { 'ca.crt': CA });
  assert.deepEqual(r.configMap.metadata.annotations, { keep: 'me', [DESCRIPTION_ANNOTATION]: DESCRIPTION });
  assert.deepEqual(r.configMap.metadata.labels, { l: 'v' });
  assert.equal(r.configMap.metadata.resourceVersion, '7', 'the update carries the cached resourceVersion');
  assert.deepEqual(r.configMap.binaryData, { b: 'AA==' });
  // The cached object is not modified.
  assert.deepEqual(old.data, { 'ca.crt': 'OLD', extra: 'x' });
  assert.deepEqual(old.metadata.annotations, { keep: 'me' });

  const unannotated = reconcileRootCA(ns('team'), cm({ 'ca.crt': CA }), CA);
  assert.ok(unannotated.type === 'update');
  assert.equal(unannotated.configMap.metadata.annotations?.[DESCRIPTION_ANNOTATION], DESCRIPTION);
  const emptied = reconcileRootCA(ns('team'), cm(undefined, { [DESCRIPTION_ANNOTATION]: DESCRIPTION }), CA);
  assert.ok(emptied.type === 'update');
  assert.deepEqual(emptied.configMap.data, { 'ca.crt': CA });
});
