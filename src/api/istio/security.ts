/**
 * security.istio.io AuthorizationPolicy: the schema of Istio's CRD (istio/api security/v1beta1,
 * identical in v1), written with our schema builders.
 */
import { s, type Schema } from '../schema/index.js';

const strings = (description: string): Schema => s.array(s.string(), { description });

const PolicyTargetReference = s.object(
  {
    group: s.string({ description: 'group is the group of the target resource.', maxLength: 253 }),
    kind: s.string({ description: 'kind is kind of the target resource.', maxLength: 63, minLength: 1 }),
    name: s.string({ description: 'name is the name of the target resource.', maxLength: 253, minLength: 1 }),
    namespace: s.string({ description: 'namespace is the namespace of the referent.' }),
  },
  { required: ['kind', 'name'], description: 'Optional. The targetRef specifies the gateway the policy should be applied to.' },
);

const Source = s.object({
  principals: strings('Optional. A list of peer identities derived from the peer certificate.'),
  notPrincipals: strings('Optional. A list of negative match of peer identities.'),
  requestPrincipals: strings('Optional. A list of request identities derived from the JWT.'),
  notRequestPrincipals: strings('Optional. A list of negative match of request identities.'),
  namespaces: strings('Optional. A list of namespaces derived from the peer certificate.'),
  notNamespaces: strings('Optional. A list of negative match of namespaces.'),
  serviceAccounts: s.array(s.string(), { description: 'Optional. A list of Kubernetes service accounts derived from the peer certificate.', maxItems: 16 }),
  notServiceAccounts: s.array(s.string(), { description: 'Optional. A list of negative match of service accounts.', maxItems: 16 }),
  ipBlocks: strings('Optional. A list of IP blocks, populated from the source address of the IP packet.'),
  notIpBlocks: strings('Optional. A list of negative match of IP blocks.'),
  remoteIpBlocks: strings('Optional. A list of IP blocks, populated from X-Forwarded-For header or proxy protocol.'),
  notRemoteIpBlocks: strings('Optional. A list of negative match of remote IP blocks.'),
});

const Operation = s.object({
  hosts: strings('Optional. A list of hosts as specified in the HTTP request.'),
  notHosts: strings('Optional. A list of negative match of hosts as specified in the HTTP request.'),
  ports: strings('Optional. A list of ports as specified in the connection.'),
  notPorts: strings('Optional. A list of negative match of ports as specified in the connection.'),
  methods: strings('Optional. A list of methods as specified in the HTTP request.'),
  notMethods: strings('Optional. A list of negative match of methods as specified in the HTTP request.'),
  paths: strings('Optional. A list of paths as specified in the HTTP request.'),
  notPaths: strings('Optional. A list of negative match of paths.'),
});

export const AuthorizationPolicySpec = s.object(
  {
    selector: s.object({ matchLabels: s.map(s.string(), { description: 'One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.' }) }, { description: 'Optional. The selector decides where to apply the authorization policy.' }),
    targetRef: PolicyTargetReference,
    targetRefs: s.array(PolicyTargetReference, { description: 'Optional. The targetRefs specifies a list of resources the policy should be applied to.', maxItems: 16 }),
    rules: s.array(
      s.object({
        from: s.array(s.object({ source: Source }), { description: 'Optional. from specifies the source of a request.' }),
        to: s.array(s.object({ operation: Operation }), { description: 'Optional. to specifies the operation of a request.' }),
        when: s.array(
          s.object(
            {
              key: s.string({ description: 'The name of an Istio attribute.' }),
              values: strings('Optional. A list of allowed values for the attribute.'),
              notValues: strings('Optional. A list of negative match of values for the attribute.'),
            },
            { required: ['key'] },
          ),
          { description: 'Optional. when specifies a list of additional conditions of a request.' },
        ),
      }),
      { description: 'Optional. A list of rules to match the request.', maxItems: 512 },
    ),
    action: s.enumOf(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'], { description: 'Optional. The action to take if the request is matched with the rules. Default is ALLOW if not specified.' }),
    provider: s.object({ name: s.string({ description: 'Specifies the name of the extension provider.' }) }, { description: 'Specifies detailed configuration of the CUSTOM action.' }),
  },
  { description: 'Configuration for access control on workloads. See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html' },
);
