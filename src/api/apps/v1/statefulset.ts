/** apps/v1 StatefulSet and DaemonSet: typed views, defaults, validation, printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec, type V1PodTemplateSpec } from '../../core/v1/index.js';
import {
  AGE_COLUMN, NAME_COLUMN, ageCell, asRecord, clone, formatLabelSelector, goInvalid, intOrPercentValue, goIntOrString, jsonEqual,
  keepOtherHalf, resetStatus, validateLabelSelector, validateNonnegative, validateNotMoreThan100Percent, validatePositiveIntOrPercent,
  isConvertibleSelector, type IntOrString, type LabelSelector,
} from '../shared/index.js';
import {
  containerCells, goLabelSelector, workloadWarnings, selectorCell, validateSelectorImmutable, validateTemplateMatchesSelector, validateWorkloadSelector,
} from './common.js';
import { WIDE_POD_TEMPLATE_COLUMNS } from './deployment.js';
import { DaemonSetSchema, StatefulSetSchema } from './schema.js';

export interface StatefulSetSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: V1PodTemplateSpec;
  volumeClaimTemplates?: { metadata?: { name?: string }; spec?: Record<string, unknown> }[];
  serviceName?: string;
  podManagementPolicy?: string;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: IntOrString } };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  ordinals?: { start?: number };
}
export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }[];
}
/** Typed view of a StatefulSet. */
export interface StatefulSet extends KubeObject {
  spec?: StatefulSetSpec;
  status?: StatefulSetStatus;
}
export interface DaemonSetSpec {
  selector?: LabelSelector;
  template?: V1PodTemplateSpec;
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}
export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }[];
}
/** Typed view of a DaemonSet. */
export interface DaemonSet extends KubeObject {
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}
export const asStatefulSet = (o: KubeObject): StatefulSet => o as StatefulSet;
export const asDaemonSet = (o: KubeObject): DaemonSet => o as DaemonSet;

/**
 * Upstream SetDefaults_StatefulSet: podManagementPolicy OrderedReady, updateStrategy RollingUpdate
 * with partition 0, persistentVolumeClaimRetentionPolicy Retain/Retain, replicas 1,
 * revisionHistoryLimit 10, plus the pod template's defaults. Idempotent.
 */
