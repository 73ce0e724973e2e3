/**
 * The extension points (upstream's framework interfaces), one small interface each. A plugin is an
 * object with a `name` implementing any subset; the Framework finds what it implements by shape.
 * Plugins are stateless between cycles: what they compute for a pod goes into the CycleState.
 * Everything up to Permit is pure and synchronous; PreBind and Bind are the only asynchronous,
 * side-effecting points and are implemented by the I/O layer.
 */
import type { CycleState } from './cycle-state.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import type { Status } from './status.js';

export interface Plugin {
  readonly name: string;
}

/** Statuses of the nodes a pod was refused on, by node name. */
export type NodeStatuses = Map<string, Status>;

/**
 * PreFilter: computes per-pod data once per cycle. A rejection applies to every node (the pod is
 * unschedulable as a whole); Skip means the plugin's Filter is not run for this pod.
 */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo, snap: Snapshot): Status;
  /**
   * PreFilterExtensions: keep the PreFilter state right when preemption evaluates a node with
   * `other` removed (or added back). Required for plugins whose state counts other pods.
   */
  removePod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  addPod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
}

/** Filter: whether the pod can run on one node. Called for many nodes; must be cheap and pure. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

/** What a PostFilter (preemption) decided for an unschedulable pod. */
export interface PostFilterResult {
  status: Status;
  /** Node the pod should be nominated to (once the victims are gone). */
  nominatedNode?: string;
  /** Pods to delete so the pod fits on nominatedNode. */
  victims?: PodInfo[];
}

/** What a PostFilter plugin may ask of the framework. */
export interface FrameworkHandle {
  /** Runs every Filter plugin on a node (first rejection wins). */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
  /** Runs the PreFilterExtensions of every PreFilter plugin for `other` removed from / added to `node`. */
  runRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  runAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
}

/** PostFilter: runs only when no node passed Filter (e.g. preemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, snap: Snapshot, statuses: NodeStatuses, fw: FrameworkHandle): PostFilterResult;
}

/** PreScore: per-pod data for Score, over the feasible nodes. Skip: the plugin's Score is not run. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snap: Snapshot): Status;
}

/**
 * Score: a number for one feasible node; `normalizeScores` then maps the scores of all feasible
 * nodes (same order as the nodes) to 0..100 in place. Without it, score() must already be 0..100.
 */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  normalizeScores?(state: CycleState, pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void;
}

/** Reserve: claim per-node state for the chosen node; Unreserve undoes it when a later step fails. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** Permit: last veto before binding (no "wait" support). */
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, nodeName: string): Status;
}

/** PreBind: asynchronous work before binding (volumes...). A failure unreserves and retries the pod. */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

/** Bind: writes the decision (pods/binding). Skip lets the next binder try. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

/**
 * Cluster events that can make an unschedulable pod schedulable. Plugins list the events they care
 * about; the queue re-activates a pod only for events registered by a plugin that rejected it.
 */
export type ClusterEventResource = 'Node' | 'Pod' | 'Namespace' | 'PodDisruptionBudget';
export type ClusterEventAction = 'Add' | 'Update' | 'Delete';
export interface ClusterEvent {
  resource: ClusterEventResource;
  action: ClusterEventAction;
}

export interface EnqueueExtensions extends Plugin {
  events(): readonly ClusterEvent[];
}
