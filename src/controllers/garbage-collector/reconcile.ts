/**
 * Garbage collection decisions (upstream's garbagecollector), pure: given one object, what it owns
 * and whether its owners exist, return the actions to take. The controller performs them.
 *
 * Rules, as upstream:
 * - an object being deleted with the `orphan` finalizer: remove its ownerReference from every
 *   dependent, then remove the finalizer;
 * - an object being deleted with `foregroundDeletion`: delete every dependent (foreground for those
 *   that block owner deletion), and remove the finalizer once no dependent with
 *   blockOwnerDeletion=true remains;
 * - an object whose owners are all gone (no live object with that uid): delete it (background);
 *   when only some are gone, drop the dangling references.
 */
import type { KubeObject, OwnerReference } from '../../api/types.js';

export interface ObjectRef {
  /** Storage identity: resource key understood by the controller's access layer. */
  key: string;
  uid: string;
  namespace: string;
  name: string;
}

export type GcAction =
  | { type: 'removeOwnerRef'; dependent: ObjectRef; ownerUid: string }
  | { type: 'removeFinalizer'; object: ObjectRef; finalizer: 'orphan' | 'foregroundDeletion' }
  | { type: 'delete'; object: ObjectRef; policy: 'Background' | 'Foreground' }
  | { type: 'removeDanglingRefs'; object: ObjectRef; ownerUids: string[] };

export interface Dependent {
  ref: ObjectRef;
  /** The dependent's reference to the owner being processed. */
  ownerRef: OwnerReference;
  deleting: boolean;
}

export type OwnerState = 'exists' | 'absent' | 'unknown';

export function refOf(key: string, obj: KubeObject): ObjectRef {
  return { key, uid: obj.metadata.uid ?? '', namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

/**
 * Actions for `obj`.
 * @param dependents objects whose ownerReferences name obj's uid
 * @param ownerStates state of each owner uid in obj.metadata.ownerReferences ('unknown' = could
 *   not be resolved, e.g. an unserved kind: never treated as absent)
 */
export function reconcile(key: string, obj: KubeObject, dependents: readonly Dependent[], ownerStates: ReadonlyMap<string, OwnerState>): GcAction[] {
  const me = refOf(key, obj);
  const actions: GcAction[] = [];
  const finalizers = obj.metadata.finalizers ?? [];
  const deleting = Boolean(obj.metadata.deletionTimestamp);

  if (deleting && finalizers.includes('orphan')) {
    for (const d of dependents) actions.push({ type: 'removeOwnerRef', dependent: d.ref, ownerUid: me.uid });
    actions.push({ type: 'removeFinalizer', object: me, finalizer: 'orphan' });
    return actions;
  }

  if (deleting && finalizers.includes('foregroundDeletion')) {
    let blocking = 0;
    for (const d of dependents) {
      const blocks = d.ownerRef.blockOwnerDeletion === true;
      if (blocks) blocking++;
      if (!d.deleting) actions.push({ type: 'delete', object: d.ref, policy: blocks ? 'Foreground' : 'Background' });
    }
    if (blocking === 0) actions.push({ type: 'removeFinalizer', object: me, finalizer: 'foregroundDeletion' });
    return actions;
  }

  const owners = obj.metadata.ownerReferences ?? [];
  if (owners.length && !deleting) {
    const absent = owners.filter((o) => ownerStates.get(o.uid) === 'absent').map((o) => o.uid);
    if (absent.length === owners.length) actions.push({ type: 'delete', object: me, policy: 'Background' });
    else if (absent.length) actions.push({ type: 'removeDanglingRefs', object: me, ownerUids: absent });
  }
  return actions;
}
