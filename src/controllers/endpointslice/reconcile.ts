/**
 * The EndpointSlice controller's decision step (upstream staging/src/k8s.io/endpointslice
 * reconciler.go and utils.go). Pure: given a Service, the pods its selector matches, the Nodes and
 * the slices this controller already manages for it, it returns the slices to create, update and
 * delete. No I/O.
 *
 * Semantics kept from upstream:
 * - one set of slices per address type the Service supports (spec.ipFamilies; without them the
 *   family of the cluster IP, or both for headless Services); slices of other address types, and
 *   slices not owned by this Service (same name, other uid), are deleted;
 * - pods are grouped by their resolved port list (a named targetPort is resolved per pod; a pod
 *   that does not define the name is left out of that port, so it lands in a slice with different
 *   ports); each group gets slices of at most maxEndpointsPerSlice (default 100) endpoints;
 * - placement keeps churn low: endpoints stay in the slice they are in; slices that change anyway
 *   are filled first (fullest first); leftovers go into the unchanged slice that fits them best,
 *   else into new slices; a create paired with a delete becomes an update of that slice;
 * - a placeholder slice without ports and endpoints exists when nothing else would;
 * - conditions: serving = pod Ready, terminating = deletionTimestamp set, ready = serving and not
 *   terminating (always true with publishNotReadyAddresses); terminal pods and pods without an IP
 *   are left out; terminating pods stay (with their conditions);
 * - endpoint fields: addresses of the slice's family, targetRef to the pod, nodeName, zone from the
 *   Node's topology.kubernetes.io/zone label, hostname when the pod's subdomain is the Service;
 *   a pod whose Node is unknown is skipped (and the Service retried) unless
 *   publishNotReadyAddresses;
 * - labels: the Service's labels (without reserved keys) plus kubernetes.io/service-name,
 *   endpointslice.kubernetes.io/managed-by and service.kubernetes.io/headless for headless Services;
 * - names come from generateName `<service>-`; the owner is the Service (controller reference);
 * - created and updated slices carry endpoints.kubernetes.io/last-change-trigger-time when a
 *   trigger time is known.
 *
 * Unlike upstream, an update that would write exactly what is stored is dropped, so a resync with
 * nothing changed writes nothing, and endpoint order is deterministic (pod name order).
 */
import type { EndpointPortView, EndpointSlice, EndpointView } from '../../api/discovery/v1/index.js';
import type { V1Pod, V1Service } from '../../api/core/v1/index.js';
import type { OwnerReference } from '../../api/types.js';
import {
  ANNOTATION_TRIGGER_TIME,
  ENDPOINTSLICE_CONTROLLER_NAME,
  LABEL_HEADLESS,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  findPort,
  portKey,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  stableStringify,
} from './util.js';
import {
  MSG_HINTS_DISABLED,
  MSG_HINTS_ENABLED,
  addTrafficDistributionHints,
  addZoneHints,
  cpuRatiosByZone,
  removeHints,
  topologyHintsEnabled,
  usesTrafficDistribution,
  type HintEvent,
  type NodeInfo,
} from './topology.js';

/** Upstream's --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
/** Upstream's upper bound for --max-endpoints-per-slice. */
export const MAX_MAX_ENDPOINTS_PER_SLICE = 1000;

export type AddressType = 'IPv4' | 'IPv6';

export interface EndpointSliceReconcileInput {
  service: V1Service;
  /** Pods in the Service's namespace that its selector matches. */
  pods: readonly V1Pod[];
  /** Every Node by name (zone, readiness, allocatable CPU). */
  nodes: ReadonlyMap<string, NodeInfo>;
  /** The slices labelled for this Service and managed by this controller. */
  existingSlices: readonly EndpointSlice[];
  maxEndpointsPerSlice?: number;
  /** The managed-by label value (default endpointslice-controller.k8s.io). */
  controllerName?: string;
  /** RFC 3339 time of the change that triggered this sync, if known. */
  triggerTime?: string;
}

