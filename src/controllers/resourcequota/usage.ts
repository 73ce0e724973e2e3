/**
 * Quota evaluators (upstream pkg/quota/v1/evaluator/core and generic): which quota resource names
 * an object kind is charged against, how much one object uses, which quota scopes it falls in, and
 * the pod "must specify" constraint. Shared by the ResourceQuota controller (status.used) and the
 * ResourceQuota admission plugin (charging a create), so both count exactly alike.
 *
 * Pure: no I/O, time is an argument.
 */
import type { KubeObject } from '../../api/types.js';
import { Quantity, quantityFromJSON } from '../../lib/quantity/index.js';

/** A resource list with parsed quantities (upstream corev1.ResourceList). */
export type ResourceList = Map<string, Quantity>;

/** A group + resource such as { group: 'apps', resource: 'deployments' }. */
export interface GroupResourceRef {
  group: string;
  resource: string;
}

// ---------------------------------------------------------------- resource lists

/** Parses a JSON resource list; entries that do not parse are skipped (validation reports them). */
export function parseList(list: Readonly<Record<string, unknown>> | undefined | null): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    try {
      const q = quantityFromJSON(v);
      if (q) out.set(k, q);
    } catch {
      // skipped
    }
  }
  return out;
}

/** The JSON form: canonical quantity strings, keys sorted. */
export function listToJSON(l: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...l.keys()].sort()) out[k] = l.get(k)!.toString();
  return out;
}

export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? Quantity.fromInt(0)).add(v));
  return out;
}

export function subtractLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? Quantity.fromInt(0)).sub(v));
  return out;
}

/** Keeps only the entries named in `names` (upstream quota.Mask). */
export function maskList(l: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = l.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

export function removeZeros(l: ResourceList): ResourceList {
  return new Map([...l].filter(([, v]) => !v.isZero()));
}

/** Same keys and equal values (upstream quota.Equals). */
export function listsEqual(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.cmp(v) !== 0) return false;
  }
  return true;
}

/** upstream quota.LessThanOrEqual: names of `a` that exceed `b` (only names present in b count). */
export function exceeded(a: ResourceList, b: ResourceList): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const limit = b.get(k);
    if (limit && v.cmp(limit) > 0) out.push(k);
  }
  return out.sort();
}

/** upstream prettyPrint: `k=v` sorted by name, comma-separated. */
export function prettyPrint(l: ResourceList): string {
  return [...l.keys()].sort().map((k) => `${k}=${l.get(k)!.toString()}`).join(',');
}

// ---------------------------------------------------------------- matching resource names

const POD_COMPUTE = new Set([
  'pods',
  'count/pods',
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'ephemeral-storage',
  'requests.ephemeral-storage',
  'limits.ephemeral-storage',
]);

/** The resource names whose absence on a container fails the quota (upstream validationSet). */
const POD_VALIDATION = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const LEGACY_COUNTED = new Set(['secrets', 'configmaps', 'resourcequotas', 'replicationcontrollers']);
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

function isCore(gr: GroupResourceRef, resource: string): boolean {
  return gr.group === '' && gr.resource === resource;
}

/** `count/<resource>` for the core group, `count/<resource>.<group>` otherwise. */
export function objectCountName(gr: GroupResourceRef): string {
  return gr.group === '' ? `count/${gr.resource}` : `count/${gr.resource}.${gr.group}`;
}

/** Whether `name` is a quota resource that objects of `gr` are charged against (upstream MatchingResources). */
export function handlesResource(gr: GroupResourceRef, name: string): boolean {
  if (name === objectCountName(gr)) return true;
  if (isCore(gr, 'pods')) {
    if (POD_COMPUTE.has(name)) return true;
    return (name.startsWith('requests.') && name !== 'requests.storage') || name.startsWith('limits.hugepages-');
  }
  if (isCore(gr, 'services')) return name === 'services' || name === 'services.loadbalancers' || name === 'services.nodeports';
  if (isCore(gr, 'persistentvolumeclaims'))
    return (
      name === 'persistentvolumeclaims' ||
      name === 'requests.storage' ||
      (name.includes(STORAGE_CLASS_SUFFIX) && (name.endsWith('/requests.storage') || name.endsWith('/persistentvolumeclaims')))
    );
  if (gr.group === '' && LEGACY_COUNTED.has(gr.resource)) return name === gr.resource;
  return false;
}

