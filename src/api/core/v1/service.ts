/** The core/v1 Service resource: schema, defaults, ValidateService(Update), table, field selectors. */
import { s } from '../../schema/index.js';
import { Condition, kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { isValidPortNum } from '../../validation/names.js';
import type { IntOrString } from './pod-types.js';
import { validatePortNumOrName } from './pod-validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, formatLabels } from './table-util.js';
import { FieldError } from '../../../lib/field-error.js';
import {
  type Errs,
  FieldPath,
  arr,
  duplicate,
  forbidden,
  invalid,
  isIP,
  isIPv4,
  isIPv6,
  msgs,
  nameIsDNS1035Label,
  notSupported,
  required,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateLabels,
  validateQualifiedName,
} from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

export const ServicePort = s.object(
  {
    name: s.string({ description: 'The name of this port within the service. Must be a DNS_LABEL; required when there are several ports.' }),
    protocol: s.string({ default: 'TCP', enum: ['SCTP', 'TCP', 'UDP'], description: 'The IP protocol for this port: TCP, UDP, or SCTP. Default is TCP.' }),
    appProtocol: s.string(),
    port: s.int32(),
    targetPort: s.intOrString({ description: "Number or name of the port to access on the pods targeted by the service. Defaults to 'port'." }),
    nodePort: s.int32(),
  },
  { id: `${CORE}.ServicePort`, required: ['port'] },
);

export const ServiceSpec = s.object(
  {
    ports: s.array(ServicePort, {
      mergeKey: 'port',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['port', 'protocol'],
    }),
    selector: s.map(s.string(), { 'x-kubernetes-map-type': 'atomic' }),
    clusterIP: s.string({ description: 'The IP address of the service, usually assigned randomly; "None" for a headless service.' }),
    clusterIPs: s.array(s.string(), { listType: 'atomic', description: 'IP addresses assigned to this service; the first equals clusterIP.' }),
    type: s.string({ enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], description: 'How the Service is exposed: ExternalName, ClusterIP, NodePort, and LoadBalancer. Defaults to ClusterIP.' }),
    externalIPs: s.array(s.string(), { listType: 'atomic' }),
    sessionAffinity: s.string({ enum: ['ClientIP', 'None'] }),
    loadBalancerIP: s.string({ description: 'Deprecated: only applies to type LoadBalancer.' }),
    loadBalancerSourceRanges: s.array(s.string(), { listType: 'atomic', description: 'Client IP ranges allowed through the cloud-provider load-balancer.' }),
    externalName: s.string({ description: 'The external reference returned as a CNAME record (type ExternalName).' }),
    externalTrafficPolicy: s.string({ enum: ['Cluster', 'Local'], description: 'How nodes distribute service traffic received on external addresses: Cluster or Local.' }),
    healthCheckNodePort: s.int32({ description: 'Health-check node port (type LoadBalancer with externalTrafficPolicy Local).' }),
    publishNotReadyAddresses: s.bool({ description: 'Publish addresses of pods that are not ready.' }),
    sessionAffinityConfig: s.object(
      {
        clientIP: s.object(
          { timeoutSeconds: s.int32({ description: 'Seconds of ClientIP session stickiness (0 < x <= 86400, default 10800).' }) },
          { id: `${CORE}.ClientIPConfig` },
        ),
      },
      { id: `${CORE}.SessionAffinityConfig` },
    ),
    ipFamilies: s.array(s.string({ enum: ['IPv4', 'IPv6'] }), { listType: 'atomic', description: 'IPv4 and/or IPv6, in the order of clusterIPs.' }),
    ipFamilyPolicy: s.string({ enum: ['PreferDualStack', 'RequireDualStack', 'SingleStack'], description: 'SingleStack, PreferDualStack or RequireDualStack.' }),
    allocateLoadBalancerNodePorts: s.bool({ description: 'Whether NodePorts are allocated for LoadBalancer services. Defaults to true.' }),
    loadBalancerClass: s.string({ description: 'The class of the load balancer implementation.' }),
    internalTrafficPolicy: s.string({ enum: ['Cluster', 'Local'], description: 'How nodes distribute service traffic received on the ClusterIP: Cluster or Local.' }),
    trafficDistribution: s.string({ description: 'How traffic is distributed to endpoints, e.g. PreferClose.' }),
  },
  { id: `${CORE}.ServiceSpec` },
);

