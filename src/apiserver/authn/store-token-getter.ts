/**
 * A ServiceAccountTokenGetter over the API server's own stores (ApiServer.storeFor): one storage
 * read per lookup, no request through the API, no authorization. Before `storeFor` can answer
 * (the API server is built after its authenticators), every object reads as absent, so tokens are
 * refused rather than trusted.
 */
import type { ApiRegistry } from '../../api/registry.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import type { ResourceStore } from '../registry/store.js';
import type { ServiceAccountTokenGetter } from './service-account-claims.js';

export function storeTokenGetter(registry: ApiRegistry, storeFor: (def: ResourceDef) => ResourceStore | undefined): ServiceAccountTokenGetter {
  const get = async (plural: string, namespace: string, name: string): Promise<KubeObject | undefined> => {
    if (!name) return undefined;
    const def = registry.get('', 'v1', plural);
    const store = def ? storeFor(def) : undefined;
    return store ? store.tryGet(namespace, name) : undefined;
  };
  return {
    getServiceAccount: (ns, name) => get('serviceaccounts', ns, name),
    getPod: (ns, name) => get('pods', ns, name),
    getSecret: (ns, name) => get('secrets', ns, name),
    getNode: (name) => get('nodes', '', name),
  };
}
