/**
 * The in-process transport: requests go straight into the apiserver's request listener
 * (`ApiServer.handle`) as minimal IncomingMessage/ServerResponse stand-ins, so they take the full
 * path every remote request takes — authentication, validation, admission, storage, watch — minus
 * TLS, sockets and HTTP framing.
 *
 * Identity: each request object is registered in a WeakMap with the client's user; the composition
 * root puts `inProcessAuthenticator` into the apiserver's authenticator list, and it recognizes only
 * requests created here (a remote caller cannot forge the WeakMap entry). Requests of other origins
 * fall through to the next authenticator.
 *
 * Delivery is asynchronous (setImmediate), never inside the apiserver's own call stack: a watch
 * event produced by a write is handled after that write's synchronous work, as over a socket.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { UserInfo } from '../api/types.js';
import { createRestClient } from './rest-client.js';
import type { StreamCallbacks, StreamHandle, Transport, TransportRequest, TransportResponse } from './transport.js';
import type { Client } from './types.js';

/** The apiserver's request listener (`ApiServer.handle`). */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const users = new WeakMap<object, UserInfo>();

/**
 * Authenticates requests made by in-process clients as the user the client was created with;
 * `undefined` for everything else. Add it to the apiserver's `authenticators`.
 */
export const inProcessAuthenticator = {
  name: 'in-process',
  authenticate(req: IncomingMessage): UserInfo | undefined {
    return users.get(req);
  },
} as const;

type Headers = Record<string, string | string[] | undefined>;

interface ResponseSink {
  head(status: number, headers: Headers): void;
  data(chunk: string): void;
  end(): void;
}

/** The request half: a Readable carrying the body, with the fields the apiserver reads. */
function makeRequest(r: TransportRequest): IncomingMessage {
  const body = r.body;
  // 'close' means "the client went away" to the apiserver (it ends watches on it): only abort()
  // emits it, never the end of the body.
  const req = new Readable({
    autoDestroy: false,
    emitClose: false,
    read() {
      if (body !== undefined && body !== '') this.push(Buffer.from(body));
      this.push(null);
    },
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  Object.assign(req, {
    method: r.method,
    url: r.path,
    headers,
    rawHeaders: Object.entries(headers).flat(),
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    socket: { remoteAddress: '127.0.0.1', remotePort: 0, encrypted: false },
    complete: true,
    aborted: false,
  });
  return req as unknown as IncomingMessage;
}

/**
 * The response half: records status and headers, forwards body chunks. `close` is emitted after
 * end() or when the caller aborts (the apiserver's watch handler listens for it).
 */
class InProcessResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  finished = false;
  destroyed = false;
  private readonly headers: Headers = {};
  constructor(private readonly sink: ResponseSink) {
    super();
  }
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? [...(value as string[])] : String(value);
    return this;
  }
  getHeader(name: string): string | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }
  getHeaders(): Headers {
    return { ...this.headers };
  }
  hasHeader(name: string): boolean {
    return name.toLowerCase() in this.headers;
  }
  removeHeader(name: string): void {
    delete this.headers[name.toLowerCase()];
  }
  writeHead(status: number, a?: string | Record<string, unknown>, b?: Record<string, unknown>): this {
    const headers = typeof a === 'string' ? b : a;
    if (typeof a === 'string') this.statusMessage = a;
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) this.setHeader(k, v as string);
    this.sendHead();
    return this;
  }
  flushHeaders(): void {
    this.sendHead();
  }
  write(chunk: string | Uint8Array, encoding?: BufferEncoding | ((err?: Error) => void), cb?: (err?: Error) => void): boolean {
    if (this.writableEnded || this.destroyed) return false;
    this.sendHead();
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text) this.sink.data(text);
    const done = typeof encoding === 'function' ? encoding : cb;
    done?.();
    return true;
  }
  end(chunk?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.writableEnded) return this;
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') cb = encoding;
    if (chunk !== undefined && chunk !== null) this.write(chunk);
    this.sendHead();
    this.writableEnded = true;
    this.finished = true;
    // 'finish' and 'close' (audit, watch cleanup) fire before the client sees the end.
    setImmediate(() => {
      this.emit('finish');
      this.emitClose();
    });
    if (!this.destroyed) this.sink.end();
    cb?.();
    return this;
  }
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (!this.writableEnded) this.sink.end();
    setImmediate(() => this.emitClose());
    return this;
  }
  private closed = false;
  /** Emits 'close' once. */
  emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
  private sendHead(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.sink.head(this.statusCode, this.headers);
  }
}

/** A byte transport that calls the apiserver's request listener directly. */
export function createInProcessTransport(handle: RequestListener, user: UserInfo): Transport {
  // An open socket keeps a process alive; so does an open in-process stream (one ref'd timer for all).
  let open = 0;
  let keepAlive: NodeJS.Timeout | undefined;
  const opened = () => {
    if (open++ === 0) keepAlive = setInterval(() => {}, 1 << 30);
  };
  const closed = () => {
    if (--open === 0) clearInterval(keepAlive);
  };
  const start = (r: TransportRequest, sink: ResponseSink) => {
    const req = makeRequest(r);
    users.set(req, user);
    const res = new InProcessResponse(sink);
    handle(req, res as unknown as ServerResponse);
    return { req, res };
  };
  return {
    request(r: TransportRequest): Promise<TransportResponse> {
      return new Promise((resolve) => {
        let status = 0;
        let headers: Headers = {};
        const chunks: string[] = [];
        start(r, {
          head(s, h) {
            status = s;
            headers = { ...h };
          },
          data: (c) => void chunks.push(c),
          end: () => setImmediate(() => resolve({ status, headers, body: chunks.join('') })),
        });
      });
    },
    stream(r: TransportRequest, cb: StreamCallbacks): StreamHandle {
      let aborted = false;
      let finished = false;
      const release = () => {
        if (finished) return;
        finished = true;
        closed();
      };
      opened();
      // Chunks are queued and handed over on a later turn, in order.
      const pending: (() => void)[] = [];
      let scheduled = false;
      const flush = () => {
        scheduled = false;
        for (const f of pending.splice(0)) {
          if (aborted) return;
          f();
        }
      };
      const later = (f: () => void) => {
        pending.push(f);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      };
      const { req, res } = start(r, {
        head: (s, h) => later(() => cb.onResponse(s, { ...h })),
        data: (c) => later(() => cb.onData(c)),
        end: () =>
          later(() => {
            release();
            cb.onEnd();
          }),
      });
      return {
        abort() {
          if (aborted) return;
          aborted = true;
          pending.length = 0;
          release();
          // What a closed socket tells the apiserver: the request and the response are gone.
          res.destroyed = true;
          req.emit('close');
          res.emitClose();
        },
      };
    },
  };
}

/** A Client that talks to the apiserver in this process, as `user`. */
export function createInProcessClient(handle: RequestListener, user: UserInfo, userAgent: string): Client {
  return createRestClient(createInProcessTransport(handle, user), userAgent);
}
