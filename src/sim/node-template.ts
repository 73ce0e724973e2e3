/**
 * What a simulated node looks like: the Node object a sim registers for index i, its conditions at a
 * heartbeat, and its Lease. Pure (no I/O, time is an input).
 *
 * Addresses: InternalIP comes from 198.18.0.0/15 (RFC 2544, reserved for benchmarking and never
 * routed; 131,070 addresses, enough for any sim) and is never contacted: nothing in Flotilla
 * connects to a simulated node (no kubelet port is served; daemonEndpoints port is 0).
 */
import type { KubeObject } from '../api/types.js';
import { healthyConditions, type NodeTaint } from '../agent/node/node-objects.js';

export { LEASE_NAMESPACE, LEASE_DURATION_SECONDS, healthyConditions, buildLease, microTime, type NodeCondition } from '../agent/node/node-objects.js';

/** The marker label every simulated node carries (kwok uses `type=kwok`). */
export const SIMULATED_LABEL = 'flotilla.dev/simulated';
export type SimTaint = NodeTaint;

/** Shape of every node a sim registers (validated by the CLI). */
export interface NodeTemplate {
  namePrefix: string;
  /** Quantities as strings, e.g. '8', '32Gi', '110'. */
  cpu: string;
  memory: string;
  pods: string;
  /** Spread round-robin over nodes as topology.kubernetes.io/zone (empty: no zone label). */
  zones: string[];
  labels: Record<string, string>;
  taints: SimTaint[];
  /** kubernetes.io/arch (default amd64). */
  arch: string;
  /** nodeInfo.kubeletVersion, e.g. v1.32.0. */
  kubeletVersion: string;
}

export function nodeName(t: Pick<NodeTemplate, 'namePrefix'>, index: number): string {
  return `${t.namePrefix}${index}`;
}

/** 198.18.0.0 + index + 1 (index < 131,070). */
export function nodeInternalIP(index: number): string {
  const n = 0xc6120000 + index + 1;
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A stable 32-hex-digit id derived from a string (FNV-1a, four rounds with different seeds). */
export function stableId(s: string): string {
  let out = '';
  for (let seed = 0; seed < 4; seed++) {
    let h = (0x811c9dc5 ^ seed) >>> 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

/** The Node object for index `i`, status included (nodes keep the status they register with). */
export function buildNode(t: NodeTemplate, i: number, now: Date): KubeObject {
  const name = nodeName(t, i);
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const labels: Record<string, string> = {
    'kubernetes.io/arch': t.arch,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': t.arch,
    'beta.kubernetes.io/os': 'linux',
    [SIMULATED_LABEL]: 'true',
  };
  if (t.zones.length) labels['topology.kubernetes.io/zone'] = t.zones[i % t.zones.length]!;
  Object.assign(labels, t.labels);
  const resources = { cpu: t.cpu, memory: t.memory, pods: t.pods, 'ephemeral-storage': '100Gi' };
  const id = stableId(name);
  const spec: Record<string, unknown> = {};
  if (t.taints.length) spec['taints'] = t.taints.map((x) => ({ key: x.key, ...(x.value ? { value: x.value } : {}), effect: x.effect }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec,
    status: {
      capacity: { ...resources },
      allocatable: { ...resources },
      phase: 'Running',
      conditions: healthyConditions(ts, ts),
      addresses: [
        { type: 'InternalIP', address: nodeInternalIP(i) },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: id,
        systemUUID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
        bootID: stableId(`${name}/${ts}`),
        kernelVersion: '6.1.0-flotilla-sim',
        osImage: 'Flotilla simulated node',
        containerRuntimeVersion: 'sim://0.1.0',
        kubeletVersion: t.kubeletVersion,
        kubeProxyVersion: t.kubeletVersion,
        operatingSystem: 'linux',
        architecture: t.arch,
      },
    },
  };
}
