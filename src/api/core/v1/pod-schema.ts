/**
 * Schemas of core/v1 Pod and everything a pod spec embeds (containers, probes, volumes, affinity...),
 * with upstream's OpenAPI ids and strategic-merge metadata taken from the Go struct tags of
 * k8s.io/api/core/v1. Apps and batch kinds embed `PodTemplateSpec`.
 */
import { s, type Schema } from '../../schema/index.js';
import { LabelSelector, ObjectMeta, Time, kindSchema } from '../../meta/v1.js';
import {
  LocalObjectReference,
  NodeSelector,
  NodeSelectorTerm,
  ObjectFieldSelector,
  ResourceFieldSelector,
  ResourceList,
  ObjectReference,
  TypedLocalObjectReference,
  TypedObjectReference,
} from './common-schema.js';

const CORE = 'io.k8s.api.core.v1';
const id = (name: string) => `${CORE}.${name}`;
const atomicStrings = (description?: string) => s.array(s.string(), description ? { listType: 'atomic', description } : { listType: 'atomic' });

// ---------------------------------------------------------------- env

export const ConfigMapKeySelector = s.object(
  {
    name: s.string({ default: '' }),
    key: s.string(),
    optional: s.bool({ description: 'Specify whether the ConfigMap or its key must be defined.' }),
  },
  { id: id('ConfigMapKeySelector'), required: ['key'], 'x-kubernetes-map-type': 'atomic' },
);

export const SecretKeySelector = s.object(
  {
    name: s.string({ default: '' }),
    key: s.string(),
    optional: s.bool({ description: 'Specify whether the Secret or its key must be defined.' }),
  },
  { id: id('SecretKeySelector'), required: ['key'], 'x-kubernetes-map-type': 'atomic' },
);

export const EnvVarSource = s.object(
  {
    fieldRef: withDesc(ObjectFieldSelector, 'Selects a field of the pod: metadata.name, metadata.namespace, metadata.labels[...], spec.nodeName, status.podIP...'),
    resourceFieldRef: withDesc(ResourceFieldSelector, 'Selects a resource of the container: limits.cpu, requests.memory...'),
    configMapKeyRef: withDesc(ConfigMapKeySelector, "Selects a key of a ConfigMap in the pod's namespace."),
    secretKeyRef: withDesc(SecretKeySelector, "Selects a key of a secret in the pod's namespace."),
  },
  { id: id('EnvVarSource') },
);

export const EnvVar = s.object(
  {
    name: s.string(),
    value: s.string({ description: 'Value, with $(VAR_NAME) references expanded. Defaults to "".' }),
    valueFrom: EnvVarSource,
  },
  { id: id('EnvVar'), required: ['name'] },
);

export const EnvFromSource = s.object(
  {
    prefix: s.string({ description: 'An optional identifier to prepend to each key in the ConfigMap or Secret.' }),
    configMapRef: s.object(
      { name: s.string({ default: '' }), optional: s.bool() },
      { id: id('ConfigMapEnvSource'), description: 'The ConfigMap to select from.' },
    ),
    secretRef: s.object({ name: s.string({ default: '' }), optional: s.bool() }, { id: id('SecretEnvSource'), description: 'The Secret to select from.' }),
  },
  { id: id('EnvFromSource') },
);

// ---------------------------------------------------------------- ports, resources, mounts

export const ContainerPort = s.object(
  {
    name: s.string({ description: 'An IANA_SVC_NAME, unique within the pod, that services can refer to.' }),
    hostPort: s.int32({ description: 'Number of the port to expose on the host.' }),
    containerPort: s.int32({ description: "Number of the port to expose on the pod's IP address. 0 < x < 65536." }),
    protocol: s.string({ default: 'TCP', enum: ['SCTP', 'TCP', 'UDP'], description: 'Protocol for port: UDP, TCP, or SCTP. Defaults to "TCP".' }),
    hostIP: s.string(),
  },
  { id: id('ContainerPort'), required: ['containerPort'] },
);

export const ResourceClaim = s.object(
  { name: s.string(), request: s.string() },
  { id: id('ResourceClaim'), required: ['name'] },
);

export const ResourceRequirements = s.object(
  {
    limits: withDesc(ResourceList, 'Maximum amount of compute resources allowed.'),
    requests: withDesc(ResourceList, 'Minimum amount of compute resources required. Defaults to limits if omitted.'),
    claims: s.array(ResourceClaim, { listType: 'map', mapKeys: ['name'], description: 'Names of resources, defined in spec.resourceClaims, used by this container.' }),
  },
  { id: id('ResourceRequirements') },
);

export const ContainerResizePolicy = s.object(
  { resourceName: s.string(), restartPolicy: s.string() },
  { id: id('ContainerResizePolicy'), required: ['resourceName', 'restartPolicy'] },
);

