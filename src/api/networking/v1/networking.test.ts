import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, StrategyContext } from '../../types.js';
import { networkPolicy, ingress, ingressClass } from './index.js';

const ctx: StrategyContext = { now: new Date('2026-01-01T00:00:00Z'), user: { username: 'u', groups: [] }, subresource: '' };
const np = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'production', creationTimestamp: '2025-12-31T23:59:00Z' },
  spec,
});
function run(def: typeof networkPolicy, obj: KubeObject): string[] {
  def.strategy!.defaults?.(obj);
  return def.strategy!.validate!(obj, ctx).map(String);
}

test('seed NetworkPolicies default and validate', () => {
  const deny = np('default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const egress = np('api-egress-policy', {
    podSelector: { matchLabels: { app: 'backend-api' } },
    policyTypes: ['Egress'],
    egress: [
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { ports: [{ protocol: 'TCP', port: 443 }], to: [{ namespaceSelector: {} }] },
      { ports: [{ protocol: 'TCP', port: 5432 }], to: [{ podSelector: { matchLabels: { app: 'postgresql' } } }] },
    ],
  });
  const fe = np('frontend-to-backend', {
    podSelector: { matchLabels: { app: 'backend-api' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }, { namespaceSelector: { matchLabels: { name: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  });
  for (const o of [deny, egress, fe]) assert.deepEqual(run(networkPolicy, o), []);
  assert.deepEqual(networkPolicy.table!.cells(fe, ctx.now), ['frontend-to-backend', 'app=backend-api', '60s']);
  assert.deepEqual(networkPolicy.table!.cells(deny, ctx.now), ['default-deny-all', '<none>', '60s']);
});

test('NetworkPolicy defaults: policyTypes derived, protocol TCP', () => {
  const o = np('x', { egress: [{ ports: [{ port: 53 }] }] });
  run(networkPolicy, o);
  assert.deepEqual(o.spec, { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
  const i = np('y', { podSelector: {} });
  run(networkPolicy, i);
  assert.deepEqual((i.spec as any).policyTypes, ['Ingress']);
});

test('NetworkPolicy errors carry upstream paths and messages', () => {
  const o = np('bad', {
    podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] },
    ingress: [
      {
        from: [{ ipBlock: { cidr: '10.0.0/8' } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16', '10.0.0.0/8'] }, podSelector: {} }, {}],
        ports: [{ protocol: 'ICMP', port: 80, endPort: 79 }, { port: 'http', endPort: 90 }],
      },
    ],
    policyTypes: ['Ingress', 'Egress', 'Both'],
  });
  assert.deepEqual(run(networkPolicy, o), [
    'spec.podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator',
    'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
    'spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
    'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`',
    'spec.ingress[0].from[1].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
    'spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
    'spec.ingress[0].from[2]: Required value: must specify a peer',
    'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Both"}: may not specify more than two policyTypes',
  ]);
});

test('Ingress validation and table', () => {
  const ing: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', creationTimestamp: '2025-12-31T23:59:00Z' },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['app.example.com'], secretName: 'tls' }],
      rules: [{ host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    },
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }] } },
  };
  assert.deepEqual(run(ingress, ing), []);
  assert.deepEqual(ingress.table!.cells(ing, ctx.now), ['web', 'nginx', 'app.example.com', '10.0.0.2,lb.example.com', '80, 443', '60s']);
  const bad: KubeObject = { ...ing, spec: { rules: [{ host: '1.2.3.4', http: { paths: [{ path: 'x', pathType: 'Exact', backend: {} }, { pathType: 'Regex', backend: { service: { name: 'web' } } }] } }] } };
  assert.deepEqual(run(ingress, bad), [
    'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
    'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
    'spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required',
    'spec.rules[0].http.paths[1].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    'spec.rules[0].http.paths[1].backend: Required value: port name or number is required',
  ]);
  assert.deepEqual(run(ingress, { ...ing, spec: {} }), ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
});

test('IngressClass defaults, validation, immutability', () => {
  const ic: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx' },
    spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Params', name: 'p', apiGroup: 'k8s.example.com' } },
  };
  assert.deepEqual(run(ingressClass, ic), []);
  assert.equal((ic.spec as any).parameters.scope, 'Cluster');
  assert.deepEqual(ingressClass.table!.cells(ic, ctx.now).slice(0, 3), ['nginx', 'k8s.io/ingress-nginx', 'Params.k8s.example.com/p']);
  const changed = structuredClone(ic);
  (changed.spec as any).controller = 'example.com/other';
  assert.deepEqual(ingressClass.strategy!.validateUpdate!(changed, ic, ctx).map(String), ['spec.controller: Invalid value: "example.com/other": field is immutable']);
  assert.deepEqual(run(ingressClass, { ...ic, spec: { controller: 'nginx' } }), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
});
