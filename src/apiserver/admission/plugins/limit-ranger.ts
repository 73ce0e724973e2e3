/**
 * The `LimitRanger` admission plugin (upstream plugin/pkg/admission/limitranger), driven by the
 * LimitRanges of the request's namespace:
 * - mutating (pod CREATE): containers without a request/limit get `type: Container` defaults
 *   (defaultRequest, default; as upstream, max implies default and default/min imply
 *   defaultRequest), recorded in the `kubernetes.io/limit-ranger` annotation;
 * - validating (pod CREATE, PVC CREATE/UPDATE): min, max and maxLimitRequestRatio of Container and
 *   Pod items, and min/max storage of PersistentVolumeClaim items; a violation is a 403 with
 *   upstream's messages (several are joined as `[a, b]`).
 *
 * Stateless; safe under concurrency. Pod updates are not checked (containers are immutable).
 */
import type { KubeObject } from '../../../api/types.js';
import { forbidden } from '../../../lib/errors.js';
import { R } from '../../../client/types.js';
import type { Quantity } from '../../../lib/quantity/index.js';
import { parseList, podResourceTotals, type ResourceList } from '../../../controllers/resourcequota/index.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionObjectReader } from './access.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type JsonList = Record<string, string | number>;

export interface LimitRangeItemView {
  type?: string;
  max?: JsonList;
  min?: JsonList;
  default?: JsonList;
  defaultRequest?: JsonList;
  maxLimitRequestRatio?: JsonList;
}

export interface LimitRangeView extends KubeObject {
  spec?: { limits?: LimitRangeItemView[] };
}

interface ContainerView {
  name?: string;
  resources?: { requests?: JsonList; limits?: JsonList };
}

interface PodView extends KubeObject {
  spec?: { containers?: ContainerView[]; initContainers?: ContainerView[]; overhead?: JsonList };
}

/** upstream SetDefaults_LimitRangeItem (applied on read: stored LimitRanges are not defaulted here). */
export function defaultLimitRangeItem(item: LimitRangeItemView): LimitRangeItemView {
  if (item.type !== 'Container') return item;
  const def: JsonList = { ...item.default };
  const defReq: JsonList = { ...item.defaultRequest };
  for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in defReq)) defReq[k] = v;
  return { ...item, default: def, defaultRequest: defReq };
}

function items(lr: LimitRangeView): LimitRangeItemView[] {
  return (lr.spec?.limits ?? []).map(defaultLimitRangeItem);
}

// ---------------------------------------------------------------- mutation

/**
 * upstream PodMutateLimitFunc for one LimitRange: fills missing container requests/limits and sets
 * the annotation. Before that, requests default to limits (SetDefaults_Pod, which upstream runs
 * before admission and this apiserver after): otherwise a default request would shadow a limit.
 */
export function applyLimitRangeDefaults(lr: LimitRangeView, pod: PodView): void {
  const requests: JsonList = {};
  const limits: JsonList = {};
  for (const it of items(lr)) {
    if (it.type !== 'Container') continue;
    Object.assign(requests, it.defaultRequest);
    Object.assign(limits, it.default);
  }
  const notes: string[] = [];
  const merge = (c: ContainerView, kind: string) => {
    const res = c.resources ?? {};
    if (res.limits) {
      for (const [k, v] of Object.entries(res.limits)) if (!res.requests || !(k in res.requests)) (res.requests ??= {})[k] = v;
    }
    const setReq: string[] = [];
    const setLim: string[] = [];
    for (const k of Object.keys(limits).sort())
      if (!res.limits || !(k in res.limits)) {
        (res.limits ??= {})[k] = limits[k]!;
        setLim.push(k);
      }
    for (const k of Object.keys(requests).sort())
      if (!res.requests || !(k in res.requests)) {
        (res.requests ??= {})[k] = requests[k]!;
        setReq.push(k);
      }
    if (setReq.length || setLim.length) c.resources = res;
    if (setReq.length) notes.push(`${setReq.join(', ')} request for ${kind} ${c.name ?? ''}`);
    if (setLim.length) notes.push(`${setLim.join(', ')} limit for ${kind} ${c.name ?? ''}`);
  };
  for (const c of pod.spec?.containers ?? []) merge(c, 'container');
  for (const c of pod.spec?.initContainers ?? []) merge(c, 'init container');
  if (notes.length) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
}

// ---------------------------------------------------------------- validation

const MAX_MILLI = (2n ** 63n - 1n) / 1000n;

