/**
 * The DaemonSet controller's decision (upstream pkg/controller/daemon): given a DaemonSet, every
 * Node, the pods and ControllerRevisions the set controls, and `now`, returns the writes to perform
 * as data plus the status to write. Pure and deterministic; running it twice is harmless.
 *
 * Pods are not bound by this controller: each gets a required node affinity on
 * `metadata.name In [node]` and goes through the scheduler, as upstream does since 1.12. A pod is
 * attributed to its node by spec.nodeName, or before binding by that affinity term.
 *
 * Applier contract: perform actions in order, stop at the first failure.
 */
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../../api/apps/v1/index.js';
import type { V1NodeSelectorRequirement, V1NodeSelectorTerm, V1Pod, V1Toleration, V1Node } from '../../api/core/v1/index.js';
import type { IntOrString } from '../../api/core/v1/index.js';
import { REVISION_LABEL, scaledIntOrPercent, byCreation, canonicalJson, clone, isFailed, isPodAvailable, isPodReady, isTerminating, ownerRefTo, revisionHash } from '../statefulset/pod-state.js';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

export type DaemonSetAction =
  | { type: 'createRevision'; revision: ControllerRevision }
  | { type: 'updateRevisionNumber'; name: string; revision: number }
  | { type: 'deleteRevision'; name: string }
  | { type: 'createPod'; pod: V1Pod; node: string }
  /** `failed`: the pod failed; the applier then lengthens that node's backoff (failedBackoffUntil). */
  | { type: 'deletePod'; name: string; uid: string; node: string; failed?: boolean };

export interface DaemonSetObserved {
  ds: DaemonSet;
  nodes: V1Node[];
  /** Pods controlled by the DaemonSet. */
  pods: V1Pod[];
  /** ControllerRevisions controlled by the DaemonSet. */
  revisions: ControllerRevision[];
  /**
   * Per node name, the time (ms since the epoch) before which a failed daemon pod is left in place
   * (upstream's failedPodsBackoff: 1 s doubling to 15 min, kept by the controller).
   */
  failedBackoffUntil?: ReadonlyMap<string, number>;
}

export interface DaemonSetResult {
  actions: DaemonSetAction[];
  status: DaemonSetStatus;
  requeueAfterMs?: number;
}

interface Taint { key?: string; value?: string; effect?: string }

/** The tolerations upstream's AddOrUpdateDaemonPodTolerations adds to every daemon pod. */
export function daemonTolerations(hostNetwork: boolean): V1Toleration[] {
  const t: V1Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

function addTolerations(existing: V1Toleration[] | undefined, extra: V1Toleration[]): V1Toleration[] {
  const out = [...(existing ?? [])];
  for (const e of extra) if (!out.some((t) => t.key === e.key && t.effect === e.effect && (t.operator ?? 'Equal') === e.operator)) out.push(e);
  return out;
}

export function tolerates(tolerations: V1Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function requirementMatches(r: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && vals.includes(value);
    case 'NotIn': return value === undefined || !vals.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || vals.length !== 1 || !/^-?\d+$/.test(vals[0]!)) return false;
      return r.operator === 'Gt' ? Number(value) > Number(vals[0]) : Number(value) < Number(vals[0]);
    }
    default: return false;
  }
}

/** A node selector term matches when all its expressions (labels) and fields (metadata.name) do. */
export function termMatches(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  return exprs.every((r) => requirementMatches(r, node.metadata.labels?.[r.key ?? ''])) &&
    fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata.name));
}

/**
 * upstream NodeShouldRunDaemonPod: `shouldRun` (a new pod may be placed: nodeName, nodeSelector,
 * required node affinity, every NoSchedule/NoExecute taint tolerated) and `shouldContinueRunning`
 * (an existing pod may stay: the same, except untolerated NoSchedule taints are ignored).
 */
export function nodeShouldRunDaemonPod(ds: DaemonSet, node: V1Node): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec ?? {};
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return no;
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return no;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => termMatches(t, node))) return no;
  const tol = addTolerations(spec.tolerations, daemonTolerations(!!spec.hostNetwork));
  let shouldRun = true;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (tolerates(tol, taint)) continue;
    if (taint.effect === 'NoExecute') return no;
    shouldRun = false;
  }
  return { shouldRun, shouldContinueRunning: true };
}

