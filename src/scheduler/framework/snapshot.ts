/**
 * Snapshot: the cluster as the scheduler sees it (nodes with their pods and aggregates), plus two
 * indexes that turn "count the pods matching this selector per topology domain" from a scan of
 * every pod into a scan of a few groups:
 *
 * - label groups: pods with the same namespace and labels (e.g. a Deployment's replicas) with their
 *   count per node; a selector is matched once per group, not once per pod;
 * - affinity groups: pods with the same namespace, labels and pod (anti-)affinity, per node.
 *
 * The snapshot is updated incrementally (setNode / removeNode / addPod / removePod) by the I/O
 * layer and read by a scheduling cycle; as both run on one thread, a cycle always sees a consistent
 * state. Pure: no I/O, no clock.
 */
import type { V1Node } from '../../api/core/v1/node.js';
import type { V1Pod } from '../../api/core/v1/pod-types.js';
import { NodeInfo } from './node-info.js';
import { type PodInfo, podInfoOf } from './pod-info.js';

/** Pods sharing one label signature: the counts per node. */
export interface PodGroup {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** A pod of the group (its terms are those of every member, for affinity groups). */
  readonly sample: PodInfo;
  /** Number of member pods per node (entries removed at 0). */
  readonly nodes: Map<NodeInfo, number>;
  size: number;
}

/** A PodDisruptionBudget reduced to what preemption needs. */
export interface DisruptionBudget {
  namespace: string;
  name: string;
  /** Whether a pod's labels are selected. */
  selects(labels: Readonly<Record<string, string>>): boolean;
  disruptionsAllowed: number;
}

export class Snapshot {
  /** Listed nodes in a stable order (the scheduler samples them round-robin). */
  readonly nodes: NodeInfo[] = [];
  private readonly infos = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodInfo>();
  private readonly labelGroups = new Map<string, PodGroup>();
  private readonly affinityGroups = new Map<string, PodGroup>();
  /** Namespace labels, for namespaceSelector in affinity terms. */
  readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  pdbs: DisruptionBudget[] = [];
  /** Pods nominated to a node by preemption, not yet placed: node → pod key → pod. */
  private readonly nominations = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNode = new Map<string, string>();
  /** Bumped on every change. */
  generation = 0;
  /** Bumped when the node set or a node's labels, taints or allocatable change (not on pod changes). */
  nodeGeneration = 0;
  private readonly derivedCache = new Map<string, unknown>();
  private derivedGeneration = -1;

