/**
 * The one place where errors become Kubernetes Status objects. Anything that is not an ApiError is
 * an internal error (500) and is logged with its stack.
 */
import { ApiError, internalError, isApiError } from '../lib/errors.js';
import { KeyExistsError, KeyNotFoundError, RevisionConflictError, CompactedError, StorageUnavailableError } from '../storage/errors.js';
import { expired, serviceUnavailable } from '../lib/errors.js';

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: ApiError['details'];
  code: number;
}

export function statusFromError(err: ApiError): StatusObject {
  const st: StatusObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    code: err.code,
  };
  if (err.details && Object.keys(err.details).length) st.details = cleanDetails(err.details);
  return st;
}

function cleanDetails(d: NonNullable<ApiError['details']>): NonNullable<ApiError['details']> {
  const out: NonNullable<ApiError['details']> = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes?.length) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

export function successStatus(details?: ApiError['details']): StatusObject {
  const st: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) st.details = cleanDetails(details);
  return st;
}

/** Normalises anything thrown into an ApiError (storage errors that escaped translation included). */
export function toApiError(err: unknown): ApiError {
  if (isApiError(err)) return err;
  if (err instanceof CompactedError) return expired(`too old resource version: ${err.requestedRevision} (${err.compactedRevision})`);
  if (err instanceof StorageUnavailableError) return serviceUnavailable(err.message);
  if (err instanceof KeyExistsError || err instanceof KeyNotFoundError || err instanceof RevisionConflictError)
    return internalError(err);
  return internalError(err);
}
