/**
 * ProbeManager: one worker per (pod uid, container, probe kind) of the pods on this node, each on
 * its own timer, running the probes through the runners and the decisions through state.ts (kubelet's
 * prober_manager.go + worker.go + results manager, in one event loop).
 *
 * Contract:
 * - The pod worker tells it what exists: `addPod` (idempotent; probe specs are read once, as
 *   upstream: they are immutable), `updatePod` (pod IP, deletionTimestamp, phase), `updateContainer`
 *   (every time a container is created, started, restarted or exits) and `removePod`.
 * - Readers: `readiness()` / `started()` answer from the cached results for the container's
 *   *current* id, so a restarted or stopped container reads not-ready at once, before any probe.
 * - `onChange` listeners hear each change of a published result (never the same result twice in a
 *   row for one worker), including the initial result for a new container. A liveness or startup
 *   `failure` with cause `probe` means: kill the container with `change.message` and
 *   `change.gracePeriodSeconds` (the probe's terminationGracePeriodSeconds override, else the
 *   pod's); readiness changes update the Ready conditions. Listeners run synchronously; they must
 *   not throw (a throw is logged and ignored).
 * - Every probe run that fails records a Warning `Unhealthy` event `<Kind> probe failed: <output>`;
 *   one that errors `<Kind> probe errored and resulted in unknown state: <error>` (after 3 tries, as
 *   upstream's runProbeWithRetries); a redirect to another host a Warning `ProbeWarning`.
 * - At most `maxInFlight` probes run at once (default 16); others wait in FIFO order. A worker never
 *   has two probes in flight.
 * - After `removePod` (or `stop`) no timer of that pod is left and no listener hears from it, even
 *   when a probe of it was in flight.
 */
import type { V1Container, V1Pod, V1Probe } from '../../api/core/v1/pod-types.js';
import { discardLogger, type Logger } from '../../lib/log.js';
import type { RuntimeService } from '../runtime/cri-types.js';
import { realClock, type ProbeClock } from './clock.js';
import { createProbeRunner, type ProbeRunner, type ProbeRunResult } from './runners/index.js';
import {
  afterProbe,
  beforeProbe,
  newProbeState,
  probeSettings,
  type ContainerView,
  type PodView,
  type ProbeKind,
  type ProbeOutcome,
  type ProbeState,
  type Publish,
  type PublishCause,
} from './state.js';
import { probeAction } from './target.js';

export interface ProbeChange {
  uid: string;
  pod: V1Pod;
  container: string;
  containerId: string;
  kind: ProbeKind;
  result: ProbeOutcome;
  /** The output of the probe run that caused the change ('' for other causes). */
  output: string;
  cause: PublishCause;
  /** For liveness/startup failures from a probe: the kill's grace period. */
  gracePeriodSeconds?: number;
  /** For liveness/startup failures from a probe: upstream's kill message. */
  message?: string;
}

export type ProbeChangeListener = (change: ProbeChange) => void;

/** Where probe events go (the agent's event recorder); `container` names the involved container. */
export type ProbeEventSink = (pod: V1Pod, type: 'Warning', reason: 'Unhealthy' | 'ProbeWarning', message: string, container: string) => void;

export interface ContainerUpdate {
  /** Undefined or '' while the container does not exist. */
  containerId: string | undefined;
  /** When the current container started: ms since the epoch, a Date or an RFC 3339 string. */
  startedAt?: number | Date | string;
  running: boolean;
}

export interface ProbeManagerOptions {
  runtime: Pick<RuntimeService, 'execSync'>;
  recordEvent?: ProbeEventSink;
  clock?: ProbeClock;
  /** In [0, 1): spreads the first runs after start-up (default Math.random). */
  random?: () => number;
  maxInFlight?: number;
  /** Replaces the real runners (tests). */
  runner?: ProbeRunner;
  /** Readiness while the pod is being deleted: keep probing (default, upstream) or fail at once. */
  readinessOnTermination?: 'probe' | 'fail';
  logger?: Logger;
}

