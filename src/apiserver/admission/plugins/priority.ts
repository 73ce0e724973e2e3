/**
 * Priority admission (upstream plugin/pkg/admission/priority): resolves a pod's
 * spec.priorityClassName to spec.priority and spec.preemptionPolicy; without a class name the
 * global-default PriorityClass applies, or priority 0. An unknown class or a hand-set priority that
 * disagrees with the class is refused (403).
 */
import type { KubeObject } from '../../../api/types.js';
import { ApiError } from '../../../lib/errors.js';
import { R } from '../../../client/types.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionObjectReader } from './access.js';

interface PriorityClassView {
  metadata: { name?: string };
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

interface PodPriorityView {
  priorityClassName?: string;
  priority?: number;
  preemptionPolicy?: string;
}

const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses' };

function forbidden(name: string, why: string): ApiError {
  return new ApiError('Forbidden', 403, `pods "${name}" is forbidden: ${why}`, { name, kind: 'pods' });
}

/** Pure: the priority fields a pod gets, or the refusal text. `classes` are all PriorityClasses. */
export function resolvePriority(spec: PodPriorityView, classes: readonly PriorityClassView[]): { priority: number; preemptionPolicy: string; className?: string } | string {
  let cls: PriorityClassView | undefined;
  if (spec.priorityClassName) {
    cls = classes.find((c) => c.metadata.name === spec.priorityClassName);
    if (!cls) return `no PriorityClass with name ${spec.priorityClassName} was found`;
  } else {
    cls = classes.filter((c) => c.globalDefault).sort((a, b) => (a.value ?? 0) - (b.value ?? 0))[0];
  }
  const priority = cls?.value ?? 0;
  if (spec.priority !== undefined && spec.priority !== priority)
    return `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`;
  return { priority, preemptionPolicy: cls?.preemptionPolicy ?? 'PreemptLowerPriority', className: cls?.metadata.name };
}

export function createPriorityAdmission(opts: { reader: AdmissionObjectReader }): AdmissionPlugin {
  return {
    name: 'Priority',
    async admit(req: AdmissionRequest) {
      if (req.operation !== 'CREATE' || req.def.group !== '' || req.def.plural !== 'pods' || req.subresource || !req.object) return;
      const pod = req.object as KubeObject & { spec?: PodPriorityView };
      const spec = (pod.spec ??= {});
      const classes = (await opts.reader.list(PRIORITY_CLASSES, '')) as unknown as PriorityClassView[];
      const r = resolvePriority(spec, classes);
      if (typeof r === 'string') throw forbidden(req.name, r);
      spec.priority = r.priority;
      if (r.className && !spec.priorityClassName) spec.priorityClassName = r.className;
      spec.preemptionPolicy ??= r.preemptionPolicy;
    },
  };
}

export { R };
