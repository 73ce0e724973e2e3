/**
 * autoscaling/v1 ⇄ autoscaling/v2 (stored) HorizontalPodAutoscaler, after upstream's
 * pkg/apis/autoscaling/v1/conversion.go: v1 `targetCPUUtilizationPercentage` is the v2 Resource cpu
 * Utilization metric; every other v2 metric, the metric statuses and the conditions travel in v1 as
 * JSON annotations (`autoscaling.alpha.kubernetes.io/metrics`, `.../current-metrics`,
 * `.../conditions`) written in v1's older metric shapes. Flotilla also keeps `spec.behavior` in
 * `autoscaling.alpha.kubernetes.io/behavior` (upstream drops it in v1) so that a v1
 * read-modify-write cycle never loses it.
 *
 * Both directions are total and pure: an annotation that does not parse is left in place instead of
 * failing the request.
 */
import type { KubeObject } from '../../types.js';
import { asRecord, clone } from '../../apps/shared/index.js';
import type {
  CrossVersionObjectReference, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerSpec,
  HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus, Quantity,
} from '../v2/index.js';
import {
  BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, DEFAULT_CPU_UTILIZATION, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION,
} from '../v2/index.js';
import type { LabelSelector } from '../../apps/shared/index.js';

export interface HorizontalPodAutoscalerSpecV1 {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
}
export interface HorizontalPodAutoscalerStatusV1 {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas: number;
  desiredReplicas: number;
  currentCPUUtilizationPercentage?: number;
}

/** v1's annotation-only metric shapes (the v2beta1 forms). Field order follows upstream's JSON. */
interface V1MetricSpec {
  type: string;
  object?: { target: CrossVersionObjectReference; metricName: string; targetValue?: Quantity; selector?: LabelSelector; averageValue?: Quantity };
  pods?: { metricName: string; targetAverageValue?: Quantity; selector?: LabelSelector };
  resource?: { name: string; targetAverageUtilization?: number; targetAverageValue?: Quantity };
  containerResource?: { name: string; targetAverageUtilization?: number; targetAverageValue?: Quantity; container: string };
  external?: { metricName: string; metricSelector?: LabelSelector; targetValue?: Quantity; targetAverageValue?: Quantity };
}
interface V1MetricStatus {
  type: string;
  object?: { target: CrossVersionObjectReference; metricName: string; currentValue?: Quantity; selector?: LabelSelector; averageValue?: Quantity };
  pods?: { metricName: string; currentAverageValue?: Quantity; selector?: LabelSelector };
  resource?: { name: string; currentAverageUtilization?: number; currentAverageValue?: Quantity };
  containerResource?: { name: string; currentAverageUtilization?: number; currentAverageValue?: Quantity; container: string };
  external?: { metricName: string; metricSelector?: LabelSelector; currentValue?: Quantity; currentAverageValue?: Quantity };
}

