/**
 * The Node a real agent registers and the status it reports, from facts about the host (pure: the
 * facts and the time are inputs; host-facts.ts gathers them). Mirrors the kubelet: capacity from the
 * machine, allocatable minus the default hard-eviction thresholds (memory.available 100Mi,
 * nodefs.available 10%), the four kubelet conditions with transition times kept while unchanged,
 * addresses, nodeInfo and the kubelet endpoint.
 */
import type { KubeObject } from '../../api/types.js';
import { type NodeCondition, type NodeTaint, rfc3339 } from './node-objects.js';

/** What the agent knows about its machine. */
export interface HostFacts {
  cpus: number;
  memoryBytes: number;
  /** Size of the filesystem holding the agent's data dir. */
  ephemeralStorageBytes: number;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  /** Go's GOARCH naming: amd64, arm64. */
  architecture: string;
  /** e.g. containerd://1.6.20 */
  containerRuntimeVersion: string;
  internalIP: string;
  hostname: string;
}

export interface AgentNodeOptions {
  name: string;
  /** --node-label values (applied at registration and kept in sync, as kubelet's --node-labels). */
  labels: Record<string, string>;
  /** --node-taint values (applied only when the node is registered, as kubelet's --register-with-taints). */
  taints: NodeTaint[];
  kubeletVersion: string;
  /** Port of the agent's own HTTPS server (logs, exec, port-forward, stats). */
  kubeletPort: number;
  maxPods: number;
}

/** What the agent observed about its own health at one heartbeat. */
export interface NodeHealth {
  /** Empty when the runtime and the pod network are ready; otherwise the reason, as the kubelet words it. */
  notReadyMessage: string;
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
}

const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
const EVICTION_NODEFS_FRACTION = 0.1;

/** Labels the kubelet owns on its Node (reset to these values on every start). */
export function defaultNodeLabels(name: string, arch: string): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
}

function capacityOf(facts: HostFacts, opts: AgentNodeOptions): Record<string, string> {
  return {
    cpu: String(facts.cpus),
    'ephemeral-storage': `${Math.floor(facts.ephemeralStorageBytes / 1024)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: String(opts.maxPods),
  };
}

function allocatableOf(facts: HostFacts, opts: AgentNodeOptions): Record<string, string> {
  return {
    cpu: String(facts.cpus),
    'ephemeral-storage': String(Math.floor(facts.ephemeralStorageBytes * (1 - EVICTION_NODEFS_FRACTION))),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(Math.max(0, facts.memoryBytes - EVICTION_MEMORY_BYTES) / 1024)}Ki`,
    pods: String(opts.maxPods),
  };
}

/**
 * The four kubelet conditions at `now`: heartbeat times always `now`, transition times kept from
 * `prev` while a condition's status is unchanged.
 */
export function nodeConditions(prev: readonly NodeCondition[] | undefined, health: NodeHealth, now: Date): NodeCondition[] {
  const ts = rfc3339(now);
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const before = prev?.find((p) => p.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: ts,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : ts,
    };
  };
  return [
    health.memoryPressure
      ? c('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
      : c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    health.diskPressure
      ? c('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure')
      : c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    health.pidPressure
      ? c('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')
      : c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    health.notReadyMessage
      ? c('Ready', 'False', 'KubeletNotReady', health.notReadyMessage)
      : c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The node's status at `now` (conditions from nodeConditions). */
export function nodeStatus(facts: HostFacts, opts: AgentNodeOptions, health: NodeHealth, prev: readonly NodeCondition[] | undefined, now: Date): Record<string, unknown> {
  return {
    capacity: capacityOf(facts, opts),
    allocatable: allocatableOf(facts, opts),
    conditions: nodeConditions(prev, health, now),
    addresses: [
      { type: 'InternalIP', address: facts.internalIP },
      { type: 'Hostname', address: facts.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: opts.kubeletPort } },
    nodeInfo: {
      machineID: facts.machineID,
      systemUUID: facts.systemUUID,
      bootID: facts.bootID,
      kernelVersion: facts.kernelVersion,
      osImage: facts.osImage,
      containerRuntimeVersion: facts.containerRuntimeVersion,
      kubeletVersion: opts.kubeletVersion,
      kubeProxyVersion: opts.kubeletVersion,
      operatingSystem: 'linux',
      architecture: facts.architecture,
    },
  };
}

/** The Node to create when none exists: labels, registration taints and the status. */
export function buildAgentNode(facts: HostFacts, opts: AgentNodeOptions, health: NodeHealth, now: Date): KubeObject {
  const spec: Record<string, unknown> = {};
  if (opts.taints.length) spec['taints'] = opts.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: opts.name,
      labels: { ...defaultNodeLabels(opts.name, facts.architecture), ...opts.labels },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec,
    status: nodeStatus(facts, opts, health, undefined, now),
  };
}

/**
 * The label changes to make on an existing Node at start-up (the kubelet re-asserts its default
 * labels and its --node-labels; it never touches taints of a registered node): a merge-patch body
 * for metadata.labels, or undefined when nothing differs.
 */
export function registrationLabelPatch(existing: KubeObject, facts: HostFacts, opts: AgentNodeOptions): Record<string, string> | undefined {
  const want = { ...defaultNodeLabels(opts.name, facts.architecture), ...opts.labels };
  const have = existing.metadata.labels ?? {};
  const patch: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) patch[k] = v;
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * Whether a new status differs from the last one posted in anything but heartbeat times: the
 * agent posts on change, and otherwise only every report interval (the Lease carries liveness).
 */
export function statusChanged(prev: Record<string, unknown> | undefined, next: Record<string, unknown>): boolean {
  if (!prev) return true;
  const strip = (s: Record<string, unknown>) =>
    JSON.stringify({
      ...s,
      conditions: ((s['conditions'] as NodeCondition[] | undefined) ?? []).map(({ lastHeartbeatTime: _h, ...rest }) => rest),
    });
  return strip(prev) !== strip(next);
}
