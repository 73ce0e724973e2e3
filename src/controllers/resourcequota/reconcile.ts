/**
 * The ResourceQuota controller's decision (upstream pkg/controller/resourcequota syncResourceQuota):
 * status.hard mirrors spec.hard and status.used is the usage of every hard resource some evaluator
 * knows, recomputed from scratch from the objects in the quota's namespace. Pure.
 */
import type { KubeObject } from '../../api/types.js';
import { listToJSON, listsEqual, maskList, parseList, usageOf, type GroupResourceRef, type QuotaSpecView, type ResourceList } from './usage.js';

export interface QuotaView extends KubeObject {
  spec?: QuotaSpecView;
  status?: { hard?: Record<string, unknown>; used?: Record<string, unknown> };
}

/** The object kinds whose usage a set of hard resource names depends on. */
export function trackedGroupResources(hard: Iterable<string>): GroupResourceRef[] {
  const out = new Map<string, GroupResourceRef>();
  const add = (group: string, resource: string) => out.set(`${resource}.${group}`, { group, resource });
  for (const name of hard) {
    if (name.startsWith('count/')) {
      const rest = name.slice('count/'.length);
      const dot = rest.indexOf('.');
      if (dot < 0) add('', rest);
      else add(rest.slice(dot + 1), rest.slice(0, dot));
    } else if (name === 'services' || name.startsWith('services.')) add('', 'services');
    else if (name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) add('', 'persistentvolumeclaims');
    else if (['secrets', 'configmaps', 'resourcequotas', 'replicationcontrollers'].includes(name)) add('', name);
    else add('', 'pods');
  }
  return [...out.values()];
}

/**
 * The status a quota should have. `objectsOf(gr)` returns the namespace's objects of one kind, or
 * undefined when the kind cannot be listed (its names are then left out of status.used, so
 * admission reports "status unknown" for them rather than trusting a guess).
 *
 * Returns undefined when the stored status is already right (no write).
 */
export function reconcileQuota(
  quota: QuotaView,
  objectsOf: (gr: GroupResourceRef) => readonly KubeObject[] | undefined,
  now: Date,
): { hard: Record<string, string>; used: Record<string, string> } | undefined {
  const spec = quota.spec ?? {};
  const hard = parseList(spec.hard);
  let used: ResourceList = new Map();
  for (const gr of trackedGroupResources(hard.keys())) {
    const objects = objectsOf(gr);
    if (!objects) continue;
    for (const [k, v] of usageOf(spec, gr, objects, now)) used.set(k, v);
  }
  used = maskList(used, hard.keys());
  const oldHard = parseList(quota.status?.hard);
  const oldUsed = parseList(quota.status?.used);
  if (listsEqual(hard, oldHard) && listsEqual(used, oldUsed)) return undefined;
  return { hard: listToJSON(hard), used: listToJSON(used) };
}