export function defaultStatefulSet(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as StatefulSetSpec | undefined;
  if (!spec) return;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  if (!asRecord(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy!;
  if (!us.type) {
    us.type = 'RollingUpdate';
    if (!asRecord(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && asRecord(us.rollingUpdate)) {
    if (us.rollingUpdate!.partition === undefined || us.rollingUpdate!.partition === null) us.rollingUpdate!.partition = 0;
  }
  if (!asRecord(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  const rp = spec.persistentVolumeClaimRetentionPolicy!;
  if (!rp.whenDeleted) rp.whenDeleted = 'Retain';
  if (!rp.whenScaled) rp.whenScaled = 'Retain';
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (asRecord(spec.template)) defaultPodTemplateSpec(spec.template);
}

const RETENTION = ['Retain', 'Delete'];

/**
 * The pod template as a StatefulSet's pods see it: volumeClaimTemplates become
 * persistentVolumeClaim volumes (appended, so user volume indexes are unchanged), so mounts of claim
 * volumes resolve when the pod spec is validated.
 */
function templateWithClaims(spec: StatefulSetSpec): V1PodTemplateSpec | undefined {
  if (!spec.template) return undefined;
  const tpl = clone(spec.template);
  const claims = (spec.volumeClaimTemplates ?? []).map((c) => c?.metadata?.name).filter((n): n is string => !!n);
  if (claims.length && tpl.spec) {
    const have = new Set((tpl.spec.volumes ?? []).map((v) => v.name));
    const extra = claims.filter((n) => !have.has(n)).map((n) => ({ name: n, persistentVolumeClaim: { claimName: n } }));
    if (extra.length) tpl.spec.volumes = [...(tpl.spec.volumes ?? []), ...extra] as typeof tpl.spec.volumes;
  }
  return tpl;
}

/** ValidateStatefulSetSpec. */
export function validateStatefulSetSpec(spec: StatefulSetSpec | undefined): FieldError[] {
  const sp = spec ?? {};
  const errs: FieldError[] = [];
  const pmp = sp.podManagementPolicy ?? '';
  if (pmp === '') errs.push(fieldErrors.required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(fieldErrors.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = sp.updateStrategy ?? {};
  switch (us.type ?? '') {
    case '':
      errs.push(fieldErrors.required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(fieldErrors.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate': {
      const ru = us.rollingUpdate;
      if (ru) {
        const p = 'spec.updateStrategy.rollingUpdate';
        errs.push(...validateNonnegative(ru.partition ?? 0, `${p}.partition`));
        if (ru.maxUnavailable !== undefined) {
          errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
          if (intOrPercentValue(ru.maxUnavailable).value === 0) errs.push(goInvalid(`${p}.maxUnavailable`, ru.maxUnavailable, goIntOrString(ru.maxUnavailable), 'cannot be 0'));
          errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
        }
      }
      break;
    }
    default:
      errs.push(fieldErrors.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const rp = sp.persistentVolumeClaimRetentionPolicy;
  if (rp) {
    if (!RETENTION.includes(rp.whenDeleted ?? '')) errs.push(fieldErrors.notSupported('spec.persistentVolumeClaimRetentionPolicy.whenDeleted', rp.whenDeleted ?? '', RETENTION));
    if (!RETENTION.includes(rp.whenScaled ?? '')) errs.push(fieldErrors.notSupported('spec.persistentVolumeClaimRetentionPolicy.whenScaled', rp.whenScaled ?? '', RETENTION));
  }
  errs.push(...validateNonnegative(sp.replicas ?? 0, 'spec.replicas'));
  errs.push(...validateNonnegative(sp.minReadySeconds ?? 0, 'spec.minReadySeconds'));
  if (sp.ordinals) errs.push(...validateNonnegative(sp.ordinals.start ?? 0, 'spec.ordinals.start'));
  const sel = validateWorkloadSelector(sp.selector, 'statefulset');
  errs.push(...sel.errs);
  if (!sel.usable) errs.push(goInvalid('spec.selector', sp.selector, goLabelSelector(sp.selector), ''));
  else if (!sp.template) errs.push(fieldErrors.required('spec.template'));
  else {
    errs.push(...validateTemplateMatchesSelector(sp.selector, sp.template));
    errs.push(...validatePodTemplateSpec(templateWithClaims(sp), 'spec.template'));
  }
  const rpol = sp.template?.spec?.restartPolicy ?? '';
  if (rpol !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', rpol, ['Always']));
  if (sp.template?.spec?.activeDeadlineSeconds != null)
    errs.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  return errs;
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'] as const;

/** ValidateStatefulSetUpdate's immutability rule. */
export function validateStatefulSetUpdate(obj: StatefulSet, old: StatefulSet): FieldError[] {
  const a: Record<string, unknown> = { ...(obj.spec ?? {}) };
  const b: Record<string, unknown> = { ...(old.spec ?? {}) };
  for (const k of STS_MUTABLE) {
    delete a[k];
    delete b[k];
  }
  if (jsonEqual(a, b)) return [];
  return [
    fieldErrors.forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

/** ValidateStatefulSetStatus. */
export function validateStatefulSetStatus(st: StatefulSetStatus | undefined): FieldError[] {
  const s = st ?? {};
  const errs: FieldError[] = [];
  for (const k of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'] as const)
    errs.push(...validateNonnegative(s[k], `status.${k}`));
  const replicas = s.replicas ?? 0;
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'] as const)
    if ((s[k] ?? 0) > replicas) errs.push(fieldErrors.invalid(`status.${k}`, s[k], msg));
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) errs.push(fieldErrors.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than status.readyReplicas'));
  return errs;
}

export const statefulSet: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  schema: StatefulSetSchema,
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  strategy: {
    defaults: defaultStatefulSet,
    prepareForCreate: (obj) => resetStatus(obj, { replicas: 0, availableReplicas: 0 }),
    prepareForUpdate: keepOtherHalf,
    validate: (obj, ctx) => (ctx.subresource === 'status' ? validateStatefulSetStatus(asStatefulSet(obj).status) : validateStatefulSetSpec(asStatefulSet(obj).spec)),
    validateUpdate: (obj, old, ctx) => (ctx.subresource === 'status' ? [] : validateStatefulSetUpdate(asStatefulSet(obj), asStatefulSet(old))),
    warnings: workloadWarnings,
  },
  table: {
    columns: [NAME_COLUMN, { name: 'Ready', type: 'string', description: 'Ready pods out of the desired count.' }, AGE_COLUMN, ...WIDE_POD_TEMPLATE_COLUMNS],
    cells(obj, now) {
      const s = asStatefulSet(obj);
      const [names, images] = containerCells(s.spec?.template);
      return [obj.metadata.name ?? '', `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`, ageCell(obj, now), names, images];
    },
  },
};

/**
 * Upstream SetDefaults_DaemonSet: updateStrategy RollingUpdate with maxUnavailable 1 and maxSurge 0,
 * revisionHistoryLimit 10, plus the pod template's defaults. Idempotent.
 */
export function defaultDaemonSet(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as DaemonSetSpec | undefined;
  if (!spec) return;
  if (!asRecord(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy!;
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    if (!asRecord(us.rollingUpdate)) us.rollingUpdate = {};
    const ru = us.rollingUpdate!;
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = 1;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = 0;
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (asRecord(spec.template)) defaultPodTemplateSpec(spec.template);
}

/** ValidateDaemonSetSpec. */
export function validateDaemonSetSpec(spec: DaemonSetSpec | undefined): FieldError[] {
  const sp = spec ?? {};
  const errs: FieldError[] = [...validateLabelSelector(sp.selector, 'spec.selector')];
  if (isConvertibleSelector(sp.selector)) errs.push(...validateTemplateMatchesSelector(sp.selector, sp.template));
  if (sp.selector && Object.keys(sp.selector.matchLabels ?? {}).length + (sp.selector.matchExpressions ?? []).length === 0)
    errs.push(goInvalid('spec.selector', sp.selector, goLabelSelector(sp.selector), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(sp.template ?? {}, 'spec.template'));
  const rp = sp.template?.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  const ads = sp.template?.spec?.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) errs.push(fieldErrors.invalid('spec.template.spec.activeDeadlineSeconds', ads, 'activeDeadlineSeconds must be nil for daemons'));
  errs.push(...validateNonnegative(sp.minReadySeconds ?? 0, 'spec.minReadySeconds'));
  const us = sp.updateStrategy ?? {};
  if (us.type === 'RollingUpdate') {
    const ru = us.rollingUpdate;
    if (!ru) errs.push(fieldErrors.required('spec.updateStrategy.rollingUpdate'));
    else {
      const p = 'spec.updateStrategy.rollingUpdate';
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validateNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
      const hasU = intOrPercentValue(ru.maxUnavailable).value !== 0;
      const hasS = intOrPercentValue(ru.maxSurge).value !== 0;
      if (hasU && hasS) errs.push(goInvalid(`${p}.maxSurge`, ru.maxSurge, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      else if (!hasU && !hasS) errs.push(fieldErrors.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    }
  } else if (us.type !== 'OnDelete') {
    errs.push(fieldErrors.notSupported('spec.updateStrategy', us, ['RollingUpdate', 'OnDelete']));
  }
  errs.push(...validateNonnegative(sp.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

/** ValidateDaemonSetStatus. */
export function validateDaemonSetStatus(st: DaemonSetStatus | undefined): FieldError[] {
  const s = st ?? {};
  const errs: FieldError[] = [];
  for (const k of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'] as const)
    errs.push(...validateNonnegative(s[k], `status.${k}`));
  return errs;
}

/** labels.FormatLabels: `k=v,...` sorted by key, `<none>` when empty. */
export function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

export const daemonSet: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  schema: DaemonSetSchema,
  subresources: { status: true },
  strategy: {
    defaults: defaultDaemonSet,
    prepareForCreate: (obj) => resetStatus(obj, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
    prepareForUpdate: keepOtherHalf,
    validate: (obj, ctx) => (ctx.subresource === 'status' ? validateDaemonSetStatus(asDaemonSet(obj).status) : validateDaemonSetSpec(asDaemonSet(obj).spec)),
    validateUpdate: (obj, old, ctx) => (ctx.subresource === '' ? validateSelectorImmutable(asDaemonSet(obj).spec?.selector, asDaemonSet(old).spec?.selector) : []),
    warnings: workloadWarnings,
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'Nodes that should run a daemon pod.' },
      { name: 'Current', type: 'integer', description: 'Nodes that run a daemon pod and should.' },
      { name: 'Ready', type: 'integer', description: 'Nodes whose daemon pod is ready.' },
      { name: 'Up-to-date', type: 'integer', description: 'Nodes running the daemon set\'s current template.' },
      { name: 'Available', type: 'integer', description: 'Nodes whose daemon pod has been ready for at least minReadySeconds.' },
      { name: 'Node Selector', type: 'string', description: 'The node selector of the daemon set\'s pod template.' },
      AGE_COLUMN,
      ...WIDE_POD_TEMPLATE_COLUMNS,
      { name: 'Selector', type: 'string', priority: 1, description: 'The label selector choosing the pods the daemon set manages.' },
    ],
    cells(obj, now) {
      const d = asDaemonSet(obj);
      const st = d.status ?? {};
      const [names, images] = containerCells(d.spec?.template);
      return [
        obj.metadata.name ?? '',
        st.desiredNumberScheduled ?? 0,
        st.currentNumberScheduled ?? 0,
        st.numberReady ?? 0,
        st.updatedNumberScheduled ?? 0,
        st.numberAvailable ?? 0,
        formatLabels(d.spec?.template?.spec?.nodeSelector),
        ageCell(obj, now),
        names,
        images,
        formatLabelSelector(d.spec?.selector),
      ];
    },
  },
};

export { selectorCell };
