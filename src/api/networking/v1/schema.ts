/** Schemas of networking.k8s.io/v1 (k8s.io/api/networking/v1 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { LabelSelector, kindSchema } from '../../meta/v1.js';
import { TypedLocalObjectReferenceSchema } from '../../apps/shared/index.js';

const P = 'io.k8s.api.networking.v1';
const gvk = (kind: string) => ({ group: 'networking.k8s.io', version: 'v1', kind });

export const IPBlock = s.object(
  {
    cidr: s.string({ description: 'cidr is a string representing the IPBlock Valid examples are "192.168.1.0/24" or "2001:db8::/64"' }),
    except: s.array(s.string(), { listType: 'atomic', description: 'except is a slice of CIDRs that should not be included within an IPBlock. Except values will be rejected if they are outside the cidr range' }),
  },
  { id: `${P}.IPBlock`, required: ['cidr'] },
);

export const NetworkPolicyPeer = s.object(
  {
    podSelector: s.withOpts(LabelSelector, { description: 'podSelector is a label selector which selects pods.' }),
    namespaceSelector: s.withOpts(LabelSelector, { description: 'namespaceSelector selects namespaces using cluster-scoped labels.' }),
    ipBlock: s.withOpts(IPBlock, { description: 'ipBlock defines policy on a particular IPBlock.' }),
  },
  { id: `${P}.NetworkPolicyPeer` },
);

export const NetworkPolicyPort = s.object(
  {
    protocol: s.string({ description: 'protocol represents the protocol (TCP, UDP, or SCTP) which traffic must match. If not specified, this field defaults to TCP.' }),
    port: s.intOrString({ description: 'port represents the port on the given protocol. This can either be a numerical or named port on a pod.' }),
    endPort: s.int32({ description: 'endPort indicates that the range of ports from port to endPort if set, inclusive, should be allowed by the policy.' }),
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
    ingress: s.array(NetworkPolicyIngressRule, { listType: 'atomic', description: 'ingress is a list of ingress rules to be applied to the selected pods.' }),
    egress: s.array(NetworkPolicyEgressRule, { listType: 'atomic', description: 'egress is a list of egress rules to be applied to the selected pods.' }),
    policyTypes: s.array(s.string(), { listType: 'atomic', description: 'policyTypes is a list of rule types that the NetworkPolicy relates to. Valid options are ["Ingress"], ["Egress"], or ["Ingress", "Egress"].' }),
  },
  { id: `${P}.NetworkPolicySpec` },
);

export const NetworkPolicySchema: Schema = kindSchema(`${P}.NetworkPolicy`, gvk('NetworkPolicy'), { spec: NetworkPolicySpec }, {
  description: 'NetworkPolicy describes what network traffic is allowed for a set of Pods',
});

export const ServiceBackendPort = s.object(
  {
    name: s.string({ description: 'name is the name of the port on the Service. This is a mutually exclusive setting with "Number".' }),
    number: s.int32({ description: 'number is the numerical port number (e.g. 80) on the Service. This is a mutually exclusive setting with "Name".' }),
  },
  { id: `${P}.ServiceBackendPort`, 'x-kubernetes-map-type': 'atomic' },
);

export const TypedLocalObjectReference = TypedLocalObjectReferenceSchema;

export const IngressBackend = s.object(
  {
    service: s.object(
      { name: s.string({ description: 'name is the referenced service. The service must exist in the same namespace as the Ingress object.' }), port: ServiceBackendPort },
      { id: `${P}.IngressServiceBackend`, required: ['name'], description: 'service references a service as a backend.' },
    ),
    resource: s.withOpts(TypedLocalObjectReference, { description: 'resource is an ObjectRef to another Kubernetes resource in the namespace of the Ingress object.' }),
  },
  { id: `${P}.IngressBackend` },
);

export const HTTPIngressPath = s.object(
  {
    path: s.string({ description: 'path is matched against the path of an incoming request.' }),
    pathType: s.string({ description: 'pathType determines the interpretation of the path matching: Exact, Prefix or ImplementationSpecific.' }),
    backend: s.withOpts(IngressBackend, { description: 'backend defines the referenced service endpoint to which the traffic will be forwarded to.' }),
  },
  { id: `${P}.HTTPIngressPath`, required: ['pathType', 'backend'] },
);

export const IngressRule = s.object(
  {
    host: s.string({ description: 'host is the fully qualified domain name of a network host, as defined by RFC 3986.' }),
    http: s.object({ paths: s.array(HTTPIngressPath, { listType: 'atomic' }) }, { id: `${P}.HTTPIngressRuleValue`, required: ['paths'] }),
  },
  { id: `${P}.IngressRule` },
);

export const IngressTLS = s.object(
  {
    hosts: s.array(s.string(), { listType: 'atomic', description: 'hosts is a list of hosts included in the TLS certificate.' }),
    secretName: s.string({ description: 'secretName is the name of the secret used to terminate TLS traffic on port 443.' }),
  },
  { id: `${P}.IngressTLS` },
);

export const IngressSpec = s.object(
  {
    ingressClassName: s.string({ description: 'ingressClassName is the name of an IngressClass cluster resource.' }),
    defaultBackend: s.withOpts(IngressBackend, { description: 'defaultBackend is the backend that should handle requests that don\'t match any rule.' }),
    tls: s.array(IngressTLS, { listType: 'atomic', description: 'tls represents the TLS configuration.' }),
    rules: s.array(IngressRule, { listType: 'atomic', description: 'rules is a list of host rules used to configure the Ingress.' }),
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
  description: 'Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend.',
});

export const IngressClassParametersReference = s.object(
  {
    apiGroup: s.string(),
    kind: s.string(),
    name: s.string(),
    scope: s.string({ description: 'scope represents if this refers to a cluster or namespace scoped resource. This may be set to "Cluster" (default) or "Namespace".' }),
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
  { description: 'IngressClass represents the class of the Ingress, referenced by the Ingress Spec.' },
);
