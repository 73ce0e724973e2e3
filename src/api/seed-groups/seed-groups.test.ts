/**
 * The seed's CRD-served kinds built in: every seed manifest of these kinds is accepted under
 * fieldValidation=Strict with Warnings for exactly the seed-only fields, stored with them, served as
 * Tables with upstream's printer columns; bad values are refused with the CRD validation messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../../apiserver/testing/test-server.js';
import { testNamespace } from '../../apiserver/testing/fixtures.js';
import type { KubeObject, ResourceDef } from '../types.js';
import { seedGroupResources } from './index.js';
import { columnCell, evalColumnPath, parseColumnPath } from './crd-kind.js';
import { resolveUpstreamField } from './seed-fields.js';

const FIXTURES = new URL('../../../test/fixtures/seed/', import.meta.url);
const fixture = (name: string): KubeObject => parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as KubeObject;

function defFor(obj: KubeObject, defs: ResourceDef[]): ResourceDef {
  const d = defs.find((r) => `${r.group}/${r.version}` === obj.apiVersion && r.kind === obj.kind);
  assert.ok(d, `no ResourceDef for ${obj.apiVersion} ${obj.kind}`);
  return d;
}

function collectionPath(def: ResourceDef, ns: string | undefined): string {
  return `/apis/${def.group}/${def.version}${def.namespaced ? `/namespaces/${ns}` : ''}/${def.plural}`;
}

function warnings(h: Headers): string[] {
  const raw = h.get('warning');
  if (!raw) return [];
  return [...raw.matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

const SEED: Record<string, string[]> = {
  'rollout.yaml': [
    'spec.strategy.canary.analysis.interval is not an Argo Rollouts field; use spec.metrics[].interval in the AnalysisTemplate named by templates[].templateName',
    'spec.strategy.canary.analysis.count is not an Argo Rollouts field; use spec.metrics[].count in the AnalysisTemplate named by templates[].templateName',
    'spec.strategy.canary.analysis.successCondition is not an Argo Rollouts field; use spec.metrics[].successCondition in the AnalysisTemplate named by templates[].templateName',
    'spec.strategy.canary.analysis.failureCondition is not an Argo Rollouts field; use spec.metrics[].failureCondition in the AnalysisTemplate named by templates[].templateName',
  ],
  'analysis-template.yaml': [],
  'sealed-secret.yaml': [],
  'secret-store.yaml': [],
  'external-secret.yaml': [],
  'gateway.yaml': [],
  'virtual-service.yaml': [],
  'destination-rule.yaml': [
    'spec.trafficPolicy.connectionPool.http.consecutiveGatewayErrors is not an Istio field; use spec.trafficPolicy.outlierDetection.consecutiveGatewayErrors',
    'spec.trafficPolicy.connectionPool.http.interval is not an Istio field; use spec.trafficPolicy.outlierDetection.interval',
    'spec.trafficPolicy.connectionPool.http.baseEjectionTime is not an Istio field; use spec.trafficPolicy.outlierDetection.baseEjectionTime',
    'spec.trafficPolicy.circuitBreaker is not an Istio field; use spec.trafficPolicy.outlierDetection',
    'spec.portLevelSettings is not an Istio field; use spec.trafficPolicy.portLevelSettings',
  ],
  'service-entry.yaml': [],
  'authorization-policy.yaml': [],
  'vpa.yaml': [],
};

async function withServer(fn: (srv: TestServer, defs: ResourceDef[]) => Promise<void>): Promise<void> {
  const defs = seedGroupResources();
  const srv = await startTestServer({ resources: [testNamespace, ...defs] });
  try {
    await srv.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'production' } });
    await fn(srv, defs);
  } finally {
    await srv.close();
  }
}

test('every seed manifest of these kinds is accepted under Strict, warned about its seed-only fields, and stored with them', async () => {
  await withServer(async (srv, defs) => {
    for (const [file, expected] of Object.entries(SEED)) {
      const obj = fixture(file);
      const def = defFor(obj, defs);
      const res = await srv.request('POST', `${collectionPath(def, obj.metadata.namespace)}?fieldValidation=Strict`, obj);
      assert.equal(res.status, 201, `${file}: ${res.text}`);
      assert.deepEqual(warnings(res.headers), expected, file);
      const stored = res.json<KubeObject>();
      assert.deepEqual(stored['spec'] !== undefined, true);
      // Nothing the seed wrote was pruned (defaults may have been added).
      assertContains(stored['spec'], obj['spec'], `${file}: spec`);
    }
  });
});

function assertContains(actual: unknown, expected: unknown, where: string): void {
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${where}: missing`);
    for (const [k, v] of Object.entries(expected as Record<string, unknown>)) assertContains((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else assert.deepEqual(actual, expected, where);
}

test('CRD schema defaults are applied (ExternalSecret) and status is not settable on create', async () => {
  await withServer(async (srv, defs) => {
    const es = fixture('external-secret.yaml');
    es['status'] = { refreshTime: '2020-01-01T00:00:00Z' };
    const res = await srv.request('POST', collectionPath(defFor(es, defs), 'production'), es);
    assert.equal(res.status, 201, res.text);
    const got = res.json<{ spec: { target: Record<string, unknown>; data: { remoteRef: Record<string, unknown> }[] }; status?: unknown }>();
    assert.equal(got.spec.target['deletionPolicy'], 'Retain');
    assert.deepEqual(got.spec.data[0]!.remoteRef, { key: 'database/production', property: 'username', metadataPolicy: 'None', conversionStrategy: 'Default', decodingStrategy: 'None' });
    assert.equal(got.status, undefined);
  });
});

test('bad enum values and missing required fields are refused with the CRD validation messages', async () => {
  await withServer(async (srv, defs) => {
    const se = fixture('service-entry.yaml');
    (se['spec'] as Record<string, unknown>)['location'] = 'OUTSIDE';
    let res = await srv.request('POST', collectionPath(defFor(se, defs), 'production'), se);
    assert.equal(res.status, 422, res.text);
    assert.equal(
      res.json<{ message: string }>().message,
      'ServiceEntry.networking.istio.io "external-payment-api" is invalid: spec.location: Unsupported value: "OUTSIDE": supported values: "MESH_EXTERNAL", "MESH_INTERNAL"',
    );
    const dr = fixture('destination-rule.yaml');
    delete (dr['spec'] as Record<string, unknown>)['host'];
    res = await srv.request('POST', collectionPath(defFor(dr, defs), 'production'), dr);
    assert.equal(res.status, 422, res.text);
    assert.match(res.json<{ message: string }>().message, /spec\.host: Required value/);
    const vpa = fixture('vpa.yaml');
    ((vpa['spec'] as Record<string, Record<string, unknown>>)['updatePolicy']!)['updateMode'] = 'Sometimes';
    res = await srv.request('POST', collectionPath(defFor(vpa, defs), 'production'), vpa);
    assert.equal(res.status, 422, res.text);
    assert.match(res.json<{ message: string }>().message, /spec\.updatePolicy\.updateMode: Unsupported value: "Sometimes"/);
    // A wrong type is a validation error as for any CRD (no Go type to decode into).
    const ro = fixture('rollout.yaml');
    (ro['spec'] as Record<string, unknown>)['replicas'] = 'ten';
    res = await srv.request('POST', collectionPath(defFor(ro, defs), 'production'), ro);
    assert.equal(res.status, 422, res.text);
    assert.equal(
      res.json<{ message: string }>().message,
      'Rollout.argoproj.io "myapp-canary" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    );
    // And protobuf bodies are refused as apiextensions-apiserver refuses them.
    res = await srv.request('POST', collectionPath(defFor(ro, defs), 'production'), 'k8s\u0000\n\u0000', { 'content-type': 'application/vnd.kubernetes.protobuf' });
    assert.equal(res.status, 415, res.text);
  });
});

test('Tables carry the upstream CRDs\' printer columns', async () => {
  await withServer(async (srv, defs) => {
    const accept = { accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' };
    const cases: [string, string[], unknown[]][] = [
      ['rollout.yaml', ['Name', 'Desired', 'Current', 'Up-to-date', 'Available', 'Age'], ['myapp-canary', 10, null, null, null]],
      ['virtual-service.yaml', ['Name', 'Gateways', 'Hosts', 'Age'], ['myapp-routes', '["myapp-gateway"]', '["api.mycompany.com","app.mycompany.com"]']],
      ['destination-rule.yaml', ['Name', 'Host', 'Age'], ['backend-destination', 'backend-service']],
      ['service-entry.yaml', ['Name', 'Hosts', 'Location', 'Resolution', 'Age'], ['external-payment-api', '["payment-api.external-company.com"]', 'MESH_EXTERNAL', 'DNS']],
      ['gateway.yaml', ['Name', 'Age'], ['myapp-gateway']],
      ['authorization-policy.yaml', ['Name', 'Action', 'Age'], ['backend-access-control', null]],
      ['vpa.yaml', ['Name', 'Mode', 'CPU', 'Mem', 'Provided', 'Age'], ['myapp-vpa', 'Auto', null, null, null]],
      ['external-secret.yaml', ['Name', 'StoreType', 'Store', 'Refresh Interval', 'Status', 'Ready'], ['database-secret', 'SecretStore', 'vault-backend', '1h', null, null]],
      ['secret-store.yaml', ['Name', 'AGE', 'Status', 'Capabilities', 'Ready'], ['vault-backend']],
      ['sealed-secret.yaml', ['Name', 'Status', 'Synced', 'Age'], ['database-credentials', null, null]],
      ['analysis-template.yaml', ['Name', 'Age'], ['success-rate']],
    ];
    for (const [file, columns, firstCells] of cases) {
      const obj = fixture(file);
      const def = defFor(obj, defs);
      const path = collectionPath(def, obj.metadata.namespace);
      assert.equal((await srv.request('POST', path, obj)).status, 201, file);
      const t = (await srv.request('GET', path, undefined, accept)).json<{ columnDefinitions: { name: string; type: string }[]; rows: { cells: unknown[] }[] }>();
      assert.deepEqual(t.columnDefinitions.map((c) => c.name), columns, file);
      assert.deepEqual(t.rows[0]!.cells.slice(0, firstCells.length), firstCells, file);
      const age = t.columnDefinitions.findIndex((c) => c.name.toLowerCase() === 'age');
      if (age >= 0) {
        assert.equal(t.columnDefinitions[age]!.type, 'date');
        assert.match(String(t.rows[0]!.cells[age]), /^\d+s$/);
      }
    }
  });
});

test('Rollout scale subresource reads .spec.replicas, .status.HPAReplicas and .status.selector', async () => {
  await withServer(async (srv, defs) => {
    const ro = fixture('rollout.yaml');
    const path = collectionPath(defFor(ro, defs), 'production');
    assert.equal((await srv.request('POST', path, ro)).status, 201);
    let scale = (await srv.request('GET', `${path}/myapp-canary/scale`)).json<{ kind: string; spec: { replicas: number } }>();
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 10);
    const res = await srv.request('PATCH', `${path}/myapp-canary/scale`, { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(res.status, 200, res.text);
    const got = (await srv.request('GET', `${path}/myapp-canary`)).json<{ spec: { replicas: number } }>();
    assert.equal(got.spec.replicas, 3);
    scale = (await srv.request('GET', `${path}/myapp-canary/scale`)).json();
    assert.equal(scale.spec.replicas, 3);
  });
});

test('Istio kinds are served at v1, v1beta1 and v1alpha3 over one stored object', async () => {
  await withServer(async (srv, defs) => {
    const vs = fixture('virtual-service.yaml');
    assert.equal((await srv.request('POST', collectionPath(defFor(vs, defs), 'production'), vs)).status, 201);
    for (const v of ['v1', 'v1alpha3']) {
      const res = await srv.request('GET', `/apis/networking.istio.io/${v}/namespaces/production/virtualservices/myapp-routes`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json<KubeObject>().apiVersion, `networking.istio.io/${v}`);
    }
  });
});

test('printer column paths: the JSONPath subset and cell rendering of apiextensions', () => {
  const obj = { status: { conditions: [{ type: 'Other', status: 'False' }, { type: 'Ready', status: 'True', reason: 'Valid' }] }, spec: { hosts: ['a<b'] } };
  assert.equal(evalColumnPath(obj, parseColumnPath('.status.conditions[?(@.type=="Ready")].reason')), 'Valid');
  assert.equal(evalColumnPath(obj, parseColumnPath(".status.conditions[?(@.type=='Other')].status")), 'False');
  assert.equal(evalColumnPath(obj, parseColumnPath('.status.conditions[0].type')), 'Other');
  assert.equal(evalColumnPath(obj, parseColumnPath('.status.missing[0].x')), undefined);
  assert.equal(columnCell('string', ['a<b']), '["a\\u003cb"]');
  assert.equal(columnCell('string', 5), '5');
  assert.equal(columnCell('integer', 2.7), 2);
  assert.equal(columnCell('integer', 'x'), null);
  assert.equal(columnCell('string', undefined), null);
  assert.equal(columnCell('date', '2026-01-01T00:00:00Z', new Date('2026-01-01T00:05:00Z')), '5m');
  assert.equal(columnCell('date', 'yesterday'), '<invalid>');
  assert.throws(() => parseColumnPath('.a[*].b'));
});

test('upstream field markers resolve against the holder of the seed-only field', () => {
  assert.equal(resolveUpstreamField('outlierDetection', ['spec', 'trafficPolicy']), 'spec.trafficPolicy.outlierDetection');
  assert.equal(resolveUpstreamField('../../outlierDetection.interval', ['spec', 'subsets', '[1]', 'trafficPolicy', 'connectionPool', 'http']), 'spec.subsets[1].trafficPolicy.outlierDetection.interval');
  assert.equal(resolveUpstreamField('../../outlierDetection.interval', ['spec', 'trafficPolicy', 'portLevelSettings', '[0]', 'connectionPool', 'http']), 'spec.trafficPolicy.portLevelSettings[0].outlierDetection.interval');
  assert.equal(resolveUpstreamField('use the other one', ['spec']), 'use the other one');
});

test('a patch that only drops CRD-defaulted values writes nothing (generation compared after defaulting)', async () => {
  await withServer(async (srv, defs) => {
    const es = fixture('external-secret.yaml');
    const path = collectionPath(defFor(es, defs), 'production');
    const created = (await srv.request('POST', path, es)).json<KubeObject>();
    const res = await srv.request('PATCH', `${path}/database-secret`, { spec: { data: (es['spec'] as { data: unknown }).data } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(res.status, 200, res.text);
    const got = res.json<KubeObject>();
    assert.equal(got.metadata.generation, 1);
    assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
    const changed = await srv.request('PATCH', `${path}/database-secret`, { spec: { refreshInterval: '2h' } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(changed.json<KubeObject>().metadata.generation, 2);
  });
});

test('ClusterAnalysisTemplate is cluster-scoped; AnalysisRun status goes through its status subresource and shows in the table', async () => {
  await withServer(async (srv) => {
    const tmpl = fixture('analysis-template.yaml');
    const cat = { ...tmpl, kind: 'ClusterAnalysisTemplate', metadata: { name: 'success-rate' } };
    let res = await srv.request('POST', '/apis/argoproj.io/v1alpha1/clusteranalysistemplates', cat);
    assert.equal(res.status, 201, res.text);
    const run = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'run-1', namespace: 'production' }, spec: { metrics: (tmpl['spec'] as { metrics: unknown }).metrics }, status: { phase: 'Running' } };
    const path = '/apis/argoproj.io/v1alpha1/namespaces/production/analysisruns';
    res = await srv.request('POST', path, run);
    assert.equal(res.status, 201, res.text);
    const created = res.json<KubeObject>();
    assert.equal(created['status'], undefined, 'status is not settable on create');
    res = await srv.request('PUT', `${path}/run-1/status`, { ...created, status: { phase: 'Successful' } });
    assert.equal(res.status, 200, res.text);
    const t = (await srv.request('GET', path, undefined, { accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' })).json<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>();
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Status', 'Age']);
    assert.deepEqual(t.rows[0]!.cells.slice(0, 2), ['run-1', 'Successful']);
    // A metric without its provider is refused as the CRD's `required` does.
    const bad = { ...run, metadata: { name: 'run-2', namespace: 'production' }, spec: { metrics: [{ name: 'm' }] } };
    res = await srv.request('POST', path, bad);
    assert.equal(res.status, 422, res.text);
    assert.match(res.json<{ message: string }>().message, /spec\.metrics\[0\]\.provider: Required value/);
  });
});
