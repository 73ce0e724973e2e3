/**
 * `flotilla server` as a real process: kubectl talks to it, client certificates decide identity,
 * SIGTERM stops it cleanly, a restart on the same data dir keeps PKI and state, and command-line
 * mistakes fail fast with one line and exit code 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startServer } from '../support/cluster.js';
import { startEtcd } from '../../src/storage/testing/etcd-server.js';

const BIN = join(REPO_ROOT, 'bin', 'flotilla.js');

test('server starts, kubectl sees v1.32, /readyz is ok, startup time is logged', async (t) => {
  const server = await startServer();
  t.after(() => server.stop());

  const v = await server.kubectl(['version', '-o', 'json']);
  assert.equal(v.code, 0, v.stderr);
  const info = JSON.parse(v.stdout) as { serverVersion: { major: string; minor: string; gitVersion: string } };
  assert.equal(info.serverVersion.major, '1');
  assert.equal(info.serverVersion.minor, '32');
  assert.match(info.serverVersion.gitVersion, /^v1\.32\.\d+/);

  const ready = await server.request('/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.trim(), 'ok');

  // The README's first command after start-up.
  const ns = await server.kubectl(['get', 'ns']);
  assert.equal(ns.code, 0, ns.stderr);
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(ns.stdout, new RegExp(`^${name} +Active`, 'm'));

  assert.match(server.stdout(), new RegExp(`Wrote kubeconfig ${server.kubeconfig}; export KUBECONFIG=${server.kubeconfig}`));
  assert.match(server.stdout(), /Flotilla is ready \(https:\/\/127\.0\.0\.1:\d+, started in \d+ ms\)/);
  const line = server.stderr().split('\n').find((l) => /\] Flotilla is ready /.test(l));
  assert.ok(line, `no ready log line in:\n${server.stderr()}`);
  assert.match(line, /^I\d{4} [\d:.]+ server\] Flotilla is ready startupMs=\d+ sinceProcessStartMs=\d+$/);
  assert.equal(statSync(server.kubeconfig).mode & 0o777, 0o600);
});

test('admin client certificate is accepted; no certificate or a foreign one gets 401', async (t) => {
  const server = await startServer();
  t.after(() => server.stop());
  const other = await startServer();
  t.after(() => other.stop());

  const admin = await server.request('/api', { headers: { Accept: 'application/json' } });
  assert.notEqual(admin.status, 401, admin.body);
  assert.notEqual(admin.status, 403, admin.body);

  const anonymous = await server.request('/api', { clientCert: false, headers: { Accept: 'application/json' } });
  // The apiserver's authentication step (lead's work in src/apiserver/server.ts) answers 401 for
  // requests without a user; anonymous access is off, as on a kubeadm cluster.
  assert.equal(anonymous.status, 401, anonymous.body);
  const status = JSON.parse(anonymous.body) as { kind: string; reason: string; code: number };
  assert.equal(status.kind, 'Status');
  assert.equal(status.reason, 'Unauthorized');

  // A client certificate signed by another cluster's CA: verified by TLS, rejected by x509 authn.
  const foreign = await rawRequest(server.port, '/api', readFileSync(join(server.dataDir, 'tls', 'ca.crt'), 'utf8'), {
    cert: readFileSync(join(other.dataDir, 'tls', 'admin.crt'), 'utf8'),
    key: readFileSync(join(other.dataDir, 'tls', 'admin.key'), 'utf8'),
  });
  assert.equal(foreign.status, 401, foreign.body);

  // The serving certificate covers the names in-cluster clients and the operator use.
  const cert = new (await import('node:crypto')).X509Certificate(readFileSync(join(server.dataDir, 'tls', 'apiserver.crt')));
  for (const ip of ['127.0.0.1', '10.96.0.1']) assert.equal(cert.checkIP(ip), ip);
  assert.equal(cert.checkHost('kubernetes.default.svc.cluster.local'), 'kubernetes.default.svc.cluster.local');
});

test('SIGTERM exits 0 promptly; restart on the same data dir reuses PKI and state', async (t) => {
  const server = await startServer({ extraArgs: ['--tls-san', 'flotilla.test'] });
  t.after(() => server.stop());
  const caBefore = readFileSync(join(server.dataDir, 'tls', 'ca.crt'), 'utf8');
  const kubeconfigBefore = readFileSync(server.kubeconfig, 'utf8');
  const db = join(server.dataDir, 'state.db');
  assert.ok(existsSync(db), 'sqlite database in the data dir');
  const pidBefore = server.pid;
  const created = await server.request('/api/v1/namespaces', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'e2e-keep' } }),
  });
  assert.equal(created.status, 201, created.body);
  const uid = (JSON.parse(created.body) as { metadata: { uid: string } }).metadata.uid;

  const stopped = await server.restart();
  assert.equal(stopped.code, 0, `exit code after SIGTERM\n${server.stderr()}`);
  assert.equal(stopped.killed, false);
  assert.ok(stopped.ms < 2000, `stopped in ${stopped.ms} ms`);
  assert.notEqual(server.pid, pidBefore);

  assert.equal(readFileSync(join(server.dataDir, 'tls', 'ca.crt'), 'utf8'), caBefore, 'CA reused');
  assert.equal(readFileSync(server.kubeconfig, 'utf8'), kubeconfigBefore, 'same port and certificates → same kubeconfig');
  assert.match(server.stderr(), /cluster PKI ready .*ca=reused serving=reused admin=reused/);
  assert.ok(existsSync(db), 'database kept');
  const v = await server.kubectl(['version', '-o', 'json']);
  assert.equal(v.code, 0, v.stderr);
  const kept = await server.kubectl(['get', 'namespace', 'e2e-keep', '-o', 'jsonpath={.metadata.uid}']);
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal(kept.stdout, uid, 'the namespace created before the restart is still there');

  // An open watch must not hold the shutdown up.
  const watch = server.kubectl(['get', 'namespaces', '--watch'], { timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 1500)); // kubectl: discovery, list, then the watch stream
  const final = await server.stop();
  assert.equal(final.code, 0);
  assert.ok(final.ms < 2000, `stopped in ${final.ms} ms with a watch open`);
  const w = await watch;
  assert.notEqual(w.code, null, 'kubectl --watch ended when the server stopped');
  assert.match(w.stdout, /^default +Active/m, `the watch was running:\n${w.stderr}`);
  assert.ok(!existsSync(server.dataDir), 'temp data dir removed');
});

test('--audit-log-path: requests are audited with the client-certificate identity', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit', 'audit.log');
  const server = await startServer({ extraArgs: ['--audit-log-path', path, '--audit-log-maxsize', '100', '--audit-log-maxbackup', '10', '--audit-log-maxage', '30'] });
  t.after(() => server.stop());
  const r = await server.kubectl(['get', 'namespaces']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await server.stop()).code, 0);
  const events = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {
    kind: string;
    verb: string;
    user: { username: string; groups: string[] };
    objectRef?: { resource?: string };
    responseStatus: { code: number };
  });
  const list = events.find((e) => e.verb === 'list' && e.objectRef?.resource === 'namespaces');
  assert.ok(list, `no list namespaces event in ${JSON.stringify(events.map((e) => e.verb))}`);
  assert.equal(list.kind, 'Event');
  assert.equal(list.user.username, 'admin');
  assert.deepEqual(list.user.groups, ['system:masters', 'system:authenticated']);
  assert.equal(list.responseStatus.code, 200);
});

test('after a crash (SIGKILL) the server starts again on the same data dir', async (t) => {
  const server = await startServer();
  t.after(() => server.stop());
  await server.crash();
  assert.ok(existsSync(join(server.dataDir, 'server.pid')), 'the crashed server left its pid file');
  const r = await server.restart();
  assert.equal(r.signal, 'SIGKILL');
  assert.match(server.stderr(), /cluster PKI ready .*ca=reused serving=reused admin=reused/);
  assert.equal((await server.request('/readyz')).status, 200);
});

test('external etcd over TLS, as in the seed: serves, restarts, and an unreachable etcd fails with exit 1', async (t) => {
  const etcd = await startEtcd({ tls: true });
  t.after(() => etcd.stop());
  assert.ok(etcd.tls, 'etcd started with TLS files');
  const server = await startServer({ datastore: { etcdEndpoint: etcd.endpoint, ...etcd.tls } });
  t.after(() => server.stop());
  assert.match(server.stderr(), new RegExp(`datastore open kind=etcd endpoint=${etcd.endpoint.replace(/[.]/g, '\\.')}`));
  const v = await server.kubectl(['version', '-o', 'json'], { binary: '/usr/lib/google-cloud-sdk/bin/kubectl.1.27' });
  assert.equal(v.code, 0, v.stderr);
  assert.equal((JSON.parse(v.stdout) as { serverVersion: { minor: string } }).serverVersion.minor, '32');
  const stopped = await server.restart();
  assert.equal(stopped.code, 0);
  assert.equal((await server.request('/readyz')).status, 200);

  const dir = mkdtempSync(join(tmpdir(), 'flotilla-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(
    process.execPath,
    [BIN, 'server', '--data-dir', dir, '--bind-address', '127.0.0.1', '--secure-port', '0', '--disable-agent', '--datastore-endpoint', 'http://127.0.0.1:1'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /\nError: cannot reach etcd at http:\/\/127\.0\.0\.1:1/);
  assert.ok(!existsSync(join(dir, 'kubeconfig.yaml')), 'no kubeconfig for a server that never started');
});

test('command-line mistakes: one Error line, exit code 2; runtime failures exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 });

  let r = run('server', '--foo');
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "Error: unknown flag: --foo\nSee 'flotilla server --help' for usage.\n");

  r = run('server', '--data-dir', dir, '--cluster-cidr', '10.96.0.0/12');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^Error: --cluster-cidr 10\.96\.0\.0\/12 overlaps --service-cidr 10\.96\.0\.0\/16/);

  r = run('server', '--secure-port', '99999');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^Error: invalid --secure-port 99999/);

  r = run('bogus');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^Error: unknown command "bogus" for "flotilla"/);

  r = run('server', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage:\n {2}flotilla server \[flags\]/);
  assert.match(r.stdout, /--secure-port int +HTTPS port of the API server .*\(default 6443\)/);

  r = run('version');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^flotilla version v\d+\.\d+\.\d+ \(Kubernetes v1\.32\./);

  // Port already taken by a running server → runtime error, exit 1, nothing left behind.
  const server = await startServer();
  t.after(() => server.stop());
  r = run('server', '--data-dir', dir, '--bind-address', '127.0.0.1', '--secure-port', String(server.port), '--disable-agent');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`Error: cannot listen on 127\\.0\\.0\\.1:${server.port}: address already in use\\n$`));
});

function rawRequest(port: number, path: string, ca: string, client: { cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, servername: 'localhost', ...client, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
