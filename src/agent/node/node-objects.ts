/**
 * The objects every kubelet writes about its node, shared by the real agent and the simulator:
 * node conditions, the node Lease, MicroTime. Pure (no I/O; time is an input).
 */
import type { KubeObject } from '../../api/types.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
/** Seconds a node Lease is valid for without renewal (kubelet's default). */
export const LEASE_DURATION_SECONDS = 40;

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface NodeCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The healthy conditions a kubelet reports (Ready=True/KubeletReady, no pressure). */
export function healthyConditions(heartbeat: string, transition: string): NodeCondition[] {
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: transition,
  });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The node's Lease as kubelet writes it (owned by the node so the GC removes it with the node). */
export function buildLease(name: string, nodeUid: string | undefined, now: Date): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) },
  };
}

/** RFC 3339 with microseconds (MicroTime). */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** RFC 3339 with seconds (metav1.Time). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
