/**
 * Typed views of core/v1 pod structures, for reading and defaulting objects that already passed the
 * schema's type checks. Every field is optional because clients may omit anything; validation says
 * what is actually required. Names carry a `V1` prefix so they never clash with the schema constants.
 */
import type { KubeObject, ObjectMeta } from '../../types.js';

/** A resource.Quantity as it appears in JSON: `"250m"`, `"1Gi"` or a bare number. */
export type QuantityValue = string | number;
export type ResourceListView = Record<string, QuantityValue>;
export type IntOrString = number | string;

export interface V1ObjectFieldSelector { apiVersion?: string; fieldPath?: string }
export interface V1ResourceFieldSelector { containerName?: string; resource?: string; divisor?: QuantityValue }
export interface V1KeySelector { name?: string; key?: string; optional?: boolean }

export interface V1EnvVarSource {
  fieldRef?: V1ObjectFieldSelector;
  resourceFieldRef?: V1ResourceFieldSelector;
  configMapKeyRef?: V1KeySelector;
  secretKeyRef?: V1KeySelector;
}
export interface V1EnvVar { name?: string; value?: string; valueFrom?: V1EnvVarSource }
export interface V1EnvFromSource { prefix?: string; configMapRef?: { name?: string; optional?: boolean }; secretRef?: { name?: string; optional?: boolean } }

export interface V1ContainerPort { name?: string; hostPort?: number; containerPort?: number; protocol?: string; hostIP?: string }

export interface V1ResourceRequirements {
  limits?: ResourceListView;
  requests?: ResourceListView;
  claims?: { name?: string; request?: string }[];
}

export interface V1VolumeMount {
  name?: string;
  readOnly?: boolean;
  recursiveReadOnly?: string;
  mountPath?: string;
  subPath?: string;
  mountPropagation?: string;
  subPathExpr?: string;
}

export interface V1HTTPGetAction { path?: string; port?: IntOrString; host?: string; scheme?: string; httpHeaders?: { name?: string; value?: string }[] }
export interface V1TCPSocketAction { port?: IntOrString; host?: string }
export interface V1GRPCAction { port?: number; service?: string }
export interface V1ExecAction { command?: string[] }

export interface V1ProbeHandler {
  exec?: V1ExecAction;
  httpGet?: V1HTTPGetAction;
  tcpSocket?: V1TCPSocketAction;
  grpc?: V1GRPCAction;
}
export interface V1Probe extends V1ProbeHandler {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}
export interface V1LifecycleHandler {
  exec?: V1ExecAction;
  httpGet?: V1HTTPGetAction;
  tcpSocket?: V1TCPSocketAction;
  sleep?: { seconds?: number };
}
export interface V1Lifecycle { postStart?: V1LifecycleHandler; preStop?: V1LifecycleHandler; stopSignal?: string }

export interface V1SeccompProfile { type?: string; localhostProfile?: string }
export interface V1SecurityContext {
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  procMount?: string;
  seccompProfile?: V1SeccompProfile;
  appArmorProfile?: V1SeccompProfile;
  seLinuxOptions?: Record<string, string>;
  windowsOptions?: Record<string, unknown>;
}
export interface V1PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: string;
  fsGroup?: number;
  fsGroupChangePolicy?: string;
  sysctls?: { name?: string; value?: string }[];
  seccompProfile?: V1SeccompProfile;
  appArmorProfile?: V1SeccompProfile;
  seLinuxOptions?: Record<string, string>;
  windowsOptions?: Record<string, unknown>;
  seLinuxChangePolicy?: string;
}

export interface V1Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: V1ContainerPort[];
  envFrom?: V1EnvFromSource[];
  env?: V1EnvVar[];
  resources?: V1ResourceRequirements;
  resizePolicy?: { resourceName?: string; restartPolicy?: string }[];
  restartPolicy?: string;
  volumeMounts?: V1VolumeMount[];
  volumeDevices?: { name?: string; devicePath?: string }[];
  livenessProbe?: V1Probe;
  readinessProbe?: V1Probe;
  startupProbe?: V1Probe;
  lifecycle?: V1Lifecycle;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  imagePullPolicy?: string;
  securityContext?: V1SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  /** Ephemeral containers only. */
  targetContainerName?: string;
}

export interface V1KeyToPath { key?: string; path?: string; mode?: number }
export interface V1DownwardAPIVolumeFile { path?: string; fieldRef?: V1ObjectFieldSelector; resourceFieldRef?: V1ResourceFieldSelector; mode?: number }
export interface V1VolumeProjection {
  secret?: { name?: string; items?: V1KeyToPath[]; optional?: boolean };
  configMap?: { name?: string; items?: V1KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: V1DownwardAPIVolumeFile[] };
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path?: string };
  clusterTrustBundle?: { name?: string; signerName?: string; path?: string; optional?: boolean; labelSelector?: unknown };
}
export interface V1PersistentVolumeClaimSpec {
  accessModes?: string[];
  selector?: V1LabelSelector;
  resources?: { limits?: ResourceListView; requests?: ResourceListView };
  volumeName?: string;
  storageClassName?: string;
  volumeMode?: string;
  dataSource?: { apiGroup?: string; kind?: string; name?: string };
  dataSourceRef?: { apiGroup?: string; kind?: string; name?: string; namespace?: string };
  volumeAttributesClassName?: string;
}

