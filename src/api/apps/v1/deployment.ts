/** apps/v1 Deployment and ReplicaSet: typed views, defaults, validation, printer columns. */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import { defaultPodTemplateSpec, type V1PodTemplateSpec } from '../../core/v1/index.js';
import {
  AGE_COLUMN, NAME_COLUMN, ageCell, asRecord, formatLabelSelector, goIntOrString, goInvalid, intOrPercentValue, keepOtherHalf,
  resetStatus, validateNonnegative, validateNotMoreThan100Percent, validatePositiveIntOrPercent, type IntOrString, type LabelSelector,
} from '../shared/index.js';
import {
  containerCells, goLabelSelector, workloadWarnings, selectorCell, validateSelectorImmutable, validateTemplateForReplicaSet, validateWorkloadSelector,
} from './common.js';
import { DeploymentSchema, ReplicaSetSchema } from './schema.js';

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: V1PodTemplateSpec;
  strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  terminatingReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}
/** Typed view of a Deployment. */
export interface Deployment extends KubeObject {
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}
export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelector;
  template?: V1PodTemplateSpec;
}
export interface ReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  terminatingReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }[];
}
/** Typed view of a ReplicaSet. */
export interface ReplicaSet extends KubeObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}
export const asDeployment = (o: KubeObject): Deployment => o as Deployment;
export const asReplicaSet = (o: KubeObject): ReplicaSet => o as ReplicaSet;

/**
 * Upstream SetDefaults_Deployment plus the pod template's defaults: replicas 1, strategy
 * RollingUpdate with maxUnavailable/maxSurge 25%, revisionHistoryLimit 10,
 * progressDeadlineSeconds 600. Idempotent.
 */
export function defaultDeployment(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as DeploymentSpec | undefined;
  if (!spec) return;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (!asRecord(spec.strategy)) spec.strategy = {};
  const st = spec.strategy!;
  if (!st.type) st.type = 'RollingUpdate';
  if (st.type === 'RollingUpdate') {
    if (!asRecord(st.rollingUpdate)) st.rollingUpdate = {};
    const ru = st.rollingUpdate!;
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined || spec.progressDeadlineSeconds === null) spec.progressDeadlineSeconds = 600;
  if (asRecord(spec.template)) defaultPodTemplateSpec(spec.template);
}