export interface EndpointSlicePlan {
  /** New slices (metadata.generateName set, no name). */
  create: EndpointSlice[];
  /** Full replacements of existing slices (resourceVersion kept for optimistic concurrency). */
  update: EndpointSlice[];
  delete: { name: string; uid?: string }[];
  /** Pods left out because their Node is not known: retry the Service later. */
  skippedPods: string[];
  events: HintEvent[];
}

/** The Services this controller manages: with a selector and not ExternalName. */
export function managesService(svc: V1Service): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.selector != null;
}

/** getAddressTypesForService. */
export function addressTypesForService(svc: V1Service): AddressType[] {
  const out = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) {
    if (f === 'IPv4') out.add('IPv4');
    if (f === 'IPv6') out.add('IPv6');
  }
  if (out.size) return [...out];
  if (isServiceIPSet(svc)) return [isIPv6(svc.spec!.clusterIP!) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** ownedBy: a controller reference to this Service's uid. */
export function ownedBy(slice: EndpointSlice, svc: V1Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

/** setEndpointSliceLabels: the labels a slice of `svc` must carry. */
export function desiredSliceLabels(svc: V1Service, controllerName: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== LABEL_SERVICE_NAME && k !== LABEL_MANAGED_BY && k !== LABEL_HEADLESS) labels[k] = v;
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = controllerName;
  return labels;
}

/** getEndpointPorts: the Service's ports resolved against one pod. */
export function endpointPorts(svc: V1Service, pod: V1Pod): EndpointPortView[] {
  const ports = svc.spec?.ports ?? [];
  const out: EndpointPortView[] = [];
  if (ports.length === 0 && svc.spec?.clusterIP === 'None') return out;
  for (const sp of ports) {
    const num = findPort(pod, sp);
    if (num === undefined) continue;
    const p: EndpointPortView = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port: num };
    if (sp.appProtocol != null) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

/** podToEndpoint for one address type. */
export function podToEndpoint(pod: V1Pod, node: NodeInfo | undefined, svc: V1Service, addressType: AddressType): EndpointView {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: EndpointView = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (node?.zone) ep.zone = node.zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname!;
  return ep;
}

/** hashEndpoint: sorted addresses, hostname and the target's namespace/name identify an endpoint. */
export function endpointKey(ep: EndpointView): string {
  const ref = ep.targetRef ?? {};
  const addrs = ep.addresses ?? [];
  return `${addrs.length > 1 ? [...addrs].sort().join(',') : (addrs[0] ?? '')}|${ep.hostname ?? ''}|${String(ref['namespace'] ?? '')}/${String(ref['name'] ?? '')}`;
}

/** NewPortMapKey: the port list as a set. */
export function portMapKey(ports: readonly EndpointPortView[] | undefined): string {
  return (ports ?? []).map(portKey).sort().join('\u0001');
}

/** EndpointsEqualBeyondHash, minus hints (recomputed for the whole address type afterwards). */
function endpointEqualBeyondKey(a: EndpointView, b: EndpointView): boolean {
  return (
    (a.nodeName ?? '') === (b.nodeName ?? '') &&
    (a.zone ?? '') === (b.zone ?? '') &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    sameRef(a.targetRef, b.targetRef)
  );
}

function sameRef(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  if (!a || !b) return !a === !b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k] && stableStringify(a[k]) !== stableStringify(b[k])) return false;
  return true;
}

/** A deep copy of one endpoint (faster than structuredClone on the hot path). */
function cloneEndpoint(ep: EndpointView): EndpointView {
  const c: EndpointView = { ...ep };
  if (ep.addresses) c.addresses = [...ep.addresses];
  if (ep.conditions) c.conditions = { ...ep.conditions };
  if (ep.targetRef) c.targetRef = { ...ep.targetRef };
  if (ep.deprecatedTopology) c.deprecatedTopology = { ...ep.deprecatedTopology };
  if (ep.hints) {
    c.hints = {};
    if (ep.hints.forZones) c.hints.forZones = ep.hints.forZones.map((z) => ({ ...z }));
    if (ep.hints.forNodes) c.hints.forNodes = ep.hints.forNodes.map((n) => ({ ...n }));
  }
  return c;
}

