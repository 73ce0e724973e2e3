/** Domain errors of the storage contract; backends translate native errors into these at the edge. */
import type { KeyValue } from './backend.js';

export class KeyNotFoundError extends Error {
  override readonly name = 'KeyNotFoundError';
  readonly reason = 'KeyNotFound' as const;
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

export class KeyExistsError extends Error {
  override readonly name = 'KeyExistsError';
  readonly reason = 'KeyExists' as const;
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}

export class RevisionConflictError extends Error {
  override readonly name = 'RevisionConflictError';
  readonly reason = 'RevisionConflict' as const;
  constructor(
    readonly key: string,
    readonly expectedRevision: number,
    readonly current: KeyValue,
  ) {
    super(`revision conflict on ${key}: expected ${expectedRevision}, found ${current.modRevision}`);
  }
}

export class CompactedError extends Error {
  override readonly name = 'CompactedError';
  readonly reason = 'Compacted' as const;
  constructor(
    readonly requestedRevision: number,
    readonly compactedRevision: number,
  ) {
    super(`required revision ${requestedRevision} has been compacted (oldest available ${compactedRevision})`);
  }
}

export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  readonly reason = 'Unavailable' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