export const VolumeMount = s.object(
  {
    name: s.string(),
    readOnly: s.bool(),
    recursiveReadOnly: s.string({ description: 'Whether read-only mounts should be handled recursively: Disabled, IfPossible, Enabled.' }),
    mountPath: s.string(),
    subPath: s.string(),
    mountPropagation: s.string({ enum: ['Bidirectional', 'HostToContainer', 'None'], description: 'How mounts are propagated from the host to container and the other way around: None, HostToContainer, Bidirectional.' }),
    subPathExpr: s.string({ description: 'Expanded path within the volume; mutually exclusive with subPath.' }),
  },
  { id: id('VolumeMount'), required: ['name', 'mountPath'] },
);

export const VolumeDevice = s.object(
  { name: s.string(), devicePath: s.string() },
  { id: id('VolumeDevice'), required: ['name', 'devicePath'] },
);

// ---------------------------------------------------------------- probes and lifecycle

export const ExecAction = s.object(
  { command: atomicStrings('Command line to execute inside the container; not run in a shell.') },
  { id: id('ExecAction') },
);

export const HTTPHeader = s.object({ name: s.string(), value: s.string() }, { id: id('HTTPHeader'), required: ['name', 'value'] });

export const HTTPGetAction = s.object(
  {
    path: s.string(),
    port: s.intOrString(),
    host: s.string(),
    scheme: s.string({ enum: ['HTTP', 'HTTPS'] }),
    httpHeaders: s.array(HTTPHeader, { listType: 'atomic' }),
  },
  { id: id('HTTPGetAction'), required: ['port'] },
);

export const TCPSocketAction = s.object(
  {
    port: s.intOrString(),
    host: s.string(),
  },
  { id: id('TCPSocketAction'), required: ['port'] },
);

export const GRPCAction = s.object(
  {
    port: s.int32(),
    service: s.string({ default: '', description: 'Name of the service to place in the gRPC HealthCheckRequest.' }),
  },
  { id: id('GRPCAction'), required: ['port'] },
);

export const SleepAction = s.object({ seconds: s.int64() }, { id: id('SleepAction'), required: ['seconds'] });

export const Probe = s.object(
  {
    exec: ExecAction,
    httpGet: HTTPGetAction,
    tcpSocket: TCPSocketAction,
    grpc: GRPCAction,
    initialDelaySeconds: s.int32({ description: 'Number of seconds after the container has started before probes are initiated.' }),
    timeoutSeconds: s.int32(),
    periodSeconds: s.int32(),
    successThreshold: s.int32(),
    failureThreshold: s.int32(),
    terminationGracePeriodSeconds: s.int64(),
  },
  { id: id('Probe') },
);

export const LifecycleHandler = s.object(
  {
    exec: ExecAction,
    httpGet: HTTPGetAction,
    tcpSocket: withDesc(TCPSocketAction, 'Deprecated. TCPSocket is not supported as a LifecycleHandler.'),
    sleep: SleepAction,
  },
  { id: id('LifecycleHandler') },
);

export const Lifecycle = s.object(
  {
    postStart: withDesc(LifecycleHandler, 'Called immediately after a container is created.'),
    preStop: withDesc(LifecycleHandler, 'Called immediately before a container is terminated.'),
    stopSignal: s.string({ description: 'The signal used to stop the container.' }),
  },
  { id: id('Lifecycle') },
);

// ---------------------------------------------------------------- security

export const SELinuxOptions = s.object(
  { user: s.string(), role: s.string(), type: s.string(), level: s.string() },
  { id: id('SELinuxOptions') },
);

export const WindowsSecurityContextOptions = s.object(
  { gmsaCredentialSpecName: s.string(), gmsaCredentialSpec: s.string(), runAsUserName: s.string(), hostProcess: s.bool() },
  { id: id('WindowsSecurityContextOptions') },
);

export const SeccompProfile = s.object(
  {
    type: s.string({ enum: ['Localhost', 'RuntimeDefault', 'Unconfined'], description: 'Which kind of seccomp profile will be applied: Localhost, RuntimeDefault, Unconfined.' }),
    localhostProfile: s.string(),
  },
  { id: id('SeccompProfile'), required: ['type'] },
);

export const AppArmorProfile = s.object(
  {
    type: s.string({ enum: ['Localhost', 'RuntimeDefault', 'Unconfined'], description: 'Which kind of AppArmor profile will be applied: Localhost, RuntimeDefault, Unconfined.' }),
    localhostProfile: s.string(),
  },
  { id: id('AppArmorProfile'), required: ['type'] },
);

export const Capabilities = s.object(
  { add: atomicStrings(), drop: atomicStrings() },
  { id: id('Capabilities') },
);

export const SecurityContext = s.object(
  {
    capabilities: Capabilities,
    privileged: s.bool({ description: 'Run container in privileged mode. Defaults to false.' }),
    seLinuxOptions: SELinuxOptions,
    windowsOptions: WindowsSecurityContextOptions,
    runAsUser: s.int64(),
    runAsGroup: s.int64(),
    runAsNonRoot: s.bool(),
    readOnlyRootFilesystem: s.bool(),
    allowPrivilegeEscalation: s.bool({ description: 'Whether a process can gain more privileges than its parent process.' }),
    procMount: s.string({ description: 'The type of proc mount to use for the containers: Default or Unmasked.' }),
    seccompProfile: SeccompProfile,
    appArmorProfile: AppArmorProfile,
  },
  { id: id('SecurityContext') },
);

