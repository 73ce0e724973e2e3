/**
 * Which container attempt a log request reads, from the pod's status as the agent reports it:
 * kubelet's validateContainerLogStatus, with its messages (the node answers 400 with them and
 * the apiserver passes them on, so `kubectl logs` prints them as they are). Pure.
 */
import type { V1ContainerStatus, V1PodStatus } from '../../api/core/v1/pod-types.js';

export type LogTarget = { containerId: string } | { error: string };

/** Strips the runtime scheme of a status container ID (`containerd://abc` → `abc`). */
export function runtimeContainerId(id: string): string {
  const i = id.indexOf('://');
  return i >= 0 ? id.slice(i + 3) : id;
}

export function selectLogTarget(podName: string, status: V1PodStatus | undefined, containerName: string, previous: boolean): LogTarget {
  const find = (list: V1ContainerStatus[] | undefined) => list?.find((c) => c.name === containerName);
  const cs = find(status?.containerStatuses) ?? find(status?.initContainerStatuses) ?? find(status?.ephemeralContainerStatuses);
  const q = (s: string) => JSON.stringify(s);
  if (!cs) return { error: `container ${q(containerName)} in pod ${q(podName)} is not available` };
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  let id: string;
  if (previous) {
    if (!last?.containerID) return { error: `previous terminated container ${q(containerName)} in pod ${q(podName)} not found` };
    id = last.containerID;
  } else if (running) {
    if (!cs.containerID) return { error: `container ${q(containerName)} in pod ${q(podName)} is waiting to start - no logs yet` };
    id = cs.containerID;
  } else if (terminated) {
    if (terminated.containerID) id = terminated.containerID;
    else if (last?.containerID) id = last.containerID;
    else return { error: `container ${q(containerName)} in pod ${q(podName)} is terminated` };
  } else if (last) {
    if (!last.containerID) return { error: `container ${q(containerName)} in pod ${q(podName)} is terminated` };
    id = last.containerID;
  } else if (waiting) {
    const reason = waiting.reason ?? '';
    if (reason === 'ErrImagePull') return { error: `container ${q(containerName)} in pod ${q(podName)} is waiting to start: image can't be pulled` };
    if (reason === 'ImagePullBackOff') return { error: `container ${q(containerName)} in pod ${q(podName)} is waiting to start: trying and failing to pull image` };
    return { error: `container ${q(containerName)} in pod ${q(podName)} is waiting to start: ${reason}` };
  } else {
    return { error: `container ${q(containerName)} in pod ${q(podName)} is waiting to start - no logs yet` };
  }
  return { containerId: runtimeContainerId(id) };
}

/**
 * The running container an exec / attach goes to (kubelet's findContainer over running
 * containers): the status's containerID while the state is running, else kubelet's error text.
 */
export function selectRunningContainer(status: V1PodStatus | undefined, containerName: string): LogTarget {
  const all = [...(status?.containerStatuses ?? []), ...(status?.initContainerStatuses ?? []), ...(status?.ephemeralContainerStatuses ?? [])];
  const cs = all.find((c) => c.name === containerName);
  if (!cs?.state?.running || !cs.containerID) return { error: `container not found (${JSON.stringify(containerName)})` };
  return { containerId: runtimeContainerId(cs.containerID) };
}
