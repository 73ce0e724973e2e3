/**
 * One sync of one pod against the container runtime: observe the pod's sandboxes and containers,
 * decide with the pure kubelet layer (agent/pods: computePodActions), apply the actions in the
 * kubelet's order (kill, sandbox, next init container, app containers), and compute the status the
 * pod should have (computePodStatus). The applier of the decision layer: every decision is made
 * there, this module only performs it and turns failures into the reasons users see
 * (ErrImagePull, CreateContainerConfigError, FailedCreatePodSandBox...) with upstream's events.
 *
 * State across syncs (node-wide, owned here): the crash-loop and image-pull back-offs and the
 * reason cache (why a container is waiting). Contract: sync() never throws for runtime failures
 * (they become reasons and events, and the result asks for an earlier retry); it may throw only
 * for programming errors. Calls for one pod must not overlap (the PodWorkers serialize them).
 */
import type { V1Container, V1Pod, V1PodStatus } from '../../api/core/v1/index.js';
import type { Logger } from '../../lib/log.js';
import {
  backoffGC,
  backoffNext,
  backoffView,
  computePodActions,
  computePodStatus,
  containerConfig,
  EMPTY_BACKOFF,
  imagePullBackoffKey,
  IMAGE_PULL_BACKOFF,
  podSandboxConfig,
  resolveEnv,
  type BackoffState,
  type ContainerToStart,
  type EnvSources,
  type ObservedPod,
  type PodActions,
  type PodDNSSettings,
  type ProbeVerdicts,
  type WaitingReason,
} from '../pods/index.js';
import { removePodCgroups } from './pod-cgroups.js';
import { CRI_LABELS, type AuthConfig, type ContainerStatus, type ImageService, type KeyValue, type Mount, type PodSandboxConfig, type RuntimeService } from '../runtime/cri-types.js';
import { isCriError } from '../runtime/cri-errors.js';

export type PodEventType = 'Normal' | 'Warning';
/** Records an event on the pod (involvedObject the pod, or one of its containers by fieldPath). */
export type PodEventSink = (pod: V1Pod, type: PodEventType, reason: string, message: string, containerName?: string) => void;

/** What the volume layer gives the worker: prepared volumes, then each container's mounts. */
export interface PodVolumes {
  /** Sets up (or refreshes) the pod's volumes; a failure is reported as FailedMount. */
  setup(pod: V1Pod): Promise<{ mounts(container: V1Container, ctx?: { attempt: number; podIPs: readonly string[]; env: readonly KeyValue[] }): Mount[] } | { error: string }>;
  /** Removes the pod's volumes (after its containers stopped). Idempotent. */
  teardown(podUid: string): Promise<void>;
}

/** Readiness and startup as the probe manager knows them. */
export interface ProbeView {
  ready(podUid: string, container: string): boolean | undefined;
  started(podUid: string, container: string): boolean | undefined;
}

/** Runs a container's lifecycle hook (postStart / preStop); resolves with an error message or ''. */
export type HookRunner = (pod: V1Pod, container: V1Container, containerId: string, hook: 'postStart' | 'preStop', timeoutSeconds: number) => Promise<string>;

