/**
 * The join flow end to end, in process: a real `startServer` (TLS listener, join endpoints,
 * apiserver with NodeRestriction on a memory store) and `joinCluster` over real HTTPS on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinResources } from '../../api/builtin.js';
import type { KubeObject } from '../../api/types.js';
import { createApiServer, type ApiServer } from '../../apiserver/index.js';
import { createNodeRestriction, createStoreAccess } from '../../apiserver/admission/plugins/index.js';
import { parseJoinToken } from '../../apiserver/node-join/index.js';
import { startServer, type RunningServer, type ServerDeps } from '../../cli/server.js';
import { parseServerConfig, type ServerEnv } from '../../cli/server-config.js';
import { clientFromKubeconfig } from '../../client/http-client.js';
import { inProcessAuthenticator } from '../../client/in-process.js';
import { R } from '../../client/types.js';
import { isApiError } from '../../lib/errors.js';
import { discardLogger } from '../../lib/log.js';
import { MemoryBackend } from '../../storage/index.js';
import { JoinError, httpsJoinFetch, joinCluster, type JoinFetch, type JoinHttpRequest } from './index.js';

const deps: ServerDeps = {
  openBackend: async () => new MemoryBackend(),
  resources: builtinResources,
  createApiServer: (opts) => {
    let api: ApiServer | undefined;
    const access = createStoreAccess({ registry: opts.registry, storeFor: (d) => api!.storeFor(d), listerFor: (d) => api!.listerFor(d) });
    api = createApiServer({ ...opts, authenticators: [inProcessAuthenticator, ...opts.authenticators], admission: [createNodeRestriction({ reader: access })] });
    return api;
  },
};

async function withServer(fn: (s: RunningServer, tmp: string) => Promise<void>, extra: string[] = []): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), `flt-join-${process.pid}-`));
  const env: ServerEnv = { vars: {}, isRoot: false, homeDir: tmp, cwd: tmp, hostname: 'test-host', readFile: () => '' };
  const parsed = parseServerConfig(['--data-dir', join(tmp, 'server'), '--bind-address', '127.0.0.1', '--secure-port', '0', '--disable-agent', ...extra], env);
  assert.ok(!('help' in parsed));
  const s = await startServer(parsed.config, deps, discardLogger, { stdout: () => {}, stderr: () => {} });
  try {
    await fn(s, tmp);
  } finally {
    await s.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A JoinFetch that records what was asked. */
function recording(): { fetch: JoinFetch; calls: JoinHttpRequest[] } {
  const calls: JoinHttpRequest[] = [];
  return { calls, fetch: (r) => (calls.push(r), httpsJoinFetch(r)) };
}

async function rejectsWith(p: Promise<unknown>, reason: JoinError['reason'], message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof JoinError, String(e));
    assert.equal(e.reason, reason, e.message);
    assert.match(e.message, message);
    return true;
  });
}

/** A raw POST to the join endpoint (trusting the CA), for status codes and bodies. */
function post(s: RunningServer, auth: string | undefined, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: s.port, path: '/v1-flotilla/node-certificate', method: 'POST', ca: s.pki.ca.certPem, agent: false, headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const basic = (secret: string) => `Basic ${Buffer.from(`node:${secret}`).toString('base64')}`;

test('join: the token file, /cacerts, and a kubeconfig that authenticates as system:node:<name> under NodeRestriction', () =>
  withServer(async (s, tmp) => {
    const tokenText = (await readFile(s.tokenPath, 'utf8')).trim();
    assert.equal(s.tokenPath, join(tmp, 'server', 'token'));
    assert.equal((await stat(s.tokenPath)).mode & 0o777, 0o600);
    assert.match(tokenText, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    const token = parseJoinToken(tokenText);
    assert.equal(token.caHash, createHash('sha256').update(s.pki.ca.certPem).digest('hex'));

    const dataDir = join(tmp, 'agent-1');
    const { fetch, calls } = recording();
    const r = await joinCluster({ server: s.url, token: tokenText, nodeName: 'node-a', dataDir, fetch });
    assert.equal(r.joined, true);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.kubeconfigPath, join(dataDir, 'agent', 'kubelet.kubeconfig'));
    assert.deepEqual(r.cluster, { clusterCIDRs: s.config.clusterCidrs, serviceCIDRs: s.config.serviceCidrs, clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' });
    assert.deepEqual(r.cluster.clusterCIDRs, ['10.244.0.0/16']);
    assert.deepEqual(JSON.parse(await readFile(join(dataDir, 'agent', 'cluster.json'), 'utf8')), r.cluster);
    assert.equal((await stat(r.kubeconfigPath)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'agent', 'node-password'))).mode & 0o777, 0o600);
    // /cacerts was fetched without verification, the certificate request with the verified CA.
    assert.deepEqual(calls.map((c) => [c.method, c.url.pathname, c.insecureSkipVerify === true, c.ca === s.pki.ca.certPem]), [
      ['GET', '/cacerts', true, false],
      ['POST', '/v1-flotilla/node-certificate', false, true],
    ]);

    // The node password Secret, written through the apiserver.
    const admin = clientFromKubeconfig(s.kubeconfigPath, 'test');
    const secret = await admin.get(R.secrets, 'kube-system', 'node-a.node-password.flotilla');
    assert.equal(secret['type'], 'flotilla.io/node-password');
    assert.match(Buffer.from((secret['data'] as Record<string, string>)['hash']!, 'base64').toString(), /^\$scrypt\$N=16384,r=8,p=1\$/);

    // The node's own client: may register itself, may not touch another node.
    const nodeClient = clientFromKubeconfig(r.kubeconfigPath, 'test-agent');
    const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
    await nodeClient.create(R.nodes, '', node('node-a'));
    await admin.create(R.nodes, '', node('node-b'));
    await assert.rejects(nodeClient.patch(R.nodes, '', 'node-b', 'merge', { metadata: { labels: { x: 'y' } } }), (e: unknown) => {
      assert.ok(isApiError(e));
      assert.equal(e.code, 403);
      assert.equal(e.message, 'nodes "node-b" is forbidden: node "node-a" is not allowed to modify node "node-b"');
      return true;
    });
    await assert.rejects(nodeClient.create(R.nodes, '', node('node-c')), /node "node-a" is not allowed to modify node "node-c"/);
    const own = await nodeClient.patch(R.nodes, '', 'node-a', 'merge', { metadata: { labels: { team: 'x' } } });
    assert.equal(own.metadata.labels?.['team'], 'x');

    // Restart: the stored credentials are reused without a network call.
    const again = recording();
    const before = await readFile(r.kubeconfigPath, 'utf8');
    const r2 = await joinCluster({ server: s.url, token: tokenText, nodeName: 'node-a', dataDir, fetch: again.fetch });
    assert.equal(r2.joined, false);
    assert.deepEqual(r2.cluster, r.cluster);
    assert.equal(again.calls.length, 0);
    assert.equal(await readFile(r.kubeconfigPath, 'utf8'), before);

    // ...unless the certificate is about to expire (valid for less than a day): a new join, same password.
    const late = recording();
    const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000 - 3600 * 1000);
    const r3 = await joinCluster({ server: s.url, token: tokenText, nodeName: 'node-a', dataDir, fetch: late.fetch, now: () => inAYear });
    assert.equal(r3.joined, true);
    assert.equal(late.calls.length, 2);
    assert.notEqual(await readFile(r.kubeconfigPath, 'utf8'), before);
  }));

