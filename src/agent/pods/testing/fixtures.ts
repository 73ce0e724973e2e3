/** Builders of pods and CRI statuses for the pod-logic tests (times in seconds → CRI nanoseconds). */
import type { V1Container, V1Pod, V1PodSpec } from '../../../api/core/v1/index.js';
import type { ContainerState, ContainerStatus, PodSandboxState, PodSandboxStatus } from '../../runtime/cri-types.js';
import { CRI_LABELS } from '../../runtime/cri-types.js';
import { CONTAINER_ANNOTATIONS, containerHash } from '../helpers.js';

export const S = 1e9; // one second in CRI nanoseconds

export function pod(spec: Partial<V1PodSpec> = {}, meta: Partial<V1Pod['metadata']> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', ...meta },
    spec: {
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      containers: [{ name: 'app', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' }],
      ...spec,
    },
  };
}

export function ctr(name: string, extra: Partial<V1Container> = {}): V1Container {
  return { name, image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent', ...extra };
}

export function sandbox(id: string, opts: { attempt?: number; state?: PodSandboxState; created?: number; ip?: string; network?: 'POD' | 'NODE' } = {}): PodSandboxStatus {
  return {
    id,
    metadata: { name: 'web', uid: 'uid-1', namespace: 'default', attempt: opts.attempt ?? 0 },
    state: opts.state ?? 'SANDBOX_READY',
    createdAt: (opts.created ?? 1) * S,
    network: { ip: opts.ip ?? '10.42.0.5', additionalIps: [] },
    linux: { namespaces: { options: { network: opts.network ?? 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    labels: {},
    annotations: {},
  };
}

export interface CtrOpts {
  id?: string;
  attempt?: number;
  state?: ContainerState;
  exitCode?: number;
  reason?: string;
  message?: string;
  created?: number;
  started?: number;
  finished?: number;
  spec?: V1Container;
}

export function status(name: string, o: CtrOpts = {}): ContainerStatus {
  const attempt = o.attempt ?? 0;
  const state = o.state ?? 'CONTAINER_RUNNING';
  const created = o.created ?? 10 + attempt * 100;
  const started = state === 'CONTAINER_CREATED' ? 0 : (o.started ?? created + 1);
  const finished = state === 'CONTAINER_EXITED' ? (o.finished ?? started + 10) : 0;
  return {
    id: o.id ?? `${name}-${attempt}`,
    metadata: { name, attempt },
    state,
    createdAt: created * S,
    startedAt: started * S,
    finishedAt: finished * S,
    exitCode: o.exitCode ?? 0,
    image: { image: 'busybox:1.36' },
    imageRef: 'sha256:abc',
    reason: o.reason ?? (state === 'CONTAINER_EXITED' ? ((o.exitCode ?? 0) === 0 ? 'Completed' : 'Error') : ''),
    message: o.message ?? '',
    labels: { [CRI_LABELS.containerName]: name, [CRI_LABELS.podUid]: 'uid-1' },
    annotations: {
      [CONTAINER_ANNOTATIONS.restartCount]: String(attempt),
      ...(o.spec ? { [CONTAINER_ANNOTATIONS.hash]: containerHash(o.spec) } : {}),
    },
    mounts: [],
    logPath: `${name}/${attempt}.log`,
  };
}
