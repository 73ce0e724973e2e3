import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki, servingSans, type CertKeyPem } from '../tls/index.js';
import { isApiError } from '../../lib/errors.js';
import { createX509Authenticator } from './x509.js';

const sans = servingSans({ hostname: 'h', extraSans: [], serviceIps: ['10.96.0.1'], clusterDomain: 'cluster.local' });

test('x509 authenticator maps verified client certificates to users over real TLS', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'flotilla-test-x509-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  const pki = await ensureClusterPki({ dir: join(tmp, 'a'), servingSans: sans });
  const foreign = await ensureClusterPki({ dir: join(tmp, 'b'), servingSans: sans });
  const authn = createX509Authenticator();
  const server = createServer(
    { key: pki.serving.keyPem, cert: pki.serving.certPem, ca: [pki.ca.certPem], requestCert: true, rejectUnauthorized: false },
    async (req, res) => {
      try {
        const user = await authn.authenticate(req);
        res.end(JSON.stringify({ user: user ?? null }));
      } catch (e) {
        res.end(JSON.stringify({ error: isApiError(e) ? e.code : String(e) }));
      }
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;

  const call = (client?: CertKeyPem, requests = 1) =>
    new Promise<unknown[]>((resolve, reject) => {
      const out: unknown[] = [];
      const agent = new Agent({ keepAlive: true, ca: pki.ca.certPem, cert: client?.certPem, key: client?.keyPem });
      const one = () => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => {
            out.push(JSON.parse(body));
            if (out.length < requests) one();
            else {
              agent.destroy();
              resolve(out);
            }
          });
        });
        req.on('error', reject);
        req.end();
      };
      one();
    });

  assert.deepEqual(await call(pki.admin, 2), [
    { user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] } },
    { user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] } },
  ]);
  const node = await pki.issueClientCertificate({ commonName: 'system:node:n1', organizations: ['system:nodes', 'system:nodes'] });
  assert.deepEqual(await call(node), [{ user: { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] } }]);
  const bare = await pki.issueClientCertificate({ commonName: 'alice' });
  assert.deepEqual(await call(bare), [{ user: { username: 'alice', groups: ['system:authenticated'] } }]);
  assert.deepEqual(await call(undefined), [{ user: null }]);
  assert.deepEqual(await call(foreign.admin), [{ error: 401 }], 'certificate from another CA');
  assert.deepEqual(await call(pki.serving), [{ error: 401 }], 'serving certificate lacks clientAuth');
});
