/**
 * GET /api/v1/nodes/{name}/proxy/{path...}: the node agent's HTTPS API through the apiserver (as
 * upstream's node proxy: `kubectl get --raw /api/v1/nodes/N/proxy/stats/summary`, Prometheus'
 * node-proxy scrapes). The request goes to the node's InternalIP:kubeletEndpoint.Port with the
 * apiserver's kubelet client certificate; the agent's status and body come back as they are (errors
 * as upstream's Status). Only GET is proxied here; other verbs answer 405.
 */
import type { V1Node } from '../../api/core/v1/node.js';
import { ApiError } from '../../lib/errors.js';
import type { ResourceRequest } from './resource.js';
import { agentGet, kubeletEndpoint, type KubeletClientConfig } from './pod-stream.js';

export async function handleNodeProxy(r: ResourceRequest, kubelet: KubeletClientConfig | undefined): Promise<void> {
  if (r.info.verb !== 'get') throw new ApiError('MethodNotAllowed', 405, `the server does not allow this method on the requested resource (nodes/proxy ${r.info.name})`, { name: r.info.name, kind: 'nodes' });
  const node = (await r.store.get('', r.info.name)) as V1Node;
  const endpoint = kubeletEndpoint(node, kubelet?.defaultPort);
  // parts: nodes, NAME, proxy, ...rest
  const rest = r.info.parts.slice(3).map((p) => encodeURIComponent(p)).join('/');
  const q = r.query.toString();
  const path = `/${rest}${q ? `?${q}` : ''}`;
  const ac = new AbortController();
  r.res.once('close', () => ac.abort());
  const upstream = await agentGet(endpoint, path, kubelet, ac.signal, { resource: 'nodes', name: r.info.name });
  const headers: Record<string, string> = { 'Cache-Control': 'no-cache, private' };
  const ct = upstream.headers['content-type'];
  if (typeof ct === 'string') headers['Content-Type'] = ct;
  r.res.writeHead(upstream.statusCode ?? 200, headers);
  await new Promise<void>((resolve) => {
    upstream.on('error', () => r.res.destroy());
    upstream.pipe(r.res);
    r.res.once('close', () => {
      upstream.destroy();
      resolve();
    });
  });
}