export interface V1Volume {
  name?: string;
  hostPath?: { path?: string; type?: string };
  emptyDir?: { medium?: string; sizeLimit?: QuantityValue };
  secret?: { secretName?: string; items?: V1KeyToPath[]; defaultMode?: number; optional?: boolean };
  configMap?: { name?: string; items?: V1KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: V1DownwardAPIVolumeFile[]; defaultMode?: number };
  projected?: { sources?: V1VolumeProjection[]; defaultMode?: number };
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  nfs?: { server?: string; path?: string; readOnly?: boolean };
  csi?: { driver?: string; readOnly?: boolean; fsType?: string; volumeAttributes?: Record<string, string>; nodePublishSecretRef?: { name?: string } };
  ephemeral?: { volumeClaimTemplate?: { metadata?: ObjectMeta; spec?: V1PersistentVolumeClaimSpec } };
  image?: { reference?: string; pullPolicy?: string };
  /** Legacy in-tree sources are kept as opaque objects. */
  [source: string]: unknown;
}

export interface V1Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }
export interface V1NodeSelectorRequirement { key?: string; operator?: string; values?: string[] }
export interface V1NodeSelectorTerm { matchExpressions?: V1NodeSelectorRequirement[]; matchFields?: V1NodeSelectorRequirement[] }
export interface V1LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}
export interface V1PodAffinityTerm {
  labelSelector?: V1LabelSelector;
  namespaces?: string[];
  topologyKey?: string;
  namespaceSelector?: V1LabelSelector;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}
export interface V1PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: V1PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: { weight?: number; podAffinityTerm?: V1PodAffinityTerm }[];
}
export interface V1Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: V1NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: { weight?: number; preference?: V1NodeSelectorTerm }[];
  };
  podAffinity?: V1PodAffinity;
  podAntiAffinity?: V1PodAffinity;
}
export interface V1TopologySpreadConstraint {
  maxSkew?: number;
  topologyKey?: string;
  whenUnsatisfiable?: string;
  labelSelector?: V1LabelSelector;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

export interface V1PodSpec {
  volumes?: V1Volume[];
  initContainers?: V1Container[];
  containers?: V1Container[];
  ephemeralContainers?: V1Container[];
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  dnsPolicy?: string;
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  nodeName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  securityContext?: V1PodSecurityContext;
  imagePullSecrets?: { name?: string }[];
  hostname?: string;
  subdomain?: string;
  affinity?: V1Affinity;
  schedulerName?: string;
  tolerations?: V1Toleration[];
  hostAliases?: { ip?: string; hostnames?: string[] }[];
  priorityClassName?: string;
  priority?: number;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name?: string; value?: string }[] };
  readinessGates?: { conditionType?: string }[];
  runtimeClassName?: string;
  enableServiceLinks?: boolean;
  preemptionPolicy?: string;
  overhead?: ResourceListView;
  topologySpreadConstraints?: V1TopologySpreadConstraint[];
  setHostnameAsFQDN?: boolean;
  os?: { name?: string };
  hostUsers?: boolean;
  schedulingGates?: { name?: string }[];
  resourceClaims?: { name?: string; resourceClaimName?: string; resourceClaimTemplateName?: string }[];
  resources?: V1ResourceRequirements;
}

export interface V1ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}
export interface V1ContainerStatus {
  name?: string;
  state?: V1ContainerState;
  lastState?: V1ContainerState;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  containerID?: string;
  started?: boolean;
}
export interface V1PodCondition { type?: string; status?: string; lastProbeTime?: string; lastTransitionTime?: string; reason?: string; message?: string }
export interface V1PodStatus {
  phase?: string;
  conditions?: V1PodCondition[];
  message?: string;
  reason?: string;
  nominatedNodeName?: string;
  hostIP?: string;
  hostIPs?: { ip?: string }[];
  podIP?: string;
  podIPs?: { ip?: string }[];
  startTime?: string;
  initContainerStatuses?: V1ContainerStatus[];
  containerStatuses?: V1ContainerStatus[];
  ephemeralContainerStatuses?: V1ContainerStatus[];
  qosClass?: string;
  resize?: string;
}

export interface V1PodTemplateSpec { metadata?: ObjectMeta; spec?: V1PodSpec }

/** A Pod as read through the typed view. */
export interface V1Pod extends KubeObject {
  spec?: V1PodSpec;
  status?: V1PodStatus;
}

/** Reads any KubeObject as a Pod view (no copying, no checks). */
export function asPod(obj: KubeObject): V1Pod {
  return obj as V1Pod;
}
