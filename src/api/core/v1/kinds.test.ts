import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTypes, findUnknownFields, applyDefaults } from '../../schema/engine/index.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../types.js';
import { resources } from './index.js';

const now = new Date('2026-11-24T08:00:00Z');
const ctx: StrategyContext = { now, user: { username: 'admin', groups: ['system:masters'] }, subresource: '' };
const byKind = (kind: string): ResourceDef => resources.find((r) => r.kind === kind)!;

/** What the generic store does on create, minus generic metadata. */
function create(obj: KubeObject): { obj: KubeObject; errors: string[] } {
  const def = byKind(obj.kind);
  const o = structuredClone(obj);
  o.metadata.creationTimestamp ??= '2026-11-24T07:00:00Z';
  applyDefaults(o, def.schema);
  def.strategy?.defaults?.(o);
  def.strategy?.prepareForCreate?.(o, ctx);
  const errors = (def.strategy?.validate?.(o, ctx) ?? []).map(String);
  return { obj: o, errors };
}

const seed: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'worker-node-1',
      labels: {
        'node-role.kubernetes.io/worker': '',
        'node.kubernetes.io/instance-type': 'm5.2xlarge',
        'topology.kubernetes.io/zone': 'us-east-1a',
        'workload-type': 'compute-optimized',
      },
    },
    spec: { taints: [{ key: 'workload-type', value: 'compute-optimized', effect: 'NoSchedule' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'myapp-service', namespace: 'production' },
    spec: { selector: { app: 'myapp', version: 'blue' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }], type: 'ClusterIP' },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'myapp-config', namespace: 'production' },
    data: { 'app.yaml': 'server:\n  port: 8080\n' },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tls-certificate', namespace: 'production' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t', 'tls.key': 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t' },
  },
];

test('seed objects: schema knows every field, types fit, validation passes', () => {
  for (const obj of seed) {
    const def = byKind(obj.kind);
    assert.deepEqual(findUnknownFields(obj, def.schema), [], obj.kind);
    assert.deepEqual(checkTypes(obj, def.schema), [], obj.kind);
    const { errors } = create(obj);
    assert.deepEqual(errors, [], obj.kind);
  }
});

test('a pod as a real server returns it has no unknown fields', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u', resourceVersion: '1', creationTimestamp: '2026-11-24T07:00:00Z', labels: { a: 'b' } },
    spec: {
      volumes: [
        { name: 'kube-api-access', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }] } },
        { name: 'data', persistentVolumeClaim: { claimName: 'c' } },
        { name: 'tmp', emptyDir: { sizeLimit: '1Gi', medium: 'Memory' } },
        { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        { name: 'cfg', configMap: { name: 'cm', defaultMode: 420, optional: true } },
        { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
        { name: 'csi', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { a: 'b' } } },
        { name: 'eph', ephemeral: { volumeClaimTemplate: { metadata: { labels: { x: 'y' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast' } } } },
        { name: 'nfs', nfs: { server: 'nfs.local', path: '/exports' } },
      ],
      initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'], restartPolicy: 'Always', startupProbe: { grpc: { port: 9000, service: '' } } }],
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          ports: [{ name: 'http', containerPort: 80, protocol: 'TCP', hostIP: '0.0.0.0' }],
          env: [
            { name: 'A', value: '1' },
            { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
            { name: 'C', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
            { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          ],
          envFrom: [{ prefix: 'X_', configMapRef: { name: 'cm' } }, { secretRef: { name: 's', optional: false } }],
          resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '250m', memory: '256Mi' }, claims: [{ name: 'gpu' }] },
          resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true, recursiveReadOnly: 'IfPossible', subPath: 'x', mountPropagation: 'None' }],
          livenessProbe: { httpGet: { path: '/h', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] }, initialDelaySeconds: 3, terminationGracePeriodSeconds: 10 },
          readinessProbe: { tcpSocket: { port: 80 } },
          startupProbe: { exec: { command: ['true'] } },
          lifecycle: { preStop: { sleep: { seconds: 5 } }, postStart: { exec: { command: ['true'] } } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'FallbackToLogsOnError',
          imagePullPolicy: 'IfNotPresent',
          securityContext: {
            capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
            runAsNonRoot: true,
            runAsUser: 1000,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            seccompProfile: { type: 'RuntimeDefault' },
            appArmorProfile: { type: 'RuntimeDefault' },
            seLinuxOptions: { level: 's0:c123,c456' },
          },
          stdin: false,
          tty: false,
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      activeDeadlineSeconds: 100,
      dnsPolicy: 'ClusterFirst',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: 'default',
      serviceAccount: 'default',
      automountServiceAccountToken: true,
      nodeName: 'n1',
      hostNetwork: false,
      shareProcessNamespace: false,
      securityContext: { fsGroup: 2000, supplementalGroups: [3000], sysctls: [{ name: 'net.core.somaxconn', value: '1024' }], fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
      imagePullSecrets: [{ name: 'regcred' }],
      hostname: 'h',
      subdomain: 'sub',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'k', operator: 'Exists' }] } }],
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash'] } }],
        },
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }, topologyKey: 'zone', namespaces: ['default'], namespaceSelector: {} }] },
      },
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
      priorityClassName: 'high',
      priority: 1000,
      dnsConfig: { nameservers: ['1.1.1.1'], searches: ['ns1.svc.cluster-domain.example'], options: [{ name: 'ndots', value: '2' }] },
      readinessGates: [{ conditionType: 'example.com/feature-1' }],
      runtimeClassName: 'runc',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      overhead: { cpu: '10m' },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } }, minDomains: 2, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore' }],
      setHostnameAsFQDN: false,
      os: { name: 'linux' },
      hostUsers: true,
      schedulingGates: [{ name: 'example.com/gate' }],
      resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-24T07:00:05Z' }],
      hostIP: '10.0.0.1',
      hostIPs: [{ ip: '10.0.0.1' }],
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      startTime: '2026-11-24T07:00:00Z',
      qosClass: 'Burstable',
      containerStatuses: [
        {
          name: 'app',
          state: { running: { startedAt: '2026-11-24T07:00:03Z' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-11-24T06:00:00Z', finishedAt: '2026-11-24T06:59:00Z', containerID: 'containerd://abc' } },
          ready: true,
          restartCount: 1,
          image: 'docker.io/library/nginx:1.27',
          imageID: 'docker.io/library/nginx@sha256:abc',
          containerID: 'containerd://def',
          started: true,
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true, recursiveReadOnly: 'Disabled' }],
          user: { linux: { uid: 1000, gid: 1000, supplementalGroups: [3000] } },
        },
      ],
    },
  } as unknown as KubeObject;
  const def = byKind('Pod');
  assert.deepEqual(findUnknownFields(pod, def.schema), []);
  assert.deepEqual(checkTypes(pod, def.schema), []);
  const { errors } = create(pod);
  assert.deepEqual(errors, []);
});

