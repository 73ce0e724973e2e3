/** Strategy building blocks common to kinds with a status subresource. */
import type { KubeObject, StrategyContext } from '../../types.js';
import { clone } from './values.js';

/**
 * prepareForCreate of a kind with a status subresource: the client may not set status on create.
 * Upstream resets it to the zero struct; `zero` is that struct as Go serializes it (fields without
 * omitempty appear with their zero value, e.g. ReplicaSet `{replicas: 0}`).
 */
export function resetStatus(obj: KubeObject, zero: Record<string, unknown> = {}): void {
  obj.status = clone(zero);
}

/**
 * prepareForUpdate of a kind with a status subresource: a main-resource write keeps the stored
 * status, a status write keeps the stored spec. Idempotent, so harmless if the store did it already.
 */
export function keepOtherHalf(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void {
  if (ctx.subresource === 'status') {
    if (old.spec === undefined) delete obj.spec;
    else obj.spec = clone(old.spec);
  } else if (ctx.subresource === '') {
    if (old.status === undefined) delete obj.status;
    else obj.status = clone(old.status);
  }
}