test('join: a wrong secret is 401, a wrong CA hash is refused before any credential is sent, another machine under the same name is 403', () =>
  withServer(async (s, tmp) => {
    const tokenText = (await readFile(s.tokenPath, 'utf8')).trim();
    const token = parseJoinToken(tokenText);

    const wrongSecret = `K10${token.caHash}::server:${'0'.repeat(32)}`;
    await rejectsWith(joinCluster({ server: s.url, token: wrongSecret, nodeName: 'n1', dataDir: join(tmp, 'a') }), 'Unauthorized', /refused the token \(401 Unauthorized\)/);
    const raw = await post(s, basic('nope'), '{}');
    assert.equal(raw.status, 401);
    assert.deepEqual(raw.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    assert.equal((await post(s, undefined, '{}')).status, 401);

    const { fetch, calls } = recording();
    const wrongCa = `K10${'a'.repeat(64)}::server:${token.password}`;
    await rejectsWith(joinCluster({ server: s.url, token: wrongCa, nodeName: 'n1', dataDir: join(tmp, 'b'), fetch }), 'CAMismatch', /^the server's CA does not match the token/);
    assert.deepEqual(calls.map((c) => c.url.pathname), ['/cacerts']);

    await joinCluster({ server: s.url, token: tokenText, nodeName: 'n1', dataDir: join(tmp, 'c') });
    await rejectsWith(joinCluster({ server: s.url, token: tokenText, nodeName: 'n1', dataDir: join(tmp, 'd') }), 'NodePasswordMismatch', /refused node "n1": node password mismatch/);
    const mismatch = await post(s, basic(token.password), JSON.stringify({ nodeName: 'n1', nodePassword: 'other' }));
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.json['message'], 'node password mismatch');
    // The first machine still joins (fresh data would rejoin with its kept password).
    const again = await post(s, basic(token.password), JSON.stringify({ nodeName: 'n1', nodePassword: (await readFile(join(tmp, 'c', 'agent', 'node-password'), 'utf8')).trim() }));
    assert.equal(again.status, 200);

    const bad = await post(s, basic(token.password), JSON.stringify({ nodeName: 'Bad_Name', nodePassword: 'p' }));
    assert.equal(bad.status, 422);
    assert.equal(bad.json['reason'], 'Invalid');
    assert.match(String(bad.json['message']), /^Node "Bad_Name" is invalid: nodeName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    assert.equal((await post(s, basic(token.password), 'not json')).status, 400);
    await rejectsWith(joinCluster({ server: s.url, token: tokenText, nodeName: 'Bad_Name', dataDir: join(tmp, 'e') }), 'InvalidNodeName', /invalid node name "Bad_Name"/);
    await rejectsWith(joinCluster({ server: s.url, token: 'K10abc::server:x', nodeName: 'n2', dataDir: join(tmp, 'f') }), 'InvalidToken', /64 hex digits/);
  }));

test('join: --token sets the secret part of the server token', () =>
  withServer(
    async (s, tmp) => {
      const token = parseJoinToken(await readFile(s.tokenPath, 'utf8'));
      assert.equal(token.password, 'my-cluster-secret');
      // A short token (the secret alone) joins too, trusting the server's CA on first contact.
      const r = await joinCluster({ server: s.url, token: 'my-cluster-secret', nodeName: 'short', dataDir: join(tmp, 'a') });
      assert.equal(r.joined, true);
      assert.equal(r.warnings.length, 1);
    },
    ['--token', 'my-cluster-secret'],
  ));