test('service defaults as upstream', () => {
  const { obj } = create(seed[1]!);
  assert.deepEqual(obj.spec, {
    selector: { app: 'myapp', version: 'blue' },
    ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  const np = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }).obj;
  assert.equal((np.spec as { externalTrafficPolicy: string }).externalTrafficPolicy, 'Cluster');
  assert.deepEqual((np.spec as { ports: unknown }).ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
});

test('service validation: bad port, names, DNS-1035 name, immutable clusterIP', () => {
  const { errors } = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 0, name: 'a' }, { port: 70000 }], type: 'Bogus' } });
  assert.ok(errors.includes('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'), errors.join('\n'));
  assert.ok(errors.includes('spec.ports[1].name: Required value'), errors.join('\n'));
  assert.ok(errors.includes('spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'), errors.join('\n'));
  const svc = byKind('Service');
  assert.equal(svc.validateName!('1abc', false).length, 1);
  assert.deepEqual(svc.validateName!('abc', false), []);
  const old = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }], clusterIP: '10.96.0.10' } }).obj;
  const upd = structuredClone(old);
  (upd.spec as { clusterIP: string; clusterIPs: string[] }).clusterIP = '10.96.0.11';
  (upd.spec as { clusterIP: string; clusterIPs: string[] }).clusterIPs = ['10.96.0.11'];
  assert.deepEqual(svc.strategy!.validateUpdate!(upd, old, ctx).map(String), ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
  // An update that leaves clusterIP out keeps the allocated one.
  const put = structuredClone(old);
  delete (put.spec as { clusterIP?: string }).clusterIP;
  delete (put.spec as { clusterIPs?: string[] }).clusterIPs;
  svc.strategy!.prepareForUpdate!(put, old, ctx);
  assert.equal((put.spec as { clusterIP: string }).clusterIP, '10.96.0.10');
});

test('secret types: tls needs tls.crt and tls.key; stringData merges into data', () => {
  const { errors } = create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==' } });
  assert.deepEqual(errors, ['data[tls.key]: Required value']);
  const dj = create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'nope' } });
  assert.deepEqual(dj.errors, ['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'n\' looking for beginning of value']);
  const { obj } = create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'héllo' } });
  assert.deepEqual(obj.data, { password: Buffer.from('héllo').toString('base64') });
  assert.equal(obj.type, 'Opaque');
  assert.equal(obj.stringData, undefined);
  const sa = create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/service-account-token' });
  assert.deepEqual(sa.errors, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
});

