/**
 * containerConfig: the CRI ContainerConfig of one container of a pod (kuberuntime_container.go
 * generateContainerConfig, kuberuntime_container_linux.go, security_context.go, labels.go). Pure:
 * the resolved environment, the mounts (volumes engineer) and the image's user are inputs.
 */
import type { V1Container, V1Pod, V1SecurityContext } from '../../api/core/v1/index.js';
import type { ContainerConfig, KeyValue, LinuxContainerSecurityContext, Mount } from '../runtime/cri-types.js';
import { CRI_LABELS } from '../runtime/cri-types.js';
import { expand, mappingFuncFor } from './expansion.js';
import { CONTAINER_ANNOTATIONS, containerHash, formatPod } from './helpers.js';
import { containerLinuxResources } from './resources.js';
import { podNamespaceOptions } from './sandbox-config.js';

export interface ContainerConfigContext {
  /** The container's restart count: its CRI attempt and its log file number. */
  attempt: number;
  /** From resolveEnv. */
  env: KeyValue[];
  /** Volume mounts (and /etc/hosts, /dev/termination-log...) built by the volume layer. */
  mounts: Mount[];
  /** The image to run: the pulled image's reference (digest or id); default container.image. */
  imageRef?: string;
  /** Log path relative to the sandbox's log directory; default `<name>/<attempt>.log`. */
  logPath?: string;
  /** Node memory capacity in bytes (Burstable oom_score_adj). */
  memoryCapacityBytes: number;
  /** The image's configured user (ImageService imageStatus uid/username), for runAsNonRoot. */
  imageUser?: { uid?: number; username?: string };
  /**
   * Host file that backs the termination message (see terminationMessageHostPath); when given,
   * it is mounted at the container's terminationMessagePath.
   */
  terminationMessageHostPath?: string;
}

export type ContainerConfigResult = { config: ContainerConfig } | { error: { reason: 'CreateContainerConfigError'; message: string } };

/** Paths the runtime masks in /proc and /sys unless procMount is Unmasked. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/**
 * Where the termination message of one container instance lives on the host:
 * `<podDir>/containers/<name>/termination-<attempt>` (upstream uses a random file name in the same
 * folder). The volume layer creates the empty file before the container is created.
 */
export function terminationMessageHostPath(podDir: string, containerName: string, attempt: number): string {
  return `${podDir.replace(/\/+$/, '')}/containers/${containerName}/termination-${attempt}`;
}

/** CRI log path of one container instance, relative to the sandbox log directory. */
export function containerLogPath(containerName: string, attempt: number): string {
  return `${containerName}/${attempt}.log`;
}

/** `$(VAR)` expansion of command and args against the final environment (upstream's). */
export function expandCommandAndArgs(container: V1Container, env: readonly KeyValue[]): { command: string[]; args: string[] } {
  const mapping = mappingFuncFor(new Map(env.map((kv) => [kv.key, kv.value])));
  return { command: (container.command ?? []).map((s) => expand(s, mapping)), args: (container.args ?? []).map((s) => expand(s, mapping)) };
}

/** DetermineEffectiveSecurityContext: the container's context over the pod's inheritable fields. */
export function effectiveSecurityContext(pod: V1Pod, container: V1Container): V1SecurityContext | undefined {
  const psc = pod.spec?.securityContext;
  const csc = container.securityContext;
  if (!psc && !csc) return undefined;
  const out: V1SecurityContext = { ...(csc ?? {}) };
  if (psc) {
    if (out.runAsUser === undefined && psc.runAsUser !== undefined) out.runAsUser = psc.runAsUser;
    if (out.runAsGroup === undefined && psc.runAsGroup !== undefined) out.runAsGroup = psc.runAsGroup;
    if (out.runAsNonRoot === undefined && psc.runAsNonRoot !== undefined) out.runAsNonRoot = psc.runAsNonRoot;
    if (out.seLinuxOptions === undefined && psc.seLinuxOptions !== undefined) out.seLinuxOptions = psc.seLinuxOptions;
    if (out.seccompProfile === undefined && psc.seccompProfile !== undefined) out.seccompProfile = psc.seccompProfile;
    if (out.appArmorProfile === undefined && psc.appArmorProfile !== undefined) out.appArmorProfile = psc.appArmorProfile;
  }
  return out;
}

