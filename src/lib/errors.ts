/**
 * API errors as values. Every failure that reaches a client is an ApiError; the apiserver turns it
 * into a Kubernetes Status object in exactly one place (apiserver/status.ts). Code never parses
 * error messages: it switches on `reason`.
 */
import type { FieldError } from './field-error.js';
import { aggregateFieldErrors } from './field-error.js';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Expired'
  | 'Gone'
  | 'Forbidden'
  | 'Unauthorized'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'Timeout'
  | 'ServerTimeout'
  | 'TooManyRequests'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A group-qualified resource such as `deployments.apps` or `pods` (core group). */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly reason: StatusReason,
    readonly code: number,
    message: string,
    readonly details: StatusDetails | undefined = undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError('NotFound', 404, `${qualifiedResource(gr)} "${name}" not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError('AlreadyExists', 409, `${qualifiedResource(gr)} "${name}" already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** 409 Conflict, as upstream: `Operation cannot be fulfilled on deployments.apps "x": <why>`. */
export function conflict(gr: GroupResource, name: string, why: string): ApiError {
  return new ApiError(
    'Conflict',
    409,
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    { name, group: gr.group, kind: gr.resource },
  );
}

export const OBJECT_MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';

/**
 * 422 Invalid. `kind` is the Kind (e.g. `Deployment`) and `group` its group: upstream's message is
 * `Deployment.apps "x" is invalid: [a, b]` (brackets only when there are several errors).
 */
export function invalid(group: string, kind: string, name: string, errors: FieldError[]): ApiError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  return new ApiError('Invalid', 422, `${qualifiedKind} "${name}" is invalid: ${aggregateFieldErrors(errors)}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.body(), field: e.field })),
  });
}

export function badRequest(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError('BadRequest', 400, message, causes ? { causes } : undefined);
}

export function expired(message: string): ApiError {
  return new ApiError('Expired', 410, message);
}

export function gone(message: string): ApiError {
  return new ApiError('Gone', 410, message);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError('Unauthorized', 401, message);
}

/**
 * 403, upstream wording: `pods is forbidden: User "u" cannot list resource "pods" in API group ""
 * in the namespace "ns"`. `subject` is the whole `User "u" cannot ...` phrase.
 */
export function forbidden(gr: GroupResource, name: string, reason: string): ApiError {
  const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return new ApiError('Forbidden', 403, `${what} is forbidden: ${reason}`, {
    name: name || undefined,
    group: gr.group,
    kind: gr.resource,
  });
}

export function methodNotSupported(gr: GroupResource, verb: string): ApiError {
  return new ApiError(
    'MethodNotAllowed',
    405,
    `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`,
    { group: gr.group, kind: gr.resource },
  );
}

export function notAcceptable(message: string): ApiError {
  return new ApiError('NotAcceptable', 406, message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError('UnsupportedMediaType', 415, `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`, { causes: [{ reason: 'UnexpectedServerResponse', message: contentType }] });
}

export function tooLarge(message = 'Request entity too large: limit is 3145728'): ApiError {
  return new ApiError('RequestEntityTooLarge', 413, message);
}

export function internalError(err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError('InternalError', 500, `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }, { cause: err });
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError('ServiceUnavailable', 503, message);
}

export function timeout(message: string): ApiError {
  return new ApiError('Timeout', 504, message);
}
