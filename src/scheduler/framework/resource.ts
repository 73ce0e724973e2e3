/**
 * Resource amounts as plain numbers (upstream's framework.Resource): cpu in millicores, memory and
 * ephemeral storage in bytes, pods as a count, extended resources (`nvidia.com/gpu`,
 * `hugepages-2Mi`...) by name in their integer unit. Quantities are parsed once, when a pod or
 * node enters the snapshot; a cycle only adds and compares numbers.
 */
import { quantityFromJSON } from '../../lib/quantity/index.js';

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended and hugepages resources; absent means 0. */
  scalar: Map<string, number> | undefined;
}

/** cpu/memory defaults upstream uses for scoring containers that request nothing (non-zero requests). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: undefined };
}

export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: r.scalar ? new Map(r.scalar) : undefined };
}

/** Parses a quantity, rounding up; invalid or absent values are 0 (the apiserver validated them). */
export function quantityNumber(v: unknown, milli: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && !milli) return v;
  try {
    const q = quantityFromJSON(v);
    if (!q) return 0;
    return Number(milli ? q.milliValue() : q.value());
  } catch {
    return 0;
  }
}

/** Whether a resource name is scheduled as an extended/scalar resource (not cpu, memory, pods, storage). */
export function isScalarResourceName(name: string): boolean {
  return name !== 'cpu' && name !== 'memory' && name !== 'pods' && name !== 'ephemeral-storage' && name !== 'storage';
}

/** A ResourceList (`{cpu: '500m', memory: '1Gi', ...}`) as a Resource. */
export function resourceFromList(list: Readonly<Record<string, unknown>> | undefined): Resource {
  const r = emptyResource();
  if (!list) return r;
  for (const name in list) addNamed(r, name, list[name]);
  return r;
}

function addNamed(r: Resource, name: string, v: unknown): void {
  switch (name) {
    case 'cpu':
      r.milliCPU += quantityNumber(v, true);
      return;
    case 'memory':
      r.memory += quantityNumber(v, false);
      return;
    case 'ephemeral-storage':
      r.ephemeralStorage += quantityNumber(v, false);
      return;
    case 'pods':
      r.allowedPodNumber += quantityNumber(v, false);
      return;
    default:
      if (!isScalarResourceName(name)) return;
      r.scalar ??= new Map();
      r.scalar.set(name, (r.scalar.get(name) ?? 0) + quantityNumber(v, false));
  }
}

/** a += b (allowedPodNumber included). */
export function addResource(a: Resource, b: Resource, sign = 1): void {
  a.milliCPU += sign * b.milliCPU;
  a.memory += sign * b.memory;
  a.ephemeralStorage += sign * b.ephemeralStorage;
  a.allowedPodNumber += sign * b.allowedPodNumber;
  if (b.scalar)
    for (const [k, v] of b.scalar) {
      a.scalar ??= new Map();
      a.scalar.set(k, (a.scalar.get(k) ?? 0) + sign * v);
    }
}

/** a = max(a, b), per resource. */
export function maxResource(a: Resource, b: Resource): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
  if (b.scalar)
    for (const [k, v] of b.scalar) {
      a.scalar ??= new Map();
      a.scalar.set(k, Math.max(a.scalar.get(k) ?? 0, v));
    }
}