const PortStatus = s.object(
  { port: s.int32(), protocol: s.string(), error: s.string() },
  { id: `${CORE}.PortStatus`, required: ['port', 'protocol'] },
);

export const LoadBalancerStatus = s.object(
  {
    ingress: s.array(
      s.object(
        { ip: s.string(), hostname: s.string(), ipMode: s.string(), ports: s.array(PortStatus, { listType: 'atomic' }) },
        { id: `${CORE}.LoadBalancerIngress` },
      ),
      { listType: 'atomic' },
    ),
  },
  { id: `${CORE}.LoadBalancerStatus` },
);

export const ServiceSchema = kindSchema(
  `${CORE}.Service`,
  { group: '', version: 'v1', kind: 'Service' },
  {
    spec: { ...ServiceSpec, description: 'The behavior of the service.' },
    status: s.object(
      {
        loadBalancer: { ...LoadBalancerStatus, description: 'The current status of the load-balancer, if one is present.' },
        conditions: s.array(Condition, { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
      },
      { id: `${CORE}.ServiceStatus`, description: 'Most recently observed status of the service. Read-only.' },
    ),
  },
  { description: 'A named abstraction of software service (for example, mysql) consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.' },
);

// ------------------------------------------------------------------ views

interface V1ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port?: number;
  targetPort?: IntOrString;
  nodePort?: number;
}
export interface V1ServiceSpec {
  ports?: V1ServicePort[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalIPs?: string[];
  sessionAffinity?: string;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerClass?: string;
  internalTrafficPolicy?: string;
  trafficDistribution?: string;
}
export interface V1Service extends KubeObject {
  spec?: V1ServiceSpec;
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] }; conditions?: unknown[] };
}
const asService = (o: KubeObject) => o as V1Service;

// ------------------------------------------------------------------ defaults

/**
 * SetDefaults_Service plus the registry's field initialisation that does not need an allocator:
 * type ClusterIP, sessionAffinity None, port protocol TCP, targetPort = port, traffic policies,
 * allocateLoadBalancerNodePorts, ClientIP timeout, clusterIPs from clusterIP, ipFamilyPolicy
 * SingleStack and ipFamilies from the cluster IP's family (IPv4 when not yet allocated).
 */
export function defaultService(svc: V1Service): void {
  defaultServiceFields(svc);
  initServiceIpFamilies(svc);
}

/** SetDefaults_Service proper: everything but the IP family fields (see initServiceIpFamilies). */
function defaultServiceFields(svc: V1Service): void {
  const spec = (svc.spec ??= {});
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort == null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy == null && spec.type !== 'ExternalName') spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts == null) spec.allocateLoadBalancerNodePorts = true;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = (spec.sessionAffinityConfig ??= {});
    const ip = (cfg.clientIP ??= {});
    if (ip.timeoutSeconds == null) ip.timeoutSeconds = 10800;
  }
}

/**
 * The registry's IP family initialisation that needs no allocator (upstream's initIPFamilyFields
 * runs at create and, after the old values were carried over, at update): clusterIP and
 * clusterIPs in sync, the policy and the families defaulted.
 */
