/**
 * PodInfo: a pod compiled once for scheduling (upstream's framework.PodInfo plus the cached
 * resource requests): requests with the init-container and overhead rules, host ports, parsed
 * affinity terms and tolerations. Built when a pod enters the queue or the snapshot; plugins read
 * it on every node, so nothing here is recomputed per node.
 */
import type { V1Container, V1Pod, V1PodAffinityTerm, V1Toleration, V1LabelSelector } from '../../api/core/v1/pod-types.js';
import { type Selector, nothing, everything, newRequirement, selectorOf, selectorFromLabelSelector, matches } from '../../lib/labels/index.js';
import { type Resource, addResource, emptyResource, maxResource, resourceFromList, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST } from './resource.js';

/** A host port a pod wants on its node. `ip` '0.0.0.0' means every address. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A compiled pod (anti-)affinity term (upstream's framework.AffinityTerm). */
export interface AffinityTerm {
  selector: Selector;
  /** Namespaces listed in the term, or the pod's own namespace when neither list nor selector is set. */
  namespaces: ReadonlySet<string>;
  /** Selector over namespace labels; undefined when not set (an empty selector selects every namespace). */
  namespaceSelector: Selector | undefined;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface PodInfo {
  readonly pod: V1Pod;
  /** `namespace/name`. */
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** spec.priority (0 when unset). */
  readonly priority: number;
  /** spec.nodeName ('' when unscheduled). */
  readonly nodeName: string;
  /** Effective requests: max(sum(containers)+sidecars, max(init)) + overhead. */
  readonly requests: Resource;
  /** cpu/memory requests with upstream's defaults for containers that request nothing (for scoring). */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly V1Toleration[];
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Namespace + sorted labels: pods with the same signature match the same selectors. */
  readonly labelSignature: string;
  /** Namespace + labels + pod (anti-)affinity: pods that constrain others the same way. Empty without affinity. */
  readonly affinitySignature: string;
  /** Whether the pod is being deleted (metadata.deletionTimestamp set). */
  readonly terminating: boolean;
  /** metadata.creationTimestamp or status.startTime in ms (preemption prefers to keep older pods). */
  readonly startTime: number;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Upstream's computePodResourceRequest (with restartable init containers as sidecars). */
function podRequests(containers: V1Container[] | undefined, inits: V1Container[] | undefined, overhead: Record<string, unknown> | undefined, nonZero: boolean): Resource {
  const sum = emptyResource();
  for (const c of containers ?? []) addResource(sum, containerRequests(c, nonZero));
  const initMax = emptyResource();
  const sidecars = emptyResource();
  for (const c of inits ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addResource(sum, r);
      addResource(sidecars, r);
      maxResource(initMax, sidecars);
    } else {
      addResource(r, sidecars);
      maxResource(initMax, r);
    }
  }
  maxResource(sum, initMax);
  if (overhead) addResource(sum, resourceFromList(overhead));
  sum.allowedPodNumber = 0;
  return sum;
}

function containerRequests(c: V1Container, nonZero: boolean): Resource {
  // A container with limits but no requests gets requests = limits (defaulted by the apiserver);
  // read limits as a fallback for objects that bypassed defaulting.
  const lim = c.resources?.limits;
  const rq = c.resources?.requests;
  const req = lim && rq ? { ...lim, ...rq } : (rq ?? lim);
  const r = resourceFromList(req);
  if (nonZero) {
    if (!req || req['cpu'] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!req || req['memory'] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

function labelSelector(ls: V1LabelSelector | undefined): Selector {
  try {
    return selectorFromLabelSelector(ls as Parameters<typeof selectorFromLabelSelector>[0]);
  } catch {
    return nothing;
  }
}

/** A selector plus `key in (value)` for each matchLabelKeys key the pod has (`notin` for mismatch keys). */
export function selectorWithLabelKeys(base: Selector, labels: Readonly<Record<string, string>>, matchKeys: readonly string[] | undefined, mismatchKeys?: readonly string[]): Selector {
  if (!matchKeys?.length && !mismatchKeys?.length) return base;
  if (base.matchesNothing) return base;
  const reqs = [...base.requirements];
  try {
    for (const k of matchKeys ?? []) if (labels[k] !== undefined) reqs.push(newRequirement(k, 'in', [labels[k]!]));
    for (const k of mismatchKeys ?? []) if (labels[k] !== undefined) reqs.push(newRequirement(k, 'notin', [labels[k]!]));
  } catch {
    return base;
  }
  return selectorOf(reqs);
}

function compileTerm(t: V1PodAffinityTerm, ns: string, labels: Readonly<Record<string, string>>): AffinityTerm {
  const selector = selectorWithLabelKeys(labelSelector(t.labelSelector), labels, t.matchLabelKeys, t.mismatchLabelKeys);
  const nsSel = t.namespaceSelector ? labelSelector(t.namespaceSelector) : undefined;
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && nsSel === undefined) namespaces.add(ns);
  return { selector, namespaces, namespaceSelector: nsSel, topologyKey: t.topologyKey ?? '' };
}

/**
 * Whether `term` (of a pod) selects a pod with these labels in namespace `ns`
 * (upstream's AffinityTerm.Matches). `nsLabels` resolves a namespace's labels for namespaceSelector.
 */
export function termMatches(term: AffinityTerm, ns: string, labels: Readonly<Record<string, string>>, nsLabels: (ns: string) => Readonly<Record<string, string>> | undefined): boolean {
  if (!term.namespaces.has(ns)) {
    if (term.namespaceSelector === undefined) return false;
    if (term.namespaceSelector.requirements.length > 0 || term.namespaceSelector.matchesNothing) {
      if (!matches(term.namespaceSelector, nsLabels(ns))) return false;
    }
  }
  return matches(term.selector, labels);
}

function sortedLabelString(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  let s = '';
  for (const k of keys) s += k + '\u0001' + labels[k] + '\u0002';
  return s;
}

/** Compiles a pod (cheap enough to do on every informer event; never per node). */
export function podInfoOf(pod: V1Pod): PodInfo {
  const spec = pod.spec ?? {};
  const md = pod.metadata;
  const ns = md.namespace ?? '';
  const labels = (md.labels as Record<string, string> | undefined) ?? EMPTY;
  const requests = podRequests(spec.containers, spec.initContainers, spec.overhead, false);
  const nonZero = podRequests(spec.containers, spec.initContainers, spec.overhead, true);
  const hostPorts: HostPort[] = [];
  const portContainers = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of portContainers)
    for (const p of c.ports ?? [])
      if (p.hostPort && p.hostPort > 0) hostPorts.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  const aff = spec.affinity;
  const pa = aff?.podAffinity;
  const paa = aff?.podAntiAffinity;
  const req = (ts: V1PodAffinityTerm[] | undefined) => (ts ?? []).map((t) => compileTerm(t, ns, labels));
  const pref = (ts: { weight?: number; podAffinityTerm?: V1PodAffinityTerm }[] | undefined): WeightedAffinityTerm[] =>
    (ts ?? []).filter((t) => t.podAffinityTerm).map((t) => ({ ...compileTerm(t.podAffinityTerm!, ns, labels), weight: t.weight ?? 0 }));
  const requiredAffinityTerms = req(pa?.requiredDuringSchedulingIgnoredDuringExecution);
  const requiredAntiAffinityTerms = req(paa?.requiredDuringSchedulingIgnoredDuringExecution);
  const preferredAffinityTerms = pref(pa?.preferredDuringSchedulingIgnoredDuringExecution);
  const preferredAntiAffinityTerms = pref(paa?.preferredDuringSchedulingIgnoredDuringExecution);
  const labelSignature = ns + '\u0000' + sortedLabelString(labels);
  const hasAff = requiredAffinityTerms.length + requiredAntiAffinityTerms.length + preferredAffinityTerms.length + preferredAntiAffinityTerms.length > 0;
  const start = Date.parse(pod.status?.startTime ?? md.creationTimestamp ?? '');
  return {
    pod,
    key: `${ns}/${md.name ?? ''}`,
    uid: md.uid ?? '',
    namespace: ns,
    name: md.name ?? '',
    labels,
    priority: spec.priority ?? 0,
    nodeName: spec.nodeName ?? '',
    requests,
    nonZeroMilliCPU: nonZero.milliCPU,
    nonZeroMemory: nonZero.memory,
    hostPorts,
    tolerations: spec.tolerations ?? [],
    requiredAffinityTerms,
    requiredAntiAffinityTerms,
    preferredAffinityTerms,
    preferredAntiAffinityTerms,
    labelSignature,
    affinitySignature: hasAff ? labelSignature + '\u0000' + JSON.stringify([pa ?? null, paa ?? null]) : '',
    terminating: md.deletionTimestamp !== undefined,
    startTime: Number.isNaN(start) ? 0 : start,
  };
}

/** Same pod with another node name (what "assume" records before the binding is confirmed). */
export function withNodeName(pi: PodInfo, nodeName: string): PodInfo {
  return { ...pi, nodeName, pod: { ...pi.pod, spec: { ...pi.pod.spec, nodeName } } };
}

export { everything as EVERYTHING_SELECTOR };
