/**
 * The agent's pod workers (the kubelet's pod_workers + PLEG + status manager, in miniature): one
 * serialized sync loop per pod, triggered by API changes (update/remove), by the runtime (a relist
 * every `relistMs` notices containers that started, exited or vanished), by probe results, and by
 * timers (back-off ends, retries, a periodic resync). After each sync the pod's status is posted
 * when it changed; a deleted pod whose containers stopped is cleaned up and removed from the API.
 *
 * Contract: syncs of one pod never overlap; a trigger during a sync runs one more sync after it;
 * stop() cancels timers and waits for syncs in flight, and leaves every container running (an agent
 * restart adopts them). Runtime containers of pods the API does not know (after the first full
 * list) are removed as orphans.
 */
import type { V1Pod, V1PodStatus } from '../../api/core/v1/index.js';
import type { Logger } from '../../lib/log.js';
import type { ProbeVerdict } from '../pods/index.js';
import { CRI_LABELS, type Container, type RuntimeService } from '../runtime/cri-types.js';
import type { PodSync } from './pod-sync.js';

/** What the workers need of the probe manager (agent/probes ProbeManager). */
export interface ProbeHooks {
  addPod(pod: V1Pod): void;
  updatePod(pod: V1Pod): void;
  removePod(uid: string): void;
  updateContainer(uid: string, name: string, update: { containerId: string | undefined; startedAt?: number; running: boolean }): void;
}

export interface PodApi {
  /** Posts the pod's status (uid-guarded); rejects on failure (retried at the next sync). */
  postStatus(pod: V1Pod, status: V1PodStatus): Promise<void>;
  /** Removes a deleted pod whose containers stopped (grace 0, uid precondition); NotFound is success. */
  finalizeDelete(pod: V1Pod): Promise<void>;
}

export interface PodWorkersOptions {
  sync: PodSync;
  runtime: RuntimeService;
  api: PodApi;
  probes: ProbeHooks;
  logger: Logger;
  now?: () => number;
  /** Runtime relist period (kubelet's PLEG: 1 s). */
  relistMs?: number;
  /** Sync every pod at least this often (default 10 s). */
  resyncMs?: number;
}

interface Worker {
  pod: V1Pod;
  running: Promise<void> | undefined;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  verdicts: Map<string, ProbeVerdict>;
  lastStatus: string | undefined;
  removed: boolean;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly now: () => number;
  private relistTimer: NodeJS.Timeout | undefined;
  private lastStates = new Map<string, string>();
  private stopped = false;
  private synced = false;

  constructor(private readonly opts: PodWorkersOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Starts the relist loop. Call markSynced() once the API's initial list was delivered. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.relist()
        .catch((e: unknown) => this.opts.logger.warn('relist failed', { err: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          if (!this.stopped) this.relistTimer = setTimeout(tick, this.opts.relistMs ?? 1000);
        });
    };
    this.relistTimer = setTimeout(tick, this.opts.relistMs ?? 1000);
  }

  /** From now on, runtime pods the API does not know are orphans. */
  markSynced(): void {
    this.synced = true;
  }

  /** A pod bound to this node was added or changed. */
  update(pod: V1Pod): void {
    const uid = pod.metadata.uid ?? '';
    let w = this.workers.get(uid);
    if (!w) {
      w = { pod, running: undefined, again: false, timer: undefined, verdicts: new Map(), lastStatus: undefined, removed: false };
      this.workers.set(uid, w);
      this.opts.logger.v(4).info('pod added', { pod: pod.metadata.name });
      this.opts.probes.addPod(pod);
    } else {
      w.pod = pod;
      this.opts.probes.updatePod(pod);
    }
    this.schedule(uid, 0);
  }

