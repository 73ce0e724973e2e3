/** Schemas of networking.k8s.io/v1 (k8s.io/api/networking/v1 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { LabelSelector, kindSchema } from '../../meta/v1.js';
import { TypedLocalObjectReferenceSchema } from '../../apps/shared/index.js';

const P = 'io.k8s.api.networking.v1';
const gvk = (kind: string) => ({ group: 'networking.k8s.io', version: 'v1', kind });

export const IPBlock = s.object(
  {
    cidr: s.string(),
    except: s.array(s.string(), { listType: 'atomic', description: 'except is a slice of CIDRs that should not be included within an IPBlock. Except values will be rejected if they are outside the cidr range' }),
  },
  { id: `${P}.IPBlock`, required: ['cidr'] },
);

export const NetworkPolicyPeer = s.object(
  {
    podSelector: LabelSelector,
    namespaceSelector: LabelSelector,
    ipBlock: IPBlock,
  },
  { id: `${P}.NetworkPolicyPeer` },
);

export const NetworkPolicyPort = s.object(
  {
    protocol: s.string(),
    port: s.intOrString(),
    endPort: s.int32(),
  },
  { id: `${P}.NetworkPolicyPort` },
);

export const NetworkPolicyIngressRule = s.object(
  {
    ports: s.array(NetworkPolicyPort, { listType: 'atomic' }),
    from: s.array(NetworkPolicyPeer, { listType: 'atomic' }),
  },
  { id: `${P}.NetworkPolicyIngressRule` },
);

export const NetworkPolicyEgressRule = s.object(
  {
    ports: s.array(NetworkPolicyPort, { listType: 'atomic' }),
    to: s.array(NetworkPolicyPeer, { listType: 'atomic' }),
  },
  { id: `${P}.NetworkPolicyEgressRule` },
);

export const NetworkPolicySpec = s.object(
  {
    podSelector: s.withOpts(LabelSelector, { description: 'podSelector selects the pods to which this NetworkPolicy object applies. An empty selector matches all pods in this namespace.' }),
    ingress: s.array(NetworkPolicyIngressRule, { listType: 'atomic' }),
    egress: s.array(NetworkPolicyEgressRule, { listType: 'atomic' }),
    policyTypes: s.array(s.string(), { listType: 'atomic' }),
  },
  { id: `${P}.NetworkPolicySpec` },
);

export const NetworkPolicySchema: Schema = kindSchema(`${P}.NetworkPolicy`, gvk('NetworkPolicy'), { spec: NetworkPolicySpec }, {
});

export const ServiceBackendPort = s.object(
  {
    name: s.string(),
    number: s.int32(),
  },
  { id: `${P}.ServiceBackendPort`, 'x-kubernetes-map-type': 'atomic' },
);

export const TypedLocalObjectReference = TypedLocalObjectReferenceSchema;

export const IngressBackend = s.object(
  {
    service: s.object(
      { name: s.string(), port: ServiceBackendPort },
      { id: `${P}.IngressServiceBackend`, required: ['name'] },
    ),
    resource: TypedLocalObjectReference,
  },
  { id: `${P}.IngressBackend` },
);

export const HTTPIngressPath = s.object(
  {
    path: s.string(),
    pathType: s.string({ description: 'pathType determines the interpretation of the path matching: Exact, Prefix or ImplementationSpecific.' }),
    backend: IngressBackend,
  },
  { id: `${P}.HTTPIngressPath`, required: ['pathType', 'backend'] },
);

export const IngressRule = s.object(
  {
    host: s.string(),
    http: s.object({ paths: s.array(HTTPIngressPath, { listType: 'atomic' }) }, { id: `${P}.HTTPIngressRuleValue`, required: ['paths'] }),
  },
  { id: `${P}.IngressRule` },
);

export const IngressTLS = s.object(
  {
    hosts: s.array(s.string(), { listType: 'atomic' }),
    secretName: s.string(),
  },
  { id: `${P}.IngressTLS` },
);

export const IngressSpec = s.object(
  {
    ingressClassName: s.string(),
    defaultBackend: IngressBackend,
    tls: s.array(IngressTLS, { listType: 'atomic' }),
    rules: s.array(IngressRule, { listType: 'atomic' }),
  },
  { id: `${P}.IngressSpec` },
);

export const PortStatus = s.object(
  { port: s.int32(), protocol: s.string(), error: s.string() },
  { id: 'io.k8s.api.core.v1.PortStatus', required: ['port', 'protocol'] },
);

export const IngressStatus = s.object(
  {
    loadBalancer: s.object(
      {
        ingress: s.array(
          s.object(
            { ip: s.string(), hostname: s.string(), ports: s.array(PortStatus, { listType: 'atomic' }) },
            { id: `${P}.IngressLoadBalancerIngress` },
          ),
          { listType: 'atomic' },
        ),
      },
      { id: `${P}.IngressLoadBalancerStatus` },
    ),
  },
  { id: `${P}.IngressStatus` },
);

export const IngressSchema: Schema = kindSchema(`${P}.Ingress`, gvk('Ingress'), { spec: IngressSpec, status: IngressStatus }, {
});

export const IngressClassParametersReference = s.object(
  {
    apiGroup: s.string(),
    kind: s.string(),
    name: s.string(),
    scope: s.string(),
    namespace: s.string(),
  },
  { id: `${P}.IngressClassParametersReference`, required: ['kind', 'name'] },
);

export const IngressClassSchema: Schema = kindSchema(
  `${P}.IngressClass`,
  gvk('IngressClass'),
  {
    spec: s.object(
      {
        controller: s.string({ description: 'controller refers to the name of the controller that should handle this class, e.g. "example.com/ingress-controller". Immutable.' }),
        parameters: IngressClassParametersReference,
      },
      { id: `${P}.IngressClassSpec` },
    ),
  },
  {},
);
