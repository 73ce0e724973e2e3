/**
 * Issue 5's NetworkPolicy check on a real node (root, containerd, CNI): the seed's
 * network-policies.yaml applied in a `production` namespace with frontend, backend-api and
 * postgresql pods (the demo app serving HTTP on 8080 / 5432), read as upstream does. Traffic is
 * pod → pod on the node's bridge only (`kubectl exec … wget`), plus the node itself → pods.
 *
 * Enforcement is the agent's own (startAgent runs startNetworkPolicy for its bridge in
 * `table inet flotilla-netpol`): nothing here installs rules, so the test fails when the agent's
 * enforcement breaks. The server's stop (killall) removes the agent's objects.
 * test/e2e/netpol-seed.test.ts applies the seed file itself and measures change latency.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { startServer, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';
import { NETPOL_TABLE } from '../../src/proxy/netpol/index.js';

let server: TestServer;
const ip: Record<string, string> = {};

/** kubectl as the admin (test/e2e/lib/kube.ts's ok), 90 s at most. */
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, input === undefined ? { timeoutMs: 90_000 } : { input, timeoutMs: 90_000 });

/** Polls `probe` every 300 ms until it returns a value (test/e2e/lib/kube.ts's poll). */
const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 300);

/**
 * Whether pod `from` (namespace/name) gets an answer from ip:port/health within 2 s (busybox's
 * `timeout`: the static busybox's `wget -T` crashes here).
 */
async function reach(from: string, to: string, port: number): Promise<boolean> {
  const [ns, name] = from.split('/') as [string, string];
  const r = await server.kubectl(['exec', '-n', ns, name, '--', 'timeout', '2', 'wget', '-qO-', `http://${ip[to]}:${port}/health`], { timeoutMs: 20_000 });
  if (process.env.NP_DEBUG) console.error('reach', from, to, port, r.code, r.stdout, r.stderr);
  return r.code === 0 && r.stdout.includes('ok');
}

function hostReach(to: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip[to]!, port, timeout: 2000 }, () => s.end('GET /health HTTP/1.0\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.once('end', () => resolve(got.includes(' 200 ')));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

async function expect(cases: [string, string, number, boolean][]): Promise<void> {
  const got = await Promise.all(cases.map(([f, t, p]) => reach(f, t, p)));
  const wrong = cases.filter((c, i) => got[i] !== c[3]).map(([f, t, p, want]) => `${f} → ${t}:${p} expected ${want ? 'allowed' : 'denied'}`);
  assert.deepEqual(wrong, []);
}

const SEED_POLICIES = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: production}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-to-backend, namespace: production}
spec:
  podSelector: {matchLabels: {app: backend-api}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: frontend}}
    - namespaceSelector: {matchLabels: {name: frontend}}
    ports: [{protocol: TCP, port: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: backend-to-database, namespace: production}
spec:
  podSelector: {matchLabels: {app: postgresql}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: backend-api}}}]
    ports: [{protocol: TCP, port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-egress-policy, namespace: production}
spec:
  podSelector: {matchLabels: {app: backend-api}}
  policyTypes: [Egress]
  egress:
  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
  - ports: [{protocol: TCP, port: 443}]
    to: [{namespaceSelector: {}}]
  - ports: [{protocol: TCP, port: 5432}]
    to: [{podSelector: {matchLabels: {app: postgresql}}}]
`;

const app = (name: string, labels: string, port: number, ns = 'production') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${labels}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: flotilla.local/demo-app:1.0, env: [{name: PORT, value: "${port}"}], ports: [{name: http, containerPort: ${port}}],
     readinessProbe: {httpGet: {path: /ready, port: ${port}}, periodSeconds: 1}}
`;

before(async () => {
  server = await startServer({ agent: true, controlPlane: true });
  await eventually('node Ready', async () => / Ready /.test(await ok(['get', 'node', server.node!.name, '--no-headers'])) || undefined, 90_000);
  await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: production}\n');
  await eventually('default service account in production', async () => (await server.kubectl(['get', 'sa', 'default', '-n', 'production'])).code === 0 || undefined);
  await eventually('default service account in default', async () => (await server.kubectl(['get', 'sa', 'default'])).code === 0 || undefined);
  // frontend and the outsiders run the demo app too (so they answer the node), and have busybox's wget.
  await ok(['apply', '-f', '-'], [
    app('frontend', '{app: frontend}', 8080),
    app('backend-api', '{app: backend-api}', 8080),
    app('postgresql', '{app: postgresql}', 5432),
    app('intruder', '{app: intruder}', 8080),
    app('outsider', '{app: outsider}', 8080, 'default'),
  ].join('---\n'));
  await ok(['wait', '--for=condition=Ready', '-n', 'production', 'pod/frontend', 'pod/backend-api', 'pod/postgresql', 'pod/intruder', '--timeout=120s']);
  await ok(['wait', '--for=condition=Ready', 'pod/outsider', '--timeout=120s']);
  for (const [ns, name] of [['production', 'frontend'], ['production', 'backend-api'], ['production', 'postgresql'], ['production', 'intruder'], ['default', 'outsider']] as const) {
    ip[name] = (await ok(['get', 'pod', '-n', ns, name, '-o', 'jsonpath={.status.podIP}'])).trim();
  }
});

