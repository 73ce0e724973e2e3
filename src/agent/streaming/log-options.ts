/**
 * PodLogOptions from a query string, validated as upstream (ValidatePodLogOptions), and turned
 * into the absolute options of one log read. Pure; shared by the apiserver's pods/log and the
 * agent's /containerLogs.
 *
 * Query conversion follows apimachinery: a boolean is false only for `0` / `false` (any case) or
 * when absent, every other value is true; an integer that does not parse is a 400 BadRequest.
 */
import { ApiError, badRequest, invalid } from '../../lib/errors.js';
import { fieldErrors, type FieldError } from '../../lib/field-error.js';
import { parseRfc3339Nano, type LogReadOptions, type LogStreamSelection } from './cri-log.js';

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  sinceSeconds?: number;
  /** RFC3339 as given. */
  sinceTime?: string;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  stream?: LogStreamSelection;
}

/** Reads query parameters the way URLSearchParams does (only `get` is needed). */
export interface QueryLike {
  get(name: string): string | null;
}

function bool(q: QueryLike, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

function int(q: QueryLike, name: string): number | ApiError | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) return badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Parses and validates; `name` is the pod (for the Invalid error's message). */
export function parsePodLogOptions(q: QueryLike, name: string): PodLogOptions | ApiError {
  const opts: PodLogOptions = {
    follow: bool(q, 'follow'),
    previous: bool(q, 'previous'),
    timestamps: bool(q, 'timestamps'),
  };
  const container = q.get('container');
  if (container) opts.container = container;
  for (const key of ['sinceSeconds', 'tailLines', 'limitBytes'] as const) {
    const v = int(q, key);
    if (v instanceof ApiError) return v;
    if (v !== undefined) opts[key] = v;
  }
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    if (!parseRfc3339Nano(sinceTime)) return badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
    opts.sinceTime = sinceTime;
  }
  const stream = q.get('stream');
  if (stream) opts.stream = stream as LogStreamSelection;

  const errs: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) errs.push(fieldErrors.invalid('tailLines', opts.tailLines, 'must be greater than or equal to 0'));
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) errs.push(fieldErrors.invalid('limitBytes', opts.limitBytes, 'must be greater than 0'));
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) errs.push(fieldErrors.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) errs.push(fieldErrors.invalid('sinceSeconds', opts.sinceSeconds, 'must be greater than 0'));
  if (opts.stream !== undefined) {
    if (!['All', 'Stdout', 'Stderr'].includes(opts.stream)) errs.push(fieldErrors.notSupported('stream', opts.stream, ['All', 'Stderr', 'Stdout']));
    else if (opts.stream !== 'All' && opts.tailLines !== undefined) errs.push(fieldErrors.forbidden('', '`tailLines` and specific `stream` are mutually exclusive for now'));
  }
  if (errs.length) return invalid('', 'PodLogOptions', name, errs);
  return opts;
}

/** The query string that carries `opts` to the node (container goes in the path there). */
export function podLogQuery(opts: PodLogOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (opts.follow) q.set('follow', 'true');
  if (opts.previous) q.set('previous', 'true');
  if (opts.timestamps) q.set('timestamps', 'true');
  if (opts.sinceSeconds !== undefined) q.set('sinceSeconds', String(opts.sinceSeconds));
  if (opts.sinceTime !== undefined) q.set('sinceTime', opts.sinceTime);
  if (opts.tailLines !== undefined) q.set('tailLines', String(opts.tailLines));
  if (opts.limitBytes !== undefined) q.set('limitBytes', String(opts.limitBytes));
  if (opts.stream !== undefined) q.set('stream', opts.stream);
  return q;
}

/** Absolute read options at `nowMs` on the node's clock (sinceSeconds counts back from it). */
export function resolveLogOptions(opts: PodLogOptions, nowMs: number): LogReadOptions {
  const out: LogReadOptions = { timestamps: opts.timestamps, follow: opts.follow, stream: opts.stream ?? 'All' };
  if (opts.tailLines !== undefined) out.tailLines = opts.tailLines;
  if (opts.limitBytes !== undefined) out.limitBytes = opts.limitBytes;
  if (opts.sinceSeconds !== undefined) out.sinceNanos = BigInt(nowMs - opts.sinceSeconds * 1000) * 1_000_000n;
  else if (opts.sinceTime !== undefined) out.sinceNanos = parseRfc3339Nano(opts.sinceTime)!.nanos;
  return out;
}
