/**
 * computePodStatus: the pod status the agent reports, as the kubelet's generateAPIPodStatus,
 * convertToAPIContainerStatuses, getPhase, the probe manager's UpdatePodStatus and the status
 * manager's lastTransitionTime/startTime rules. Pure. The previous status is `pod.status`.
 */
import type { V1Container, V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '../../api/core/v1/index.js';
import type { ContainerStatus } from '../runtime/cri-types.js';
import {
  isHostNetworkPod,
  isRestartableInitContainer,
  latestContainerStatus,
  podSandboxChanged,
  restartCountOf,
  restartPolicyOf,
  rfc3339FromMillis,
  rfc3339FromNanos,
  sandboxesNewestFirst,
  shouldContainerBeRestarted,
  type ObservedPod,
} from './helpers.js';
import type { WaitingReason } from './pod-actions.js';
import { qosClassOf } from './resources.js';

/** Probe results per container instance; undefined = no result yet. */
export interface ProbeResults {
  ready(containerName: string, containerId: string): boolean | undefined;
  started(containerName: string, containerId: string): boolean | undefined;
}

export interface PodStatusContext {
  /** ms since the epoch. */
  now: number;
  probe: ProbeResults;
  /** The pod's IPs (first is podIP); default: the newest ready sandbox's, else the previous status's. */
  podIPs?: string[];
  hostIP: string;
  hostIPs?: string[];
  /**
   * The reason cache: container name → why it is waiting (from the last sync's failed starts:
   * CrashLoopBackOff, ErrImagePull, ImagePullBackOff, CreateContainerConfigError, CreateContainerError...).
   */
  waiting: ReadonlyMap<string, WaitingReason>;
  /** Runtime name in container IDs (default containerd → `containerd://<id>`). */
  runtimeName?: string;
  /** The pod worker decided the pod is terminal (its containers will not run again). */
  podIsTerminal?: boolean;
}

export const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

function terminatedOf(s: ContainerStatus, cid: string): NonNullable<V1ContainerState['terminated']> {
  return {
    exitCode: s.exitCode,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.message ? { message: s.message } : {}),
    ...(s.startedAt > 0 ? { startedAt: rfc3339FromNanos(s.startedAt) } : {}),
    ...(s.finishedAt > 0 ? { finishedAt: rfc3339FromNanos(s.finishedAt) } : {}),
    containerID: cid,
  };
}

function imageOf(s: ContainerStatus, spec: V1Container): string {
  const img = s.image?.image ?? '';
  return img === '' || img.startsWith('sha256:') ? (spec.image ?? img) : img;
}

/**
 * convertToAPIContainerStatuses for one list (init or regular containers): the newest instance
 * gives the state, the one before it lastState; containers without instances wait with
 * ContainerCreating / PodInitializing; the reason cache turns a container due to restart into
 * Waiting with its reason.
 */