export function initServiceIpFamilies(svc: V1Service): void {
  const spec = (svc.spec ??= {});
  if (spec.type === 'ExternalName') return;
  if (spec.clusterIP && !(spec.clusterIPs ?? []).length) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && (spec.clusterIPs ?? []).length) spec.clusterIP = spec.clusterIPs![0];
  // As the registry's initIPFamilyFields: headless Services without a selector default to
  // RequireDualStack with both families (even on a single-stack cluster), all others to SingleStack.
  const headlessSelectorless = spec.clusterIPs?.[0] === 'None' && Object.keys(spec.selector ?? {}).length === 0;
  if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = headlessSelectorless ? 'RequireDualStack' : 'SingleStack';
  if (!(spec.ipFamilies ?? []).length) {
    const first = spec.clusterIPs?.[0];
    const fam = first && isIPv6(first) ? 'IPv6' : 'IPv4';
    spec.ipFamilies = headlessSelectorless && spec.ipFamilyPolicy !== 'SingleStack' ? [fam, fam === 'IPv4' ? 'IPv6' : 'IPv4'] : [fam];
  }
}

/** NodePort and LoadBalancer services, and ClusterIP services with external IPs. */
export function externallyAccessible(spec: V1ServiceSpec): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
}

const needsClusterIP = (s: V1ServiceSpec) => s.type !== 'ExternalName';
const needsNodePort = (s: V1ServiceSpec) => s.type === 'NodePort' || s.type === 'LoadBalancer';
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * dropTypeDependentFields: when the type changes, fields that no longer apply and that the user
 * left as they were (so were probably defaulted or allocated) are wiped.
 */
function dropTypeDependentFields(svc: V1Service, old: V1Service): void {
  const spec = (svc.spec ??= {});
  const os = old.spec ?? {};
  if (needsClusterIP(os) && !needsClusterIP(spec)) {
    if (same(spec.clusterIPs, os.clusterIPs) && (spec.clusterIP ?? '') === (os.clusterIP ?? '')) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(spec.ipFamilies, os.ipFamilies)) delete spec.ipFamilies;
    if (same(spec.ipFamilyPolicy, os.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(os) && !needsNodePort(spec) && same(arr(spec.ports).map((p) => p.nodePort ?? 0), arr(os.ports).map((p) => p.nodePort ?? 0)))
    for (const p of arr(spec.ports)) delete p.nodePort;
  const needsHC = (s: V1ServiceSpec) => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
  if (needsHC(os) && !needsHC(spec) && (spec.healthCheckNodePort ?? 0) === (os.healthCheckNodePort ?? 0)) delete spec.healthCheckNodePort;
  if (os.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts != null && spec.allocateLoadBalancerNodePorts === os.allocateLoadBalancerNodePorts)
      delete spec.allocateLoadBalancerNodePorts;
    if (same(spec.loadBalancerClass, os.loadBalancerClass)) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(os) && !externallyAccessible(spec) && (spec.externalTrafficPolicy ?? '') === (os.externalTrafficPolicy ?? ''))
    delete spec.externalTrafficPolicy;
  if (spec.type !== 'LoadBalancer') svc.status = { ...(svc.status ?? {}), loadBalancer: {} };
}

/**
 * The registry keeps allocated values across updates that omit them (a PUT without clusterIP,
 * nodePort or healthCheckNodePort keeps the old ones), as upstream's patchAllocatedValues.
 */
function keepAllocatedValues(svc: V1Service, old: V1Service): void {
  const spec = svc.spec ?? {};
  const os = old.spec ?? {};
  if (spec.type === 'ExternalName' || os.type === 'ExternalName') return;
  if (!spec.clusterIP && os.clusterIP) {
    spec.clusterIP = os.clusterIP;
    if (!(spec.clusterIPs ?? []).length || spec.clusterIPs![0] === os.clusterIP) spec.clusterIPs = os.clusterIPs;
  }
  // An update that leaves out the IP family fields keeps the old ones (upstream adopts the old
  // policy; the families follow the unchanged addresses).
  if (!spec.ipFamilyPolicy && os.ipFamilyPolicy) spec.ipFamilyPolicy = os.ipFamilyPolicy;
  if (!(spec.ipFamilies ?? []).length && (os.ipFamilies ?? []).length && same(spec.clusterIPs, os.clusterIPs)) spec.ipFamilies = os.ipFamilies;
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && (os.type === 'NodePort' || os.type === 'LoadBalancer')) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const match = (os.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
  }
  if (!spec.healthCheckNodePort && os.healthCheckNodePort && spec.externalTrafficPolicy === 'Local' && spec.type === 'LoadBalancer')
    spec.healthCheckNodePort = os.healthCheckNodePort;
}

