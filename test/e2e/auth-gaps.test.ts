/**
 * Small authentication gaps with the real kubectl: kubectl 1.27's `auth whoami` against a server
 * that (as upstream 1.32 by default) serves SelfSubjectReview only as authentication.k8s.io/v1;
 * `kubectl create token` with --duration and a Pod bound object, sent as protobuf; and
 * `kubectl auth can-i --list` as a service account. One API-only server for the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runKubectl, type KubectlResult } from '../support/cluster.js';
import { startServer, ok, show, KUBECTL_1_27, type TestServer } from './lib/kube.js';

const RUN = `flt-${randomBytes(3).toString('hex')}`;
const NS = `${RUN}-ns`;

function tokenKubeconfig(server: TestServer, dir: string, name: string, token: string): string {
  const ca = Buffer.from(readFileSync(join(server.dataDir, 'tls', 'ca.crt'))).toString('base64');
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server.url}\n    certificate-authority-data: ${ca}\n` +
      `users:\n- name: ${name}\n  user:\n    token: ${token}\ncontexts:\n- name: ctx\n  context: {cluster: c, user: ${name}}\ncurrent-context: ctx\n`,
    { mode: 0o600 },
  );
  return path;
}

function claims(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  assert.ok(part, `not a JWT: ${jwt}`);
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

test('kubectl 1.27 whoami, create token --duration --bound-object-kind Pod over protobuf, can-i --list as a service account', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), `${RUN}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startServer();
  t.after(() => server.stop());

  // Upstream 1.32 does not serve authentication.k8s.io/v1beta1 by default (beta APIs are off,
  // KEP-3136): kubectl 1.27 tries v1beta1, then v1alpha1, and reports the API as not enabled.
  const v1beta1 = await server.request('/apis/authentication.k8s.io/v1beta1');
  assert.equal(v1beta1.status, 404, v1beta1.body);
  const old = await server.kubectl(['auth', 'whoami'], { binary: KUBECTL_1_27 });
  assert.equal(old.code, 1, show(old));
  assert.equal(
    old.stderr.trim(),
    'error: the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API',
    show(old),
  );
  // The current kubectl uses v1.
  assert.match(await ok(server, ['auth', 'whoami']), /Username\s+admin/);

  await ok(server, ['create', 'namespace', NS]);
  await ok(server, ['create', 'serviceaccount', 'robot', '-n', NS]);
  await ok(server, ['run', 'web', '--image=busybox', '-n', NS, '--overrides={"spec":{"serviceAccountName":"robot"}}']);
  const pod = JSON.parse(await ok(server, ['get', 'pod', 'web', '-n', NS, '-o', 'json'])) as { metadata: { uid: string } };

  // create token with a duration and a bound Pod; -v=8 shows the request body's media type.
  const made = await server.kubectl(['create', 'token', 'robot', '-n', NS, '--duration=15m', '--bound-object-kind=Pod', '--bound-object-name=web', '-v=8']);
  assert.equal(made.code, 0, show(made));
  assert.match(made.stderr, /POST https:\/\/[^ ]+\/serviceaccounts\/robot\/token/, 'kubectl logged the token request');
  assert.match(made.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/, 'the TokenRequest body was protobuf');
  const token = made.stdout.trim();
  const c = claims(token);
  assert.equal(Number(c['exp']) - Number(c['iat']), 900, JSON.stringify(c));
  const k8s = c['kubernetes.io'] as { namespace?: string; pod?: { name?: string; uid?: string }; serviceaccount?: { name?: string } };
  assert.equal(k8s.namespace, NS);
  assert.deepEqual(k8s.pod, { name: 'web', uid: pod.metadata.uid });
  assert.equal(k8s.serviceaccount?.name, 'robot');

  // The bound token authenticates while its pod exists; can-i --list as the account.
  const kc = tokenKubeconfig(server, dir, 'robot', token);
  const as = (args: string[]): Promise<KubectlResult> => runKubectl(kc, server.dataDir, args);
  await ok(server, ['create', 'rolebinding', 'robot-view', '-n', NS, '--clusterrole=view', `--serviceaccount=${NS}:robot`]);
  const list = await as(['auth', 'can-i', '--list', '-n', NS]);
  assert.equal(list.code, 0, show(list));
  const rows = new Map(list.stdout.trim().split('\n').slice(1).map((l) => { const f = l.trim().split(/\s{2,}/); return [f[0], f.at(-1)] as const; }));
  assert.equal(rows.get('pods'), '[get list watch]', list.stdout);
  assert.equal(rows.get('selfsubjectreviews.authentication.k8s.io'), '[create]', list.stdout);
  assert.equal(rows.get('selfsubjectaccessreviews.authorization.k8s.io'), '[create]', list.stdout);
  assert.equal(rows.has('secrets'), false, list.stdout);
  const who = await as(['auth', 'whoami', '-o', 'json']);
  assert.equal(who.code, 0, show(who));
  const info = (JSON.parse(who.stdout) as { status: { userInfo: { username: string; extra?: Record<string, string[]> } } }).status.userInfo;
  assert.equal(info.username, `system:serviceaccount:${NS}:robot`);
  assert.deepEqual(info.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
});
