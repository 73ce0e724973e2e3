/**
 * Argo Rollouts' kinds (argoproj.io/v1alpha1), built in: Rollout, AnalysisTemplate,
 * ClusterAnalysisTemplate, AnalysisRun and Experiment, served as Argo Rollouts' CRDs serve them —
 * names, short names, printer columns, status subresources and Rollout's scale subresource
 * (.spec.replicas / .status.HPAReplicas / .status.selector, as upstream's rollout CRD). No Argo
 * Rollouts controller runs in Flotilla yet: these objects are stored and served.
 */
import type { ResourceDef } from '../types.js';
import { s, type Schema } from '../schema/index.js';
import { kindSchema } from '../meta/v1.js';
import { AGE, crdStrategy, printerColumns, type PrinterColumn } from '../seed-groups/crd-kind.js';
import { RolloutSpec, RolloutStatus } from './rollout.js';
import { AnalysisRunSpec, AnalysisRunStatus, AnalysisTemplateSpec } from './analysis.js';
import { ExperimentSpec, ExperimentStatus } from './experiment.js';

export { RolloutSpec, RolloutStatus, AnalysisTemplateSpec, AnalysisRunSpec, ExperimentSpec };

const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';
const PRODUCT = 'Argo Rollouts';

interface KindSpec {
  kind: string;
  plural: string;
  shortNames?: string[];
  namespaced?: boolean;
  fields: Record<string, Schema>;
  required?: string[];
  description: string;
  columns: PrinterColumn[];
  status?: boolean;
}

function argoKind(k: KindSpec, extra: Partial<ResourceDef> = {}): ResourceDef {
  const schema = kindSchema(`io.argoproj.${VERSION}.${k.kind}`, { group: GROUP, version: VERSION, kind: k.kind }, k.fields, {
    description: k.description,
    ...(k.required ? { required: k.required } : {}),
  });
  return {
    group: GROUP,
    version: VERSION,
    kind: k.kind,
    plural: k.plural,
    singular: k.kind.toLowerCase(),
    namespaced: k.namespaced ?? true,
    ...(k.shortNames ? { shortNames: k.shortNames } : {}),
    schema,
    ...(k.status === false ? {} : { subresources: { status: true } }),
    custom: true,
    strategy: crdStrategy(schema, PRODUCT),
    table: printerColumns(k.columns),
    ...extra,
  };
}

const phase = (what: string): PrinterColumn => ({ name: 'Status', type: 'string', jsonPath: '.status.phase', description: `Phase of the ${what}.` });

export const rollout: ResourceDef = argoKind(
  {
    kind: 'Rollout',
    plural: 'rollouts',
    shortNames: ['ro'],
    fields: { spec: RolloutSpec, status: RolloutStatus },
    required: ['spec'],
    description: 'A Deployment replacement that rolls out new pod templates step by step, by blue-green or canary, optionally gated by analysis.',
    columns: [
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'The replica count the rollout asks for.' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'Pods the rollout currently owns (status.replicas).' },
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.updatedReplicas', description: 'Pods already running the rollout\'s current template.' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas', description: 'Pods that have been ready for at least minReadySeconds.' },
      { ...AGE, description: 'How long ago the object was created.' },
    ],
  },
  {
    subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.HPAReplicas', labelSelectorPath: '.status.selector' } },
  },
);

const templateFields = { spec: AnalysisTemplateSpec };

export const analysisTemplate: ResourceDef = argoKind({
  kind: 'AnalysisTemplate',
  plural: 'analysistemplates',
  shortNames: ['at'],
  fields: templateFields,
  required: ['spec'],
  description: 'Reusable set of metrics, with arguments, that decides whether a rollout step may proceed.',
  columns: [{ ...AGE, description: 'How long ago the object was created.' }],
  status: false,
});

export const clusterAnalysisTemplate: ResourceDef = argoKind({
  kind: 'ClusterAnalysisTemplate',
  plural: 'clusteranalysistemplates',
  shortNames: ['cat'],
  namespaced: false,
  fields: templateFields,
  required: ['spec'],
  description: 'An AnalysisTemplate usable from every namespace.',
  columns: [{ ...AGE, description: 'How long ago the object was created.' }],
  status: false,
});

export const analysisRun: ResourceDef = argoKind({
  kind: 'AnalysisRun',
  plural: 'analysisruns',
  shortNames: ['ar'],
  fields: { spec: AnalysisRunSpec, status: AnalysisRunStatus },
  required: ['spec'],
  description: 'One execution of analysis templates, with argument values and the measurements taken.',
  columns: [phase('AnalysisRun'), { ...AGE, description: 'How long ago the object was created.' }],
});

export const experiment: ResourceDef = argoKind({
  kind: 'Experiment',
  plural: 'experiments',
  shortNames: ['exp'],
  fields: { spec: ExperimentSpec, status: ExperimentStatus },
  required: ['spec'],
  description: 'Runs one or more pod templates side by side for a while, optionally with analysis, to compare versions.',
  columns: [phase('Experiment'), { ...AGE, description: 'How long ago the object was created.' }],
});

export const resources: ResourceDef[] = [rollout, analysisTemplate, clusterAnalysisTemplate, analysisRun, experiment];