test('configmap keys and total size', () => {
  const big = 'x'.repeat(1024 * 1024);
  const { errors } = create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a/b': 'x', ok: big } });
  assert.ok(errors.some((e) => e.startsWith('data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters')), errors.join('\n'));
  assert.ok(errors.includes('Too long: may not be more than 1048576 bytes'), errors.join('\n'));
  const cm = byKind('ConfigMap');
  const old = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, immutable: true, data: { a: '1' } } as KubeObject;
  const upd = { ...old, data: { a: '2' } } as KubeObject;
  assert.deepEqual(cm.strategy!.validateUpdate!(upd, old, ctx).map(String), ['data: Forbidden: field is immutable when `immutable` is set']);
});

test('node taints: effect enum, key syntax, uniqueness', () => {
  const { errors } = create({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n' },
    spec: { taints: [{ key: 'a', effect: 'NoWay' }, { key: 'bad key', effect: 'NoSchedule' }, { key: 'a', effect: 'NoWay' }, { key: 'x' }] },
  });
  assert.ok(errors.includes('spec.taints[0].effect: Unsupported value: "NoWay": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('spec.taints[1].key: Invalid value: "bad key": name part must consist of alphanumeric characters')), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('spec.taints[2]: Duplicate value: ') && e.endsWith('taints must be unique by key and effect pair')), errors.join('\n'));
  assert.ok(errors.includes('spec.taints[3].effect: Required value'), errors.join('\n'));
});

test('namespace: label, finalizer, phase, DNS label names', () => {
  const { obj, errors } = create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'production' } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.metadata.labels, { 'kubernetes.io/metadata.name': 'production' });
  assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(obj.status, { phase: 'Active' });
  const ns = byKind('Namespace');
  assert.equal(ns.validateName!('a.b', false).length, 1);
  assert.deepEqual(ns.table!.cells(obj, now), ['production', 'Active', '60m']);
});

test('tables: services, nodes, configmaps, secrets, endpoints, events, quotas', () => {
  const svc = create(seed[1]!).obj;
  (svc.spec as { clusterIPs: string[] }).clusterIPs = ['10.96.12.34'];
  assert.deepEqual(byKind('Service').table!.cells(svc, now), ['myapp-service', 'ClusterIP', '10.96.12.34', '<none>', '80/TCP', '60m', 'app=myapp,version=blue']);
  const lb = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 443, nodePort: 30443 }] } }).obj;
  assert.deepEqual(byKind('Service').table!.cells(lb, now).slice(1, 5), ['LoadBalancer', '<none>', '<pending>', '443:30443/TCP']);
  const node = create(seed[0]!).obj;
  (node as { status?: unknown }).status = {
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '10.0.1.20' }],
    nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.24' },
  };
  (node.spec as { unschedulable: boolean }).unschedulable = true;
  assert.deepEqual(byKind('Node').table!.cells(node, now), [
    'worker-node-1', 'Ready,SchedulingDisabled', 'worker', '60m', 'v1.32.0', '10.0.1.20', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'containerd://1.7.24',
  ]);
  assert.deepEqual(byKind('ConfigMap').table!.cells(create(seed[2]!).obj, now), ['myapp-config', 1, '60m']);
  assert.deepEqual(byKind('Secret').table!.cells(create(seed[3]!).obj, now), ['tls-certificate', 'kubernetes.io/tls', 2, '60m']);
  const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', creationTimestamp: '2026-11-24T07:59:00Z' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }] } as KubeObject;
  assert.deepEqual(byKind('Endpoints').table!.cells(ep, now), ['e', '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...', '60s']);
  const ev = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'p.123', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled', message: 'Container image pulled ', type: 'Normal', source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: '2026-11-24T07:50:00Z', lastTimestamp: '2026-11-24T07:58:00Z', count: 3,
  } as KubeObject;
  assert.deepEqual(byKind('Event').table!.cells(ev, now), ['2m', 'Normal', 'Pulled', 'pod/p', 'spec.containers{app}', 'kubelet, n1', 'Container image pulled', '10m', 3, 'p.123']);
  assert.deepEqual(create(ev).errors, []);
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', creationTimestamp: '2026-11-24T07:00:00Z' }, status: { hard: { 'requests.cpu': '2', 'limits.memory': '4Gi', pods: '10' }, used: { 'requests.cpu': '500m', pods: '3' } } } as KubeObject;
  assert.deepEqual(byKind('ResourceQuota').table!.cells(quota, now), ['q', '60m', 'pods: 3/10, requests.cpu: 500m/2', 'limits.memory: 0/4Gi']);
});

