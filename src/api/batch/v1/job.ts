/** batch/v1 Job: typed view, defaults, selector generation, validation, printer columns. */
import { OMIT_VALUE, fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../types.js';
import { isDNS1123Label, isQualifiedName } from '../../validation/names.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec, type V1PodTemplateSpec } from '../../core/v1/index.js';
import {
  AGE_COLUMN, NAME_COLUMN, ageCell, asRecord, clone, formatLabelSelector, goInvalid, goStringMap, humanDurationMs, isConvertibleSelector, jsonEqual, selectorMatches,
  keepOtherHalf, validateLabelSelector, validateNonnegative, type LabelSelector,
} from '../../apps/shared/index.js';
import { containerCells, goLabelSelector, podNameWarnings, templateWarnings, validateTemplateMatchesSelector } from '../../apps/v1/index.js';
import { JobSchema } from './schema.js';

export interface PodFailurePolicyRule {
  action?: string;
  onExitCodes?: { containerName?: string; operator?: string; values?: number[] };
  onPodConditions?: { type?: string; status?: string }[];
}
export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  podFailurePolicy?: { rules?: PodFailurePolicyRule[] };
  successPolicy?: { rules?: { succeededIndexes?: string; succeededCount?: number }[] };
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  selector?: LabelSelector;
  manualSelector?: boolean;
  template?: V1PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: string;
  suspend?: boolean;
  podReplacementPolicy?: string;
  managedBy?: string;
}
export interface JobCondition {
  type: string;
  status: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  ready?: number;
}
/** Typed view of a Job. */
export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}
export const asJob = (o: KubeObject): Job => o as Job;

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
const MAX_INT32 = 2147483647;

/**
 * Upstream SetDefaults_JobSpec part shared by Jobs (not job templates): completions/parallelism 1
 * when both unset, parallelism 1, backoffLimit 6 (MaxInt32 with backoffLimitPerIndex),
 * completionMode NonIndexed, suspend false, onPodConditions status True, podReplacementPolicy
 * (Failed with a podFailurePolicy, else TerminatingOrFailed), plus pod template defaults.
 */
export function defaultJobSpec(spec: JobSpec): void {
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (spec.parallelism == null) spec.parallelism = 1;
  if (spec.backoffLimit == null) spec.backoffLimit = spec.backoffLimitPerIndex != null ? MAX_INT32 : 6;
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  if (spec.suspend == null) spec.suspend = false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const p of rule?.onPodConditions ?? []) if (asRecord(p) && !p.status) p.status = 'True';
  if (!spec.podReplacementPolicy) spec.podReplacementPolicy = spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (asRecord(spec.template)) defaultPodTemplateSpec(spec.template);
}

/** Upstream SetDefaults_Job: the spec defaults, and the Job's labels from the template's when it has none. */
export function defaultJob(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as JobSpec | undefined;
  if (!spec) return;
  defaultJobSpec(spec);
  copyTemplateLabels(obj, spec);
}

function copyTemplateLabels(obj: KubeObject, spec: JobSpec): void {
  const tplLabels = spec.template?.metadata?.labels;
  if (tplLabels && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...tplLabels };
}

/**
 * The Job strategy's generateSelector (unless manualSelector is true): template labels
 * `batch.kubernetes.io/controller-uid`, `controller-uid` (the Job's uid), `batch.kubernetes.io/job-name`,
 * `job-name`, and selector `batch.kubernetes.io/controller-uid=<uid>`. Needs metadata.uid and
 * metadata.name to be final (the apiserver assigns both before prepareForCreate).
 */
export function generateJobSelector(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as JobSpec | undefined;
  if (!spec || spec.manualSelector === true) return;
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  if (!asRecord(spec.template)) spec.template = {};
  const tpl = spec.template!;
  tpl.metadata ??= {};
  const labels = (tpl.metadata.labels ??= {});
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  if (!asRecord(spec.selector)) spec.selector = {};
  const ml = (spec.selector!.matchLabels ??= {});
  if (!(CONTROLLER_UID_LABEL in ml)) ml[CONTROLLER_UID_LABEL] = uid;
}

