/**
 * The Service store's write hooks: allocation in the create/update path, release after delete.
 */
import type { KubeObject } from '../../../api/types.js';
import type { V1Service } from '../../../api/core/v1/service.js';
import type { StoreWriteHooks } from '../store.js';
import type { ServiceAllocator } from './allocator.js';

const asService = (o: KubeObject) => o as V1Service;

/**
 * Hooks for the core/v1 services store: allocations are committed when the write is stored and
 * reverted when it is not (dry run, refusal by validating admission, storage error, retry).
 */
export function serviceWriteHooks(alloc: ServiceAllocator): StoreWriteHooks {
  return {
    beginCreate(obj, dryRun) {
      const txn = alloc.allocateCreate(asService(obj), dryRun);
      return (stored) => (stored ? txn.commit() : txn.revert());
    },
    beginUpdate(obj, old, dryRun) {
      const txn = alloc.allocateUpdate(asService(obj), asService(old), dryRun);
      return (stored) => (stored ? txn.commit() : txn.revert());
    },
    afterDelete(obj) {
      alloc.releaseService(asService(obj));
    },
  };
}
