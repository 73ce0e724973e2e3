/** core/v1 ReplicationController, PodTemplate and Binding. */
import { s } from '../../schema/index.js';
import { Condition, kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { BindingSchema, PodTemplateSchema, PodTemplateSpec } from './pod-schema.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import type { V1PodTemplateSpec } from './pod-types.js';
import { validatePodTemplateSpec } from './pod-validation.js';
import { podTemplateWarnings } from './pod-warnings.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, formatLabels } from './table-util.js';
import {
  type Errs,
  FieldPath,
  forbidden,
  invalid,
  notSupported,
  required,
  validateLabels,
  validateNonnegative,
} from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

export const ReplicationControllerSchema = kindSchema(
  `${CORE}.ReplicationController`,
  { group: '', version: 'v1', kind: 'ReplicationController' },
  {
    spec: s.object(
      {
        replicas: s.int32({ description: 'The number of desired replicas. Defaults to 1.' }),
        minReadySeconds: s.int32({ description: 'Minimum number of seconds for which a newly created pod should be ready to be considered available.' }),
        selector: s.map(s.string(), { 'x-kubernetes-map-type': 'atomic', description: 'A label query over pods that should match the Replicas count.' }),
        template: { ...PodTemplateSpec },
      },
      { id: `${CORE}.ReplicationControllerSpec` },
    ),
    status: s.object(
      {
        replicas: s.int32({ description: 'The most recently observed number of replicas.' }),
        fullyLabeledReplicas: s.int32(),
        readyReplicas: s.int32(),
        availableReplicas: s.int32(),
        observedGeneration: s.int64(),
        conditions: s.array(
          { ...Condition, id: `${CORE}.ReplicationControllerCondition`, required: ['type', 'status'] },
          { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] },
        ),
      },
      { id: `${CORE}.ReplicationControllerStatus`, required: ['replicas'] },
    ),
  },
  {},
);

interface V1ReplicationController extends KubeObject {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: Record<string, string>; template?: V1PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}
const asRC = (o: KubeObject) => o as V1ReplicationController;

/** SetDefaults_ReplicationController: selector and labels from the template's labels, replicas 1. */
export function defaultReplicationController(rc: V1ReplicationController): void {
  const spec = (rc.spec ??= {});
  const labels = spec.template?.metadata?.labels;
  if (labels) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
  }
  if (spec.replicas == null) spec.replicas = 1;
  defaultPodTemplateSpec(spec.template);
}

/** ValidateReplicationControllerSpec. */
export function validateReplicationController(rc: V1ReplicationController): Errs {
  const errs: Errs = [];
  const sp = FieldPath.root('spec');
  const spec = rc.spec ?? {};
  errs.push(...validateNonnegative(spec.minReadySeconds ?? 0, sp.child('minReadySeconds')));
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(required(sp.child('selector'), ''));
  errs.push(...validateLabels(selector, sp.child('selector')));
  errs.push(...validateNonnegative(spec.replicas ?? 0, sp.child('replicas')));
  const tp = sp.child('template');
  const tpl = spec.template;
  if (!tpl) errs.push(required(tp, ''));
  else {
    const labels = tpl.metadata?.labels ?? {};
    if (Object.keys(selector).length && !Object.entries(selector).every(([k, v]) => labels[k] === v))
      errs.push(invalid(tp.child('metadata').child('labels'), labels, '`selector` does not match template `labels`'));
    errs.push(...validatePodTemplateSpec(tpl, tp));
    if (tpl.spec?.restartPolicy !== 'Always') errs.push(notSupported(tp.child('spec').child('restartPolicy'), tpl.spec?.restartPolicy ?? '', ['Always']));
    if (tpl.spec?.activeDeadlineSeconds != null)
      errs.push(forbidden(tp.child('spec').child('activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

function containerCells(tpl: V1PodTemplateSpec | undefined): [string, string] {
  const cs = tpl?.spec?.containers ?? [];
  return [cs.map((c) => c.name ?? '').join(','), cs.map((c) => c.image ?? '').join(',')];
}

export const replicationControllerResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  schema: ReplicationControllerSchema,
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
  strategy: {
    defaults: (o) => defaultReplicationController(asRC(o)),
    prepareForCreate: (o) => {
      asRC(o).status = { replicas: 0 };
    },
    prepareForUpdate: (o, old, ctx) => {
      if (ctx.subresource === '') asRC(o).status = asRC(old).status;
    },
    validate: (o) => validateReplicationController(asRC(o)),
    warnings: (o) => podTemplateWarnings(asRC(o).spec?.template, 'spec.template'),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Desired', 'integer', 'The replica count the controller asks for.'),
      col('Current', 'integer', 'Pods the controller owns now (status.replicas).'),
      col('Ready', 'integer', "The controller's pods that are ready."),
      AGE_COLUMN,
      col('Containers', 'string', "The names of the pod template's containers.", 1),
      col('Images', 'string', "The images of the pod template's containers.", 1),
      col('Selector', 'string', 'The label selector choosing the pods the controller counts.', 1),
    ],
    cells(o, now) {
      const rc = asRC(o);
      const [names, images] = containerCells(rc.spec?.template);
      return [o.metadata.name ?? '', rc.spec?.replicas ?? 0, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0, age(o, now), names, images, formatLabels(rc.spec?.selector)];
    },
  },
  fieldSelectors: { 'status.replicas': (o) => String(asRC(o).status?.replicas ?? 0) },
};

// ------------------------------------------------------------------ PodTemplate

interface V1PodTemplate extends KubeObject { template?: V1PodTemplateSpec }
const asPT = (o: KubeObject) => o as V1PodTemplate;

export const podTemplateResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  schema: PodTemplateSchema,
  generation: false,
  strategy: {
    defaults: (o) => defaultPodTemplateSpec(asPT(o).template),
    validate: (o) => validatePodTemplateSpec(asPT(o).template ?? {}, FieldPath.root('template')),
    warnings: (o) => podTemplateWarnings(asPT(o).template, 'template'),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Containers', 'string', "The names of the template's containers."),
      col('Images', 'string', "The images of the template's containers."),
      col('Pod Labels', 'string', "The labels of the template's pods."),
    ],
    cells(o) {
      const [names, images] = containerCells(asPT(o).template);
      return [o.metadata.name ?? '', names, images, formatLabels(asPT(o).template?.metadata?.labels)];
    },
  },
};

// ------------------------------------------------------------------ Binding

interface V1Binding extends KubeObject { target?: { kind?: string; name?: string } }

/** ValidatePodBinding: the target must be a Node, by name. */
export function validateBinding(b: V1Binding): Errs {
  const errs: Errs = [];
  const kind = b.target?.kind ?? '';
  if (kind && kind !== 'Node') errs.push(notSupported(FieldPath.root('target').child('kind'), kind, ['Node', '<empty>']));
  if (!b.target?.name) errs.push(required(FieldPath.root('target').child('name'), ''));
  return errs;
}

/** `bindings` (create only). The pods/binding subresource reuses the schema and validation. */
export const bindingResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Binding',
  plural: 'bindings',
  singular: 'binding',
  namespaced: true,
  verbs: ['create'],
  schema: BindingSchema,
  generation: false,
  strategy: { validate: (o) => validateBinding(o as V1Binding) },
};