  /** The pod is gone from the API (or no longer bound here): stop and remove what runs of it. */
  remove(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) return;
    w.removed = true;
    this.schedule(uid, 0);
  }

  /** A liveness or startup probe failed: the next sync kills and restarts the container. */
  probeFailed(uid: string, container: string, verdict: ProbeVerdict): void {
    const w = this.workers.get(uid);
    if (!w) return;
    w.verdicts.set(container, verdict);
    this.schedule(uid, 0);
  }

  /** Readiness or startup changed: resync so the status follows. */
  poke(uid: string): void {
    if (this.workers.has(uid)) this.schedule(uid, 0);
  }

  /** Pods with a worker (for tests and the kubelet API). */
  pods(): V1Pod[] {
    return [...this.workers.values()].filter((w) => !w.removed).map((w) => w.pod);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.relistTimer);
    for (const w of this.workers.values()) clearTimeout(w.timer);
    await Promise.allSettled([...this.workers.values()].map((w) => w.running));
  }

  /** Compares the runtime's containers with the last relist and schedules the pods that changed. */
  async relist(): Promise<void> {
    const containers: Container[] = await this.opts.runtime.listContainers();
    const states = new Map<string, string>();
    const byPod = new Map<string, Container[]>();
    for (const c of containers) {
      states.set(c.id, c.state);
      const uid = c.labels[CRI_LABELS.podUid] ?? '';
      if (!byPod.has(uid)) byPod.set(uid, []);
      byPod.get(uid)!.push(c);
    }
    const changed = new Set<string>();
    for (const c of containers) if (this.lastStates.get(c.id) !== c.state) changed.add(c.labels[CRI_LABELS.podUid] ?? '');
    for (const [id] of this.lastStates) if (!states.has(id)) changed.add('');
    this.lastStates = states;
    for (const uid of changed) if (uid && this.workers.has(uid)) this.schedule(uid, 0);
    if (!this.synced) return;
    // Orphans: sandboxes or containers of pods the API does not know.
    const sandboxes = await this.opts.runtime.listPodSandbox();
    const orphanUids = new Set<string>();
    for (const s of sandboxes) {
      const uid = s.labels[CRI_LABELS.podUid];
      if (uid && !this.workers.has(uid)) orphanUids.add(uid);
    }
    for (const uid of byPod.keys()) if (uid && !this.workers.has(uid)) orphanUids.add(uid);
    for (const uid of orphanUids) {
      this.opts.logger.info('removing orphaned pod from the runtime', { uid });
      await this.opts.sync.removePod(uid).catch((e: unknown) => this.opts.logger.warn('orphan removal failed', { uid, err: e instanceof Error ? e.message : String(e) }));
    }
  }

  private schedule(uid: string, delayMs: number): void {
    const w = this.workers.get(uid);
    if (!w || this.stopped) return;
    if (delayMs <= 0) {
      clearTimeout(w.timer);
      w.timer = undefined;
      if (w.running) {
        w.again = true;
        return;
      }
      w.running = this.run(uid, w).finally(() => {
        w.running = undefined;
        if (w.again && !this.stopped) {
          w.again = false;
          this.schedule(uid, 0);
        }
      });
      return;
    }
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.schedule(uid, 0);
    }, delayMs);
  }

  private async run(uid: string, w: Worker): Promise<void> {
    const log = this.opts.logger;
    const pod = w.pod;
    const ref = `${pod.metadata.namespace}/${pod.metadata.name}`;
    try {
      if (w.removed) {
        await this.opts.sync.removePod(uid, pod.metadata.deletionGracePeriodSeconds ?? 0);
        this.opts.probes.removePod(uid);
        this.workers.delete(uid);
        return;
      }
      const verdicts = new Map(w.verdicts);
      const result = await this.opts.sync.sync(pod, verdicts);
      // Verdicts are consumed once the container they were about is gone.
      for (const [name, v] of verdicts) if (w.verdicts.get(name) === v) w.verdicts.delete(name);
      // Probes aim at the pod IP this sync knows, before the API has it back.
      if (result.status.podIP && pod.status?.podIP !== result.status.podIP) this.opts.probes.updatePod({ ...pod, status: { ...pod.status, ...result.status } });
      await this.reportContainers(uid, pod);
      const text = JSON.stringify(result.status);
      if (text !== w.lastStatus) {
        await this.opts.api.postStatus(pod, result.status);
        w.lastStatus = text;
      }
      if (result.stopped && pod.metadata.deletionTimestamp) {
        await this.opts.sync.removePod(uid);
        await this.opts.api.finalizeDelete(pod);
        this.opts.probes.removePod(uid);
        this.workers.delete(uid);
        log.info('pod stopped and removed', { pod: ref });
        return;
      }
      const next = result.retryAt !== undefined ? Math.max(0, result.retryAt - this.now()) : (this.opts.resyncMs ?? 10_000);
      this.schedule(uid, Math.max(next, 50));
    } catch (e) {
      log.warn('pod sync failed', { pod: ref, err: e instanceof Error ? e.message : String(e) });
      this.schedule(uid, 2000);
    }
  }

  /** Tells the probe manager which container instance runs for each container name. */
  private async reportContainers(uid: string, pod: V1Pod): Promise<void> {
    const observed = await this.opts.sync.observe(uid).catch(() => undefined);
    if (!observed) return;
    const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name ?? '');
    for (const name of names) {
      const newest = observed.containers.filter((c) => c.metadata.name === name).sort((a, b) => b.createdAt - a.createdAt)[0];
      this.opts.probes.updateContainer(uid, name, {
        containerId: newest?.id,
        ...(newest && newest.startedAt > 0 ? { startedAt: Math.floor(newest.startedAt / 1e6) } : {}),
        running: newest?.state === 'CONTAINER_RUNNING',
      });
    }
  }
}