/** The names among `hard` that objects of `gr` are charged against, sorted. */
export function matchingResources(gr: GroupResourceRef, hard: Iterable<string>): string[] {
  return [...hard].filter((n) => handlesResource(gr, n)).sort();
}

// ---------------------------------------------------------------- usage

interface ContainerView {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: {
    containers?: ContainerView[];
    initContainers?: ContainerView[];
    overhead?: Record<string, unknown>;
    activeDeadlineSeconds?: number;
    priorityClassName?: string;
  };
  status?: { phase?: string };
}

function maxLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    if (!cur || v.cmp(cur) > 0) out.set(k, v);
  }
  return out;
}

/**
 * Effective pod requests or limits (upstream resourcehelper.PodRequests/PodLimits): the sum of the
 * app containers and restartable (sidecar) init containers, at least the largest one-shot init
 * container plus the sidecars started before it, plus overhead (for limits: only where a limit is set).
 */
export function podResourceTotals(pod: PodView, part: 'requests' | 'limits'): ResourceList {
  let sum: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? []) sum = addLists(sum, parseList(c.resources?.[part]));
  let sidecars: ResourceList = new Map();
  let initMax: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const r = parseList(c.resources?.[part]);
    if (c.restartPolicy === 'Always') {
      sum = addLists(sum, r);
      sidecars = addLists(sidecars, r);
    } else initMax = maxLists(initMax, addLists(r, sidecars));
  }
  let total = maxLists(sum, initMax);
  // Overhead adds to every request, but only to limits that are set.
  if (pod.spec?.overhead) {
    const overhead = parseList(pod.spec.overhead);
    total = addLists(total, part === 'requests' ? overhead : maskList(overhead, total.keys()));
  }
  return total;
}

/** upstream podComputeUsageHelper: the quota names one set of requests/limits charges. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', Quantity.fromInt(1)]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [k, v] of requests) {
    if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') continue;
    out.set(`requests.${k}`, v);
  }
  for (const [k, v] of limits) if (k.startsWith('hugepages-')) out.set(`limits.${k}`, v);
  return out;
}

/**
 * Whether a pod's compute resources count against quota (upstream QuotaV1Pod): not terminal, and
 * not past its deletion grace period.
 */
export function podCountsForQuota(pod: PodView, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const dt = pod.metadata.deletionTimestamp;
  const grace = pod.metadata.deletionGracePeriodSeconds;
  if (dt && grace !== undefined && now.getTime() > Date.parse(dt) + grace * 1000) return false;
  return true;
}

/** What one object of `gr` uses (upstream Evaluator.Usage). Includes zero entries as upstream does. */
export function objectUsage(gr: GroupResourceRef, obj: KubeObject, now: Date): ResourceList {
  const one = Quantity.fromInt(1);
  const count = objectCountName(gr);
  if (isCore(gr, 'pods')) {
    const pod = obj as PodView;
    const base: ResourceList = new Map([[count, one]]);
    if (!podCountsForQuota(pod, now)) return base;
    return addLists(base, computeUsage(podResourceTotals(pod, 'requests'), podResourceTotals(pod, 'limits')));
  }
  if (isCore(gr, 'services')) {
    const spec = (obj['spec'] ?? {}) as { type?: string; ports?: unknown[]; allocateLoadBalancerNodePorts?: boolean };
    const ports = spec.ports?.length ?? 0;
    const out: ResourceList = new Map([
      [count, one],
      ['services', one],
      ['services.loadbalancers', Quantity.fromInt(0)],
      ['services.nodeports', Quantity.fromInt(0)],
    ]);
    if (spec.type === 'NodePort') out.set('services.nodeports', Quantity.fromInt(ports));
    if (spec.type === 'LoadBalancer') {
      out.set('services.loadbalancers', one);
      if (spec.allocateLoadBalancerNodePorts !== false) out.set('services.nodeports', Quantity.fromInt(ports));
    }
    return out;
  }
  if (isCore(gr, 'persistentvolumeclaims')) {
    const spec = (obj['spec'] ?? {}) as { storageClassName?: string; resources?: { requests?: Record<string, unknown> } };
    const status = (obj['status'] ?? {}) as { allocatedResources?: Record<string, unknown> };
    const out: ResourceList = new Map([
      [count, one],
      ['persistentvolumeclaims', one],
    ]);
    let storage = parseList(spec.resources?.requests).get('storage');
    const allocated = parseList(status.allocatedResources).get('storage');
    if (allocated && (!storage || allocated.cmp(storage) > 0)) storage = allocated;
    const sc = spec.storageClassName;
    if (sc) out.set(`${sc}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one);
    if (storage) {
      out.set('requests.storage', storage);
      if (sc) out.set(`${sc}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  }
  const out: ResourceList = new Map([[count, one]]);
  if (gr.group === '' && LEGACY_COUNTED.has(gr.resource)) out.set(gr.resource, one);
  return out;
}

// ---------------------------------------------------------------- scopes

export interface ScopedResourceSelectorRequirement {
  scopeName?: string;
  operator?: string;
  values?: string[];
}

/** The part of a ResourceQuota the evaluators read. */
export interface QuotaSpecView {
  hard?: Record<string, unknown>;
  scopes?: string[];
  scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] };
}

