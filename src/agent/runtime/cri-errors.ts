/**
 * Errors of the CRI services as values (DESIGN.md convention 7): the gRPC status code as a literal
 * reason, the runtime's own message kept verbatim (it is what users see in pod events, e.g.
 * ErrImagePull's "failed to resolve reference ...").
 */
export type CriErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'UNIMPLEMENTED'
  | 'FAILED_PRECONDITION'
  | 'UNKNOWN';

export class CriError extends Error {
  override readonly name = 'CriError';
  constructor(
    readonly code: CriErrorCode,
    message: string,
    /** The CRI method that failed (e.g. 'PullImage'). */
    readonly method: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isCriError(e: unknown, code?: CriErrorCode): e is CriError {
  return e instanceof CriError && (code === undefined || e.code === code);
}
