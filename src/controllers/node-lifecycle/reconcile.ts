/**
 * Node lifecycle decisions, pure (upstream pkg/controller/nodelifecycle and tainteviction). Time is
 * always an input (epoch ms).
 *
 * - observeHealth: when did we last see the node alive? A changed Lease renewTime or Ready
 *   heartbeat moves the probe time to `now` (measured on the controller's clock, as upstream, so
 *   clock skew between nodes and controller does not matter).
 * - reconcileNodeHealth: past the grace period without a sign of life, every kubelet condition
 *   becomes Unknown ("Kubelet stopped posting node status."); the taints then follow the
 *   conditions: Ready=False → not-ready, Ready=Unknown → unreachable (NoExecute with timeAdded,
 *   plus NoSchedule), pressure conditions and spec.unschedulable → their NoSchedule taints. A
 *   node that recovers loses them again. Pods on an Unknown node are marked Ready=False.
 * - taintEviction: a pod that does not tolerate every NoExecute taint of its node is evicted now;
 *   one that does is evicted after the smallest tolerationSeconds of the tolerations used, counted
 *   from when the eviction clock started (the taint's timeAdded or the pod's arrival, if later);
 *   tolerations without tolerationSeconds keep it forever.
 * - defaultTolerations: the DefaultTolerationSeconds admission (300 s for not-ready and
 *   unreachable).
 */
import type { V1Pod, V1PodCondition, V1Toleration } from '../../api/core/v1/pod-types.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
/** Taints this controller owns (added and removed only by it). */
export const MANAGED_TAINTS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE]);
export const DEFAULT_TOLERATION_SECONDS = 300;

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** The parts of a Node this controller reads. */
export interface NodeView {
  name: string;
  creationTimestamp?: string;
  unschedulable?: boolean;
  taints: Taint[];
  conditions: NodeCondition[];
}

export interface NodeHealth {
  /** Epoch ms when a sign of life was last observed (or when the node was first seen). */
  probeTime: number;
  leaseRenewTime?: string;
  readyHeartbeat?: string;
}

export interface LifecycleConfig {
  /** Without a heartbeat for this long a node becomes Unknown (upstream default 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** The same for a node that never posted a Ready condition (upstream default 60 s). */
  nodeStartupGracePeriodMs: number;
}

export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = { nodeMonitorGracePeriodMs: 40_000, nodeStartupGracePeriodMs: 60_000 };

const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** RFC 3339 seconds, as Kubernetes writes metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function readyCondition(n: Pick<NodeView, 'conditions'>): NodeCondition | undefined {
  return n.conditions.find((c) => c.type === 'Ready');
}

/** Updates the health record from what the node and its Lease say now. */
export function observeHealth(prev: NodeHealth | undefined, node: NodeView, leaseRenewTime: string | undefined, now: number): NodeHealth {
  const hb = readyCondition(node)?.lastHeartbeatTime;
  if (!prev) return { probeTime: now, leaseRenewTime, readyHeartbeat: hb };
  const leaseMoved = leaseRenewTime !== undefined && leaseRenewTime !== prev.leaseRenewTime && (prev.leaseRenewTime === undefined || Date.parse(leaseRenewTime) > Date.parse(prev.leaseRenewTime));
  const hbMoved = hb !== undefined && hb !== prev.readyHeartbeat;
  if (!leaseMoved && !hbMoved) return prev;
  return { probeTime: now, leaseRenewTime: leaseMoved ? leaseRenewTime : prev.leaseRenewTime, readyHeartbeat: hb ?? prev.readyHeartbeat };
}

export interface NodeHealthPlan {
  /** New complete conditions list to write through nodes/status (undefined: unchanged). */
  conditions?: NodeCondition[];
  /** New complete taint list to write to spec.taints (undefined: unchanged). */
  taints?: Taint[];
  /** The node just stopped being Ready (event NodeNotReady). */
  becameNotReady: boolean;
  /** Pods on the node must be marked Ready=False (the node is Unknown: nobody else reports them). */
  markPodsNotReady: boolean;
  /** Epoch ms at which the node must be looked at again if nothing changes (grace expiry). */
  recheckAt?: number;
}

