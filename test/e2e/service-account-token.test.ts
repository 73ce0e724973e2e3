/**
 * Service-account bearer tokens against a real `flotilla server` (with its control plane, so the
 * token controller fills legacy token Secrets): a TokenRequest token authenticates kubectl and plain HTTPS as `system:serviceaccount:<ns>:<name>`; a token for
 * another audience, a tampered token and, after the account or Secret is deleted, the old token
 * get 401 with upstream's Status. There is no authorization step yet: any authenticated user may
 * read (and write) everything, so 200 here says only that authentication succeeded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_KUBECTL, startServer, type KubectlResult, type TestServer } from '../support/cluster.js';

/** kubectl with a kubeconfig that holds only the CA and a bearer token (no client certificate). */
function kubectlWithToken(server: TestServer, dir: string, token: string, args: string[]): Promise<KubectlResult> {
  const ca = readFileSync(join(server.dataDir, 'tls', 'ca.crt')).toString('base64');
  const kubeconfig = join(dir, 'token.kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: server.url, 'certificate-authority-data': ca } }],
      users: [{ name: 'sa', user: { token } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'sa' } }],
      'current-context': 'c',
    }),
    { mode: 0o600 },
  );
  return new Promise((resolve) => {
    const child = spawn(DEFAULT_KUBECTL, ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * POST serviceaccounts/NAME/token as the admin, in JSON, with the exact body under test
 * (`kubectl create token`, which sends it as protobuf, is covered by test/e2e/rbac.test.ts).
 */
async function tokenRequest(server: TestServer, ns: string, name: string, audiences?: string[]): Promise<string> {
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: audiences ? { audiences } : {} });
  const r = await server.request(`/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body,
  });
  assert.equal(r.status, 201, r.body);
  return (JSON.parse(r.body) as { status: { token: string } }).status.token;
}

const nsAndAccount = (ns: string) => ({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: ns } },
    // RBAC is on: the account may read ServiceAccounts and Secrets of its namespace (edit).
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'robot-edit', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: ns }],
    },
  ],
});

const asToken = (server: TestServer, path: string, token: string) =>
  server.request(path, { clientCert: false, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });

/** Polls until `fn` returns a value (bounded). */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function assertUnauthorizedStatus(res: { status: number; body: string }): void {
  assert.equal(res.status, 401, res.body);
  const s = JSON.parse(res.body) as Record<string, unknown>;
  assert.equal(s['kind'], 'Status');
  assert.equal(s['status'], 'Failure');
  assert.equal(s['reason'], 'Unauthorized');
  assert.equal(s['message'], 'Unauthorized');
  assert.equal(s['code'], 401);
}

test('service-account tokens authenticate kubectl and HTTPS clients until the account or secret is gone', async (t) => {
  const server = await startServer({ controlPlane: true });
  t.after(() => server.stop());
  const dir = mkdtempSync(join(tmpdir(), 'flt-sa-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ns = `flt-${randomBytes(3).toString('hex')}`;

  const setup = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(nsAndAccount(ns)) });
  assert.equal(setup.code, 0, setup.stderr);
  const token = await tokenRequest(server, ns, 'robot');
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

  // A read as the service account (allowed by its RoleBinding to edit).
  const list = await asToken(server, `/api/v1/namespaces/${ns}/serviceaccounts`, token);
  assert.equal(list.status, 200, list.body);
  assert.ok((JSON.parse(list.body) as { items: { metadata: { name: string } }[] }).items.some((i) => i.metadata.name === 'robot'));

  // kubectl with only the token: it gets through, and the audit trail of the request knows the user.
  const got = await kubectlWithToken(server, dir, token, ['-n', ns, 'get', 'serviceaccount', 'robot', '-o', 'jsonpath={.metadata.name}']);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, 'robot');

  // Another audience, or a tampered payload: 401 with upstream's Status.
  const vault = await tokenRequest(server, ns, 'robot', ['vault']);
  assertUnauthorizedStatus(await asToken(server, `/api/v1/namespaces/${ns}/serviceaccounts`, vault));
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
  assertUnauthorizedStatus(await asToken(server, '/api', `${h}.${forged}.${s}`));
  const denied = await kubectlWithToken(server, dir, vault, ['-n', ns, 'get', 'serviceaccounts']);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /Unauthorized|must be logged in/);

  // A legacy token Secret, filled by the token controller, authenticates too.
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'robot-token', namespace: ns, annotations: { 'kubernetes.io/service-account.name': 'robot' } },
    type: 'kubernetes.io/service-account-token',
  };
  const applied = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(secret) });
  assert.equal(applied.code, 0, applied.stderr);
  const legacy = await eventually('the token controller to fill robot-token', async () => {
    const r = await server.kubectl(['-n', ns, 'get', 'secret', 'robot-token', '-o', 'jsonpath={.data.token}']);
    return r.code === 0 && r.stdout ? Buffer.from(r.stdout, 'base64').toString() : undefined;
  });
  assert.equal(JSON.parse(Buffer.from(legacy.split('.')[1]!, 'base64url').toString()).iss, 'kubernetes/serviceaccount');
  assert.equal((await asToken(server, `/api/v1/namespaces/${ns}/secrets`, legacy)).status, 200);

  const delSecret = await server.kubectl(['-n', ns, 'delete', 'secret', 'robot-token']);
  assert.equal(delSecret.code, 0, delSecret.stderr);
  // Successful authentications are cached for 10 s (upstream's token cache), so allow for that.
  assertUnauthorizedStatus(
    await eventually('the legacy token to be refused', async () => {
      const r = await asToken(server, '/api', legacy);
      return r.status === 401 ? r : undefined;
    }),
  );

  // Deleting the service account invalidates its TokenRequest tokens.
  const del = await server.kubectl(['-n', ns, 'delete', 'serviceaccount', 'robot']);
  assert.equal(del.code, 0, del.stderr);
  assertUnauthorizedStatus(
    await eventually('the token of the deleted account to be refused', async () => {
      const r = await asToken(server, `/api/v1/namespaces/${ns}/serviceaccounts`, token);
      return r.status === 401 ? r : undefined;
    }),
  );
  // A new account of the same name (a new uid) does not revive the old token.
  const again = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(nsAndAccount(ns)) });
  assert.equal(again.code, 0, again.stderr);
  assertUnauthorizedStatus(await asToken(server, `/api/v1/namespaces/${ns}/serviceaccounts`, token));
});
