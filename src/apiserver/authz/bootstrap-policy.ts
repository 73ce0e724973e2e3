/**
 * The default ClusterRoles and ClusterRoleBindings an apiserver creates at start (upstream
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go, clusterRoles() and
 * clusterRoleBindings()), plus the roles of Flotilla's own components. Each carries the
 * `kubernetes.io/bootstrapping: rbac-defaults` label and the
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` annotation. Pure data.
 *
 * Flotilla's additions (named `system:flotilla:*`):
 * - `system:flotilla:kube-controller-manager`: upstream's controller manager gives each controller
 *   its own service account (--use-service-account-credentials); ours run as one identity, so this
 *   role carries the union of what our controllers read and write (upstream's per-controller
 *   `system:controller:*` roles, restricted to the controllers we have).
 * - `system:flotilla:node-services`: the node agent runs the service proxy, cluster DNS and
 *   NetworkPolicy enforcement with the node's own credentials (k3s does the same); those read
 *   Services, EndpointSlices, Pods, Namespaces and NetworkPolicies cluster-wide. Bound to the
 *   group system:nodes.
 */
import type { PolicyRule, V1ClusterRole, V1ClusterRoleBinding } from '../../api/rbac/v1/index.js';

export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];
const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

const LEGACY = '';
const APPS = 'apps';
const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';
const AUTOSCALING = 'autoscaling';
const BATCH = 'batch';
const CERTIFICATES = 'certificates.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const EXTENSIONS = 'extensions';
const POLICY = 'policy';
const RBAC = 'rbac.authorization.k8s.io';
const STORAGE = 'storage.k8s.io';
const NETWORKING = 'networking.k8s.io';
const EVENTS = 'events.k8s.io';
const SCHEDULING = 'scheduling.k8s.io';

