/** policy/v1 PodDisruptionBudget: schema, validation (pkg/apis/policy/validation), printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { s, type Schema } from '../../schema/index.js';
import { Condition, LabelSelector, Time, kindSchema } from '../../meta/v1.js';
import {
  AGE_COLUMN, NAME_COLUMN, ageCell, keepOtherHalf, resetStatus, validateLabelSelector, validateNonnegative,
  validateNotMoreThan100Percent, validatePositiveIntOrPercent, type IntOrString, type LabelSelector as LabelSelectorView,
} from '../../apps/shared/index.js';

const P = 'io.k8s.api.policy.v1';

export const PodDisruptionBudgetSpec = s.object(
  {
    minAvailable: s.intOrString({ description: 'An eviction is allowed if at least "minAvailable" pods selected by "selector" will still be available after the eviction. So for example you can prevent all voluntary evictions by specifying "100%".' }),
    selector: s.withOpts(LabelSelector, { 'x-kubernetes-patch-strategy': 'replace' }),
    maxUnavailable: s.intOrString({ description: 'An eviction is allowed if at most "maxUnavailable" pods selected by "selector" are unavailable after the eviction.' }),
    unhealthyPodEvictionPolicy: s.string({ description: 'UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be considered for eviction: IfHealthyBudget or AlwaysAllow.' }),
  },
  { id: `${P}.PodDisruptionBudgetSpec` },
);

export const PodDisruptionBudgetStatus = s.object(
  {
    observedGeneration: s.int64(),
    disruptedPods: s.map(Time),
    disruptionsAllowed: s.int32(),
    currentHealthy: s.int32(),
    desiredHealthy: s.int32(),
    expectedPods: s.int32(),
    conditions: s.array(Condition, { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
  },
  { id: `${P}.PodDisruptionBudgetStatus`, required: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] },
);

export const PodDisruptionBudgetSchema: Schema = kindSchema(
  `${P}.PodDisruptionBudget`,
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' },
  { spec: PodDisruptionBudgetSpec, status: PodDisruptionBudgetStatus },
  {},
);

export interface PodDisruptionBudgetSpecView {
  minAvailable?: IntOrString;
  selector?: LabelSelectorView;
  maxUnavailable?: IntOrString;
  unhealthyPodEvictionPolicy?: string;
}
export interface PodDisruptionBudgetStatusView {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  conditions?: { type: string; status: string; observedGeneration?: number; lastTransitionTime: string; reason: string; message: string }[];
}
/** Typed view of a PodDisruptionBudget. */
export interface PodDisruptionBudget extends KubeObject {
  spec?: PodDisruptionBudgetSpecView;
  status?: PodDisruptionBudgetStatusView;
}
export const asPDB = (o: KubeObject): PodDisruptionBudget => o as PodDisruptionBudget;

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** ValidatePodDisruptionBudgetSpec (policy/v1 selectors must have valid label values). */
export function validatePDBSpec(spec: PodDisruptionBudgetSpecView | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const sp = spec ?? {};
  if (sp.minAvailable !== undefined && sp.maxUnavailable !== undefined)
    errs.push(fieldErrors.invalid('spec', sp, 'minAvailable and maxUnavailable cannot be both set'));
  if (sp.minAvailable !== undefined) {
    errs.push(...validatePositiveIntOrPercent(sp.minAvailable, 'spec.minAvailable'));
    errs.push(...validateNotMoreThan100Percent(sp.minAvailable, 'spec.minAvailable'));
  }
  if (sp.maxUnavailable !== undefined) {
    errs.push(...validatePositiveIntOrPercent(sp.maxUnavailable, 'spec.maxUnavailable'));
    errs.push(...validateNotMoreThan100Percent(sp.maxUnavailable, 'spec.maxUnavailable'));
  }
  errs.push(...validateLabelSelector(sp.selector, 'spec.selector'));
  if (sp.unhealthyPodEvictionPolicy !== undefined && !EVICTION_POLICIES.includes(sp.unhealthyPodEvictionPolicy))
    errs.push(fieldErrors.notSupported('spec.unhealthyPodEvictionPolicy', sp.unhealthyPodEvictionPolicy, EVICTION_POLICIES));
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate's counters. */
export function validatePDBStatus(st: PodDisruptionBudgetStatusView | undefined): FieldError[] {
  return [
    ...validateNonnegative(st?.disruptionsAllowed, 'status.disruptionsAllowed'),
    ...validateNonnegative(st?.currentHealthy, 'status.currentHealthy'),
    ...validateNonnegative(st?.desiredHealthy, 'status.desiredHealthy'),
    ...validateNonnegative(st?.expectedPods, 'status.expectedPods'),
  ];
}

export const podDisruptionBudget: ResourceDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  schema: PodDisruptionBudgetSchema,
  subresources: { status: true },
  strategy: {
    prepareForCreate: (obj) => resetStatus(obj, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
    prepareForUpdate: keepOtherHalf,
    validate: (obj, ctx) => (ctx.subresource === 'status' ? validatePDBStatus(asPDB(obj).status) : validatePDBSpec(asPDB(obj).spec)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Min Available', type: 'string', description: 'Pods (number or percentage) that must stay available during voluntary disruptions.' },
      { name: 'Max Unavailable', type: 'string', description: 'Pods (number or percentage) that may be unavailable during voluntary disruptions.' },
      { name: 'Allowed Disruptions', type: 'integer', description: 'How many pods may be disrupted now, as computed by the disruption controller.' },
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const p = asPDB(obj);
      return [
        obj.metadata.name ?? '',
        p.spec?.minAvailable !== undefined ? String(p.spec.minAvailable) : 'N/A',
        p.spec?.maxUnavailable !== undefined ? String(p.spec.maxUnavailable) : 'N/A',
        p.status?.disruptionsAllowed ?? 0,
        ageCell(obj, now),
      ];
    },
  },
};

export const resources: ResourceDef[] = [podDisruptionBudget];
