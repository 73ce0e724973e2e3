/**
 * The scheduling queue (upstream's PriorityQueue), pure: time is always an argument.
 *
 * - activeQ: pods ready to be tried, highest priority first, then earliest enqueue time.
 * - backoffQ: pods that failed recently, released once their backoff (1 s doubling per attempt,
 *   at most 10 s) has passed (`flush`).
 * - unschedulable: pods no node fits; a cluster event moves them out only when a plugin that
 *   rejected them registered for that event (e.g. a pod refused for `Insufficient cpu` by
 *   NodeResourcesFit waits for a pod deletion or a node add/update, not for a pod add). Pods left
 *   there longer than 5 minutes are flushed back anyway. A pod whose cycle overlapped a relevant
 *   event goes to backoffQ instead (the event may already have fixed it).
 * - pods with spec.schedulingGates wait in unschedulable until an update removes the gates.
 *
 * Contract: every pod is in at most one sub-queue or in flight (popped, not yet `done`). Keys are
 * `namespace/name`; adding a key that is queued replaces its PodInfo.
 */
import type { ClusterEvent } from '../framework/interfaces.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Heap } from './heap.js';

export interface QueuedPod {
  podInfo: PodInfo;
  /** When the pod entered its current sub-queue (ms). */
  timestamp: number;
  /** When the pod was first added (ms). */
  initialTimestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt (empty: any event may help). */
  unschedulablePlugins: Set<string>;
  backoffUntil: number;
  /** Event counter value when the pod was popped. */
  popCycle: number;
  /** Bit per ClusterEvent (resource × action) that may make the pod schedulable (set in unschedulable). */
  eventMask?: number;
}

const RESOURCES = ['Node', 'Pod', 'Namespace', 'PodDisruptionBudget'] as const;
const ACTIONS = ['Add', 'Update', 'Delete'] as const;
const ALL_EVENTS = (1 << (RESOURCES.length * ACTIONS.length)) - 1;
const eventBit = (e: ClusterEvent): number => 1 << (RESOURCES.indexOf(e.resource) * ACTIONS.length + ACTIONS.indexOf(e.action));

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a pod may wait in unschedulable before the periodic flush moves it (default 5 min). */
  maxUnschedulableMs?: number;
  /** Events each plugin registered (Framework.eventsByPlugin()). */
  eventsByPlugin?: Map<string, readonly ClusterEvent[]>;
}

export const SCHEDULING_GATES = 'SchedulingGates';

type Where = 'active' | 'backoff' | 'unschedulable' | 'inflight';

export class SchedulingQueue {
  private readonly active = new Heap<QueuedPod>((a, b) => a.podInfo.priority > b.podInfo.priority || (a.podInfo.priority === b.podInfo.priority && a.timestamp < b.timestamp));
  private readonly backoff = new Heap<QueuedPod>((a, b) => a.backoffUntil < b.backoffUntil);
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** Where each known pod is; heaps use lazy deletion (an entry is live when pods.get(key) is it). */
  private readonly pods = new Map<string, { q: QueuedPod; where: Where }>();
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private readonly hints: Map<string, readonly ClusterEvent[]>;
  /** Per event bit: how many unschedulable pods care (events nobody cares about skip the scan). */
  private readonly interested = new Int32Array(RESOURCES.length * ACTIONS.length);
  private moveCycle = 0;
  private lastMoveCycle = -1;

  constructor(opts: QueueOptions = {}) {
    this.initialBackoff = opts.initialBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulable = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.hints = opts.eventsByPlugin ?? new Map();
  }

  /** Adds a new pending pod (or replaces the queued one with the same key). */
  add(pi: PodInfo, now: number): void {
    const cur = this.pods.get(pi.key);
    if (cur) {
      this.update(pi, now);
      return;
    }
    const q: QueuedPod = { podInfo: pi, timestamp: now, initialTimestamp: now, attempts: 0, unschedulablePlugins: new Set(), backoffUntil: 0, popCycle: -1 };
    if (gated(pi)) {
      q.unschedulablePlugins.add(SCHEDULING_GATES);
      this.put(q, 'unschedulable');
    } else this.put(q, 'active');
  }

  /**
   * A queued pod changed: take the new PodInfo; with `relevant` (its spec or labels changed) an
   * unschedulable pod is given another chance.
   */
  update(pi: PodInfo, now: number, relevant = true): void {
    const cur = this.pods.get(pi.key);
    if (!cur) return this.add(pi, now);
    cur.q.podInfo = pi;
    if (cur.where === 'unschedulable' && relevant) {
      if (gated(pi)) return;
      this.takeUnschedulable(pi.key);
      this.moveOut(cur.q, now);
    }
  }

  /** Re-adds a pod whose binding failed, in backoffQ (its attempts count kept). */
  addBackoff(pi: PodInfo, attempts: number, now: number): void {
    if (this.pods.has(pi.key)) return;
    const q: QueuedPod = { podInfo: pi, timestamp: now, initialTimestamp: now, attempts, unschedulablePlugins: new Set(), backoffUntil: now + this.backoffDuration(attempts), popCycle: -1 };
    this.put(q, 'backoff');
  }

  /** Forgets a pod (deleted, or scheduled by someone else). */
  delete(key: string): void {
    const cur = this.pods.get(key);
    if (!cur) return;
    this.pods.delete(key);
    this.takeUnschedulable(key);
  }

  has(key: string): boolean {
    return this.pods.has(key);
  }

