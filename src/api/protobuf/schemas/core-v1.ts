/**
 * k8s.io/api/core/v1 messages with upstream's field numbers (types.go protobuf tags, the source of
 * generated.proto). Field names are the JSON names; markers (keep / inline): see markers.ts.
 */
import { IN, IOS, K, KN, META, NUL, Q } from './markers.js';

export const coreV1 = `
syntax = "proto2";
package k8s.io.api.core.v1;

message Volume { optional string name = 1${K}; optional VolumeSource volumeSource = 2${IN}; }
message VolumeSource {
  optional HostPathVolumeSource hostPath = 1; optional EmptyDirVolumeSource emptyDir = 2;
  optional GCEPersistentDiskVolumeSource gcePersistentDisk = 3; optional AWSElasticBlockStoreVolumeSource awsElasticBlockStore = 4;
  optional GitRepoVolumeSource gitRepo = 5; optional SecretVolumeSource secret = 6; optional NFSVolumeSource nfs = 7;
  optional ISCSIVolumeSource iscsi = 8; optional GlusterfsVolumeSource glusterfs = 9;
  optional PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10; optional RBDVolumeSource rbd = 11;
  optional FlexVolumeSource flexVolume = 12; optional CinderVolumeSource cinder = 13; optional CephFSVolumeSource cephfs = 14;
  optional FlockerVolumeSource flocker = 15; optional DownwardAPIVolumeSource downwardAPI = 16; optional FCVolumeSource fc = 17;
  optional AzureFileVolumeSource azureFile = 18; optional ConfigMapVolumeSource configMap = 19;
  optional VsphereVirtualDiskVolumeSource vsphereVolume = 20; optional QuobyteVolumeSource quobyte = 21;
  optional AzureDiskVolumeSource azureDisk = 22; optional PhotonPersistentDiskVolumeSource photonPersistentDisk = 23;
  optional PortworxVolumeSource portworxVolume = 24; optional ScaleIOVolumeSource scaleIO = 25;
  optional ProjectedVolumeSource projected = 26; optional StorageOSVolumeSource storageos = 27;
  optional CSIVolumeSource csi = 28; optional EphemeralVolumeSource ephemeral = 29; optional ImageVolumeSource image = 30;
}
message HostPathVolumeSource { optional string path = 1${K}; optional string type = 2${K}; }
message EmptyDirVolumeSource { optional string medium = 1; optional ${Q} sizeLimit = 2; }
message GCEPersistentDiskVolumeSource { optional string pdName = 1${K}; optional string fsType = 2; optional int32 partition = 3; optional bool readOnly = 4; }
message AWSElasticBlockStoreVolumeSource { optional string volumeID = 1${K}; optional string fsType = 2; optional int32 partition = 3; optional bool readOnly = 4; }
message GitRepoVolumeSource { optional string repository = 1${K}; optional string revision = 2; optional string directory = 3; }
message SecretVolumeSource { optional string secretName = 1; repeated KeyToPath items = 2; optional int32 defaultMode = 3${K}; optional bool optional = 4${K}; }
message NFSVolumeSource { optional string server = 1${K}; optional string path = 2${K}; optional bool readOnly = 3; }
message ISCSIVolumeSource {
  optional string targetPortal = 1${K}; optional string iqn = 2${K}; optional int32 lun = 3${K}; optional string iscsiInterface = 4;
  optional string fsType = 5; optional bool readOnly = 6; repeated string portals = 7; optional bool chapAuthDiscovery = 8;
  optional LocalObjectReference secretRef = 10; optional bool chapAuthSession = 11; optional string initiatorName = 12${K};
}
message GlusterfsVolumeSource { optional string endpoints = 1${K}; optional string path = 2${K}; optional bool readOnly = 3; }
message PersistentVolumeClaimVolumeSource { optional string claimName = 1${K}; optional bool readOnly = 2; }
message RBDVolumeSource {
  repeated string monitors = 1${NUL}; optional string image = 2${K}; optional string fsType = 3; optional string pool = 4;
  optional string user = 5; optional string keyring = 6; optional LocalObjectReference secretRef = 7; optional bool readOnly = 8;
}
message FlexVolumeSource { optional string driver = 1${K}; optional string fsType = 2; optional LocalObjectReference secretRef = 3; optional bool readOnly = 4; map<string, string> options = 5; }
message CinderVolumeSource { optional string volumeID = 1${K}; optional string fsType = 2; optional bool readOnly = 3; optional LocalObjectReference secretRef = 4; }
message CephFSVolumeSource {
  repeated string monitors = 1${NUL}; optional string path = 2; optional string user = 3; optional string secretFile = 4;
  optional LocalObjectReference secretRef = 5; optional bool readOnly = 6;
}
message FlockerVolumeSource { optional string datasetName = 1; optional string datasetUUID = 2; }
message DownwardAPIVolumeSource { repeated DownwardAPIVolumeFile items = 1; optional int32 defaultMode = 2${K}; }
message DownwardAPIVolumeFile { optional string path = 1${K}; optional ObjectFieldSelector fieldRef = 2; optional ResourceFieldSelector resourceFieldRef = 3; optional int32 mode = 4${K}; }
message DownwardAPIProjection { repeated DownwardAPIVolumeFile items = 1; }
message FCVolumeSource { repeated string targetWWNs = 1; optional int32 lun = 2${K}; optional string fsType = 3; optional bool readOnly = 4; repeated string wwids = 5; }
message AzureFileVolumeSource { optional string secretName = 1${K}; optional string shareName = 2${K}; optional bool readOnly = 3; }
message ConfigMapVolumeSource { optional LocalObjectReference localObjectReference = 1${IN}; repeated KeyToPath items = 2; optional int32 defaultMode = 3${K}; optional bool optional = 4${K}; }
message VsphereVirtualDiskVolumeSource { optional string volumePath = 1${K}; optional string fsType = 2; optional string storagePolicyName = 3; optional string storagePolicyID = 4; }
message QuobyteVolumeSource { optional string registry = 1${K}; optional string volume = 2${K}; optional bool readOnly = 3; optional string user = 4; optional string group = 5; optional string tenant = 6; }
message AzureDiskVolumeSource {
  optional string diskName = 1${K}; optional string diskURI = 2${K}; optional string cachingMode = 3${K};
  optional string fsType = 4${K}; optional bool readOnly = 5${K}; optional string kind = 6${K};
}
message PhotonPersistentDiskVolumeSource { optional string pdID = 1${K}; optional string fsType = 2; }
message PortworxVolumeSource { optional string volumeID = 1${K}; optional string fsType = 2; optional bool readOnly = 3; }
message ScaleIOVolumeSource {
  optional string gateway = 1${K}; optional string system = 2${K}; optional LocalObjectReference secretRef = 3${NUL}; optional bool sslEnabled = 4;
  optional string protectionDomain = 5; optional string storagePool = 6; optional string storageMode = 7; optional string volumeName = 8;
  optional string fsType = 9; optional bool readOnly = 10;
}
message StorageOSVolumeSource { optional string volumeName = 1; optional string volumeNamespace = 2; optional string fsType = 3; optional bool readOnly = 4; optional LocalObjectReference secretRef = 5; }
message CSIVolumeSource {
  optional string driver = 1${K}; optional bool readOnly = 2${K}; optional string fsType = 3${K};
  map<string, string> volumeAttributes = 4; optional LocalObjectReference nodePublishSecretRef = 5;
}
message EphemeralVolumeSource { optional PersistentVolumeClaimTemplate volumeClaimTemplate = 1; }
message ImageVolumeSource { optional string reference = 1; optional string pullPolicy = 2; }
message ProjectedVolumeSource { repeated VolumeProjection sources = 1${NUL}; optional int32 defaultMode = 2${K}; }
message VolumeProjection {
  optional SecretProjection secret = 1; optional DownwardAPIProjection downwardAPI = 2; optional ConfigMapProjection configMap = 3;
  optional ServiceAccountTokenProjection serviceAccountToken = 4; optional ClusterTrustBundleProjection clusterTrustBundle = 5;
}
message SecretProjection { optional LocalObjectReference localObjectReference = 1${IN}; repeated KeyToPath items = 2; optional bool optional = 4${K}; }
message ConfigMapProjection { optional LocalObjectReference localObjectReference = 1${IN}; repeated KeyToPath items = 2; optional bool optional = 4${K}; }
message ServiceAccountTokenProjection { optional string audience = 1; optional int64 expirationSeconds = 2${K}; optional string path = 3${K}; }
message ClusterTrustBundleProjection {
  optional string name = 1${K}; optional string signerName = 2${K}; optional ${META}.LabelSelector labelSelector = 3;
  optional string path = 4${K}; optional bool optional = 5${K};
}
message KeyToPath { optional string key = 1${K}; optional string path = 2${K}; optional int32 mode = 3${K}; }
message LocalObjectReference { optional string name = 1; }
message TypedLocalObjectReference { optional string apiGroup = 1${KN}; optional string kind = 2${K}; optional string name = 3${K}; }
message TypedObjectReference { optional string apiGroup = 1${KN}; optional string kind = 2${K}; optional string name = 3${K}; optional string namespace = 4${K}; }
message ObjectReference {
  optional string kind = 1; optional string namespace = 2; optional string name = 3; optional string uid = 4;
  optional string apiVersion = 5; optional string resourceVersion = 6; optional string fieldPath = 7;
}

message PersistentVolumeClaimTemplate { optional ${META}.ObjectMeta metadata = 1; optional PersistentVolumeClaimSpec spec = 2; }
message PersistentVolumeClaim { optional ${META}.ObjectMeta metadata = 1; optional PersistentVolumeClaimSpec spec = 2; optional PersistentVolumeClaimStatus status = 3; }
message PersistentVolumeClaimSpec {
  repeated string accessModes = 1; optional VolumeResourceRequirements resources = 2; optional string volumeName = 3;
  optional ${META}.LabelSelector selector = 4; optional string storageClassName = 5${K}; optional string volumeMode = 6${K};
  optional TypedLocalObjectReference dataSource = 7; optional TypedObjectReference dataSourceRef = 8;
  optional string volumeAttributesClassName = 9${K};
}
message PersistentVolumeClaimStatus {
  optional string phase = 1; repeated string accessModes = 2; map<string, ${Q}> capacity = 3;
  repeated PersistentVolumeClaimCondition conditions = 4; map<string, ${Q}> allocatedResources = 5;
  map<string, string> allocatedResourceStatuses = 7; optional string currentVolumeAttributesClassName = 8${K};
  optional ModifyVolumeStatus modifyVolumeStatus = 9;
}
message PersistentVolumeClaimCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastProbeTime = 3;
  optional ${META}.Time lastTransitionTime = 4; optional string reason = 5; optional string message = 6;
}
message ModifyVolumeStatus { optional string targetVolumeAttributesClassName = 1; optional string status = 2${K}; }
message VolumeResourceRequirements { map<string, ${Q}> limits = 1; map<string, ${Q}> requests = 2; }

message PersistentVolume { optional ${META}.ObjectMeta metadata = 1; optional PersistentVolumeSpec spec = 2; optional PersistentVolumeStatus status = 3; }
message PersistentVolumeSpec {
  map<string, ${Q}> capacity = 1; optional PersistentVolumeSource persistentVolumeSource = 2${IN}; repeated string accessModes = 3;
  optional ObjectReference claimRef = 4; optional string persistentVolumeReclaimPolicy = 5; optional string storageClassName = 6;
  repeated string mountOptions = 7; optional string volumeMode = 8${K}; optional VolumeNodeAffinity nodeAffinity = 9;
  optional string volumeAttributesClassName = 10${K};
}
message VolumeNodeAffinity { optional NodeSelector required = 1; }
message PersistentVolumeStatus { optional string phase = 1; optional string message = 2; optional string reason = 3; optional ${META}.Time lastPhaseTransitionTime = 4; }
message PersistentVolumeSource {
  optional GCEPersistentDiskVolumeSource gcePersistentDisk = 1; optional AWSElasticBlockStoreVolumeSource awsElasticBlockStore = 2;
  optional HostPathVolumeSource hostPath = 3; optional GlusterfsPersistentVolumeSource glusterfs = 4; optional NFSVolumeSource nfs = 5;
  optional RBDPersistentVolumeSource rbd = 6; optional ISCSIPersistentVolumeSource iscsi = 7; optional CinderPersistentVolumeSource cinder = 8;
  optional CephFSPersistentVolumeSource cephfs = 9; optional FCVolumeSource fc = 10; optional FlockerVolumeSource flocker = 11;
  optional FlexPersistentVolumeSource flexVolume = 12; optional AzureFilePersistentVolumeSource azureFile = 13;
  optional VsphereVirtualDiskVolumeSource vsphereVolume = 14; optional QuobyteVolumeSource quobyte = 15; optional AzureDiskVolumeSource azureDisk = 16;
  optional PhotonPersistentDiskVolumeSource photonPersistentDisk = 17; optional PortworxVolumeSource portworxVolume = 18;
  optional ScaleIOPersistentVolumeSource scaleIO = 19; optional LocalVolumeSource local = 20; optional StorageOSPersistentVolumeSource storageos = 21;
  optional CSIPersistentVolumeSource csi = 22;
}
message SecretReference { optional string name = 1; optional string namespace = 2; }
message GlusterfsPersistentVolumeSource { optional string endpoints = 1${K}; optional string path = 2${K}; optional bool readOnly = 3; optional string endpointsNamespace = 4${K}; }
message RBDPersistentVolumeSource {
  repeated string monitors = 1${NUL}; optional string image = 2${K}; optional string fsType = 3; optional string pool = 4;
  optional string user = 5; optional string keyring = 6; optional SecretReference secretRef = 7; optional bool readOnly = 8;
}
message ISCSIPersistentVolumeSource {
  optional string targetPortal = 1${K}; optional string iqn = 2${K}; optional int32 lun = 3${K}; optional string iscsiInterface = 4;
  optional string fsType = 5; optional bool readOnly = 6; repeated string portals = 7; optional bool chapAuthDiscovery = 8;
  optional SecretReference secretRef = 10; optional bool chapAuthSession = 11; optional string initiatorName = 12${K};
}
message CinderPersistentVolumeSource { optional string volumeID = 1${K}; optional string fsType = 2; optional bool readOnly = 3; optional SecretReference secretRef = 4; }
message CephFSPersistentVolumeSource {
  repeated string monitors = 1${NUL}; optional string path = 2; optional string user = 3; optional string secretFile = 4;
  optional SecretReference secretRef = 5; optional bool readOnly = 6;
}
message FlexPersistentVolumeSource { optional string driver = 1${K}; optional string fsType = 2; optional SecretReference secretRef = 3; optional bool readOnly = 4; map<string, string> options = 5; }
message AzureFilePersistentVolumeSource { optional string secretName = 1${K}; optional string shareName = 2${K}; optional bool readOnly = 3; optional string secretNamespace = 4${KN}; }
message ScaleIOPersistentVolumeSource {
  optional string gateway = 1${K}; optional string system = 2${K}; optional SecretReference secretRef = 3${NUL}; optional bool sslEnabled = 4;
  optional string protectionDomain = 5; optional string storagePool = 6; optional string storageMode = 7; optional string volumeName = 8;
  optional string fsType = 9; optional bool readOnly = 10;
}
message LocalVolumeSource { optional string path = 1${K}; optional string fsType = 2${K}; }
message StorageOSPersistentVolumeSource { optional string volumeName = 1; optional string volumeNamespace = 2; optional string fsType = 3; optional bool readOnly = 4; optional ObjectReference secretRef = 5; }
message CSIPersistentVolumeSource {
  optional string driver = 1${K}; optional string volumeHandle = 2${K}; optional bool readOnly = 3; optional string fsType = 4;
  map<string, string> volumeAttributes = 5; optional SecretReference controllerPublishSecretRef = 6; optional SecretReference nodeStageSecretRef = 7;
  optional SecretReference nodePublishSecretRef = 8; optional SecretReference controllerExpandSecretRef = 9; optional SecretReference nodeExpandSecretRef = 10;
}

message ContainerPort { optional string name = 1; optional int32 hostPort = 2; optional int32 containerPort = 3${K}; optional string protocol = 4; optional string hostIP = 5; }
message VolumeMount {
  optional string name = 1${K}; optional bool readOnly = 2; optional string mountPath = 3${K}; optional string subPath = 4;
  optional string mountPropagation = 5${K}; optional string subPathExpr = 6; optional string recursiveReadOnly = 7${K};
}
message VolumeDevice { optional string name = 1${K}; optional string devicePath = 2${K}; }
message EnvVar { optional string name = 1${K}; optional string value = 2; optional EnvVarSource valueFrom = 3; }
message EnvVarSource {
  optional ObjectFieldSelector fieldRef = 1; optional ResourceFieldSelector resourceFieldRef = 2;
  optional ConfigMapKeySelector configMapKeyRef = 3; optional SecretKeySelector secretKeyRef = 4;
}
message ObjectFieldSelector { optional string apiVersion = 1; optional string fieldPath = 2${K}; }
message ResourceFieldSelector { optional string containerName = 1; optional string resource = 2${K}; optional ${Q} divisor = 3; }
message ConfigMapKeySelector { optional LocalObjectReference localObjectReference = 1${IN}; optional string key = 2${K}; optional bool optional = 3${K}; }
message SecretKeySelector { optional LocalObjectReference localObjectReference = 1${IN}; optional string key = 2${K}; optional bool optional = 3${K}; }
message EnvFromSource { optional string prefix = 1; optional ConfigMapEnvSource configMapRef = 2; optional SecretEnvSource secretRef = 3; }
message ConfigMapEnvSource { optional LocalObjectReference localObjectReference = 1${IN}; optional bool optional = 2${K}; }
message SecretEnvSource { optional LocalObjectReference localObjectReference = 1${IN}; optional bool optional = 2${K}; }
message HTTPHeader { optional string name = 1${K}; optional string value = 2${K}; }
message HTTPGetAction { optional string path = 1; optional ${IOS} port = 2; optional string host = 3; optional string scheme = 4; repeated HTTPHeader httpHeaders = 5; }
message TCPSocketAction { optional ${IOS} port = 1; optional string host = 2; }
message GRPCAction { optional int32 port = 1${K}; optional string service = 2${KN}; }
message ExecAction { repeated string command = 1; }
message SleepAction { optional int64 seconds = 1${K}; }
message ProbeHandler { optional ExecAction exec = 1; optional HTTPGetAction httpGet = 2; optional TCPSocketAction tcpSocket = 3; optional GRPCAction grpc = 4; }
message Probe {
  optional ProbeHandler handler = 1${IN}; optional int32 initialDelaySeconds = 2; optional int32 timeoutSeconds = 3;
  optional int32 periodSeconds = 4; optional int32 successThreshold = 5; optional int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7${K};
}
message LifecycleHandler { optional ExecAction exec = 1; optional HTTPGetAction httpGet = 2; optional TCPSocketAction tcpSocket = 3; optional SleepAction sleep = 4; }
message Lifecycle { optional LifecycleHandler postStart = 1; optional LifecycleHandler preStop = 2; optional string stopSignal = 3${K}; }
message Capabilities { repeated string add = 1; repeated string drop = 2; }
message ResourceRequirements { map<string, ${Q}> limits = 1; map<string, ${Q}> requests = 2; repeated ResourceClaim claims = 3; }
message ResourceClaim { optional string name = 1${K}; optional string request = 2; }
message ContainerResizePolicy { optional string resourceName = 1${K}; optional string restartPolicy = 2${K}; }
message Container {
  optional string name = 1${K}; optional string image = 2; repeated string command = 3; repeated string args = 4;
  optional string workingDir = 5; repeated ContainerPort ports = 6; repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8; repeated VolumeMount volumeMounts = 9; optional Probe livenessProbe = 10;
  optional Probe readinessProbe = 11; optional Lifecycle lifecycle = 12; optional string terminationMessagePath = 13;
  optional string imagePullPolicy = 14; optional SecurityContext securityContext = 15; optional bool stdin = 16;
  optional bool stdinOnce = 17; optional bool tty = 18; repeated EnvFromSource envFrom = 19;
  optional string terminationMessagePolicy = 20; repeated VolumeDevice volumeDevices = 21; optional Probe startupProbe = 22;
  repeated ContainerResizePolicy resizePolicy = 23; optional string restartPolicy = 24${K};
}
// EphemeralContainerCommon has Container's fields and numbers.
message EphemeralContainer { optional Container ephemeralContainerCommon = 1${IN}; optional string targetContainerName = 2; }
message SecurityContext {
  optional Capabilities capabilities = 1; optional bool privileged = 2${K}; optional SELinuxOptions seLinuxOptions = 3;
  optional int64 runAsUser = 4${K}; optional bool runAsNonRoot = 5${K}; optional bool readOnlyRootFilesystem = 6${K};
  optional bool allowPrivilegeEscalation = 7${K}; optional int64 runAsGroup = 8${K}; optional string procMount = 9${K};
  optional WindowsSecurityContextOptions windowsOptions = 10; optional SeccompProfile seccompProfile = 11;
  optional AppArmorProfile appArmorProfile = 12;
}
message PodSecurityContext {
  optional SELinuxOptions seLinuxOptions = 1; optional int64 runAsUser = 2${K}; optional bool runAsNonRoot = 3${K};
  repeated int64 supplementalGroups = 4; optional int64 fsGroup = 5${K}; optional int64 runAsGroup = 6${K};
  repeated Sysctl sysctls = 7; optional WindowsSecurityContextOptions windowsOptions = 8;
  optional string fsGroupChangePolicy = 9${K}; optional SeccompProfile seccompProfile = 10;
  optional AppArmorProfile appArmorProfile = 11; optional string supplementalGroupsPolicy = 12${K};
  optional string seLinuxChangePolicy = 13${K};
}
message SELinuxOptions { optional string user = 1; optional string role = 2; optional string type = 3; optional string level = 4; }
message WindowsSecurityContextOptions {
  optional string gmsaCredentialSpecName = 1${K}; optional string gmsaCredentialSpec = 2${K};
  optional string runAsUserName = 3${K}; optional bool hostProcess = 4${K};
}
message SeccompProfile { optional string type = 1${K}; optional string localhostProfile = 2${K}; }
message AppArmorProfile { optional string type = 1${K}; optional string localhostProfile = 2${K}; }
message Sysctl { optional string name = 1${K}; optional string value = 2${K}; }
message PodDNSConfig { repeated string nameservers = 1; repeated string searches = 2; repeated PodDNSConfigOption options = 3; }
message PodDNSConfigOption { optional string name = 1; optional string value = 2${K}; }
message HostAlias { optional string ip = 1; repeated string hostnames = 2; }
message Toleration { optional string key = 1; optional string operator = 2; optional string value = 3; optional string effect = 4; optional int64 tolerationSeconds = 5${K}; }
message Taint { optional string key = 1${K}; optional string value = 2; optional string effect = 3${K}; optional ${META}.Time timeAdded = 4; }
message Affinity { optional NodeAffinity nodeAffinity = 1; optional PodAffinity podAffinity = 2; optional PodAntiAffinity podAntiAffinity = 3; }
message NodeAffinity { optional NodeSelector requiredDuringSchedulingIgnoredDuringExecution = 1; repeated PreferredSchedulingTerm preferredDuringSchedulingIgnoredDuringExecution = 2; }
message NodeSelector { repeated NodeSelectorTerm nodeSelectorTerms = 1${NUL}; }
message NodeSelectorTerm { repeated NodeSelectorRequirement matchExpressions = 1; repeated NodeSelectorRequirement matchFields = 2; }
message NodeSelectorRequirement { optional string key = 1${K}; optional string operator = 2${K}; repeated string values = 3; }
message PreferredSchedulingTerm { optional int32 weight = 1${K}; optional NodeSelectorTerm preference = 2; }
message PodAffinity { repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1; repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2; }
message PodAntiAffinity { repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1; repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2; }
message WeightedPodAffinityTerm { optional int32 weight = 1${K}; optional PodAffinityTerm podAffinityTerm = 2; }
message PodAffinityTerm {
  optional ${META}.LabelSelector labelSelector = 1; repeated string namespaces = 2; optional string topologyKey = 3${K};
  optional ${META}.LabelSelector namespaceSelector = 4; repeated string matchLabelKeys = 5; repeated string mismatchLabelKeys = 6;
}
message TopologySpreadConstraint {
  optional int32 maxSkew = 1${K}; optional string topologyKey = 2${K}; optional string whenUnsatisfiable = 3${K};
  optional ${META}.LabelSelector labelSelector = 4; optional int32 minDomains = 5${K}; optional string nodeAffinityPolicy = 6${K};
  optional string nodeTaintsPolicy = 7${K}; repeated string matchLabelKeys = 8;
}
message PodReadinessGate { optional string conditionType = 1${K}; }
message PodOS { optional string name = 1${K}; }
message PodSchedulingGate { optional string name = 1${K}; }
message ClaimSource { optional string resourceClaimName = 1${K}; optional string resourceClaimTemplateName = 2${K}; }
message PodResourceClaim {
  optional string name = 1${K}; optional ClaimSource source = 2; optional string resourceClaimName = 3${K};
  optional string resourceClaimTemplateName = 4${K};
}
message PodSpec {
  repeated Volume volumes = 1; repeated Container containers = 2${NUL}; optional string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4${K}; optional int64 activeDeadlineSeconds = 5${K}; optional string dnsPolicy = 6;
  map<string, string> nodeSelector = 7; optional string serviceAccountName = 8; optional string serviceAccount = 9;
  optional string nodeName = 10; optional bool hostNetwork = 11; optional bool hostPID = 12; optional bool hostIPC = 13;
  optional PodSecurityContext securityContext = 14; repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16; optional string subdomain = 17; optional Affinity affinity = 18; optional string schedulerName = 19;
  repeated Container initContainers = 20; optional bool automountServiceAccountToken = 21${K}; repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23; optional string priorityClassName = 24; optional int32 priority = 25${K};
  optional PodDNSConfig dnsConfig = 26; optional bool shareProcessNamespace = 27${K}; repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29${K}; optional bool enableServiceLinks = 30${K}; optional string preemptionPolicy = 31${K};
  map<string, ${Q}> overhead = 32; repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  repeated EphemeralContainer ephemeralContainers = 34; optional bool setHostnameAsFQDN = 35${K}; optional PodOS os = 36;
  optional bool hostUsers = 37${K}; repeated PodSchedulingGate schedulingGates = 38; repeated PodResourceClaim resourceClaims = 39;
  optional ResourceRequirements resources = 40;
}
message PodTemplateSpec { optional ${META}.ObjectMeta metadata = 1; optional PodSpec spec = 2; }
message PodTemplate { optional ${META}.ObjectMeta metadata = 1; optional PodTemplateSpec template = 2; }
message Pod { optional ${META}.ObjectMeta metadata = 1; optional PodSpec spec = 2; optional PodStatus status = 3; }
message PodStatus {
  optional string phase = 1; repeated PodCondition conditions = 2; optional string message = 3; optional string reason = 4;
  optional string hostIP = 5; optional string podIP = 6; optional ${META}.Time startTime = 7; repeated ContainerStatus containerStatuses = 8;
  optional string qosClass = 9; repeated ContainerStatus initContainerStatuses = 10; optional string nominatedNodeName = 11;
  repeated PodIP podIPs = 12; repeated ContainerStatus ephemeralContainerStatuses = 13; optional string resize = 14;
  repeated PodResourceClaimStatus resourceClaimStatuses = 15; repeated HostIP hostIPs = 16; optional int64 observedGeneration = 17;
}
message PodCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastProbeTime = 3;
  optional ${META}.Time lastTransitionTime = 4; optional string reason = 5; optional string message = 6; optional int64 observedGeneration = 7;
}
message PodIP { optional string ip = 1; }
message HostIP { optional string ip = 1; }
message PodResourceClaimStatus { optional string name = 1${K}; optional string resourceClaimName = 2${K}; }
message ContainerStatus {
  optional string name = 1${K}; optional ContainerState state = 2; optional ContainerState lastState = 3; optional bool ready = 4${K};
  optional int32 restartCount = 5${K}; optional string image = 6${K}; optional string imageID = 7${K}; optional string containerID = 8;
  optional bool started = 9${K}; map<string, ${Q}> allocatedResources = 10; optional ResourceRequirements resources = 11;
  repeated VolumeMountStatus volumeMounts = 12; optional ContainerUser user = 13; repeated ResourceStatus allocatedResourcesStatus = 14;
  optional string stopSignal = 15${K};
}
message ContainerUser { optional LinuxContainerUser linux = 1; }
message LinuxContainerUser { optional int64 uid = 1${K}; optional int64 gid = 2${K}; repeated int64 supplementalGroups = 3; }
message ResourceStatus { optional string name = 1${K}; repeated ResourceHealth resources = 2; }
message ResourceHealth { optional string resourceID = 1${K}; optional string health = 2; }
message VolumeMountStatus { optional string name = 1${K}; optional string mountPath = 2${K}; optional bool readOnly = 3; optional string recursiveReadOnly = 4${K}; }
message ContainerState { optional ContainerStateWaiting waiting = 1; optional ContainerStateRunning running = 2; optional ContainerStateTerminated terminated = 3; }
message ContainerStateWaiting { optional string reason = 1; optional string message = 2; }
message ContainerStateRunning { optional ${META}.Time startedAt = 1; }
message ContainerStateTerminated {
  optional int32 exitCode = 1${K}; optional int32 signal = 2; optional string reason = 3; optional string message = 4;
  optional ${META}.Time startedAt = 5; optional ${META}.Time finishedAt = 6; optional string containerID = 7;
}

message Namespace { optional ${META}.ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }
message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { optional string phase = 1; repeated NamespaceCondition conditions = 2; }
message NamespaceCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastTransitionTime = 4;
  optional string reason = 5; optional string message = 6;
}
message ConfigMap { optional ${META}.ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4${K}; }
message Secret {
  optional ${META}.ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3;
  map<string, string> stringData = 4; optional bool immutable = 5${K};
}
message ServiceAccount {
  optional ${META}.ObjectMeta metadata = 1; repeated ObjectReference secrets = 2;
  repeated LocalObjectReference imagePullSecrets = 3; optional bool automountServiceAccountToken = 4${K};
}
message Service { optional ${META}.ObjectMeta metadata = 1; optional ServiceSpec spec = 2; optional ServiceStatus status = 3; }
message ServiceSpec {
  repeated ServicePort ports = 1; map<string, string> selector = 2; optional string clusterIP = 3; optional string type = 4;
  repeated string externalIPs = 5; optional string sessionAffinity = 7; optional string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9; optional string externalName = 10; optional string externalTrafficPolicy = 11;
  optional int32 healthCheckNodePort = 12; optional bool publishNotReadyAddresses = 13;
  optional SessionAffinityConfig sessionAffinityConfig = 14; optional string ipFamilyPolicy = 17${K};
  repeated string clusterIPs = 18; repeated string ipFamilies = 19; optional bool allocateLoadBalancerNodePorts = 20${K};
  optional string loadBalancerClass = 21${K}; optional string internalTrafficPolicy = 22${K}; optional string trafficDistribution = 23${K};
}
message ServicePort {
  optional string name = 1; optional string protocol = 2; optional int32 port = 3${K}; optional ${IOS} targetPort = 4;
  optional int32 nodePort = 5; optional string appProtocol = 6${K};
}
message SessionAffinityConfig { optional ClientIPConfig clientIP = 1; }
message ClientIPConfig { optional int32 timeoutSeconds = 1${K}; }
message ServiceStatus { optional LoadBalancerStatus loadBalancer = 1; repeated ${META}.Condition conditions = 2; }
message LoadBalancerStatus { repeated LoadBalancerIngress ingress = 1; }
message LoadBalancerIngress { optional string ip = 1; optional string hostname = 2; optional string ipMode = 3${K}; repeated PortStatus ports = 4; }
message PortStatus { optional int32 port = 1${K}; optional string protocol = 2${K}; optional string error = 3${K}; }
message Endpoints { optional ${META}.ObjectMeta metadata = 1; repeated EndpointSubset subsets = 2; }
message EndpointSubset { repeated EndpointAddress addresses = 1; repeated EndpointAddress notReadyAddresses = 2; repeated EndpointPort ports = 3; }
message EndpointAddress { optional string ip = 1${K}; optional ObjectReference targetRef = 2; optional string hostname = 3; optional string nodeName = 4${K}; }
message EndpointPort { optional string name = 1; optional int32 port = 2${K}; optional string protocol = 3; optional string appProtocol = 4${K}; }

message Node { optional ${META}.ObjectMeta metadata = 1; optional NodeSpec spec = 2; optional NodeStatus status = 3; }
message NodeSpec {
  optional string podCIDR = 1; optional string externalID = 2; optional string providerID = 3; optional bool unschedulable = 4;
  repeated Taint taints = 5; optional NodeConfigSource configSource = 6; repeated string podCIDRs = 7;
}
message NodeConfigSource { optional ConfigMapNodeConfigSource configMap = 2; }
message ConfigMapNodeConfigSource {
  optional string namespace = 1${K}; optional string name = 2${K}; optional string uid = 3; optional string resourceVersion = 4;
  optional string kubeletConfigKey = 5${K};
}
message NodeStatus {
  map<string, ${Q}> capacity = 1; map<string, ${Q}> allocatable = 2; optional string phase = 3; repeated NodeCondition conditions = 4;
  repeated NodeAddress addresses = 5; optional NodeDaemonEndpoints daemonEndpoints = 6; optional NodeSystemInfo nodeInfo = 7;
  repeated ContainerImage images = 8; repeated string volumesInUse = 9; repeated AttachedVolume volumesAttached = 10;
  optional NodeConfigStatus config = 11; repeated NodeRuntimeHandler runtimeHandlers = 12; optional NodeFeatures features = 13;
}
message NodeRuntimeHandler { optional string name = 1${K}; optional NodeRuntimeHandlerFeatures features = 2; }
message NodeRuntimeHandlerFeatures { optional bool recursiveReadOnlyMounts = 1${K}; optional bool userNamespaces = 2${K}; }
message NodeFeatures { optional bool supplementalGroupsPolicy = 1${K}; }
message NodeCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastHeartbeatTime = 3;
  optional ${META}.Time lastTransitionTime = 4; optional string reason = 5; optional string message = 6;
}
message NodeAddress { optional string type = 1${K}; optional string address = 2${K}; }
message NodeDaemonEndpoints { optional DaemonEndpoint kubeletEndpoint = 1; }
message DaemonEndpoint { optional int32 Port = 1${K}; }
message NodeSystemInfo {
  optional string machineID = 1${K}; optional string systemUUID = 2${K}; optional string bootID = 3${K};
  optional string kernelVersion = 4${K}; optional string osImage = 5${K}; optional string containerRuntimeVersion = 6${K};
  optional string kubeletVersion = 7${K}; optional string kubeProxyVersion = 8${K}; optional string operatingSystem = 9${K};
  optional string architecture = 10${K}; optional NodeSwapStatus swap = 11;
}
message NodeSwapStatus { optional int64 capacity = 1${K}; }
message ContainerImage { repeated string names = 1${NUL}; optional int64 sizeBytes = 2; }
message AttachedVolume { optional string name = 1${K}; optional string devicePath = 2${K}; }
message NodeConfigStatus { optional NodeConfigSource assigned = 1; optional NodeConfigSource active = 2; optional NodeConfigSource lastKnownGood = 3; optional string error = 4; }

message Binding { optional ${META}.ObjectMeta metadata = 1; optional ObjectReference target = 2; }
message Event {
  optional ${META}.ObjectMeta metadata = 1; optional ObjectReference involvedObject = 2; optional string reason = 3;
  optional string message = 4; optional EventSource source = 5; optional ${META}.Time firstTimestamp = 6;
  optional ${META}.Time lastTimestamp = 7; optional int32 count = 8; optional string type = 9;
  optional ${META}.MicroTime eventTime = 10; optional EventSeries series = 11; optional string action = 12;
  optional ObjectReference related = 13; optional string reportingComponent = 14${K}; optional string reportingInstance = 15${K};
}
message EventSource { optional string component = 1; optional string host = 2; }
message EventSeries { optional int32 count = 1; optional ${META}.MicroTime lastObservedTime = 2; }
message LimitRange { optional ${META}.ObjectMeta metadata = 1; optional LimitRangeSpec spec = 2; }
message LimitRangeSpec { repeated LimitRangeItem limits = 1${NUL}; }
message LimitRangeItem {
  optional string type = 1${K}; map<string, ${Q}> max = 2; map<string, ${Q}> min = 3; map<string, ${Q}> default = 4;
  map<string, ${Q}> defaultRequest = 5; map<string, ${Q}> maxLimitRequestRatio = 6;
}
message ResourceQuota { optional ${META}.ObjectMeta metadata = 1; optional ResourceQuotaSpec spec = 2; optional ResourceQuotaStatus status = 3; }
message ResourceQuotaSpec { map<string, ${Q}> hard = 1; repeated string scopes = 2; optional ScopeSelector scopeSelector = 3; }
message ScopeSelector { repeated ScopedResourceSelectorRequirement matchExpressions = 1; }
message ScopedResourceSelectorRequirement { optional string scopeName = 1${K}; optional string operator = 2${K}; repeated string values = 3; }
message ResourceQuotaStatus { map<string, ${Q}> hard = 1; map<string, ${Q}> used = 2; }
message ReplicationController { optional ${META}.ObjectMeta metadata = 1; optional ReplicationControllerSpec spec = 2; optional ReplicationControllerStatus status = 3; }
message ReplicationControllerSpec { optional int32 replicas = 1${K}; map<string, string> selector = 2; optional PodTemplateSpec template = 3; optional int32 minReadySeconds = 4; }
message ReplicationControllerStatus {
  optional int32 replicas = 1${K}; optional int32 fullyLabeledReplicas = 2; optional int64 observedGeneration = 3;
  optional int32 readyReplicas = 4; optional int32 availableReplicas = 5; repeated ReplicationControllerCondition conditions = 6;
}
message ReplicationControllerCondition {
  optional string type = 1${K}; optional string status = 2${K}; optional ${META}.Time lastTransitionTime = 3;
  optional string reason = 4; optional string message = 5;
}
`;

/** Kinds of core/v1 a client may send as a request body. */
export const coreV1Kinds = [
  'Namespace', 'ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'Pod', 'PodTemplate', 'Endpoints', 'Node', 'Binding',
  'Event', 'LimitRange', 'ResourceQuota', 'PersistentVolumeClaim', 'PersistentVolume', 'ReplicationController',
];