/** verifyRunAsNonRoot: the error message when runAsNonRoot cannot hold, else undefined. */
export function verifyRunAsNonRoot(pod: V1Pod, container: V1Container, imageUser?: { uid?: number; username?: string }): string | undefined {
  const sc = effectiveSecurityContext(pod, container);
  if (!sc || sc.runAsNonRoot !== true) return undefined;
  if (sc.runAsUser !== undefined) {
    return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy (pod: "${formatPod(pod)}", container: ${container.name})` : undefined;
  }
  if (imageUser?.uid === 0) return `container has runAsNonRoot and image will run as root (pod: "${formatPod(pod)}", container: ${container.name})`;
  if (imageUser?.uid === undefined && imageUser?.username)
    return `container has runAsNonRoot and image has non-numeric user (${imageUser.username}), cannot verify user is non-root (pod: "${formatPod(pod)}", container: ${container.name})`;
  return undefined;
}

/**
 * The CRI security context: the effective context's user, group, privileged, read-only root and
 * capabilities (names passed as written, without a CAP_ prefix: containerd adds it), the pod's
 * namespaces, fsGroup then supplementalGroups, noNewPrivs = allowPrivilegeEscalation === false,
 * and the masked/read-only /proc paths (none for procMount Unmasked).
 */
export function containerSecurityContext(pod: V1Pod, container: V1Container, imageUser?: { uid?: number; username?: string }): LinuxContainerSecurityContext {
  const sc = effectiveSecurityContext(pod, container);
  const psc = pod.spec?.securityContext;
  const out: LinuxContainerSecurityContext = {
    privileged: sc?.privileged === true,
    readonlyRootfs: sc?.readOnlyRootFilesystem === true,
    supplementalGroups: [...(psc?.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc?.supplementalGroups ?? [])],
    noNewPrivs: sc?.allowPrivilegeEscalation === false,
    namespaceOptions: podNamespaceOptions(pod),
    maskedPaths: sc?.procMount === 'Unmasked' ? [] : [...DEFAULT_MASKED_PATHS],
    readonlyPaths: sc?.procMount === 'Unmasked' ? [] : [...DEFAULT_READONLY_PATHS],
  };
  if (sc?.capabilities) out.capabilities = { addCapabilities: [...(sc.capabilities.add ?? [])], dropCapabilities: [...(sc.capabilities.drop ?? [])] };
  if (sc?.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  else {
    if (imageUser?.uid !== undefined) out.runAsUser = { value: imageUser.uid };
    if (imageUser?.username) out.runAsUsername = imageUser.username;
  }
  if (sc?.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  return out;
}

/** Container labels: the pod's identity and the container's name (no pod labels). */
export function containerLabels(pod: V1Pod, container: V1Container): Record<string, string> {
  return {
    [CRI_LABELS.podName]: pod.metadata.name ?? '',
    [CRI_LABELS.podNamespace]: pod.metadata.namespace ?? '',
    [CRI_LABELS.podUid]: pod.metadata.uid ?? '',
    [CRI_LABELS.containerName]: container.name ?? '',
  };
}

/** Container annotations: spec hash, restart count, termination message settings, grace periods, preStop, ports. */
export function containerAnnotations(pod: V1Pod, container: V1Container, restartCount: number): Record<string, string> {
  const a: Record<string, string> = {
    [CONTAINER_ANNOTATIONS.hash]: containerHash(container),
    [CONTAINER_ANNOTATIONS.restartCount]: String(restartCount),
    [CONTAINER_ANNOTATIONS.terminationMessagePath]: container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH,
    [CONTAINER_ANNOTATIONS.terminationMessagePolicy]: container.terminationMessagePolicy ?? 'File',
  };
  if (pod.metadata.deletionGracePeriodSeconds !== undefined) a[CONTAINER_ANNOTATIONS.podDeletionGracePeriod] = String(pod.metadata.deletionGracePeriodSeconds);
  if (pod.spec?.terminationGracePeriodSeconds !== undefined) a[CONTAINER_ANNOTATIONS.podTerminationGracePeriod] = String(pod.spec.terminationGracePeriodSeconds);
  if (container.lifecycle?.preStop) a[CONTAINER_ANNOTATIONS.preStopHandler] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports && container.ports.length > 0) a[CONTAINER_ANNOTATIONS.ports] = JSON.stringify(container.ports);
  return a;
}

/** The container's CRI config, or the CreateContainerConfigError that prevents it (runAsNonRoot). */
export function containerConfig(pod: V1Pod, container: V1Container, ctx: ContainerConfigContext): ContainerConfigResult {
  const nonRoot = verifyRunAsNonRoot(pod, container, ctx.imageUser);
  if (nonRoot) return { error: { reason: 'CreateContainerConfigError', message: nonRoot } };
  const name = container.name ?? '';
  const { command, args } = expandCommandAndArgs(container, ctx.env);
  const mounts = [...ctx.mounts];
  const tmPath = container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  if (ctx.terminationMessageHostPath && tmPath !== '' && !mounts.some((m) => m.containerPath === tmPath)) {
    mounts.push({ containerPath: tmPath, hostPath: ctx.terminationMessageHostPath, readonly: false });
  }
  const config: ContainerConfig = {
    metadata: { name, attempt: ctx.attempt },
    image: { image: ctx.imageRef ?? container.image ?? '' },
    command,
    args,
    workingDir: container.workingDir ?? '',
    envs: ctx.env.map((kv) => ({ key: kv.key, value: kv.value })),
    mounts,
    labels: containerLabels(pod, container),
    annotations: containerAnnotations(pod, container, ctx.attempt),
    logPath: ctx.logPath ?? containerLogPath(name, ctx.attempt),
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    linux: {
      resources: containerLinuxResources(pod, container, ctx.memoryCapacityBytes),
      securityContext: containerSecurityContext(pod, container, ctx.imageUser),
    },
  };
  return { config };
}
