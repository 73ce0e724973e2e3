/**
 * The seed's own API groups, built in (issue 6 item 5): `kubectl apply -f test/fixtures/seed/`
 * with kubectl's default flags (--validate=strict) on a fresh server creates every object of the
 * seed — Argo Rollouts, sealed-secrets, External Secrets, Istio and VPA kinds included — except the
 * tls Secret, which upstream refuses too; the seed-only fields come back as Warning lines naming
 * the upstream field; `kubectl get` prints each kind with its CRD's printer columns; re-applying
 * changes nothing; short names, categories, explain, scale and value validation work as with the
 * upstream CRDs installed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FIXTURES, KUBECTL_1_27, KUBECTL_1_33, type KObj, type TestServer, createNamespace, fails, getJson, ok, startServer } from './lib/kube.js';

const SEED = join(FIXTURES, 'seed');
const f = (name: string) => join(SEED, name);

let server: TestServer;
before(async () => {
  server = await startServer();
  await createNamespace(server, 'production');
  await createNamespace(server, 'monitoring');
});
after(async () => {
  await server?.stop();
});

const ROLLOUT_HINT = 'in the AnalysisTemplate named by templates[].templateName';
// kubectl sends objects with their keys sorted, so the Warnings of one object come in that order.
const WARNINGS = [
  'Warning: spec.portLevelSettings is not an Istio field; use spec.trafficPolicy.portLevelSettings',
  'Warning: spec.trafficPolicy.circuitBreaker is not an Istio field; use spec.trafficPolicy.outlierDetection',
  'Warning: spec.trafficPolicy.connectionPool.http.baseEjectionTime is not an Istio field; use spec.trafficPolicy.outlierDetection.baseEjectionTime',
  'Warning: spec.trafficPolicy.connectionPool.http.consecutiveGatewayErrors is not an Istio field; use spec.trafficPolicy.outlierDetection.consecutiveGatewayErrors',
  'Warning: spec.trafficPolicy.connectionPool.http.interval is not an Istio field; use spec.trafficPolicy.outlierDetection.interval',
  `Warning: spec.strategy.canary.analysis.count is not an Argo Rollouts field; use spec.metrics[].count ${ROLLOUT_HINT}`,
  `Warning: spec.strategy.canary.analysis.failureCondition is not an Argo Rollouts field; use spec.metrics[].failureCondition ${ROLLOUT_HINT}`,
  `Warning: spec.strategy.canary.analysis.interval is not an Argo Rollouts field; use spec.metrics[].interval ${ROLLOUT_HINT}`,
  `Warning: spec.strategy.canary.analysis.successCondition is not an Argo Rollouts field; use spec.metrics[].successCondition ${ROLLOUT_HINT}`,
];

function tlsError(): string {
  return `Error from server (BadRequest): error when creating "${f('tls-certificate-secret.yaml')}": Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 36`;
}

test('kubectl apply -f of the whole seed: every object created, Warnings for the seed-only fields, the tls Secret refused; re-apply unchanged', async () => {
  const r = await fails(server, ['apply', '-f', SEED]);
  const created = r.stdout.trim().split('\n');
  // kubectl reads a directory's files in name order.
  assert.deepEqual(created, [
    'analysistemplate.argoproj.io/success-rate created',
    'authorizationpolicy.security.istio.io/backend-access-control created',
    'deployment.apps/myapp-blue created',
    'deployment.apps/myapp-green created',
    'service/myapp-service created',
    'destinationrule.networking.istio.io/backend-destination created',
    'externalsecret.external-secrets.io/database-secret created',
    'gateway.networking.istio.io/myapp-gateway created',
    'horizontalpodautoscaler.autoscaling/myapp-hpa created',
    'configmap/prometheus-config created',
    'configmap/prometheus-rules created',
    'configmap/grafana-dashboard-app created',
    'configmap/myapp-config created',
    'networkpolicy.networking.k8s.io/default-deny-all created',
    'networkpolicy.networking.k8s.io/frontend-to-backend created',
    'networkpolicy.networking.k8s.io/backend-to-database created',
    'networkpolicy.networking.k8s.io/api-egress-policy created',
    'node/worker-node-1 created',
    'node/database-node-1 created',
    'rollout.argoproj.io/myapp-canary created',
    'sealedsecret.bitnami.com/database-credentials created',
    'secretstore.external-secrets.io/vault-backend created',
    'serviceentry.networking.istio.io/external-payment-api created',
    'virtualservice.networking.istio.io/myapp-routes created',
    'verticalpodautoscaler.autoscaling.k8s.io/myapp-vpa created',
  ]);
  assert.deepEqual(r.stderr.trim().split('\n'), [...WARNINGS, tlsError()]);

  const es = await getJson(server, ['externalsecret', 'database-secret', '-n', 'production']);
  const again = await fails(server, ['apply', '-f', SEED]);
  const lines = again.stdout.trim().split('\n');
  assert.equal(lines.length, created.length);
  // The ExternalSecret's CRD defaults land inside items of its `data` list, which has no merge key:
  // kubectl's three-way patch replaces such a list whole, so it sends it again and says
  // "configured" — as it does against the upstream CRD; the object itself does not change.
  assert.deepEqual(
    lines,
    created.map((l) => l.replace(/ created$/, l.startsWith('externalsecret.') ? ' configured' : ' unchanged')),
  );
  const es2 = await getJson(server, ['externalsecret', 'database-secret', '-n', 'production']);
  assert.deepEqual(es2, es, 'the ExternalSecret is not written again');
  // An unchanged object is not written, so no Warning (as upstream: warnings come from writes).
  assert.deepEqual(again.stderr.trim().split('\n'), [tlsError()]);
});

test('kubectl diff of the seed kinds shows nothing once applied, and the change when there is one', async () => {
  const files = ['rollout.yaml', 'analysis-template.yaml', 'sealed-secret.yaml', 'secret-store.yaml', 'external-secret.yaml', 'gateway.yaml', 'virtual-service.yaml', 'destination-rule.yaml', 'service-entry.yaml', 'authorization-policy.yaml', 'vpa.yaml'];
  for (const name of files) {
    const d = await server.kubectl(['diff', '-f', f(name)]);
    assert.equal(d.code, 0, `${name}: ${d.stdout}${d.stderr}`);
  }
  const changed = readFileSync(f('virtual-service.yaml'), 'utf8').replace('weight: 90', 'weight: 80').replace('weight: 10', 'weight: 20');
  const d = await server.kubectl(['diff', '-f', '-'], { input: changed });
  assert.equal(d.code, 1, d.stderr);
  assert.match(d.stdout, /^-\s+weight: 90$/m);
  assert.match(d.stdout, /^\+\s+weight: 80$/m);
});

test('the seed-only fields are stored as written', async () => {
  const dr = await getJson(server, ['destinationrule', 'backend-destination', '-n', 'production']);
  const want = parse(readFileSync(f('destination-rule.yaml'), 'utf8')) as KObj;
  assert.deepEqual(dr.spec, want.spec);
  const ro = await getJson<{ spec: { strategy: { canary: { analysis: Record<string, unknown> } } } }>(server, ['rollout', 'myapp-canary', '-n', 'production']);
  assert.deepEqual(ro.spec.strategy.canary.analysis, {
    templates: [{ templateName: 'success-rate' }],
    args: [
      { name: 'service-name', value: 'myapp-canary' },
      { name: 'prometheus-url', value: 'http://prometheus.monitoring:9090' },
    ],
    startingStep: 2,
    interval: '60s',
    count: 5,
    successCondition: 'result[0] >= 0.95',
    failureCondition: 'result[0] < 0.90',
  });
});

test('kubectl get prints each kind with its CRD printer columns (short names too)', async () => {
  const cases: [string[], string[], string[]][] = [
    [['get', 'ro'], ['NAME', 'DESIRED', 'CURRENT', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], ['myapp-canary', '10', '', '', '']],
    [['get', 'analysistemplate'], ['NAME', 'AGE'], ['success-rate']],
    [['get', 'sealedsecret'], ['NAME', 'STATUS', 'SYNCED', 'AGE'], ['database-credentials']],
    [['get', 'ss'], ['NAME', 'AGE', 'STATUS', 'CAPABILITIES', 'READY'], ['vault-backend']],
    [['get', 'es'], ['NAME', 'STORETYPE', 'STORE', 'REFRESH INTERVAL', 'STATUS', 'READY'], ['database-secret', 'SecretStore', 'vault-backend', '1h']],
    [['get', 'gw'], ['NAME', 'AGE'], ['myapp-gateway']],
    [['get', 'vs'], ['NAME', 'GATEWAYS', 'HOSTS', 'AGE'], ['myapp-routes', '["myapp-gateway"]', '["api.mycompany.com","app.mycompany.com"]']],
    [['get', 'dr'], ['NAME', 'HOST', 'AGE'], ['backend-destination', 'backend-service']],
    [['get', 'se'], ['NAME', 'HOSTS', 'LOCATION', 'RESOLUTION', 'AGE'], ['external-payment-api', '["payment-api.external-company.com"]', 'MESH_EXTERNAL', 'DNS']],
    [['get', 'authorizationpolicy'], ['NAME', 'ACTION', 'AGE'], ['backend-access-control']],
    [['get', 'vpa'], ['NAME', 'MODE', 'CPU', 'MEM', 'PROVIDED', 'AGE'], ['myapp-vpa', 'Auto']],
  ];
  for (const [args, columns, first] of cases) {
    const out = await ok(server, [...args, '-n', 'production']);
    const head = out.split('\n')[0]!;
    assert.deepEqual(head.trim().split(/\s{2,}/), columns, args.join(' '));
    const row = out.split('\n')[1]!;
    // Columns are aligned under their headers: read each cell at its header's offset.
    const starts: number[] = [];
    for (const c of columns) starts.push(head.indexOf(c, starts.length ? starts[starts.length - 1]! + 1 : 0));
    const cells = starts.map((s, i) => row.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim());
    for (let i = 0; i < first.length; i++) {
      // A value the object does not have is a null cell, which kubectl prints blank (as for CRDs).
      assert.equal(cells[i], first[i], `${args.join(' ')} column ${columns[i]}: ${row}`);
    }
    const age = columns.indexOf('AGE');
    if (age >= 0) assert.match(cells[age]!, /^\d+s$|^\d+m/, `${args.join(' ')} AGE: ${row}`);
  }
  // Istio's categories
  const istio = await ok(server, ['get', 'istio-io', '-n', 'production', '-o', 'name']);
  assert.deepEqual(istio.trim().split('\n').sort(), [
    'authorizationpolicy.security.istio.io/backend-access-control',
    'destinationrule.networking.istio.io/backend-destination',
    'gateway.networking.istio.io/myapp-gateway',
    'serviceentry.networking.istio.io/external-payment-api',
    'virtualservice.networking.istio.io/myapp-routes',
  ]);
});

test('api-resources lists the kinds with upstream short names', async () => {
  const out = await ok(server, ['api-resources', '--no-headers', '-o', 'wide']);
  const has = (line: RegExp) => assert.ok(out.split('\n').some((l) => line.test(l)), `${line} in:\n${out}`);
  has(/^rollouts\s+ro\s+argoproj\.io\/v1alpha1\s+true\s+Rollout/);
  has(/^virtualservices\s+vs\s+networking\.istio\.io\/v1\s+true\s+VirtualService/);
  has(/^destinationrules\s+dr\s+networking\.istio\.io\/v1\s+true\s+DestinationRule/);
  has(/^serviceentries\s+se\s+networking\.istio\.io\/v1\s+true\s+ServiceEntry/);
  has(/^verticalpodautoscalers\s+vpa\s+autoscaling\.k8s\.io\/v1\s+true\s+VerticalPodAutoscaler/);
  has(/^sealedsecrets\s+bitnami\.com\/v1alpha1\s+true\s+SealedSecret/);
  has(/^externalsecrets\s+es\s+external-secrets\.io\/v1beta1\s+true\s+ExternalSecret/);
});

test('kubectl explain reads the schemas from OpenAPI v3', async () => {
  const out = await ok(server, ['explain', 'rollout.spec']);
  assert.match(out, /GROUP:\s+argoproj\.io/);
  assert.match(out, /KIND:\s+Rollout/);
  assert.match(out, /FIELD: spec <Object>/);
  assert.match(out, /strategy\s+<Object>/);
  assert.match(out, /template\s+<PodTemplateSpec>|template\s+<Object>/);
  const cb = await ok(server, ['explain', 'destinationrule.spec.trafficPolicy.circuitBreaker']);
  assert.match(cb, /Not an Istio field/);
  const vs = await ok(server, ['explain', 'virtualservices.spec.http.fault.delay', '--api-version=networking.istio.io/v1beta1']);
  assert.match(vs, /fixedDelay\s+<string>/);
});

test('values upstream refuses are refused with the CRD validation message; nothing is written', async () => {
  const bad = readFileSync(f('service-entry.yaml'), 'utf8').replace('location: MESH_EXTERNAL', 'location: OUTSIDE').replace('name: external-payment-api', 'name: bad-entry');
  const r = await fails(server, ['apply', '-f', '-'], { input: bad });
  assert.equal(
    r.stderr.trim(),
    'The ServiceEntry "bad-entry" is invalid: spec.location: Unsupported value: "OUTSIDE": supported values: "MESH_EXTERNAL", "MESH_INTERNAL"',
  );
  await fails(server, ['get', 'se', 'bad-entry', '-n', 'production']);
  // A field neither upstream nor the seed has is refused under kubectl's default strict validation.
  const unknown = readFileSync(f('gateway.yaml'), 'utf8').replace('  selector:', '  bogus: 1\n  selector:').replace('name: myapp-gateway', 'name: bad-gateway');
  const u = await fails(server, ['apply', '-f', '-'], { input: unknown });
  assert.match(u.stderr, /strict decoding error: unknown field "spec\.bogus"/);
});

test('kubectl scale drives the Rollout scale subresource', async () => {
  assert.equal((await ok(server, ['scale', 'rollout', 'myapp-canary', '-n', 'production', '--replicas=4'])).trim(), 'rollout.argoproj.io/myapp-canary scaled');
  const ro = await getJson<{ spec: { replicas: number } }>(server, ['rollout', 'myapp-canary', '-n', 'production']);
  assert.equal(ro.spec.replicas, 4);
});

for (const [label, binary] of [
  ['1.27', KUBECTL_1_27],
  ['1.33', KUBECTL_1_33],
] as const) {
  test(`kubectl ${label}: apply (strict validation), Warnings, get and explain of the seed kinds`, async () => {
    assert.ok(existsSync(binary), `${binary} is missing: the machine image ships kubectl ${label} under /usr/lib/google-cloud-sdk/bin`);
    const ns = `seed-v${label.replace('.', '')}`;
    await createNamespace(server, ns);
    const input = ['destination-rule.yaml', 'rollout.yaml', 'virtual-service.yaml', 'vpa.yaml']
      .map((n) => readFileSync(f(n), 'utf8').replace('namespace: production', `namespace: ${ns}`))
      .join('---\n');
    const r = await server.kubectl(['apply', '-f', '-'], { binary, input });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'destinationrule.networking.istio.io/backend-destination created',
      'rollout.argoproj.io/myapp-canary created',
      'virtualservice.networking.istio.io/myapp-routes created',
      'verticalpodautoscaler.autoscaling.k8s.io/myapp-vpa created',
    ]);
    assert.deepEqual(r.stderr.trim().split('\n'), WARNINGS);
    const again = await server.kubectl(['apply', '-f', '-'], { binary, input });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.stdout.trim().split('\n').every((l) => l.endsWith(' unchanged')), again.stdout);
    const vs = await server.kubectl(['get', 'vs', '-n', ns], { binary });
    assert.equal(vs.code, 0, vs.stderr);
    assert.deepEqual(vs.stdout.split('\n')[0]!.trim().split(/\s{2,}/), ['NAME', 'GATEWAYS', 'HOSTS', 'AGE']);
    const ex = await server.kubectl(['explain', 'ro.spec.strategy.canary.analysis'], { binary });
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /successCondition/);
  });
}