export interface PodSyncDeps {
  runtime: RuntimeService;
  images: ImageService;
  /** Pod log root (kubelet's /var/log/pods). */
  logRoot: string;
  dns: PodDNSSettings;
  node: { name: string; hostIP: string; memoryCapacityBytes: number; allocatable?: Record<string, string> };
  /** ConfigMaps and Secrets for the environment (from the agent's caches). */
  env: Pick<EnvSources, 'configMap' | 'secret'>;
  volumes: PodVolumes;
  /** Removes a gone pod's cgroups (default: removePodCgroups under /sys/fs/cgroup; tests pass a fake). */
  removePodCgroups?: (podUid: string) => Promise<string[]>;
  /** At most this many RunPodSandbox calls at once (default DEFAULT_MAX_SANDBOX_STARTS). */
  maxSandboxStarts?: number;
  probes: ProbeView;
  hooks: HookRunner;
  /** Registry credentials for an image, from the pod's imagePullSecrets. */
  pullAuth(pod: V1Pod, image: string): AuthConfig | undefined;
  events: PodEventSink;
  /**
   * Called with the sandbox's addresses before any container of the pod starts (each sync that
   * starts one, hostNetwork pods excluded): NetworkPolicy enforcement installs the pod's isolation
   * first, as upstream requires of new pods. A rejection starts nothing; the sync is retried.
   */
  beforeContainersStart?: (pod: V1Pod, podIPs: readonly string[]) => Promise<void>;
  now: () => number;
  logger: Logger;
}

export interface PodSyncResult {
  status: V1PodStatus;
  /** Nothing of the pod runs any more and nothing will be started again (deleted or terminal). */
  stopped: boolean;
  /** When to sync again at the latest (a back-off ending, a failed step to retry). */
  retryAt?: number;
}

/** Default termination grace period (spec.terminationGracePeriodSeconds). */
const DEFAULT_GRACE_SECONDS = 30;
/** After a preStop hook, a container gets at least this long to stop (kubelet's minimum). */
const MIN_GRACE_AFTER_HOOK_SECONDS = 2;
const RETRY_MS = 2_000;

function gracePeriodOf(pod: V1Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}

function containerSpec(pod: V1Pod, s: Pick<ContainerToStart, 'kind' | 'index'>): V1Container {
  const list = s.kind === 'init' ? pod.spec?.initContainers : pod.spec?.containers;
  const c = list?.[s.index];
  if (!c) throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name}: no ${s.kind} container #${s.index}`);
  return c;
}

