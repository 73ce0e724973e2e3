/**
 * RBAC end to end with the real kubectl: users with client certificates from the cluster CA bound
 * to different roles, a static token user (--token-auth-file), a service-account token
 * (`kubectl create token`), impersonation, aggregation, the review APIs, and upstream's exact 403
 * messages. One server per file (API only: no controllers or agent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runKubectl, type KubectlResult, type TestServer } from '../support/cluster.js';
import { startServer, ok, show, poll, KUBECTL_1_27 } from './lib/kube.js';
import { issueClientCertificate, loadCertificateAuthority } from '../../src/apiserver/tls/index.js';

const RUN = `flt-${randomBytes(3).toString('hex')}`;
const NS = `${RUN}-team`;
const DAVE_TOKEN = `${RUN}-${randomBytes(16).toString('hex')}`;

interface User {
  name: string;
  kubeconfig: string;
}

function kubeconfigYaml(server: string, caPem: string, auth: { certPem: string; keyPem: string } | { token: string }, user: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cred = 'token' in auth ? `    token: ${auth.token}` : `    client-certificate-data: ${b64(auth.certPem)}\n    client-key-data: ${b64(auth.keyPem)}`;
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(caPem)}
users:
- name: ${user}
  user:
${cred}
contexts:
- name: ctx
  context: {cluster: c, user: ${user}}
current-context: ctx
`;
}

async function setup(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), `${RUN}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${DAVE_TOKEN},dave,dave-uid,"${RUN}-ops,${RUN}-audit"\n`, { mode: 0o600 });
  const server = await startServer({ extraArgs: ['--token-auth-file', tokenFile] });
  t.after(() => server.stop());
  const caPem = readFileSync(join(server.dataDir, 'tls', 'ca.crt'), 'utf8');
  const ca = await loadCertificateAuthority({ certPem: caPem, keyPem: readFileSync(join(server.dataDir, 'tls', 'ca.key'), 'utf8') });
  const certUser = async (name: string, groups: string[] = []): Promise<User> => {
    const cert = await issueClientCertificate(ca, { commonName: name, organizations: groups });
    const kubeconfig = join(dir, `${name}.kubeconfig`);
    writeFileSync(kubeconfig, kubeconfigYaml(server.url, caPem, cert, name), { mode: 0o600 });
    return { name, kubeconfig };
  };
  const tokenUser = (name: string, token: string): User => {
    const kubeconfig = join(dir, `${name}.kubeconfig`);
    writeFileSync(kubeconfig, kubeconfigYaml(server.url, caPem, { token }, name), { mode: 0o600 });
    return { name, kubeconfig };
  };
  const as = (u: User, args: string[], binary?: string): Promise<KubectlResult> => runKubectl(u.kubeconfig, server.dataDir, args, binary ? { binary } : {});
  return { server, certUser, tokenUser, as, dir };
}

async function okAs(run: Promise<KubectlResult>, what: string): Promise<string> {
  const r = await run;
  assert.equal(r.code, 0, `${what}: ${show(r)}`);
  return r.stdout;
}

/** kubectl's rendering of a 403: `Error from server (Forbidden): <message>`, or for imperative creates `error: failed to create <kind>: <message>`. */
async function forbiddenAs(run: Promise<KubectlResult>, message: string, createdKind?: string): Promise<void> {
  const r = await run;
  assert.equal(r.code, 1, show(r));
  assert.equal(r.stderr.trim(), createdKind ? `error: failed to create ${createdKind}: ${message}` : `Error from server (Forbidden): ${message}`, show(r));
}

async function applyAdmin(server: TestServer, yaml: string): Promise<void> {
  await ok(server, ['apply', '-f', '-'], { input: yaml });
}

test('users bound to different roles: can-i, --list, whoami, exact 403 messages, aggregation, impersonation', { timeout: 180_000 }, async (t) => {
  const { server, certUser, tokenUser, as } = await setup(t);
  await ok(server, ['create', 'namespace', NS]);
  const alice = await certUser(`${RUN}-alice`);
  const bob = await certUser(`${RUN}-bob`, [`${RUN}-editors`]);
  const carol = await certUser(`${RUN}-carol`);
  const dave = tokenUser('dave', DAVE_TOKEN);
  await applyAdmin(
    server,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-view, namespace: ${NS}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: ${alice.name}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${RUN}-editors}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: ${RUN}-editors}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cm-reader, namespace: ${NS}}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list], resourceNames: [allowed]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops-cm, namespace: ${NS}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-reader}
