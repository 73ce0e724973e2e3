/**
 * Why an allocation failed. The messages are upstream's (ipallocator / portallocator), since
 * clients see them inside 422 and 500 responses.
 */
export type AllocationFailure = 'NotInRange' | 'Allocated' | 'Full';

export class AllocationError extends Error {
  constructor(
    readonly reason: AllocationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

export const rangeFull = (): AllocationError => new AllocationError('Full', 'range is full');
