/**
 * The Container Runtime Interface (k8s.io/cri-api runtime/v1) as the agent uses it: the messages
 * of the calls below, in the shape @grpc/proto-loader produces with
 * `{ keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true }`
 * (camelCase fields, enums as their names, int64 as number: nanosecond timestamps lose their last
 * bits, milliseconds stay exact). Only the fields Flotilla reads or writes are declared; the .proto
 * beside this file carries upstream's field numbers.
 *
 * Contract of both services: every method rejects with a CriError (cri-errors.ts) whose `code` is
 * the gRPC status (NOT_FOUND for an unknown sandbox/container/image, UNAVAILABLE when the runtime
 * is down), never with a raw transport error. Implementations: the gRPC client (cri/client.ts) and
 * the in-memory fake (testing/fake-runtime.ts) that pod-worker tests use.
 */

export type Timestamp = number; // nanoseconds since the epoch

export interface KeyValue {
  key: string;
  value: string;
}

// ---- shared -------------------------------------------------------------------------------------

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface ImageSpec {
  image: string;
  annotations?: Record<string, string>;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PortMapping {
  protocol: Protocol;
  containerPort: number;
  hostPort: number;
  hostIp: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  selinuxRelabel?: boolean;
  /** 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL' */
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

/** NODE: share the host's namespace; POD: the sandbox's; CONTAINER: its own. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface NamespaceOption {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
}

export interface Int64Value {
  value: number;
}

export interface LinuxContainerResources {
  cpuPeriod: number;
  cpuQuota: number;
  cpuShares: number;
  memoryLimitInBytes: number;
  oomScoreAdj: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  unified?: Record<string, string>;
}

export interface Capability {
  addCapabilities: string[];
  dropCapabilities: string[];
}

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged: boolean;
  namespaceOptions?: NamespaceOption;
  runAsUser?: Int64Value;
  runAsGroup?: Int64Value;
  runAsUsername?: string;
  readonlyRootfs: boolean;
  supplementalGroups: number[];
  noNewPrivs: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export interface LinuxPodSandboxConfig {
  cgroupParent: string;
  securityContext?: {
    namespaceOptions?: NamespaceOption;
    runAsUser?: Int64Value;
    runAsGroup?: Int64Value;
    readonlyRootfs?: boolean;
    supplementalGroups?: number[];
    privileged?: boolean;
  };
  sysctls?: Record<string, string>;
  /** Pod-level limits (sum of containers), used for the sandbox cgroup. */
  resources?: LinuxContainerResources;
}

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

// ---- RuntimeService -----------------------------------------------------------------------------

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  logDirectory: string;
  dnsConfig?: DNSConfig;
  portMappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux?: LinuxPodSandboxConfig;
}

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxNetworkStatus {
  ip: string;
  additionalIps: { ip: string }[];
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: Timestamp;
  network?: PodSandboxNetworkStatus;
  linux?: { namespaces?: { options?: NamespaceOption } };
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: Timestamp;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState };
  labelSelector?: Record<string, string>;
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command: string[];
  args: string[];
  workingDir: string;
  envs: KeyValue[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's logDirectory. */
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  linux?: { resources?: LinuxContainerResources; securityContext?: LinuxContainerSecurityContext };
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  createdAt: Timestamp;
  startedAt: Timestamp;
  finishedAt: Timestamp;
  exitCode: number;
  image: ImageSpec;
  /** The image's digest reference (what `imageID` in the pod status shows). */
  imageRef: string;
  /** 'OOMKilled', 'Completed', 'Error', 'ContainerCannotRun', ... */
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: Mount[];
  logPath: string;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: ImageSpec;
  imageRef: string;
  state: ContainerState;
  createdAt: Timestamp;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState };
  podSandboxId?: string;
  labelSelector?: Record<string, string>;
}

