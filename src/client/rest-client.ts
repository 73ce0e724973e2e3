/**
 * The transport-independent half of the Client: builds URLs and query strings, encodes JSON bodies,
 * turns non-2xx answers into ApiError from the Status body, and decodes watch streams (one JSON
 * event per line, robust to chunks that split lines).
 */
import type { KubeList, KubeObject } from '../api/types.js';
import { ApiError, type StatusDetails, type StatusReason } from '../lib/errors.js';
import { resourcePath, withQuery, type QueryParams } from './paths.js';
import type { Transport, TransportRequest } from './transport.js';
import type { Client, DeleteOptions, GVR, PatchType, WatchEvent, WatchHandle } from './types.js';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const REASONS = new Set<StatusReason>([
  'NotFound', 'AlreadyExists', 'Conflict', 'Invalid', 'BadRequest', 'Expired', 'Gone', 'Forbidden', 'Unauthorized',
  'MethodNotAllowed', 'NotAcceptable', 'UnsupportedMediaType', 'RequestEntityTooLarge', 'InternalError', 'Timeout',
  'ServerTimeout', 'TooManyRequests', 'ServiceUnavailable',
]);

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 406: 'NotAcceptable',
  409: 'Conflict', 410: 'Expired', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType', 422: 'Invalid',
  429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

interface StatusBody {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: StatusDetails;
}