/** The node a daemon pod is for: spec.nodeName, else its `metadata.name In [node]` affinity term. */
export function targetNodeName(pod: V1Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** The revision data upstream stores for a DaemonSet: a patch replacing the template. */
export function revisionData(ds: DaemonSet): unknown {
  return { spec: { template: { ...(clone(ds.spec?.template) as Record<string, unknown>), $patch: 'replace' } } };
}

/** The daemon pod for `node` (upstream NewPod + ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function newDaemonPod(ds: DaemonSet, node: string, hash: string): V1Pod {
  const t = clone(ds.spec?.template) ?? {};
  const spec = t.spec ?? {};
  const na = spec.affinity?.nodeAffinity;
  const nameTerm: V1NodeSelectorRequirement = { key: 'metadata.name', operator: 'In', values: [node] };
  const existing = na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // Every existing term keeps its expressions, with its matchFields replaced by the node name.
  const terms: V1NodeSelectorTerm[] = existing.length
    ? existing.map((term) => ({ ...(term.matchExpressions ? { matchExpressions: term.matchExpressions } : {}), matchFields: [nameTerm] }))
    : [{ matchFields: [nameTerm] }];
  spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: { ...(na ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
  spec.tolerations = addTolerations(spec.tolerations, daemonTolerations(!!spec.hostNetwork));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [REVISION_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1) },
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [ownerRefTo(ds)],
    },
    spec,
  };
}

/** intstr.GetScaledValueFromIntOrPercent with round-up. */
export const scaled = scaledIntOrPercent;

/**
 * One sync of a DaemonSet. Guarantees (property-tested):
 * - never creates a pod on a node that already has a live (non-terminating) daemon pod, except the
 *   one surge pod a RollingUpdate with maxSurge > 0 adds next to an old-revision pod;
 * - creates pods only on nodes where shouldRun holds, deletes them where shouldContinueRunning fails;
 * - RollingUpdate keeps the number of nodes without an available pod ≤ maxUnavailable (old pods
 *   that are already unavailable are replaced at once, as upstream).
 */
export function reconcileDaemonSet(obs: DaemonSetObserved, now: Date): DaemonSetResult {
  const { ds } = obs;
  const actions: DaemonSetAction[] = [];
  const minReady = ds.spec?.minReadySeconds ?? 0;

  // Revisions.
  const data = revisionData(ds);
  const sorted = [...obs.revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const maxRev = sorted.length ? (sorted[sorted.length - 1]!.revision ?? 0) : 0;
  let collisionCount = ds.status?.collisionCount ?? 0;
  let cur = sorted.find((r) => canonicalJson(r.data) === canonicalJson(data));
  let hash: string;
  if (cur) {
    hash = cur.metadata.labels?.[REVISION_HASH_LABEL] ?? revisionHash(data, collisionCount);
    if ((cur.revision ?? 0) < maxRev) actions.push({ type: 'updateRevisionNumber', name: cur.metadata.name ?? '', revision: maxRev + 1 });
  } else {
    hash = revisionHash(data, collisionCount);
    while (sorted.some((r) => r.metadata.name === `${ds.metadata.name}-${hash}`)) hash = revisionHash(data, ++collisionCount);
    cur = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: `${ds.metadata.name}-${hash}`, namespace: ds.metadata.namespace, labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash }, ownerReferences: [ownerRefTo(ds)] },
      data,
      revision: maxRev + 1,
    };
    actions.push({ type: 'createRevision', revision: cur });
  }
  const isUpdated = (p: V1Pod) => p.metadata.labels?.[REVISION_LABEL] === hash;
  const available = (p: V1Pod) => isPodAvailable(p, minReady, now);

  // Pods by node.
  const byNode = new Map<string, V1Pod[]>();
  for (const p of obs.pods) {
    const n = targetNodeName(p);
    if (n === undefined) continue;
    const list = byNode.get(n) ?? [];
    list.push(p);
    byNode.set(n, list);
  }
  for (const list of byNode.values()) list.sort(byCreation);

  const strategy = ds.spec?.updateStrategy?.type ?? 'RollingUpdate';
  const nodeNames = new Set(obs.nodes.map((n) => n.metadata.name ?? ''));
  const st: DaemonSetStatus = {
    observedGeneration: ds.metadata.generation ?? 0,
    desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0,
    updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0,
    ...(collisionCount ? { collisionCount } : {}),
    ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}),
  };
  const desired = obs.nodes.filter((n) => nodeShouldRunDaemonPod(ds, n).shouldRun).length;
  const maxSurgeRaw = strategy === 'RollingUpdate' ? scaled(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, desired, 0) : 0;
  let maxUnavailable = strategy === 'RollingUpdate' ? scaled(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired, 1) : 0;
  if (strategy === 'RollingUpdate' && maxSurgeRaw === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const surging = maxSurgeRaw > 0;

  const del = (p: V1Pod, node: string) => actions.push({ type: 'deletePod', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '', node });
  const deleting = new Set<string>();
  let backoffWait: number | undefined;
  /** node → [old live pod, new live pod] after cleanup, for the rolling update. */
  const live = new Map<string, { old?: V1Pod; upd?: V1Pod }>();

  for (const node of [...obs.nodes].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const name = node.metadata.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(ds, node);
    const pods = byNode.get(name) ?? [];
    if (shouldRun) st.desiredNumberScheduled!++;
    const alive = pods.filter((p) => !isTerminating(p));
    if (shouldRun && alive.length) {
      st.currentNumberScheduled!++;
      const first = alive.find(isUpdated) && surging ? alive.find(isUpdated)! : alive[0]!;
      if (isPodReady(first)) st.numberReady!++;
      if (available(first)) st.numberAvailable!++;
      if (alive.some(isUpdated)) st.updatedNumberScheduled!++;
    } else if (!shouldRun && alive.length) st.numberMisscheduled!++;

    if (!shouldContinueRunning) {
      for (const p of alive) del(p, name);
      continue;
    }
    // Failed pods are deleted (and replaced on a later sync).
    const failed = alive.filter(isFailed);
    const until = obs.failedBackoffUntil?.get(name);
    if (failed.length && until !== undefined && until > now.getTime()) {
      backoffWait = backoffWait === undefined ? until - now.getTime() : Math.min(backoffWait, until - now.getTime());
    } else {
      for (const p of failed) {
        actions.push({ type: 'deletePod', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '', node: name, failed: true });
        deleting.add(p.metadata.uid ?? '');
      }
    }
    const running = alive.filter((p) => !isFailed(p));
    if (!running.length) {
      // Wait for terminating pods to go before placing a new one.
      if (shouldRun && !pods.some(isTerminating) && !failed.length) actions.push({ type: 'createPod', pod: newDaemonPod(ds, name, hash), node: name });
      continue;
    }
    // More than one: keep the oldest (and, while surging, the newest updated pod beside it).
    let keepOld = running.find((p) => !isUpdated(p));
    let keepNew = running.find(isUpdated);
    if (!surging) {
      const keep = running[0]!;
      keepOld = isUpdated(keep) ? undefined : keep;
      keepNew = isUpdated(keep) ? keep : undefined;
    } else if (keepNew && keepOld && available(keepNew)) {
      del(keepOld, name); // the surge pod is available: the old one goes
      keepOld = undefined;
    }
    for (const p of running) if (p !== keepOld && p !== keepNew) del(p, name);
    live.set(name, { old: keepOld, upd: keepNew });
  }
  // Pods on nodes that no longer exist.
  for (const [node, pods] of byNode) if (!nodeNames.has(node)) for (const p of pods) if (!isTerminating(p)) del(p, node);
  st.numberUnavailable = Math.max(0, st.desiredNumberScheduled! - st.numberAvailable!);

  if (strategy === 'RollingUpdate') {
    let numUnavailable = 0;
    for (const n of obs.nodes) {
      const name = n.metadata.name ?? '';
      if (!nodeShouldRunDaemonPod(ds, n).shouldRun) continue;
      const l = live.get(name);
      if (!l) { numUnavailable++; continue; }
      const pod = l.upd ?? l.old!;
      if (!available(pod) || (surging && l.upd && !available(l.upd) && !(l.old && available(l.old)))) numUnavailable++;
    }
    const names = [...live.keys()].sort();
    if (!surging) {
      const unavailableOld: [string, V1Pod][] = [];
      const candidates: [string, V1Pod][] = [];
      for (const name of names) {
        const l = live.get(name)!;
        if (!l.old || l.upd) continue;
        if (!available(l.old)) unavailableOld.push([name, l.old]);
        else candidates.push([name, l.old]);
      }
      for (const [n, p] of unavailableOld) del(p, n);
      const remaining = Math.max(0, maxUnavailable - numUnavailable);
      for (const [n, p] of candidates.slice(0, remaining)) del(p, n);
    } else {
      let surge = names.filter((n) => live.get(n)!.old && live.get(n)!.upd).length;
      for (const name of names) {
        const l = live.get(name)!;
        if (!l.old || l.upd) continue;
        if (!available(l.old) || surge < maxSurgeRaw) {
          if (available(l.old)) surge++;
          actions.push({ type: 'createPod', pod: newDaemonPod(ds, name, hash), node: name });
        }
      }
    }
  }

  // History.
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  const liveHashes = new Set(obs.pods.map((p) => p.metadata.labels?.[REVISION_LABEL]));
  const old = sorted.filter((r) => r.metadata.name !== cur!.metadata.name && !liveHashes.has(r.metadata.labels?.[REVISION_HASH_LABEL]));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) actions.push({ type: 'deleteRevision', name: r.metadata.name ?? '' });

  // minReadySeconds: come back when a ready pod becomes available.
  let requeueAfterMs: number | undefined = backoffWait;
  if (minReady) {
    for (const p of obs.pods) {
      if (!isPodReady(p) || available(p)) continue;
      const c = p.status?.conditions?.find((x) => x.type === 'Ready');
      const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) + minReady * 1000 - now.getTime() : 0;
      if (t > 0) requeueAfterMs = requeueAfterMs === undefined ? t : Math.min(requeueAfterMs, t);
    }
  }
  return requeueAfterMs === undefined ? { actions, status: st } : { actions, status: st, requeueAfterMs };
}
