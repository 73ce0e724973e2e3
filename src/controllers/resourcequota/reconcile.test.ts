import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { reconcileQuota, trackedGroupResources, type QuotaView } from './reconcile.js';
import { objectUsage, podConstraintViolation, prettyPrint, type GroupResourceRef } from './usage.js';

const NOW = new Date('2026-01-01T00:00:00Z');

const quota = (hard: Record<string, string>, extra: Partial<NonNullable<QuotaView['spec']>> = {}, status?: QuotaView['status']): QuotaView => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q', namespace: 'ns' },
  spec: { hard, ...extra },
  ...(status ? { status } : {}),
});

const pod = (name: string, containers: unknown[], extra: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { containers, ...extra },
  status,
});

const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>) => ({ name, resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

function objects(map: Record<string, KubeObject[]>): (gr: GroupResourceRef) => KubeObject[] | undefined {
  return (gr) => map[`${gr.resource}.${gr.group}`];
}

test('status.hard mirrors spec.hard; used sums live pods, skipping terminal ones for compute but not count/pods', () => {
  const pods = [
    pod('a', [c('x', { cpu: '250m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' })]),
    pod('b', [c('x', { cpu: '1' }), c('y', { cpu: '500m' })]),
    pod('done', [c('x', { cpu: '4' })], {}, { phase: 'Succeeded' }),
  ];
  const q = quota({ pods: '10', 'count/pods': '10', 'requests.cpu': '4', 'limits.memory': '1Gi', 'requests.storage': '10Gi', 'count/deployments.apps': '3' });
  const status = reconcileQuota(q, objects({ 'pods.': pods, 'persistentvolumeclaims.': [], 'deployments.apps': [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }] }), NOW);
  assert.deepEqual(status, {
    hard: { 'count/deployments.apps': '3', 'count/pods': '10', 'limits.memory': '1Gi', pods: '10', 'requests.cpu': '4', 'requests.storage': '10Gi' },
    used: { 'count/deployments.apps': '1', 'count/pods': '3', 'limits.memory': '128Mi', pods: '2', 'requests.cpu': '1750m', 'requests.storage': '0' },
  });
  // Unchanged: no write.
  assert.equal(reconcileQuota({ ...q, status }, objects({ 'pods.': pods, 'persistentvolumeclaims.': [], 'deployments.apps': [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }] }), NOW), undefined);
});

test('a kind that cannot be listed is left out of used (admission then says status unknown)', () => {
  const status = reconcileQuota(quota({ 'count/widgets.example.com': '1', pods: '1' }), objects({ 'pods.': [] }), NOW);
  assert.deepEqual(status?.used, { pods: '0' });
});

test('scopes: Terminating / NotTerminating / BestEffort / NotBestEffort', () => {
  const pods = [pod('be', [c('x')]), pod('burst', [c('x', { cpu: '1' })]), pod('job', [c('x')], { activeDeadlineSeconds: 30 })];
  const used = (scopes: string[]) => reconcileQuota(quota({ pods: '10' }, { scopes }), objects({ 'pods.': pods }), NOW)?.used['pods'];
  assert.equal(used(['BestEffort']), '2');
  assert.equal(used(['NotBestEffort']), '1');
  assert.equal(used(['Terminating']), '1');
  assert.equal(used(['NotTerminating', 'BestEffort']), '1');
  const pc = reconcileQuota(quota({ pods: '10' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }), objects({ 'pods.': [pod('h', [c('x')], { priorityClassName: 'high' }), ...pods] }), NOW);
  assert.equal(pc?.used['pods'], '1');
});

test('services, PVCs and legacy object counts', () => {
  const svc = (type: string, ports: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: type }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: i + 1 })) } });
  const status = reconcileQuota(
    quota({ services: '10', 'services.nodeports': '10', 'services.loadbalancers': '1', persistentvolumeclaims: '5', 'requests.storage': '100Gi', 'fast.storageclass.storage.k8s.io/requests.storage': '10Gi', secrets: '5' }),
    objects({
      'services.': [svc('ClusterIP', 1), svc('NodePort', 2), svc('LoadBalancer', 3)],
      'persistentvolumeclaims.': [
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'a' }, spec: { storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } } },
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'b' }, spec: { resources: { requests: { storage: '1Gi' } } } },
      ],
      'secrets.': [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }],
    }),
    NOW,
  );
  assert.deepEqual(status?.used, {
    'fast.storageclass.storage.k8s.io/requests.storage': '5Gi',
    persistentvolumeclaims: '2',
    'requests.storage': '6Gi',
    secrets: '1',
    services: '3',
    'services.loadbalancers': '1',
    'services.nodeports': '5',
  });
});

test('pod usage: init containers count by their max, sidecars add; overhead adds', () => {
  const p = pod('p', [c('app', { cpu: '1' })], {
    initContainers: [c('init', { cpu: '3' }), { ...c('side', { cpu: '500m' }), restartPolicy: 'Always' }],
    overhead: { cpu: '100m' },
  });
  assert.equal(prettyPrint(objectUsage({ group: '', resource: 'pods' }, p, NOW)), 'count/pods=1,cpu=3100m,pods=1,requests.cpu=3100m');
});

test('podConstraintViolation: upstream wording, resources and container names sorted', () => {
  const p = pod('p', [c('b'), c('a', { cpu: '1' })], { initContainers: [c('init', { memory: '1Gi' })] });
  assert.equal(podConstraintViolation(['requests.cpu', 'limits.memory', 'pods'], p), 'must specify limits.memory for: a,b,init; requests.cpu for: b,init');
  assert.equal(podConstraintViolation(['pods', 'count/pods'], p), undefined);
});

test('trackedGroupResources maps quota names to kinds', () => {
  assert.deepEqual(
    trackedGroupResources(['pods', 'requests.cpu', 'services.nodeports', 'count/jobs.batch', 'count/secrets', 'configmaps']).map((g) => `${g.resource}.${g.group}`).sort(),
    ['configmaps.', 'jobs.batch', 'pods.', 'secrets.', 'services.'],
  );
});