  /** A snapshot of plain objects (pods with spec.nodeName are placed on their node). */
  static from(nodes: readonly V1Node[], pods: readonly V1Pod[] = []): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) s.setNode(n);
    for (const p of pods) if (p.spec?.nodeName) s.addPod(podInfoOf(p));
    return s;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.infos.get(name);
    return ni?.node ? ni : undefined;
  }

  pod(key: string): PodInfo | undefined {
    return this.pods.get(key);
  }

  podCount(): number {
    return this.pods.size;
  }

  /** Adds or replaces a node (its pods stay). */
  setNode(node: V1Node): NodeInfo {
    const name = node.metadata.name ?? '';
    let ni = this.infos.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.infos.set(name, ni);
    }
    ni.setNode(node);
    this.nodeGeneration++;
    if (ni.index < 0) {
      ni.index = this.nodes.length;
      this.nodes.push(ni);
    }
    this.generation++;
    return ni;
  }

  /** Removes a node from the list; its pods stay known until they are removed themselves. */
  removeNode(name: string): void {
    const ni = this.infos.get(name);
    if (!ni || ni.index < 0) return;
    const last = this.nodes.pop()!;
    if (last !== ni) {
      this.nodes[ni.index] = last;
      last.index = ni.index;
    }
    ni.index = -1;
    ni.node = undefined;
    if (ni.pods.length === 0) this.infos.delete(name);
    this.generation++;
    this.nodeGeneration++;
  }

  /** Adds a pod placed on `pi.nodeName` (replacing a pod with the same key). */
  addPod(pi: PodInfo): void {
    if (!pi.nodeName) return;
    if (this.pods.has(pi.key)) this.removePod(pi.key);
    let ni = this.infos.get(pi.nodeName);
    if (!ni) {
      ni = new NodeInfo(pi.nodeName);
      this.infos.set(pi.nodeName, ni);
    }
    ni.addPod(pi);
    this.pods.set(pi.key, pi);
    group(this.labelGroups, pi.labelSignature, pi, ni, 1);
    if (pi.affinitySignature) group(this.affinityGroups, pi.affinitySignature, pi, ni, 1);
    this.generation++;
  }

  removePod(key: string): PodInfo | undefined {
    const pi = this.pods.get(key);
    if (!pi) return undefined;
    this.pods.delete(key);
    const ni = this.infos.get(pi.nodeName);
    if (ni) {
      ni.removePod(key);
      group(this.labelGroups, pi.labelSignature, pi, ni, -1);
      if (pi.affinitySignature) group(this.affinityGroups, pi.affinitySignature, pi, ni, -1);
      if (!ni.node && ni.pods.length === 0) this.infos.delete(ni.name);
    }
    this.generation++;
    return pi;
  }

  /**
   * Records (or, with node '', clears) the node a pending pod was nominated to. Filtering other pods
   * of lower or equal priority then counts it as if it ran there, so the room preemption freed is
   * kept for it (upstream's RunFilterPluginsWithNominatedPods).
   */
  setNominated(pi: PodInfo, node: string): void {
    const prev = this.nominatedNode.get(pi.key);
    if (prev !== undefined) {
      const m = this.nominations.get(prev);
      m?.delete(pi.key);
      if (m && m.size === 0) this.nominations.delete(prev);
      this.nominatedNode.delete(pi.key);
    }
    if (!node) return;
    let m = this.nominations.get(node);
    if (!m) this.nominations.set(node, (m = new Map()));
    m.set(pi.key, pi);
    this.nominatedNode.set(pi.key, node);
  }

  /** Pods nominated to `node` (undefined when none). */
  nominatedOn(node: string): ReadonlyMap<string, PodInfo> | undefined {
    return this.nominations.get(node);
  }

  hasNominations(): boolean {
    return this.nominations.size > 0;
  }

  /** Groups of pods with identical namespace and labels. */
  podGroups(): Iterable<PodGroup> {
    return this.labelGroups.values();
  }

  /** Groups of pods with identical namespace, labels and pod (anti-)affinity. */
  affinityPodGroups(): Iterable<PodGroup> {
    return this.affinityGroups.values();
  }

  hasAffinityPods(): boolean {
    return this.affinityGroups.size > 0;
  }

  /**
   * A value derived from the nodes alone (not their pods), computed once per node generation:
   * plugins cache per-cycle work such as "the topology domains of key K among nodes matching this
   * pod's node affinity" here. `key` must capture every input besides the nodes.
   */
  derived<T>(key: string, compute: () => T): T {
    if (this.derivedGeneration !== this.nodeGeneration) {
      this.derivedCache.clear();
      this.derivedGeneration = this.nodeGeneration;
    }
    let v = this.derivedCache.get(key) as T | undefined;
    if (v === undefined) {
      if (this.derivedCache.size > 1024) this.derivedCache.clear();
      v = compute();
      this.derivedCache.set(key, v);
    }
    return v;
  }

  nsLabels = (ns: string): Readonly<Record<string, string>> | undefined => this.namespaceLabels.get(ns);
}

function group(groups: Map<string, PodGroup>, sig: string, pi: PodInfo, ni: NodeInfo, d: 1 | -1): void {
  let g = groups.get(sig);
  if (!g) {
    if (d < 0) return;
    g = { namespace: pi.namespace, labels: pi.labels, sample: pi, nodes: new Map(), size: 0 };
    groups.set(sig, g);
  }
  const n = (g.nodes.get(ni) ?? 0) + d;
  if (n > 0) g.nodes.set(ni, n);
  else g.nodes.delete(ni);
  g.size += d;
  if (g.size <= 0) groups.delete(sig);
}
