/**
 * The token the node agent mounts into a pod (/var/run/secrets/kubernetes.io/serviceaccount/token,
 * a TokenRequest bound to the pod) authenticates against the API server as the pod's service
 * account, with the pod and node in the user's extras (seen in the audit log), and stops
 * authenticating once the pod is gone. Root: real containerd, runc and CNI through the embedded
 * agent (as agent.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../support/cluster.js';

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`timed out: ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

const asToken = (server: TestServer, path: string, token: string) =>
  server.request(path, { clientCert: false, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });

interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
  responseStatus: { code: number };
}

test('the token mounted into a pod authenticates as its service account until the pod is deleted', async (t) => {
  if (process.getuid?.() !== 0) assert.fail('this test needs root (containerd, runc, CNI): run it as root after scripts/setup.sh');
  const dir = mkdtempSync(join(tmpdir(), 'flt-sa-pod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const auditPath = join(dir, 'audit.log');
  const server = await startServer({ agent: true, controlPlane: true, extraArgs: ['--audit-log-path', auditPath], readyTimeoutMs: 120_000 });
  t.after(() => server.stop({ timeoutMs: 30_000 }));
  const ns = `flt-${randomBytes(3).toString('hex')}`;
  const manifest = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: ns } },
      // RBAC is on: the account may list the pods of its namespace (view).
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'reader-view', namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'client', namespace: ns },
        spec: {
          serviceAccountName: 'reader',
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'c', image: 'flotilla.local/busybox:1.35', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
        },
      },
    ],
  };
  const applied = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest), timeoutMs: 120_000 });
  assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}\n${server.stderr().slice(-4000)}`);
  const pod = await eventually('the pod to run', async () => {
    const r = await server.kubectl(['-n', ns, 'get', 'pod', 'client', '-o', 'json']);
    const p = r.code === 0 ? (JSON.parse(r.stdout) as { metadata: { uid: string }; spec: { nodeName?: string }; status: { phase?: string } }) : undefined;
    return p?.status.phase === 'Running' ? p : undefined;
  });

  const cat = await server.kubectl(['-n', ns, 'exec', 'client', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'], { timeoutMs: 60_000 });
  assert.equal(cat.code, 0, cat.stderr);
  const token = cat.stdout.trim();
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { 'kubernetes.io': { pod?: { name: string } } };
  assert.equal(claims['kubernetes.io'].pod?.name, 'client');

  const res = await asToken(server, `/api/v1/namespaces/${ns}/pods`, token);
  assert.equal(res.status, 200, res.body);

  const del = await server.kubectl(['-n', ns, 'delete', 'pod', 'client', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 });
  assert.equal(del.code, 0, del.stderr);
  // Gone from storage: refused once the 10 s success cache (upstream's) has expired.
  const refused = await eventually('the deleted pod\'s token to be refused', async () => {
    const r = await asToken(server, `/api/v1/namespaces/${ns}/pods`, token);
    return r.status === 401 ? r : undefined;
  }, 30_000);
  assert.equal((JSON.parse(refused.body) as { reason: string }).reason, 'Unauthorized');

  await server.stop({ timeoutMs: 30_000 });
  const events = readFileSync(auditPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent);
  const read = events.find((e) => e.verb === 'list' && e.requestURI.startsWith(`/api/v1/namespaces/${ns}/pods`) && e.responseStatus.code === 200 && e.user.username.startsWith('system:serviceaccount:'));
  assert.ok(read, 'the token request is in the audit log');
  assert.equal(read.user.username, `system:serviceaccount:${ns}:reader`);
  assert.deepEqual(read.user.groups, ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated']);
  assert.deepEqual(read.user.extra?.['authentication.kubernetes.io/pod-name'], ['client']);
  assert.deepEqual(read.user.extra?.['authentication.kubernetes.io/pod-uid'], [pod.metadata.uid]);
  assert.deepEqual(read.user.extra?.['authentication.kubernetes.io/node-name'], [pod.spec.nodeName]);
  assert.match(read.user.extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^JTI=[0-9a-f-]{36}$/);
});
