import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../storage/backend.js';
import type { ApiRegistry } from '../api/registry.js';
import type { Logger } from '../lib/log.js';
import type { Authenticator } from './authn/authenticator.js';
import { versionInfo } from './version.js';

export interface ApiServerOptions {
  backend: Backend;
  registry: ApiRegistry;
  /** Tried in order; the first that returns a user wins. */
  authenticators: Authenticator[];
  logger: Logger;
  /** Injected clock (tests); default `() => new Date()`. */
  clock?: () => Date;
  /** Cluster service subnet etc. are added later; keep options additive. */
}

export interface ApiServer {
  /** Node request listener (mount on an https.Server). Never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Bootstraps (default namespaces, watch cache); resolves when /readyz would say ok. */
  start(): Promise<void>;
  /** Stops watches and background loops; does not close the backend (its owner does). */
  close(): Promise<void>;
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const platform = `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`;
  let ready = false;
  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const send = (code: number, body: unknown, type = 'application/json') => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };
      switch (url.pathname) {
        case '/version':
          return send(200, versionInfo(platform));
        case '/healthz':
        case '/livez':
        case '/readyz':
          return send(ready ? 200 : 500, ready ? 'ok' : 'not ready', 'text/plain; charset=utf-8');
        default:
          return send(404, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: 'the server could not find the requested resource',
            reason: 'NotFound',
            details: {},
            code: 404,
          });
      }
    },
    async start() {
      opts.logger.info('apiserver starting', { resources: opts.registry.all().length });
      ready = true;
    },
    async close() {
      ready = false;
    },
  };
}