// ------------------------------------------------------------------ validation

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

function isCIDR(v: string): boolean {
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length || ip === undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
  return isIPv4(ip) ? Number(bits) <= 32 : isIPv6(ip) ? Number(bits) <= 128 : false;
}

/** ValidateService (minus generic metadata). */
export function validateService(svc: V1Service): Errs {
  const errs: Errs = [];
  const spec = svc.spec ?? {};
  const sp = FieldPath.root('spec');
  const type = spec.type ?? '';
  const clusterIPs = arr(spec.clusterIPs);
  const headless = spec.clusterIP === 'None' || clusterIPs[0] === 'None';
  const ports = arr(spec.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required(sp.child('ports'), ''));
  switch (type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (type === 'LoadBalancer')
        ports.forEach((p, i) => {
          if (p.port === 10250) errs.push(invalid(sp.child('ports').index(i), p.port, 'may not expose port 10250 externally since it is used by kubelet'));
        });
      if (headless) errs.push(invalid(sp.child('clusterIPs').index(0), 'None', `may not be set to 'None' for ${type} services`));
      break;
    case 'ExternalName':
      if (clusterIPs.length > 0 || spec.clusterIP) errs.push(forbidden(sp.child('clusterIPs'), 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy) errs.push(forbidden(sp.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      if (arr(spec.ipFamilies).length) errs.push(forbidden(sp.child('ipFamilies'), 'may not be set for ExternalName services'));
      {
        const cname = (spec.externalName ?? '').replace(/\.$/, '');
        if (!cname) errs.push(required(sp.child('externalName'), ''));
        else errs.push(...validateDNS1123Subdomain(cname, sp.child('externalName')));
      }
      break;
  }
  const names = new Set<string>();
  const requireName = ports.length > 1;
  ports.forEach((port, i) => {
    const pp = sp.child('ports').index(i);
    if (requireName && !port.name) errs.push(required(pp.child('name'), ''));
    else if (port.name) {
      errs.push(...validateDNS1123Label(port.name, pp.child('name')));
      if (names.has(port.name)) errs.push(duplicate(pp.child('name'), port.name));
      else names.add(port.name);
    }
    errs.push(...msgs(pp.child('port'), port.port ?? 0, isValidPortNum(port.port ?? 0)));
    if (!port.protocol) errs.push(required(pp.child('protocol'), ''));
    else if (!PORT_PROTOCOLS.includes(port.protocol)) errs.push(notSupported(pp.child('protocol'), port.protocol, PORT_PROTOCOLS));
    errs.push(...validatePortNumOrName(port.targetPort, pp.child('targetPort')));
    if (port.appProtocol != null) errs.push(...validateQualifiedName(port.appProtocol, pp.child('appProtocol')));
  });
  if (spec.selector) errs.push(...validateLabels(spec.selector, sp.child('selector')));
  const affinity = spec.sessionAffinity ?? '';
  if (!affinity) errs.push(required(sp.child('sessionAffinity'), ''));
  else if (affinity !== 'ClientIP' && affinity !== 'None') errs.push(notSupported(sp.child('sessionAffinity'), affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const cp = sp.child('sessionAffinityConfig');
    const cfg = spec.sessionAffinityConfig;
    const why = 'when session affinity type is ClientIP';
    if (!cfg) errs.push(required(cp, why));
    else if (!cfg.clientIP) errs.push(required(cp.child('clientIP'), why));
    else if (cfg.clientIP.timeoutSeconds == null) errs.push(required(cp.child('clientIP').child('timeoutSeconds'), why));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS)
        errs.push(invalid(cp.child('clientIP').child('timeoutSeconds'), t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig != null) {
    errs.push(forbidden(sp.child('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }
  arr(spec.externalIPs).forEach((ip, i) => {
    const ipp = sp.child('externalIPs').index(i);
    if (!isIP(ip)) errs.push(invalid(ipp, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    else if (ip === '0.0.0.0' || ip === '::') errs.push(invalid(ipp, ip, 'may not be unspecified (0.0.0.0)'));
    else if (ip.startsWith('127.') || ip === '::1') errs.push(invalid(ipp, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  });
  if (!type) errs.push(required(sp.child('type'), ''));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported(sp.child('type'), type, SERVICE_TYPES));
  if (type === 'ClusterIP')
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(forbidden(sp.child('ports').index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const np = sp.child('ports').index(i).child('nodePort');
    errs.push(...msgs(np, p.nodePort, isValidPortNum(p.nodePort)));
    const key = `${p.protocol ?? ''}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(np, p.nodePort));
    nodePorts.add(key);
  });
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const key = JSON.stringify({ protocol: p.protocol ?? '', port: p.port ?? 0 });
    if (seenPorts.has(key)) errs.push(duplicate(sp.child('ports').index(i), JSON.parse(key)));
    seenPorts.add(key);
  });
  const ranges = arr(spec.loadBalancerSourceRanges);
  const rangesAnnotation = svc.metadata.annotations?.['service.beta.kubernetes.io/load-balancer-source-ranges'];
  if (ranges.length || rangesAnnotation != null) {
    // Upstream names this path with a capital L.
    const rp = ranges.length
      ? sp.child('LoadBalancerSourceRanges')
      : FieldPath.root('metadata').child('annotations').key('service.beta.kubernetes.io/load-balancer-source-ranges');
    const list = ranges.length ? ranges : (rangesAnnotation ?? '').split(',').filter((x) => x.trim() !== '');
    if (type !== 'LoadBalancer') errs.push(forbidden(rp, "may only be used when `type` is 'LoadBalancer'"));
    if (list.some((r) => !isCIDR(r.trim())))
      errs.push(invalid(rp, ranges.length ? `[${ranges.join(' ')}]` : rangesAnnotation, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
  }
  // externalTrafficPolicy / healthCheckNodePort
  const external = externallyAccessible(spec);
  if (!external) {
    if (spec.externalTrafficPolicy)
      errs.push(invalid(sp.child('externalTrafficPolicy'), spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else if (!spec.externalTrafficPolicy) errs.push(required(sp.child('externalTrafficPolicy'), ''));
  else if (spec.externalTrafficPolicy !== 'Cluster' && spec.externalTrafficPolicy !== 'Local')
    errs.push(notSupported(sp.child('externalTrafficPolicy'), spec.externalTrafficPolicy, ['Cluster', 'Local']));
  if (spec.healthCheckNodePort) {
    if (type !== 'LoadBalancer' || spec.externalTrafficPolicy !== 'Local')
      errs.push(invalid(sp.child('healthCheckNodePort'), spec.healthCheckNodePort, 'may only be set when `type` is \'LoadBalancer\' and `externalTrafficPolicy` is \'Local\''));
    else errs.push(...msgs(sp.child('healthCheckNodePort'), spec.healthCheckNodePort, isValidPortNum(spec.healthCheckNodePort)));
  }
  if (type !== 'ExternalName') {
    if (spec.internalTrafficPolicy == null) errs.push(required(sp.child('internalTrafficPolicy'), ''));
    else if (spec.internalTrafficPolicy !== 'Cluster' && spec.internalTrafficPolicy !== 'Local')
      errs.push(notSupported(sp.child('internalTrafficPolicy'), spec.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  if (type === 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts == null) errs.push(required(sp.child('allocateLoadBalancerNodePorts'), ''));
  } else {
    if (spec.allocateLoadBalancerNodePorts != null)
      errs.push(forbidden(sp.child('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
    if (spec.loadBalancerClass != null) errs.push(forbidden(sp.child('loadBalancerClass'), "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.loadBalancerClass != null) errs.push(...validateQualifiedName(spec.loadBalancerClass, sp.child('loadBalancerClass')));
  if (spec.trafficDistribution != null && spec.trafficDistribution !== 'PreferClose')
    errs.push(notSupported(sp.child('trafficDistribution'), spec.trafficDistribution, ['PreferClose']));
  errs.push(...validateClusterIPs(spec, sp));
  return errs;
}

function validateClusterIPs(spec: V1ServiceSpec, sp: FieldPath): Errs {
  const errs: Errs = [];
  const ips = arr(spec.clusterIPs);
  if (spec.type === 'ExternalName') return errs;
  if (spec.clusterIP && ips.length && ips[0] !== spec.clusterIP)
    errs.push(invalid(sp.child('clusterIPs'), ips, 'first value must match `clusterIP`'));
  ips.forEach((ip, i) => {
    const ipp = sp.child('clusterIPs').index(i);
    if (ip === 'None') {
      if (i !== 0 || ips.length > 1) errs.push(invalid(ipp, ip, 'may not be set to None when dual-stack IPs are specified'));
      return;
    }
    if (ip && !isIP(ip)) errs.push(invalid(ipp, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  if (ips.length > 2) errs.push(invalid(sp.child('clusterIPs'), ips, 'may only hold up to 2 values'));
  const policy = spec.ipFamilyPolicy;
  if (policy != null && !['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(policy))
    errs.push(notSupported(sp.child('ipFamilyPolicy'), policy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  const fams = arr(spec.ipFamilies);
  const seen = new Set<string>();
  fams.forEach((f, i) => {
    const fp = sp.child('ipFamilies').index(i);
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(notSupported(fp, f, ['IPv4', 'IPv6']));
    else if (seen.has(f)) errs.push(duplicate(fp, f));
    seen.add(f);
  });
  if (fams.length > 2) errs.push(invalid(sp.child('ipFamilies'), fams, 'may only hold up to 2 values'));
  if (policy === 'SingleStack' && (fams.length > 1 || ips.filter((x) => x !== 'None').length > 1))
    errs.push(invalid(sp.child('ipFamilyPolicy'), policy, 'must be RequireDualStack or PreferDualStack when multiple IP families are specified'));
  return errs;
}

/** An Invalid error whose bad value prints as Go's %#v of a []string, as upstream shows clusterIPs. */
class StringSliceInvalid extends FieldError {
  constructor(field: string, value: readonly string[], detail: string) {
    super('FieldValueInvalid', field, value, detail);
  }
  override body(): string {
    return `Invalid value: []string{${(this.badValue as string[]).map((x) => JSON.stringify(x)).join(', ')}}: ${this.detail}`;
  }
}
const stringSliceInvalid = (path: FieldPath, value: readonly string[], detail: string) => new StringSliceInvalid(String(path), value, detail);

/** ValidateServiceUpdate: allocated cluster IPs may not change (unless the type moves to/from ExternalName). */
export function validateServiceUpdate(svc: V1Service, old: V1Service): Errs {
  const errs: Errs = [];
  const spec = svc.spec ?? {};
  const os = old.spec ?? {};
  if (spec.type === 'ExternalName' || os.type === 'ExternalName') return errs;
  const newIPs = arr(spec.clusterIPs);
  arr(os.clusterIPs).forEach((ip, i) => {
    if (!ip) return;
    if (i === 0 && newIPs[0] !== ip) errs.push(stringSliceInvalid(FieldPath.root('spec').child('clusterIPs').index(0), newIPs, 'may not change once set'));
    else if (i > 0 && i < newIPs.length && newIPs[i] !== ip)
      errs.push(stringSliceInvalid(FieldPath.root('spec').child('clusterIPs').index(i), newIPs, 'may not change once set'));
  });
  const of = arr(os.ipFamilies);
  const nf = arr(spec.ipFamilies);
  if (of.length && nf.length && of[0] !== nf[0]) errs.push(invalid(FieldPath.root('spec').child('ipFamilies').index(0), nf[0], 'may not change once set'));
  return errs;
}

/** GetWarningsForService: fields that are set but ignored. */
export function serviceWarnings(svc: V1Service): string[] {
  const spec = svc.spec ?? {};
  const w: string[] = [];
  if (spec.type === 'ExternalName' && arr(spec.externalIPs).length) w.push('spec.externalIPs is ignored when spec.type is "ExternalName"');
  if (spec.type !== 'ExternalName' && arr(spec.clusterIPs)[0] === 'None') {
    if (spec.loadBalancerIP) w.push('spec.loadBalancerIP is ignored for headless services');
    if (arr(spec.externalIPs).length) w.push('spec.externalIPs is ignored for headless services');
    if (spec.sessionAffinity && spec.sessionAffinity !== 'None') w.push('spec.SessionAffinity is ignored for headless services');
  }
  return w;
}

// ------------------------------------------------------------------ table

function lbIngress(svc: V1Service, wide: boolean): string {
  const r = arr(svc.status?.loadBalancer?.ingress)
    .map((i) => i.ip || i.hostname || '')
    .filter(Boolean)
    .join(',');
  return !wide && r.length > 16 ? `${r.slice(0, 13)}...` : r;
}

function externalIP(svc: V1Service): string {
  const spec = svc.spec ?? {};
  const ext = arr(spec.externalIPs);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = lbIngress(svc, true);
      if (ext.length) return [...(lb ? lb.split(',') : []), ...ext].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP`, joined by commas. */
export function servicePortString(ports: V1ServicePort[] | undefined): string {
  return arr(ports)
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`))
    .join(',');
}

export const serviceResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  schema: ServiceSchema,
  subresources: { status: true },
  generation: false,
  validateName: nameIsDNS1035Label,
  strategy: {
    defaults: (o) => defaultServiceFields(asService(o)),
    prepareForCreate: (o) => {
      // ServiceStatus.LoadBalancer is a struct upstream: a new service shows `status: {loadBalancer: {}}`.
      asService(o).status = { loadBalancer: {} };
      initServiceIpFamilies(asService(o));
    },
    prepareForUpdate: (o, old, ctx) => {
      if (ctx.subresource === '') {
        asService(o).status = asService(old).status;
        dropTypeDependentFields(asService(o), asService(old));
        keepAllocatedValues(asService(o), asService(old));
        defaultService(asService(o));
      }
    },
    validate: (o) => validateService(asService(o)),
    validateUpdate: (o, old) => validateServiceUpdate(asService(o), asService(old)),
    warnings: (o) => serviceWarnings(asService(o)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
      col('Cluster-IP', 'string', 'The virtual IP the service is reached at inside the cluster.'),
      col('External-IP', 'string', 'Addresses outside the cluster the service answers on (load-balancer ingress or external IPs).'),
      col('Port(s)', 'string', 'The service ports with their protocols (and node ports).'),
      AGE_COLUMN,
      col('Selector', 'string', 'The labels choosing the pods that back the service.', 1),
    ],
    cells(o, now) {
      const svc = asService(o);
      const spec = svc.spec ?? {};
      return [
        o.metadata.name ?? '',
        spec.type ?? '',
        arr(spec.clusterIPs)[0] ?? '<none>',
        externalIP(svc),
        servicePortString(spec.ports) || '<none>',
        age(o, now),
        formatLabels(spec.selector),
      ];
    },
  },
  fieldSelectors: {
    'spec.clusterIP': (o) => asService(o).spec?.clusterIP ?? '',
    'spec.type': (o) => asService(o).spec?.type ?? '',
  },
};