subjects: [{kind: Group, name: ${RUN}-ops}]
`,
  );
  await ok(server, ['create', 'configmap', 'allowed', '-n', NS, '--from-literal=a=b']);

  // whoami for each kind of identity.
  assert.match(await ok(server, ['auth', 'whoami']), /Username\s+admin\nGroups\s+\[system:masters system:authenticated\]/);
  assert.match(await okAs(as(carol, ['auth', 'whoami']), 'carol whoami'), new RegExp(`Username\\s+${carol.name}\\nGroups\\s+\\[system:authenticated\\]`));
  const daveWho = await okAs(as(dave, ['auth', 'whoami', '-o', 'json']), 'dave whoami');
  assert.deepEqual(JSON.parse(daveWho).status.userInfo, { username: 'dave', uid: 'dave-uid', groups: [`${RUN}-ops`, `${RUN}-audit`, 'system:authenticated'] });

  // alice: view in one namespace only.
  await okAs(as(alice, ['get', 'pods', '-n', NS]), 'alice lists pods');
  await forbiddenAs(as(alice, ['get', 'pods', '-n', 'default']), `pods is forbidden: User "${alice.name}" cannot list resource "pods" in API group "" in the namespace "default"`);
  await forbiddenAs(as(alice, ['create', 'configmap', 'x', '-n', NS]), `configmaps is forbidden: User "${alice.name}" cannot create resource "configmaps" in API group "" in the namespace "${NS}"`, 'configmap');
  await forbiddenAs(as(alice, ['get', 'secret', 'nope', '-n', NS]), `secrets "nope" is forbidden: User "${alice.name}" cannot get resource "secrets" in API group "" in the namespace "${NS}"`);
  await forbiddenAs(as(alice, ['get', 'nodes']), `nodes is forbidden: User "${alice.name}" cannot list resource "nodes" in API group "" at the cluster scope`);
  await forbiddenAs(as(alice, ['get', 'deployments.apps', '-n', 'default']), `deployments.apps is forbidden: User "${alice.name}" cannot list resource "deployments" in API group "apps" in the namespace "default"`);
  assert.equal((await okAs(as(alice, ['auth', 'can-i', 'list', 'pods', '-n', NS]), 'can-i')).trim(), 'yes');
  const no = await as(alice, ['auth', 'can-i', 'create', 'deployments', '-n', NS]);
  assert.equal(no.code, 1, show(no));
  assert.equal(no.stdout.trim(), 'no');
  const list = await okAs(as(alice, ['auth', 'can-i', '--list', '-n', NS]), 'can-i --list');
  assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/m);
  assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m);
  assert.match(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
  assert.match(list, /^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]/m);

  // bob: edit everywhere through his group; no RBAC writes (escalation needs admin).
  await okAs(as(bob, ['create', 'configmap', 'from-bob', '-n', NS, '--from-literal=k=v']), 'bob creates a configmap');
  await okAs(as(bob, ['get', 'secrets', '-n', 'default']), 'bob reads secrets');
  assert.equal((await okAs(as(bob, ['auth', 'can-i', 'delete', 'deployments.apps', '-n', 'kube-system']), 'can-i')).trim(), 'yes');
  await forbiddenAs(
    as(bob, ['create', 'rolebinding', 'x', '-n', NS, '--clusterrole=admin', `--user=${bob.name}`]),
    `rolebindings.rbac.authorization.k8s.io is forbidden: User "${bob.name}" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "${NS}"`,
    'rolebinding',
  );

  // carol: nothing but discovery and self-reviews.
  await forbiddenAs(as(carol, ['get', 'configmaps', '-n', NS]), `configmaps is forbidden: User "${carol.name}" cannot list resource "configmaps" in API group "" in the namespace "${NS}"`);
  const carolNo = await as(carol, ['auth', 'can-i', 'get', 'pods']);
  assert.equal(carolNo.stdout.trim(), 'no', show(carolNo));

  // dave (token file, group ops): one configmap by name only.
  await okAs(as(dave, ['get', 'configmap', 'allowed', '-n', NS]), 'dave gets the allowed configmap');
  await forbiddenAs(as(dave, ['get', 'configmap', 'from-bob', '-n', NS]), `configmaps "from-bob" is forbidden: User "dave" cannot get resource "configmaps" in API group "" in the namespace "${NS}"`);

  // Aggregation: a labelled ClusterRole extends view at once.
  await forbiddenAs(as(alice, ['get', 'podtemplates', '-n', NS]), `podtemplates is forbidden: User "${alice.name}" cannot list resource "podtemplates" in API group "" in the namespace "${NS}"`);
  await applyAdmin(
    server,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${RUN}-podtemplates
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules: [{apiGroups: [""], resources: [podtemplates], verbs: [get, list]}]
`,
  );
  await poll('view aggregates podtemplates', async () => (await as(alice, ['get', 'podtemplates', '-n', NS])).code === 0, 15_000, 100);
  const view = JSON.parse(await ok(server, ['get', 'clusterrole', 'view', '-o', 'json'])) as { rules: { resources?: string[] }[] };
  assert.ok(view.rules.some((r) => r.resources?.includes('podtemplates')));

  // Impersonation: the admin acts as alice; bob may not impersonate.
  await okAs(as({ name: 'admin', kubeconfig: server.kubeconfig }, ['get', 'pods', '-n', NS, `--as=${alice.name}`]), 'admin as alice');
  await forbiddenAs(
    as({ name: 'admin', kubeconfig: server.kubeconfig }, ['get', 'secrets', '-n', NS, `--as=${alice.name}`]),
    `secrets is forbidden: User "${alice.name}" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
  );
  const asGroup = await okAs(as({ name: 'admin', kubeconfig: server.kubeconfig }, ['auth', 'whoami', `--as=someone`, `--as-group=${RUN}-editors`, '-o', 'json']), 'whoami as');
  assert.deepEqual(JSON.parse(asGroup).status.userInfo, { username: 'someone', groups: [`${RUN}-editors`, 'system:authenticated'] });
  await forbiddenAs(as(bob, ['get', 'pods', '-n', NS, `--as=${carol.name}`]), `users "${carol.name}" is forbidden: User "${bob.name}" cannot impersonate resource "users" in API group "" at the cluster scope`);

  // Escalation: a namespace admin may hand out view in the namespace, not cluster-admin.
  const erin = await certUser(`${RUN}-erin`);
  await ok(server, ['create', 'rolebinding', 'erin-admin', '-n', NS, '--clusterrole=admin', `--user=${erin.name}`]);
  await okAs(as(erin, ['create', 'rolebinding', 'carol-view', '-n', NS, '--clusterrole=view', `--user=${carol.name}`]), 'erin delegates view');
  await poll('carol can read pods once erin bound her', async () => (await as(carol, ['get', 'pods', '-n', NS])).code === 0, 10_000, 100);
  const esc = await as(erin, ['create', 'rolebinding', 'erin-root', '-n', NS, '--clusterrole=cluster-admin', `--user=${erin.name}`]);
  assert.equal(esc.code, 1, show(esc));
  assert.equal(
    esc.stderr.trim(),
    `error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "erin-root" is forbidden: user "${erin.name}" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`,
  );
  const escRole = await as(erin, ['create', 'role', 'nodes-too', '-n', NS, '--verb=get', '--resource=pods,nodes']);
  assert.equal(escRole.code, 1, show(escRole));
  assert.match(escRole.stderr, /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get"\]\}/);

  // kubectl 1.27 speaks the same reviews.
  assert.equal((await okAs(as(alice, ['auth', 'can-i', 'watch', 'pods', '-n', NS], KUBECTL_1_27), 'can-i 1.27')).trim(), 'yes');
});

test('service-account tokens: create token, RBAC for the account, deleted account refused; SubjectAccessReview and TokenReview', { timeout: 120_000 }, async (t) => {
  const { server, tokenUser, as } = await setup(t);
  await ok(server, ['create', 'namespace', NS]);
  await ok(server, ['create', 'serviceaccount', 'robot', '-n', NS]);
  const token = (await ok(server, ['create', 'token', 'robot', '-n', NS])).trim();
  const robot = tokenUser('robot', token);
  const who = JSON.parse(await okAs(as(robot, ['auth', 'whoami', '-o', 'json']), 'robot whoami')).status.userInfo;
  assert.equal(who.username, `system:serviceaccount:${NS}:robot`);
  assert.deepEqual(who.groups, ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated']);
  await forbiddenAs(as(robot, ['get', 'pods', '-n', NS]), `pods is forbidden: User "system:serviceaccount:${NS}:robot" cannot list resource "pods" in API group "" in the namespace "${NS}"`);
  await ok(server, ['create', 'rolebinding', 'robot-view', '-n', NS, '--clusterrole=view', `--serviceaccount=${NS}:robot`]);
  await okAs(as(robot, ['get', 'pods', '-n', NS]), 'robot lists pods once bound');

  // SubjectAccessReview (admin asks about the robot) and LocalSubjectAccessReview.
  const sar = await server.request('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: `system:serviceaccount:${NS}:robot`, groups: ['system:serviceaccounts'], resourceAttributes: { namespace: NS, verb: 'list', resource: 'pods' } } }),
  });
  assert.equal(sar.status, 201, sar.body);
  assert.equal(JSON.parse(sar.body).status.allowed, true);
  const lsar = await server.request(`/apis/authorization.k8s.io/v1/namespaces/${NS}/localsubjectaccessreviews`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'nobody', resourceAttributes: { namespace: NS, verb: 'delete', resource: 'pods' } } }),
  });
  assert.equal(lsar.status, 201, lsar.body);
  assert.equal(JSON.parse(lsar.body).status.allowed, false);
  const bad = await server.request('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }),
  });
  assert.equal(bad.status, 422, bad.body);
  assert.equal(JSON.parse(bad.body).message, 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');

  // TokenReview of the robot's token and of the static token.
  const review = async (tok: string) => {
    const r = await server.request('/apis/authentication.k8s.io/v1/tokenreviews', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tok } }),
    });
    assert.equal(r.status, 201, r.body);
    return JSON.parse(r.body).status as { authenticated?: boolean; user?: { username?: string } };
  };
  const rs = await review(token);
  assert.equal(rs.authenticated, true);
  assert.equal(rs.user?.username, `system:serviceaccount:${NS}:robot`);
  assert.equal((await review(DAVE_TOKEN)).user?.username, 'dave');
  assert.notEqual((await review('not-a-token')).authenticated, true);

  // A deleted account's token stops working (the token cache lives at most 10 s).
  await ok(server, ['delete', 'serviceaccount', 'robot', '-n', NS]);
  await poll('deleted account refused', async () => {
    const r = await as(robot, ['get', 'pods', '-n', NS]);
    return r.code === 1 && /Unauthorized|must be logged in/.test(r.stderr);
  }, 20_000, 250);
  // An unknown bearer token is 401, not anonymous.
  const anon = await server.request('/api/v1/namespaces', { clientCert: false, headers: { Authorization: 'Bearer nope' } });
  assert.equal(anon.status, 401);
});

test('--anonymous-auth=true: anonymous requests are system:anonymous, limited to public info', { timeout: 60_000 }, async (t) => {
  const server = await startServer({ extraArgs: ['--anonymous-auth=true'] });
  t.after(() => server.stop());
  const v = await server.request('/version', { clientCert: false });
  assert.equal(v.status, 200);
  const r = await server.request('/api/v1/namespaces', { clientCert: false });
  assert.equal(r.status, 403, r.body);
  assert.equal(JSON.parse(r.body).message, 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
  const discovery = await server.request('/api', { clientCert: false });
  assert.equal(discovery.status, 403, 'system:discovery is for authenticated users only');
});
