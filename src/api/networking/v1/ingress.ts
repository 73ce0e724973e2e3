/** networking.k8s.io/v1 Ingress and IngressClass: typed views, defaults, validation, printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import {
  isDNS1035Label, isDNS1123Subdomain, isValidPathSegmentName, isValidPortName, isValidPortNum,
} from '../../validation/names.js';
import { AGE_COLUMN, NAME_COLUMN, ageCell, asRecord, goInvalid, keepOtherHalf, parseIP, regexError, resetStatus } from '../../apps/shared/index.js';
import { IngressClassSchema, IngressSchema } from './schema.js';

export interface ServiceBackendPort {
  name?: string;
  number?: number;
}
export interface TypedLocalObjectReference {
  apiGroup?: string;
  kind: string;
  name: string;
}
export interface IngressBackend {
  service?: { name: string; port?: ServiceBackendPort };
  resource?: TypedLocalObjectReference;
}
export interface HTTPIngressPath {
  path?: string;
  pathType?: string;
  backend: IngressBackend;
}
export interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}
export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}
export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  tls?: IngressTLS[];
  rules?: IngressRule[];
}
export interface IngressLoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ports?: { port: number; protocol: string; error?: string }[];
}
export interface IngressStatus {
  loadBalancer?: { ingress?: IngressLoadBalancerIngress[] };
}
/** Typed view of an Ingress. */
export interface Ingress extends KubeObject {
  spec?: IngressSpec;
  status?: IngressStatus;
}
export interface IngressClassParametersReference {
  apiGroup?: string;
  kind: string;
  name: string;
  scope?: string;
  namespace?: string;
}
/** Typed view of an IngressClass. */
export interface IngressClass extends KubeObject {
  spec?: { controller?: string; parameters?: IngressClassParametersReference };
}

export const asIngress = (o: KubeObject): Ingress => o as Ingress;
export const asIngressClass = (o: KubeObject): IngressClass => o as IngressClass;

/** The legacy class annotation that must agree with spec.ingressClassName. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** Annotation that marks the default IngressClass. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

const WILDCARD_FMT = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const WILDCARD_RE = new RegExp(`^${WILDCARD_FMT}$`);

/** validation.IsWildcardDNS1123Subdomain. */
export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!WILDCARD_RE.test(v))
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        WILDCARD_FMT,
        '*.example.com',
      ),
    );
  return errs;
}

function hostErrors(host: string): string[] {
  return host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
}

function validateTypedLocalObjectReference(ref: Partial<TypedLocalObjectReference>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup !== undefined) for (const m of isDNS1123Subdomain(ref.apiGroup)) errs.push(fieldErrors.invalid(`${path}.apiGroup`, ref.apiGroup, m));
  if (!ref.kind) errs.push(fieldErrors.required(`${path}.kind`, 'kind is required'));
  else for (const m of isValidPathSegmentName(ref.kind)) errs.push(fieldErrors.invalid(`${path}.kind`, ref.kind, m));
  if (!ref.name) errs.push(fieldErrors.required(`${path}.name`, 'name is required'));
  else for (const m of isValidPathSegmentName(ref.name)) errs.push(fieldErrors.invalid(`${path}.name`, ref.name, m));
  return errs;
}

