/**
 * scheduling.k8s.io/v1 PriorityClass: schema, defaults, validation (pkg/apis/scheduling/validation),
 * printer columns. Cluster-scoped; the value a pod gets through spec.priorityClassName (resolved by
 * the Priority admission plugin into spec.priority), which the scheduler's queue and preemption read.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { s, type Schema } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';
import { AGE_COLUMN, NAME_COLUMN, ageCell } from '../../apps/shared/index.js';

/** Upstream's HighestUserDefinablePriority. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** Upstream's SystemCriticalPriority. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

/** The two system priority classes the apiserver creates at start-up (upstream's SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  { name: 'system-node-critical', value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

export const PriorityClassSchema: Schema = kindSchema(
  'io.k8s.api.scheduling.v1.PriorityClass',
  { group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass' },
  {
    value: s.int32(),
    globalDefault: s.bool(),
    description: s.string(),
    preemptionPolicy: s.string(),
  },
  { required: ['value'] },
);

/** Typed view of a PriorityClass. */
export interface PriorityClass extends KubeObject {
  value?: number;
  globalDefault?: boolean;
  description?: string;
  preemptionPolicy?: string;
}
export const asPriorityClass = (o: KubeObject): PriorityClass => o as PriorityClass;

/** Upstream's IsKnownSystemPriorityClass: '' when known, else the error text. */
function knownSystemClassError(name: string, value: number | undefined, globalDefault: boolean | undefined): string {
  const spc = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!spc) return `${name} is not a known system priority class`;
  if (value !== spc.value) return `value of ${name} PriorityClass must be ${spc.value}`;
  if ((globalDefault ?? false) !== false) return `globalDefault of ${name} PriorityClass must be false`;
  return '';
}

/** ValidatePriorityClass (metadata is checked by the apiserver). */
export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata.name ?? '';
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const err = knownSystemClassError(name, pc.value, pc.globalDefault);
    if (err) errs.push(fieldErrors.forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${err}`));
  } else if ((pc.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy))
    errs.push(fieldErrors.notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  return errs;
}

/** ValidatePriorityClassUpdate: value and preemptionPolicy are immutable. */
export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if (pc.value !== old.value) errs.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
  if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(fieldErrors.invalid('preemptionPolicy', pc.preemptionPolicy, 'field is immutable'));
  return errs;
}

export const priorityClass: ResourceDef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  schema: PriorityClassSchema,
  generation: false,
  strategy: {
    // SetDefaults_PriorityClass.
    defaults: (obj) => {
      const pc = asPriorityClass(obj);
      if (pc.preemptionPolicy === undefined) pc.preemptionPolicy = 'PreemptLowerPriority';
    },
    validate: (obj) => validatePriorityClass(asPriorityClass(obj)),
    validateUpdate: (obj, old) => validatePriorityClassUpdate(asPriorityClass(obj), asPriorityClass(old)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Value', type: 'integer', description: 'The class\'s priority value; pods using the class get it.' },
      { name: 'Global-Default', type: 'boolean', description: 'Whether pods without a priorityClassName get this class.' },
      AGE_COLUMN,
      { name: 'PreemptionPolicy', type: 'string', description: 'Whether pods of this class may preempt lower-priority pods (PreemptLowerPriority or Never).' },
    ],
    cells: (obj, now) => {
      const pc = asPriorityClass(obj);
      return [obj.metadata.name ?? '', pc.value ?? 0, pc.globalDefault ?? false, ageCell(obj, now), pc.preemptionPolicy ?? ''];
    },
  },
};

export const resources: ResourceDef[] = [priorityClass];
