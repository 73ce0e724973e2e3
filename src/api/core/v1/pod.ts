/** The core/v1 Pod resource: schema, strategy, field selectors (table in pod-table.ts). */
import type { KubeObject, ResourceDef, StrategyContext } from '../../types.js';
import { PodSchema } from './pod-schema.js';
import { defaultPod } from './pod-defaults.js';
import { asPod, type V1Pod, type V1PodCondition } from './pod-types.js';
import { validatePod, validatePodEphemeralContainersUpdate, validatePodStatusUpdate, validatePodUpdate } from './pod-update-validation.js';
import { podQOSClass } from './resources-validation.js';
import { podWarnings } from './pod-warnings.js';
import { podTable } from './pod-table.js';

/**
 * PrepareForCreate: the server owns status. A new pod starts Pending with its QoS class, and a pod
 * with scheduling gates carries PodScheduled=False/SchedulingGated.
 */
export function preparePodForCreate(obj: KubeObject, ctx: StrategyContext): void {
  const pod = asPod(obj);
  const spec = pod.spec ?? {};
  const status: V1Pod['status'] = { phase: 'Pending', qosClass: podQOSClass(spec) };
  if ((spec.schedulingGates ?? []).length > 0) {
    const cond: V1PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'SchedulingGated',
      message: 'Scheduling is blocked due to non-empty scheduling gates',
      lastProbeTime: undefined,
      lastTransitionTime: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    delete cond.lastProbeTime;
    status.conditions = [cond];
  }
  pod.status = status;
}

/** The pod fields selectable with `fieldSelector` (pkg/registry/core/pod ToSelectableFields). */
export const podFieldSelectors: Record<string, (obj: KubeObject) => string> = {
  'spec.nodeName': (o) => asPod(o).spec?.nodeName ?? '',
  'spec.restartPolicy': (o) => asPod(o).spec?.restartPolicy ?? '',
  'spec.schedulerName': (o) => asPod(o).spec?.schedulerName ?? '',
  'spec.serviceAccountName': (o) => asPod(o).spec?.serviceAccountName ?? '',
  'spec.hostNetwork': (o) => String(asPod(o).spec?.hostNetwork === true),
  'status.phase': (o) => asPod(o).status?.phase ?? '',
  'status.podIP': (o) => asPod(o).status?.podIPs?.[0]?.ip ?? asPod(o).status?.podIP ?? '',
  'status.nominatedNodeName': (o) => asPod(o).status?.nominatedNodeName ?? '',
};

export const podResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  schema: PodSchema,
  subresources: { status: true },
  extraSubresources: [{ name: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] }],
  generation: false,
  strategy: {
    defaults: (obj) => defaultPod(asPod(obj)),
    prepareForCreate: preparePodForCreate,
    prepareForUpdate: (obj, old, ctx) => {
      // The main resource keeps the old status; the status subresource keeps the old spec (generic
      // store) and, as upstream, may not touch owner references or the deletion timestamp.
      if (ctx.subresource === '') asPod(obj).status = asPod(old).status;
      else if (ctx.subresource === 'ephemeralcontainers') {
        // Only spec.ephemeralContainers changes through this subresource.
        const pod = asPod(obj);
        const ephemeral = pod.spec?.ephemeralContainers;
        pod.spec = structuredClone(asPod(old).spec ?? {});
        if (ephemeral) pod.spec.ephemeralContainers = ephemeral;
        else delete pod.spec.ephemeralContainers;
        pod.status = asPod(old).status;
      } else if (ctx.subresource === 'status') {
        if (old.metadata.ownerReferences) obj.metadata.ownerReferences = old.metadata.ownerReferences;
        else delete obj.metadata.ownerReferences;
        if (old.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
        else delete obj.metadata.deletionTimestamp;
      }
    },
    validate: (obj, ctx) => (ctx.subresource === 'status' ? [] : validatePod(asPod(obj))),
    validateUpdate: (obj, old, ctx) =>
      ctx.subresource === 'status'
        ? validatePodStatusUpdate(asPod(obj), asPod(old))
        : ctx.subresource === 'ephemeralcontainers'
          ? validatePodEphemeralContainersUpdate(asPod(obj), asPod(old))
          : validatePodUpdate(asPod(obj), asPod(old)),
    warnings: (obj, old) => podWarnings(asPod(obj), old ? asPod(old) : undefined),
  },
  table: podTable,
  fieldSelectors: podFieldSelectors,
};
