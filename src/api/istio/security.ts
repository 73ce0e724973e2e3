/**
 * security.istio.io AuthorizationPolicy: the schema of Istio's CRD (istio/api security/v1beta1,
 * identical in v1), written with our schema builders.
 */
import { s, type Schema } from '../schema/index.js';

const strings = (description: string): Schema => s.array(s.string(), { description });

const PolicyTargetReference = s.object(
  {
    group: s.string({ description: 'API group of the resource the policy is attached to.', maxLength: 253 }),
    kind: s.string({ description: 'Kind of the resource the policy is attached to.', maxLength: 63, minLength: 1 }),
    name: s.string({ description: 'Name of the resource the policy is attached to.', maxLength: 253, minLength: 1 }),
    namespace: s.string({ description: 'Namespace of that resource.' }),
  },
  { required: ['kind', 'name'], description: 'A single resource (such as a Gateway) the policy is attached to, instead of a workload selector.' },
);

const Source = s.object({
  principals: strings('Mutual-TLS peer identities the request may come from.'),
  notPrincipals: strings('Mutual-TLS peer identities the request must not come from.'),
  requestPrincipals: strings('JWT request identities (issuer/subject) the request may carry.'),
  notRequestPrincipals: strings('JWT request identities the request must not carry.'),
  namespaces: strings('Namespaces of the calling workload, taken from its mutual-TLS identity.'),
  notNamespaces: strings('Caller namespaces that do not match.'),
  serviceAccounts: s.array(s.string(), { description: 'Service accounts of the calling workload, taken from its mutual-TLS identity.', maxItems: 16 }),
  notServiceAccounts: s.array(s.string(), { description: 'Caller service accounts that do not match.', maxItems: 16 }),
  ipBlocks: strings('Addresses or CIDR ranges matched against the packet source address.'),
  notIpBlocks: strings('Packet source ranges that do not match.'),
  remoteIpBlocks: strings('Addresses or CIDR ranges matched against the original client address (X-Forwarded-For or PROXY protocol).'),
  notRemoteIpBlocks: strings('Original client ranges that do not match.'),
});

const Operation = s.object({
  hosts: strings('Request hosts (Host/authority) that match.'),
  notHosts: strings('Request hosts that do not match.'),
  ports: strings('Destination ports that match.'),
  notPorts: strings('Destination ports that do not match.'),
  methods: strings('HTTP methods that match (for gRPC, always POST).'),
  notMethods: strings('HTTP methods that do not match.'),
  paths: strings('Request paths that match (exact, prefix* or *suffix).'),
  notPaths: strings('Request paths that do not match.'),
});

export const AuthorizationPolicySpec = s.object(
  {
    selector: s.object({ matchLabels: s.map(s.string(), { description: 'Labels a workload (pod or VM) must carry for the policy to apply to it.' }) }, { description: 'Which workloads in the namespace the policy covers; all of them when unset.' }),
    targetRef: PolicyTargetReference,
    targetRefs: s.array(PolicyTargetReference, { description: 'Resources (such as Gateways) the policy is attached to, instead of a workload selector.', maxItems: 16 }),
    rules: s.array(
      s.object({
        from: s.array(s.object({ source: Source }), { description: 'Conditions on who sends the request; any entry may match.' }),
        to: s.array(s.object({ operation: Operation }), { description: 'Conditions on what the request does; any entry may match.' }),
        when: s.array(
          s.object(
            {
              key: s.string({ description: 'The request attribute to test, e.g. request.headers[x-user].' }),
              values: strings('Values of the attribute that match.'),
              notValues: strings('Values of the attribute that do not match.'),
            },
            { required: ['key'] },
          ),
          { description: 'Further conditions on request attributes; all must hold.' },
        ),
      }),
      { description: 'Rules a request is checked against; the action applies when any of them matches.', maxItems: 512 },
    ),
    action: s.enumOf(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'], { description: 'What happens to a request that matches a rule: ALLOW (when unset), DENY, AUDIT or CUSTOM.' }),
    provider: s.object({ name: s.string({ description: 'The extension provider, as named in the mesh config.' }) }, { description: 'The external authorizer a CUSTOM policy delegates to.' }),
  },
  { description: 'Which requests to the selected workloads are allowed, denied or audited.' },
);
