/**
 * The narrow byte-level seam between the REST client (URL building, JSON, errors, watch decoding)
 * and how a request travels: HTTP(S) sockets or in-process calls into the apiserver's handler.
 */

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path plus query string, e.g. `/api/v1/namespaces/default/pods?limit=500`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface StreamCallbacks {
  /** Called once, before any data, with the answer's status and headers (also for non-2xx answers, whose body then follows as data). */
  onResponse(status: number, headers: Record<string, string | string[] | undefined>): void;
  /** A piece of the body, in order; pieces may split lines anywhere but never a UTF-8 character. */
  onData(chunk: string): void;
  /** The body ended (err undefined) or the transport failed. Called at most once, never after abort(). */
  onEnd(err?: Error): void;
}

export interface StreamHandle {
  /** Aborts the request; no further callbacks. Idempotent. */
  abort(): void;
}

export interface Transport {
  /** Resolves with the full answer for any status; rejects only on transport failures. */
  request(req: TransportRequest): Promise<TransportResponse>;
  /** Starts a streaming request (watch). */
  stream(req: TransportRequest, cb: StreamCallbacks): StreamHandle;
}
