import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKubeletServingCert } from './serving-cert.js';

test('the self-signed serving pair names the node and its addresses, is reused, and renewed when the SANs change', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flt-serving-'));
  try {
    const a = await ensureKubeletServingCert(dir, 'worker-node-1', ['10.0.0.7']);
    assert.equal(a.created, true);
    const leaf = new X509Certificate(a.certPem);
    assert.match(leaf.subject, /^CN=worker-node-1@\d+$/);
    assert.match(leaf.issuer, /^CN=worker-node-1-ca@\d+$/);
    assert.equal(leaf.subjectAltName, 'DNS:localhost, DNS:worker-node-1, IP Address:10.0.0.7, IP Address:127.0.0.1');
    assert.ok(leaf.checkPrivateKey(createPrivateKey(a.keyPem)));
    const ca = new X509Certificate(a.certPem.slice(a.certPem.indexOf('-----END CERTIFICATE-----') + 26));
    assert.ok(leaf.verify(ca.publicKey), 'the chain carries the signing CA');
    assert.equal((await stat(a.keyFile)).mode & 0o777, 0o600);
    const b = await ensureKubeletServingCert(dir, 'worker-node-1', ['10.0.0.7']);
    assert.equal(b.created, false);
    assert.equal(b.certPem, a.certPem);
    const c = await ensureKubeletServingCert(dir, 'worker-node-1', ['10.0.0.8']);
    assert.equal(c.created, true);
    assert.match(new X509Certificate(c.certPem).subjectAltName ?? '', /10\.0\.0\.8/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