function rule(verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule {
  return { verbs, apiGroups: groups, resources, ...(names ? { resourceNames: names } : {}) };
}
function urls(verbs: string[], list: string[]): PolicyRule {
  return { verbs, nonResourceURLs: list };
}
const eventsRule = () => rule(['create', 'update', 'patch'], [LEGACY, EVENTS], ['events']);

/** upstream NodeRules(): what the Node authorizer grants a node (system:node ClusterRole too). */
export function nodeRules(): PolicyRule[] {
  return [
    rule(['create'], [AUTHN], ['tokenreviews']),
    rule(['create'], [AUTHZ], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    rule(READ, [LEGACY], ['services']),
    rule(['create', 'get', 'list', 'watch'], [LEGACY], ['nodes']),
    rule(['update', 'patch'], [LEGACY], ['nodes/status']),
    rule(['update', 'patch'], [LEGACY], ['nodes']),
    rule(['create', 'update', 'patch'], [LEGACY], ['events']),
    rule(READ, [LEGACY], ['pods']),
    rule(['create', 'delete'], [LEGACY], ['pods']),
    rule(['update', 'patch'], [LEGACY], ['pods/status']),
    rule(['create'], [LEGACY], ['pods/eviction']),
    rule(['get', 'list', 'watch'], [LEGACY], ['secrets', 'configmaps']),
    rule(['get'], [LEGACY], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [LEGACY], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [COORDINATION], ['leases']),
    rule(['get'], [STORAGE], ['volumeattachments']),
    rule(['create'], [LEGACY], ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], [LEGACY], ['persistentvolumeclaims/status']),
    rule(['get', 'watch', 'list'], [STORAGE], ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [STORAGE], ['csinodes']),
    rule(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
  ];
}

interface RoleSpec {
  name: string;
  labels?: Record<string, string>;
  rules?: PolicyRule[];
  aggregateFrom?: string;
}

const AGG = (to: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

const ROLES: RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'system:discovery', rules: [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])] },
  { name: 'system:monitoring', rules: [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])] },
  { name: 'system:basic-user', rules: [rule(['create'], [AUTHZ], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], [AUTHN], ['selfsubjectreviews'])] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])] },
  { name: 'admin', aggregateFrom: 'admin' },
  { name: 'edit', labels: AGG('admin'), aggregateFrom: 'edit' },
  { name: 'view', labels: AGG('edit'), aggregateFrom: 'view' },
  {
    name: 'system:aggregate-to-admin',
    labels: AGG('admin'),
    rules: [rule(['create'], [AUTHZ], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC], ['roles', 'rolebindings'])],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: AGG('edit'),
    rules: [
      rule(READ, [LEGACY], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
      rule(['impersonate'], [LEGACY], ['serviceaccounts']),
      rule(WRITE, [LEGACY], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      rule(['create'], [LEGACY], ['pods/eviction']),
      rule(WRITE, [LEGACY], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
      rule(['create'], [LEGACY], ['serviceaccounts/token']),
      rule(WRITE, [APPS], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
      rule(WRITE, [AUTOSCALING], ['horizontalpodautoscalers']),
      rule(WRITE, [BATCH], ['jobs', 'cronjobs']),
      rule(WRITE, [EXTENSIONS], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
      rule(WRITE, [POLICY], ['poddisruptionbudgets']),
      rule(WRITE, [NETWORKING], ['networkpolicies', 'ingresses']),
      rule(READ_WRITE, [COORDINATION], ['leases']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: AGG('view'),
    rules: [
      rule(READ, [LEGACY], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
      rule(READ, [LEGACY], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
      rule(READ, [LEGACY], ['namespaces']),
      rule(READ, [DISCOVERY], ['endpointslices']),
      rule(READ, [APPS], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
      rule(READ, [AUTOSCALING], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, [BATCH], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(READ, [EXTENSIONS], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
      rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, [NETWORKING], ['networkpolicies', 'ingresses', 'ingresses/status']),
    ],
  },
  { name: 'system:heapster', rules: [rule(READ, [LEGACY], ['events', 'pods', 'nodes', 'namespaces']), rule(READ, [EXTENSIONS], ['deployments'])] },
  { name: 'system:node', rules: nodeRules() },
  { name: 'system:node-problem-detector', rules: [rule(['get'], [LEGACY], ['nodes']), rule(['patch'], [LEGACY], ['nodes/status']), eventsRule()] },
  {
    name: 'system:kubelet-api-admin',
    rules: [rule(['get', 'list', 'watch'], [LEGACY], ['nodes']), rule(['proxy'], [LEGACY], ['nodes']), rule(['*'], [LEGACY], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log'])],
  },
  { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests'])] },
  { name: 'system:auth-delegator', rules: [rule(['create'], [AUTHN], ['tokenreviews']), rule(['create'], [AUTHZ], ['subjectaccessreviews'])] },
  { name: 'system:kube-aggregator', rules: [rule(READ, [LEGACY], ['services', 'endpoints'])] },
  {
    name: 'system:kube-controller-manager',
    rules: [
      eventsRule(),
      rule(['create'], [COORDINATION], ['leases']),
      rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-controller-manager']),
      rule(['create'], [LEGACY], ['secrets', 'serviceaccounts']),
      rule(['delete'], [LEGACY], ['secrets']),
      rule(['get'], [LEGACY], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule(['update'], [LEGACY], ['secrets', 'serviceaccounts']),
      rule(['create'], [AUTHN], ['tokenreviews']),
      rule(['create'], [AUTHZ], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [LEGACY], ['serviceaccounts/token']),
    ],
  },
  { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [LEGACY], ['endpoints', 'services'])] },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      rule(['get', 'list', 'watch', 'create', 'delete'], [LEGACY], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [LEGACY], ['persistentvolumeclaims']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(['watch'], [LEGACY], ['events']),
      eventsRule(),
    ],
  },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule(['create'], [CERTIFICATES], ['certificatesigningrequests/nodeclient'])] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule(['create'], [CERTIFICATES], ['certificatesigningrequests/selfnodeclient'])] },
  {
    name: 'system:volume-scheduler',
    rules: [rule(READ_UPDATE, [LEGACY], ['persistentvolumes']), rule(READ, [STORAGE], ['storageclasses']), rule(READ_UPDATE, [LEGACY], ['persistentvolumeclaims'])],
  },
  { name: 'system:certificates.k8s.io:legacy-unknown-approver', rules: [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/legacy-unknown'])] },
  { name: 'system:certificates.k8s.io:kubelet-serving-approver', rules: [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kubelet-serving'])] },
  { name: 'system:certificates.k8s.io:kube-apiserver-client-approver', rules: [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client'])] },
  { name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', rules: [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])] },
  { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])] },
  {
    name: 'system:node-proxier',
    rules: [rule(['list', 'watch'], [LEGACY], ['services', 'endpoints']), rule(['get', 'list', 'watch'], [LEGACY], ['nodes']), eventsRule(), rule(['list', 'watch'], [DISCOVERY], ['endpointslices'])],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      eventsRule(),
      rule(['create'], [COORDINATION], ['leases']),
      rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-scheduler']),
      rule(READ, [LEGACY], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [LEGACY], ['pods']),
      rule(['create'], [LEGACY], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [LEGACY], ['pods/status']),
      rule(READ, [LEGACY], ['services', 'replicationcontrollers']),
      rule(READ, [APPS, EXTENSIONS], ['replicasets']),
      rule(READ, [APPS], ['statefulsets']),
      rule(READ, [POLICY], ['poddisruptionbudgets']),
      rule(READ, [LEGACY], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], [AUTHN], ['tokenreviews']),
      rule(['create'], [AUTHZ], ['subjectaccessreviews']),
      rule(READ, [STORAGE], ['csinodes']),
      rule(READ, [LEGACY], ['namespaces']),
      rule(READ, [STORAGE], ['csidrivers']),
      rule(READ, [STORAGE], ['csistoragecapacities']),
    ],
  },
  {
    name: 'system:flotilla:kube-controller-manager',
    rules: [
      rule(READ_WRITE, [LEGACY], ['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts', 'replicationcontrollers', 'podtemplates', 'resourcequotas', 'persistentvolumeclaims', 'events']),
      rule(['get', 'list', 'watch', 'update', 'patch', 'delete'], [LEGACY], ['nodes', 'namespaces', 'persistentvolumes']),
      rule(['update', 'patch'], [LEGACY], ['pods/status', 'nodes/status', 'services/status', 'namespaces/status', 'namespaces/finalize', 'replicationcontrollers/status', 'resourcequotas/status', 'persistentvolumeclaims/status']),
      rule(['get', 'update', 'patch'], ['*'], ['*/scale']),
      rule(READ, [LEGACY], ['limitranges']),
      rule(['create'], [LEGACY], ['pods/eviction', 'pods/binding', 'serviceaccounts/token']),
      rule(READ_WRITE, [APPS], ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'controllerrevisions']),
      rule(['update', 'patch'], [APPS], ['deployments/status', 'replicasets/status', 'statefulsets/status', 'daemonsets/status', 'deployments/finalizers', 'replicasets/finalizers', 'statefulsets/finalizers', 'daemonsets/finalizers']),
      rule(READ_WRITE, [BATCH], ['jobs', 'cronjobs']),
      rule(['update', 'patch'], [BATCH], ['jobs/status', 'cronjobs/status', 'jobs/finalizers', 'cronjobs/finalizers']),
      rule(READ_WRITE, [DISCOVERY], ['endpointslices']),
      rule(READ_WRITE, [COORDINATION], ['leases']),
      rule(READ_WRITE, [POLICY], ['poddisruptionbudgets']),
      rule(['update', 'patch'], [POLICY], ['poddisruptionbudgets/status']),
      rule(READ_UPDATE, [AUTOSCALING], ['horizontalpodautoscalers']),
      rule(['update', 'patch'], [AUTOSCALING], ['horizontalpodautoscalers/status']),
      rule(READ_WRITE, [EVENTS], ['events']),
      rule(READ, [NETWORKING], ['networkpolicies', 'ingresses', 'ingressclasses']),
      rule([...READ, 'create'], [SCHEDULING], ['priorityclasses']),
    ],
  },
  {
    name: 'system:flotilla:node-services',
    rules: [
      rule(['list', 'watch'], [LEGACY], ['services', 'endpoints', 'pods', 'namespaces']),
      rule(['list', 'watch'], [DISCOVERY], ['endpointslices']),
      rule(['list', 'watch'], [NETWORKING], ['networkpolicies']),
    ],
  },
];

interface BindingSpec {
  name: string;
  role?: string;
  users?: string[];
  groups?: string[];
  serviceAccounts?: [string, string][];
}

const BINDINGS: BindingSpec[] = [
  { name: 'cluster-admin', groups: ['system:masters'] },
  { name: 'system:monitoring', groups: ['system:monitoring'] },
  { name: 'system:discovery', groups: ['system:authenticated'] },
  { name: 'system:basic-user', groups: ['system:authenticated'] },
  { name: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
  { name: 'system:node-proxier', users: ['system:kube-proxy'] },
  { name: 'system:kube-controller-manager', users: ['system:kube-controller-manager'] },
  { name: 'system:kube-dns', serviceAccounts: [['kube-system', 'kube-dns']] },
  { name: 'system:kube-scheduler', users: ['system:kube-scheduler'] },
  { name: 'system:volume-scheduler', users: ['system:kube-scheduler'] },
  // Deprecated since the Node authorizer; kept without subjects, as upstream.
  { name: 'system:node' },
  { name: 'system:service-account-issuer-discovery', groups: ['system:serviceaccounts'] },
  { name: 'system:flotilla:kube-controller-manager', users: ['system:kube-controller-manager'] },
  { name: 'system:flotilla:node-services', groups: ['system:nodes'] },
];

function meta(name: string, labels?: Record<string, string>) {
  return { name, labels: { ...(labels ?? {}), ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } };
}

/** Fresh copies of the default ClusterRoles. */
export function bootstrapClusterRoles(): V1ClusterRole[] {
  return ROLES.map((r) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(r.name, r.labels),
    ...(r.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: AGG(r.aggregateFrom) }] }, rules: [] } : { rules: structuredClone(r.rules ?? []) }),
  }));
}

/** Fresh copies of the default ClusterRoleBindings. */
export function bootstrapClusterRoleBindings(): V1ClusterRoleBinding[] {
  return BINDINGS.map((b) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(b.name),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: b.role ?? b.name },
    subjects: [
      ...(b.groups ?? []).map((name) => ({ kind: 'Group', apiGroup: RBAC, name })),
      ...(b.users ?? []).map((name) => ({ kind: 'User', apiGroup: RBAC, name })),
      ...(b.serviceAccounts ?? []).map(([namespace, name]) => ({ kind: 'ServiceAccount', name, namespace })),
    ],
  }));
}