/** A copy of a slice whose endpoints and metadata can be changed without touching the original. */
function cloneSlice(s: EndpointSlice): EndpointSlice {
  return { ...structuredClone({ ...s, endpoints: [] }), endpoints: (s.endpoints ?? []).map(cloneEndpoint) };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function serviceOwnerRef(svc: V1Service): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function newSlice(svc: V1Service, ports: EndpointPortView[], addressType: AddressType, controllerName: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace ?? '',
      labels: desiredSliceLabels(svc, controllerName),
      ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType,
    endpoints: [],
    ports: clone(ports),
  };
}

interface DesiredGroup {
  ports: EndpointPortView[];
  endpoints: Map<string, EndpointView>;
}

interface PortMapResult {
  create: EndpointSlice[];
  /** By name: existing slices modified. */
  update: Map<string, EndpointSlice>;
  delete: EndpointSlice[];
  unchanged: EndpointSlice[];
}

/** reconcileByPortMapping: place the desired endpoints of one port list into slices. */
function reconcileByPortMapping(
  svc: V1Service,
  existing: readonly EndpointSlice[],
  desired: DesiredGroup,
  addressType: AddressType,
  max: number,
  controllerName: string,
): PortMapResult {
  const labels = desiredSliceLabels(svc, controllerName);
  const update = new Map<string, EndpointSlice>();
  const unchanged = new Map<string, EndpointSlice>();
  const toDelete: EndpointSlice[] = [];
  const remaining = new Map(desired.endpoints);

  // 1. Keep desired endpoints where they are; drop the others.
  for (const slice of existing) {
    const kept: EndpointView[] = [];
    let changed = false;
    for (const ep of slice.endpoints ?? []) {
      const k = endpointKey(ep);
      const want = remaining.get(k);
      if (!want) continue;
      kept.push(cloneEndpoint(want));
      if (!endpointEqualBeyondKey(want, ep)) changed = true;
      remaining.delete(k);
    }
    const labelsChanged = stableStringify(slice.metadata.labels ?? {}) !== stableStringify(labels);
    if (changed || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) toDelete.push(slice);
      else {
        const copy = cloneSlice({ ...slice, endpoints: [] });
        copy.endpoints = kept;
        copy.metadata.labels = { ...labels };
        update.set(slice.metadata.name ?? '', copy);
      }
    } else if (labelsChanged) {
      const copy = cloneSlice(slice);
      copy.metadata.labels = { ...labels };
      update.set(slice.metadata.name ?? '', copy);
    } else unchanged.set(slice.metadata.name ?? '', slice);
  }

  const queue = [...remaining.values()];
  let next = 0;
  // 2. Fill the slices that change anyway, fullest first.
  if (queue.length && update.size) {
    const bySize = [...update.values()].sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0) || cmp(a.metadata.name, b.metadata.name));
    for (const s of bySize) while (next < queue.length && s.endpoints!.length < max) s.endpoints!.push(cloneEndpoint(queue[next++]!));
  }

  // 3. Put what is left into the unchanged slice that fits it best, or into new slices.
  const create: EndpointSlice[] = [];
  while (next < queue.length) {
    const left = queue.length - next;
    let fill: EndpointSlice | undefined;
    if (left < max && unchanged.size) {
      const best = sliceToFill([...unchanged.values()], left, max);
      if (best) {
        fill = cloneSlice(best);
        unchanged.delete(best.metadata.name ?? '');
        update.set(best.metadata.name ?? '', fill);
      }
    }
    if (!fill) {
      fill = newSlice(svc, desired.ports, addressType, controllerName);
      create.push(fill);
    }
    fill.endpoints ??= [];
    while (next < queue.length && fill.endpoints.length < max) fill.endpoints.push(cloneEndpoint(queue[next++]!));
  }
  return { create, update, delete: toDelete, unchanged: [...unchanged.values()] };
}

