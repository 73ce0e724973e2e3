/** Pod table rows, as upstream's printPod (STATUS, READY and RESTARTS logic included). */
import type { KubeObject, TableDef } from '../../types.js';
import { asPod, type V1Container, type V1Pod } from './pod-types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, since } from './table-util.js';

function isRestartableInit(c: V1Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The pod's READY, STATUS and RESTARTS cells plus the wide columns' values. */
export function podRowCells(pod: V1Pod, now: Date): [string, string, string] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name ?? '', c]));
  let totalContainers = (spec.containers ?? []).length;
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) totalContainers++;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let readyContainers = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  let reason = status.phase ?? '';
  if (status.reason) reason = status.reason;
  for (const c of status.conditions ?? []) if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
    const restartable = isRestartableInit(initSpecs.get(cs.name ?? ''));
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, cs.lastState?.terminated?.finishedAt);
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (restartable && cs.started) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`;
      else reason = `Init:${term.reason}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
      const st = cs.state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode ?? 0}`;
      else if (cs.ready && st.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }

  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart) restartsStr = `${restarts} (${since(lastRestart, now)} ago)`;
  return [`${readyContainers}/${totalContainers}`, reason, restartsStr];
}

function wideCells(pod: V1Pod): string[] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const podIP = status.podIPs?.[0]?.ip || '<none>';
  const nodeName = spec.nodeName || '<none>';
  const nominated = status.nominatedNodeName || '<none>';
  let gates = '<none>';
  const rg = spec.readinessGates ?? [];
  if (rg.length > 0) {
    let trueCount = 0;
    for (const g of rg) {
      const c = (status.conditions ?? []).find((x) => x.type === g.conditionType);
      if (c?.status === 'True') trueCount++;
    }
    gates = `${trueCount}/${rg.length}`;
  }
  return [podIP, nodeName, nominated, gates];
}

export const podTable: TableDef = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'string', 'Ready containers out of all containers.'),
    col('Status', 'string', 'A summary of the pod and container states (Running, Pending, CrashLoopBackOff...).'),
    col('Restarts', 'string', 'Container restarts, with the time since the last one.'),
    AGE_COLUMN,
    col('IP', 'string', 'The pod IP address.', 1),
    col('Node', 'string', 'The node the pod is bound to.', 1),
    col('Nominated Node', 'string', 'The node the scheduler nominated after preempting pods, if any.', 1),
    col('Readiness Gates', 'string', 'Readiness gates whose condition is True, out of all gates.', 1),
  ],
  cells(obj: KubeObject, now: Date): unknown[] {
    const pod = asPod(obj);
    const [ready, status, restarts] = podRowCells(pod, now);
    return [obj.metadata.name ?? '', ready, status, restarts, age(obj, now), ...wideCells(pod)];
  },
};