/** Rebuilds an ApiError from a Status object (or, lacking one, from the HTTP code alone). */
export function errorFromStatus(httpCode: number, status: unknown): ApiError {
  const s = (status && typeof status === 'object' ? status : {}) as StatusBody;
  const code = typeof s.code === 'number' && s.code > 0 ? s.code : httpCode;
  const reason: StatusReason = s.reason && REASONS.has(s.reason as StatusReason) ? (s.reason as StatusReason) : (REASON_BY_CODE[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'));
  const message = typeof s.message === 'string' ? s.message : `the server responded with HTTP ${httpCode}`;
  return new ApiError(reason, code, message, s.details);
}

function errorFromBody(status: number, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return errorFromStatus(status, { message: body.trim() || undefined });
  }
  return errorFromStatus(status, parsed);
}

function writeParams(opts: { dryRun?: boolean; fieldManager?: string; fieldValidation?: string } | undefined): QueryParams {
  return { dryRun: opts?.dryRun ? 'All' : undefined, fieldManager: opts?.fieldManager, fieldValidation: opts?.fieldValidation };
}

/** A Client over any Transport. */
export function createRestClient(transport: Transport, userAgent: string): Client {
  const baseHeaders = { Accept: 'application/json', 'User-Agent': userAgent };

  const call = async <R>(method: TransportRequest['method'], path: string, body?: unknown, contentType = 'application/json'): Promise<R> => {
    const headers: Record<string, string> = { ...baseHeaders };
    let text: string | undefined;
    if (body !== undefined) {
      text = JSON.stringify(body);
      headers['Content-Type'] = contentType;
    }
    const res = await transport.request({ method, path, headers, body: text });
    if (res.status < 200 || res.status > 299) throw errorFromBody(res.status, res.body);
    if (res.body === '') return undefined as R;
    return JSON.parse(res.body) as R;
  };

  const nsOf = (namespace: string, obj: KubeObject): string => namespace || obj.metadata.namespace || '';

  return {
    userAgent,
    get: <T extends KubeObject>(gvr: GVR, namespace: string, name: string) => call<T>('GET', resourcePath(gvr, namespace, name)),
    list: <T extends KubeObject>(gvr: GVR, opts: Parameters<Client['list']>[1] = {}) =>
      call<KubeList<T>>(
        'GET',
        withQuery(resourcePath(gvr, opts.namespace), {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: opts.limit,
          continue: opts.continue,
          resourceVersion: opts.resourceVersion,
          resourceVersionMatch: opts.resourceVersionMatch,
        }),
      ),
    create: <T extends KubeObject>(gvr: GVR, namespace: string, obj: T, opts?: Parameters<Client['create']>[3]) =>
      call<T>('POST', withQuery(resourcePath(gvr, nsOf(namespace, obj)), writeParams(opts)), obj),
    update: <T extends KubeObject>(gvr: GVR, namespace: string, obj: T, opts?: Parameters<Client['update']>[3]) =>
      call<T>('PUT', withQuery(resourcePath(gvr, nsOf(namespace, obj), obj.metadata.name ?? '', opts?.subresource), writeParams(opts)), obj),
    patch: <T extends KubeObject>(gvr: GVR, namespace: string, name: string, type: PatchType, patch: unknown, opts?: Parameters<Client['patch']>[5]) =>
      call<T>(
        'PATCH',
        withQuery(resourcePath(gvr, namespace, name, opts?.subresource), {
          ...writeParams(opts),
          // Server-side apply requires a manager; default to this client's identity.
          fieldManager: opts?.fieldManager ?? (type === 'apply' ? userAgent : undefined),
          force: opts?.force === undefined ? undefined : opts.force,
        }),
        patch,
        PATCH_CONTENT_TYPES[type],
      ),
    async delete<T extends KubeObject>(gvr: GVR, namespace: string, name: string, opts?: DeleteOptions): Promise<T | undefined> {
      const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
      if (opts?.propagationPolicy) body['propagationPolicy'] = opts.propagationPolicy;
      if (opts?.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = opts.gracePeriodSeconds;
      if (opts?.preconditions) body['preconditions'] = opts.preconditions;
      if (opts?.dryRun) body['dryRun'] = ['All'];
      const out = await call<KubeObject | { kind: 'Status' }>('DELETE', resourcePath(gvr, namespace, name), body);
      if (!out || out.kind === 'Status') return undefined;
      return out as T;
    },
    post: (gvr: GVR, namespace: string, name: string, subresource: string, body: unknown) =>
      call<unknown>('POST', resourcePath(gvr, namespace, name, subresource), body),
    watch<T extends KubeObject>(
      gvr: GVR,
      opts: Parameters<Client['watch']>[1],
      onEvent: (e: WatchEvent<T>) => void,
      onClose: (err?: Error) => void,
    ): WatchHandle {
      const path = withQuery(resourcePath(gvr, opts.namespace), {
        watch: 'true',
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
        timeoutSeconds: opts.timeoutSeconds,
      });
      let done = false;
      let status = 0;
      let buffered = '';
      let handle: { abort(): void } | undefined;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        handle?.abort();
        onClose(err);
      };
      const line = (text: string) => {
        if (done || text.trim() === '') return;
        let ev: WatchEvent<T>;
        try {
          ev = JSON.parse(text) as WatchEvent<T>;
        } catch (e) {
          finish(new Error(`watch ${path}: undecodable event: ${(e as Error).message}`, { cause: e }));
          return;
        }
        onEvent(ev);
        if (ev.type === 'ERROR' && !done) finish(errorFromStatus(500, ev.object));
      };
      handle = transport.stream(
        { method: 'GET', path, headers: { ...baseHeaders } },
        {
          onResponse(s) {
            status = s;
          },
          onData(chunk) {
            if (done) return;
            if (status < 200 || status > 299) {
              buffered += chunk;
              return;
            }
            buffered += chunk;
            let from = 0;
            let nl: number;
            while (!done && (nl = buffered.indexOf('\n', from)) >= 0) {
              line(buffered.slice(from, nl));
              from = nl + 1;
            }
            buffered = from > 0 ? buffered.slice(from) : buffered;
          },
          onEnd(err) {
            if (done) return;
            if (err) return finish(err);
            if (status < 200 || status > 299) return finish(errorFromBody(status, buffered));
            if (buffered.trim() !== '') line(buffered);
            buffered = '';
            finish();
          },
        },
      );
      if (done) handle.abort();
      return {
        stop() {
          if (done) return;
          done = true;
          handle?.abort();
        },
      };
    },
  };
}