/** The desired conditions and taints of one node (see module comment). */
export function reconcileNodeHealth(node: NodeView, health: NodeHealth, now: number, cfg: LifecycleConfig): NodeHealthPlan {
  const ready = readyCondition(node);
  const grace = ready ? cfg.nodeMonitorGracePeriodMs : cfg.nodeStartupGracePeriodMs;
  const deadline = health.probeTime + grace;
  let conditions: NodeCondition[] | undefined;
  let becameNotReady = false;
  if (now > deadline) {
    const next = node.conditions.map((c) => ({ ...c }));
    let changed = false;
    for (const type of KUBELET_CONDITIONS) {
      const c = next.find((x) => x.type === type);
      if (!c) {
        next.push({
          type,
          status: 'Unknown',
          reason: 'NodeStatusNeverUpdated',
          message: 'Kubelet never posted node status.',
          lastHeartbeatTime: node.creationTimestamp ?? rfc3339(now),
          lastTransitionTime: rfc3339(now),
        });
        changed = true;
      } else if (c.status !== 'Unknown') {
        if (type === 'Ready' && c.status === 'True') becameNotReady = true;
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = rfc3339(now);
        changed = true;
      }
    }
    if (changed) conditions = next;
  }
  const effective = conditions ?? node.conditions;
  const taints = desiredTaints(node, effective, now);
  const readyNow = effective.find((c) => c.type === 'Ready')?.status;
  return {
    ...(conditions ? { conditions } : {}),
    ...(taints ? { taints } : {}),
    becameNotReady,
    markPodsNotReady: readyNow === 'Unknown',
    ...(now <= deadline ? { recheckAt: deadline + 1 } : {}),
  };
}

/** The taint list implied by the conditions; undefined when the node already has exactly it. */
export function desiredTaints(node: Pick<NodeView, 'taints' | 'unschedulable'>, conditions: NodeCondition[], now: number): Taint[] | undefined {
  const status = (t: string) => conditions.find((c) => c.type === t)?.status;
  const want: Taint[] = [];
  const ready = status('Ready');
  if (ready === 'False') want.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') want.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute' });
  if (status('MemoryPressure') === 'True') want.push({ key: TAINT_MEMORY_PRESSURE, effect: 'NoSchedule' });
  if (status('DiskPressure') === 'True') want.push({ key: TAINT_DISK_PRESSURE, effect: 'NoSchedule' });
  if (status('PIDPressure') === 'True') want.push({ key: TAINT_PID_PRESSURE, effect: 'NoSchedule' });
  if (status('NetworkUnavailable') === 'True') want.push({ key: TAINT_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
  if (node.unschedulable) want.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });

  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const kept = node.taints.filter((t) => !MANAGED_TAINTS.has(t.key) || want.some((w) => same(w, t)));
  const added = want.filter((w) => !node.taints.some((t) => same(t, w)));
  if (kept.length === node.taints.length && added.length === 0) return undefined;
  return [...kept, ...added.map((t) => (t.effect === 'NoExecute' ? { ...t, timeAdded: rfc3339(now) } : t))];
}

/** Pod conditions with Ready set False (undefined when it already is not True). */
export function podNotReadyConditions(conditions: V1PodCondition[] | undefined, now: number): V1PodCondition[] | undefined {
  const list = conditions ?? [];
  const ready = list.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'False') return undefined;
  return list.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: rfc3339(now) } : c));
}

/** kubernetes' Toleration.ToleratesTaint. */
export function tolerates(t: V1Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

export type EvictionDecision =
  | { type: 'keep' }
  | { type: 'evict' }
  /** Evict at this epoch ms unless the taints go away first. */
  | { type: 'evictAt'; at: number };

/**
 * upstream tainteviction processPodOnNode: `startMs` is when the pod's eviction clock started
 * (latest timeAdded of the NoExecute taints, or the pod's arrival on the tainted node if later).
 */
export function taintEviction(tolerations: V1Toleration[] | undefined, taints: Taint[], startMs: number, now: number): EvictionDecision {
  const noExec = taints.filter((t) => t.effect === 'NoExecute');
  if (!noExec.length) return { type: 'keep' };
  const used: V1Toleration[] = [];
  for (const taint of noExec) {
    const t = (tolerations ?? []).find((x) => tolerates(x, taint));
    if (!t) return { type: 'evict' };
    used.push(t);
  }
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return { type: 'evict' };
    min = Math.min(min, t.tolerationSeconds);
  }
  if (min === Infinity) return { type: 'keep' };
  const at = startMs + min * 1000;
  return at <= now ? { type: 'evict' } : { type: 'evictAt', at };
}

/** When the eviction clock of a pod starts: the latest NoExecute timeAdded, or `arrivedMs` if later. */
export function evictionStart(taints: Taint[], arrivedMs: number, now: number): number {
  let t = -Infinity;
  for (const x of taints) if (x.effect === 'NoExecute') t = Math.max(t, x.timeAdded ? Date.parse(x.timeAdded) : now);
  return Math.max(Number.isFinite(t) ? t : now, arrivedMs);
}

/**
 * The DefaultTolerationSeconds admission plugin: a pod without a toleration for
 * not-ready:NoExecute (resp. unreachable:NoExecute) gets `{key, operator: Exists, effect:
 * NoExecute, tolerationSeconds: 300}`. A toleration with an empty key or empty effect counts as
 * one, as upstream. Returns a new pod (the input is not mutated); the same object when unchanged.
 */
