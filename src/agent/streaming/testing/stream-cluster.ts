/**
 * A small cluster for streaming tests, all in this process and on 127.0.0.1: an apiserver over a
 * memory backend (plain HTTP, every request is the admin), a fresh CA, and a kubelet server
 * (createKubeletServer) with a serving certificate for 127.0.0.1 that the apiserver reaches with a
 * `kube-apiserver-kubelet-client` certificate. A Node object `flt-node` points at it.
 *
 * The runtime is whatever the test gives (a fake or the real CRI client); pods are looked up in
 * the apiserver's own store, so a test sets containerStatuses through pods/status.
 *
 * `close()` stops both servers and removes the temp dir (kubeconfig, kubectl cache).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '../../../storage/memory/memory-backend.js';
import { ApiRegistry } from '../../../api/registry.js';
import { builtinResources } from '../../../api/builtin.js';
import { discardLogger } from '../../../lib/log.js';
import { createApiServer, type ApiServer } from '../../../apiserver/server.js';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate, type CertKeyPem, type CertificateAuthority } from '../../../apiserver/tls/index.js';
import type { V1Pod } from '../../../api/core/v1/pod-types.js';
import type { StreamEvent } from '../../../apiserver/handlers/pod-stream.js';
import { createKubeletServer, KUBELET_API_CLIENT_USER, type KubeletServer, type KubeletServerOptions } from '../kubelet-server.js';

export const NODE_NAME = 'flt-node';

export interface StreamCluster {
  /** http://127.0.0.1:<port> */
  url: string;
  api: ApiServer;
  kubelet: KubeletServer;
  kubeletPort: number;
  /** Temp dir (kubeconfig, kubectl cache); removed by close(). */
  dir: string;
  kubeconfig: string;
  ca: CertificateAuthority;
  /** The apiserver's kubelet client certificate. */
  client: CertKeyPem;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }>;
  /** Creates a pod bound to flt-node, then sets its status. */
  createPod(pod: { metadata: V1Pod['metadata']; spec?: V1Pod['spec'] }, status?: V1Pod['status']): Promise<void>;
  close(): Promise<void>;
}

export async function startStreamCluster(opts: {
  runtime: KubeletServerOptions['runtime'];
  logRoot?: string;
  follow?: KubeletServerOptions['follow'];
  /** Sees the protocol of every exec/attach/portforward request the apiserver accepts. */
  onStream?: (e: StreamEvent) => void;
  statsSummary?: KubeletServerOptions['statsSummary'];
}): Promise<StreamCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'flt-stream-'));
  const ca = await createCertificateAuthority({ commonName: 'flt-test-ca' });
  const serving = await issueServingCertificate(ca, { commonName: NODE_NAME, sans: { dnsNames: [], ipAddresses: ['127.0.0.1'] } });
  const client = await issueClientCertificate(ca, { commonName: KUBELET_API_CLIENT_USER });
  const registry = new ApiRegistry(builtinResources());
  const backend = new MemoryBackend();
  const api = createApiServer({
    backend,
    registry,
    authenticators: [{ name: 'test', authenticate: () => ({ username: 'admin', groups: ['system:masters', 'system:authenticated'] }) }],
    logger: discardLogger,
    kubeletClient: { cert: client.certPem, key: client.keyPem, ca: ca.certPem, onStream: opts.onStream },
  });
  await api.start();
  const podDef = registry.get('', 'v1', 'pods')!;
  const kubelet = createKubeletServer({
    runtime: opts.runtime,
    podLookup: async (ns, name) => (await api.storeFor(podDef).tryGet(ns, name)) as V1Pod | undefined,
    logRoot: opts.logRoot,
    tls: { cert: serving.certPem, key: serving.keyPem, clientCa: ca.certPem },
    follow: opts.follow,
    statsSummary: opts.statsSummary,
  });
  const kubeletPort = await kubelet.listen(0, '127.0.0.1');
  const server: Server = createServer((req, res) => api.handle(req, res));
  const upgraded = new Set<import('node:stream').Duplex>();
  server.on('upgrade', (req, socket, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    api.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: default}\ncurrent-context: c\n`,
  );
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const mustOk = async (method: string, path: string, body?: unknown) => {
    const r = await request(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r;
  };
  await mustOk('POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE_NAME },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE_NAME }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } },
  });
  return {
    url,
    api,
    kubelet,
    kubeletPort,
    dir,
    kubeconfig,
    ca,
    client,
    request,
    async createPod(pod, status) {
      const ns = pod.metadata.namespace ?? 'default';
      await mustOk('POST', `/api/v1/namespaces/${ns}/pods`, { ...pod, apiVersion: 'v1', kind: 'Pod', spec: { nodeName: NODE_NAME, ...pod.spec } });
      if (status) {
        const cur = JSON.parse((await mustOk('GET', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}`)).text) as V1Pod;
        await mustOk('PUT', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`, { ...cur, status });
      }
    },
    async close() {
      for (const s of upgraded) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kubelet.close();
      await api.close();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