after(async () => {
  await server?.stop();
});

test('the agent enforces NetworkPolicies itself: its base chains are in table inet flotilla-netpol', async () => {
  const { stdout } = await promisify(execFile)('nft', ['list', 'table', 'inet', NETPOL_TABLE], { timeout: 10_000 });
  const bridge = server.node!.bridge;
  assert.match(stdout, new RegExp(`chain ${bridge}-ingress \\{[^}]*hook forward`), `${bridge}-ingress in ${NETPOL_TABLE}`);
  assert.match(stdout, new RegExp(`chain ${bridge}-egress \\{[^}]*hook forward`), `${bridge}-egress in ${NETPOL_TABLE}`);
});

test('the demo pods have wget (busybox applets in the demo image) and reach each other without policies', async () => {
  await expect([
    ['production/frontend', 'backend-api', 8080, true],
    ['production/intruder', 'postgresql', 5432, true],
    ['default/outsider', 'backend-api', 8080, true],
  ]);
});

test('an invalid CIDR is refused by validation', async () => {
  const r = await server.kubectl(['apply', '-f', '-'], { input: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad-cidr, namespace: production}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]
` });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec\.ingress\[0\]\.from\[0\]\.ipBlock\.cidr: Invalid value: "10\.0\.0\.0\/33"/);
});

test('the seed\'s network-policies.yaml in production, read as upstream', async () => {
  await ok(['apply', '-f', '-'], SEED_POLICIES);
  // default-deny-all also denies the frontend's egress: it reaches the backend only once another policy allows it.
  await eventually('intruder → backend denied', async () => !(await reach('production/intruder', 'backend-api', 8080)) || undefined, 10_000);
  await expect([
    ['production/frontend', 'backend-api', 8080, false],
    ['production/backend-api', 'postgresql', 5432, true],
    ['production/backend-api', 'intruder', 8080, false],
    ['production/intruder', 'postgresql', 5432, false],
    ['default/outsider', 'backend-api', 8080, false],
  ]);
  // Probes and the node itself: always allowed.
  assert.equal(await hostReach('backend-api', 8080), true, 'node → backend');
  assert.equal(await hostReach('postgresql', 5432), true, 'node → postgresql');
  const ready = await ok(['get', 'pod', '-n', 'production', 'backend-api', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  assert.equal(ready.trim(), 'True', 'readiness probes keep passing under default deny');

  await ok(['apply', '-f', '-'], `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-egress, namespace: production}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: backend-api}}}], ports: [{protocol: TCP, port: 8080}]}]
`);
  await eventually('frontend → backend allowed', () => reach('production/frontend', 'backend-api', 8080), 5_000);
  await expect([
    ['production/frontend', 'postgresql', 5432, false],
    ['production/intruder', 'backend-api', 8080, false],
  ]);

  // Deleting a policy restores traffic, within a second of the change (the exec round trip on top).
  const t0 = Date.now();
  await ok(['delete', 'networkpolicy', '-n', 'production', 'default-deny-all']);
  await eventually('intruder → postgresql? still denied by backend-to-database', async () => !(await reach('production/intruder', 'postgresql', 5432)) || undefined, 5_000);
  await ok(['delete', 'networkpolicy', '-n', 'production', 'backend-to-database']);
  await eventually('intruder → postgresql allowed', () => reach('production/intruder', 'postgresql', 5432), 5_000);
  const ms = Date.now() - t0;
  assert.ok(ms < 15_000, `restored after ${ms} ms`);
  await ok(['delete', 'networkpolicy', '-n', 'production', '--all']);
});
