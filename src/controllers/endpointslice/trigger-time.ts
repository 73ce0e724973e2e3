/**
 * The last-change trigger time of a Service's endpoints (upstream pkg/controller/util/endpoint
 * TriggerTimeTracker), written as endpoints.kubernetes.io/last-change-trigger-time. Pure state, no
 * I/O: one instance per controller.
 *
 * For a Service seen for the first time the trigger is its creation; afterwards it is the earliest
 * Ready-condition transition among pods whose transition time changed since the last sync (or the
 * Service's creation time if that changed: a re-created Service). Undefined when nothing changed.
 */
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';

interface State {
  service?: string;
  pods: Map<string, string>;
}

function podTriggerTime(pod: V1Pod): string | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime || undefined;
}

function earlier(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) < Date.parse(a) ? b : a;
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, State>();

  /** The trigger time for this sync of `key` (namespace/name), recording the state seen. */
  compute(key: string, service: V1Service, pods: readonly V1Pod[]): string | undefined {
    const prev = this.states.get(key);
    const cur: State = { pods: new Map() };
    if (service.metadata.creationTimestamp) cur.service = service.metadata.creationTimestamp;
    for (const p of pods) {
      const t = podTriggerTime(p);
      if (t) cur.pods.set(p.metadata.name ?? '', t);
    }
    let min: string | undefined;
    if (!prev) min = cur.service;
    else {
      for (const [name, t] of cur.pods) if (prev.pods.get(name) !== t) min = earlier(min, t);
      if (prev.service !== cur.service) min = earlier(min, cur.service);
    }
    this.states.set(key, cur);
    return min ? new Date(Date.parse(min)).toISOString() : undefined;
  }

  /** Forgets a deleted Service. */
  delete(key: string): void {
    this.states.delete(key);
  }
}
