/**
 * What POST pods/{name}/binding (and the legacy POST .../bindings) does to the pod, as upstream's
 * BindingREST.setPodNodeAndMetadata. Pure: the caller reads the pod, applies this, and writes it
 * back with the read resourceVersion (retrying on conflict); a returned message becomes a 409
 * Conflict on `pods/binding` (`Operation cannot be fulfilled on pods/binding "p": <message>`).
 */
import type { KubeObject } from '../../types.js';
import { asPod, type V1PodCondition } from './pod-types.js';

export interface V1Binding extends KubeObject {
  target?: { kind?: string; name?: string; namespace?: string; apiVersion?: string; uid?: string };
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Binds `podObj` (mutated) to `binding.target.name`: sets spec.nodeName, copies the binding's
 * annotations, sets PodScheduled=True. Returns an error message instead when the pod is being
 * deleted, already assigned, still scheduling-gated, or does not match the binding's UID /
 * resourceVersion preconditions.
 */
export function bindPod(podObj: KubeObject, binding: V1Binding, now: Date): string | undefined {
  const pod = asPod(podObj);
  const name = pod.metadata.name ?? '';
  if (binding.metadata.uid && pod.metadata.uid !== binding.metadata.uid)
    return `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`;
  if (binding.metadata.resourceVersion && pod.metadata.resourceVersion !== binding.metadata.resourceVersion)
    return `Precondition failed: ResourceVersion in precondition: ${binding.metadata.resourceVersion}, ResourceVersion in object meta: ${pod.metadata.resourceVersion ?? ''}`;
  if (pod.metadata.deletionTimestamp) return `pod ${name} is being deleted, cannot be assigned to a host`;
  const spec = (pod.spec ??= {});
  if (spec.nodeName) return `pod ${name} is already assigned to node ${JSON.stringify(spec.nodeName)}`;
  if ((spec.schedulingGates ?? []).length) return `pod ${name} has non-empty .spec.schedulingGates`;
  spec.nodeName = binding.target?.name ?? '';
  const ann = binding.metadata.annotations;
  if (ann && Object.keys(ann).length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...ann };
  const status = (pod.status ??= {});
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === 'PodScheduled');
  if (!existing) {
    const c: V1PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: rfc3339(now) };
    // Upstream writes lastProbeTime: null; it is omitted here (same meaning).
    conditions.push(c);
  } else if (existing.status !== 'True' || existing.reason || existing.message) {
    if (existing.status !== 'True') existing.lastTransitionTime = rfc3339(now);
    existing.status = 'True';
    delete existing.reason;
    delete existing.message;
  }
  return undefined;
}
