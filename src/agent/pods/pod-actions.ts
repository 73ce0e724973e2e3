/**
 * computePodActions: what one sync of a pod must do, as data (upstream kuberuntime_manager.go
 * computePodActions plus the start-time checks of SyncPod: crash-loop back-off and image presence).
 * Pure; the pod worker applies the result in this order: kill the pod (when killPod), else kill
 * containersToKill; create the sandbox (when createSandbox); start initContainersToStart in order
 * (if one that is not a sidecar fails to start, stop there); start containersToStart. `waiting` holds the reasons to put in the reason cache for containers that
 * were due to start but may not yet; a container the worker starts clears its own entry.
 */
import type { V1Container, V1Pod } from '../../api/core/v1/index.js';
import type { ContainerStatus } from '../runtime/cri-types.js';
import { containerBackoffKey, formatGoDuration, imagePullBackoffKey, type BackoffView } from './backoff.js';
import {
  CONTAINER_ANNOTATIONS,
  containerHash,
  formatPod,
  isRestartableInitContainer,
  latestContainerStatus,
  latestExitedStatus,
  podSandboxChanged,
  restartCountOf,
  restartPolicyOf,
  shouldContainerBeRestarted,
  shouldRestartOnFailure,
  type ObservedPod,
} from './helpers.js';

/** A failed liveness or startup probe of one container: kill it (and restart it per policy). */
export interface ProbeVerdict {
  probe: 'liveness' | 'startup';
  /** The container the verdict is about; a verdict for an older container is ignored. */
  containerId?: string;
}

/** Container name → failed probe verdict. Containers without an entry are healthy. */
export type ProbeVerdicts = ReadonlyMap<string, ProbeVerdict>;

export type KillPodReason =
  | 'SandboxChanged' // a new sandbox is needed: everything is killed and recreated
  | 'InitContainerFailed' // an init container failed and restartPolicy is Never
  | 'NothingToRun' // no container runs nor will be started (all done)
  | 'PodDeleted' // deletionTimestamp is set
  | 'PodTerminal'; // the pod's phase is Succeeded or Failed

export type ContainerKillReason = 'LivenessProbe' | 'StartupProbe' | 'Unknown' | 'SpecChanged';

export interface ContainerToKill {
  id: string;
  name: string;
  reason: ContainerKillReason;
  /** Upstream's message, e.g. "Container app failed liveness probe, will be restarted". */
  message: string;
}

export interface ContainerToStart {
  name: string;
  kind: 'init' | 'regular';
  /** Index in spec.initContainers or spec.containers. */
  index: number;
  /** Restart count of the new container: the previous one's + 1, or 0. Also its CRI attempt. */
  attempt: number;
  image: string;
  pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /**
   * true: pull first; false: the image is present and policy allows it as is; undefined: presence
   * unknown (ctx.imagePresent not given) — check it and pull per pullPolicy.
   */
  pull: boolean | undefined;
  /**
   * Record one crash-loop step when the container is started: apply
   * `backoffNext(state, backoff.key, backoff.eventTimeMs, now)` (absent when it never exited).
   */
  backoff?: { key: string; eventTimeMs: number };
}

export interface WaitingReason {
  reason: string;
  message: string;
}

export interface PodActions {
  killPod: boolean;
  killPodReason?: KillPodReason;
  /** Human-readable detail of killPodReason. */
  killPodMessage?: string;
  createSandbox: boolean;
  /** The sandbox to start containers in, or the one to kill with the pod ('' for none). */
  sandboxId: string;
  /** The attempt of the sandbox to create (last attempt + 1, 0 for the first). */
  attempt: number;
  /** Remove exited init containers before starting again (a new sandbox starts init over). */
  purgeInitContainers: boolean;
  containersToKill: ContainerToKill[];
  /**
   * Init containers to start, in spec order: restartable (sidecar) init containers to (re)start and
   * at most one regular init container, the next one of the sequence. Empty while an init
   * container runs.
   */
  initContainersToStart: ContainerToStart[];
  /** Regular containers to start (only once initialization is done). */
  containersToStart: ContainerToStart[];
  /** Container name → why it is not started in this sync (CrashLoopBackOff, ImagePullBackOff...). */
  waiting: Map<string, WaitingReason>;
}