  /** The next pod to schedule, or undefined when activeQ is empty. The pod is then in flight until `done`. */
  pop(): QueuedPod | undefined {
    for (;;) {
      const q = this.active.pop();
      if (!q) return undefined;
      const cur = this.pods.get(q.podInfo.key);
      if (!cur || cur.q !== q || cur.where !== 'active') continue;
      cur.where = 'inflight';
      q.attempts++;
      q.popCycle = this.moveCycle;
      return q;
    }
  }

  /** The cycle of an in-flight pod ended with a placement: the pod leaves the queue. */
  done(key: string): void {
    const cur = this.pods.get(key);
    if (cur?.where === 'inflight') this.pods.delete(key);
  }

  /**
   * The cycle of an in-flight pod failed: `plugins` rejected it (empty for errors). It waits in
   * unschedulable, or in backoffQ when an event that may help arrived during its cycle or when
   * `error` is set.
   */
  requeue(q: QueuedPod, plugins: Iterable<string>, now: number, error = false): void {
    const cur = this.pods.get(q.podInfo.key);
    if (!cur || cur.q !== q) return; // deleted meanwhile
    q.unschedulablePlugins = new Set(plugins);
    q.timestamp = now;
    q.backoffUntil = now + this.backoffDuration(q.attempts);
    if (error || this.lastMoveCycle >= q.popCycle) this.put(q, 'backoff');
    else this.put(q, 'unschedulable');
  }

  /** Backoff after `attempts` failures: initial × 2^(attempts−1), capped. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return d;
  }

  /**
   * A cluster event happened: unschedulable pods rejected by a plugin registered for it (or by no
   * plugin) move to activeQ, or backoffQ while their backoff lasts. Returns how many moved.
   */
  onEvent(ev: ClusterEvent, now: number): number {
    this.lastMoveCycle = this.moveCycle++;
    const bit = eventBit(ev);
    if (this.interested[Math.log2(bit)] === 0) return 0;
    let moved = 0;
    for (const [key, q] of this.unschedulable) {
      if (((q.eventMask ?? 0) & bit) === 0) continue;
      this.takeUnschedulable(key);
      this.moveOut(q, now);
      moved++;
    }
    return moved;
  }

  /** The events that may help a pod rejected by these plugins (gated pods: none). */
  private mask(q: QueuedPod): number {
    if (q.unschedulablePlugins.has(SCHEDULING_GATES)) return 0;
    if (q.unschedulablePlugins.size === 0) return ALL_EVENTS;
    let m = 0;
    for (const p of q.unschedulablePlugins) {
      const evs = this.hints.get(p);
      if (!evs) return ALL_EVENTS; // a plugin without hints: any event may help
      for (const e of evs) m |= eventBit(e);
    }
    return m;
  }

  private takeUnschedulable(key: string): QueuedPod | undefined {
    const q = this.unschedulable.get(key);
    if (!q) return undefined;
    this.unschedulable.delete(key);
    const m = q.eventMask ?? 0;
    for (let i = 0; i < this.interested.length; i++) if (m & (1 << i)) this.interested[i]!--;
    return q;
  }

  /** Releases expired backoffs and unschedulable pods older than the maximum wait. */
  flush(now: number): void {
    for (;;) {
      const q = this.backoff.peek();
      if (!q) break;
      const cur = this.pods.get(q.podInfo.key);
      if (!cur || cur.q !== q || cur.where !== 'backoff') {
        this.backoff.pop();
        continue;
      }
      if (q.backoffUntil > now) break;
      this.backoff.pop();
      this.put(q, 'active', now);
    }
    for (const [key, q] of this.unschedulable) {
      if (q.unschedulablePlugins.has(SCHEDULING_GATES)) continue;
      if (now - q.timestamp >= this.maxUnschedulable) {
        this.takeUnschedulable(key);
        this.moveOut(q, now);
      }
    }
  }

  /** Milliseconds until the next backoff expires (undefined when backoffQ is empty). */
  nextBackoffIn(now: number): number | undefined {
    const q = this.backoff.peek();
    return q ? Math.max(0, q.backoffUntil - now) : undefined;
  }

  /** Counts per sub-queue (for metrics and tests). */
  stats(): { active: number; backoff: number; unschedulable: number; inflight: number } {
    const s = { active: 0, backoff: 0, unschedulable: 0, inflight: 0 };
    for (const { where } of this.pods.values()) s[where]++;
    return s;
  }

  /** Pending pods (every sub-queue and in flight). */
  pending(): PodInfo[] {
    return [...this.pods.values()].map((e) => e.q.podInfo);
  }

  private moveOut(q: QueuedPod, now: number): void {
    if (q.backoffUntil > now) this.put(q, 'backoff');
    else this.put(q, 'active', now);
  }

  private put(q: QueuedPod, where: Where, now?: number): void {
    if (now !== undefined) q.timestamp = now;
    this.pods.set(q.podInfo.key, { q, where });
    if (where === 'active') this.active.push(q);
    else if (where === 'backoff') this.backoff.push(q);
    else if (where === 'unschedulable') {
      this.takeUnschedulable(q.podInfo.key);
      q.eventMask = this.mask(q);
      for (let i = 0; i < this.interested.length; i++) if (q.eventMask & (1 << i)) this.interested[i]!++;
      this.unschedulable.set(q.podInfo.key, q);
    }
  }
}

function gated(pi: PodInfo): boolean {
  return (pi.pod.spec?.schedulingGates?.length ?? 0) > 0;
}