export const Sysctl = s.object({ name: s.string(), value: s.string() }, { id: id('Sysctl'), required: ['name', 'value'] });

export const PodSecurityContext = s.object(
  {
    seLinuxOptions: SELinuxOptions,
    windowsOptions: WindowsSecurityContextOptions,
    runAsUser: s.int64(),
    runAsGroup: s.int64(),
    runAsNonRoot: s.bool(),
    supplementalGroups: s.array(s.int64(), { listType: 'atomic', description: 'Groups applied to the first process run in each container.' }),
    supplementalGroupsPolicy: s.string({ description: 'How supplemental groups of the first container processes are calculated: Merge or Strict.' }),
    fsGroup: s.int64(),
    sysctls: s.array(Sysctl, { listType: 'atomic', description: 'Namespaced sysctls used for the pod.' }),
    fsGroupChangePolicy: s.string({ description: 'OnRootMismatch or Always.' }),
    seccompProfile: SeccompProfile,
    appArmorProfile: AppArmorProfile,
    seLinuxChangePolicy: s.string({ description: 'How the SELinux label is applied to volumes: MountOption or Recursive.' }),
  },
  { id: id('PodSecurityContext') },
);

// ---------------------------------------------------------------- containers

function containerFields(ephemeral: boolean): Record<string, Schema> {
  const fields: Record<string, Schema> = {
    name: s.string({ description: 'Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name.' }),
    image: s.string(),
    command: atomicStrings("Entrypoint array. Not executed within a shell. The image's ENTRYPOINT is used if not provided."),
    args: atomicStrings("Arguments to the entrypoint. The image's CMD is used if not provided."),
    workingDir: s.string({ description: "Container's working directory." }),
    ports: s.array(ContainerPort, {
      mergeKey: 'containerPort',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['containerPort', 'protocol'],
    }),
    envFrom: s.array(EnvFromSource, { listType: 'atomic' }),
    env: s.array(EnvVar, { mergeKey: 'name', strategy: 'merge', listType: 'map', mapKeys: ['name'] }),
    resources: ResourceRequirements,
    resizePolicy: s.array(ContainerResizePolicy, { listType: 'atomic' }),
    restartPolicy: s.string({ description: 'Restart behavior of an individual container; only "Always" is allowed, for init containers (sidecars).' }),
    volumeMounts: s.array(VolumeMount, {
      mergeKey: 'mountPath',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['mountPath'],
    }),
    volumeDevices: s.array(VolumeDevice, {
      mergeKey: 'devicePath',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['devicePath'],
    }),
    livenessProbe: Probe,
    readinessProbe: Probe,
    startupProbe: Probe,
    lifecycle: Lifecycle,
    terminationMessagePath: s.string({ description: "Path at which the file to which the container's termination message will be written is mounted. Defaults to /dev/termination-log." }),
    terminationMessagePolicy: s.string({ enum: ['FallbackToLogsOnError', 'File'], description: 'Indicate how the termination message should be populated: File or FallbackToLogsOnError.' }),
    imagePullPolicy: s.string({ enum: ['Always', 'IfNotPresent', 'Never'], description: 'Image pull policy: Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise.' }),
    securityContext: SecurityContext,
    stdin: s.bool(),
    stdinOnce: s.bool(),
    tty: s.bool({ description: 'Whether this container should allocate a TTY for itself.' }),
  };
  if (ephemeral) fields.targetContainerName = s.string({ description: 'The name of the container from PodSpec that this ephemeral container targets.' });
  return fields;
}

export const Container = s.object(containerFields(false), {
  id: id('Container'),
  required: ['name'],
});

export const EphemeralContainer = s.object(containerFields(true), {
  id: id('EphemeralContainer'),
  required: ['name'],
  description: 'A temporary container added to an existing pod for user-initiated activities such as debugging.',
});

// ---------------------------------------------------------------- volumes

export const KeyToPath = s.object(
  {
    key: s.string({ description: 'The key to project.' }),
    path: s.string({ description: 'The relative path of the file to map the key to.' }),
    mode: s.int32(),
  },
  { id: id('KeyToPath'), required: ['key', 'path'] },
);

const keyItems = () => s.array(KeyToPath, { listType: 'atomic' });

export const DownwardAPIVolumeFile = s.object(
  {
    path: s.string({ description: "Relative path name of the file to be created. Must not be absolute or contain '..'." }),
    fieldRef: ObjectFieldSelector,
    resourceFieldRef: ResourceFieldSelector,
    mode: s.int32(),
  },
  { id: id('DownwardAPIVolumeFile'), required: ['path'] },
);

