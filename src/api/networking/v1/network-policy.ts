/** networking.k8s.io/v1 NetworkPolicy: typed view, defaults, validation, printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import { isValidPortName, isValidPortNum } from '../../validation/names.js';
import {
  AGE_COLUMN, INVALID_CIDR_MSG, NAME_COLUMN, ageCell, asRecord, cidrStrictSubset, formatLabelSelector, goInvalid, goStringSlice,
  parseCIDR, validateLabelSelector, type IntOrString, type LabelSelector,
} from '../../apps/shared/index.js';
import { NetworkPolicySchema } from './schema.js';

export interface IPBlock {
  cidr: string;
  except?: string[];
}
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}
export interface NetworkPolicyPort {
  protocol?: string;
  port?: IntOrString;
  endPort?: number;
}
export interface NetworkPolicyIngressRule {
  ports?: NetworkPolicyPort[];
  from?: NetworkPolicyPeer[];
}
export interface NetworkPolicyEgressRule {
  ports?: NetworkPolicyPort[];
  to?: NetworkPolicyPeer[];
}
export interface NetworkPolicySpec {
  podSelector?: LabelSelector;
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
  policyTypes?: string[];
}
/** Typed view of a NetworkPolicy. */
export interface NetworkPolicy extends KubeObject {
  spec?: NetworkPolicySpec;
}

export function asNetworkPolicy(obj: KubeObject): NetworkPolicy {
  return obj as NetworkPolicy;
}

/**
 * Upstream SetDefaults_NetworkPolicy / SetDefaults_NetworkPolicyPort: every port's protocol
 * defaults to TCP; empty policyTypes become ["Ingress"] plus "Egress" when egress rules exist.
 * The non-pointer podSelector is always serialized (`{}`). Idempotent.
 */
export function defaultNetworkPolicy(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as NetworkPolicySpec | undefined;
  if (!spec) {
    obj.spec = { podSelector: {}, policyTypes: ['Ingress'] };
    return;
  }
  if (!asRecord(spec.podSelector)) spec.podSelector = {};
  const ports = [...(spec.ingress ?? []).flatMap((r) => r?.ports ?? []), ...(spec.egress ?? []).flatMap((r) => r?.ports ?? [])];
  for (const p of ports) if (asRecord(p) && (p.protocol === undefined || p.protocol === null)) p.protocol = 'TCP';
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) spec.policyTypes.push('Egress');
  }
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** ValidateNetworkPolicyPort. */
export function validateNetworkPolicyPort(port: NetworkPolicyPort, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol))
    errs.push(fieldErrors.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  if (port.port !== undefined) {
    if (typeof port.port === 'number') {
      for (const msg of isValidPortNum(port.port)) errs.push(fieldErrors.invalid(`${path}.port`, port.port, msg));
      if (port.endPort !== undefined) {
        if (port.endPort < port.port) errs.push(fieldErrors.invalid(`${path}.endPort`, port.port, 'must be greater than or equal to `port`'));
        for (const msg of isValidPortNum(port.endPort)) errs.push(fieldErrors.invalid(`${path}.endPort`, port.endPort, msg));
      }
    } else {
      if (port.endPort !== undefined) errs.push(fieldErrors.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
      for (const msg of isValidPortName(port.port)) errs.push(fieldErrors.invalid(`${path}.port`, port.port, msg));
    }
  } else if (port.endPort !== undefined) {
    errs.push(fieldErrors.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

/** ValidateIPBlock. */
export function validateIPBlock(ipb: IPBlock, path: string): FieldError[] {
  if (!ipb.cidr) return [fieldErrors.required(`${path}.cidr`)];
  const errs: FieldError[] = [];
  if (!parseCIDR(ipb.cidr)) {
    errs.push(fieldErrors.invalid(`${path}.cidr`, ipb.cidr, INVALID_CIDR_MSG));
    return errs;
  }
  (ipb.except ?? []).forEach((ex, i) => {
    const p = `${path}.except[${i}]`;
    if (!parseCIDR(ex)) {
      errs.push(fieldErrors.invalid(p, ex, INVALID_CIDR_MSG));
      return;
    }
    if (!cidrStrictSubset(ipb.cidr, ex)) errs.push(fieldErrors.invalid(p, ex, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** ValidateNetworkPolicyPeer. */
export function validateNetworkPolicyPeer(peer: NetworkPolicyPeer, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (peer.podSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (peer.namespaceSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    n++;
    errs.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (n === 0) errs.push(fieldErrors.required(path, 'must specify a peer'));
  else if (n > 1 && peer.ipBlock) errs.push(fieldErrors.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** ValidateNetworkPolicySpec. */
export function validateNetworkPolicySpec(spec: NetworkPolicySpec | undefined): FieldError[] {
  const sp = spec ?? {};
  const errs: FieldError[] = [...validateLabelSelector(sp.podSelector, 'spec.podSelector')];
  (sp.ingress ?? []).forEach((rule, i) => {
    const p = `spec.ingress[${i}]`;
    (rule.ports ?? []).forEach((port, j) => errs.push(...validateNetworkPolicyPort(port, `${p}.ports[${j}]`)));
    (rule.from ?? []).forEach((peer, j) => errs.push(...validateNetworkPolicyPeer(peer, `${p}.from[${j}]`)));
  });
  (sp.egress ?? []).forEach((rule, i) => {
    const p = `spec.egress[${i}]`;
    (rule.to ?? []).forEach((peer, j) => errs.push(...validateNetworkPolicyPeer(peer, `${p}.to[${j}]`)));
    (rule.ports ?? []).forEach((port, j) => errs.push(...validateNetworkPolicyPort(port, `${p}.ports[${j}]`)));
  });
  const types = sp.policyTypes ?? [];
  if (types.length > 2) {
    errs.push(goInvalid('spec.policyTypes', types, goStringSlice('networking.PolicyType', types), 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(fieldErrors.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  return errs;
}

export const networkPolicyStrategy: Strategy = {
  defaults: defaultNetworkPolicy,
  validate: (obj) => validateNetworkPolicySpec(asNetworkPolicy(obj).spec),
};

export const networkPolicy: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  schema: NetworkPolicySchema,
  strategy: networkPolicyStrategy,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Pod-Selector', type: 'string', description: 'The label selector choosing the pods the policy applies to.' },
      AGE_COLUMN,
    ],
    cells: (obj, now) => [obj.metadata.name ?? '', formatLabelSelector(asNetworkPolicy(obj).spec?.podSelector ?? {}), ageCell(obj, now)],
  },
};
