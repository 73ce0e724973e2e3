/**
 * autoscaling/v2 HorizontalPodAutoscaler: typed view, upstream defaults (SetDefaults_*), validation
 * (pkg/apis/autoscaling/validation) and printer columns.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ObjectMeta, ResourceDef, Strategy, TableDef } from '../../types.js';
import { isValidPathSegmentName, isDNS1123Label } from '../../validation/names.js';
import {
  AGE_COLUMN, NAME_COLUMN, ageCell, asRecord, keepOtherHalf, quantitySign, quantityString, resetStatus, validateLabelSelector,
  validateNonnegative, type LabelSelector,
} from '../../apps/shared/index.js';
import { HorizontalPodAutoscalerSchema } from './schema.js';

export type Quantity = string | number;

export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}
export interface MetricIdentifier {
  name: string;
  selector?: LabelSelector;
}
export interface MetricTarget {
  type: string;
  value?: Quantity;
  averageValue?: Quantity;
  averageUtilization?: number;
}
export interface MetricValueStatus {
  value?: Quantity;
  averageValue?: Quantity;
  averageUtilization?: number;
}
export interface MetricSpec {
  type: string;
  object?: { describedObject: CrossVersionObjectReference; target: MetricTarget; metric: MetricIdentifier };
  pods?: { metric: MetricIdentifier; target: MetricTarget };
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; target: MetricTarget; container: string };
  external?: { metric: MetricIdentifier; target: MetricTarget };
}
export interface MetricStatus {
  type: string;
  object?: { metric: MetricIdentifier; current: MetricValueStatus; describedObject: CrossVersionObjectReference };
  pods?: { metric: MetricIdentifier; current: MetricValueStatus };
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; current: MetricValueStatus; container: string };
  external?: { metric: MetricIdentifier; current: MetricValueStatus };
}
export interface HPAScalingPolicy {
  type: string;
  value: number;
  periodSeconds: number;
}
export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: string;
  policies?: HPAScalingPolicy[];
  tolerance?: Quantity;
}
export interface HorizontalPodAutoscalerBehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}
export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: HorizontalPodAutoscalerBehavior;
}
export interface HorizontalPodAutoscalerCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: MetricStatus[];
  conditions?: HorizontalPodAutoscalerCondition[];
}
/** Typed view of an autoscaling/v2 HorizontalPodAutoscaler. */
export interface HorizontalPodAutoscaler extends KubeObject {
  metadata: ObjectMeta;
  spec?: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}

export function asHPA(obj: KubeObject): HorizontalPodAutoscaler {
  return obj as HorizontalPodAutoscaler;
}

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
/** Flotilla's v1 carrier for spec.behavior (the name upstream's v2beta1 used). */
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';

/** Annotations a v2 object never carries (upstream's DropRoundTripHorizontalPodAutoscalerAnnotations). */
export const ROUND_TRIP_ANNOTATIONS: readonly string[] = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

function dropRoundTripAnnotations(obj: KubeObject): void {
  const a = obj.metadata.annotations;
  if (!a) return;
  for (const k of ROUND_TRIP_ANNOTATIONS) delete a[k];
  if (Object.keys(a).length === 0) delete obj.metadata.annotations;
}

/** autoscaling.DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;
export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

function defaultScaleUpRules(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

/**
 * Scale-down defaults. Upstream leaves stabilizationWindowSeconds unset: the controller applies its
 * --horizontal-pod-autoscaler-downscale-stabilization flag (default 300 s) then.
 */