function podMatchesScope(pod: PodView, req: ScopedResourceSelectorRequirement): boolean {
  const ads = pod.spec?.activeDeadlineSeconds;
  const terminating = ads !== undefined && ads !== null && ads >= 0;
  const isBestEffort = () => noCpuMem(pod);
  const op = req.operator ?? 'Exists';
  switch (req.scopeName) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return isBestEffort();
    case 'NotBestEffort':
      return !isBestEffort();
    case 'PriorityClass': {
      const pc = pod.spec?.priorityClassName ?? '';
      const has = pc !== '';
      if (op === 'Exists') return has;
      if (op === 'DoesNotExist') return !has;
      if (op === 'In') return (req.values ?? []).includes(pc);
      if (op === 'NotIn') return !(req.values ?? []).includes(pc);
      return false;
    }
    default:
      return false;
  }
}

/** BestEffort as QoS sees it: no container asks for or limits cpu or memory. */
function noCpuMem(pod: PodView): boolean {
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const part of ['requests', 'limits'] as const) {
      const l = parseList(c.resources?.[part]);
      if ((l.get('cpu') && !l.get('cpu')!.isZero()) || (l.get('memory') && !l.get('memory')!.isZero())) return false;
    }
  }
  return true;
}

/**
 * Whether an object falls in every scope of the quota (upstream Evaluator.Matches minus the
 * resource-name half). Scopes select pods only: any other kind matches a scoped quota never.
 */
export function matchesScopes(quota: QuotaSpecView, gr: GroupResourceRef, obj: KubeObject): boolean {
  const reqs: ScopedResourceSelectorRequirement[] = [
    ...(quota.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' })),
    ...(quota.scopeSelector?.matchExpressions ?? []),
  ];
  if (!reqs.length) return true;
  if (!isCore(gr, 'pods')) return false;
  return reqs.every((r) => podMatchesScope(obj as PodView, r));
}

// ---------------------------------------------------------------- constraints

/**
 * upstream podEvaluator.Constraints: when a quota limits cpu or memory (requests or limits), every
 * container must state it. Returns upstream's message (`must specify limits.cpu for: a,b; ...`) or
 * undefined when the pod satisfies the constraint.
 */
export function podConstraintViolation(required: Iterable<string>, obj: KubeObject): string | undefined {
  const requiredSet = new Set([...required].filter((r) => POD_VALIDATION.has(r)));
  if (!requiredSet.size) return undefined;
  const pod = obj as PodView;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const usage = computeUsage(parseList(c.resources?.requests), parseList(c.resources?.limits));
    for (const r of requiredSet) {
      if (usage.has(r)) continue;
      let s = missing.get(r);
      if (!s) missing.set(r, (s = new Set()));
      s.add(c.name ?? '');
    }
  }
  if (!missing.size) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/**
 * The usage of a set of objects against one quota (upstream quota.CalculateUsage masked to hard):
 * every name in hard that objects of `gr` are charged against gets an entry (zero when nothing
 * uses it), summed over the objects that match the quota's scopes.
 */
export function usageOf(quota: QuotaSpecView, gr: GroupResourceRef, objects: readonly KubeObject[], now: Date): ResourceList {
  const names = matchingResources(gr, Object.keys(quota.hard ?? {}));
  const out: ResourceList = new Map(names.map((n) => [n, Quantity.fromInt(0)]));
  if (!names.length) return out;
  for (const o of objects) {
    if (!matchesScopes(quota, gr, o)) continue;
    const u = maskList(objectUsage(gr, o, now), names);
    for (const [k, v] of u) out.set(k, out.get(k)!.add(v));
  }
  return out;
}