export interface PodActionsContext {
  /** ms since the epoch. */
  now: number;
  /** Crash-loop back-off, keyed by containerBackoffKey(podUid, name). */
  backoff: BackoffView;
  /** Image-pull back-off, keyed by imagePullBackoffKey(podUid, image); none when absent. */
  pullBackoff?: BackoffView;
  /**
   * The last pull failure of a key in pullBackoff (`ErrImagePull: <runtime's message>`), appended
   * to ImagePullBackOff's message as the kubelet does since 1.32, so the registry's answer stays
   * in the pod status during the back-off.
   */
  pullError?: (key: string) => string | undefined;
  /** Whether an image is on the node; undefined = unknown. */
  imagePresent?: (image: string) => boolean | undefined;
  probeVerdicts?: ProbeVerdicts;
  /**
   * Startup probe results, for sidecars with a startup probe: the next init container starts only
   * once the sidecar has started (undefined = no result yet).
   */
  startupResult?: (containerName: string, containerId: string) => boolean | undefined;
}

/** Upstream's default: Always for `:latest` or untagged images, IfNotPresent otherwise. */
export function imagePullPolicyOf(c: V1Container): 'Always' | 'IfNotPresent' | 'Never' {
  const p = c.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon === -1 ? '' : image.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** isInitContainerFailed: exited non-zero (or OOM-killed), or in unknown state. */
function initContainerFailed(s: ContainerStatus): boolean {
  if (s.state === 'CONTAINER_EXITED' && (s.exitCode !== 0 || s.reason === 'OOMKilled')) return true;
  return s.state === 'CONTAINER_UNKNOWN';
}

function containerSucceeded(c: V1Container, containers: readonly ContainerStatus[]): boolean {
  const s = latestContainerStatus(containers, c.name ?? '');
  return s !== undefined && s.state === 'CONTAINER_EXITED' && s.exitCode === 0;
}

function hasAnyRegularContainerCreated(pod: V1Pod, containers: readonly ContainerStatus[]): boolean {
  return (pod.spec?.containers ?? []).some((c) => {
    const s = latestContainerStatus(containers, c.name ?? '');
    return s !== undefined && (s.state === 'CONTAINER_CREATED' || s.state === 'CONTAINER_RUNNING' || s.state === 'CONTAINER_EXITED');
  });
}

/** Computes the actions of one sync (see the module comment for the order to apply them). */
export function computePodActions(pod: V1Pod, observed: ObservedPod, ctx: PodActionsContext): PodActions {
  const containers = observed.containers;
  const sb = podSandboxChanged(pod, observed.sandboxes);
  const actions: PodActions = {
    killPod: sb.changed,
    createSandbox: sb.changed,
    sandboxId: sb.sandboxId,
    attempt: sb.attempt,
    purgeInitContainers: false,
    containersToKill: [],
    initContainersToStart: [],
    containersToStart: [],
    waiting: new Map(),
  };
  if (sb.changed) {
    actions.killPodReason = 'SandboxChanged';
    actions.killPodMessage = `Pod sandbox changed (${sb.why}), it will be killed and re-created.`;
  }

  // A deleted or terminal pod is only ever killed.
  const phase = pod.status?.phase;
  if (pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') {
    return {
      ...actions,
      killPod: true,
      killPodReason: pod.metadata.deletionTimestamp ? 'PodDeleted' : 'PodTerminal',
      killPodMessage: pod.metadata.deletionTimestamp ? 'The pod is being deleted' : `The pod is ${phase}`,
      createSandbox: false,
    };
  }

  const spec = pod.spec ?? {};
  const regular = spec.containers ?? [];
  const inits = spec.initContainers ?? [];

  if (sb.changed) {
    actions.purgeInitContainers = sb.sandboxId !== '';
    if (!shouldRestartOnFailure(pod) && sb.attempt !== 0 && containers.length !== 0) {
      // restartPolicy Never and the pod already ran: do not bring it back.
      actions.createSandbox = false;
      return actions;
    }
    const toStart: number[] = [];
    regular.forEach((c, i) => {
      if (restartPolicyOf(pod) === 'OnFailure' && containerSucceeded(c, containers)) return;
      toStart.push(i);
    });
    if (toStart.length === 0 && hasAnyRegularContainerCreated(pod, containers)) {
      actions.createSandbox = false;
      return actions;
    }
    if (inits.length > 0) {
      const first = startSpec(pod, inits[0]!, 'init', 0, containers, ctx, actions);
      if (first) actions.initContainersToStart.push(first);
      return actions;
    }
    for (const i of toStart) {
      const s = startSpec(pod, regular[i]!, 'regular', i, containers, ctx, actions);
      if (s) actions.containersToStart.push(s);
    }
    return actions;
  }

  // Initialization first: one init container at a time, in order, each must succeed; sidecars
  // (restartable init containers) are kept running.
  const initialized = computeInitContainerActions(pod, containers, ctx, actions);
  if (actions.killPod || !initialized) return actions;

  let keep = 0;
  regular.forEach((c, i) => {
    const s = latestContainerStatus(containers, c.name ?? '');
    if (!s || s.state !== 'CONTAINER_RUNNING') {
      if (shouldContainerBeRestarted(c, pod, containers)) {
        if (s && s.state === 'CONTAINER_UNKNOWN') {
          actions.containersToKill.push({ id: s.id, name: s.metadata.name, reason: 'Unknown', message: `Container is in "unknown" state, try killing it before restart` });
        }
        const st = startSpec(pod, c, 'regular', i, containers, ctx, actions);
        if (st) actions.containersToStart.push(st);
        else keep++; // waiting in back-off: the pod is still alive
      }
      return;
    }
    const kill = killDecision(c, s, ctx);
    if (!kill) {
      keep++;
      return;
    }
    const restart = kill.reason === 'SpecChanged' || shouldRestartOnFailure(pod);
    actions.containersToKill.push({ id: s.id, name: s.metadata.name, reason: kill.reason, message: restart ? `${kill.message}, will be restarted` : kill.message });
    if (restart) {
      const st = startSpec(pod, c, 'regular', i, containers, ctx, actions);
      if (st) actions.containersToStart.push(st);
      else keep++;
    }
  });

  if (keep === 0 && actions.containersToStart.length === 0) {
    actions.killPod = true;
    actions.initContainersToStart = []; // sidecars do not keep a pod alive
    actions.killPodReason = 'NothingToRun';
    actions.killPodMessage = 'No container is running or will be started';
  }
  return actions;
}

/**
 * computeInitContainerActions (the SidecarContainers algorithm, upstream's default): walks the init
 * containers from the last one back, starts the next init container after the newest successful
 * one, restarts failed ones (or kills the pod under restartPolicy Never), keeps sidecars running
 * (restart when exited, killed on failed probes or changed spec). Returns whether the pod is
 * initialized. Init containers to start are pushed in spec order.
 */
function computeInitContainerActions(pod: V1Pod, containers: readonly ContainerStatus[], ctx: PodActionsContext, actions: PodActions): boolean {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return true;
  let podHasInitialized = (pod.spec?.containers ?? []).some((c) => {
    const s = latestContainerStatus(containers, c.name ?? '');
    return s !== undefined && (s.state === 'CONTAINER_CREATED' || s.state === 'CONTAINER_RUNNING');
  });
  let previouslyInitialized = podHasInitialized;
  const restartOnFailure = shouldRestartOnFailure(pod);
  const toStart: number[] = [];
  const kill = (s: ContainerStatus, c: V1Container, reason: ContainerKillReason, message: string) =>
    actions.containersToKill.push({ id: s.id, name: c.name ?? '', reason, message });
  const neverRestart = (c: V1Container, why: string) => {
    actions.killPod = true;
    actions.killPodReason = 'InitContainerFailed';
    actions.killPodMessage = `Init container ${c.name} ${why} and restartPolicy is Never`;
    actions.initContainersToStart = [];
    actions.containersToKill = [];
    return false;
  };

  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i]!;
    const sidecar = isRestartableInitContainer(c);
    const s = latestContainerStatus(containers, c.name ?? '');
    if (!s) {
      if (previouslyInitialized && sidecar) toStart.push(i);
      continue;
    }
    if (previouslyInitialized && !sidecar) continue; // after initialization only sidecars are kept running
    switch (s.state) {
      case 'CONTAINER_CREATED':
        toStart.push(i); // created but never started: start it again
        break;
      case 'CONTAINER_RUNNING': {
        if (!sidecar) break; // wait for it to finish
        const verdict = ctx.probeVerdicts?.get(c.name ?? '');
        const failed = verdict && (verdict.containerId === undefined || verdict.containerId === s.id) ? verdict.probe : undefined;
        if (c.startupProbe) {
          if (failed === 'startup') {
            kill(s, c, 'StartupProbe', `Init container ${c.name} failed startup probe`);
            toStart.push(i);
            break;
          }
          if (ctx.startupResult?.(c.name ?? '', s.id) !== true) break; // wait for the startup probe
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!previouslyInitialized) toStart.push(i + 1);
        const hash = s.annotations?.[CONTAINER_ANNOTATIONS.hash];
        if (hash !== undefined && hash !== containerHash(c)) {
          kill(s, c, 'SpecChanged', `Init container ${c.name} definition changed`);
          toStart.push(i);
          break;
        }
        if (failed === 'liveness') {
          kill(s, c, 'LivenessProbe', `Init container ${c.name} failed liveness probe`);
          toStart.push(i);
        }
        break;
      }
      case 'CONTAINER_EXITED':
        if (sidecar) toStart.push(i);
        else if (initContainerFailed(s)) {
          if (!restartOnFailure) return neverRestart(c, 'failed');
          toStart.push(i);
        } else if (i === inits.length - 1) podHasInitialized = true;
        else toStart.push(i + 1);
        break;
      default: // CONTAINER_UNKNOWN
        if (!sidecar && !restartOnFailure) return neverRestart(c, 'is in unknown state');
        kill(s, c, 'Unknown', `Init container is in "unknown" state, try killing it before restart`);
        toStart.push(i);
    }
    previouslyInitialized = true;
  }
  if (!previouslyInitialized) toStart.push(0);

  for (const i of [...new Set(toStart)].sort((a, b) => a - b)) {
    const st = startSpec(pod, inits[i]!, 'init', i, containers, ctx, actions);
    if (st) actions.initContainersToStart.push(st);
  }
  return podHasInitialized;
}