function defaultScaleDownRules(): HPAScalingRules {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

function mergeRules(from: HPAScalingRules | undefined, to: HPAScalingRules): HPAScalingRules {
  if (!from) return to;
  const out: HPAScalingRules = { ...to };
  if (from.selectPolicy !== undefined) out.selectPolicy = from.selectPolicy;
  if (from.stabilizationWindowSeconds !== undefined) out.stabilizationWindowSeconds = from.stabilizationWindowSeconds;
  if (from.policies !== undefined) out.policies = from.policies;
  if (from.tolerance !== undefined) out.tolerance = from.tolerance;
  return out;
}

/**
 * Upstream SetDefaults_HorizontalPodAutoscaler (autoscaling/v2): minReplicas 1; a CPU 80%
 * utilization metric when none is given; when `behavior` is present, every unset field of scaleUp
 * and scaleDown is filled from the defaults. Idempotent.
 */
export function defaultHPA(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as HorizontalPodAutoscalerSpec | undefined;
  if (!spec) return;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (asRecord(spec.behavior)) {
    const b = spec.behavior!;
    b.scaleUp = mergeRules(asRecord(b.scaleUp) as HPAScalingRules | undefined, defaultScaleUpRules());
    b.scaleDown = mergeRules(asRecord(b.scaleDown) as HPAScalingRules | undefined, defaultScaleDownRules());
  }
}

/** ValidateCrossVersionObjectReference. */
export function validateCrossVersionObjectReference(ref: Partial<CrossVersionObjectReference> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = ref ?? {};
  if (!r.kind) errs.push(fieldErrors.required(`${path}.kind`));
  else for (const msg of isValidPathSegmentName(r.kind)) errs.push(fieldErrors.invalid(`${path}.kind`, r.kind, msg));
  if (!r.name) errs.push(fieldErrors.required(`${path}.name`));
  else for (const msg of isValidPathSegmentName(r.name)) errs.push(fieldErrors.invalid(`${path}.name`, r.name, msg));
  return errs;
}

function validateMetricIdentifier(id: Partial<MetricIdentifier> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!id?.name) errs.push(fieldErrors.required(`${path}.name`, 'must specify a metric name'));
  else for (const msg of isValidPathSegmentName(id.name)) errs.push(fieldErrors.invalid(`${path}.name`, id.name, msg));
  if (id?.selector) errs.push(...validateLabelSelector(id.selector, `${path}.selector`, { allowInvalidLabelValueInSelector: true }));
  return errs;
}