const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
/** Go's %q of a []string: `["a" "b"]`. */
const goQ = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

function validatePodFailurePolicy(spec: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.podFailurePolicy?.rules ?? [];
  if (rules.length > 20) errs.push(fieldErrors.tooMany(`${path}.rules`, rules.length, 20));
  const names = new Set([...(spec.template?.spec?.containers ?? []), ...(spec.template?.spec?.initContainers ?? [])].map((c) => c.name));
  rules.forEach((rule, i) => {
    const rp = `${path}.rules[${i}]`;
    if (!rule.action) errs.push(fieldErrors.required(`${rp}.action`, `valid values: ${goQ(POD_FAILURE_ACTIONS)}`));
    else if (rule.action === 'FailIndex') {
      if (spec.backoffLimitPerIndex == null) errs.push(fieldErrors.invalid(`${rp}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_ACTIONS.includes(rule.action)) errs.push(fieldErrors.notSupported(`${rp}.action`, rule.action, POD_FAILURE_ACTIONS));
    const ec = rule.onExitCodes;
    if (ec) {
      const p = `${rp}.onExitCodes`;
      if (!ec.operator) errs.push(fieldErrors.required(`${p}.operator`, `valid values: ${goQ(EXIT_CODE_OPERATORS)}`));
      else if (!EXIT_CODE_OPERATORS.includes(ec.operator)) errs.push(fieldErrors.notSupported(`${p}.operator`, ec.operator, EXIT_CODE_OPERATORS));
      if (ec.containerName !== undefined && !names.has(ec.containerName))
        errs.push(fieldErrors.invalid(`${p}.containerName`, ec.containerName, 'must be one of the container or initContainer names in the pod template'));
      const values = ec.values ?? [];
      if (values.length === 0) errs.push(fieldErrors.invalid(`${p}.values`, values, 'at least one value is required'));
      else if (values.length > 255) errs.push(fieldErrors.tooMany(`${p}.values`, values.length, 255));
      else {
        const seen = new Set<number>();
        let ordered = true;
        values.forEach((v, j) => {
          if (ec.operator === 'In' && v === 0) errs.push(fieldErrors.invalid(`${p}.values[${j}]`, v, 'must not be 0 for the In operator'));
          if (seen.has(v)) errs.push(fieldErrors.duplicate(`${p}.values[${j}]`, v));
          else seen.add(v);
          if (j > 0 && values[j - 1]! > v) ordered = false;
        });
        if (!ordered) errs.push(fieldErrors.invalid(`${p}.values`, values, 'must be ordered'));
      }
    }
    const pcs = rule.onPodConditions ?? [];
    if (pcs.length > 20) errs.push(fieldErrors.tooMany(`${rp}.onPodConditions`, pcs.length, 20));
    pcs.forEach((pc, j) => {
      const p = `${rp}.onPodConditions[${j}]`;
      for (const m of isQualifiedName(pc.type ?? '')) errs.push(fieldErrors.invalid(`${p}.type`, pc.type ?? '', m));
      if (!pc.status) errs.push(fieldErrors.required(`${p}.status`, `valid values: ${goQ(CONDITION_STATUSES)}`));
      else if (!CONDITION_STATUSES.includes(pc.status)) errs.push(fieldErrors.notSupported(`${p}.status`, pc.status, CONDITION_STATUSES));
    });
    if (ec && pcs.length > 0) errs.push(fieldErrors.invalid(rp, OMIT_VALUE, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!ec && pcs.length === 0) errs.push(fieldErrors.invalid(rp, OMIT_VALUE, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

/**
 * Upstream's inner validateJobSpec (shared by Jobs and CronJob job templates), rooted at `path`
 * (`spec` or `spec.jobTemplate.spec`).
 */
export function validateJobSpecFields(spec: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonnegative(spec.parallelism, `${path}.parallelism`));
  errs.push(...validateNonnegative(spec.completions, `${path}.completions`));
  errs.push(...validateNonnegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`));
  errs.push(...validateNonnegative(spec.backoffLimit, `${path}.backoffLimit`));
  errs.push(...validateNonnegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  errs.push(...validateNonnegative(spec.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`));
  if (spec.maxFailedIndexes != null) {
    errs.push(...validateNonnegative(spec.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (spec.backoffLimitPerIndex == null) errs.push(fieldErrors.required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (spec.managedBy != null) {
    const mb = spec.managedBy;
    const slash = mb.indexOf('/');
    if (!mb) errs.push(fieldErrors.required(`${path}.managedBy`));
    else if (slash <= 0 || slash === mb.length - 1) errs.push(fieldErrors.invalid(`${path}.managedBy`, mb, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    if (mb.length > 63) errs.push(fieldErrors.tooLong(`${path}.managedBy`, mb, 63));
  }
  const mode = spec.completionMode;
  if (mode != null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fieldErrors.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (spec.completions == null) errs.push(fieldErrors.required(`${path}.completions`, 'when completion mode is Indexed'));
      if (spec.parallelism != null && spec.parallelism > 100000)
        errs.push(fieldErrors.invalid(`${path}.parallelism`, spec.parallelism, 'must be less than or equal to 100000 when completion mode is Indexed'));
      if (spec.completions != null && spec.maxFailedIndexes != null && spec.maxFailedIndexes > spec.completions)
        errs.push(fieldErrors.invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be less than or equal to completions'));
      if (spec.maxFailedIndexes != null && spec.maxFailedIndexes > 100000)
        errs.push(fieldErrors.invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be less than or equal to 100000'));
      if (spec.completions != null && spec.backoffLimitPerIndex != null && spec.completions > 100000)
        errs.push(fieldErrors.invalid(`${path}.completions`, spec.completions, 'must be less than or equal to 100000 when backoffLimitPerIndex is specified'));
    }
  }
  if (mode == null || mode === 'NonIndexed') {
    if (spec.backoffLimitPerIndex != null) errs.push(fieldErrors.invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes != null) errs.push(fieldErrors.invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.podFailurePolicy) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  if (spec.successPolicy) {
    const p = `${path}.successPolicy`;
    if (mode !== 'Indexed') errs.push(fieldErrors.invalid(`${path}.completionMode`, mode ?? '', 'requires indexed completion mode'));
    const rules = spec.successPolicy.rules ?? [];
    if (rules.length === 0) errs.push(fieldErrors.required(`${p}.rules`, 'at least one rules must be specified when the successPolicy is specified'));
    rules.forEach((r, i) => {
      if (r.succeededCount == null && r.succeededIndexes == null)
        errs.push(fieldErrors.required(`${p}.rules[${i}]`, 'at least one of succeededCount or succeededIndexes must be specified'));
      if (r.succeededCount != null && r.succeededCount < 1) errs.push(fieldErrors.invalid(`${p}.rules[${i}].succeededCount`, r.succeededCount, 'must be greater than or equal to 1'));
      if (r.succeededCount != null && spec.completions != null && r.succeededCount > spec.completions)
        errs.push(fieldErrors.invalid(`${p}.rules[${i}].succeededCount`, r.succeededCount, `must be less than or equal to ${spec.completions} (the number of specified completions)`));
    });
  }
  if (spec.podReplacementPolicy != null) {
    const prp = spec.podReplacementPolicy;
    if (spec.podFailurePolicy) {
      if (prp !== 'Failed') errs.push(fieldErrors.notSupported(`${path}.podReplacementPolicy`, prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed')
      errs.push(fieldErrors.notSupported(`${path}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']));
  }
  errs.push(...validatePodTemplateSpec(spec.template ?? {}, `${path}.template`));
  const rp = spec.template?.spec?.restartPolicy ?? '';
  const rpPath = `${path}.template.spec.restartPolicy`;
  if (rp === 'Always' || rp === '') errs.push(fieldErrors.required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(fieldErrors.notSupported(rpPath, rp, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy && rp !== 'Never') errs.push(fieldErrors.invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

/** ValidateJob (without generic metadata): generated-selector checks, the spec, selector vs labels. */
export function validateJob(job: Job): FieldError[] {
  const spec = job.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.manualSelector !== true && spec.selector) {
    // validateGeneratedSelector (with RequirePrefixedLabels, as for every new object).
    const uid = job.metadata.uid ?? '';
    const name = job.metadata.name ?? '';
    if (!uid) errs.push(fieldErrors.required('metadata.uid'));
    const labels = spec.template?.metadata?.labels;
    const hasLabel = (key: string, want: string) => {
      const p = `spec.template.metadata.labels[${key}]`;
      if (!labels || !(key in labels)) errs.push(fieldErrors.required(p, want));
      else if (labels[key] !== want) errs.push(goInvalid(p, labels, goStringMap(labels), `must be '${want}'`));
    };
    hasLabel(CONTROLLER_UID_LABEL, uid);
    hasLabel(JOB_NAME_LABEL, name);
    hasLabel(LEGACY_CONTROLLER_UID_LABEL, uid);
    hasLabel(LEGACY_JOB_NAME_LABEL, name);
    const expected = { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name };
    if (isConvertibleSelector(spec.selector) && !selectorMatches(spec.selector, expected))
      errs.push(goInvalid('spec.selector', spec.selector, goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  errs.push(...validateJobSpecFields(spec, 'spec'));
  if (!spec.selector) errs.push(fieldErrors.required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (isConvertibleSelector(spec.selector)) errs.push(...validateTemplateMatchesSelector(spec.selector, spec.template));
  if (spec.completionMode === 'Indexed' && spec.completions != null && spec.completions > 0) {
    const host = `${job.metadata.name ?? ''}-${spec.completions - 1}`;
    if (isDNS1123Label(host).length > 0)
      errs.push(fieldErrors.invalid('metadata.name', job.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${host}`));
  }
  return errs;
}

/** ValidateJobSpecUpdate's immutability rules. */
export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const n = job.spec ?? {};
  const o = old.spec ?? {};
  const errs: FieldError[] = [];
  const immutable = (field: keyof JobSpec, render?: (v: unknown) => string) => {
    if (!jsonEqual(n[field] ?? null, o[field] ?? null)) {
      const v = n[field];
      errs.push(render ? goInvalid(`spec.${field}`, v, render(v), 'field is immutable') : fieldErrors.invalid(`spec.${field}`, v ?? null, 'field is immutable'));
    }
  };
  immutable('completions');
  immutable('selector', (v) => goLabelSelector(v as LabelSelector | undefined));
  // Template: immutable, except scheduling directives while the job is suspended and never started.
  let oldTpl: V1PodTemplateSpec | undefined = o.template;
  if (o.suspend === true && !old.status?.startTime && n.template && o.template) {
    const t = clone(o.template);
    t.metadata ??= {};
    t.spec ??= {};
    const nt = n.template;
    t.metadata.labels = nt.metadata?.labels;
    t.metadata.annotations = nt.metadata?.annotations;
    t.spec.nodeSelector = nt.spec?.nodeSelector;
    t.spec.tolerations = nt.spec?.tolerations;
    (t.spec as Record<string, unknown>).schedulingGates = (nt.spec as Record<string, unknown> | undefined)?.schedulingGates;
    const na = nt.spec?.affinity as Record<string, unknown> | undefined;
    const oa = t.spec.affinity as Record<string, unknown> | undefined;
    if (!na && oa) {
      delete oa.nodeAffinity;
      if (Object.keys(oa).length === 0) delete t.spec.affinity;
    } else if (na) t.spec.affinity = { ...(oa ?? {}), nodeAffinity: na.nodeAffinity } as typeof t.spec.affinity;
    oldTpl = t;
  }
  if (!jsonEqual(n.template ?? null, oldTpl ?? null)) errs.push(goInvalid('spec.template', n.template, 'core.PodTemplateSpec{...}', 'field is immutable'));
  immutable('completionMode');
  immutable('podFailurePolicy');
  immutable('backoffLimitPerIndex');
  immutable('managedBy');
  immutable('successPolicy');
  return errs;
}

function hasCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Upstream's WarningsForJobSpec: the Indexed-Job soft limits and the pod template's warnings. */
export function jobSpecWarnings(spec: JobSpec | undefined, old: JobSpec | undefined, path: string, isUpdate: boolean): string[] {
  const w: string[] = [];
  if (spec?.completionMode === 'Indexed' && (spec.completions ?? 0) > 100000 && (spec.parallelism ?? 0) > 10000)
    w.push(`${path}: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail`);
  w.push(...templateWarnings(spec?.template, old?.template, `${path}.template`, isUpdate));
  return w;
}

/** printers.go printJob's STATUS column. */
export function jobStatusCell(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export function jobCompletionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`;
  const par = job.spec?.parallelism ?? 0;
  return par > 1 ? `${succeeded}/1 of ${par}` : `${succeeded}/1`;
}

export function jobDurationCell(job: Job, now: Date): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDurationMs(end - start);
}

export const job: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  schema: JobSchema,
  /** Upstream's JobToSelectableFields. */
  fieldSelectors: { 'status.successful': (obj) => String(asJob(obj).status?.succeeded ?? 0) },
  subresources: { status: true },
  strategy: {
    defaults: defaultJob,
    prepareForCreate(obj: KubeObject) {
      generateJobSelector(obj);
      obj.status = {};
      // Upstream re-applies defaults when reading from storage, so a Job without labels shows the
      // (generated) template labels; do it once here.
      const spec = asRecord(obj.spec) as JobSpec | undefined;
      if (spec) copyTemplateLabels(obj, spec);
    },
    prepareForUpdate: keepOtherHalf,
    validate(obj: KubeObject, ctx: StrategyContext) {
      if (ctx.subresource === 'status') {
        const st = asJob(obj).status ?? {};
        const errs: FieldError[] = [];
        for (const k of ['active', 'succeeded', 'failed', 'ready', 'terminating'] as const) errs.push(...validateNonnegative(st[k], `status.${k}`));
        return errs;
      }
      return validateJob(asJob(obj));
    },
    validateUpdate: (obj, old, ctx) => (ctx.subresource === '' ? validateJobUpdate(asJob(obj), asJob(old)) : []),
    warnings(obj, old) {
      const j = asJob(obj);
      return [...(old ? [] : podNameWarnings(obj.metadata.name)), ...jobSpecWarnings(j.spec, old ? asJob(old).spec : undefined, 'spec', old !== undefined)];
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Status', type: 'string', description: 'Running, Complete, Failed, Suspended, or another state derived from the conditions.' },
      { name: 'Completions', type: 'string', description: 'Succeeded pods out of the completions wanted.' },
      { name: 'Duration', type: 'string', description: 'How long the job ran (or has been running).' },
      AGE_COLUMN,
      { name: 'Containers', type: 'string', priority: 1, description: 'The names of the pod template\'s containers.' },
      { name: 'Images', type: 'string', priority: 1, description: 'The images of the pod template\'s containers.' },
      { name: 'Selector', type: 'string', priority: 1, description: 'The label selector choosing the job\'s pods.' },
    ],
    cells(obj, now) {
      const j = asJob(obj);
      const [names, images] = containerCells(j.spec?.template);
      return [obj.metadata.name ?? '', jobStatusCell(j), jobCompletionsCell(j), jobDurationCell(j, now), ageCell(obj, now), names, images, formatLabelSelector(j.spec?.selector)];
    },
  },
};
