/** The core/v1 Endpoints resource. */
import { s } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { isValidPortNum } from '../../validation/names.js';
import { ObjectReference } from './common-schema.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './table-util.js';
import {
  type Errs,
  FieldPath,
  arr,
  duplicate,
  msgs,
  nameIsDNSSubdomain,
  notSupported,
  required,
  validateDNS1123Label,
  validateIP,
  validateQualifiedName,
} from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

const EndpointAddress = s.object(
  {
    ip: s.string(),
    hostname: s.string({ description: 'The Hostname of this endpoint.' }),
    nodeName: s.string(),
    targetRef: ObjectReference,
  },
  { id: `${CORE}.EndpointAddress`, required: ['ip'], 'x-kubernetes-map-type': 'atomic' },
);

const EndpointPort = s.object(
  { name: s.string(), port: s.int32(), protocol: s.string(), appProtocol: s.string() },
  { id: `${CORE}.EndpointPort`, required: ['port'], 'x-kubernetes-map-type': 'atomic' },
);

export const EndpointSubset = s.object(
  {
    addresses: s.array(EndpointAddress, { listType: 'atomic', description: 'IP addresses which offer the related ports and are ready.' }),
    notReadyAddresses: s.array(EndpointAddress, { listType: 'atomic', description: 'IP addresses which offer the related ports but are not ready.' }),
    ports: s.array(EndpointPort, { listType: 'atomic' }),
  },
  { id: `${CORE}.EndpointSubset` },
);

export const EndpointsSchema = kindSchema(
  `${CORE}.Endpoints`,
  { group: '', version: 'v1', kind: 'Endpoints' },
  { subsets: s.array(EndpointSubset, { listType: 'atomic' }) },
  {},
);

interface V1EndpointAddress { ip?: string; hostname?: string; nodeName?: string }
interface V1EndpointSubset {
  addresses?: V1EndpointAddress[];
  notReadyAddresses?: V1EndpointAddress[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}
interface V1Endpoints extends KubeObject { subsets?: V1EndpointSubset[] }
const asEp = (o: KubeObject) => o as V1Endpoints;

function validateAddress(a: V1EndpointAddress, path: FieldPath): Errs {
  const errs: Errs = [];
  errs.push(...validateIP(a.ip ?? '', path.child('ip')));
  if (a.hostname) errs.push(...validateDNS1123Label(a.hostname, path.child('hostname')));
  if (a.nodeName) errs.push(...msgs(path.child('nodeName'), a.nodeName, nameIsDNSSubdomain(a.nodeName, false)));
  return errs;
}

/** ValidateEndpoints (minus generic metadata). */
export function validateEndpoints(ep: V1Endpoints): Errs {
  const errs: Errs = [];
  arr(ep.subsets).forEach((ss, i) => {
    const sp = FieldPath.root('subsets').index(i);
    if (arr(ss.addresses).length === 0 && arr(ss.notReadyAddresses).length === 0)
      errs.push(required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    arr(ss.addresses).forEach((a, j) => errs.push(...validateAddress(a, sp.child('addresses').index(j))));
    arr(ss.notReadyAddresses).forEach((a, j) => errs.push(...validateAddress(a, sp.child('notReadyAddresses').index(j))));
    const names = new Set<string>();
    const requireName = arr(ss.ports).length > 1;
    arr(ss.ports).forEach((p, j) => {
      const pp = sp.child('ports').index(j);
      if (requireName && !p.name) errs.push(required(pp.child('name'), ''));
      else if (p.name) {
        errs.push(...validateDNS1123Label(p.name, pp.child('name')));
        if (names.has(p.name)) errs.push(duplicate(pp.child('name'), p.name));
        names.add(p.name);
      }
      errs.push(...msgs(pp.child('port'), p.port ?? 0, isValidPortNum(p.port ?? 0)));
      if (!p.protocol) errs.push(required(pp.child('protocol'), ''));
      else if (!['SCTP', 'TCP', 'UDP'].includes(p.protocol)) errs.push(notSupported(pp.child('protocol'), p.protocol, ['SCTP', 'TCP', 'UDP']));
      if (p.appProtocol != null) errs.push(...validateQualifiedName(p.appProtocol, pp.child('appProtocol')));
    });
  });
  return errs;
}

/** formatEndpoints: up to three `ip:port` pairs, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: V1Endpoints): string {
  const subsets = arr(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addrs = arr(ss.addresses);
    if (arr(ss.ports).length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip ?? '');
      }
      continue;
    }
    for (const p of arr(ss.ports)) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(a.ip ?? '', p.port ?? 0));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  schema: EndpointsSchema,
  generation: false,
  strategy: {
    defaults: (o) => {
      for (const ss of arr(asEp(o).subsets)) for (const p of arr(ss.ports)) if (!p.protocol) p.protocol = 'TCP';
    },
    validate: (o) => validateEndpoints(asEp(o)),
  },
  table: {
    columns: [NAME_COLUMN, col('Endpoints', 'string', 'The first addresses and ports of the object (up to three, then a count of the rest).'), AGE_COLUMN],
    cells: (o, now) => [o.metadata.name ?? '', formatEndpoints(asEp(o)), age(o, now)],
  },
};