/** validateIngressBackend. */
export function validateIngressBackend(b: IngressBackend, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (b.resource && b.service) return [fieldErrors.invalid(path, '', 'cannot set both resource and service backends')];
  if (b.resource) return validateTypedLocalObjectReference(b.resource, `${path}.resource`);
  if (!b.service) return [fieldErrors.invalid(path, '', 'resource or service backend is required')];
  const svc = b.service;
  if (!svc.name) errs.push(fieldErrors.required(`${path}.service.name`));
  else for (const m of isDNS1035Label(svc.name)) errs.push(fieldErrors.invalid(`${path}.service.name`, svc.name, m));
  const name = svc.port?.name ?? '';
  const num = svc.port?.number ?? 0;
  if (name && num) errs.push(fieldErrors.invalid(path, '', 'cannot set both port name & port number'));
  else if (name) for (const m of isValidPortName(name)) errs.push(fieldErrors.invalid(`${path}.service.port.name`, name, m));
  else if (num) for (const m of isValidPortNum(num)) errs.push(fieldErrors.invalid(`${path}.service.port.number`, num, m));
  else errs.push(fieldErrors.required(path, 'port name or number is required'));
  return errs;
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateHTTPIngressPath(p: HTTPIngressPath, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = p.path ?? '';
  if (p.pathType === undefined) {
    errs.push(fieldErrors.required(`${path}.pathType`, 'pathType must be specified'));
  } else if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, value, 'must be an absolute path'));
    if (value.length > 0) {
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(fieldErrors.invalid(`${path}.path`, value, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(fieldErrors.invalid(`${path}.path`, value, `cannot end with '${suf}'`));
    }
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value.length > 0 && !value.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, value, 'must be an absolute path'));
  } else {
    errs.push(fieldErrors.notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  }
  errs.push(...validateIngressBackend(p.backend ?? {}, `${path}.backend`));
  return errs;
}