function validateMetricTarget(mt: Partial<MetricTarget> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const t = mt ?? {};
  if (!t.type) errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric target type'));
  if (t.type !== 'Utilization' && t.type !== 'Value' && t.type !== 'AverageValue')
    errs.push(fieldErrors.invalid(`${path}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  if (t.value !== undefined && quantitySign(t.value) !== 1) errs.push(fieldErrors.invalid(`${path}.value`, t.value, 'must be positive'));
  if (t.averageValue !== undefined && quantitySign(t.averageValue) !== 1)
    errs.push(fieldErrors.invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (t.averageUtilization !== undefined && t.averageUtilization < 1)
    errs.push(fieldErrors.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const FIELD_OF_TYPE: Record<string, keyof MetricSpec> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};

function validateMetricSpec(spec: MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.type) errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(spec.type)) errs.push(fieldErrors.notSupported(`${path}.type`, spec.type ?? '', METRIC_SOURCE_TYPES));
  const present: string[] = [];
  const t = (v: { target?: MetricTarget } | undefined): Partial<MetricTarget> => v?.target ?? {};
  if (spec.object) {
    present.push('object');
    if (present.length === 1) {
      const p = `${path}.object`;
      errs.push(...validateCrossVersionObjectReference(spec.object.describedObject, `${p}.describedObject`));
      errs.push(...validateMetricIdentifier(spec.object.metric, `${p}.metric`));
      errs.push(...validateMetricTarget(spec.object.target, `${p}.target`));
      if (t(spec.object).value === undefined && t(spec.object).averageValue === undefined)
        errs.push(fieldErrors.required(`${p}.target.averageValue`, 'must set either a target value or averageValue'));
    }
  }
  if (spec.external) {
    present.push('external');
    if (present.length === 1) {
      const p = `${path}.external`;
      errs.push(...validateMetricIdentifier(spec.external.metric, `${p}.metric`));
      errs.push(...validateMetricTarget(spec.external.target, `${p}.target`));
      const tt = t(spec.external);
      if (tt.value === undefined && tt.averageValue === undefined)
        errs.push(fieldErrors.required(`${p}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (tt.value !== undefined && tt.averageValue !== undefined)
        errs.push(fieldErrors.forbidden(`${p}.target.value`, 'may not set both a target value for metric and a per-pod target'));
    }
  }
  if (spec.pods) {
    present.push('pods');
    if (present.length === 1) {
      const p = `${path}.pods`;
      errs.push(...validateMetricIdentifier(spec.pods.metric, `${p}.metric`));
      errs.push(...validateMetricTarget(spec.pods.target, `${p}.target`));
      if (t(spec.pods).averageValue === undefined) errs.push(fieldErrors.required(`${p}.target.averageValue`, 'must specify a positive target averageValue'));
    }
  }
  if (spec.resource) {
    present.push('resource');
    if (present.length === 1) {
      const p = `${path}.resource`;
      if (!spec.resource.name) errs.push(fieldErrors.required(`${p}.name`, 'must specify a resource name'));
      errs.push(...validateMetricTarget(spec.resource.target, `${p}.target`));
      const tt = t(spec.resource);
      if (tt.averageUtilization === undefined && tt.averageValue === undefined)
        errs.push(fieldErrors.required(`${p}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (tt.averageUtilization !== undefined && tt.averageValue !== undefined)
        errs.push(fieldErrors.forbidden(`${p}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
    }
  }
  if (spec.containerResource) {
    present.push('containerResource');
    if (present.length === 1) {
      const p = `${path}.containerResource`;
      const cr = spec.containerResource;
      if (!cr.name) errs.push(fieldErrors.required(`${p}.name`, 'must specify a resource name'));
      if (!cr.container) errs.push(fieldErrors.required(`${p}.container`, 'must specify a container'));
      else for (const msg of isDNS1123Label(cr.container)) errs.push(fieldErrors.invalid(`${p}.container`, cr.container, msg));
      errs.push(...validateMetricTarget(cr.target, `${p}.target`));
      const tt = t(cr);
      if (tt.averageUtilization === undefined && tt.averageValue === undefined)
        errs.push(fieldErrors.required(`${p}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (tt.averageUtilization !== undefined && tt.averageValue !== undefined)
        errs.push(fieldErrors.forbidden(`${p}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
    }
  }
  const expected = FIELD_OF_TYPE[spec.type];
  if (expected) {
    if (!spec[expected]) errs.push(fieldErrors.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  } else if (spec.type) {
    // Upstream reports the unsupported type a second time from its switch's default branch.
    errs.push(fieldErrors.notSupported(`${path}.type`, spec.type, METRIC_SOURCE_TYPES));
  }
  if (present.length !== 1)
    for (const typ of present.filter((x) => x !== expected).sort())
      errs.push(fieldErrors.forbidden(`${path}.${typ}`, 'must populate the given metric source only'));
  return errs;
}

const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];

function validateScalingRules(rules: HPAScalingRules | undefined, path: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (w !== undefined && w < 0) errs.push(fieldErrors.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (w !== undefined && w > MAX_STABILIZATION_WINDOW_SECONDS)
    errs.push(fieldErrors.invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(rules.selectPolicy))
    errs.push(fieldErrors.notSupported(`${path}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES));
  const policies = rules.policies ?? [];
  if (policies.length === 0) errs.push(fieldErrors.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(fieldErrors.notSupported(`${pp}.type`, p.type ?? '', POLICY_TYPES));
    if (!(p.value > 0)) errs.push(fieldErrors.invalid(`${pp}.value`, p.value ?? 0, 'must be greater than zero'));
    if (!(p.periodSeconds > 0)) errs.push(fieldErrors.invalid(`${pp}.periodSeconds`, p.periodSeconds ?? 0, 'must be greater than zero'));
    if (p.periodSeconds > MAX_PERIOD_SECONDS)
      errs.push(fieldErrors.invalid(`${pp}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/**
 * validateHorizontalPodAutoscalerSpec. `minReplicasLowerBound` is 1 (0 only with the HPAScaleToZero
 * gate, or on update when the stored object already has minReplicas 0).
 */
export function validateHPASpec(spec: HorizontalPodAutoscalerSpec | undefined, minReplicasLowerBound = 1): FieldError[] {
  const errs: FieldError[] = [];
  const sp = spec ?? ({} as HorizontalPodAutoscalerSpec);
  const min = sp.minReplicas;
  const max = sp.maxReplicas ?? 0;
  if (min !== undefined && min < minReplicasLowerBound)
    errs.push(fieldErrors.invalid('spec.minReplicas', min, `must be greater than or equal to ${minReplicasLowerBound}`));
  if (max < 1) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateCrossVersionObjectReference(sp.scaleTargetRef, 'spec.scaleTargetRef'));
  const metrics = sp.metrics ?? [];
  metrics.forEach((m, i) => errs.push(...validateMetricSpec(m, `spec.metrics[${i}]`)));
  if (min === 0 && !metrics.some((m) => m.type === 'Object' || m.type === 'External'))
    errs.push(fieldErrors.forbidden('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  if (sp.behavior) {
    errs.push(...validateScalingRules(sp.behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(sp.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

/** ValidateHorizontalPodAutoscalerStatusUpdate's status part. */
export function validateHPAStatus(status: HorizontalPodAutoscalerStatus | undefined): FieldError[] {
  return [
    ...validateNonnegative(status?.currentReplicas, 'status.currentReplicas'),
    ...validateNonnegative(status?.desiredReplicas, 'status.desiredReplicas'),
  ];
}

export const hpaStrategy: Strategy = {
  defaults: defaultHPA,
  prepareForCreate(obj) {
    resetStatus(obj, { desiredReplicas: 0 });
    dropRoundTripAnnotations(obj);
  },
  prepareForUpdate(obj, old, ctx) {
    keepOtherHalf(obj, old, ctx);
    dropRoundTripAnnotations(obj);
  },
  /**
   * Spec rules on create and update (minReplicas lower bound 1: the HPAScaleToZero gate is off, so
   * no stored object can have minReplicas 0); only the replica counts on status writes.
   */
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateHPAStatus(asHPA(obj).status);
    return validateHPASpec(asHPA(obj).spec, 1);
  },
};

/** Quantity.String()-ish rendering for table cells. */
function q(v: Quantity | undefined): string {
  return quantityString(v);
}

/** printers.go formatHPAMetrics: at most two targets, then `+ N more...`. */
export function formatHPAMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs || specs.length === 0) return '<none>';
  const st = statuses ?? [];
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const s = st[i];
    switch (spec.type) {
      case 'External': {
        const e = spec.external;
        if (e?.target?.averageValue !== undefined) {
          const cur = s?.external?.current?.averageValue !== undefined ? q(s.external.current.averageValue) : '<unknown>';
          list.push(`${cur}/${q(e.target.averageValue)} (avg)`);
        } else {
          const cur = s?.external ? q(s.external.current?.value) : '<unknown>';
          list.push(`${cur}/${q(e?.target?.value)}`);
        }
        break;
      }
      case 'Pods': {
        const cur = s?.pods ? q(s.pods.current?.averageValue) : '<unknown>';
        list.push(`${cur}/${q(spec.pods?.target?.averageValue)}`);
        break;
      }
      case 'Object': {
        const o = spec.object;
        if (o?.target?.averageValue !== undefined) {
          const cur = s?.object?.current?.averageValue !== undefined ? q(s.object.current.averageValue) : '<unknown>';
          list.push(`${cur}/${q(o.target.averageValue)} (avg)`);
        } else {
          const cur = s?.object ? q(s.object.current?.value) : '<unknown>';
          list.push(`${cur}/${q(o?.target?.value)}`);
        }
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const cs = spec.type === 'Resource' ? s?.resource : s?.containerResource;
        const name = src?.name ?? '';
        if (src?.target?.averageValue !== undefined) {
          const cur = cs ? q(cs.current?.averageValue) : '<unknown>';
          list.push(`${name}: ${cur}/${q(src.target.averageValue)}`);
        } else {
          const cur = cs?.current?.averageUtilization !== undefined ? `${cs.current.averageUtilization}%` : '<unknown>';
          const target = src?.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
          list.push(`${name}: ${cur}/${target}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const hpaTable: TableDef = {
  columns: [
    NAME_COLUMN,
    { name: 'Reference', type: 'string', description: 'The kind and name of the object being scaled.' },
    { name: 'Targets', type: 'string', description: 'Current and target values of the metrics the autoscaler follows.' },
    { name: 'MinPods', type: 'string', description: 'The fewest replicas the autoscaler will set.' },
    { name: 'MaxPods', type: 'string', description: 'The most replicas the autoscaler will set.' },
    { name: 'Replicas', type: 'string', description: 'Replicas the scaled object has now, as last seen by the autoscaler.' },
    AGE_COLUMN,
  ],
  cells(obj, now) {
    const h = asHPA(obj);
    const spec = h.spec;
    return [
      obj.metadata.name ?? '',
      `${spec?.scaleTargetRef?.kind ?? ''}/${spec?.scaleTargetRef?.name ?? ''}`,
      formatHPAMetrics(spec?.metrics, h.status?.currentMetrics),
      spec?.minReplicas !== undefined ? String(spec.minReplicas) : '<unset>',
      spec?.maxReplicas ?? 0,
      h.status?.currentReplicas ?? 0,
      ageCell(obj, now),
    ];
  },
};

export const horizontalPodAutoscalerV2: ResourceDef = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  schema: HorizontalPodAutoscalerSchema,
  subresources: { status: true },
  strategy: hpaStrategy,
  table: hpaTable,
};
