import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki, servingSans, certificateSans } from './index.js';

const sans = (extra: string[] = []) =>
  servingSans({ hostname: 'node-a', extraSans: extra, serviceIps: ['10.96.0.1'], clusterDomain: 'cluster.local' });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-test-pki-'));
  try {
    await fn(join(dir, 'tls'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('first start creates CA, serving and admin certificates with the upstream SANs', () =>
  withDir(async (dir) => {
    const pki = await ensureClusterPki({ dir, servingSans: sans(['k8s-api.company.com', '10.0.1.10']) });
    assert.deepEqual(pki.actions, { ca: 'created', serving: 'created', admin: 'created', kubeletClient: 'created' });
    const cert = new X509Certificate(pki.serving.certPem);
    for (const host of ['localhost', 'node-a', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'k8s-api.company.com']) {
      assert.equal(cert.checkHost(host), host, `DNS SAN ${host}`);
    }
    for (const ip of ['127.0.0.1', '::1', '10.96.0.1', '10.0.1.10']) assert.equal(cert.checkIP(ip), ip, `IP SAN ${ip}`);
    assert.equal(cert.checkHost('example.com'), undefined);
    const ca = new X509Certificate(pki.ca.certPem);
    assert.ok(ca.ca);
    assert.ok(cert.verify(ca.publicKey));
    const years = (new Date(ca.validTo).getTime() - Date.now()) / (365 * 864e5);
    assert.ok(years > 9.9 && years < 10.1, `CA validity ${years} years`);
    for (const f of [pki.ca.keyFile, pki.serving.keyFile, pki.admin.keyFile]) {
      assert.equal((await stat(f)).mode & 0o777, 0o600, `${f} mode`);
    }
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  }));

test('admin and issued client certificates carry CN/O and verify against the CA', () =>
  withDir(async (dir) => {
    const pki = await ensureClusterPki({ dir, servingSans: sans() });
    const ca = new X509Certificate(pki.ca.certPem);
    const admin = new X509Certificate(pki.admin.certPem);
    assert.equal(admin.subject, 'CN=admin\nO=system:masters');
    assert.ok(admin.verify(ca.publicKey));
    const kubeletClient = new X509Certificate(pki.kubeletClient.certPem);
    assert.equal(kubeletClient.subject, 'CN=kube-apiserver-kubelet-client\nO=system:masters');
    assert.ok(kubeletClient.verify(ca.publicKey));
    assert.ok(admin.checkPrivateKey((await import('node:crypto')).createPrivateKey(pki.admin.keyPem)));
    const agent = await pki.issueClientCertificate({ commonName: 'system:node:n1', organizations: ['system:nodes', 'extra'] });
    const a = new X509Certificate(agent.certPem);
    assert.equal(a.subject, 'CN=system:node:n1\nO=system:nodes\nO=extra');
    assert.ok(a.verify(ca.publicKey));
    assert.ok(/^[0-7]/.test(a.serialNumber), 'serial number is positive');
  }));

test('restart reuses everything; a SAN change re-issues only the serving certificate', () =>
  withDir(async (dir) => {
    const first = await ensureClusterPki({ dir, servingSans: sans() });
    const second = await ensureClusterPki({ dir, servingSans: sans() });
    assert.deepEqual(second.actions, { ca: 'reused', serving: 'reused', admin: 'reused', kubeletClient: 'reused' });
    assert.equal(second.serving.certPem, first.serving.certPem);
    assert.equal(second.ca.certPem, first.ca.certPem);

    const third = await ensureClusterPki({ dir, servingSans: sans(['new.example.com']) });
    assert.deepEqual(third.actions, { ca: 'reused', serving: 'reissued: SANs changed', admin: 'reused', kubeletClient: 'reused' });
    assert.notEqual(third.serving.certPem, first.serving.certPem);
    assert.equal(third.admin.certPem, first.admin.certPem);
    assert.ok(certificateSans(third.serving.certPem).dnsNames.includes('new.example.com'));
    assert.equal(await readFile(third.serving.certFile, 'utf8'), third.serving.certPem);
    assert.equal((await stat(third.serving.keyFile)).mode & 0o777, 0o600);
  }));

test('leaves near expiry, with a foreign signature or a missing key are re-issued', () =>
  withDir(async (dir) => {
    const first = await ensureClusterPki({ dir, servingSans: sans() });
    const later = new Date(Date.now() + 300 * 864e5);
    const renewed = await ensureClusterPki({ dir, servingSans: sans(), now: () => later });
    assert.deepEqual(renewed.actions, { ca: 'reused', serving: 'reissued: expiring', admin: 'reissued: expiring', kubeletClient: 'reissued: expiring' });

    await unlink(first.admin.keyFile);
    const again = await ensureClusterPki({ dir, servingSans: sans() });
    assert.equal(again.actions.admin, 'reissued: incomplete');

    await withDir(async (other) => {
      const foreign = await ensureClusterPki({ dir: other, servingSans: sans() });
      await writeFile(first.serving.certFile, foreign.serving.certPem);
      await writeFile(first.serving.keyFile, foreign.serving.keyPem);
    });
    const fixed = await ensureClusterPki({ dir, servingSans: sans() });
    assert.equal(fixed.actions.serving, 'reissued: not signed by the cluster CA');
  }));

test('a half-present CA is an error, never silently replaced', () =>
  withDir(async (dir) => {
    const pki = await ensureClusterPki({ dir, servingSans: sans() });
    await unlink(pki.ca.keyFile);
    await assert.rejects(ensureClusterPki({ dir, servingSans: sans() }), /cluster CA is incomplete: .*ca\.key is missing/);
    await writeFile(pki.ca.keyFile, pki.admin.keyPem);
    await assert.rejects(ensureClusterPki({ dir, servingSans: sans() }), /ca\.key does not belong to ca\.crt/);
  }));

test('servingSans classifies IPs and DNS names and adds a specific bind address', () => {
  const s = servingSans({
    hostname: 'Host1',
    extraSans: ['10.0.1.11', '0:0:0:0:0:0:0:1', 'api.example.com'],
    serviceIps: ['10.96.0.1', 'fd00:10:96::1'],
    clusterDomain: 'corp.local',
    bindAddress: '192.168.1.5',
  });
  assert.ok(s.dnsNames.includes('host1'));
  assert.ok(s.dnsNames.includes('kubernetes.default.svc.corp.local'));
  assert.ok(s.dnsNames.includes('api.example.com'));
  assert.deepEqual(s.ipAddresses, ['10.0.1.11', '10.96.0.1', '127.0.0.1', '192.168.1.5', '::1', 'fd00:10:96::1']);
  const wildcard = servingSans({ hostname: 'h', extraSans: [], serviceIps: [], clusterDomain: 'cluster.local', bindAddress: '0.0.0.0' });
  assert.ok(!wildcard.ipAddresses.includes('0.0.0.0'));
});