export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export interface StreamingRequest {
  containerId: string;
  cmd?: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** A uint64 the runtime may leave unset (UInt64Value). */
export interface UInt64Value {
  value: number;
}

export interface CpuUsage {
  timestamp: Timestamp;
  /** Cumulative CPU time (all cores) since the object was created. */
  usageCoreNanoSeconds?: UInt64Value;
  /**
   * The runtime's own rate (containerd ≥ 1.6 computes it between two calls of any client, 0 on the
   * first); the stats provider computes its own from two samples instead.
   */
  usageNanoCores?: UInt64Value;
}

export interface MemoryUsage {
  timestamp: Timestamp;
  workingSetBytes?: UInt64Value;
  /** limit - workingSet; containerd reports 0 when the cgroup has no limit. */
  availableBytes?: UInt64Value;
  usageBytes?: UInt64Value;
  rssBytes?: UInt64Value;
  pageFaults?: UInt64Value;
  majorPageFaults?: UInt64Value;
}

export interface FilesystemUsage {
  timestamp?: Timestamp;
  fsId?: { mountpoint: string };
  usedBytes?: UInt64Value;
  inodesUsed?: UInt64Value;
}

export interface ContainerStats {
  attributes: { id: string; metadata: ContainerMetadata; labels: Record<string, string>; annotations: Record<string, string> };
  cpu?: CpuUsage;
  memory?: MemoryUsage;
  writableLayer?: FilesystemUsage;
}

export interface NetworkInterfaceUsage {
  name: string;
  rxBytes?: UInt64Value;
  rxErrors?: UInt64Value;
  txBytes?: UInt64Value;
  txErrors?: UInt64Value;
}

export interface PodSandboxStats {
  attributes: { id: string; metadata: PodSandboxMetadata; labels: Record<string, string>; annotations: Record<string, string> };
  linux?: {
    /** Of the pod's cgroup (every container plus the pause process). */
    cpu?: CpuUsage;
    memory?: MemoryUsage;
    /** Of the sandbox's network namespace (absent for host-network pods). */
    network?: { timestamp: Timestamp; defaultInterface?: NetworkInterfaceUsage; interfaces?: NetworkInterfaceUsage[] };
    process?: { timestamp: Timestamp; processCount?: UInt64Value };
    containers?: ContainerStats[];
  };
}

export interface RuntimeCondition {
  type: string; // 'RuntimeReady' | 'NetworkReady'
  status: boolean;
  reason: string;
  message: string;
}

export interface RuntimeService {
  version(): Promise<VersionResponse>;
  /** Runtime and network readiness (NetworkReady is false until a CNI config exists). */
  status(): Promise<RuntimeCondition[]>;

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Idempotent: stopping a stopped or missing sandbox resolves. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Idempotent: removing a missing sandbox resolves. */
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM (or the image's stop signal), SIGKILL after timeoutSeconds. Idempotent. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Idempotent: removing a missing container resolves. */
  removeContainer(containerId: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;

  /** Runs a command to completion (exec probes); rejects with DEADLINE_EXCEEDED past the timeout. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
  /** URLs of the runtime's streaming server for one exec / attach / port-forward session. */
  exec(req: StreamingRequest): Promise<string>;
  attach(req: StreamingRequest): Promise<string>;
  portForward(podSandboxId: string, ports: number[]): Promise<string>;

  /** Stats of the running containers (containerd leaves out containers that are not running). */
  listContainerStats(filter?: { id?: string; podSandboxId?: string }): Promise<ContainerStats[]>;
  /**
   * Stats of the ready sandboxes: the pod cgroup, the pod network and each running container
   * (CRI ListPodSandboxStats, containerd ≥ 1.6). Optional: runtimes without it reject with
   * UNIMPLEMENTED or leave the method out; callers then sum the containers.
   */
  listPodSandboxStats?(filter?: { id?: string; labelSelector?: Record<string, string> }): Promise<PodSandboxStats[]>;
  /** Asks the runtime to reopen a container's log file (after log rotation). */
  reopenContainerLog(containerId: string): Promise<void>;
}

// ---- ImageService -------------------------------------------------------------------------------

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: Int64Value;
  username: string;
  pinned: boolean;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface ImageService {
  listImages(filter?: { image?: ImageSpec }): Promise<Image[]>;
  /** undefined when the image is not present. */
  imageStatus(image: ImageSpec): Promise<Image | undefined>;
  /** Resolves with the image reference (digest) pulled. */
  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  /** Idempotent: removing a missing image resolves. */
  removeImage(image: ImageSpec): Promise<void>;
  imageFsInfo(): Promise<{ usedBytes: number; inodesUsed: number; mountpoint: string }[]>;
}

/** Labels the agent puts on every sandbox and container it creates (kubelet's, so tools agree). */
export const CRI_LABELS = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
} as const;
