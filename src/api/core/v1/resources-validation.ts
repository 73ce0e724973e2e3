/**
 * Compute-resource validation (ValidateResourceRequirements, resource names, quantity values,
 * downward-API divisors) and the pod QoS class (upstream's qos.GetPodQOS).
 */
import { Quantity, QuantityError, quantityFromJSON } from '../../../lib/quantity/index.js';
import { isQualifiedName } from '../../validation/names.js';
import type { QuantityValue, ResourceListView, V1PodSpec, V1ResourceRequirements } from './pod-types.js';
import { FieldError } from '../../../lib/field-error.js';
import { type Errs, FieldPath, IS_NEGATIVE, duplicate, forbidden, invalid, msgs, required } from './validation-util.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets',
  'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers', 'storage', 'requests.storage',
]);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}

/** A resource in the kubernetes.io namespace or without any domain. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function isIntegerResourceName(name: string): boolean {
  return isExtendedResourceName(name) || ['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers'].includes(name) || name.startsWith('count/');
}

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isHugePageResourceName(name) || name.startsWith('requests.hugepages-') || name.startsWith('count/');
}

/**
 * Parses a quantity from JSON the way the decoder would. A value that does not parse reports
 * upstream's decoding message at `path` (the strict decoder would have rejected the body).
 */
export function readQuantity(v: QuantityValue | undefined, path: FieldPath, errs: Errs): Quantity | undefined {
  try {
    return quantityFromJSON(v);
  } catch (e) {
    if (e instanceof QuantityError) {
      errs.push(invalid(path, v, e.message));
      return undefined;
    }
    throw e;
  }
}

/** validateResourceName: a qualified name, and a standard one unless domain-prefixed. */
export function validateResourceName(name: string, path: FieldPath): Errs {
  const errs = msgs(path, name, isQualifiedName(name));
  if (errs.length) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

function validateContainerResourceName(name: string, path: FieldPath): Errs {
  const errs = msgs(path, name, isQualifiedName(name));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResourceName(name)) errs.push(invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue: non-negative, and integral for integer resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, path: FieldPath): Errs {
  const errs: Errs = [];
  if (q.sign() < 0) errs.push(invalid(path, q.toString(), IS_NEGATIVE));
  if (isIntegerResourceName(name) && q.milliValue() % 1000n !== 0n) errs.push(invalid(path, q.toString(), 'must be an integer'));
  return errs;
}

/**
 * ValidateResourceRequirements for a container (or pod overhead, given as `limits`): names,
 * values, requests ≤ limits (equal for non-overcommitable resources), hugepages need cpu or
 * memory, and claims must name pod-level resource claims (`podClaims` undefined: no claims allowed).
 */
export function validateResourceRequirements(req: V1ResourceRequirements, podClaims: Set<string> | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = new Map<string, Quantity>();
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  for (const [name, raw] of Object.entries(req.limits ?? {})) {
    const fp = limPath.key(name);
    errs.push(...validateContainerResourceName(name, fp));
    const q = readQuantity(raw, fp, errs);
    if (!q) continue;
    limits.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, fp));
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const [name, raw] of Object.entries(req.requests ?? {})) {
    const fp = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, fp));
    const q = readQuantity(raw, fp, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, fp));
    const lim = limits.get(name);
    if (lim) {
      if (q.cmp(lim) !== 0 && !isOvercommitAllowed(name))
        errs.push(invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      else if (q.cmp(lim) > 0) errs.push(invalid(reqPath, q.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
    } else if (!isOvercommitAllowed(name) && !(name in (req.limits ?? {}))) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  const seen = new Set<string>();
  (req.claims ?? []).forEach((c, i) => {
    const cp = path.child('claims').index(i);
    const name = c.name ?? '';
    if (!name) {
      errs.push(required(cp, ''));
      return;
    }
    if (seen.has(name)) errs.push(duplicate(cp, name));
    seen.add(name);
    const all = podClaims ?? new Set<string>();
    if (!all.has(name)) {
      const detail = 'must be one of the names in pod.spec.resourceClaims' + (all.size === 0 ? ' which is empty' : `: ${[...all].sort().join(', ')}`);
      errs.push(new FieldError('FieldValueNotFound', String(cp), name, detail));
    }
  });
  return errs;
}

const CPU_DIVISORS = ['1m', '1'];
const MEMORY_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

/** validateContainerResourceDivisor (downward API resourceFieldRef.divisor). */
export function validateContainerResourceDivisor(resource: string, divisor: QuantityValue | undefined, path: FieldPath): Errs {
  if (divisor == null) return [];
  const errs: Errs = [];
  const q = readQuantity(divisor, path.child('divisor'), errs);
  if (!q || q.isZero()) return errs;
  const allowed = (list: string[]) => list.some((d) => quantityFromJSON(d)!.cmp(q) === 0);
  if (resource.endsWith('.cpu')) {
    if (!allowed(CPU_DIVISORS)) errs.push(invalid(path.child('divisor'), q.toString(), "only divisor's values 1m and 1 are supported with the cpu resource"));
  } else if (resource.endsWith('.memory')) {
    if (!allowed(MEMORY_DIVISORS))
      errs.push(
        invalid(path.child('divisor'), q.toString(), "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"),
      );
  } else if (resource.endsWith('.ephemeral-storage')) {
    if (!allowed(MEMORY_DIVISORS))
      errs.push(
        invalid(
          path.child('divisor'),
          q.toString(),
          "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource",
        ),
      );
  }
  return errs;
}

/** Reads a resource list leniently (unparseable values are skipped). */
export function parseResourceList(list: ResourceListView | undefined): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(list ?? {})) {
    try {
      const q = quantityFromJSON(v);
      if (q) out.set(k, q);
    } catch {
      // skipped: validation reports it
    }
  }
  return out;
}

/**
 * The pod's QoS class (qos.GetPodQOS): BestEffort without any cpu/memory request or limit,
 * Guaranteed when every container has cpu and memory limits equal to its requests, Burstable otherwise.
 */
export function podQOSClass(spec: V1PodSpec): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let isGuaranteed = true;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of containers) {
    const req = parseResourceList(c.resources?.requests);
    const lim = parseResourceList(c.resources?.limits);
    for (const [k, q] of req) {
      if ((k === 'cpu' || k === 'memory') && !q.isZero()) requests.set(k, (requests.get(k) ?? Quantity.fromInt(0)).add(q));
    }
    const qosLimits = new Set<string>();
    for (const [k, q] of lim) {
      if ((k === 'cpu' || k === 'memory') && !q.isZero()) {
        qosLimits.add(k);
        limits.set(k, (limits.get(k) ?? Quantity.fromInt(0)).add(q));
      }
    }
    if (!(qosLimits.has('cpu') && qosLimits.has('memory'))) isGuaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [k, q] of requests) {
      const l = limits.get(k);
      if (!l || l.cmp(q) !== 0) {
        isGuaranteed = false;
        break;
      }
    }
  }
  return isGuaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
