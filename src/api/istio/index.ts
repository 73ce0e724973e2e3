/**
 * Istio's configuration kinds, built in: networking.istio.io (Gateway, VirtualService,
 * DestinationRule, ServiceEntry) and security.istio.io (AuthorizationPolicy), served as Istio's
 * CRDs serve them — names, short names, categories, printer columns and a status subresource as in
 * Istio's crd-all.gen.yaml; networking at v1, v1beta1 and v1alpha3, security at v1 and v1beta1, all
 * versions sharing one stored form (v1beta1, the version the seed writes) with only apiVersion
 * rewritten between them. Istio's controllers are not part of Flotilla: these objects are stored and
 * served; status is left to whoever writes it.
 */
import type { ResourceDef } from '../types.js';
import { s, type Schema } from '../schema/index.js';
import { kindSchema } from '../meta/v1.js';
import { AGE, crdStrategy, printerColumns, servedAlso, type PrinterColumn } from '../seed-groups/crd-kind.js';
import { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, VirtualServiceSpec } from './networking.js';
import { AuthorizationPolicySpec } from './security.js';

export { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, VirtualServiceSpec, AuthorizationPolicySpec };

const PRODUCT = 'Istio';
/** Istio's Age column (Istio's CRDs declare it themselves; the description is in our own words). */
const ISTIO_AGE: PrinterColumn = {
  ...AGE,
  description: 'Time since the resource was created (metadata.creationTimestamp).',
};
const STATUS = s.looseObject({}, { description: 'Status of the resource, written by Istio components.' });

interface KindSpec {
  group: string;
  kind: string;
  plural: string;
  shortNames: string[];
  categories: string[];
  /** The kind's own description (our words; no installed package documents Istio's CRDs). */
  description: string;
  spec: Schema;
  columns: PrinterColumn[];
}

/** Reverse-domain prefix of OpenAPI ids for a CRD group: networking.istio.io → io.istio.networking. */
function idPrefix(group: string): string {
  return group.split('.').reverse().join('.');
}

function istioKind(k: KindSpec, version: string): ResourceDef {
  const schema = kindSchema(`${idPrefix(k.group)}.${version}.${k.kind}`, { group: k.group, version, kind: k.kind }, { spec: k.spec, status: STATUS }, { description: k.description });
  return {
    group: k.group,
    version,
    kind: k.kind,
    plural: k.plural,
    singular: k.kind.toLowerCase(),
    namespaced: true,
    shortNames: k.shortNames,
    categories: k.categories,
    schema,
    subresources: { status: true },
    custom: true,
    strategy: crdStrategy(schema, PRODUCT),
    table: printerColumns(k.columns),
  };
}

const NETWORKING = 'networking.istio.io';
const SECURITY = 'security.istio.io';
const NET_CATEGORIES = ['istio-io', 'networking-istio-io'];

const kinds: KindSpec[] = [
  {
    group: NETWORKING,
    kind: 'DestinationRule',
    description: 'Traffic policy for a service once routing has chosen it: load balancing, connection pools, outlier detection, TLS, and named subsets of its endpoints.',
    plural: 'destinationrules',
    shortNames: ['dr'],
    categories: NET_CATEGORIES,
    spec: DestinationRuleSpec,
    columns: [{ name: 'Host', type: 'string', jsonPath: '.spec.host', description: 'The service the traffic policy applies to.' }, ISTIO_AGE],
  },
  {
    group: NETWORKING,
    kind: 'Gateway',
    description: 'A load balancer at the edge of the mesh: the ports, protocols, hosts and TLS settings it accepts traffic for.',
    plural: 'gateways',
    shortNames: ['gw'],
    categories: NET_CATEGORIES,
    spec: GatewaySpec,
    columns: [],
  },
  {
    group: NETWORKING,
    kind: 'ServiceEntry',
    description: 'Adds a service to Istio\'s service registry, typically one outside the mesh, so that mesh traffic can be routed to it.',
    plural: 'serviceentries',
    shortNames: ['se'],
    categories: NET_CATEGORIES,
    spec: ServiceEntrySpec,
    columns: [
      { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The host names the entry adds to the mesh.' },
      { name: 'Location', type: 'string', jsonPath: '.spec.location', description: 'MESH_EXTERNAL or MESH_INTERNAL: whether the service lives outside or inside the mesh.' },
      { name: 'Resolution', type: 'string', jsonPath: '.spec.resolution', description: 'How the hosts are resolved to addresses: NONE, STATIC or DNS.' },
      ISTIO_AGE,
    ],
  },
  {
    group: NETWORKING,
    kind: 'VirtualService',
    description: 'Routing rules for traffic to a set of hosts: match requests and send them to destinations, with retries, timeouts, rewrites and fault injection.',
    plural: 'virtualservices',
    shortNames: ['vs'],
    categories: NET_CATEGORIES,
    spec: VirtualServiceSpec,
    columns: [
      { name: 'Gateways', type: 'string', jsonPath: '.spec.gateways', description: 'The gateways (and sidecars) the routes are attached to.' },
      { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The hosts whose traffic these routes handle.' },
      ISTIO_AGE,
    ],
  },
  {
    group: SECURITY,
    kind: 'AuthorizationPolicy',
    description: 'Access control for workloads in the mesh: allows, denies or audits requests that match its rules (sources, operations, conditions).',
    plural: 'authorizationpolicies',
    shortNames: ['ap'],
    categories: ['istio-io', 'security-istio-io'],
    spec: AuthorizationPolicySpec,
    columns: [{ name: 'Action', type: 'string', jsonPath: '.spec.action', description: 'ALLOW, DENY, AUDIT or CUSTOM: what the policy does with matching requests.' }, ISTIO_AGE],
  },
];

const STORED = 'v1beta1';
const SERVED: Record<string, string[]> = { [NETWORKING]: ['v1', 'v1beta1', 'v1alpha3'], [SECURITY]: ['v1', 'v1beta1'] };

/** Every Istio ResourceDef, preferred version (v1) first within each group. */
export const resources: ResourceDef[] = [NETWORKING, SECURITY].flatMap((group) =>
  SERVED[group]!.flatMap((version) =>
    kinds.filter((k) => k.group === group).map((k) => (version === STORED ? istioKind(k, STORED) : servedAlso(istioKind(k, STORED), version))),
  ),
);