/** Drops undefined members so JSON and deep-equality stay clean. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function ref(r: CrossVersionObjectReference | undefined): CrossVersionObjectReference {
  return compact({ kind: r?.kind ?? '', name: r?.name ?? '', apiVersion: r?.apiVersion });
}

function metricSpecToV1(m: MetricSpec): V1MetricSpec {
  const out: V1MetricSpec = { type: m.type };
  if (m.object)
    out.object = compact({
      target: ref(m.object.describedObject),
      metricName: m.object.metric?.name ?? '',
      targetValue: m.object.target?.value,
      selector: m.object.metric?.selector,
      averageValue: m.object.target?.averageValue,
    });
  if (m.pods) out.pods = compact({ metricName: m.pods.metric?.name ?? '', targetAverageValue: m.pods.target?.averageValue, selector: m.pods.metric?.selector });
  if (m.resource)
    out.resource = compact({ name: m.resource.name, targetAverageUtilization: m.resource.target?.averageUtilization, targetAverageValue: m.resource.target?.averageValue });
  if (m.containerResource)
    out.containerResource = compact({
      name: m.containerResource.name,
      targetAverageUtilization: m.containerResource.target?.averageUtilization,
      targetAverageValue: m.containerResource.target?.averageValue,
      container: m.containerResource.container,
    });
  if (m.external)
    out.external = compact({
      metricName: m.external.metric?.name ?? '',
      metricSelector: m.external.metric?.selector,
      targetValue: m.external.target?.value,
      targetAverageValue: m.external.target?.averageValue,
    });
  return out;
}

function metricSpecFromV1(m: V1MetricSpec): MetricSpec {
  const out: MetricSpec = { type: m.type };
  if (m.object) {
    const o = m.object;
    out.object = {
      describedObject: ref(o.target),
      target: compact({ type: o.averageValue === undefined ? 'Value' : 'AverageValue', value: o.targetValue, averageValue: o.averageValue }),
      metric: compact({ name: o.metricName, selector: o.selector }),
    };
  }
  if (m.pods)
    out.pods = {
      metric: compact({ name: m.pods.metricName, selector: m.pods.selector }),
      target: compact({ type: 'AverageValue', averageValue: m.pods.targetAverageValue }),
    };
  if (m.resource) {
    const r = m.resource;
    out.resource = {
      name: r.name,
      target: compact({ type: r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue }),
    };
  }
  if (m.containerResource) {
    const r = m.containerResource;
    out.containerResource = {
      name: r.name,
      container: r.container,
      target: compact({ type: r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue }),
    };
  }
  if (m.external) {
    const e = m.external;
    out.external = {
      metric: compact({ name: e.metricName, selector: e.metricSelector }),
      target: compact({ type: e.targetValue === undefined ? 'AverageValue' : 'Value', value: e.targetValue, averageValue: e.targetAverageValue }),
    };
  }
  return out;
}

function metricStatusToV1(m: MetricStatus): V1MetricStatus {
  const out: V1MetricStatus = { type: m.type };
  if (m.object)
    out.object = compact({
      target: ref(m.object.describedObject),
      metricName: m.object.metric?.name ?? '',
      currentValue: m.object.current?.value,
      selector: m.object.metric?.selector,
      averageValue: m.object.current?.averageValue,
    });
  if (m.pods) out.pods = compact({ metricName: m.pods.metric?.name ?? '', currentAverageValue: m.pods.current?.averageValue, selector: m.pods.metric?.selector });
  if (m.resource)
    out.resource = compact({ name: m.resource.name, currentAverageUtilization: m.resource.current?.averageUtilization, currentAverageValue: m.resource.current?.averageValue });
  if (m.containerResource)
    out.containerResource = compact({
      name: m.containerResource.name,
      currentAverageUtilization: m.containerResource.current?.averageUtilization,
      currentAverageValue: m.containerResource.current?.averageValue,
      container: m.containerResource.container,
    });
  if (m.external)
    out.external = compact({
      metricName: m.external.metric?.name ?? '',
      metricSelector: m.external.metric?.selector,
      currentValue: m.external.current?.value,
      currentAverageValue: m.external.current?.averageValue,
    });
  return out;
}

function metricStatusFromV1(m: V1MetricStatus): MetricStatus {
  const out: MetricStatus = { type: m.type };
  if (m.object)
    out.object = {
      describedObject: ref(m.object.target),
      metric: compact({ name: m.object.metricName, selector: m.object.selector }),
      current: compact({ value: m.object.currentValue, averageValue: m.object.averageValue }),
    };
  if (m.pods)
    out.pods = { metric: compact({ name: m.pods.metricName, selector: m.pods.selector }), current: compact({ averageValue: m.pods.currentAverageValue }) };
  if (m.resource)
    out.resource = { name: m.resource.name, current: compact({ averageValue: m.resource.currentAverageValue, averageUtilization: m.resource.currentAverageUtilization }) };
  if (m.containerResource)
    out.containerResource = {
      name: m.containerResource.name,
      container: m.containerResource.container,
      current: compact({ averageValue: m.containerResource.currentAverageValue, averageUtilization: m.containerResource.currentAverageUtilization }),
    };
  if (m.external)
    out.external = {
      metric: compact({ name: m.external.metricName, selector: m.external.metricSelector }),
      current: compact({ value: m.external.currentValue, averageValue: m.external.currentAverageValue }),
    };
  return out;
}

function isCPUUtilization(m: MetricSpec): boolean {
  return m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization !== undefined;
}

function parseJSON<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Stored v2 → served v1. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const spec = (asRecord(obj.spec) ?? {}) as Partial<HorizontalPodAutoscalerSpec>;
  const status = asRecord(obj.status) as Partial<HorizontalPodAutoscalerStatus> | undefined;
  const metadata = clone(obj.metadata);
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  const metrics = spec.metrics ?? [];
  // Upstream leaves the CPU utilization metric out of the annotation and re-appends it last on the
  // way back, which reorders metrics (and so their pairing with status.currentMetrics). Flotilla
  // keeps the whole list in the annotation unless the CPU metric already is last; the way back then
  // takes the CPU target from targetCPUUtilizationPercentage.
  const cpuIndex = metrics.findIndex(isCPUUtilization);
  const keepAll = cpuIndex >= 0 && cpuIndex !== metrics.length - 1;
  const other = (keepAll ? metrics : metrics.filter((m) => !isCPUUtilization(m))).map(metricSpecToV1);
  if (other.length) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(other);
  if (status?.currentMetrics?.length) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(status.currentMetrics.map(metricStatusToV1));
  if (status?.conditions?.length)
    annotations[CONDITIONS_ANNOTATION] = JSON.stringify(
      status.conditions.map((c) => compact({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message })),
    );
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  if (Object.keys(annotations).length) metadata.annotations = annotations;

  const v1spec: Partial<HorizontalPodAutoscalerSpecV1> = compact({
    scaleTargetRef: spec.scaleTargetRef ? clone(spec.scaleTargetRef) : undefined,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
  });
  // Upstream takes the first cpu Resource metric even when it has no utilization target, which loses
  // a later CPU utilization metric; Flotilla takes the first CPU utilization metric (the same one in
  // every ordinary case).
  const cpu = cpuIndex >= 0 ? metrics[cpuIndex] : undefined;
  if (cpu?.resource?.target?.averageUtilization !== undefined) v1spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;

  const out: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata };
  if (obj.spec !== undefined) out.spec = v1spec;
  if (status) {
    const v1status: Partial<HorizontalPodAutoscalerStatusV1> = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
    });
    for (const m of status.currentMetrics ?? [])
      if (m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current?.averageUtilization !== undefined)
        v1status.currentCPUUtilizationPercentage = m.resource.current.averageUtilization;
    out.status = v1status;
  }
  return out;
}

/** Served v1 → stored v2. */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const spec = (asRecord(obj.spec) ?? {}) as Partial<HorizontalPodAutoscalerSpecV1>;
  const status = asRecord(obj.status) as Partial<HorizontalPodAutoscalerStatusV1> | undefined;
  const metadata = clone(obj.metadata);
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };

  const v2spec: Partial<HorizontalPodAutoscalerSpec> = compact({
    scaleTargetRef: spec.scaleTargetRef ? clone(spec.scaleTargetRef) : undefined,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
  });
  let metrics: MetricSpec[] = [];
  if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null)
    metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }];
  const other = parseJSON<V1MetricSpec[]>(annotations[METRIC_SPECS_ANNOTATION]);
  if (Array.isArray(other)) {
    const fromAnnotation = other.map(metricSpecFromV1);
    const cpuAt = fromAnnotation.findIndex(isCPUUtilization);
    if (cpuAt >= 0) {
      // The whole list was kept (see hpaV2ToV1): the v1 field is the truth for the CPU target.
      const target = spec.targetCPUUtilizationPercentage;
      if (target === undefined || target === null) fromAnnotation.splice(cpuAt, 1);
      else fromAnnotation[cpuAt]!.resource!.target.averageUtilization = target;
      metrics = fromAnnotation;
    } else {
      metrics = [...fromAnnotation, ...metrics];
    }
    delete annotations[METRIC_SPECS_ANNOTATION];
  }
  if (metrics.length === 0)
    metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  v2spec.metrics = metrics;
  const behavior = parseJSON<HorizontalPodAutoscalerBehavior>(annotations[BEHAVIOR_ANNOTATION]);
  if (asRecord(behavior)) {
    v2spec.behavior = behavior;
    delete annotations[BEHAVIOR_ANNOTATION];
  }

  let v2status: Partial<HorizontalPodAutoscalerStatus> | undefined;
  if (status) {
    v2status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      // v2's currentReplicas is omitempty.
      currentReplicas: status.currentReplicas ? status.currentReplicas : undefined,
      desiredReplicas: status.desiredReplicas ?? 0,
    });
    if (status.currentCPUUtilizationPercentage !== undefined && status.currentCPUUtilizationPercentage !== null)
      v2status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
  }
  const current = parseJSON<V1MetricStatus[]>(annotations[METRIC_STATUSES_ANNOTATION]);
  if (Array.isArray(current)) {
    v2status ??= { desiredReplicas: 0 };
    v2status.currentMetrics = current.map(metricStatusFromV1);
    delete annotations[METRIC_STATUSES_ANNOTATION];
  }
  const conditions = parseJSON<HorizontalPodAutoscalerCondition[]>(annotations[CONDITIONS_ANNOTATION]);
  if (Array.isArray(conditions)) {
    v2status ??= { desiredReplicas: 0 };
    v2status.conditions = conditions;
    delete annotations[CONDITIONS_ANNOTATION];
  }
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;

  const out: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec: v2spec };
  if (v2status) out.status = v2status;
  return out;
}