/** upstream requestLimitEnforcedValues: milli-precision when nothing overflows. */
function enforcedValues(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const v = (q: Quantity | undefined) => q?.value() ?? 0n;
  const m = (q: Quantity | undefined) => q?.milliValue() ?? 0n;
  if (v(req) <= MAX_MILLI && v(lim) <= MAX_MILLI && v(enforced) <= MAX_MILLI) return [m(req), m(lim), m(enforced)];
  return [v(req), v(lim), v(enforced)];
}

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${enforced.toString()}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${enforced.toString()}, but request is ${req.toString()}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${enforced.toString()}, but limit is ${lim.toString()}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  const [r, , e] = enforcedValues(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${enforced.toString()}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${enforced.toString()}, but request is ${req.toString()}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${enforced.toString()}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${enforced.toString()}, but limit is ${lim.toString()}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${enforced.toString()}, but request is ${req.toString()}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = enforcedValues(req, lim, enforced);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${enforced.toString()}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${enforced.toString()}, but no limit is specified or limit is 0`;
  const display = Number(l) / Number(r);
  let observed = display;
  let max = Number(enforced.value());
  if (enforced.value() <= MAX_MILLI) {
    observed *= 1000;
    max = Number(enforced.milliValue());
  }
  if (observed > max) return `${name} max limit to request ratio per ${type} is ${enforced.toString()}, but provided ratio is ${display.toFixed(6)}`;
  return undefined;
}

function sorted(l: ResourceList): [string, Quantity][] {
  return [...l].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkRequirements(it: LimitRangeItemView, type: string, requests: ResourceList, limits: ResourceList, errs: string[]): void {
  const push = (e: string | undefined) => e && errs.push(e);
  for (const [k, v] of sorted(parseList(it.min))) push(minConstraint(type, k, v, requests, limits));
  for (const [k, v] of sorted(parseList(it.max))) push(maxConstraint(type, k, v, requests, limits));
  for (const [k, v] of sorted(parseList(it.maxLimitRequestRatio))) push(ratioConstraint(type, k, v, requests, limits));
}

/** upstream PodValidateLimitFunc: the violations of one LimitRange by a pod, in a stable order. */
export function podLimitViolations(lr: LimitRangeView, pod: PodView): string[] {
  const errs: string[] = [];
  for (const it of items(lr)) {
    if (it.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])])
        checkRequirements(it, 'Container', parseList(c.resources?.requests), parseList(c.resources?.limits), errs);
    } else if (it.type === 'Pod') {
      checkRequirements(it, 'Pod', podResourceTotals(pod, 'requests'), podResourceTotals(pod, 'limits'), errs);
    }
  }
  return errs;
}

/** upstream PersistentVolumeClaimValidateLimitFunc. */
export function pvcLimitViolations(lr: LimitRangeView, pvc: KubeObject): string[] {
  const errs: string[] = [];
  const requests = parseList(((pvc['spec'] ?? {}) as { resources?: { requests?: JsonList } }).resources?.requests);
  for (const it of items(lr)) {
    if (it.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of sorted(parseList(it.min))) {
      const e = minConstraint('PersistentVolumeClaim', k, v, requests, new Map());
      if (e) errs.push(e);
    }
    for (const [k, v] of sorted(parseList(it.max))) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, v, requests);
      if (e) errs.push(e);
    }
  }
  return errs;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
export function aggregateMessages(msgs: string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? uniq[0]! : `[${uniq.join(', ')}]`;
}

// ---------------------------------------------------------------- the plugin

export interface LimitRangerOptions {
  reader: Pick<AdmissionObjectReader, 'list'>;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';
  constructor(private readonly opts: LimitRangerOptions) {}

  private kind(req: AdmissionRequest): 'pod' | 'pvc' | undefined {
    if (req.subresource !== '' || req.def.group !== '' || !req.object) return undefined;
    if (req.def.plural === 'pods' && req.operation === 'CREATE') return 'pod';
    if (req.def.plural === 'persistentvolumeclaims' && (req.operation === 'CREATE' || req.operation === 'UPDATE')) return 'pvc';
    return undefined;
  }

  private async ranges(namespace: string): Promise<LimitRangeView[]> {
    const list = (await this.opts.reader.list(R.limitranges, namespace)) as LimitRangeView[];
    return list.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (this.kind(req) !== 'pod') return;
    for (const lr of await this.ranges(req.namespace)) applyLimitRangeDefaults(lr, req.object as PodView);
  }

  async validate(req: AdmissionRequest): Promise<void> {
    const kind = this.kind(req);
    if (!kind) return;
    for (const lr of await this.ranges(req.namespace)) {
      const errs = kind === 'pod' ? podLimitViolations(lr, req.object as PodView) : pvcLimitViolations(lr, req.object!);
      if (errs.length) throw forbidden({ group: '', resource: req.def.plural }, req.name, aggregateMessages(errs));
    }
  }
}

export function createLimitRanger(opts: LimitRangerOptions): LimitRanger {
  return new LimitRanger(opts);
}