function specByName(pod: V1Pod, name: string): V1Container | undefined {
  return pod.spec?.containers?.find((c) => c.name === name) ?? pod.spec?.initContainers?.find((c) => c.name === name);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Sandboxes created at once (network namespace, CNI ADD, pause container): beyond a few, a burst only
 * makes every pod of it finish late on a small machine; the rest queue in arrival order.
 */
export const DEFAULT_MAX_SANDBOX_STARTS = 8;

export class PodSync {
  private backoff: BackoffState = EMPTY_BACKOFF;
  private pullBackoff: BackoffState = EMPTY_BACKOFF;
  /** imagePullBackoffKey → `ErrImagePull: <message>` of its last failed pull (kubelet's prevPullErrMsg). */
  private readonly pullErrors = new Map<string, string>();
  /** pod uid → container name → why it waits. */
  private readonly reasons = new Map<string, Map<string, WaitingReason>>();

  /** Sandboxes being created now, and the syncs waiting for a slot (see PodSyncDeps.maxSandboxStarts). */
  private sandboxStarts = 0;
  private readonly sandboxWaiters: (() => void)[] = [];

  constructor(private readonly deps: PodSyncDeps) {}

  private async sandboxSlot<T>(f: () => Promise<T>): Promise<T> {
    const max = this.deps.maxSandboxStarts ?? DEFAULT_MAX_SANDBOX_STARTS;
    while (this.sandboxStarts >= max) await new Promise<void>((r) => this.sandboxWaiters.push(r));
    this.sandboxStarts++;
    try {
      return await f();
    } finally {
      this.sandboxStarts--;
      this.sandboxWaiters.shift()?.();
    }
  }

  /** The pod's sandboxes and containers, by the pod-uid label the agent puts on them. */
  async observe(podUid: string): Promise<ObservedPod> {
    const rt = this.deps.runtime;
    const sel = { labelSelector: { [CRI_LABELS.podUid]: podUid } };
    const [sbs, cs] = await Promise.all([rt.listPodSandbox(sel), rt.listContainers(sel)]);
    const sandboxes = await Promise.all(sbs.map((s) => rt.podSandboxStatus(s.id).catch(() => undefined)));
    const containers = await Promise.all(cs.map((c) => rt.containerStatus(c.id).catch(() => undefined)));
    return { sandboxes: sandboxes.filter((s) => s !== undefined), containers: containers.filter((c) => c !== undefined) };
  }

  /** Forgets a pod's node-wide state (after it is gone). */
  forget(podUid: string): void {
    this.reasons.delete(podUid);
  }

  /** One sync (see module contract). */
  async sync(pod: V1Pod, verdicts?: ProbeVerdicts): Promise<PodSyncResult> {
    const uid = pod.metadata.uid ?? '';
    const now = this.deps.now();
    this.backoff = backoffGC(this.backoff, now);
    this.pullBackoff = backoffGC(this.pullBackoff, now, IMAGE_PULL_BACKOFF);
    for (const k of this.pullErrors.keys()) if (!this.pullBackoff.has(k)) this.pullErrors.delete(k);
    const reasons = this.reasonsOf(uid);
    let retryAt: number | undefined;
    const retry = (ms = RETRY_MS) => {
      const at = this.deps.now() + ms;
      retryAt = retryAt === undefined ? at : Math.min(retryAt, at);
    };

    let observed: ObservedPod;
    try {
      observed = await this.observe(uid);
    } catch (e) {
      this.deps.logger.warn('observing pod failed', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: message(e) });
      retry();
      return { status: pod.status ?? {}, stopped: false, retryAt };
    }
    const actions = computePodActions(pod, observed, {
      now,
      backoff: backoffView(this.backoff),
      pullBackoff: backoffView(this.pullBackoff, IMAGE_PULL_BACKOFF),
      pullError: (key) => this.pullErrors.get(key),
      ...(verdicts ? { probeVerdicts: verdicts } : {}),
    });
    for (const [name, why] of actions.waiting) reasons.set(name, why);
    if (actions.waiting.size) retry(5_000);

    await this.applyKills(pod, observed, actions);
    const deleting = Boolean(pod.metadata.deletionTimestamp);
    if (!(actions.killPod && !actions.createSandbox) && !deleting) {
      await this.applyStarts(pod, observed, actions, reasons, retry);
    }

    const after = await this.observe(uid).catch(() => observed);
    const running = after.containers.some((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
    const sandboxReady = after.sandboxes.some((s) => s.state === 'SANDBOX_READY');
    const stopped = (deleting || (actions.killPod && !actions.createSandbox)) && !running && !sandboxReady;
    const status = computePodStatus(pod, after, {
      now: this.deps.now(),
      probe: { ready: (name) => this.deps.probes.ready(uid, name), started: (name) => this.deps.probes.started(uid, name) },
      hostIP: this.deps.node.hostIP,
      waiting: reasons,
      podIsTerminal: stopped && !deleting,
    });
    if (!stopped && (deleting || actions.killPod) && !actions.createSandbox) retry(1_000);
    return { status, stopped, ...(retryAt !== undefined ? { retryAt } : {}) };
  }

  /**
   * Removes what the runtime still holds of a pod (its containers and sandboxes, stopped first)
   * and its volumes. Used once a deleted pod stopped, and for orphans the API no longer knows.
   */
  async removePod(podUid: string, graceSeconds = 0): Promise<void> {
    const rt = this.deps.runtime;
    const observed = await this.observe(podUid);
    await Promise.all(observed.containers.map((c) => rt.stopContainer(c.id, graceSeconds).catch(() => undefined)));
    for (const c of observed.containers) await rt.removeContainer(c.id).catch(() => undefined);
    for (const s of observed.sandboxes) {
      await rt.stopPodSandbox(s.id).catch(() => undefined);
      await rt.removePodSandbox(s.id).catch(() => undefined);
    }
    await this.deps.volumes.teardown(podUid);
    const busy = await (this.deps.removePodCgroups ?? removePodCgroups)(podUid);
    if (busy.length) this.deps.logger.warn('pod cgroups still in use', { uid: podUid, cgroups: busy.slice(0, 3).join(',') });
    this.forget(podUid);
  }

  private reasonsOf(uid: string): Map<string, WaitingReason> {
    let m = this.reasons.get(uid);
    if (!m) this.reasons.set(uid, (m = new Map()));
    return m;
  }

  // ---- kills ---------------------------------------------------------------------------------

  private async applyKills(pod: V1Pod, observed: ObservedPod, actions: PodActions): Promise<void> {
    const rt = this.deps.runtime;
    if (actions.killPod) {
      const live = observed.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
      await Promise.all(live.map((c) => this.killContainer(pod, c, gracePeriodOf(pod), 'Stopping container ' + c.metadata.name)));
      for (const s of observed.sandboxes) {
        if (s.state !== 'SANDBOX_READY') continue;
        await rt.stopPodSandbox(s.id).catch((e: unknown) => this.deps.logger.warn('stopping sandbox failed', { pod: pod.metadata.name, err: message(e) }));
      }
      return;
    }
    await Promise.all(
      actions.containersToKill.map((k) => {
        const c = observed.containers.find((x) => x.id === k.id);
        if (!c) return Promise.resolve();
        const probeGrace = k.reason === 'LivenessProbe' || k.reason === 'StartupProbe' ? this.probeGrace(pod, k.name, k.reason) : undefined;
        return this.killContainer(pod, c, probeGrace ?? gracePeriodOf(pod), k.message);
      }),
    );
  }

  private probeGrace(pod: V1Pod, name: string, reason: 'LivenessProbe' | 'StartupProbe'): number | undefined {
    const spec = specByName(pod, name);
    const probe = reason === 'LivenessProbe' ? spec?.livenessProbe : spec?.startupProbe;
    return (probe as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
  }

  /** preStop hook (within the grace period), then stop with what is left of it (≥ 2 s after a hook). */
  private async killContainer(pod: V1Pod, c: ContainerStatus, graceSeconds: number, why: string): Promise<void> {
    const spec = specByName(pod, c.metadata.name);
    this.deps.events(pod, 'Normal', 'Killing', why, c.metadata.name);
    let grace = graceSeconds;
    if (spec?.lifecycle?.preStop && c.state === 'CONTAINER_RUNNING' && grace > 0) {
      const t0 = this.deps.now();
      const err = await this.deps.hooks(pod, spec, c.id, 'preStop', grace);
      if (err) this.deps.events(pod, 'Warning', 'FailedPreStopHook', err, c.metadata.name);
      // Whole seconds spent in the hook, truncated as upstream (int64(time.Since(start).Seconds())).
      grace = Math.max(MIN_GRACE_AFTER_HOOK_SECONDS, grace - Math.floor((this.deps.now() - t0) / 1000));
    }
    try {
      await this.deps.runtime.stopContainer(c.id, grace);
    } catch (e) {
      this.deps.logger.warn('stopping container failed', { pod: pod.metadata.name, container: c.metadata.name, err: message(e) });
    }
  }

  // ---- starts --------------------------------------------------------------------------------

  private async applyStarts(pod: V1Pod, observed: ObservedPod, actions: PodActions, reasons: Map<string, WaitingReason>, retry: (ms?: number) => void): Promise<void> {
    const rt = this.deps.runtime;
    const sbr = podSandboxConfig(pod, { logRoot: this.deps.logRoot, dns: this.deps.dns, attempt: actions.attempt });
    if ('error' in sbr) {
      this.deps.events(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${sbr.error.message}`);
      retry();
      return;
    }
    for (const ev of sbr.events) this.deps.events(pod, ev.type, ev.reason, ev.message);
    const sandboxConfig = sbr.config;

    // Volumes before the sandbox, as the kubelet waits for mounts.
    const tVol = this.deps.now();
    const vols = await this.deps.volumes.setup(pod);
    this.deps.logger.v(4).info('volumes set up', { pod: pod.metadata.name, ms: this.deps.now() - tVol });
    if ('error' in vols) {
      this.deps.events(pod, 'Warning', 'FailedMount', vols.error);
      retry();
      return;
    }

    let sandboxId = actions.sandboxId;
    if (actions.createSandbox) {
      try {
        const tSb = this.deps.now();
        sandboxId = await this.sandboxSlot(() => rt.runPodSandbox(sandboxConfig));
        this.deps.logger.v(4).info('sandbox created', { pod: pod.metadata.name, ms: this.deps.now() - tSb });
      } catch (e) {
        this.deps.events(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${message(e)}`);
        retry();
        return;
      }
    }
    if (!sandboxId) return;
    if (actions.purgeInitContainers) {
      for (const c of observed.containers) {
        if (c.state !== 'CONTAINER_EXITED') continue;
        if (pod.spec?.initContainers?.some((ic) => ic.name === c.metadata.name)) await rt.removeContainer(c.id).catch(() => undefined);
      }
    }
    let podIPs: string[] = [];
    try {
      const st = await rt.podSandboxStatus(sandboxId);
      if (st.network?.ip) podIPs = [st.network.ip, ...(st.network.additionalIps ?? []).map((a) => a.ip)];
    } catch (e) {
      this.deps.logger.warn('sandbox status failed', { pod: pod.metadata.name, err: message(e) });
    }
    if (podIPs.length === 0 && pod.spec?.hostNetwork) podIPs = [this.deps.node.hostIP];

    const start = async (s: ContainerToStart): Promise<boolean> => {
      const spec = containerSpec(pod, s);
      const name = s.name;
      const imageRef = await this.ensureImage(pod, spec, s, sandboxConfig, reasons);
      if (imageRef === undefined) {
        retry(5_000);
        return false;
      }
      const env = resolveEnv(pod, spec, {
        ...this.deps.env,
        podIP: podIPs[0] ?? '',
        podIPs,
        hostIP: this.deps.node.hostIP,
        nodeName: this.deps.node.name,
        serviceAccountName: pod.spec?.serviceAccountName ?? 'default',
        ...(this.deps.node.allocatable ? { nodeAllocatable: this.deps.node.allocatable } : {}),
      });
      if ('error' in env) return this.failStart(pod, name, reasons, env.error.reason, env.error.message, retry);
      for (const ev of env.events) this.deps.events(pod, ev.type, ev.reason, ev.message, name);
      let mounts: Mount[];
      try {
        mounts = vols.mounts(spec, { attempt: s.attempt, podIPs, env: env.env });
      } catch (e) {
        return this.failStart(pod, name, reasons, 'CreateContainerConfigError', message(e), retry);
      }
      const cc = containerConfig(pod, spec, {
        attempt: s.attempt,
        env: env.env,
        mounts,
        imageRef,
        memoryCapacityBytes: this.deps.node.memoryCapacityBytes,
      });
      if ('error' in cc) return this.failStart(pod, name, reasons, cc.error.reason, cc.error.message, retry);
      let id: string;
      try {
        const tC = this.deps.now();
        id = await rt.createContainer(sandboxId, cc.config, sandboxConfig);
        this.deps.logger.v(4).info('container created', { pod: pod.metadata.name, container: name, ms: this.deps.now() - tC });
      } catch (e) {
        return this.failStart(pod, name, reasons, 'CreateContainerError', message(e), retry);
      }
      this.deps.events(pod, 'Normal', 'Created', `Created container ${name}`, name);
      try {
        const tS = this.deps.now();
        await rt.startContainer(id);
        this.deps.logger.v(4).info('container started', { pod: pod.metadata.name, container: name, ms: this.deps.now() - tS });
      } catch (e) {
        this.deps.events(pod, 'Warning', 'Failed', `Error: ${message(e)}`, name);
        reasons.set(name, { reason: 'RunContainerError', message: message(e) });
        retry();
        return false;
      }
      this.deps.events(pod, 'Normal', 'Started', `Started container ${name}`, name);
      reasons.delete(name);
      if (s.backoff) this.backoff = backoffNext(this.backoff, s.backoff.key, s.backoff.eventTimeMs, this.deps.now());
      if (spec.lifecycle?.postStart) {
        const err = await this.deps.hooks(pod, spec, id, 'postStart', gracePeriodOf(pod));
        if (err) {
          this.deps.events(pod, 'Warning', 'FailedPostStartHook', err, name);
          await rt.stopContainer(id, gracePeriodOf(pod)).catch(() => undefined);
          return false;
        }
      }
      return true;
    };
    const starts = actions.initContainersToStart.length + actions.containersToStart.length;
    if (starts > 0 && !pod.spec?.hostNetwork && this.deps.beforeContainersStart && podIPs.length > 0) {
      try {
        await this.deps.beforeContainersStart(pod, podIPs);
      } catch (e) {
        this.deps.events(pod, 'Warning', 'NetworkNotReady', `network policy rules for the pod are not installed: ${message(e)}`);
        retry();
        return;
      }
    }
    for (const s of actions.initContainersToStart) await start(s);
    for (const s of actions.containersToStart) await start(s);
  }

  private failStart(pod: V1Pod, name: string, reasons: Map<string, WaitingReason>, reason: string, msg: string, retry: (ms?: number) => void): false {
    this.deps.events(pod, 'Warning', 'Failed', `Error: ${msg}`, name);
    reasons.set(name, { reason, message: msg });
    retry();
    return false;
  }

  /**
   * The image reference to run, pulling per the pull policy; undefined when the image is not
   * available (the reason is in the cache: ErrImageNeverPull, ErrImagePull).
   */
  private async ensureImage(pod: V1Pod, spec: V1Container, s: ContainerToStart, sandboxConfig: PodSandboxConfig, reasons: Map<string, WaitingReason>): Promise<string | undefined> {
    const image = s.image;
    let present: string | undefined;
    try {
      present = (await this.deps.images.imageStatus({ image }))?.id;
    } catch (e) {
      reasons.set(s.name, { reason: 'ErrImagePull', message: message(e) });
      return undefined;
    }
    if (s.pullPolicy === 'Never') {
      if (present) return present;
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      this.deps.events(pod, 'Warning', 'ErrImageNeverPull', msg, s.name);
      reasons.set(s.name, { reason: 'ErrImageNeverPull', message: msg });
      return undefined;
    }
    if (s.pullPolicy === 'IfNotPresent' && present) {
      this.deps.events(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, s.name);
      return present;
    }
    const key = imagePullBackoffKey(pod.metadata.uid ?? '', image);
    this.pullErrors.delete(key);
    this.deps.events(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, s.name);
    const t0 = this.deps.now();
    try {
      const ref = await this.deps.images.pullImage({ image }, this.deps.pullAuth(pod, image), sandboxConfig);
      const secs = ((this.deps.now() - t0) / 1000).toFixed(3);
      this.deps.events(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting)`, s.name);
      return ref || image;
    } catch (e) {
      const msg = isCriError(e) ? e.message : message(e);
      this.deps.events(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`, s.name);
      this.deps.events(pod, 'Warning', 'Failed', 'Error: ErrImagePull', s.name);
      reasons.set(s.name, { reason: 'ErrImagePull', message: msg });
      this.pullErrors.set(key, `ErrImagePull: ${msg}`);
      this.pullBackoff = backoffNext(this.pullBackoff, key, this.deps.now(), this.deps.now(), IMAGE_PULL_BACKOFF);
      return undefined;
    }
  }
}