function killDecision(c: V1Container, s: ContainerStatus, ctx: PodActionsContext): { reason: ContainerKillReason; message: string } | undefined {
  const hash = s.annotations?.[CONTAINER_ANNOTATIONS.hash];
  if (hash !== undefined && hash !== containerHash(c)) return { reason: 'SpecChanged', message: `Container ${c.name} definition changed` };
  const v = ctx.probeVerdicts?.get(c.name ?? '');
  if (v && (v.containerId === undefined || v.containerId === s.id)) {
    return v.probe === 'liveness'
      ? { reason: 'LivenessProbe', message: `Container ${c.name} failed liveness probe` }
      : { reason: 'StartupProbe', message: `Container ${c.name} failed startup probe` };
  }
  return undefined;
}

/**
 * The start of one container, or undefined when it must wait (crash-loop back-off, image pull
 * back-off, image absent with pullPolicy Never); the waiting reason then goes to `actions.waiting`.
 */
function startSpec(
  pod: V1Pod,
  c: V1Container,
  kind: 'init' | 'regular',
  index: number,
  containers: readonly ContainerStatus[],
  ctx: PodActionsContext,
  actions: PodActions,
): ContainerToStart | undefined {
  const name = c.name ?? '';
  const uid = pod.metadata.uid ?? '';
  const image = c.image ?? '';
  const latest = latestContainerStatus(containers, name);
  const attempt = latest ? restartCountOf(latest) + 1 : 0;

  // doBackOff: measured from the newest exit of this container.
  const exited = latestExitedStatus(containers, name);
  let backoff: ContainerToStart['backoff'];
  if (exited) {
    const key = containerBackoffKey(uid, name);
    const finishedMs = Math.floor(exited.finishedAt / 1e6);
    if (ctx.backoff.isInBackOffSince(key, finishedMs, ctx.now)) {
      actions.waiting.set(name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatGoDuration(ctx.backoff.get(key))} restarting failed container=${name} pod=${formatPod(pod)}`,
      });
      return undefined;
    }
    backoff = { key, eventTimeMs: finishedMs };
  }

  const pullPolicy = imagePullPolicyOf(c);
  const present = ctx.imagePresent?.(image);
  let pull: boolean | undefined;
  if (pullPolicy === 'Never') {
    if (present === false) {
      actions.waiting.set(name, { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` });
      return undefined;
    }
    pull = present === undefined ? undefined : false;
  } else if (pullPolicy === 'Always') {
    pull = true;
  } else {
    pull = present === undefined ? undefined : !present;
  }
  const pullKey = imagePullBackoffKey(uid, image);
  if (pull !== false && ctx.pullBackoff?.isInBackOffSinceUpdate(pullKey, ctx.now)) {
    const prev = ctx.pullError?.(pullKey);
    actions.waiting.set(name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"${prev ? `: ${prev}` : ''}` });
    return undefined;
  }
  return { name, kind, index, attempt, image, pullPolicy, pull, ...(backoff ? { backoff } : {}) };
}