test('field selectors: events, secrets, nodes, namespaces, replicationcontrollers', () => {
  const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p', uid: 'u1' }, reason: 'Killing', type: 'Warning', reportingComponent: 'kubelet' } as KubeObject;
  const f = byKind('Event').fieldSelectors!;
  assert.equal(f['involvedObject.kind']!(ev), 'Pod');
  assert.equal(f['involvedObject.uid']!(ev), 'u1');
  assert.equal(f['involvedObject.namespace']!(ev), '');
  assert.equal(f['reason']!(ev), 'Killing');
  assert.equal(f['type']!(ev), 'Warning');
  assert.equal(f['source']!(ev), 'kubelet');
  assert.equal(byKind('Secret').fieldSelectors!['type']!(create(seed[3]!).obj), 'kubernetes.io/tls');
  assert.equal(byKind('Node').fieldSelectors!['spec.unschedulable']!(create(seed[0]!).obj), 'false');
  assert.equal(byKind('Namespace').fieldSelectors!['status.phase']!(create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }).obj), 'Active');
  const rc = create({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'r' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } });
  assert.deepEqual(rc.errors, []);
  assert.deepEqual((rc.obj.spec as { selector: unknown }).selector, { a: 'b' });
  assert.equal(byKind('ReplicationController').fieldSelectors!['status.replicas']!(rc.obj), '0');
});

test('discovery facts: short names, categories, subresources', () => {
  const short = Object.fromEntries(resources.map((r) => [r.plural, r.shortNames ?? []]));
  assert.deepEqual(short.pods, ['po']);
  assert.deepEqual(short.services, ['svc']);
  assert.deepEqual(short.resourcequotas, ['quota']);
  assert.deepEqual(short.limitranges, ['limits']);
  assert.deepEqual(resources.filter((r) => r.categories?.includes('all')).map((r) => r.plural).sort(), ['pods', 'replicationcontrollers', 'services']);
  assert.deepEqual(resources.filter((r) => r.subresources?.status).map((r) => r.plural).sort(), [
    'namespaces', 'nodes', 'persistentvolumeclaims', 'persistentvolumes', 'pods', 'replicationcontrollers', 'resourcequotas', 'services',
  ]);
  assert.ok(byKind('ReplicationController').subresources!.scale);
});

test('limit ranges default container limits and requests; PVCs need storage', () => {
  const { obj, errors } = create({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' } }] } });
  assert.deepEqual(errors, []);
  assert.deepEqual((obj.spec as { limits: unknown[] }).limits[0], { type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' }, default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '64Mi' } });
  const pvc = create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'] } });
  assert.deepEqual(pvc.errors, ['spec.resources[storage]: Required value']);
  assert.equal((pvc.obj.status as { phase: string }).phase, 'Pending');
  assert.equal((pvc.obj.spec as { volumeMode: string }).volumeMode, 'Filesystem');
  const pv = create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } });
  assert.deepEqual(pv.errors, []);
  assert.deepEqual(byKind('PersistentVolume').table!.cells(pv.obj, now), ['v', '1Gi', 'RWO', 'Retain', 'Pending', '', '', '<unset>', '', '60m', 'Filesystem']);
});

test('service type change NodePort → ClusterIP drops the fields that no longer apply', () => {
  const svc = byKind('Service');
  const old = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', clusterIP: '10.96.0.7', ports: [{ port: 80, nodePort: 30080 }] } }).obj;
  const upd = structuredClone(old);
  (upd.spec as { type: string }).type = 'ClusterIP';
  applyDefaults(upd, svc.schema);
  svc.strategy!.defaults!(upd);
  svc.strategy!.prepareForUpdate!(upd, old, ctx);
  const errs = [...svc.strategy!.validate!(upd, ctx), ...svc.strategy!.validateUpdate!(upd, old, ctx)].map(String);
  assert.deepEqual(errs, []);
  assert.deepEqual((upd.spec as { ports: unknown }).ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal((upd.spec as { externalTrafficPolicy?: string }).externalTrafficPolicy, undefined);
  assert.equal((upd.spec as { clusterIP: string }).clusterIP, '10.96.0.7');
});

test('null list items and map values decode to zero values (no hook throws)', () => {
  const { obj, errors } = create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: null } },
    spec: { containers: [{ name: 'a', image: 'x:1', env: [null], ports: [null], command: [null] }], volumes: [null], tolerations: [null] },
  } as unknown as KubeObject);
  const spec = obj.spec as { containers: { env: unknown[]; command: unknown[] }[]; volumes: unknown[] };
  assert.deepEqual(spec.containers[0]!.command, ['']);
  assert.deepEqual(spec.volumes, [{ emptyDir: {} }]);
  assert.ok(errors.includes('spec.volumes[0].name: Required value'), errors.join('\n'));
  assert.ok(errors.includes('spec.containers[0].env[0].name: Required value'), errors.join('\n'));
  assert.ok(errors.includes('spec.containers[0].ports[0].containerPort: Required value'), errors.join('\n'));
});
