/**
 * discovery.k8s.io/v1 EndpointSlice: schema, defaults, validation
 * (pkg/apis/discovery/validation), printer columns.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { s, type Schema } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../validation/names.js';
import { AGE_COLUMN, NAME_COLUMN, ObjectReferenceInline, ageCell, asRecord, parseIP, validateLabels } from '../../apps/shared/index.js';

const P = 'io.k8s.api.discovery.v1';

export const EndpointConditions = s.object(
  {
    ready: s.bool(),
    serving: s.bool(),
    terminating: s.bool(),
  },
  { id: `${P}.EndpointConditions` },
);

export const EndpointHints = s.object(
  {
    forZones: s.array(s.object({ name: s.string() }, { id: `${P}.ForZone`, required: ['name'] }), { listType: 'atomic' }),
    forNodes: s.array(s.object({ name: s.string() }, { id: `${P}.ForNode`, required: ['name'] }), { listType: 'atomic' }),
  },
  { id: `${P}.EndpointHints` },
);

export const Endpoint = s.object(
  {
    addresses: s.array(s.string(), { listType: 'set' }),
    conditions: EndpointConditions,
    hostname: s.string(),
    targetRef: ObjectReferenceInline,
    deprecatedTopology: s.map(s.string()),
    nodeName: s.string(),
    zone: s.string(),
    hints: EndpointHints,
  },
  { id: `${P}.Endpoint`, required: ['addresses'] },
);

export const EndpointPort = s.object(
  {
    name: s.string(),
    protocol: s.string(),
    port: s.int32(),
    appProtocol: s.string(),
  },
  { id: `${P}.EndpointPort`, 'x-kubernetes-map-type': 'atomic' },
);

export const EndpointSliceSchema: Schema = kindSchema(
  `${P}.EndpointSlice`,
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' },
  {
    addressType: s.string({ description: 'addressType specifies the type of address carried by this EndpointSlice: IPv4, IPv6 or FQDN.' }),
    endpoints: s.array(Endpoint, { listType: 'atomic' }),
    ports: s.array(EndpointPort, { listType: 'atomic' }),
  },
  { required: ['addressType', 'endpoints'] },
);

export interface EndpointView {
  addresses?: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: Record<string, unknown>;
  deprecatedTopology?: Record<string, string>;
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name: string }[]; forNodes?: { name: string }[] };
}
export interface EndpointPortView {
  name?: string;
  protocol?: string;
  port?: number;
  appProtocol?: string;
}
/** Typed view of an EndpointSlice. */
export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: EndpointView[];
  ports?: EndpointPortView[];
}
export const asEndpointSlice = (o: KubeObject): EndpointSlice => o as EndpointSlice;