const KINDS: readonly ProbeKind[] = ['startup', 'readiness', 'liveness'];
const MAX_TRIES = 3;

const KIND_TITLE: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

interface Worker {
  uid: string;
  name: string;
  kind: ProbeKind;
  container: V1Container;
  probe: V1Probe;
  state: ProbeState;
  cancel: (() => void) | undefined;
  inFlight: boolean;
  /** A tick was asked for while a probe was in flight: run it when the probe ends. */
  triggered: boolean;
  stopped: boolean;
}

interface PodEntry {
  pod: V1Pod;
  containers: Map<string, ContainerView>;
  workers: Worker[];
}

/** A FIFO limit on concurrent probe runs. */
class Limiter {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly max: number) {}
  get running(): number {
    return this.active;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function toMs(t: number | Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t === 'number') return t;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function podView(pod: V1Pod): PodView {
  const phase = pod.status?.phase;
  const rp = pod.spec?.restartPolicy;
  return {
    terminal: phase === 'Succeeded' || phase === 'Failed',
    deleting: !!pod.metadata.deletionTimestamp,
    restartPolicy: rp === 'Never' || rp === 'OnFailure' ? rp : 'Always',
  };
}

function probeOf(c: V1Container, kind: ProbeKind): V1Probe | undefined {
  return kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
}

export class ProbeManager {
  private readonly pods = new Map<string, PodEntry>();
  private readonly listeners = new Set<ProbeChangeListener>();
  private readonly clock: ProbeClock;
  private readonly random: () => number;
  private readonly runner: ProbeRunner;
  private readonly limiter: Limiter;
  private readonly log: Logger;
  private readonly startedAt: number;

  constructor(private readonly opts: ProbeManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.runner = opts.runner ?? createProbeRunner(opts.runtime);
    this.limiter = new Limiter(Math.max(1, opts.maxInFlight ?? 16));
    this.log = opts.logger ?? discardLogger;
    this.startedAt = this.clock.now();
  }

  /** Subscribes to result changes; returns the unsubscribe function. */
  onChange(cb: ProbeChangeListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /**
   * Starts workers for every probe of the pod's containers (and of its sidecars: init containers
   * with restartPolicy Always). Calling it again for a known pod only refreshes the pod (updatePod).
   */
  addPod(pod: V1Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const known = this.pods.get(uid);
    if (known) {
      this.updatePod(pod);
      return;
    }
    const entry: PodEntry = { pod, containers: new Map(), workers: [] };
    this.pods.set(uid, entry);
    const containers = [...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])];
    const now = this.clock.now();
    for (const c of containers) {
      if (!c.name) continue;
      for (const kind of KINDS) {
        const probe = probeOf(c, kind);
        if (!probe) continue;
        const settings = probeSettings(kind, probe);
        const w: Worker = {
          uid,
          name: c.name,
          kind,
          container: c,
          probe,
          state: newProbeState(kind, settings),
          cancel: undefined,
          inFlight: false,
          triggered: false,
          stopped: false,
        };
        entry.workers.push(w);
        // As upstream: right after the agent starts, spread the first runs over one period.
        const periodMs = settings.periodSeconds * 1000;
        const delay = now - this.startedAt < periodMs ? Math.floor(this.random() * periodMs) : 0;
        this.schedule(w, delay);
      }
    }
  }

  /** Replaces the pod object the workers read (IP, deletionTimestamp, phase, restartPolicy). */
  updatePod(pod: V1Pod): void {
    const entry = pod.metadata.uid ? this.pods.get(pod.metadata.uid) : undefined;
    if (!entry) return;
    const wasDeleting = !!entry.pod.metadata.deletionTimestamp;
    entry.pod = pod;
    if (!wasDeleting && pod.metadata.deletionTimestamp) {
      // Let liveness/startup go quiet now rather than at their next tick.
      for (const w of entry.workers)
        if (w.kind !== 'readiness' || this.opts.readinessOnTermination === 'fail') this.trigger(w);
    }
  }

  /** Records the current state of one container; a new id or a stop re-evaluates readiness at once. */
  updateContainer(uid: string, containerName: string, update: ContainerUpdate): void {
    const entry = this.pods.get(uid);
    if (!entry) return;
    const prev = entry.containers.get(containerName);
    const view: ContainerView = { containerId: update.containerId || undefined, running: update.running, startedAt: toMs(update.startedAt) };
    entry.containers.set(containerName, view);
    const changed = !prev || prev.containerId !== view.containerId || prev.running !== view.running;
    if (!changed) return;
    // Upstream's UpdatePodStatus triggers the readiness worker of a container that is not ready.
    for (const w of entry.workers) if (w.name === containerName && w.kind === 'readiness') this.trigger(w);
  }

  /** Stops the pod's workers and forgets its results. Idempotent. */
  removePod(uid: string): void {
    const entry = this.pods.get(uid);
    if (!entry) return;
    for (const w of entry.workers) this.stopWorker(w);
    this.pods.delete(uid);
  }

  /** Stops everything (agent shutdown). */
  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  /**
   * Whether the container passes its readiness probe: undefined when it has none (then it is ready
   * when running and started); false when it is not running or its current container was not probed
   * successfully yet.
   */
  readiness(uid: string, containerName: string): boolean | undefined {
    return this.passes(uid, containerName, 'readiness');
  }

  /** Whether the container's startup probe succeeded: undefined when it has none. */
  started(uid: string, containerName: string): boolean | undefined {
    return this.passes(uid, containerName, 'startup');
  }

  /** The published result of one worker for the container's current id (undefined: none yet). */
  result(uid: string, containerName: string, kind: ProbeKind): ProbeOutcome | undefined {
    const entry = this.pods.get(uid);
    const w = entry?.workers.find((x) => x.name === containerName && x.kind === kind);
    const view = entry?.containers.get(containerName);
    if (!w || !view?.containerId || w.state.containerId !== view.containerId) return undefined;
    return w.state.published;
  }

  /** Probes running right now (for metrics and tests). */
  get inFlight(): number {
    return this.limiter.running;
  }

  // ---- internals ---------------------------------------------------------------------------------

  private passes(uid: string, containerName: string, kind: ProbeKind): boolean | undefined {
    const entry = this.pods.get(uid);
    if (!entry) return undefined;
    const w = entry.workers.find((x) => x.name === containerName && x.kind === kind);
    if (!w) return undefined;
    const view = entry.containers.get(containerName);
    if (!view?.running || !view.containerId || w.state.containerId !== view.containerId) return false;
    return w.state.published === 'success';
  }

  /** No startup probe, or its success for the container's current id. */
  private isStarted(entry: PodEntry, name: string): boolean {
    const s = entry.workers.find((x) => x.name === name && x.kind === 'startup');
    if (!s) return true;
    const view = entry.containers.get(name);
    return !!view?.containerId && s.state.containerId === view.containerId && s.state.published === 'success';
  }

  private schedule(w: Worker, ms: number): void {
    if (w.stopped) return;
    w.cancel?.();
    w.cancel = this.clock.schedule(Math.max(0, ms), () => {
      w.cancel = undefined;
      this.tick(w);
    });
  }

  /** Runs a tick now and restarts the worker's period from here (upstream's manual trigger). */
  private trigger(w: Worker): void {
    if (w.stopped) return;
    if (w.inFlight) w.triggered = true;
    else this.schedule(w, 0);
  }

  private stopWorker(w: Worker): void {
    w.stopped = true;
    w.cancel?.();
    w.cancel = undefined;
  }

  private tick(w: Worker): void {
    if (w.stopped) return;
    if (w.inFlight) {
      w.triggered = true;
      return;
    }
    const entry = this.pods.get(w.uid);
    if (!entry) return this.stopWorker(w);
    const now = this.clock.now();
    const view = entry.containers.get(w.name) ?? { running: false };
    const step = beforeProbe(w.state, podView(entry.pod), view, this.isStarted(entry, w.name), now, {
      readinessOnTermination: this.opts.readinessOnTermination,
    });
    w.state = step.state;
    if (step.publish) this.publish(w, entry, step.publish, '');
    if (step.do === 'stop') return this.stopWorker(w);
    if (step.do === 'wait') return this.schedule(w, step.nextAt - now);

    w.inFlight = true;
    const nextAt = step.nextAt;
    const containerId = step.state.containerId ?? '';
    void this.limiter
      .run(() => this.runWithRetries(w, entry.pod, containerId))
      .then((res) => {
        w.inFlight = false;
        if (w.stopped || !res) return;
        this.recordRun(w, entry.pod, res);
        const r = afterProbe(w.state, res.result);
        w.state = r.state;
        if (r.publish) this.publish(w, entry, r.publish, res.output);
        if (w.triggered) {
          w.triggered = false;
          this.schedule(w, 0);
        } else this.schedule(w, nextAt - this.clock.now());
      });
  }

  private async runWithRetries(w: Worker, pod: V1Pod, containerId: string): Promise<ProbeRunResult | undefined> {
    let res: ProbeRunResult | undefined;
    for (let i = 0; i < MAX_TRIES; i++) {
      if (w.stopped) return undefined;
      const action = probeAction(pod, w.container, w.probe);
      try {
        res = await this.runner(action, { containerId, timeoutSeconds: w.state.settings.timeoutSeconds });
      } catch (e) {
        res = { result: 'unknown', output: e instanceof Error ? e.message : String(e) };
      }
      if (res.result !== 'unknown') return res;
    }
    return res;
  }

  private recordRun(w: Worker, pod: V1Pod, res: ProbeRunResult): void {
    const title = KIND_TITLE[w.kind];
    const record = this.opts.recordEvent;
    if (res.result === 'success' && !res.warning) {
      this.log.v(4).info('probe succeeded', { pod: ref(pod), container: w.name, probe: w.kind });
      return;
    }
    let reason: 'Unhealthy' | 'ProbeWarning' = 'Unhealthy';
    let message: string;
    if (res.result === 'failure') message = `${title} probe failed: ${res.output}`;
    else if (res.result === 'unknown') message = `${title} probe errored and resulted in unknown state: ${res.output}`;
    else {
      reason = 'ProbeWarning';
      message = `${title} probe warning: ${res.output}`;
    }
    this.log.v(1).info('probe did not succeed', { pod: ref(pod), container: w.name, probe: w.kind, result: res.result, output: res.output });
    try {
      record?.(pod, 'Warning', reason, message, w.name);
    } catch (e) {
      this.log.warn('recording a probe event failed', { pod: ref(pod), err: e instanceof Error ? e.message : String(e) });
    }
  }

  private publish(w: Worker, entry: PodEntry, p: Publish, output: string): void {
    const change: ProbeChange = {
      uid: w.uid,
      pod: entry.pod,
      container: w.name,
      containerId: p.containerId,
      kind: w.kind,
      result: p.result,
      output,
      cause: p.cause,
    };
    if (w.kind !== 'readiness' && p.result === 'failure' && p.cause === 'probe') {
      change.gracePeriodSeconds = w.state.settings.terminationGracePeriodSeconds ?? entry.pod.spec?.terminationGracePeriodSeconds ?? 30;
      const restarts = podView(entry.pod).restartPolicy !== 'Never';
      change.message = `Container ${w.name} failed ${w.kind} probe${restarts ? ', will be restarted' : ''}`;
    }
    for (const cb of this.listeners) {
      try {
        cb(change);
      } catch (e) {
        this.log.warn('probe change listener threw', { pod: ref(entry.pod), err: e instanceof Error ? e.message : String(e) });
      }
    }
    // A container that just started runs its readiness probe at once (upstream's manual trigger).
    if (w.kind === 'startup' && p.result === 'success')
      for (const r of entry.workers) if (r.name === w.name && r.kind === 'readiness') this.trigger(r);
  }
}

function ref(pod: V1Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}