/** ValidateDeploymentStrategy. */
export function validateDeploymentStrategy(st: DeploymentSpec['strategy'], path = 'spec.strategy'): FieldError[] {
  const s = st ?? {};
  switch (s.type) {
    case 'Recreate':
      return s.rollingUpdate ? [fieldErrors.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!ru) return [fieldErrors.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
      const p = `${path}.rollingUpdate`;
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
        ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`),
      ];
      if (intOrPercentValue(ru.maxUnavailable).value === 0 && intOrPercentValue(ru.maxSurge).value === 0)
        errs.push(goInvalid(`${p}.maxUnavailable`, ru.maxUnavailable, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      return errs;
    }
    default:
      return [fieldErrors.notSupported(path, s, ['Recreate', 'RollingUpdate'])];
  }
}

/** ValidateDeploymentSpec (apps/v1). */
export function validateDeploymentSpec(spec: DeploymentSpec | undefined): FieldError[] {
  const sp = spec ?? {};
  const errs: FieldError[] = [...validateNonnegative(sp.replicas ?? 0, 'spec.replicas')];
  const sel = validateWorkloadSelector(sp.selector, 'deployment');
  errs.push(...sel.errs);
  if (!sel.usable) errs.push(goInvalid('spec.selector', sp.selector, goLabelSelector(sp.selector), 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(sp.selector, sp.template, 'ReplicaSet'));
  errs.push(...validateDeploymentStrategy(sp.strategy));
  errs.push(...validateNonnegative(sp.minReadySeconds ?? 0, 'spec.minReadySeconds'));
  errs.push(...validateNonnegative(sp.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (sp.progressDeadlineSeconds !== undefined && sp.progressDeadlineSeconds !== null) {
    errs.push(...validateNonnegative(sp.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (sp.progressDeadlineSeconds <= (sp.minReadySeconds ?? 0))
      errs.push(fieldErrors.invalid('spec.progressDeadlineSeconds', sp.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** ValidateDeploymentStatus. */
export function validateDeploymentStatus(st: DeploymentStatus | undefined): FieldError[] {
  const s = st ?? {};
  const p = 'status';
  const errs: FieldError[] = [];
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'terminatingReplicas', 'collisionCount'] as const)
    errs.push(...validateNonnegative(s[k], `${p}.${k}`));
  const replicas = s.replicas ?? 0;
  const msg = 'cannot be greater than status.replicas';
  if ((s.updatedReplicas ?? 0) > replicas) errs.push(fieldErrors.invalid(`${p}.updatedReplicas`, s.updatedReplicas, msg));
  if ((s.readyReplicas ?? 0) > replicas) errs.push(fieldErrors.invalid(`${p}.readyReplicas`, s.readyReplicas, msg));
  if ((s.availableReplicas ?? 0) > replicas) errs.push(fieldErrors.invalid(`${p}.availableReplicas`, s.availableReplicas, msg));
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) errs.push(fieldErrors.invalid(`${p}.availableReplicas`, s.availableReplicas, 'cannot be greater than readyReplicas'));
  return errs;
}

export const deploymentStrategy: Strategy = {
  defaults: defaultDeployment,
  prepareForCreate: (obj) => resetStatus(obj),
  prepareForUpdate: keepOtherHalf,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateDeploymentStatus(asDeployment(obj).status);
    return validateDeploymentSpec(asDeployment(obj).spec);
  },
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') {
      const n = asDeployment(obj).status?.collisionCount;
      const o = asDeployment(old).status?.collisionCount;
      return n !== undefined && o !== undefined && n < o ? [fieldErrors.invalid('status.collisionCount', n, 'cannot be decremented')] : [];
    }
    if (ctx.subresource === 'scale') return [];
    return validateSelectorImmutable(asDeployment(obj).spec?.selector, asDeployment(old).spec?.selector);
  },
  warnings: workloadWarnings,
};

const CONTAINERS_COLUMN = { name: 'Containers', type: 'string', priority: 1, description: 'The names of the pod template\'s containers.' } as const;
const IMAGES_COLUMN = { name: 'Images', type: 'string', priority: 1, description: 'The images of the pod template\'s containers.' } as const;
export const WIDE_POD_TEMPLATE_COLUMNS = [CONTAINERS_COLUMN, IMAGES_COLUMN] as const;

export const deployment: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  schema: DeploymentSchema,
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  strategy: deploymentStrategy,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'Ready pods out of the desired count.' },
      { name: 'Up-to-date', type: 'string', description: 'Pods already running the deployment\'s current template.' },
      { name: 'Available', type: 'string', description: 'Pods that have been ready for at least minReadySeconds.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      { name: 'Selector', type: 'string', priority: 1, description: 'The label selector choosing the pods the deployment manages.' },
    ],
    cells(obj, now) {
      const d = asDeployment(obj);
      const [names, images] = containerCells(d.spec?.template);
      return [
        obj.metadata.name ?? '',
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        ageCell(obj, now),
        names,
        images,
        selectorCell(d.spec?.selector),
      ];
    },
  },
};

/** Upstream SetDefaults_ReplicaSet plus the pod template's defaults. Idempotent. */
export function defaultReplicaSet(obj: KubeObject): void {
  const spec = asRecord(obj.spec) as ReplicaSetSpec | undefined;
  if (!spec) return;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (asRecord(spec.template)) defaultPodTemplateSpec(spec.template);
}

/** ValidateReplicaSetSpec. */
export function validateReplicaSetSpec(spec: ReplicaSetSpec | undefined): FieldError[] {
  const sp = spec ?? {};
  const errs: FieldError[] = [
    ...validateNonnegative(sp.replicas ?? 0, 'spec.replicas'),
    ...validateNonnegative(sp.minReadySeconds ?? 0, 'spec.minReadySeconds'),
  ];
  // Upstream's message says "deployment" here too.
  const sel = validateWorkloadSelector(sp.selector, 'deployment');
  errs.push(...sel.errs);
  if (!sel.usable) errs.push(goInvalid('spec.selector', sp.selector, goLabelSelector(sp.selector), 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(sp.selector, sp.template, 'ReplicaSet'));
  return errs;
}

/** ValidateReplicaSetStatus. */
export function validateReplicaSetStatus(st: ReplicaSetStatus | undefined): FieldError[] {
  const s = st ?? {};
  const errs: FieldError[] = [];
  for (const k of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'terminatingReplicas', 'observedGeneration'] as const)
    errs.push(...validateNonnegative(s[k], `status.${k}`));
  const replicas = s.replicas ?? 0;
  const msg = 'cannot be greater than status.replicas';
  if ((s.fullyLabeledReplicas ?? 0) > replicas) errs.push(fieldErrors.invalid('status.fullyLabeledReplicas', s.fullyLabeledReplicas, msg));
  if ((s.readyReplicas ?? 0) > replicas) errs.push(fieldErrors.invalid('status.readyReplicas', s.readyReplicas, msg));
  if ((s.availableReplicas ?? 0) > replicas) errs.push(fieldErrors.invalid('status.availableReplicas', s.availableReplicas, msg));
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) errs.push(fieldErrors.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  return errs;
}

export const replicaSet: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  schema: ReplicaSetSchema,
  /** Upstream's ReplicaSetToSelectableFields. */
  fieldSelectors: { 'status.replicas': (obj) => String(asReplicaSet(obj).status?.replicas ?? 0) },
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  strategy: {
    defaults: defaultReplicaSet,
    prepareForCreate: (obj) => resetStatus(obj, { replicas: 0 }),
    prepareForUpdate: keepOtherHalf,
    validate: (obj, ctx) => (ctx.subresource === 'status' ? validateReplicaSetStatus(asReplicaSet(obj).status) : validateReplicaSetSpec(asReplicaSet(obj).spec)),
    validateUpdate: (obj, old, ctx) =>
      ctx.subresource === '' ? validateSelectorImmutable(asReplicaSet(obj).spec?.selector, asReplicaSet(old).spec?.selector) : [],
    warnings: workloadWarnings,
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'The replica count the replica set asks for.' },
      { name: 'Current', type: 'integer', description: 'Pods the replica set owns now (status.replicas).' },
      { name: 'Ready', type: 'integer', description: 'The replica set\'s pods that are ready.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      { name: 'Selector', type: 'string', priority: 1, description: 'The label selector choosing the pods the replica set counts.' },
    ],
    cells(obj, now) {
      const r = asReplicaSet(obj);
      const [names, images] = containerCells(r.spec?.template);
      return [obj.metadata.name ?? '', r.spec?.replicas ?? 0, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0, ageCell(obj, now), names, images, formatLabelSelector(r.spec?.selector)];
    },
  },
};