/** Upstream SetDefaults_EndpointPort: name '' and protocol TCP. Idempotent. */
export function defaultEndpointSlice(obj: KubeObject): void {
  const es = asEndpointSlice(obj);
  if (!Array.isArray(es.endpoints)) es.endpoints = [];
  for (const p of Array.isArray(es.ports) ? es.ports : []) {
    if (!asRecord(p)) continue;
    if (p.name == null) p.name = '';
    if (p.protocol == null) p.protocol = 'TCP';
  }
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** apivalidation.ValidateNonSpecialIP. */
function nonSpecialIPErrors(bytes: number[]): string[] {
  const v4 = bytes.length === 4 || (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff);
  const b = bytes.length === 16 && v4 ? bytes.slice(12) : bytes;
  if (b.every((x) => x === 0)) return ['may not be unspecified (0.0.0.0, ::)'];
  if (b.length === 4) {
    if (b[0] === 127) return ['may not be in the loopback range (127.0.0.0/8, ::1/128)'];
    if (b[0] === 169 && b[1] === 254) return ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'];
    if (b[0] === 224 && b[1] === 0 && b[2] === 0) return ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'];
    return [];
  }
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return ['may not be in the loopback range (127.0.0.0/8, ::1/128)'];
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'];
  if (b[0] === 0xff && (b[1]! & 0x0f) === 0x02) return ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'];
  return [];
}

/** validation.IsFullyQualifiedDomainName (messages as upstream). */
function fqdnErrors(path: string, name: string): FieldError[] {
  let n = name;
  if (n.endsWith('.')) n = n.slice(0, -1);
  const errs: FieldError[] = [];
  for (const m of isDNS1123Subdomain(n)) errs.push(fieldErrors.invalid(path, name, m));
  if (errs.length) return errs;
  if (n.split('.').length < 2) return [fieldErrors.invalid(path, n, 'should be a domain with at least two segments separated by dots')];
  for (const label of n.split('.')) for (const m of isDNS1123Label(label)) errs.push(fieldErrors.invalid(path, label, m));
  return errs;
}

/** ValidateEndpointSlice (without generic metadata). */
export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const at = es.addressType ?? '';
  if (!at) errs.push(fieldErrors.required('addressType'));
  else if (!ADDRESS_TYPES.includes(at)) errs.push(fieldErrors.notSupported('addressType', at, ADDRESS_TYPES));
  const eps = es.endpoints ?? [];
  if (eps.length > 1000) errs.push(fieldErrors.tooMany('endpoints', eps.length, 1000));
  eps.forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    const addrs = ep.addresses ?? [];
    if (addrs.length === 0) errs.push(fieldErrors.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(fieldErrors.tooMany(`${p}.addresses`, addrs.length, 100));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      if (at === 'IPv4' || at === 'IPv6') {
        const bytes = parseIP(a);
        const ok = bytes && (at === 'IPv4' ? bytes.length === 4 : bytes.length === 16);
        if (!ok) errs.push(fieldErrors.invalid(ap, a, at === 'IPv4' ? 'must be a valid IPv4 address' : 'must be a valid IPv6 address'));
        else for (const m of nonSpecialIPErrors(bytes!)) errs.push(fieldErrors.invalid(ap, a, m));
      } else if (at === 'FQDN') errs.push(...fqdnErrors(ap, a));
    });
    if (ep.nodeName != null) for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(fieldErrors.invalid(`${p}.nodeName`, ep.nodeName, m));
    const topo = ep.deprecatedTopology ?? {};
    if (Object.keys(topo).length > 16) errs.push(fieldErrors.tooMany(`${p}.deprecatedTopology`, Object.keys(topo).length, 16));
    errs.push(...validateLabels(topo, `${p}.deprecatedTopology`));
    if ('topology.kubernetes.io/zone' in topo)
      errs.push(fieldErrors.internal(`${p}.deprecatedTopology[topology.kubernetes.io/zone]`, 'reserved key was not removed in conversion'));
    if (ep.hostname != null) for (const m of isDNS1123Label(ep.hostname)) errs.push(fieldErrors.invalid(`${p}.hostname`, ep.hostname, m));
    if (ep.hints) {
      const zones = ep.hints.forZones ?? [];
      if (zones.length > 8) errs.push(fieldErrors.tooMany(`${p}.hints.forZones`, zones.length, 8));
      const seen = new Set<string>();
      zones.forEach((z, k) => {
        const zp = `${p}.hints.forZones[${k}].name`;
        if (seen.has(z.name)) errs.push(fieldErrors.duplicate(zp, z.name));
        else seen.add(z.name);
      });
    }
  });
  const ports = es.ports ?? [];
  if (ports.length > 20000) errs.push(fieldErrors.tooMany('ports', ports.length, 20000));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = port.name ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${p}.name`, name, m));
    if (names.has(name)) errs.push(fieldErrors.duplicate(`${p}.name`, name));
    else names.add(name);
    if (port.protocol == null) errs.push(fieldErrors.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(fieldErrors.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
    if (port.appProtocol != null) for (const m of isQualifiedName(port.appProtocol)) errs.push(fieldErrors.invalid(`${p}.appProtocol`, port.appProtocol, m));
  });
  return errs;
}

/** Shared by the PORTS and ENDPOINTS columns: at most three, then `+ N more...`, `<unset>` when empty. */
function listWithMore(list: string[], count: number, max = 3): string {
  const shown = list.slice(0, max);
  if (count > max) return `${shown.join(',')} + ${count - max} more...`;
  return shown.length ? shown.join(',') : '<unset>';
}

export function formatDiscoveryPorts(ports: EndpointPortView[] | undefined): string {
  const ps = ports ?? [];
  return listWithMore(ps.map((p) => (p.port != null ? String(p.port) : p.name != null ? p.name : '*')), ps.length);
}

export function formatDiscoveryEndpoints(eps: EndpointView[] | undefined): string {
  const addrs = (eps ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(addrs, addrs.length);
}

export const endpointSlice: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  schema: EndpointSliceSchema,
  generation: false,
  strategy: {
    defaults: defaultEndpointSlice,
    validate: (obj) => validateEndpointSlice(asEndpointSlice(obj)),
    validateUpdate(obj, old) {
      const n = asEndpointSlice(obj).addressType;
      return n !== asEndpointSlice(old).addressType ? [fieldErrors.invalid('addressType', n ?? '', 'field is immutable')] : [];
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'AddressType', type: 'string', description: 'The address family of the endpoints (IPv4, IPv6 or FQDN).' },
      { name: 'Ports', type: 'string', description: 'The ports every endpoint of the slice serves.' },
      { name: 'Endpoints', type: 'string', description: 'The addresses of the endpoints in the slice.' },
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const es = asEndpointSlice(obj);
      return [obj.metadata.name ?? '', es.addressType ?? '', formatDiscoveryPorts(es.ports), formatDiscoveryEndpoints(es.endpoints), ageCell(obj, now)];
    },
  },
};

export const resources: ResourceDef[] = [endpointSlice];