export const HostPathVolumeSource = s.object(
  {
    path: s.string({ description: 'Path of the directory on the host.' }),
    type: s.string({ enum: ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'], description: 'Type for HostPath Volume: "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice.' }),
  },
  { id: id('HostPathVolumeSource'), required: ['path'] },
);

export const EmptyDirVolumeSource = s.object(
  {
    medium: s.string({ description: 'What type of storage medium should back this directory: "" or Memory.' }),
    sizeLimit: s.quantity({ description: 'Total amount of local storage required for this EmptyDir volume.' }),
  },
  { id: id('EmptyDirVolumeSource') },
);

export const SecretVolumeSource = s.object(
  {
    secretName: s.string({ description: "Name of the secret in the pod's namespace to use." }),
    items: keyItems(),
    defaultMode: s.int32({ description: 'Mode bits used to set permissions on created files by default. Defaults to 0644.' }),
    optional: s.bool(),
  },
  { id: id('SecretVolumeSource') },
);

export const ConfigMapVolumeSource = s.object(
  { name: s.string({ default: '' }), items: keyItems(), defaultMode: s.int32(), optional: s.bool() },
  { id: id('ConfigMapVolumeSource') },
);

export const DownwardAPIVolumeSource = s.object(
  { items: s.array(DownwardAPIVolumeFile, { listType: 'atomic' }), defaultMode: s.int32() },
  { id: id('DownwardAPIVolumeSource') },
);

export const PersistentVolumeClaimVolumeSource = s.object(
  {
    claimName: s.string({ description: 'Name of a PersistentVolumeClaim in the same namespace as the pod.' }),
    readOnly: s.bool(),
  },
  { id: id('PersistentVolumeClaimVolumeSource'), required: ['claimName'] },
);

export const NFSVolumeSource = s.object(
  { server: s.string(), path: s.string(), readOnly: s.bool() },
  { id: id('NFSVolumeSource'), required: ['server', 'path'] },
);

export const CSIVolumeSource = s.object(
  {
    driver: s.string({ description: 'Name of the CSI driver that handles this volume.' }),
    readOnly: s.bool(),
    fsType: s.string(),
    volumeAttributes: s.map(s.string()),
    nodePublishSecretRef: LocalObjectReference,
  },
  { id: id('CSIVolumeSource'), required: ['driver'] },
);

export const ServiceAccountTokenProjection = s.object(
  {
    audience: s.string(),
    expirationSeconds: s.int64({ description: 'Requested duration of validity of the service account token. Defaults to 1 hour.' }),
    path: s.string(),
  },
  { id: id('ServiceAccountTokenProjection'), required: ['path'] },
);

export const VolumeProjection = s.object(
  {
    secret: s.object({ name: s.string({ default: '' }), items: keyItems(), optional: s.bool() }, { id: id('SecretProjection') }),
    downwardAPI: s.object({ items: s.array(DownwardAPIVolumeFile, { listType: 'atomic' }) }, { id: id('DownwardAPIProjection') }),
    configMap: s.object({ name: s.string({ default: '' }), items: keyItems(), optional: s.bool() }, { id: id('ConfigMapProjection') }),
    serviceAccountToken: ServiceAccountTokenProjection,
    clusterTrustBundle: s.object(
      { name: s.string(), signerName: s.string(), labelSelector: LabelSelector, optional: s.bool(), path: s.string() },
      { id: id('ClusterTrustBundleProjection'), required: ['path'] },
    ),
  },
  { id: id('VolumeProjection') },
);

export const ProjectedVolumeSource = s.object(
  { sources: s.array(VolumeProjection, { listType: 'atomic' }), defaultMode: s.int32() },
  { id: id('ProjectedVolumeSource') },
);

export const VolumeResourceRequirements = s.object(
  { limits: ResourceList, requests: ResourceList },
  { id: id('VolumeResourceRequirements') },
);

export const PersistentVolumeClaimSpec = s.object(
  {
    accessModes: s.array(s.string(), { listType: 'atomic', description: 'Desired access modes: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod.' }),
    selector: LabelSelector,
    resources: withDesc(VolumeResourceRequirements, 'The minimum resources the volume should have.'),
    volumeName: s.string({ description: 'Binding reference to the PersistentVolume backing this claim.' }),
    storageClassName: s.string({ description: 'Name of the StorageClass required by the claim.' }),
    volumeMode: s.string({ enum: ['Block', 'Filesystem'], description: 'Block or Filesystem. Defaults to Filesystem.' }),
    dataSource: TypedLocalObjectReference,
    dataSourceRef: TypedObjectReference,
    volumeAttributesClassName: s.string(),
  },
  { id: id('PersistentVolumeClaimSpec') },
);
export const PersistentVolumeClaimTemplate = s.object(
  {
    metadata: ObjectMeta,
    spec: PersistentVolumeClaimSpec,
  },
  { id: id('PersistentVolumeClaimTemplate'), required: ['spec'] },
);


export const EphemeralVolumeSource = s.object(
  { volumeClaimTemplate: PersistentVolumeClaimTemplate },
  { id: id('EphemeralVolumeSource') },
);

export const ImageVolumeSource = s.object(
  { reference: s.string(), pullPolicy: s.string() },
  { id: id('ImageVolumeSource') },
);

/** Legacy in-tree volume sources, accepted but not interpreted. */
function legacy(name: string, required: string[] = []): Schema {
  return s.looseObject({}, { id: id(name), ...(required.length ? { required } : {}) });
}

/** Volume sources shared by Volume (inline, plus pod-only sources). */
export const VolumeSourceFields: Record<string, Schema> = {
  hostPath: withDesc(HostPathVolumeSource, 'A pre-existing file or directory on the host machine.'),
  emptyDir: withDesc(EmptyDirVolumeSource, "A temporary directory that shares a pod's lifetime."),
  gcePersistentDisk: legacy('GCEPersistentDiskVolumeSource', ['pdName']),
  awsElasticBlockStore: legacy('AWSElasticBlockStoreVolumeSource', ['volumeID']),
  gitRepo: legacy('GitRepoVolumeSource', ['repository']),
  secret: withDesc(SecretVolumeSource, 'A secret that should populate this volume.'),
  nfs: withDesc(NFSVolumeSource, 'NFS mount on the host that shares a pod\'s lifetime.'),
  iscsi: legacy('ISCSIVolumeSource', ['targetPortal', 'iqn', 'lun']),
  glusterfs: legacy('GlusterfsVolumeSource', ['endpoints', 'path']),
  persistentVolumeClaim: withDesc(PersistentVolumeClaimVolumeSource, 'A reference to a PersistentVolumeClaim in the same namespace.'),
  rbd: legacy('RBDVolumeSource', ['monitors', 'image']),
  flexVolume: legacy('FlexVolumeSource', ['driver']),
  cinder: legacy('CinderVolumeSource', ['volumeID']),
  cephfs: legacy('CephFSVolumeSource', ['monitors']),
  flocker: legacy('FlockerVolumeSource'),
  downwardAPI: withDesc(DownwardAPIVolumeSource, 'Downward API about the pod that should populate this volume.'),
  fc: legacy('FCVolumeSource'),
  azureFile: legacy('AzureFileVolumeSource', ['secretName', 'shareName']),
  configMap: withDesc(ConfigMapVolumeSource, 'A configMap that should populate this volume.'),
  vsphereVolume: legacy('VsphereVirtualDiskVolumeSource', ['volumePath']),
  quobyte: legacy('QuobyteVolumeSource', ['registry', 'volume']),
  azureDisk: legacy('AzureDiskVolumeSource', ['diskName', 'diskURI']),
  photonPersistentDisk: legacy('PhotonPersistentDiskVolumeSource', ['pdID']),
  projected: withDesc(ProjectedVolumeSource, 'Items for all-in-one resources secrets, configmaps, and downward API.'),
  portworxVolume: legacy('PortworxVolumeSource', ['volumeID']),
  scaleIO: legacy('ScaleIOVolumeSource', ['gateway', 'system', 'secretRef']),
  storageos: legacy('StorageOSVolumeSource'),
  csi: withDesc(CSIVolumeSource, 'Ephemeral storage handled by certain external CSI drivers.'),
  ephemeral: withDesc(EphemeralVolumeSource, 'A volume handled by a cluster storage driver, created and deleted with the pod.'),
  image: withDesc(ImageVolumeSource, 'An OCI object (container image or artifact) pulled and mounted on the host.'),
};

export const Volume = s.object(
  { name: s.string({ description: 'Name of the volume. Must be a DNS_LABEL and unique within the pod.' }), ...VolumeSourceFields },
  { id: id('Volume'), required: ['name'] },
);

// ---------------------------------------------------------------- scheduling

export const PreferredSchedulingTerm = s.object(
  { weight: s.int32(), preference: NodeSelectorTerm },
  { id: id('PreferredSchedulingTerm'), required: ['weight', 'preference'] },
);

export const NodeAffinity = s.object(
  {
    requiredDuringSchedulingIgnoredDuringExecution: withDesc(NodeSelector, 'Node selector terms that must be met at scheduling time.'),
    preferredDuringSchedulingIgnoredDuringExecution: s.array(PreferredSchedulingTerm, { listType: 'atomic' }),
  },
  { id: id('NodeAffinity') },
);

export const PodAffinityTerm = s.object(
  {
    labelSelector: LabelSelector,
    namespaces: atomicStrings('Namespaces the labelSelector applies to; null or empty means this pod\'s namespace.'),
    topologyKey: s.string({ description: 'Node label key whose value defines co-location.' }),
    namespaceSelector: LabelSelector,
    matchLabelKeys: atomicStrings(),
    mismatchLabelKeys: atomicStrings(),
  },
  { id: id('PodAffinityTerm'), required: ['topologyKey'] },
);

export const WeightedPodAffinityTerm = s.object(
  { weight: s.int32(), podAffinityTerm: PodAffinityTerm },
  { id: id('WeightedPodAffinityTerm'), required: ['weight', 'podAffinityTerm'] },
);

const podAffinityFields = () => ({
  requiredDuringSchedulingIgnoredDuringExecution: s.array(PodAffinityTerm, { listType: 'atomic' }),
  preferredDuringSchedulingIgnoredDuringExecution: s.array(WeightedPodAffinityTerm, { listType: 'atomic' }),
});

export const PodAffinity = s.object(podAffinityFields(), { id: id('PodAffinity') });
export const PodAntiAffinity = s.object(podAffinityFields(), { id: id('PodAntiAffinity') });

export const Affinity = s.object(
  {
    nodeAffinity: withDesc(NodeAffinity, 'Node affinity scheduling rules for the pod.'),
    podAffinity: withDesc(PodAffinity, 'Rules to co-locate this pod with other pods.'),
    podAntiAffinity: withDesc(PodAntiAffinity, 'Rules to avoid placing this pod with other pods.'),
  },
  { id: id('Affinity') },
);

export const Toleration = s.object(
  {
    key: s.string({ description: 'The taint key that the toleration applies to. Empty means match all taint keys.' }),
    operator: s.string({ enum: ['Equal', 'Exists'], description: 'Exists or Equal. Defaults to Equal.' }),
    value: s.string({ description: 'The taint value the toleration matches to.' }),
    effect: s.string({ enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'], description: 'The taint effect to match: NoSchedule, PreferNoSchedule, NoExecute; empty means all.' }),
    tolerationSeconds: s.int64({ description: 'How long the pod tolerates a NoExecute taint before eviction.' }),
  },
  { id: id('Toleration') },
);

export const HostAlias = s.object(
  { ip: s.string(), hostnames: atomicStrings() },
  { id: id('HostAlias'), required: ['ip'] },
);

export const PodDNSConfig = s.object(
  {
    nameservers: atomicStrings('A list of DNS name server IP addresses.'),
    searches: atomicStrings(),
    options: s.array(s.object({ name: s.string(), value: s.string() }, { id: id('PodDNSConfigOption') }), { listType: 'atomic' }),
  },
  { id: id('PodDNSConfig') },
);

export const PodReadinessGate = s.object({ conditionType: s.string() }, { id: id('PodReadinessGate'), required: ['conditionType'] });

export const TopologySpreadConstraint = s.object(
  {
    maxSkew: s.int32({ description: 'The degree to which pods may be unevenly distributed.' }),
    topologyKey: s.string({ description: 'The key of node labels.' }),
    whenUnsatisfiable: s.string({ enum: ['DoNotSchedule', 'ScheduleAnyway'], description: 'DoNotSchedule or ScheduleAnyway.' }),
    labelSelector: LabelSelector,
    minDomains: s.int32(),
    nodeAffinityPolicy: s.string({ enum: ['Honor', 'Ignore'], description: 'Honor or Ignore.' }),
    nodeTaintsPolicy: s.string({ enum: ['Honor', 'Ignore'], description: 'Honor or Ignore.' }),
    matchLabelKeys: atomicStrings(),
  },
  { id: id('TopologySpreadConstraint'), required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] },
);

export const PodOS = s.object({ name: s.string({ description: 'linux or windows.' }) }, { id: id('PodOS'), required: ['name'] });

export const PodSchedulingGate = s.object({ name: s.string() }, { id: id('PodSchedulingGate'), required: ['name'] });

export const PodResourceClaim = s.object(
  { name: s.string(), resourceClaimName: s.string(), resourceClaimTemplateName: s.string() },
  { id: id('PodResourceClaim'), required: ['name'] },
);

// ---------------------------------------------------------------- PodSpec

export const PodSpec = s.object(
  {
    volumes: s.array(Volume, {
      mergeKey: 'name',
      strategy: 'merge,retainKeys',
      listType: 'map',
      mapKeys: ['name'],
    }),
    initContainers: s.array(Container, {
      mergeKey: 'name',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['name'],
      description: 'List of initialization containers, run in order before the app containers start.',
    }),
    containers: s.array(Container, {
      mergeKey: 'name',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['name'],
      description: 'List of containers belonging to the pod. There must be at least one.',
    }),
    ephemeralContainers: s.array(EphemeralContainer, {
      mergeKey: 'name',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['name'],
      description: 'List of ephemeral containers run in this pod (debugging). Updated only through the ephemeralcontainers subresource.',
    }),
    restartPolicy: s.string({ enum: ['Always', 'Never', 'OnFailure'], description: 'Restart policy for all containers within the pod: Always, OnFailure, Never. Default to Always.' }),
    terminationGracePeriodSeconds: s.int64({ description: 'Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.' }),
    activeDeadlineSeconds: s.int64({ description: 'Duration in seconds the pod may be active on the node before the system actively tries to mark it failed.' }),
    dnsPolicy: s.string({ enum: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'], description: 'DNS policy: ClusterFirstWithHostNet, ClusterFirst, Default or None. Defaults to ClusterFirst.' }),
    nodeSelector: s.map(s.string(), { 'x-kubernetes-map-type': 'atomic', description: "Labels a node must have for the pod to fit on it." }),
    serviceAccountName: s.string({ description: 'Name of the ServiceAccount to use to run this pod.' }),
    serviceAccount: s.string({ description: 'Deprecated alias for serviceAccountName.' }),
    automountServiceAccountToken: s.bool({ description: 'Whether a service account token should be automatically mounted.' }),
    nodeName: s.string({ description: 'A request to schedule this pod onto a specific node; set by the scheduler.' }),
    hostNetwork: s.bool({ description: "Host networking requested for this pod. Default to false." }),
    hostPID: s.bool({ description: "Use the host's pid namespace. Default to false." }),
    hostIPC: s.bool({ description: "Use the host's ipc namespace. Default to false." }),
    shareProcessNamespace: s.bool(),
    securityContext: withDesc(PodSecurityContext, 'Pod-level security attributes and common container settings.'),
    imagePullSecrets: s.array(LocalObjectReference, {
      mergeKey: 'name',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['name'],
      description: 'References to secrets in the same namespace to use for pulling images.',
    }),
    hostname: s.string({ description: "Hostname of the pod. Defaults to a system-defined value." }),
    subdomain: s.string({ description: 'The pod FQDN will be "<hostname>.<subdomain>.<namespace>.svc.<cluster domain>".' }),
    affinity: withDesc(Affinity, "The pod's scheduling constraints."),
    schedulerName: s.string({ description: 'The pod will be dispatched by the specified scheduler. Defaults to default-scheduler.' }),
    tolerations: s.array(Toleration, { listType: 'atomic', description: "The pod's tolerations." }),
    hostAliases: s.array(HostAlias, {
      mergeKey: 'ip',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['ip'],
      description: "Hosts and IPs injected into the pod's hosts file.",
    }),
    priorityClassName: s.string({ description: 'The priority class of the pod.' }),
    priority: s.int32({ description: 'The priority value, populated from priorityClassName by admission.' }),
    dnsConfig: withDesc(PodDNSConfig, 'DNS parameters of a pod, merged into the generated DNS configuration.'),
    readinessGates: s.array(PodReadinessGate, { listType: 'atomic', description: 'Additional conditions evaluated for pod readiness.' }),
    runtimeClassName: s.string({ description: 'The RuntimeClass object which should be used to run this pod.' }),
    enableServiceLinks: s.bool({ description: "Whether information about services should be injected into pod's environment variables. Defaults to true." }),
    preemptionPolicy: s.string({ enum: ['Never', 'PreemptLowerPriority'], description: 'Never or PreemptLowerPriority. Defaults to PreemptLowerPriority.' }),
    overhead: withDesc(ResourceList, 'Resource overhead associated with running a pod for a given RuntimeClass.'),
    topologySpreadConstraints: s.array(TopologySpreadConstraint, {
      mergeKey: 'topologyKey',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['topologyKey', 'whenUnsatisfiable'],
      description: 'How a group of pods ought to spread across topology domains.',
    }),
    setHostnameAsFQDN: s.bool({ description: "If true the pod's hostname will be configured as the pod's FQDN." }),
    os: withDesc(PodOS, 'The OS of the containers in the pod.'),
    hostUsers: s.bool({ description: 'Use the host user namespace. Defaults to true.' }),
    schedulingGates: s.array(PodSchedulingGate, {
      mergeKey: 'name',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['name'],
      description: 'Gates that, while present, block scheduling of the pod.',
    }),
    resourceClaims: s.array(PodResourceClaim, {
      mergeKey: 'name',
      strategy: 'merge,retainKeys',
      listType: 'map',
      mapKeys: ['name'],
      description: 'ResourceClaims that must be allocated and reserved before the Pod is allowed to start.',
    }),
    resources: withDesc(ResourceRequirements, 'Total amount of CPU and Memory resources required by all containers in the pod.'),
  },
  { id: id('PodSpec'), required: ['containers'], description: 'A description of a pod.' },
);

// ---------------------------------------------------------------- status

export const ContainerState = s.object(
  {
    waiting: s.object(
      { reason: s.string({ description: 'Why the container is not yet running.' }), message: s.string() },
      { id: id('ContainerStateWaiting') },
    ),
    running: s.object({ startedAt: Time }, { id: id('ContainerStateRunning') }),
    terminated: s.object(
      {
        exitCode: s.int32(),
        signal: s.int32(),
        reason: s.string(),
        message: s.string(),
        startedAt: Time,
        finishedAt: Time,
        containerID: s.string(),
      },
      { id: id('ContainerStateTerminated'), required: ['exitCode'] },
    ),
  },
  { id: id('ContainerState') },
);

export const ContainerStatus = s.object(
  {
    name: s.string(),
    state: withDesc(ContainerState, "Details about the container's current condition."),
    lastState: withDesc(ContainerState, "Details about the container's last termination condition."),
    ready: s.bool({ description: 'Whether the container is currently passing its readiness check.' }),
    restartCount: s.int32({ description: 'The number of times the container has been restarted.' }),
    image: s.string(),
    imageID: s.string(),
    containerID: s.string({ description: "Container's ID in the format '<type>://<container_id>'." }),
    started: s.bool(),
    allocatedResources: ResourceList,
    resources: ResourceRequirements,
    volumeMounts: s.array(
      s.object(
        { name: s.string(), mountPath: s.string(), readOnly: s.bool(), recursiveReadOnly: s.string() },
        { id: id('VolumeMountStatus'), required: ['name', 'mountPath'] },
      ),
      { mergeKey: 'mountPath', strategy: 'merge', listType: 'map', mapKeys: ['mountPath'] },
    ),
    user: s.object(
      {
        linux: s.object(
          { uid: s.int64(), gid: s.int64(), supplementalGroups: s.array(s.int64(), { listType: 'atomic' }) },
          { id: id('LinuxContainerUser'), required: ['uid', 'gid'] },
        ),
      },
      { id: id('ContainerUser') },
    ),
    allocatedResourcesStatus: s.array(
      s.object(
        {
          name: s.string(),
          resources: s.array(s.object({ resourceID: s.string(), health: s.string() }, { id: id('ResourceHealth'), required: ['resourceID'] }), {
            listType: 'map',
            mapKeys: ['resourceID'],
          }),
        },
        { id: id('ResourceStatus'), required: ['name'] },
      ),
      { mergeKey: 'name', strategy: 'merge', listType: 'map', mapKeys: ['name'] },
    ),
    stopSignal: s.string(),
  },
  { id: id('ContainerStatus'), required: ['name', 'ready', 'restartCount', 'image', 'imageID'] },
);

export const PodCondition = s.object(
  {
    type: s.string({ description: 'Type of the condition: PodScheduled, Initialized, ContainersReady, Ready...' }),
    observedGeneration: s.int64(),
    status: s.string({ description: 'True, False or Unknown.' }),
    lastProbeTime: Time,
    lastTransitionTime: Time,
    reason: s.string(),
    message: s.string(),
  },
  { id: id('PodCondition'), required: ['type', 'status'] },
);

export const PodStatus = s.object(
  {
    observedGeneration: s.int64(),
    phase: s.string({ enum: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'], description: 'Pending, Running, Succeeded, Failed or Unknown.' }),
    conditions: s.array(PodCondition, { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
    message: s.string(),
    reason: s.string({ description: "A brief CamelCase message indicating why the pod is in this state, e.g. 'Evicted'." }),
    nominatedNodeName: s.string({ description: 'Set when this pod preempts other pods on the node.' }),
    hostIP: s.string({ description: 'The IP address of the host to which the pod is assigned.' }),
    hostIPs: s.array(s.object({ ip: s.string() }, { id: id('HostIP'), required: ['ip'] }), { mergeKey: 'ip', strategy: 'merge', listType: 'atomic' }),
    podIP: s.string({ description: 'The IP address allocated to the pod.' }),
    podIPs: s.array(s.object({ ip: s.string() }, { id: id('PodIP'), required: ['ip'] }), { mergeKey: 'ip', strategy: 'merge', listType: 'map', mapKeys: ['ip'] }),
    startTime: Time,
    initContainerStatuses: s.array(ContainerStatus, { listType: 'atomic' }),
    containerStatuses: s.array(ContainerStatus, { listType: 'atomic' }),
    qosClass: s.string({ enum: ['BestEffort', 'Burstable', 'Guaranteed'], description: 'Quality of Service class: Guaranteed, Burstable or BestEffort.' }),
    ephemeralContainerStatuses: s.array(ContainerStatus, { listType: 'atomic' }),
    resize: s.string(),
    resourceClaimStatuses: s.array(
      s.object({ name: s.string(), resourceClaimName: s.string() }, { id: id('PodResourceClaimStatus'), required: ['name'] }),
      { mergeKey: 'name', strategy: 'merge,retainKeys', listType: 'map', mapKeys: ['name'] },
    ),
  },
  { id: id('PodStatus') },
);

// ---------------------------------------------------------------- top level

export const PodTemplateSpec = s.object(
  {
    metadata: ObjectMeta,
    spec: PodSpec,
  },
  { id: id('PodTemplateSpec'), description: 'Data that describes a pod created from a template.' },
);

export const PodSchema = kindSchema(
  id('Pod'),
  { group: '', version: 'v1', kind: 'Pod' },
  {
    spec: PodSpec,
    status: withDesc(PodStatus, 'Most recently observed status of the pod. Read-only.'),
  },
  {},
);

export const PodTemplateSchema = kindSchema(
  id('PodTemplate'),
  { group: '', version: 'v1', kind: 'PodTemplate' },
  { template: PodTemplateSpec },
  {},
);

export const BindingSchema = kindSchema(
  id('Binding'),
  { group: '', version: 'v1', kind: 'Binding' },
  { target: ObjectReference },
  { required: ['target'] },
);

/** Attaches a description to a shared (id'd) schema without mutating it. */
export function withDesc(schema: Schema, description: string): Schema {
  return { ...schema, description };
}

