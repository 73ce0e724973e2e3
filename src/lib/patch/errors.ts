/**
 * The one error type the patch functions throw. `reason`/`code` say how the apiserver answers
 * (mirroring upstream's choices for each patch type); `toApiError()` builds that answer.
 */
import { ApiError, badRequest, internalError, tooLarge } from '../errors.js';

export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'InternalError' | 'RequestEntityTooLarge';

const CODES: Record<PatchErrorReason, number> = { BadRequest: 400, Invalid: 422, InternalError: 500, RequestEntityTooLarge: 413 };

export class PatchError extends Error {
  override readonly name = 'PatchError';
  readonly code: number;
  constructor(
    readonly reason: PatchErrorReason,
    message: string,
  ) {
    super(message);
    this.code = CODES[reason];
  }

  /**
   * The Status upstream answers with:
   * - BadRequest: 400 with this message;
   * - Invalid: 422 `the server rejected our request due to an error in our request`, this message
   *   as the cause (upstream's NewGenericServerResponse; kubectl prints the generic text);
   * - InternalError: 500 `Internal error occurred: <message>`;
   * - RequestEntityTooLarge: 413 with this message.
   */
  toApiError(): ApiError {
    switch (this.reason) {
      case 'BadRequest':
        return badRequest(this.message);
      case 'Invalid':
        return new ApiError('Invalid', 422, 'the server rejected our request due to an error in our request', {
          causes: [{ reason: 'UnexpectedServerResponse', message: this.message }],
        });
      case 'RequestEntityTooLarge':
        return tooLarge(this.message);
      default:
        return internalError(new Error(this.message));
    }
  }
}

export function isPatchError(e: unknown): e is PatchError {
  return e instanceof PatchError;
}
