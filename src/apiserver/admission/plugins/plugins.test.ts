import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../testing/test-server.js';
import { builtinResources } from '../../../api/builtin.js';
import type { KubeObject } from '../../../api/types.js';
import type { ApiServer } from '../../server.js';
import { ApiRegistry } from '../../../api/registry.js';
import { builtinAdmission, createStoreAccess, evaluateQuotas, LIMIT_RANGER_ANNOTATION, type AdmissionAccess } from './index.js';
import type { AdmissionPlugin } from '../types.js';
import type { QuotaView } from '../../../controllers/resourcequota/index.js';

/** A test server whose plugins read its own stores (as the composition root wires them). */
async function serverWithPlugins(make: (access: AdmissionAccess) => AdmissionPlugin[]): Promise<TestServer> {
  let api: ApiServer | undefined;
  const resources = builtinResources();
  const access = createStoreAccess({ registry: new ApiRegistry(resources), storeFor: (d) => api!.storeFor(d), listerFor: (d) => api!.listerFor(d) });
  const srv = await startTestServer({ resources, admission: make(access) });
  api = srv.api;
  return srv;
}

const pod = (name: string, containers: KubeObject['spec'] = [{ name: 'c', image: 'nginx' }]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers },
});

async function createQuota(srv: TestServer, ns: string, name: string, hard: Record<string, string>, used: Record<string, string>): Promise<void> {
  const c = await srv.request('POST', `/api/v1/namespaces/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } });
  assert.equal(c.status, 201, c.text);
  const q = c.json<KubeObject>();
  // What the ResourceQuota controller would write.
  const s = await srv.request('PUT', `/api/v1/namespaces/${ns}/resourcequotas/${name}/status`, { ...q, status: { hard, used } });
  assert.equal(s.status, 200, s.text);
}

async function getQuotaUsed(srv: TestServer, ns: string, name: string): Promise<Record<string, string>> {
  const r = await srv.request('GET', `/api/v1/namespaces/${ns}/resourcequotas/${name}`);
  return r.json<{ status: { used: Record<string, string> } }>().status.used;
}

test('ServiceAccount: pods without a service account run as default', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a));
  try {
    const c = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('p'));
    assert.equal(c.status, 201, c.text);
    const spec = c.json<{ spec: { serviceAccountName: string; serviceAccount: string } }>().spec;
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
  } finally {
    await srv.close();
  }
});

test('ServiceAccount: with the existence check, a missing account is refused as upstream', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a, { requireServiceAccount: true }));
  try {
    const c = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('p'));
    assert.equal(c.status, 403);
    assert.equal(c.json().message, 'pods "p" is forbidden: error looking up service account default/default: serviceaccount "default" not found');
    const sa = await srv.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    assert.equal(sa.status, 201, sa.text);
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/pods', pod('p'))).status, 201);
  } finally {
    await srv.close();
  }
});

test('ResourceQuota: object count refused with upstream message; used is charged', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a));
  try {
    await createQuota(srv, 'default', 'q', { pods: '2', configmaps: '1' }, { pods: '0', configmaps: '0' });
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/pods', pod('a'))).status, 201);
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/pods', pod('b'))).status, 201);
    assert.deepEqual(await getQuotaUsed(srv, 'default', 'q'), { configmaps: '0', pods: '2' });
    const refused = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('c'));
    assert.equal(refused.status, 403);
    assert.equal(refused.json().reason, 'Forbidden');
    assert.equal(refused.json().message, 'pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    // Dry runs are checked but not charged.
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm)).status, 201);
    assert.equal((await getQuotaUsed(srv, 'default', 'q'))['configmaps'], '0');
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/configmaps', cm)).status, 201);
    const cm2 = await srv.request('POST', '/api/v1/namespaces/default/configmaps', { ...cm, metadata: { name: 'y' } });
    assert.equal(cm2.json().message, 'configmaps "y" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');
    // Other namespaces are not limited.
    assert.equal((await srv.request('POST', '/api/v1/namespaces/kube-system/pods', pod('c'))).status, 201);
  } finally {
    await srv.close();
  }
});

test('ResourceQuota: compute quotas demand requests/limits and sum them', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a));
  try {
    await createQuota(srv, 'default', 'compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' }, { 'requests.cpu': '0', 'limits.memory': '0' });
    const bare = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('bare', [{ name: 'web', image: 'x' }, { name: 'side', image: 'x', resources: { requests: { cpu: '100m' } } }]));
    assert.equal(bare.status, 403);
    assert.equal(bare.json().message, 'pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: side,web; requests.cpu for: web');
    const ok = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('ok', [{ name: 'web', image: 'x', resources: { limits: { cpu: '600m', memory: '512Mi' } } }]));
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(await getQuotaUsed(srv, 'default', 'compute'), { 'limits.memory': '512Mi', 'requests.cpu': '600m' });
    const big = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('big', [{ name: 'web', image: 'x', resources: { limits: { cpu: '500m', memory: '256Mi' } } }]));
    assert.equal(big.status, 403);
    assert.equal(big.json().message, 'pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
  } finally {
    await srv.close();
  }
});

test('ResourceQuota: a quota whose usage is not yet computed refuses with status unknown', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a));
  try {
    await createQuota(srv, 'default', 'q', { pods: '2' }, {});
    const r = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('a'));
    assert.equal(r.json().message, 'pods "a" is forbidden: status unknown for quota: q, resources: pods');
  } finally {
    await srv.close();
  }
});

test('ResourceQuota: parallel creates racing one slot: exactly one wins', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a));
  try {
    await createQuota(srv, 'default', 'q', { pods: '5' }, { pods: '4' });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => srv.request('POST', '/api/v1/namespaces/default/pods', pod(`p${i}`))));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 403, 403, 403, 403, 403, 403, 403]);
    assert.equal((await getQuotaUsed(srv, 'default', 'q'))['pods'], '5');
  } finally {
    await srv.close();
  }
});

test('ResourceQuota: two apiservers (two plugin instances) over one store cannot both take the last slot', async () => {
  // Two plugin instances share nothing but storage: only the resourceVersion precondition protects the quota.
  let api: ApiServer | undefined;
  const resources = builtinResources();
  const access = createStoreAccess({ registry: new ApiRegistry(resources), storeFor: (d) => api!.storeFor(d), listerFor: (d) => api!.listerFor(d) });
  let slow = 0;
  let conflicts = 0;
  const delayed: AdmissionAccess = {
    ...access,
    async updateStatus(gvr, obj) {
      try {
        return await access.updateStatus(gvr, obj);
      } catch (e) {
        conflicts++;
        throw e;
      }
    },
    async list(gvr, ns) {
      const items = await access.list(gvr, ns);
      // Both instances read the quota before either writes.
      await new Promise((r) => setTimeout(r, 20 * ++slow));
      return items;
    },
  };
  const a = builtinAdmission(delayed)[2]!;
  const b = builtinAdmission(delayed)[2]!;
  let turn = 0;
  const alternating: AdmissionPlugin = { name: 'ResourceQuota', validate: (req) => (turn++ % 2 === 0 ? a : b).validate!(req) };
  const srv = await startTestServer({ resources, admission: [alternating] });
  api = srv.api;
  try {
    await createQuota(srv, 'default', 'q', { pods: '3' }, { pods: '2' });
    const results = await Promise.all([0, 1].map((i) => srv.request('POST', '/api/v1/namespaces/default/pods', pod(`p${i}`))));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 403]);
    assert.equal(conflicts, 1, 'the loser lost on the resourceVersion precondition');
    assert.equal((await getQuotaUsed(srv, 'default', 'q'))['pods'], '3');
  } finally {
    await srv.close();
  }
});

test('evaluateQuotas: scopes select pods; services count node ports', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const q = (name: string, spec: QuotaView['spec'], hard: Record<string, string>, used: Record<string, string>): QuotaView => ({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name, namespace: 'ns', resourceVersion: '1' },
    spec: { ...spec, hard },
    status: { hard, used },
  });
  const be = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } };
  const quotas = [q('be', { scopes: ['BestEffort'] }, { pods: '1' }, { pods: '1' }), q('nbe', { scopes: ['NotBestEffort'] }, { pods: '1' }, { pods: '0' })];
  assert.equal(evaluateQuotas(quotas, { group: '', resource: 'pods' }, be, now).refusal, 'exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1');
  const burstable = { ...be, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] } };
  const r = evaluateQuotas(quotas, { group: '', resource: 'pods' }, burstable, now);
  assert.equal(r.refusal, undefined);
  assert.deepEqual(r.charged.map((c) => [c.metadata.name, c.status?.used]), [['nbe', { pods: '1' }]]);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 1 }, { port: 2 }] } };
  const sq = [q('s', {}, { 'services.nodeports': '1', services: '10' }, { 'services.nodeports': '0', services: '0' })];
  assert.equal(evaluateQuotas(sq, { group: '', resource: 'services' }, svc, now).refusal, 'exceeded quota: s, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
  const dq = [q('d', {}, { 'count/deployments.apps': '0' }, { 'count/deployments.apps': '0' })];
  assert.equal(evaluateQuotas(dq, { group: 'apps', resource: 'deployments' }, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} }, now).refusal, 'exceeded quota: d, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0');
});

test('LimitRanger: defaults, annotation, min/max/ratio and Pod limits with upstream messages', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a));
  try {
    const lr = await srv.request('POST', '/api/v1/namespaces/default/limitranges', {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'lr' },
      spec: {
        limits: [
          { type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '200m' }, min: { cpu: '100m' }, max: { memory: '1Gi' }, maxLimitRequestRatio: { cpu: '4' } },
          { type: 'Pod', max: { cpu: '2' } },
        ],
      },
    });
    assert.equal(lr.status, 201, lr.text);
    const c = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('p', [{ name: 'web', image: 'x' }, { name: 'side', image: 'x', resources: { limits: { cpu: '300m' } } }]));
    assert.equal(c.status, 201, c.text);
    const got = c.json<{ metadata: { annotations: Record<string, string> }; spec: { containers: { resources: unknown }[] } }>();
    assert.deepEqual(got.spec.containers[0]!.resources, { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '200m', memory: '512Mi' } });
    // The request defaults to the container's own limit (as SetDefaults_Pod does first), not to defaultRequest.
    assert.deepEqual(got.spec.containers[1]!.resources, { limits: { cpu: '300m', memory: '512Mi' }, requests: { cpu: '300m', memory: '512Mi' } });
    assert.equal(got.metadata.annotations[LIMIT_RANGER_ANNOTATION], 'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web; memory request for container side; memory limit for container side');

    const small = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('small', [{ name: 'w', image: 'x', resources: { requests: { cpu: '50m' } } }]));
    assert.equal(small.status, 403);
    assert.equal(small.json().message, 'pods "small" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000]');
    const big = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('big', [{ name: 'w', image: 'x', resources: { limits: { memory: '2Gi' } } }]));
    assert.equal(big.json().message, 'pods "big" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi');
    const many = await srv.request('POST', '/api/v1/namespaces/default/pods', pod('many', ['a', 'b', 'c', 'd', 'e'].map((n) => ({ name: n, image: 'x' }))));
    assert.equal(many.json().message, 'pods "many" is forbidden: maximum cpu usage per Pod is 2, but limit is 2500m');
  } finally {
    await srv.close();
  }
});

test('LimitRanger: PersistentVolumeClaim storage min/max', async () => {
  const srv = await serverWithPlugins((a) => builtinAdmission(a));
  try {
    await srv.request('POST', '/api/v1/namespaces/default/limitranges', { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'st' }, spec: { limits: [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }] } });
    const pvc = (name: string, storage: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    assert.equal((await srv.request('POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('ok', '5Gi'))).status, 201);
    const big = await srv.request('POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('big', '20Gi'));
    assert.equal(big.json().message, 'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
    const small = await srv.request('POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('small', '500Mi'));
    assert.equal(small.json().message, 'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  } finally {
    await srv.close();
  }
});
