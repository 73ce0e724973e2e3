import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinResources } from '../api/builtin.js';
import { startTestServer } from '../apiserver/testing/test-server.js';
import { clientConformance, type HarnessOptions } from './client.case.js';
import { createHttpClient, createHttpTransport, optionsFromKubeconfig } from './http-client.js';
import { informerConformance } from './informer.case.js';
import { eventsConformance } from './events.case.js';
import { leaderElectionConformance } from './leader-election.case.js';

async function setup(opts: HarnessOptions = {}) {
  const srv = await startTestServer({ resources: builtinResources(), ...opts });
  const transport = createHttpTransport({ server: srv.url });
  const { createRestClient } = await import('./rest-client.js');
  const client = createRestClient(transport, 'conformance-http');
  return {
    client,
    async close() {
      transport.close();
      await srv.close();
    },
  };
}

clientConformance('http', setup);
informerConformance('http', setup);
eventsConformance('http', setup);
leaderElectionConformance('http', setup);

test('http: kubeconfig with inline data, file paths and a token', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.crt'), 'CA-PEM');
  writeFileSync(join(dir, 'token'), 'tok-from-file\n');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  writeFileSync(
    join(dir, 'config'),
    `apiVersion: v1
kind: Config
current-context: b
clusters:
- name: c1
  cluster: { server: 'https://127.0.0.1:6443', certificate-authority-data: ${b64('CA-DATA')} }
- name: c2
  cluster: { server: 'https://127.0.0.1:7443', certificate-authority: ca.crt }
users:
- name: u1
  user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }
- name: u2
  user: { tokenFile: token }
contexts:
- name: a
  context: { cluster: c1, user: u1 }
- name: b
  context: { cluster: c2, user: u2 }
`,
  );
  const b = optionsFromKubeconfig(join(dir, 'config'));
  assert.equal(b.server, 'https://127.0.0.1:7443');
  assert.equal(String(b.ca), 'CA-PEM');
  assert.equal(b.token, 'tok-from-file');
  const a = optionsFromKubeconfig(join(dir, 'config'), 'a');
  assert.equal(String(a.ca), 'CA-DATA');
  assert.equal(String(a.cert), 'CERT');
  assert.equal(String(a.key), 'KEY');
  assert.equal(a.token, undefined);
});

test('http: a transport failure rejects with a plain Error', async () => {
  const client = createHttpClient({ server: 'http://127.0.0.1:1' }, 't');
  await assert.rejects(client.get({ group: '', version: 'v1', resource: 'pods' }, 'default', 'x'), (e: unknown) => e instanceof Error && e.name !== 'ApiError');
});

test('http: a request on a kept-alive socket the server dropped is sent again once', async (t) => {
  const { createServer } = await import('node:http');
  let connections = 0;
  const server = createServer((req, res) => {
    const sock = req.socket as typeof req.socket & { served?: number; id?: number };
    sock.id ??= ++connections;
    sock.served = (sock.served ?? 0) + 1;
    if (sock.id === 1 && sock.served === 2) return void sock.destroy(); // idle socket closed as the request arrives
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `from-connection-${sock.id}` } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as import('node:net').AddressInfo;
  const client = createHttpClient({ server: `http://127.0.0.1:${port}` }, 't');
  const gvr = { group: '', version: 'v1', resource: 'configmaps' };
  assert.equal((await client.get(gvr, 'default', 'a')).metadata.name, 'from-connection-1');
  assert.equal((await client.get(gvr, 'default', 'a')).metadata.name, 'from-connection-2');
});
