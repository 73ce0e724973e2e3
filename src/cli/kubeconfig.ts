/**
 * The admin kubeconfig written by `flotilla server` (k3s layout: cluster, user and context all
 * named `default`; CA, client certificate and key embedded as base64 data so the file stands alone).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../apiserver/tls/index.js';

export interface KubeconfigInput {
  /** e.g. `https://127.0.0.1:6443`. */
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Name of the cluster, user and context (default `default`). */
  name?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function renderKubeconfig(k: KubeconfigInput): string {
  const name = k.name ?? 'default';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: k.server, 'certificate-authority-data': b64(k.caPem) } }],
    users: [{ name, user: { 'client-certificate-data': b64(k.clientCertPem), 'client-key-data': b64(k.clientKeyPem) } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes atomically with exactly `mode` (the file holds the admin key: default 0600). */
export async function writeKubeconfig(path: string, k: KubeconfigInput, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, renderKubeconfig(k), mode);
}

/** The address clients on this machine use: 127.0.0.1 for wildcard binds, else the bind address itself. */
export function localServerUrl(bindAddress: string, port: number): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::') return `https://127.0.0.1:${port}`;
  return bindAddress.includes(':') ? `https://[${bindAddress}]:${port}` : `https://${bindAddress}:${port}`;
}
