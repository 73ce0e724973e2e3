/**
 * The node agent's pod logic as pure functions (the kubelet's decision layer): what to do in one
 * sync, the CRI configs of sandboxes and containers, the environment, the pod status, and the
 * crash-loop / image-pull back-off. No I/O; time, runtime observations and API objects are inputs.
 */
export {
  CRASH_LOOP_BACKOFF,
  IMAGE_PULL_BACKOFF,
  EMPTY_BACKOFF,
  backoffNext,
  backoffReset,
  backoffGC,
  backoffView,
  isInBackOffSince,
  isInBackOffSinceUpdate,
  containerBackoffKey,
  imagePullBackoffKey,
  formatGoDuration,
  type BackoffPolicy,
  type BackoffEntry,
  type BackoffState,
  type BackoffView,
} from './backoff.js';
export { expand, mappingFuncFor } from './expansion.js';
export {
  CONTAINER_ANNOTATIONS,
  containerHash,
  containersNewestFirst,
  formatPod,
  isRestartableInitContainer,
  latestContainerStatus,
  latestExitedStatus,
  podSandboxChanged,
  restartCountOf,
  restartPolicyOf,
  sandboxesNewestFirst,
  shouldContainerBeRestarted,
  rfc3339FromMillis,
  rfc3339FromNanos,
  type ObservedPod,
} from './helpers.js';
export {
  computePodActions,
  imagePullPolicyOf,
  type ContainerKillReason,
  type ContainerToKill,
  type ContainerToStart,
  type KillPodReason,
  type PodActions,
  type PodActionsContext,
  type ProbeVerdict,
  type ProbeVerdicts,
  type WaitingReason,
} from './pod-actions.js';
export { resolveEnv, downwardFieldValue, downwardResourceValue, type EnvSources, type EnvEvent, type EnvResult } from './env.js';
export {
  podSandboxConfig,
  podDNSConfig,
  podHostnameAndDomain,
  podPortMappings,
  podNamespaceOptions,
  podLogDirectory,
  parseResolvConf,
  normalizeSysctlName,
  type PodDNSSettings,
  type SandboxConfigOptions,
  type SandboxConfigResult,
  type SandboxEvent,
} from './sandbox-config.js';
export {
  containerConfig,
  containerLogPath,
  containerLabels,
  containerAnnotations,
  containerSecurityContext,
  effectiveSecurityContext,
  expandCommandAndArgs,
  terminationMessageHostPath,
  verifyRunAsNonRoot,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  DEFAULT_TERMINATION_MESSAGE_PATH,
  type ContainerConfigContext,
  type ContainerConfigResult,
} from './container-config.js';
export {
  calculateLinuxResources,
  containerLinuxResources,
  containerOOMScoreAdjust,
  milliCPUToQuota,
  milliCPUToShares,
  podCgroupParent,
  podEffectiveResources,
  qosClassOf,
  DEFAULT_CGROUP_ROOT,
  type QOSClass,
} from './resources.js';
export { computePodStatus, getPhase, hasAnyRegularContainerStarted, sandboxPodIPs, currentContainer, KUBELET_CONDITIONS, type PodStatusContext, type ProbeResults } from './pod-status.js';