function containerStatuses(
  pod: V1Pod,
  specs: readonly V1Container[],
  old: readonly V1ContainerStatus[] | undefined,
  observed: readonly ContainerStatus[],
  hasInitContainers: boolean,
  isInit: boolean,
  ctx: PodStatusContext,
): V1ContainerStatus[] {
  const runtime = ctx.runtimeName ?? 'containerd';
  const oldByName = new Map((old ?? []).map((s) => [s.name ?? '', s]));
  const defaultReason = hasInitContainers ? 'PodInitializing' : 'ContainerCreating';
  const out: V1ContainerStatus[] = [];
  for (const spec of specs) {
    const name = spec.name ?? '';
    const prev = oldByName.get(name);
    let st: V1ContainerStatus = { name, image: spec.image ?? '', state: { waiting: { reason: defaultReason } }, ready: false, restartCount: 0 };
    if (prev) {
      if (prev.state?.terminated) st = structuredClone(prev);
      else {
        st.restartCount = prev.restartCount ?? 0;
        if (prev.lastState) st.lastState = structuredClone(prev.lastState);
      }
    }
    const instances = observed.filter((c) => c.metadata.name === name).sort((a, b) => b.createdAt - a.createdAt || b.metadata.attempt - a.metadata.attempt);
    const hasUnknown = instances.some((c) => c.state === 'CONTAINER_UNKNOWN');
    // A container that was running and vanished from the runtime: it did terminate.
    if (!hasUnknown && instances.length === 0 && prev && !prev.state?.terminated && prev.state?.running && st.state?.waiting?.reason === defaultReason && !st.lastState?.terminated) {
      st.lastState = { terminated: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running', exitCode: 137 } };
      if (!pod.metadata.deletionTimestamp) st.restartCount = (st.restartCount ?? 0) + 1;
    }
    instances.slice(0, 2).forEach((cs, i) => {
      const cid = `${runtime}://${cs.id}`;
      let state: V1ContainerState;
      let restartCount = restartCountOf(cs);
      if (cs.state === 'CONTAINER_RUNNING') state = { running: { ...(cs.startedAt > 0 ? { startedAt: rfc3339FromNanos(cs.startedAt) } : {}) } };
      else if (cs.state === 'CONTAINER_CREATED') state = { waiting: {} };
      else if (cs.state === 'CONTAINER_EXITED') state = { terminated: terminatedOf(cs, cid) };
      else if (cs.state === 'CONTAINER_UNKNOWN' && prev?.state?.running) {
        state = { terminated: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', exitCode: 137 } };
        restartCount = (prev.restartCount ?? 0) + 1;
      } else state = { waiting: {} };
      if (i === 0) {
        st = { name, state, ready: false, restartCount, image: imageOf(cs, spec), imageID: cs.imageRef ?? '', containerID: cid };
      } else {
        st.lastState = state;
      }
    });
    // The reason cache: a container the next sync would restart is Waiting, with why.
    const latest = instances[0];
    const skip = isInit && latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0;
    const reason = ctx.waiting.get(name);
    const restarts = isInit && isRestartableInitContainer(spec) ? !pod.metadata.deletionTimestamp && latest?.state !== 'CONTAINER_RUNNING' : shouldContainerBeRestarted(spec, pod, observed);
    if (!skip && reason && restarts) {
      if (st.state?.terminated) st.lastState = st.state;
      st.state = { waiting: { reason: reason.reason, ...(reason.message ? { message: reason.message } : {}) } };
    }
    // Probe results (the probe manager's UpdatePodStatus).
    const running = st.state?.running !== undefined;
    const id = latest?.id ?? '';
    if (isInit && !isRestartableInitContainer(spec)) {
      st.started = running && (spec.startupProbe ? ctx.probe.started(name, id) === true : true);
      st.ready = st.state?.terminated !== undefined && st.state.terminated.exitCode === 0;
    } else {
      const started = running && (ctx.probe.started(name, id) ?? !spec.startupProbe);
      st.started = started;
      st.ready = started && (ctx.probe.ready(name, id) ?? !spec.readinessProbe);
    }
    out.push(st);
  }
  return out;
}

function find(list: readonly V1ContainerStatus[], name: string | undefined): V1ContainerStatus | undefined {
  return list.find((s) => s.name === name);
}

/** HasAnyRegularContainerStarted: a regular container is running or has terminated at least once. */
export function hasAnyRegularContainerStarted(pod: V1Pod, statuses: readonly V1ContainerStatus[]): boolean {
  return (pod.spec?.containers ?? []).some((c) => {
    const s = find(statuses, c.name);
    return s !== undefined && (s.state?.running !== undefined || s.state?.terminated !== undefined || (s.state?.waiting !== undefined && s.lastState?.terminated !== undefined));
  });
}

/** getPhase: the pod phase from the API container statuses (init and regular together). */
export function getPhase(pod: V1Pod, statuses: readonly V1ContainerStatus[], podIsTerminal: boolean): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const spec = pod.spec ?? {};
  const policy = restartPolicyOf(pod);
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    if (isRestartableInitContainer(c)) continue;
    const s = find(statuses, c.name);
    if (!s) pendingInit++;
    else if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.initContainers ?? []) {
    if (!isRestartableInitContainer(c)) continue;
    const s = find(statuses, c.name);
    if (!s) unknown++;
    else if (s.state?.running) {
      if (!s.started) pendingInit++;
      running++;
    } else if (s.state?.terminated) {
      // ignored
    } else if (s.state?.waiting) {
      if (!s.lastState?.terminated) {
        pendingInit++;
        waiting++;
      }
    } else {
      pendingInit++;
      unknown++;
    }
  }
  for (const c of spec.containers ?? []) {
    const s = find(statuses, c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if ((pendingInit > 0 && !hasAnyRegularContainerStarted(pod, statuses)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const goList = (xs: string[]) => `[${xs.join(' ')}]`;

function containersReadyCondition(pod: V1Pod, statuses: readonly V1ContainerStatus[], phase: string): V1PodCondition {
  const spec = pod.spec ?? {};
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of [...(spec.initContainers ?? []).filter(isRestartableInitContainer), ...(spec.containers ?? [])]) {
    const s = find(statuses, c.name);
    if (!s) unknown.push(c.name ?? '');
    else if (!s.ready) unready.push(c.name ?? '');
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
  if (msgs.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: msgs.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(pod: V1Pod, conditions: readonly V1PodCondition[], containersReady: V1PodCondition): V1PodCondition {
  if (containersReady.status !== 'True') {
    return { type: 'Ready', status: containersReady.status, ...(containersReady.reason ? { reason: containersReady.reason } : {}), ...(containersReady.message ? { message: containersReady.message } : {}) };
  }
  const msgs: string[] = [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === g.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
  }
  if (msgs.length) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') };
  return { type: 'Ready', status: 'True' };
}

function initializedCondition(pod: V1Pod, statuses: readonly V1ContainerStatus[], phase: string): V1PodCondition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    const s = find(statuses, c.name);
    if (!s) {
      unknown.push(c.name ?? '');
      continue;
    }
    if (isRestartableInitContainer(c) ? !s.started : !s.ready) incomplete.push(c.name ?? '');
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (hasAnyRegularContainerStarted(pod, statuses)) return { type: 'Initialized', status: 'True' };
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (msgs.length) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: msgs.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** The pod's IPs from the newest ready sandbox (primary first). */
export function sandboxPodIPs(observed: ObservedPod): string[] {
  const sb = sandboxesNewestFirst(observed.sandboxes).find((s) => s.state === 'SANDBOX_READY');
  if (!sb?.network || sb.network.ip === '') return [];
  return [sb.network.ip, ...sb.network.additionalIps.map((a) => a.ip)];
}

/** The pod status to report (see the module comment). `pod.status` is the previous status. */
export function computePodStatus(pod: V1Pod, observed: ObservedPod, ctx: PodStatusContext): V1PodStatus {
  const old = pod.status ?? {};
  const spec = pod.spec ?? {};
  const hasInit = (spec.initContainers ?? []).length > 0;
  const s: V1PodStatus = {};

  const inits = containerStatuses(pod, spec.initContainers ?? [], old.initContainerStatuses, observed.containers, hasInit, true, ctx);
  const regular = containerStatuses(pod, spec.containers ?? [], old.containerStatuses, observed.containers, hasInit, false, ctx);
  const all = [...regular, ...inits];

  let phase: string = getPhase(pod, all, ctx.podIsTerminal === true);
  if (phase !== 'Failed' && phase !== 'Succeeded' && (old.phase === 'Failed' || old.phase === 'Succeeded')) phase = old.phase; // no way out of a terminal phase
  s.phase = phase;
  if (phase === old.phase) {
    if (old.reason) s.reason = old.reason;
    if (old.message) s.message = old.message;
  }

  const startTime = old.startTime ?? rfc3339FromMillis(ctx.now);
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && phase !== 'Succeeded' && phase !== 'Failed' && ctx.now - Date.parse(startTime) >= deadline * 1000) {
    s.phase = phase = 'Failed';
    s.reason = 'DeadlineExceeded';
    s.message = 'Pod was active on the node longer than the specified deadline';
  }

  // Conditions: those the kubelet does not own are kept; its own are regenerated.
  const kept = (old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type ?? ''));
  const sandboxReady = !podSandboxChanged(pod, observed.sandboxes).changed;
  const containersReady = containersReadyCondition(pod, all, phase);
  const generated: V1PodCondition[] = [
    { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' },
    initializedCondition(pod, all, phase),
    readyCondition(pod, kept, containersReady),
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];
  for (const c of generated) {
    const prev = (old.conditions ?? []).find((x) => x.type === c.type);
    c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339FromMillis(ctx.now);
  }
  s.conditions = [...kept, ...generated];

  const hostIPs = ctx.hostIPs && ctx.hostIPs.length > 0 ? ctx.hostIPs : ctx.hostIP ? [ctx.hostIP] : [];
  if (hostIPs.length) {
    s.hostIP = hostIPs[0];
    s.hostIPs = hostIPs.map((ip) => ({ ip }));
  }
  let podIPs = ctx.podIPs && ctx.podIPs.length > 0 ? ctx.podIPs : sandboxPodIPs(observed);
  if (podIPs.length === 0 && isHostNetworkPod(pod)) podIPs = hostIPs;
  if (podIPs.length === 0 && old.podIPs && old.podIPs.length > 0) podIPs = old.podIPs.map((p) => p.ip ?? '').filter(Boolean);
  if (podIPs.length) {
    s.podIP = podIPs[0];
    s.podIPs = podIPs.map((ip) => ({ ip }));
  }
  s.startTime = startTime;
  if (inits.length) s.initContainerStatuses = inits;
  s.containerStatuses = regular;
  s.qosClass = qosClassOf(pod);
  if (old.nominatedNodeName) s.nominatedNodeName = old.nominatedNodeName;
  return s;
}

/** The newest observed instance of a container, for callers that need its id (probes, logs). */
export function currentContainer(observed: ObservedPod, name: string): ContainerStatus | undefined {
  return latestContainerStatus(observed.containers, name);
}
