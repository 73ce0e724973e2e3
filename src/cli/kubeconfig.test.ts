import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { localServerUrl, renderKubeconfig } from './kubeconfig.js';

test('the kubeconfig points local clients at an address the server listens on', () => {
  assert.equal(localServerUrl('0.0.0.0', 6443), 'https://127.0.0.1:6443');
  assert.equal(localServerUrl('::', 6443), 'https://127.0.0.1:6443');
  assert.equal(localServerUrl('127.0.0.1', 7443), 'https://127.0.0.1:7443');
  assert.equal(localServerUrl('127.0.0.5', 7443), 'https://127.0.0.5:7443');
  assert.equal(localServerUrl('::1', 7443), 'https://[::1]:7443');
  assert.equal(localServerUrl('192.168.1.5', 6443), 'https://192.168.1.5:6443');
});

test('renderKubeconfig: k3s layout with embedded credentials', () => {
  const kc = parse(renderKubeconfig({ server: 'https://127.0.0.1:6443', caPem: 'CA', clientCertPem: 'CERT', clientKeyPem: 'KEY' }));
  assert.deepEqual(kc, {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'Q0E=' } }],
    users: [{ name: 'default', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
    contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
    'current-context': 'default',
    preferences: {},
  });
});
