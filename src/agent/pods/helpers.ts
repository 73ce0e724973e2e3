/**
 * Shared readings of a pod and of what the runtime reports about it (upstream's
 * pkg/kubelet/container/helpers.go and kuberuntime/labels.go). Pure.
 */
import type { V1Container, V1Pod } from '../../api/core/v1/index.js';
import type { ContainerStatus, NamespaceMode, PodSandboxStatus } from '../runtime/cri-types.js';

/** Annotations the agent puts on every container (kubelet's names, so crictl users see the same). */
export const CONTAINER_ANNOTATIONS = {
  hash: 'io.kubernetes.container.hash',
  restartCount: 'io.kubernetes.container.restartCount',
  terminationMessagePath: 'io.kubernetes.container.terminationMessagePath',
  terminationMessagePolicy: 'io.kubernetes.container.terminationMessagePolicy',
  preStopHandler: 'io.kubernetes.container.preStopHandler',
  ports: 'io.kubernetes.container.ports',
  podDeletionGracePeriod: 'io.kubernetes.pod.deletionGracePeriod',
  podTerminationGracePeriod: 'io.kubernetes.pod.terminationGracePeriod',
} as const;

/** What the runtime observed of one pod: every sandbox and container labelled with its UID. */
export interface ObservedPod {
  sandboxes: readonly PodSandboxStatus[];
  containers: readonly ContainerStatus[];
}

/** Sandboxes newest first (upstream sorts by creation time, descending). */
export function sandboxesNewestFirst(sandboxes: readonly PodSandboxStatus[]): PodSandboxStatus[] {
  return [...sandboxes].sort((a, b) => b.createdAt - a.createdAt || b.metadata.attempt - a.metadata.attempt);
}

/** Containers newest first: by creation time, then attempt. */
export function containersNewestFirst(containers: readonly ContainerStatus[]): ContainerStatus[] {
  return [...containers].sort((a, b) => b.createdAt - a.createdAt || b.metadata.attempt - a.metadata.attempt);
}

/** The newest container status of `name` (upstream FindContainerStatusByName on sorted statuses). */
export function latestContainerStatus(containers: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  let best: ContainerStatus | undefined;
  for (const c of containers) {
    if (c.metadata.name !== name) continue;
    if (!best || c.createdAt > best.createdAt || (c.createdAt === best.createdAt && c.metadata.attempt > best.metadata.attempt)) best = c;
  }
  return best;
}

/** The newest exited container of `name` (what the crash-loop back-off measures from). */
export function latestExitedStatus(containers: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return latestContainerStatus(
    containers.filter((c) => c.state === 'CONTAINER_EXITED'),
    name,
  );
}

/** The restart count a container was created with: its annotation, else its metadata attempt. */
export function restartCountOf(c: ContainerStatus): number {
  const raw = c.annotations?.[CONTAINER_ANNOTATIONS.restartCount];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : c.metadata.attempt;
}

export function restartPolicyOf(pod: V1Pod): 'Always' | 'OnFailure' | 'Never' {
  const p = pod.spec?.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** shouldRestartOnFailure: any policy but Never. */
export function shouldRestartOnFailure(pod: V1Pod): boolean {
  return restartPolicyOf(pod) !== 'Never';
}

/** An init container with restartPolicy Always (a sidecar). */
export function isRestartableInitContainer(c: V1Container): boolean {
  return c.restartPolicy === 'Always';
}

export function isHostNetworkPod(pod: V1Pod): boolean {
  return pod.spec?.hostNetwork === true;
}

export function networkNamespaceForPod(pod: V1Pod): NamespaceMode {
  return isHostNetworkPod(pod) ? 'NODE' : 'POD';
}

export function pidNamespaceForPod(pod: V1Pod): NamespaceMode {
  if (pod.spec?.hostPID) return 'NODE';
  return pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER';
}

export function ipcNamespaceForPod(pod: V1Pod): NamespaceMode {
  return pod.spec?.hostIPC ? 'NODE' : 'POD';
}

/**
 * ShouldContainerBeRestarted: never for a deleted pod; always when it never ran, or is created or
 * unknown; never while running; for an exited one, by restart policy (OnFailure: non-zero exits).
 */
export function shouldContainerBeRestarted(container: V1Container, pod: V1Pod, containers: readonly ContainerStatus[]): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const s = latestContainerStatus(containers, container.name ?? '');
  if (!s) return true;
  if (s.state === 'CONTAINER_RUNNING') return false;
  if (s.state === 'CONTAINER_UNKNOWN' || s.state === 'CONTAINER_CREATED') return true;
  const policy = restartPolicyOf(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && s.exitCode === 0) return false;
  return true;
}

/** `name_namespace(uid)`, upstream's format.Pod. */
export function formatPod(pod: V1Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/**
 * A stable hash of a container's spec without its resources (what upstream's HashContainer
 * detects: a change means the container must be recreated). 16 hex digits of FNV-1a 64 over a
 * JSON form with sorted keys.
 */
export function containerHash(container: V1Container): string {
  const { resources: _resources, resizePolicy: _resize, ...rest } = container;
  const text = stableJSON(rest);
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16);
}

function stableJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJSON).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJSON(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * PodSandboxChanged: whether a new sandbox is needed (none, none ready, more than one ready, the
 * newest not ready, its network namespace mode differs from the pod's, or it lost its IP), the
 * attempt a new one gets, and the id of the sandbox to use or to kill ('' for none).
 */
export function podSandboxChanged(pod: V1Pod, sandboxes: readonly PodSandboxStatus[]): { changed: boolean; attempt: number; sandboxId: string; why: string } {
  if (sandboxes.length === 0) return { changed: true, attempt: 0, sandboxId: '', why: 'no sandbox' };
  const sorted = sandboxesNewestFirst(sandboxes);
  const newest = sorted[0]!;
  const ready = sorted.filter((s) => s.state === 'SANDBOX_READY').length;
  const next = newest.metadata.attempt + 1;
  if (ready > 1) return { changed: true, attempt: next, sandboxId: newest.id, why: `${ready} sandboxes are ready` };
  if (newest.state !== 'SANDBOX_READY') return { changed: true, attempt: next, sandboxId: newest.id, why: 'the sandbox is not ready' };
  const netns = newest.linux?.namespaces?.options?.network;
  if (netns !== undefined && netns !== networkNamespaceForPod(pod)) return { changed: true, attempt: next, sandboxId: '', why: 'the network namespace mode changed' };
  if (!isHostNetworkPod(pod) && newest.network !== undefined && newest.network.ip === '')
    return { changed: true, attempt: next, sandboxId: newest.id, why: 'the sandbox has no IP address' };
  return { changed: false, attempt: newest.metadata.attempt, sandboxId: newest.id, why: '' };
}

/** A CRI timestamp (ns) as metav1.Time's RFC 3339 form with second precision. */
export function rfc3339FromNanos(ns: number): string {
  return rfc3339FromMillis(Math.floor(ns / 1e6));
}

export function rfc3339FromMillis(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
