/** Strategy building blocks common to kinds with a status subresource. */
import type { KubeObject, StrategyContext } from '../../types.js';
import { clone } from './values.js';

/**
 * prepareForCreate of a kind with a status subresource: the client may not set status on create
 * (upstream resets it to the zero struct, serialized as `{}`).
 */
export function resetStatus(obj: KubeObject): void {
  obj.status = {};
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
