/**
 * Discovery documents, legacy (/api, /apis, /api/v1, /apis/G/V) and aggregated (apidiscovery.k8s.io
 * v2 and v2beta1), derived from the registry. Pure functions.
 */
import type { ApiRegistry } from '../api/registry.js';
import { ALL_VERBS, apiVersionOf, type ResourceDef } from '../api/types.js';

interface SubresourceInfo {
  name: string;
  kind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresourcesOf(def: ResourceDef): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  if (def.subresources?.scale)
    out.push({ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
  if (def.subresources?.status)
    out.push({ name: 'status', kind: { group: def.group, version: def.version, kind: def.kind }, verbs: ['get', 'patch', 'update'] });
  for (const x of def.extraSubresources ?? []) out.push({ name: x.name, kind: x.kind, verbs: x.verbs });
  return out;
}

function verbsOf(def: ResourceDef): string[] {
  return [...(def.verbs ?? ALL_VERBS)];
}

export function apiVersions(): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }],
  };
}

function groupEntry(registry: ApiRegistry, group: string): object {
  const versions = registry.versions(group).map((v) => ({ groupVersion: apiVersionOf(group, v), version: v }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(registry: ApiRegistry): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().filter((g) => g !== '').map((g) => groupEntry(registry, g)),
  };
}

export function apiGroup(registry: ApiRegistry, group: string): object | undefined {
  if (!registry.versions(group).length) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(registry, group) };
}

export function apiResourceList(registry: ApiRegistry, group: string, version: string): object | undefined {
  const defs = registry.resources(group, version);
  if (!defs.length) return undefined;
  const resources: object[] = [];
  for (const def of sortDefs(defs)) {
    const r: Record<string, unknown> = {
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: verbsOf(def),
    };
    if (def.shortNames?.length) r['shortNames'] = def.shortNames;
    if (def.categories?.length) r['categories'] = def.categories;
    resources.push(r);
    for (const sub of subresourcesOf(def)) {
      const s: Record<string, unknown> = {
        name: `${def.plural}/${sub.name}`,
        singularName: '',
        namespaced: def.namespaced,
        kind: sub.kind.kind,
        verbs: sub.verbs,
      };
      if (sub.kind.group !== def.group) s['group'] = sub.kind.group;
      if (sub.kind.version !== def.version) s['version'] = sub.kind.version;
      resources.push(s);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

function sortDefs(defs: ResourceDef[]): ResourceDef[] {
  return [...defs].sort((a, b) => a.plural.localeCompare(b.plural));
}

/**
 * Aggregated discovery for /api (core group only, `legacy` true) or /apis (every other group).
 * `version` selects the apidiscovery.k8s.io version the client asked for.
 */
export function aggregatedDiscovery(registry: ApiRegistry, legacy: boolean, version: 'v2' | 'v2beta1'): object {
  const groups = registry.groups().filter((g) => (legacy ? g === '' : g !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g, creationTimestamp: null },
      versions: registry.versions(g).map((v) => ({
        version: v,
        resources: sortDefs(registry.resources(g, v)).map((def) => {
          const r: Record<string, unknown> = {
            resource: def.plural,
            responseKind: { group: def.group, version: def.version, kind: def.kind },
            scope: def.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: def.singular,
            verbs: verbsOf(def),
          };
          if (def.shortNames?.length) r['shortNames'] = def.shortNames;
          if (def.categories?.length) r['categories'] = def.categories;
          const subs = subresourcesOf(def);
          if (subs.length)
            r['subresources'] = subs.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs }));
          return r;
        }),
        freshness: 'Current',
      })),
    })),
  };
}

export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
