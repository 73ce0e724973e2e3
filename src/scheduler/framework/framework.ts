/**
 * Framework: runs the plugins of one profile through a scheduling cycle (upstream's
 * frameworkImpl + schedulePod): PreFilter → Filter (sampled, upstream's percentageOfNodesToScore)
 * → PostFilter when nothing fits → PreScore → Score → normalize × weight → pick the best node
 * (ties broken by the injected random source) → Reserve → Permit. Pure and synchronous; binding is
 * the caller's job. The only state kept between cycles is the round-robin start index of sampling.
 */
import { CycleState } from './cycle-state.js';
import { type Diagnosis, fitErrorMessage } from './fit-error.js';
import type {
  BindPlugin, FilterPlugin, FrameworkHandle, NodeStatuses, PermitPlugin, Plugin, PostFilterPlugin, PreBindPlugin, PreFilterPlugin,
  PreScorePlugin, ReservePlugin, ScorePlugin, EnqueueExtensions, ClusterEvent,
} from './interfaces.js';
import type { NodeInfo } from './node-info.js';
import { type PodInfo, withNodeName } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import { Status, SUCCESS } from './status.js';

export const MAX_NODE_SCORE = 100;
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** Status of the nodes a PreFilter result left out (upstream's wording). */
const FILTERED_OUT = new Status('UnschedulableAndUnresolvable', ['node is filtered out by the prefilter result']);

export interface PluginConfig {
  plugin: Plugin;
  /** Score weight (default 1). */
  weight?: number;
}

export interface FrameworkOptions {
  /** 0 (default): upstream's adaptive percentage (50 - nodes/125, at least 5 %); 100: every node. */
  percentageOfNodesToScore?: number;
  /** Random source in [0, 1) for tie-breaking; default a fixed-seed generator (deterministic). */
  random?: () => number;
}

export interface ScheduledResult {
  outcome: 'Scheduled';
  node: string;
  evaluatedNodes: number;
  feasibleNodes: number;
  state: CycleState;
}
export interface UnschedulableResult {
  outcome: 'Unschedulable';
  numAllNodes: number;
  diagnosis: Diagnosis;
  /** The FitError message: the PodScheduled condition's message and the FailedScheduling event's. */
  message: string;
  /** Set when PostFilter (preemption) found room: nominate the pod here, after deleting `victims`. */
  nominatedNode?: string;
  victims?: PodInfo[];
  state: CycleState;
}
export interface ErrorResult {
  outcome: 'Error';
  message: string;
}
export type ScheduleResult = ScheduledResult | UnschedulableResult | ErrorResult;

/** Number of nodes to find feasible before stopping (upstream's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const has = <K extends string>(p: Plugin, m: K): boolean => typeof (p as unknown as Record<string, unknown>)[m] === 'function';

export class Framework implements FrameworkHandle {
  readonly plugins: readonly Plugin[];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: { plugin: ScorePlugin; weight: number }[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  private readonly percentage: number;
  private readonly random: () => number;
  /** Where the next cycle's node sampling starts (round-robin over the snapshot's node list). */
  nextStartNodeIndex = 0;

  constructor(plugins: readonly PluginConfig[], opts: FrameworkOptions = {}) {
    this.plugins = plugins.map((c) => c.plugin);
    for (const { plugin: p, weight } of plugins) {
      if (has(p, 'preFilter')) this.preFilterPlugins.push(p as PreFilterPlugin);
      if (has(p, 'filter')) this.filterPlugins.push(p as FilterPlugin);
      if (has(p, 'postFilter')) this.postFilterPlugins.push(p as PostFilterPlugin);
      if (has(p, 'preScore')) this.preScorePlugins.push(p as PreScorePlugin);
      if (has(p, 'score') && (weight ?? 1) > 0) this.scorePlugins.push({ plugin: p as ScorePlugin, weight: weight ?? 1 });
      if (has(p, 'reserve')) this.reservePlugins.push(p as ReservePlugin);
      if (has(p, 'permit')) this.permitPlugins.push(p as PermitPlugin);
      if (has(p, 'preBind')) this.preBindPlugins.push(p as PreBindPlugin);
      if (has(p, 'bind')) this.bindPlugins.push(p as BindPlugin);
    }
    this.percentage = opts.percentageOfNodesToScore ?? 0;
    this.random = opts.random ?? seeded(0x5eed);
  }

  /** Events registered by each plugin (for the queue's re-activation hints). */
  eventsByPlugin(): Map<string, readonly ClusterEvent[]> {
    const m = new Map<string, readonly ClusterEvent[]>();
    for (const p of this.plugins) if (has(p, 'events')) m.set(p.name, (p as EnqueueExtensions).events());
    return m;
  }

  /** Runs every PreFilter; returns the first non-success, non-skip status (with its plugin). */
  runPreFilter(state: CycleState, pod: PodInfo, snap: Snapshot): Status {
    for (const p of this.preFilterPlugins) {
      const st = p.preFilter(state, pod, snap);
      if (st.code === 'Skip') state.skipFilter.add(p.name);
      else if (!st.isSuccess()) return st.withPlugin(p.name);
    }
    return SUCCESS;
  }

  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const fs = this.filterPlugins;
    for (let i = 0; i < fs.length; i++) {
      const p = fs[i]!;
      if (state.skipFilter.size && state.skipFilter.has(p.name)) continue;
      const st = p.filter(state, pod, node);
      if (st.code !== 'Success') return st.plugin === p.name ? st : st.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /**
   * Filters `node` as if the pods nominated to it with priority ≥ the pod's already ran there
   * (upstream's RunFilterPluginsWithNominatedPods, first pass); Success when there are none.
   */
  filterWithNominated(state: CycleState, pod: PodInfo, node: NodeInfo, snap: Snapshot): Status {
    const nom = snap.nominatedOn(node.name);
    if (!nom) return SUCCESS;
    let clone: NodeInfo | undefined;
    let st2: CycleState | undefined;
    for (const other of nom.values()) {
      if (other.key === pod.key || other.priority < pod.priority) continue;
      clone ??= node.clone();
      st2 ??= state.clone();
      clone.addPod(withNodeName(other, node.name));
      this.runAddPod(st2, pod, other, clone);
    }
    return clone && st2 ? this.runFilters(st2, pod, clone) : SUCCESS;
  }

  /** Every plugin's Filter verdict on a node (no short-circuit; for explain). */
  runAllFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status[] {
    const out: Status[] = [];
    for (const p of this.filterPlugins) {
      if (state.skipFilter.has(p.name)) continue;
      const st = p.filter(state, pod, node);
      out.push(st.plugin === p.name ? st : st.withPlugin(p.name));
    }
    return out;
  }

  runRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    for (const p of this.preFilterPlugins) if (!state.skipFilter.has(p.name)) p.removePod?.(state, pod, other, node);
  }
  runAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    for (const p of this.preFilterPlugins) if (!state.skipFilter.has(p.name)) p.addPod?.(state, pod, other, node);
  }

  /**
   * Runs PreScore and Score over `nodes`; returns the weighted total per node and, when `detail` is
   * given, fills it with each plugin's normalized (unweighted) scores.
   */
  runScores(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snap: Snapshot, detail?: Map<string, number[]>): number[] | Status {
    for (const p of this.preScorePlugins) {
      const st = p.preScore(state, pod, nodes, snap);
      if (st.code === 'Skip') state.skipScore.add(p.name);
      else if (!st.isSuccess()) return st.withPlugin(p.name);
    }
    const total = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScore.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScores?.(state, pod, scores, nodes);
      for (let i = 0; i < nodes.length; i++) total[i]! += scores[i]! * weight;
      detail?.set(plugin.name, [...scores]);
    }
    return total;
  }

  /**
   * One scheduling cycle for `pod` against `snap`. Does not change the snapshot: on success the
   * caller assumes the pod on the node (snap.addPod) and binds; on failure it reports `message`
   * and, with a nominated node, deletes the victims.
   */
  schedule(snap: Snapshot, pod: PodInfo, state: CycleState = new CycleState()): ScheduleResult {
    const all = snap.nodes;
    const n = all.length;
    const diagnosis: Diagnosis = { nodeStatuses: new Map(), preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() };
    if (n === 0) return this.unschedulable(snap, pod, state, 0, diagnosis, false);
    const pre = this.runPreFilter(state, pod, snap);
    if (!pre.isSuccess()) {
      if (!pre.isRejected()) return { outcome: 'Error', message: `running PreFilter plugin "${pre.plugin}": ${pre.message()}` };
      diagnosis.preFilterMsg = pre.message();
      diagnosis.unschedulablePlugins.add(pre.plugin);
      for (const ni of all) diagnosis.nodeStatuses.set(ni.name, pre);
      return this.unschedulable(snap, pod, state, n, diagnosis, true);
    }

    // A pod nominated by an earlier preemption tries its nominated node first.
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated) {
      const ni = snap.get(nominated);
      if (ni && this.runFilters(state, pod, ni).isSuccess()) return { outcome: 'Scheduled', node: ni.name, evaluatedNodes: 1, feasibleNodes: 1, state };
    }

    // A PreFilter result narrows the candidates (e.g. a DaemonSet pod's matchFields metadata.name).
    let candidates: readonly NodeInfo[] = all;
    if (state.nodeNames) {
      const list: NodeInfo[] = [];
      for (const name of state.nodeNames) {
        const ni = snap.get(name);
        if (ni) list.push(ni);
      }
      candidates = list.sort((a, b) => a.index - b.index);
    }
    const nc = candidates.length;
    const want = nc === n ? numFeasibleNodesToFind(this.percentage, n) : nc;
    const feasible: NodeInfo[] = [];
    const start = nc === n ? this.nextStartNodeIndex % n : 0;
    let processed = 0;
    const filters = state.skipFilter.size ? this.filterPlugins.filter((p) => !state.skipFilter.has(p.name)) : this.filterPlugins;
    const nf = filters.length;
    const nominations = snap.hasNominations();
    for (let k = 0; k < nc && feasible.length < want; k++) {
      const ni = candidates[(start + k) % nc]!;
      processed++;
      let st: Status = nominations ? this.filterWithNominated(state, pod, ni, snap) : SUCCESS;
      for (let j = 0; j < nf && st.code === 'Success'; j++) {
        const s = filters[j]!.filter(state, pod, ni);
        if (s.code !== 'Success') {
          // Plugins return their own (often shared, constant) statuses: stamp the plugin once.
          if (!s.plugin) s.plugin = filters[j]!.name;
          st = s.plugin === filters[j]!.name ? s : s.withPlugin(filters[j]!.name);
          break;
        }
      }
      if (st.code === 'Success') feasible.push(ni);
      else if (st.code === 'Error') return { outcome: 'Error', message: `running "${st.plugin}" filter plugin: ${st.message()}` };
      else {
        diagnosis.nodeStatuses.set(ni.name, st);
        diagnosis.unschedulablePlugins.add(st.plugin);
      }
    }
    if (nc === n) this.nextStartNodeIndex = (start + processed) % n;
    if (feasible.length === 0) {
      if (nc !== n) for (const ni of all) if (!state.nodeNames!.has(ni.name)) diagnosis.nodeStatuses.set(ni.name, FILTERED_OUT);
      return this.unschedulable(snap, pod, state, n, diagnosis, true);
    }
    if (feasible.length === 1) return { outcome: 'Scheduled', node: feasible[0]!.name, evaluatedNodes: processed, feasibleNodes: 1, state };

    const totals = this.runScores(state, pod, feasible, snap);
    if (!Array.isArray(totals)) return { outcome: 'Error', message: `running "${totals.plugin}" prescore plugin: ${totals.message()}` };
    // Highest score; ties broken uniformly at random (reservoir sampling, as upstream's selectHost).
    let best = 0;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      if (totals[i]! > totals[best]!) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return { outcome: 'Scheduled', node: feasible[best]!.name, evaluatedNodes: processed, feasibleNodes: feasible.length, state };
  }

  private unschedulable(snap: Snapshot, pod: PodInfo, state: CycleState, n: number, diagnosis: Diagnosis, runPostFilter: boolean): UnschedulableResult {
    let nominatedNode: string | undefined;
    let victims: PodInfo[] | undefined;
    if (runPostFilter) {
      for (const p of this.postFilterPlugins) {
        const r = p.postFilter(state, pod, snap, diagnosis.nodeStatuses, this);
        if (r.status.message()) diagnosis.postFilterMsg = r.status.message();
        if (r.status.isSuccess()) {
          nominatedNode = r.nominatedNode;
          victims = r.victims;
          break;
        }
      }
    }
    const res: UnschedulableResult = { outcome: 'Unschedulable', numAllNodes: n, diagnosis, message: fitErrorMessage(n, diagnosis), state };
    if (nominatedNode !== undefined) {
      res.nominatedNode = nominatedNode;
      res.victims = victims ?? [];
    }
    return res;
  }

  /** Reserve then Permit on the chosen node; on a failure every reserve plugin is unreserved. */
  runReservePermit(state: CycleState, pod: PodInfo, node: string): Status {
    for (let i = 0; i < this.reservePlugins.length; i++) {
      const st = this.reservePlugins[i]!.reserve(state, pod, node);
      if (!st.isSuccess()) {
        this.runUnreserve(state, pod, node);
        return st.withPlugin(this.reservePlugins[i]!.name);
      }
    }
    for (const p of this.permitPlugins) {
      const st = p.permit(state, pod, node);
      if (!st.isSuccess()) {
        this.runUnreserve(state, pod, node);
        return st.withPlugin(p.name);
      }
    }
    return SUCCESS;
  }

  runUnreserve(state: CycleState, pod: PodInfo, node: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i]!.unreserve(state, pod, node);
  }
}

export type { NodeStatuses };
