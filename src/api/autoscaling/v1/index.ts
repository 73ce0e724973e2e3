/**
 * autoscaling/v1: HorizontalPodAutoscaler served through a conversion to the stored autoscaling/v2
 * object, and the Scale schema every scale subresource speaks.
 *
 * Contract with the apiserver: a v1 write is converted with `conversion.toStorage` and then goes
 * through the autoscaling/v2 ResourceDef's strategy (defaults, validation, with v2 field paths as
 * upstream reports them); reads convert with `fromStorage`. The v1 strategy below does the same
 * delegation, so running it directly on a v1 object is equivalent.
 */
import type { KubeObject, ResourceDef, Strategy } from '../../types.js';
import { hpaStrategy, hpaTable } from '../v2/index.js';
import { hpaV1ToV2, hpaV2ToV1 } from './conversion.js';
import { HorizontalPodAutoscalerSchema } from './schema.js';
import { asRecord, keepOtherHalf } from '../../apps/shared/index.js';

export * from './conversion.js';
export { ScaleSchema, HorizontalPodAutoscalerSchema as HorizontalPodAutoscalerV1Schema } from './schema.js';

const viaV2: Strategy = {
  /** Upstream autoscaling/v1 SetDefaults_HorizontalPodAutoscaler: only minReplicas. */
  defaults(obj) {
    const spec = asRecord(obj.spec);
    if (spec && (spec.minReplicas === undefined || spec.minReplicas === null)) spec.minReplicas = 1;
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate: keepOtherHalf,
  validate(obj: KubeObject, ctx) {
    return hpaStrategy.validate?.(hpaV1ToV2(obj), ctx) ?? [];
  },
};

export const horizontalPodAutoscalerV1: ResourceDef = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  schema: HorizontalPodAutoscalerSchema,
  subresources: { status: true },
  strategy: viaV2,
  table: {
    columns: hpaTable.columns,
    cells: (obj, now) => hpaTable.cells(obj.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(obj) : obj, now),
  },
  conversion: { storageVersion: 'autoscaling/v2', toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 },
};

export const resources: ResourceDef[] = [horizontalPodAutoscalerV1];