/** getSliceToFill: the slice whose free room is closest to `n`. */
function sliceToFill(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of [...slices].sort((a, b) => cmp(a.metadata.name, b.metadata.name))) {
    const diff = max - (n + (s.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

function cmp(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function endpointEqual(a: EndpointView, b: EndpointView): boolean {
  const aa = a.addresses ?? [];
  const ba = b.addresses ?? [];
  if (aa.length !== ba.length || aa.some((x, i) => x !== ba[i])) return false;
  if ((a.hostname ?? '') !== (b.hostname ?? '') || !endpointEqualBeyondKey(a, b)) return false;
  const ah = a.hints;
  const bh = b.hints;
  if (!ah || !bh) return !ah === !bh;
  return stableStringify(ah) === stableStringify(bh) && stableStringify(a.deprecatedTopology ?? {}) === stableStringify(b.deprecatedTopology ?? {});
}

/** Whether a write of `b` over `a` would change anything (the trigger-time annotation aside). */
function sliceEqual(a: EndpointSlice, b: EndpointSlice): boolean {
  const ae = a.endpoints ?? [];
  const be = b.endpoints ?? [];
  if (ae.length !== be.length || a.addressType !== b.addressType) return false;
  for (let i = 0; i < ae.length; i++) if (!endpointEqual(ae[i]!, be[i]!)) return false;
  const ann = (s: EndpointSlice) => {
    const x = { ...(s.metadata.annotations ?? {}) };
    delete x[ANNOTATION_TRIGGER_TIME];
    return x;
  };
  return (
    stableStringify(a.ports ?? []) === stableStringify(b.ports ?? []) &&
    stableStringify(a.metadata.labels ?? {}) === stableStringify(b.metadata.labels ?? {}) &&
    stableStringify(ann(a)) === stableStringify(ann(b)) &&
    stableStringify(a.metadata.ownerReferences ?? []) === stableStringify(b.metadata.ownerReferences ?? [])
  );
}

function hasHints(slices: readonly EndpointSlice[]): boolean {
  return slices.some((s) => (s.endpoints ?? []).some((e) => !!e.hints));
}

function setTriggerTime(s: EndpointSlice, triggerTime: string | undefined): void {
  const a = { ...(s.metadata.annotations ?? {}) };
  if (triggerTime) a[ANNOTATION_TRIGGER_TIME] = triggerTime;
  else delete a[ANNOTATION_TRIGGER_TIME];
  if (Object.keys(a).length) s.metadata.annotations = a;
  else delete s.metadata.annotations;
}

/** Reconcile: the writes that bring the Service's slices to the desired state. */
export function reconcileEndpointSlices(input: EndpointSliceReconcileInput): EndpointSlicePlan {
  const svc = input.service;
  const max = Math.max(1, Math.min(input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE, MAX_MAX_ENDPOINTS_PER_SLICE));
  const controllerName = input.controllerName ?? ENDPOINTSLICE_CONTROLLER_NAME;
  const plan: EndpointSlicePlan = { create: [], update: [], delete: [], skippedPods: [], events: [] };
  if (!managesService(svc)) return plan;

  const types = addressTypesForService(svc);
  const byType = new Map<string, EndpointSlice[]>();
  const deletions: EndpointSlice[] = [];
  for (const s of input.existingSlices) {
    if (!types.includes(s.addressType as AddressType)) deletions.push(s);
    else byType.set(s.addressType!, [...(byType.get(s.addressType!) ?? []), s]);
  }

  const pods = [...input.pods].sort((a, b) => cmp(a.metadata.name, b.metadata.name));
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const skipped = new Set<string>();
  const ratios = topologyHintsEnabled(svc) ? cpuRatiosByZone(input.nodes.values()) : undefined;
  const traffic = topologyHintsEnabled(svc) ? undefined : usesTrafficDistribution(svc);

  for (const addressType of types) {
    const existing = byType.get(addressType) ?? [];
    const existingByPorts = new Map<string, EndpointSlice[]>();
    const toDelete: EndpointSlice[] = [];
    for (const s of existing) {
      if (!ownedBy(s, svc)) {
        toDelete.push(s);
        continue;
      }
      const k = portMapKey(s.ports);
      existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), s]);
    }

    const desired = new Map<string, DesiredGroup>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports = endpointPorts(svc, pod);
      const k = portMapKey(ports);
      let group = desired.get(k);
      if (!group) desired.set(k, (group = { ports, endpoints: new Map() }));
      const node = input.nodes.get(pod.spec?.nodeName ?? '');
      if (!node && !publishNotReady) {
        skipped.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
        continue;
      }
      const ep = podToEndpoint(pod, node, svc, addressType);
      if (ep.addresses!.length) group.endpoints.set(endpointKey(ep), ep);
    }

    let create: EndpointSlice[] = [];
    const update = new Map<string, EndpointSlice>();
    const unchanged: EndpointSlice[] = [];
    for (const [k, group] of desired) {
      const r = reconcileByPortMapping(svc, existingByPorts.get(k) ?? [], group, addressType, max, controllerName);
      create.push(...r.create);
      for (const [n, s] of r.update) update.set(n, s);
      toDelete.push(...r.delete);
      unchanged.push(...r.unchanged);
    }
    for (const [k, slices] of existingByPorts) if (!desired.has(k)) toDelete.push(...slices);

    // A placeholder slice when no other would exist.
    if (existing.length === toDelete.length && create.length === 0) {
      const placeholder = newSlice(svc, [], addressType, controllerName);
      const only = toDelete.length === 1 ? toDelete[0]! : undefined;
      if (only && ownedBy(only, svc) && (only.endpoints ?? []).length === 0 && (only.ports ?? []).length === 0 && stableStringify(only.metadata.labels ?? {}) === stableStringify(placeholder.metadata.labels)) {
        toDelete.length = 0;
        unchanged.push(only);
      } else create.push(placeholder);
    }

    // finalize: turn creates into updates of slices that would be deleted.
    for (let i = 0; i < toDelete.length && create.length; ) {
      const victim = toDelete[i]!;
      if (victim.addressType === addressType && ownedBy(victim, svc)) {
        const s = create.pop()!;
        const repl = cloneSlice({ ...victim, endpoints: [] });
        repl.metadata.labels = s.metadata.labels;
        repl.endpoints = s.endpoints;
        repl.ports = s.ports;
        update.set(victim.metadata.name ?? '', repl);
        toDelete.splice(i, 1);
      } else i++;
    }
    if (svc.metadata.deletionTimestamp) create = [];

    // Hints over every slice that will exist for this address type.
    const byName = new Map(existing.map((s) => [s.metadata.name ?? '', s]));
    const hadHints = hasHints(existing);
    // Unchanged slices only matter for hints (allocation over every endpoint, or hints to remove).
    const hintWork = topologyHintsEnabled(svc) || !!traffic || hadHints;
    const unchangedCopies = hintWork ? unchanged.map(cloneSlice) : [];
    const all = [...create, ...update.values(), ...unchangedCopies];
    if (topologyHintsEnabled(svc)) {
      const ev = addZoneHints(all, ratios, addressType);
      // Events on transitions only: a resync with nothing changed stays quiet.
      if (ev && hadHints) plan.events.push(ev);
      if (!ev && !hadHints && hasHints(all)) plan.events.push({ type: 'Normal', reason: 'TopologyAwareHintsEnabled', message: `${MSG_HINTS_ENABLED}, addressType: ${addressType}` });
    } else if (traffic) addTrafficDistributionHints(all, traffic);
    else {
      removeHints(all);
      if (hadHints) plan.events.push({ type: 'Warning', reason: 'TopologyAwareHintsDisabled', message: `${MSG_HINTS_DISABLED}, addressType: ${addressType}` });
    }
    for (const s of unchangedCopies) {
      const orig = byName.get(s.metadata.name ?? '');
      if (orig && !sliceEqual(orig, s)) update.set(s.metadata.name ?? '', s);
    }

    for (const s of create) {
      setTriggerTime(s, input.triggerTime);
      plan.create.push(s);
    }
    for (const [name, s] of [...update].sort(([a], [b]) => cmp(a, b))) {
      const orig = byName.get(name);
      if (orig && sliceEqual(orig, s)) continue;
      setTriggerTime(s, input.triggerTime);
      plan.update.push(s);
    }
    deletions.push(...toDelete);
  }
  plan.delete = deletions.map((s) => ({ name: s.metadata.name ?? '', ...(s.metadata.uid ? { uid: s.metadata.uid } : {}) }));
  plan.skippedPods = [...skipped];
  return plan;
}
