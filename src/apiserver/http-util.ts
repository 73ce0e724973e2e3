/** Reading bodies and writing responses: the only place that touches raw HTTP framing. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as yamlStringify } from 'yaml';
import type { ApiError } from '../lib/errors.js';
import { tooLarge } from '../lib/errors.js';
import { statusFromError } from './status.js';

/** Upstream's limit for request bodies (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Formats one `Warning` header value as RFC 7234 (code 299, agent "-"). */
export function warningHeader(msg: string): string {
  return `299 - "${msg.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')}"`;
}

export interface SendOptions {
  yaml?: boolean;
  warnings?: readonly string[];
  contentType?: string;
}

export function sendObject(res: ServerResponse, code: number, body: unknown, opts: SendOptions = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = opts.yaml ? yamlStringify(body) : JSON.stringify(body);
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': opts.contentType ?? (opts.yaml ? 'application/yaml' : 'application/json'),
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  };
  if (opts.warnings?.length) headers['Warning'] = [...new Set(opts.warnings)].map(warningHeader);
  res.writeHead(code, headers);
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError, warnings?: readonly string[]): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: SendOptions = { warnings };
  if (err.code === 429 || err.code === 503) res.setHeader('Retry-After', String(err.details?.retryAfterSeconds ?? 1));
  sendObject(res, err.code, statusFromError(err), headers);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
