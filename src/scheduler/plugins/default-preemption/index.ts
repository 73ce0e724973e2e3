/**
 * DefaultPreemption (upstream's defaultpreemption PostFilter), run only when no node fits.
 *
 * Nodes whose refusal is UnschedulableAndUnresolvable are not helpful. On every other node the pod's
 * lower-priority pods are removed (in a clone of the node and of the cycle state); if the pod then
 * passes every Filter, victims are reprieved one by one, most important first (higher priority,
 * then older), PDB-protected ones first, keeping each one whose return still lets the pod fit.
 * The node is chosen as upstream's pickOneNodeForPreemption: fewest PDB violations, lowest highest
 * victim priority, smallest priority sum, fewest victims, latest start of the top victims, first.
 * The plugin only decides: the I/O layer deletes the victims and sets status.nominatedNodeName.
 * Without a candidate the status message is `preemption: <FitError of the dry runs>`.
 */
import type { KubeObject } from '../../../api/types.js';
import { matches, selectorFromLabelSelector } from '../../../lib/labels/index.js';
import {
  type CycleState, type DisruptionBudget, type FrameworkHandle, type NodeInfo, type NodeStatuses, type PodInfo, type PostFilterPlugin,
  type PostFilterResult, type Snapshot, SUCCESS, fitErrorMessage, unresolvable, unschedulable,
} from '../../framework/index.js';

export const NAME = 'DefaultPreemption';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
const NOT_HELPFUL_STATUS = unresolvable(NOT_HELPFUL);
const NO_VICTIMS_STATUS = unresolvable(NO_VICTIMS);
/** Dry runs stop once this many candidate nodes were found (upstream's minCandidateNodesAbsolute). */
const MAX_CANDIDATES = 100;
const INT32_OFFSET = 2147483648;

interface Candidate {
  node: NodeInfo;
  victims: PodInfo[];
  pdbViolations: number;
}

/** A PodDisruptionBudget object as the DisruptionBudget preemption reads. */
export function disruptionBudgetOf(pdb: KubeObject): DisruptionBudget {
  const spec = (pdb['spec'] ?? {}) as { selector?: Parameters<typeof selectorFromLabelSelector>[0] };
  const status = (pdb['status'] ?? {}) as { disruptionsAllowed?: number };
  let sel: ReturnType<typeof selectorFromLabelSelector> | undefined;
  try {
    sel = selectorFromLabelSelector(spec.selector);
  } catch {
    sel = undefined;
  }
  return {
    namespace: pdb.metadata.namespace ?? '',
    name: pdb.metadata.name ?? '',
    disruptionsAllowed: status.disruptionsAllowed ?? 0,
    // policy/v1: an empty selector selects every pod of the namespace, a missing one none.
    selects: (labels) => (sel ? matches(sel, labels) : false),
  };
}

/** Most important first: higher priority, then earlier start. */
const importance = (a: PodInfo, b: PodInfo): number => b.priority - a.priority || a.startTime - b.startTime;

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;

  postFilter(state: CycleState, pod: PodInfo, snap: Snapshot, statuses: NodeStatuses, fw: FrameworkHandle): PostFilterResult {
    const notEligible = this.ineligible(pod, snap, statuses);
    if (notEligible) return { status: unschedulable(`preemption: ${notEligible}`) };
    const result: NodeStatuses = new Map();
    const potential: NodeInfo[] = [];
    for (const ni of snap.nodes) {
      const st = statuses.get(ni.name);
      if (st && st.code === 'UnschedulableAndUnresolvable') result.set(ni.name, NOT_HELPFUL_STATUS);
      else potential.push(ni);
    }
    const candidates: Candidate[] = [];
    for (const ni of potential) {
      if (candidates.length >= MAX_CANDIDATES) break;
      const c = this.selectVictims(state, pod, ni, snap, fw, result);
      if (c) candidates.push(c);
    }
    if (candidates.length === 0) {
      const msg = fitErrorMessage(result.size, { nodeStatuses: result, preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() });
      return { status: unschedulable(`preemption: ${msg}`) };
    }
    const best = pickOne(candidates);
    return { status: SUCCESS, nominatedNode: best.node.name, victims: best.victims };
  }

  /** Upstream's PodEligibleToPreemptOthers: the reason the pod may not preempt, or ''. */
  private ineligible(pod: PodInfo, snap: Snapshot, statuses: NodeStatuses): string {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nom = pod.pod.status?.nominatedNodeName;
    if (nom) {
      const st = statuses.get(nom);
      if (st && st.code === 'UnschedulableAndUnresolvable') return '';
      const ni = snap.get(nom);
      if (ni && ni.pods.some((p) => p.terminating && p.priority < pod.priority)) return 'not eligible due to a terminating pod on the nominated node.';
    }
    return '';
  }

  private selectVictims(state: CycleState, pod: PodInfo, node: NodeInfo, snap: Snapshot, fw: FrameworkHandle, result: NodeStatuses): Candidate | undefined {
    const lower = node.pods.filter((p) => p.priority < pod.priority);
    if (lower.length === 0) {
      result.set(node.name, NO_VICTIMS_STATUS);
      return undefined;
    }
    const ni = node.clone();
    const st = state.clone();
    for (const v of lower) {
      ni.removePod(v.key);
      fw.runRemovePod(st, pod, v, ni);
    }
    const fits = fw.runFilters(st, pod, ni);
    if (!fits.isSuccess()) {
      result.set(node.name, fits);
      return undefined;
    }
    lower.sort(importance);
    const budgets = snap.pdbs.filter((b) => b.namespace === pod.namespace || lower.some((p) => p.namespace === b.namespace)).map((b) => ({ b, left: b.disruptionsAllowed }));
    const violating: PodInfo[] = [];
    const fine: PodInfo[] = [];
    for (const p of lower) {
      let viol = false;
      for (const x of budgets)
        if (x.b.namespace === p.namespace && x.b.selects(p.labels)) {
          x.left--;
          if (x.left < 0) viol = true;
        }
      (viol ? violating : fine).push(p);
    }
    const victims: PodInfo[] = [];
    let pdbViolations = 0;
    const reprieve = (p: PodInfo): boolean => {
      ni.addPod(p);
      fw.runAddPod(st, pod, p, ni);
      if (fw.runFilters(st, pod, ni).isSuccess()) return true;
      ni.removePod(p.key);
      fw.runRemovePod(st, pod, p, ni);
      victims.push(p);
      return false;
    };
    for (const p of violating) if (!reprieve(p)) pdbViolations++;
    for (const p of fine) reprieve(p);
    victims.sort(importance);
    return { node, victims, pdbViolations };
  }
}

function pickOne(cs: Candidate[]): Candidate {
  const by = (list: Candidate[], key: (c: Candidate) => number): Candidate[] => {
    let min = Infinity;
    for (const c of list) min = Math.min(min, key(c));
    return list.filter((c) => key(c) === min);
  };
  let l = by(cs, (c) => c.pdbViolations);
  if (l.length > 1) l = by(l, (c) => (c.victims.length ? c.victims[0]!.priority : -Infinity));
  if (l.length > 1) l = by(l, (c) => c.victims.reduce((s, v) => s + v.priority + INT32_OFFSET, 0));
  if (l.length > 1) l = by(l, (c) => c.victims.length);
  if (l.length > 1)
    l = by(l, (c) => {
      // Earliest start among the highest-priority victims; the latest such start wins.
      const top = c.victims[0]?.priority;
      let earliest = Infinity;
      for (const v of c.victims) if (v.priority === top && v.startTime < earliest) earliest = v.startTime;
      return -earliest;
    });
  return l[0]!;
}