/** ValidateIngressSpec plus the class-annotation check of ValidateIngressCreate. */
export function validateIngress(obj: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec ?? {};
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend)
    errs.push(goInvalid('spec', spec.rules, spec.rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const p = `spec.rules[${i}]`;
    if (rule.host) {
      if (parseIP(rule.host)) errs.push(fieldErrors.invalid(`${p}.host`, rule.host, 'must be a DNS name, not an IP address'));
      for (const m of hostErrors(rule.host)) errs.push(fieldErrors.invalid(`${p}.host`, rule.host, m));
    }
    if (rule.http) {
      const paths = rule.http.paths ?? [];
      if (paths.length === 0) errs.push(fieldErrors.required(`${p}.http.paths`));
      paths.forEach((hp, j) => errs.push(...validateHTTPIngressPath(hp, `${p}.http.paths[${j}]`)));
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    (tls.hosts ?? []).forEach((h, j) => {
      for (const m of hostErrors(h)) errs.push(fieldErrors.invalid(`spec.tls[${i}].hosts[${j}]`, h, m));
    });
    if (tls.secretName) for (const m of isDNS1123Subdomain(tls.secretName)) errs.push(fieldErrors.invalid(`spec.tls[${i}].secretName`, tls.secretName, m));
  });
  if (spec.ingressClassName !== undefined) {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(fieldErrors.invalid('spec.ingressClassName', spec.ingressClassName, m));
    const ann = obj.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
    if (ann !== undefined && ann !== spec.ingressClassName)
      errs.push(fieldErrors.invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, ann, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

/** ValidateIngressLoadBalancerStatus. */
export function validateIngressStatus(status: IngressStatus | undefined): FieldError[] {
  const errs: FieldError[] = [];
  (status?.loadBalancer?.ingress ?? []).forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (ing.ip && !parseIP(ing.ip)) errs.push(fieldErrors.invalid(`${p}.ip`, ing.ip, 'must be a valid IP address'));
    if (ing.hostname) {
      for (const m of isDNS1123Subdomain(ing.hostname)) errs.push(fieldErrors.invalid(`${p}.hostname`, ing.hostname, m));
      if (parseIP(ing.hostname)) errs.push(fieldErrors.invalid(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

export const ingressStrategy: Strategy = {
  prepareForCreate: (obj) => resetStatus(obj, { loadBalancer: {} }),
  prepareForUpdate: keepOtherHalf,
  validate: (obj, ctx) => (ctx.subresource === 'status' ? validateIngressStatus(asIngress(obj).status) : validateIngress(asIngress(obj))),
};

/** printers.go formatHosts: up to three hosts, `*` when none. */
export function formatIngressHosts(rules: IngressRule[] | undefined): string {
  const rs = rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const r of rs) {
    if (list.length === 3) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rs.length - 3} more...` : list.join(',');
}

/** ingressLoadBalancerStatusStringer (server-side tables print wide: no truncation). */
export function formatIngressAddress(status: IngressStatus | undefined): string {
  const set = new Set<string>();
  for (const i of status?.loadBalancer?.ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

export const ingress: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  schema: IngressSchema,
  subresources: { status: true },
  strategy: ingressStrategy,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Class', type: 'string', description: 'The IngressClass that handles this Ingress.' },
      { name: 'Hosts', type: 'string', description: 'The host names the rules match.' },
      { name: 'Address', type: 'string', description: 'The load-balancer addresses reported in status.' },
      { name: 'Ports', type: 'string', description: 'The ports served: 80, plus 443 when TLS is configured.' },
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const i = asIngress(obj);
      return [
        obj.metadata.name ?? '',
        i.spec?.ingressClassName ?? '<none>',
        formatIngressHosts(i.spec?.rules),
        formatIngressAddress(i.status),
        (i.spec?.tls ?? []).length ? '80, 443' : '80',
        ageCell(obj, now),
      ];
    },
  },
};

/** Upstream SetDefaults_IngressClass: parameters.scope defaults to Cluster. */
export function defaultIngressClass(obj: KubeObject): void {
  const params = asRecord(asRecord(obj.spec)?.parameters);
  if (params && (params.scope === undefined || params.scope === null)) params.scope = 'Cluster';
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);

/** validation.IsDomainPrefixedPath. */
function validateDomainPrefixedPath(v: string | undefined, path: string): FieldError[] {
  if (!v) return [fieldErrors.required(path)];
  const slash = v.indexOf('/');
  const host = slash < 0 ? v : v.slice(0, slash);
  const rest = slash < 0 ? '' : v.slice(slash + 1);
  if (slash < 0 || !host || !rest) return [fieldErrors.invalid(path, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => fieldErrors.invalid(path, host, m));
  if (!HTTP_PATH_RE.test(rest)) errs.push(fieldErrors.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

/** ValidateIngressClass (spec part). */
export function validateIngressClassSpec(ic: IngressClass): FieldError[] {
  const errs: FieldError[] = [];
  const spec = ic.spec ?? {};
  if ((spec.controller ?? '').length > 250) errs.push(fieldErrors.tooLong('spec.controller', spec.controller, 250));
  errs.push(...validateDomainPrefixedPath(spec.controller, 'spec.controller'));
  const params = spec.parameters;
  if (params) {
    const p = 'spec.parameters';
    errs.push(...validateTypedLocalObjectReference(params, p));
    if (params.scope === undefined) errs.push(fieldErrors.required(`${p}.scope`));
    else if (params.scope !== 'Cluster' && params.scope !== 'Namespace') errs.push(fieldErrors.notSupported(`${p}.scope`, params.scope, ['Cluster', 'Namespace']));
    else if (params.scope === 'Namespace') {
      if (params.namespace === undefined) errs.push(fieldErrors.required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
      else for (const m of isDNS1123Subdomain(params.namespace)) errs.push(fieldErrors.invalid(`${p}.namespace`, params.namespace, m));
    } else if (params.namespace !== undefined) errs.push(fieldErrors.forbidden(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export const ingressClass: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  schema: IngressClassSchema,
  strategy: {
    defaults: defaultIngressClass,
    validate: (obj) => validateIngressClassSpec(asIngressClass(obj)),
    validateUpdate(obj, old) {
      const n = asIngressClass(obj).spec?.controller;
      const o = asIngressClass(old).spec?.controller;
      return n !== o ? [fieldErrors.invalid('spec.controller', n ?? '', 'field is immutable')] : [];
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Controller', type: 'string', description: 'The controller that implements this class.' },
      { name: 'Parameters', type: 'string', description: 'The resource holding extra configuration for the controller, if any.' },
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const spec = asIngressClass(obj).spec;
      let params = '<none>';
      if (spec?.parameters) {
        params = spec.parameters.kind;
        if (spec.parameters.apiGroup !== undefined) params += `.${spec.parameters.apiGroup}`;
        params += `/${spec.parameters.name}`;
      }
      return [obj.metadata.name ?? '', spec?.controller ?? '', params, ageCell(obj, now)];
    },
  },
};
