/**
 * An apiserver on a plain-HTTP loopback port with a fixed identity, over any Backend: for
 * integration tests of the API machinery without TLS or processes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../../storage/backend.js';
import { MemoryBackend } from '../../storage/memory/memory-backend.js';
import { ApiRegistry } from '../../api/registry.js';
import type { ResourceDef, UserInfo } from '../../api/types.js';
import { discardLogger } from '../../lib/log.js';
import { createApiServer, type ApiServer } from '../server.js';
import type { AuditSink } from '../audit.js';
import type { AdmissionPlugin } from '../admission/types.js';

export interface TestServer {
  url: string;
  api: ApiServer;
  backend: Backend;
  registry: ApiRegistry;
  /** fetch relative to the server; JSON bodies are stringified. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export async function startTestServer(opts: {
  resources: ResourceDef[];
  backend?: Backend;
  user?: UserInfo | null;
  clock?: () => Date;
  watchWindowMs?: number;
  bookmarkIntervalMs?: number;
  audit?: AuditSink;
  admission?: AdmissionPlugin[];
}): Promise<TestServer> {
  const backend = opts.backend ?? new MemoryBackend();
  const registry = new ApiRegistry(opts.resources);
  const user = opts.user === undefined ? { username: 'admin', groups: ['system:masters', 'system:authenticated'] } : opts.user;
  const api = createApiServer({
    backend,
    registry,
    authenticators: [{ name: 'test', authenticate: () => user ?? undefined }],
    logger: discardLogger,
    clock: opts.clock,
    watchWindowMs: opts.watchWindowMs,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    audit: opts.audit,
    admission: opts.admission,
  });
  await api.start();
  const server: Server = createServer((req, res) => api.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    api,
    backend,
    registry,
    async request(method, path, body, headers = {}) {
      const h: Record<string, string> = { ...headers };
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers: h, body: payload });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
      await backend.close();
    },
  };
}