export function defaultTolerations<P extends V1Pod>(pod: P, seconds = DEFAULT_TOLERATION_SECONDS): P {
  const existing = pod.spec?.tolerations ?? [];
  const covers = (key: string) => existing.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
  const add: V1Toleration[] = [];
  if (!covers(TAINT_NOT_READY)) add.push({ key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  if (!covers(TAINT_UNREACHABLE)) add.push({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  if (!add.length) return pod;
  return { ...pod, spec: { ...pod.spec, tolerations: [...existing, ...add] } };
}

// ---- zone disruption and NoExecute rate limiting (upstream handleDisruption) --------------------

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface RateLimitConfig {
  /** NoExecute taints per second in a healthy zone (upstream --node-eviction-rate, 0.1). */
  evictionQPS: number;
  /** In a partially disrupted large zone (upstream --secondary-node-eviction-rate, 0.01). */
  secondaryEvictionQPS: number;
  /** Share of unready nodes that makes a zone partially disrupted (upstream 0.55). */
  unhealthyZoneThreshold: number;
  /** Zones up to this size stop tainting entirely when partially disrupted (upstream 50). */
  largeClusterThreshold: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { evictionQPS: 0.1, secondaryEvictionQPS: 0.01, unhealthyZoneThreshold: 0.55, largeClusterThreshold: 50 };

/** The zone key of a node: region and zone labels (upstream utilnode.GetZoneKey); '' without them. */
export function zoneKey(labels: Record<string, string> | undefined): string {
  const region = labels?.['topology.kubernetes.io/region'] ?? labels?.['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels?.['topology.kubernetes.io/zone'] ?? labels?.['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region || zone ? `${region}:\u0000:${zone}` : '';
}

/** upstream ComputeZoneState from the Ready statuses of a zone's nodes. */
export function computeZoneState(readyStatuses: string[], cfg: Pick<RateLimitConfig, 'unhealthyZoneThreshold'>): ZoneState {
  const ready = readyStatuses.filter((s) => s === 'True').length;
  const notReady = readyStatuses.length - ready;
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / readyStatuses.length >= cfg.unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** NoExecute tainting rate of a zone in a state (upstream setLimiterInZone). */
export function zoneQPS(state: ZoneState, zoneSize: number, cfg: RateLimitConfig): number {
  if (state === 'PartialDisruption') return zoneSize > cfg.largeClusterThreshold ? cfg.secondaryEvictionQPS : 0;
  return cfg.evictionQPS;
}

/**
 * A token bucket with burst 1 (flowcontrol.NewTokenBucketRateLimiter(qps, 1)), time as input.
 * `tryAccept(now)` takes the token if one is there; `nextAt()` says when the next one will be.
 */
export class TokenBucket {
  private tokens = 1;
  private last: number | undefined;

  constructor(private qps: number) {}

  setQPS(qps: number, now: number): void {
    if (qps === this.qps) return;
    this.refill(now);
    this.qps = qps;
  }

  private refill(now: number): void {
    if (this.last !== undefined && this.qps > 0) this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  tryAccept(now: number): boolean {
    this.refill(now);
    if (this.qps <= 0 || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Epoch ms when a token will be available (Infinity at qps 0). */
  nextAt(now: number): number {
    this.refill(now);
    if (this.qps <= 0) return Infinity;
    return now + Math.max(0, ((1 - this.tokens) / this.qps) * 1000);
  }
}

const NOEXEC_KEYS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);

/** Whether `next` adds a not-ready/unreachable NoExecute taint to a node that has neither (swaps are free, as upstream). */
export function addsNoExecute(current: Taint[], next: Taint[]): boolean {
  const has = (l: Taint[]) => l.some((t) => t.effect === 'NoExecute' && NOEXEC_KEYS.has(t.key));
  return !has(current) && has(next);
}

/** `next` without the not-ready/unreachable NoExecute taints it would add (a tainting that must wait). */
export function withoutNewNoExecute(current: Taint[], next: Taint[]): Taint[] | undefined {
  const out = next.filter((t) => !(t.effect === 'NoExecute' && NOEXEC_KEYS.has(t.key) && !current.some((c) => c.key === t.key && c.effect === 'NoExecute')));
  const same = out.length === current.length && out.every((t, i) => t.key === current[i]?.key && t.effect === current[i]?.effect && t.value === current[i]?.value);
  return same ? undefined : out;
}

/** In master disruption mode (every zone fully disrupted) the NoExecute taints are removed: nobody is evicted. */
export function withoutNoExecute(taints: Taint[]): Taint[] | undefined {
  const out = taints.filter((t) => !(t.effect === 'NoExecute' && NOEXEC_KEYS.has(t.key)));
  return out.length === taints.length ? undefined : out;
}
