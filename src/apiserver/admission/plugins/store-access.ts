/**
 * AdmissionAccess over the apiserver's own stores (same storage and write pipeline as HTTP
 * requests, acting as a system identity). The stores exist only once the ApiServer does, while the
 * plugins must be handed to createApiServer: hence the late-bound `storeFor`, called at request
 * time only.
 *
 * Wiring: `let api: ApiServer | undefined; const access = createStoreAccess({ registry, storeFor: (d) => api!.storeFor(d), listerFor: (d) => api!.listerFor(d), now });
 * api = createApiServer({ ..., admission: builtinAdmission(access) })`.
 */
import type { ApiRegistry } from '../../../api/registry.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../../api/types.js';
import type { GVR } from '../../../client/types.js';
import { internalError } from '../../../lib/errors.js';
import type { ResourceStore } from '../../registry/store.js';
import type { AdmissionAccess } from './access.js';

const SYSTEM = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

export interface StoreAccessOptions {
  registry: ApiRegistry;
  storeFor: (def: ResourceDef) => ResourceStore;
  /** In-memory copies kept by the watch cache (ApiServer.listerFor); lists read storage without. */
  listerFor?: (def: ResourceDef) => { list(namespace: string): Promise<KubeObject[]> };
  now?: () => Date;
}

export function createStoreAccess(opts: StoreAccessOptions): AdmissionAccess {
  const now = opts.now ?? (() => new Date());
  const def = (gvr: GVR): ResourceDef => {
    const d = opts.registry.get(gvr.group, gvr.version, gvr.resource);
    if (!d) throw internalError(new Error(`admission: resource ${gvr.resource}.${gvr.group}/${gvr.version} is not served`));
    return d;
  };
  const ctx = (subresource: string): StrategyContext => ({ now: now(), user: SYSTEM, subresource });
  return {
    async list(gvr, namespace) {
      const d = def(gvr);
      if (opts.listerFor) return opts.listerFor(d).list(namespace);
      return (await opts.storeFor(d).list({ namespace })).items;
    },
    async get(gvr, namespace, name) {
      return opts.storeFor(def(gvr)).tryGet(namespace, name);
    },
    async updateStatus(gvr, obj: KubeObject) {
      const res = await opts.storeFor(def(gvr)).update(ctx('status'), obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj, { dryRun: false });
      return res.object;
    },
  };
}
