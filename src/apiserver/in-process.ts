/**
 * In-process access to stored objects for server-side control loops (garbage collector), over the
 * same stores, write pipeline and watch cache that HTTP requests use, with a system identity.
 * This is the seed of the in-process client transport described in DESIGN.md.
 */
import type { ApiRegistry } from '../api/registry.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../api/types.js';
import { conflict, isApiError } from '../lib/errors.js';
import type { GcAccess } from '../controllers/garbage-collector/controller.js';
import type { OwnerState } from '../controllers/garbage-collector/reconcile.js';
import type { ResourceStore } from './registry/store.js';
import type { WatchCache } from './watch-cache.js';
import { REGISTRY_ROOT, resourcePrefix } from './registry/keys.js';

const SYSTEM = { username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts', 'system:authenticated'] };

export function storedResources(registry: ApiRegistry): ResourceDef[] {
  const seen = new Set<string>();
  const out: ResourceDef[] = [];
  for (const d of registry.all()) {
    if (d.conversion) continue;
    const p = resourcePrefix(d);
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(d);
  }
  return out;
}

export function createGcAccess(registry: ApiRegistry, storeFor: (def: ResourceDef) => ResourceStore, cache: WatchCache, now: () => Date): GcAccess {
  const ctx = (): StrategyContext => ({ now: now(), user: SYSTEM, subresource: '' });
  // Prefix → stored resource, rebuilt when the registry changes (CRDs).
  let prefixes: [string, ResourceDef][] | undefined;
  registry.onChange(() => (prefixes = undefined));
  const defForKey = (key: string): ResourceDef | undefined => {
    prefixes ??= storedResources(registry).map((d) => [resourcePrefix(d), d]);
    for (const [p, d] of prefixes) if (key.startsWith(p)) return d;
    return undefined;
  };
  const resolve = (apiVersion: string, kind: string): ResourceDef | undefined => {
    const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const exact = registry.byKind(g!, v!, kind);
    if (exact) return exact;
    for (const ver of registry.versions(g!)) {
      const d = registry.byKind(g!, ver, kind);
      if (d) return d;
    }
    return undefined;
  };
  return {
    storedResources: () => storedResources(registry),
    async list(def) {
      const store = storeFor(def);
      const list = await store.list({ namespace: '' });
      return {
        revision: Number(list.metadata.resourceVersion),
        items: list.items.map((obj) => ({ key: store.key(obj.metadata.namespace ?? '', obj.metadata.name ?? ''), obj })),
      };
    },
    watch(afterRevision, onEvent, onClose) {
      const sub = cache.subscribe(
        REGISTRY_ROOT,
        afterRevision,
        (events) => {
          for (const e of events) {
            const def = defForKey(e.key);
            if (!def) continue;
            const obj = JSON.parse(e.value) as KubeObject;
            onEvent(e.type, def, e.key, obj);
          }
        },
        onClose,
      );
      return () => sub.close();
    },
    async ownerState(ref, namespace): Promise<OwnerState> {
      const def = resolve(ref.apiVersion, ref.kind);
      if (!def) return 'unknown';
      if (def.namespaced && !namespace) return 'unknown';
      const obj = await storeFor(def).tryGet(def.namespaced ? namespace : '', ref.name);
      return obj && obj.metadata.uid === ref.uid ? 'exists' : 'absent';
    },
    async delete(def, namespace, name, uid, policy) {
      try {
        await storeFor(def).delete(ctx(), namespace, name, { dryRun: false, propagationPolicy: policy, preconditions: { uid } });
      } catch (e) {
        if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
        throw e;
      }
    },
    async mutate(def, namespace, name, uid, fn) {
      try {
        await storeFor(def).guaranteedUpdate(namespace, name, undefined, { dryRun: false }, ctx(), (cur) => {
          if (cur.metadata.uid !== uid) throw conflict({ group: def.group, resource: def.plural }, name, 'uid changed');
          return fn(cur) ?? cur;
        });
      } catch (e) {
        if (isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
        throw e;
      }
    },
  };
}
